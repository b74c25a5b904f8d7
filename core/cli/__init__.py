"""Headless commands (``python -m core ...``)."""
