"""Helpers shared by the AppTest page tests."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1.element_tree import ElementList

# Every element that shows the user words (the widgets' labels aside).
TEXT_KINDS = (
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "info",
    "success",
    "warning",
    "error",
)


def each_text(at: Any, *kinds: str) -> list[str]:
    """The words of each element an AppTest run shows, one string per element.

    ``at`` is the AppTest or any part of it (``at.sidebar``, ``at.tabs[2]``), or one list
    of its elements (``at.caption``). ``kinds`` names the elements to read
    (``each_text(at, "info")``); by default every kind in ``TEXT_KINDS``, in that order.
    """
    if isinstance(at, ElementList):
        if kinds:
            raise TypeError("kinds are for an AppTest or a block, not for a list of elements")
        return [str(element.value) for element in at]
    return [str(element.value) for kind in kinds or TEXT_KINDS for element in getattr(at, kind)]


def texts(at: Any, *kinds: str) -> str:
    """The words an AppTest run shows, one element to a line (see ``each_text``).

    ``texts(at)`` reads every text element; ``texts(at, "warning")`` only the warnings;
    ``texts(at.tabs[1].caption)`` the captions of one tab.
    """
    return "\n".join(each_text(at, *kinds))


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
