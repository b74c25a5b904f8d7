"""The shared sidebar: the filters every page follows, and the small-cell threshold.

Drawn once per run by the entry point (``Home.py``), before the page, so its widgets keep
their values on every page by construction. Each filter is bound to a URL parameter of
its own name (see :mod:`core.app.state`); the threshold never goes below the operator's
floor (:func:`core.privacy.floor_k`), whatever the widget or the URL says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from core.app.state import adopt_all_from_link, bound
from core.countries import by_name, country_label
from core.data.filters import (
    FILTER_LABELS,
    MAJORITY_HELP,
    MAJORITY_LABELS,
    QUERY_KEYS,
    FilterOptions,
    Filters,
    from_query,
)
from core.privacy import DEFAULT_K, MAX_K, effective_k, floor_k

__all__ = ["filters_in_words", "operator_floor", "reset_filters", "sidebar_filters"]

_K_NOTE = "ctdc_k_note"
#: The filters the sidebar drew in this run, for the words under a downloaded chart.
_IN_FORCE = "ctdc_filters_in_force"


def _secrets() -> dict[str, object]:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except Exception:  # no secrets file at all: Streamlit raises; that simply means none
        return {}


def operator_floor() -> int:
    """The floor on k set by the operator (``CTDC_MIN_K``, environment or secrets)."""
    return floor_k(secrets=_secrets())


def _country_label(frame: pd.DataFrame, column: str) -> Callable[[str], str]:
    """The picker label of a country code: its name, then other names people type
    (official name, short forms such as "USA" or "UK") and the code, so that typing any
    of them finds it (:func:`core.countries.country_label`)."""
    codes = frame[column].cat.categories
    names = frame[f"{column}Name"].cat.categories
    mapping = dict(zip(codes, names, strict=False))
    return lambda code: country_label(code, mapping.get(code, code))


def _majority_label(value: str) -> str:
    return MAJORITY_LABELS.get(value, value)


def _threshold(floor: int) -> int:
    """The 'Hide counts below' input; a link or a session asking for less gets the floor."""
    state = st.session_state
    key = QUERY_KEYS["small_cell"]
    if key not in state:
        # A bound widget drops a value below its minimum silently; say so in one line.
        asked = st.query_params.get(key)
        _k, raised = effective_k(asked, floor)
        if raised:
            state[_K_NOTE] = (
                f"The link asked to hide counts below {asked}; this app never shows counts "
                f"below {floor}, so they are hidden below {floor}."
            )
    elif state[key] < floor:
        state[key] = floor
    value = st.sidebar.number_input(
        FILTER_LABELS["small_cell"],
        min_value=floor,
        max_value=MAX_K,
        value=max(DEFAULT_K, floor),
        step=1,
        help="Small counts could single people out; they show as '<k' and are left "
        f"out of downloads. This app never shows counts below {floor}; you may raise it.",
        **bound(key),
    )
    if value != floor:  # the user has chosen a threshold since: the link's note is old news
        state.pop(_K_NOTE, None)
    note = state.get(_K_NOTE)
    if note:
        st.sidebar.caption(note)
    return effective_k(value, floor)[0]


_CODE_AT_END = re.compile(r"\(([^()]*)\)\s*$")


def _code_at_end(label: str) -> str:
    """The code a country label ends with: 'Ukraine (UKR)' -> 'UKR',
    'United Kingdom (..., UK, England, GBR)' -> 'GBR'; anything else as it is."""
    found = _CODE_AT_END.search(label)
    return found.group(1).split(",")[-1].strip() if found else label.strip()


_LINK_READ = "ctdc_link_read"


def _adopt_older_links(options: FilterOptions, labels: dict[str, Callable[[str], str]]) -> None:
    """Links made before the filters were bound to the URL still open the same view.

    They wrote ``years=2010-2015``, ``noyear=0``, comma lists of codes, ``majority=Minor``
    and country labels of an earlier form; the bound widgets (which write and read an
    option's label) would drop those as invalid, so a fresh session reads them with the
    old forgiving parser, hands the values to the widgets and writes them in the widgets'
    own form in the address bar (:func:`core.app.state.adopt_all_from_link`), so a copy of
    the address opens the same view.
    """
    state = st.session_state
    # only the first run of a session reads a link: later (after "Reset all filters", say)
    # the widgets are bound, and the address bar holds their own forms
    if _LINK_READ in state or any(key in state for key in QUERY_KEYS.values()):
        return
    state[_LINK_READ] = True
    raw = {key: st.query_params.get(key) for key in QUERY_KEYS.values()}
    for name in ("citizenship", "exploitation_country"):
        # A bound picker writes its label in the URL; a label of an earlier form
        # ("Ukraine (UKR)") still names its country by the code it ends with.
        key = QUERY_KEYS[name]
        asked = st.query_params.get_all(key)
        if asked and any(_CODE_AT_END.search(value) for value in asked):
            raw[key] = ",".join(_code_at_end(value) for value in asked)
    old = from_query({key: value for key, value in raw.items() if value is not None}, options)
    # each value in the form its widget writes, so the address bar keeps the choice
    adopted: dict[str, tuple[Any, str | list[str]]] = {}
    asked_years = raw[QUERY_KEYS["years"]]
    if asked_years and "-" in asked_years and old.years is not None:
        adopted[QUERY_KEYS["years"]] = (old.years, [str(y) for y in old.years])
    if raw[QUERY_KEYS["include_unknown_year"]] == "0":
        adopted[QUERY_KEYS["include_unknown_year"]] = (False, "false")
    for name in ("genders", "majority", "age_bands", "citizenship", "exploitation_country"):
        key = QUERY_KEYS[name]
        values = getattr(old, name)
        formatted = labels.get(name, str)
        if values and (
            (len(st.query_params.get_all(key)) == 1 and "," in (raw[key] or ""))
            or any(formatted(v) != v for v in values)
        ):
            adopted[key] = (list(values), [formatted(v) for v in values])
    if adopted:
        adopt_all_from_link(adopted)


def sidebar_filters(full: pd.DataFrame, options: FilterOptions) -> Filters:
    """Draw the filters for ``full`` and return the slice they select."""
    state = st.session_state
    country = {
        "citizenship": _country_label(full, "citizenship"),
        "exploitation_country": _country_label(full, "CountryOfExploitation"),
    }
    _adopt_older_links(options, {**country, "majority": _majority_label})
    sb = st.sidebar
    sb.header("Filter the records")
    years: tuple[int, int] | None = None
    key = QUERY_KEYS["years"]
    if (
        options.year_min is not None
        and options.year_max is not None
        and options.year_min < options.year_max
    ):
        if key in state:  # a remembered range from other data: keep it inside this data's
            lo, hi = state[key]
            lo, hi = max(lo, options.year_min), min(hi, options.year_max)
            state[key] = (lo, hi) if lo <= hi else (options.year_min, options.year_max)
        chosen = sb.slider(
            FILTER_LABELS["years"],
            min_value=options.year_min,
            max_value=options.year_max,
            value=(options.year_min, options.year_max),
            **bound(key),
        )
        years = (int(chosen[0]), int(chosen[1]))
        if years == (options.year_min, options.year_max):
            years = None
    elif options.year_min is not None:
        sb.caption(f"All records with a year are from {options.year_min}.")
    include_unknown = sb.checkbox(
        FILTER_LABELS["include_unknown_year"],
        value=True,
        help="About one record in five has no year of registration.",
        **bound(QUERY_KEYS["include_unknown_year"]),
    )

    def multiselect(
        label: str,
        name: str,
        choices: Sequence[str],
        fmt: Callable[[str], str] = str,
        help_text: str | None = None,
    ) -> tuple[str, ...]:
        picked = sb.multiselect(
            label,
            list(choices),
            format_func=fmt,
            placeholder="All (incl. unknown)",
            help=help_text,
            **bound(QUERY_KEYS[name], options=choices),
        )
        return tuple(picked)

    genders = multiselect(FILTER_LABELS["genders"], "genders", options.genders)
    majority = multiselect(
        FILTER_LABELS["majority"],
        "majority",
        options.majority,
        _majority_label,
        help_text=MAJORITY_HELP,
    )
    ages = multiselect(FILTER_LABELS["age_bands"], "age_bands", options.age_bands)
    # Countries are listed by name (the URL keeps their codes), searchable by every name.
    citizenship = multiselect(
        FILTER_LABELS["citizenship"],
        "citizenship",
        by_name(options.citizenship, country["citizenship"]),
        country["citizenship"],
        help_text="Type any name of the country: common, official or short (USA, UK).",
    )
    exploited = multiselect(
        FILTER_LABELS["exploitation_country"],
        "exploitation_country",
        by_name(options.exploitation_country, country["exploitation_country"]),
        country["exploitation_country"],
        help_text="Type any name of the country: common, official or short (USA, UK).",
    )
    k = _threshold(operator_floor())
    filters = Filters(
        years=years,
        include_unknown_year=bool(include_unknown),
        genders=genders,
        majority=majority,
        age_bands=ages,
        citizenship=citizenship,
        exploitation_country=exploited,
        small_cell=k,
    )
    state[_IN_FORCE] = filters
    return filters


def filters_in_words(filters: Filters | None = None) -> str:
    """The filters in force in plain words, for captions and downloaded images.

    ``filters`` defaults to those the sidebar drew last in this session. The slice is
    said by :meth:`core.data.filters.Filters.describe`; the threshold follows it.
    """
    if filters is None:
        filters = st.session_state.get(_IN_FORCE)
    if filters is None:
        return "all records"
    return f"{filters.describe()}; counts below {filters.small_cell} withheld"


def reset_filters() -> None:
    """Every filter back to its default (and off the URL): the widgets' own defaults."""
    for key in QUERY_KEYS.values():
        st.session_state.pop(key, None)
    st.session_state.pop(_K_NOTE, None)
