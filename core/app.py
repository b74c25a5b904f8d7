"""App glue: the one module of ``core`` that imports Streamlit.

Every page starts with :func:`setup_page`, which loads the active data (cached), draws
the shared sidebar (upload, filters that persist across pages and live in the URL),
labels demo data, and returns a :class:`PageContext`. Charts go on screen through
:func:`show_altair` / :func:`show_plotly` / :func:`show_table`, which add the caption
and the downloads (PNG or HTML, and CSV with small-cell protection).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core.export import altair_png, csv_bytes, plotly_html
from core.filters import (
    DEFAULT_SMALL_CELL,
    QUERY_KEYS,
    FilterOptions,
    Filters,
    apply_filters,
    filter_options,
    from_query,
    to_query,
)
from core.load import DataError, LoadResult, load_cached
from core.privacy import protect
from core.sources import DataSource, resolve_source

__all__ = [
    "DEMO_LABEL",
    "PageContext",
    "data_note",
    "setup_page",
    "show_altair",
    "show_plotly",
    "show_table",
]

DEMO_LABEL = "Illustrative demo data, not real records"
CITATION = (
    "Source: Counter-Trafficking Data Collaborative (CTDC). Global Synthetic Dataset."
)
PAGES: tuple[tuple[str, str, str], ...] = (
    ("Home.py", "Home", "What CTDC Explorer is, the active data, headline numbers"),
    ("pages/1_Explore.py", "Explore", "Tactics, flows between countries, trends, shifts"),
    ("pages/2_Who_is_most_at_risk.py", "Who is most at risk", "Logit models by gender and age"),
    ("pages/3_Hidden_populations.py", "Hidden populations", "Estimates from survey counts"),
    ("pages/4_Trends_and_forecast.py", "Trends and forecast", "Prophet forecasts, backtest"),
    ("pages/5_Clusters.py", "Clusters", "K-means explorer with a 3D view"),
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def existing_pages() -> list[tuple[str, str, str]]:
    """The entries of :data:`PAGES` whose script exists (Home links only to those)."""
    return [page for page in PAGES if (PROJECT_ROOT / page[0]).exists()]


_UPLOAD_STATE = "ctdc_upload"
_FILTER_STATE = "ctdc_filters"
_QUERY_SEEDED = "ctdc_query_seeded"


@dataclass
class PageContext:
    """What a page needs: the full frame, the filtered slice, and how it was made."""

    full: pd.DataFrame
    frame: pd.DataFrame
    filters: Filters
    source: DataSource
    result: LoadResult

    @property
    def k(self) -> int:
        """The small-cell threshold in force."""
        return self.filters.small_cell

    @property
    def cache_key(self) -> str:
        """A short key for the slice; pass it to ``st.cache_data`` functions beside ``_frame``."""
        query = to_query(self.filters)
        query.pop("k", None)
        return self.result.content_hash[:16] + "|" + "&".join(f"{a}={b}" for a, b in sorted(query.items()))

    @property
    def is_demo(self) -> bool:
        return self.source.is_demo


# --------------------------------------------------------------------------- loading
@st.cache_resource(show_spinner="Reading and cleaning the data (once per file)…", max_entries=4)
def _load_path(path: str, size: int, mtime: float) -> LoadResult:
    """Parse a file once per process; ``size`` and ``mtime`` make a changed file reload."""
    return load_cached(path)


def _secret_setting() -> str | None:
    if os.environ.get("CTDC_DATA"):
        return None
    try:
        value = st.secrets.get("CTDC_DATA")
    except Exception:  # no secrets file at all: Streamlit raises; that simply means unset
        return None
    return str(value) if value else None


def _active_data() -> tuple[DataSource, LoadResult]:
    upload = st.session_state.get(_UPLOAD_STATE)
    if upload is not None:
        return upload.source, upload.result
    try:
        source = resolve_source(setting=_secret_setting())
    except DataError as exc:
        st.error(f"{exc} Showing the embedded demo data instead.")
        source = resolve_source(setting="", data_dir=Path("/nonexistent"))
    try:
        stat = source.path.stat()
        result = _load_path(str(source.path), stat.st_size, stat.st_mtime)
    except (DataError, OSError) as exc:
        if source.is_demo:
            st.error(
                f"The embedded demo data could not be read ({exc}); reinstall the app "
                "or rebuild it with `python -m core.demo`."
            )
            st.stop()
        st.error(f"{exc} Showing the embedded demo data instead.")
        source = resolve_source(setting="", data_dir=Path("/nonexistent"))
        stat = source.path.stat()
        result = _load_path(str(source.path), stat.st_size, stat.st_mtime)
    return source, result


@dataclass(frozen=True)
class _Upload:
    """A user's uploaded file, parsed (or refused) once; ``key`` identifies the file."""

    key: str
    source: DataSource
    result: LoadResult


def _upload_widget() -> None:
    state = st.session_state
    with st.sidebar.expander("Use your own CTDC file", expanded=False):
        # A new key empties the widget (there is no other way to clear a file_uploader).
        generation = state.setdefault("ctdc_uploader_generation", 0)
        uploaded = st.file_uploader(
            "CTDC data file (TSV, CSV or .gz; any release)",
            key=f"ctdc_uploader_{generation}",
            help="The file stays in this browser session only; nothing is stored for others.",
        )
        if uploaded is not None:
            file_key = f"{uploaded.file_id}:{uploaded.name}:{uploaded.size}"
            current: _Upload | None = state.get(_UPLOAD_STATE)
            refused = state.get("ctdc_upload_refused")
            if refused is not None and refused[0] == file_key:
                st.error(refused[1])  # said once per file, not parsed again on every rerun
            elif current is None or current.key != file_key:
                with st.spinner(f"Reading {uploaded.name}…"):
                    try:
                        result = load_cached(uploaded.getvalue(), label=uploaded.name)
                    except DataError as exc:
                        state["ctdc_upload_refused"] = (file_key, str(exc))
                        st.error(str(exc))
                        return
                source = DataSource("upload", Path(uploaded.name), f"{uploaded.name} (your upload)")
                state[_UPLOAD_STATE] = _Upload(file_key, source, result)
                state.pop("ctdc_upload_refused", None)
                st.rerun()
        current = state.get(_UPLOAD_STATE)
        if current is not None:
            st.caption(f"Using your upload: {current.result.source_label}")
            if st.button("Go back to the default data", key="ctdc_forget_upload"):
                state.pop(_UPLOAD_STATE, None)
                state["ctdc_uploader_generation"] = generation + 1
                st.rerun()


# --------------------------------------------------------------------------- sidebar
def _country_label(frame: pd.DataFrame, column: str) -> Callable[[str], str]:
    codes = frame[column].cat.categories
    names = frame[f"{column}Name"].cat.categories
    mapping = dict(zip(codes, names, strict=False))
    return lambda code: f"{mapping.get(code, code)} ({code})" if mapping.get(code, code) != code else code


def _seed(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _sidebar_filters(full: pd.DataFrame, options: FilterOptions) -> Filters:
    state = st.session_state
    if _FILTER_STATE not in state:
        seeded = from_query(dict(st.query_params), options) if not state.get(_QUERY_SEEDED) else Filters()
        state[_FILTER_STATE] = seeded
        state[_QUERY_SEEDED] = True
    current: Filters = state[_FILTER_STATE]

    sb = st.sidebar
    sb.header("Filter the records")
    years: tuple[int, int] | None = None
    if options.year_min is not None and options.year_max is not None and options.year_min < options.year_max:
        _seed("f_years", current.years or (options.year_min, options.year_max))
        lo, hi = state["f_years"]
        state["f_years"] = (max(lo, options.year_min), min(hi, options.year_max))
        chosen = sb.slider(
            "Year of registration",
            min_value=options.year_min,
            max_value=options.year_max,
            key="f_years",
        )
        years = (int(chosen[0]), int(chosen[1]))
        if years == (options.year_min, options.year_max):
            years = None
    elif options.year_min is not None:
        sb.caption(f"All records with a year are from {options.year_min}.")
    _seed("f_unknown_year", current.include_unknown_year)
    include_unknown = sb.checkbox(
        "Include records with no year", key="f_unknown_year",
        help="About one record in five has no year of registration.",
    )

    def multiselect(label: str, name: str, choices: Sequence[str],
                    fmt: Callable[[str], str] = str, help_text: str | None = None) -> tuple[str, ...]:
        key = f"f_{name}"
        _seed(key, [v for v in getattr(current, name) if v in choices])
        state[key] = [v for v in state[key] if v in choices]
        picked = sb.multiselect(label, list(choices), key=key, format_func=fmt,
                                placeholder="All (incl. unknown)", help=help_text)
        return tuple(picked)

    genders = multiselect("Gender", "genders", options.genders)
    majority = multiselect(
        "Majority status at exploitation", "majority", options.majority,
        help_text="Given in the data or, where missing, derived from the age band.",
    )
    ages = multiselect("Age band", "age_bands", options.age_bands)
    citizenship = multiselect("Citizenship", "citizenship", options.citizenship,
                              _country_label(full, "citizenship"))
    exploited = multiselect("Country of exploitation", "exploitation_country",
                            options.exploitation_country,
                            _country_label(full, "CountryOfExploitation"))
    _seed("f_k", current.small_cell)
    k = sb.number_input(
        "Hide counts below", min_value=1, max_value=1000, step=1, key="f_k",
        help="Small counts could single people out; they show as '<k' and are left out "
        f"of downloads. The data's own resolution is {DEFAULT_SMALL_CELL}.",
    )
    filters = Filters(
        years=years,
        include_unknown_year=bool(include_unknown),
        genders=genders,
        majority=majority,
        age_bands=ages,
        citizenship=citizenship,
        exploitation_country=exploited,
        small_cell=int(k),
    )
    state[_FILTER_STATE] = filters
    _sync_query(to_query(filters))
    return filters


def _sync_query(query: dict[str, str]) -> None:
    """Write the filters into the URL, leaving the pages' own keys (e.g. ``hid_*``) alone."""
    params = st.query_params
    for key in [k for k in params if k in QUERY_KEYS and k not in query]:
        del params[key]
    for key, value in query.items():
        if params.get(key) != value:
            params[key] = value


# --------------------------------------------------------------------------- page frame
def setup_page(title: str, *, icon: str = "🔎", intro: str | None = None,
               layout: str = "wide") -> PageContext:
    """Configure the page, load the data, draw the shared sidebar; returns the context.

    Stops the page (with a friendly message) when the filters leave no records.
    """
    st.set_page_config(page_title=f"{title} · CTDC Explorer", page_icon=icon, layout=layout)
    source, result = _active_data()
    _upload_widget()
    full = result.frame
    options = filter_options(full)
    filters = _sidebar_filters(full, options)
    if st.sidebar.button("Reset all filters", key="ctdc_reset_filters"):
        for key in [k for k in st.session_state if str(k).startswith("f_")]:
            del st.session_state[key]
        st.session_state[_FILTER_STATE] = Filters()
        _sync_query({})
        st.rerun()
    frame = apply_filters(full, filters)

    st.title(title)
    if source.is_demo:
        st.warning(
            f"**{DEMO_LABEL}.** These {len(full):,} records were generated to resemble the "
            "CTDC release; every number on this page is for illustration. Upload the real "
            "file in the sidebar (or see the README) to analyse it.",
            icon=":material/science:",
        )
    st.caption(
        f"Data: {source.label} · {result.release} · {len(frame):,} of {len(full):,} records "
        f"in view ({filters.describe()}). Identified victims, not prevalence."
    )
    if intro:
        st.markdown(intro)
    ctx = PageContext(full=full, frame=frame, filters=filters, source=source, result=result)
    if frame.empty:
        st.info(
            "No records match these filters. Widen the year range or clear some choices "
            "in the sidebar (or press 'Reset all filters')."
        )
        st.stop()
    return ctx


def data_note(n: int, *, what: str = "records") -> str:
    """The standard caption fragment saying how many records a chart rests on."""
    return f"Based on {n:,} {what}. Identified cases, not prevalence."


# --------------------------------------------------------------------------- outputs
def _csv_download(name: str, data: pd.DataFrame, count_columns: Sequence[str],
                  dependent_columns: Sequence[str], k: int, column: Any) -> None:
    safe = protect(data, count_columns=count_columns, k=k,
                   dependent_columns=dependent_columns, for_export=True)
    column.download_button(
        "Data (CSV)", data=csv_bytes(safe), file_name=f"{name}.csv", mime="text/csv",
        key=f"dl_csv_{name}", on_click="ignore", icon=":material/download:",
    )


def show_altair(chart: Any, data: pd.DataFrame, *, name: str, caption: str, k: int,
                count_columns: Sequence[str] = (), dependent_columns: Sequence[str] = ()) -> None:
    """Draw an Altair chart with its caption, a PNG download and a CSV of its data.

    The chart should already be drawn from protected data (see :func:`core.privacy.protect`);
    the CSV is protected here again with ``count_columns`` and ``k``.
    """
    st.altair_chart(chart, width="stretch")
    st.caption(caption)
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        "Chart (PNG)", data=lambda: altair_png(chart), file_name=f"{name}.png",
        mime="image/png", key=f"dl_png_{name}", on_click="ignore", icon=":material/image:",
    )
    _csv_download(name, data, count_columns, dependent_columns, k, right)


def show_plotly(figure: Any, data: pd.DataFrame, *, name: str, caption: str, k: int,
                count_columns: Sequence[str] = (), dependent_columns: Sequence[str] = ()) -> None:
    """Draw a Plotly figure with its caption, an HTML download and a CSV of its data.

    The figure's toolbar (camera icon) saves a PNG in the browser.
    """
    st.plotly_chart(figure, width="stretch", config={"displaylogo": False,
                    "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2}})
    st.caption(caption + " Use the camera icon on the chart for a PNG.")
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        "Chart (HTML)", data=lambda: plotly_html(figure), file_name=f"{name}.html",
        mime="text/html", key=f"dl_html_{name}", on_click="ignore", icon=":material/web:",
    )
    _csv_download(name, data, count_columns, dependent_columns, k, right)


def _as_display_text(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Columns that mix numbers with '<k' become text, so the table serialises cleanly."""
    out = table.copy()
    for column in columns:
        if column in out.columns and out[column].dtype == object:
            out[column] = out[column].map(_display_cell)
    return out


def _display_cell(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        # thousands as whole numbers with separators; small numbers to 4 significant digits
        return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.4g}"
    return str(value)


def show_table(data: pd.DataFrame, *, name: str, caption: str, k: int,
               count_columns: Sequence[str] = (), dependent_columns: Sequence[str] = (),
               **dataframe_kwargs: Any) -> None:
    """A table (small counts shown as '<k') with its caption and a CSV download."""
    shown = protect(data, count_columns=count_columns, k=k, dependent_columns=dependent_columns)
    st.dataframe(_as_display_text(shown, [*count_columns, *dependent_columns]), hide_index=True,
                 **dataframe_kwargs)
    st.caption(caption)
    _csv_download(name, data, count_columns, dependent_columns, k, st)
