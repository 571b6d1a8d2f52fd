"""A real app server and Debian's Chromium with a fake camera (``harness``), and the
camera's clips (``y4m``): shared by the browser tests and the benchmarks."""
