"""Server-wide: made once per process, shared by every browser session. Never imports the
views (:mod:`ui.views`), so the server's set-up can be tested without a page."""
