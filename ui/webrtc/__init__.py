"""WebRTC, the app's only media transport: streamlit-webrtc components (the webcam's and the
network stream viewers') and the viewers' tracks. The core never imports aiortc."""
