"""A real RTSP server on loopback (``server.py``, run by Debian's python3 with GStreamer)
serving the sample clip with a numbered barcode in every frame, and the venv-side
helpers to start it (``fixture``) and read the numbers (``barcode``)."""
