"""Streamlit-side helpers of the PoseScope app: settings panel, cached detectors, state,
the shared analysis report and the webcam processor.

Everything Streamlit-specific lives here and in ``app_pages/``; the computer vision lives
in ``pose_core``, which never imports Streamlit.
"""
