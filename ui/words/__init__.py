"""The app's words for the core's facts, with no Streamlit: a stream's problems and
states, the text drawn on the live video, and user text made safe to show. Views, the
WebRTC side and the server's set-up all use them, so they import nothing else of ``ui``."""
