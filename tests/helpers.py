"""Helpers shared by the AppTest page tests."""

from __future__ import annotations

from typing import Any


def url_of(at: Any) -> dict[str, Any]:
    """The view's URL parameters, single values as text and repeated ones as lists.

    AppTest applies a bound widget's change to its URL one run late (the browser does it
    at once), so this runs the script once more before reading.
    """
    at.run()
    return {
        key: (value[0] if isinstance(value, list) and len(value) == 1 else value)
        for key, value in at.query_params.items()
    }
