"""What the pages show: built from the core's results and the session's state."""
