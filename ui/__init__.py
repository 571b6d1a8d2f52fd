"""The app layer: everything Streamlit-specific between the pages (``app_pages/``) and the
Streamlit-free core (``pose_core``). Imports point one way: pages → ``ui`` → ``pose_core``.

- :mod:`ui.server`: made once per server process and shared by every session (the
  runtime object, limits, logging, ICE servers, cached detectors);
- :mod:`ui.state`: per-session state, typed objects over ``st.session_state``;
- :mod:`ui.views`: what the pages show (reports, motion and tuning views, the live panel);
- :mod:`ui.widgets`: the shared sidebar and small inputs (samples, uploads, branding);
- :mod:`ui.webrtc`: streamlit-webrtc components and the viewers' tracks;
- :mod:`ui.words`: the app's words for the core's facts (no Streamlit, no other ``ui``).

The launchers (LAN mode, the replicas) are in ``deploy/``, outside the app.
"""
