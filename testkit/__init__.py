"""Helpers for the tests and the benchmarks (not shipped; no tests here).

* ``fixtures``: the fixture photos (``tests/fixtures/``) and the shared IMAGE detectors.
* ``corpus``, ``photos``: bad and odd inputs, and phone-sized photos, made from them.
* ``checks``: the bare MediaPipe call and the user-message check of the core tests.
* ``apptest``: the AppTest suites' helpers (pages, uploads, the fake WebRTC component).
* ``multi_eval``: scoring poses against the multi-person test set.
* ``http_streams``: MJPEG and HLS servers on loopback; ``rtsp``: a real RTSP server.
* ``browser``: the app server and Debian's Chromium with a fake camera (``harness``,
  ``y4m``).
* ``wait``: waiting on a condition with a deadline.

Test modules import helpers from here, never from ``conftest`` or from one another;
``tests/conftest.py`` holds only pytest fixtures and hooks.
"""
