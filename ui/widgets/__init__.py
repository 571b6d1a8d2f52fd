"""Inputs every page shares: the settings panel (sidebar), samples, upload types, the icon."""
