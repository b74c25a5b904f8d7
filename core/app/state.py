"""URL state: the one mechanism by which a choice lives in the address bar.

Every choice a user makes (the sidebar's filters and each page's own controls) is a
widget bound to a query parameter of the same name (Streamlit's ``bind="query-params"``):
a copied link or a reload reproduces the view, and a value that does not fit the widget is
dropped from the URL rather than raised. :func:`bound` is how a page asks for that.

Streamlit forgets the state of a widget that is not drawn in a run, so a page's choices
would be lost on a visit to another page. The entry point calls :func:`keep_choices`
before the page runs, which re-assigns each bound key that is still in the session: a
value set through Session State outlives the clean-up, so the page finds its choices
again on the way back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping
from typing import Any, NoReturn

import streamlit as st
from streamlit.errors import StreamlitAPIException

__all__ = ["adopt_all_from_link", "adopt_from_link", "bound", "keep_choices"]

_REGISTRY = "ctdc_bound_keys"
#: The URL parameter ``<key>_cleared=1`` says that the multiselect ``key`` was emptied.
_CLEARED = "_cleared"


def bound(
    key: str, *, options: Collection[Any] | None = None, keep_empty: bool = False
) -> dict[str, Any]:
    """Keyword arguments that bind a widget to the URL parameter ``key`` and remember it.

    ``st.slider("Flows to show", 5, 30, 12, **bound("exp_sankey_n"))``

    ``options``: for a choice among values that depend on the data (countries, the
    categories of a field), a remembered value the current options lack is dropped
    (from a list, only the values that are not there), so the widget falls back to its
    default instead of failing.

    ``keep_empty``: for a multiselect whose default is not empty. Streamlit writes no
    parameter when such a widget is emptied, so a reload or a link would bring the
    default back; while it is empty, the URL carries ``<key>_cleared=1`` instead, and a
    new session that finds it (and no ``<key>``) starts the widget empty.
    """
    if not key or not key.replace("_", "").isalnum():
        raise ValueError(f"a bound key is letters, digits and '_' only, not {key!r}")
    state = st.session_state
    state.setdefault(_REGISTRY, set()).add(key)
    if keep_empty:
        _keep_empty(key)
    if options is not None and key in state:
        value = state[key]
        if isinstance(value, list):
            state[key] = [v for v in value if v in options]
        elif value not in options:
            del state[key]
    return {"key": key, "bind": "query-params"}


def _keep_empty(key: str) -> None:
    """See :func:`bound`: the emptied multiselect ``key`` stays empty in the URL."""
    state, params, marker = st.session_state, st.query_params, f"{key}{_CLEARED}"
    if key not in state:
        if marker in params and key not in params:
            state[key] = []
        elif marker in params:  # the link names values too: they win, the marker goes
            del params[marker]
    elif state[key] == []:
        params[marker] = "1"
    elif marker in params:
        del params[marker]


def adopt_from_link(key: str, value: Any, *, written: str | list[str]) -> NoReturn:
    """Give the bound widget ``key`` a value that a link asked for in a form the widget
    does not write (an ISO code where the widget writes the country's name), and run the
    script again.

    Streamlit does not write a value set through Session State to the URL, and it drops a
    parameter that does not fit its widget, so the address bar would lose the choice and a
    copy of it would open the default view. ``written`` is what the widget itself would
    write; it is put in the URL before the widget is bound (setting a bound parameter
    raises), and the run stops there. Call it only while ``key`` is not in Session State,
    so the next run draws the widget instead of coming back here.
    """
    adopt_all_from_link({key: (value, written)})


def adopt_all_from_link(choices: Mapping[str, tuple[Any, str | list[str]]]) -> NoReturn:
    """:func:`adopt_from_link` for several widgets at once: ``choices`` maps each key to
    its value and the form its widget writes. One run again for all of them, since after
    it the keys are in Session State and a second adoption would not happen."""
    for key, (value, written) in choices.items():
        # bound already in this session (should not happen): its widget writes it then
        with contextlib.suppress(StreamlitAPIException):
            st.query_params[key] = written
        st.session_state[key] = value
    st.rerun()


def keep_choices() -> None:
    """Keep the bound choices of pages that are not drawn in this run (see the module)."""
    state = st.session_state
    for key in state.get(_REGISTRY, ()):
        if key in state:
            state[key] = state[key]
