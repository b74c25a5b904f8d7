"""The frame around every page: navigation, the shared part of each run, the page header.

``Home.py`` is the entry point. Each run it loads the active data, draws the upload
control and the filters in the sidebar (:func:`shared_run`), then runs the chosen page
through ``st.navigation``. A page starts with :func:`setup_page`, which takes what the
entry point prepared; a page script run on its own (as the page tests do) draws the
sidebar itself, so it behaves the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from core.app.data import active_data, upload_lost_note, upload_widget
from core.app.sidebar import reset_filters, sidebar_filters
from core.app.state import keep_choices
from core.app.style import apply_style
from core.data.filters import Filters, apply_filters, filter_options, to_query
from core.data.load import LoadResult
from core.data.sources import DataSource
from core.privacy import format_count, is_small

__all__ = [
    "CITATION",
    "DEMO_LABEL",
    "PAGES",
    "PageContext",
    "existing_pages",
    "on_a_phone",
    "page_links",
    "run_app",
    "setup_page",
]

DEMO_LABEL = "Illustrative demo data, not real records"
CITATION = "Source: Counter-Trafficking Data Collaborative (CTDC). Global Synthetic Dataset."
#: (script, title, url path, what it answers); the first is the home page.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    (
        "pages/0_Home_page.py",
        "Home",
        "",
        "What CTDC Explorer is, the active data, headline numbers",
    ),
    (
        "pages/1_Explore.py",
        "Explore",
        "Explore",
        "Tactics, flows between countries, trends, shifts",
    ),
    (
        "pages/2_Who_is_most_at_risk.py",
        "Who is most at risk",
        "Who_is_most_at_risk",
        "Logit models by gender and age",
    ),
    (
        "pages/3_Hidden_populations.py",
        "Hidden populations",
        "Hidden_populations",
        "Estimates from survey counts",
    ),
    (
        "pages/4_Trends_and_forecast.py",
        "Trends and forecast",
        "Trends_and_forecast",
        "Forecasts, backtest",
    ),
    ("pages/5_Clusters.py", "Clusters", "Clusters", "K-means explorer with a 3D view"),
    ("pages/6_Country_brief.py", "Country brief", "Country_brief", "One country, as Word and PDF"),
)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
_SHARED = "ctdc_shared_run"


def existing_pages() -> list[tuple[str, str, str, str]]:
    """The entries of :data:`PAGES` whose script exists."""
    return [page for page in PAGES if (PROJECT_ROOT / page[0]).exists()]


@dataclass
class PageContext:
    """What a page needs: the full frame, the filtered slice, and how it was made."""

    full: pd.DataFrame
    frame: pd.DataFrame
    filters: Filters
    source: DataSource
    result: LoadResult
    note: str | None = None

    @property
    def k(self) -> int:
        """The small-cell threshold in force."""
        return self.filters.small_cell

    @property
    def cache_key(self) -> str:
        """A short key for the slice; pass it to ``st.cache_data`` functions beside ``_frame``."""
        query = to_query(self.filters)
        query.pop("k", None)
        return (
            self.result.content_hash[:16]
            + "|"
            + "&".join(f"{a}={b}" for a, b in sorted(query.items()))
        )

    @property
    def is_demo(self) -> bool:
        return self.source.is_demo


def shared_run() -> PageContext:
    """Load the data and draw the shared sidebar: once per run, before any page."""
    apply_style()
    note = upload_lost_note()
    source, result = active_data()
    upload_widget()
    full = result.frame
    filters = sidebar_filters(full, filter_options(full))
    if st.sidebar.button("Reset all filters", key="ctdc_reset_filters"):
        reset_filters()
        st.rerun()
    frame = apply_filters(full, filters)
    return PageContext(
        full=full, frame=frame, filters=filters, source=source, result=result, note=note
    )


def _legacy_pages_run() -> bool:
    """Whether Streamlit ran this page in its older multipage mode (``pages/`` beside
    the entry point, no run through st.navigation yet). A page test that runs a page
    script on its own has no ``pages/`` beside it, so this is False there."""
    from streamlit.runtime.pages_manager import PagesManager

    return bool(PagesManager.uses_pages_directory)


def run_app() -> None:
    """The entry point's whole work: shared sidebar, then the page the user chose."""
    st.set_page_config(page_title="CTDC Explorer", page_icon="🧭", layout="wide")
    pages = [
        st.Page(script, title=title, url_path=url or None, default=(i == 0))
        for i, (script, title, url, _blurb) in enumerate(existing_pages())
    ]
    page = st.navigation(pages)
    keep_choices()
    st.session_state[_SHARED] = shared_run()
    try:
        page.run()
    finally:
        st.session_state.pop(_SHARED, None)


def page_links() -> None:
    """A link to every other page, with what it answers (the home page's menu).

    A page script run on its own (the page tests) has no navigation to link into, so
    it lists the pages as text.
    """
    under_navigation = st.session_state.get(_SHARED) is not None
    for path, label, _url, blurb in existing_pages()[1:]:
        if under_navigation:
            st.page_link(path, label=f"{label}: {blurb}")
        else:
            st.markdown(f"- **{label}**: {blurb}")


def on_a_phone() -> bool:
    """Whether the browser says it is a phone ("Mobi" in its User-Agent, the marker that
    phone browsers send and tablets and desktops do not).

    The server cannot see the screen's width, and a chart's layout is decided here: a
    chart that could not fit 390 px (two small multiples side by side) stacks on a phone.
    False where no browser sent the header (AppTest, the headless commands).
    """
    try:
        agent = st.context.headers.get("User-Agent", "") or ""
    except Exception:  # no request behind this run
        return False
    return "Mobi" in agent


def setup_page(title: str, *, icon: str = "🔎", intro: str | None = None) -> PageContext:
    """The page header (title, demo label, what is in view); returns the page's context.

    Stops the page (with a friendly message) when the filters leave no records.
    """
    ctx: PageContext | None = st.session_state.get(_SHARED)
    if ctx is None and _legacy_pages_run():
        # The first run after the server starts can come straight from a deep link to a
        # script under pages/ (Streamlit's older multipage mode, before any run reached
        # st.navigation). Run the app's frame instead, which runs this page inside it.
        run_app()
        st.stop()
    if ctx is None:  # the page script run on its own, not through Home.py
        st.set_page_config(page_title=f"{title} · CTDC Explorer", page_icon=icon, layout="wide")
        keep_choices()
        ctx = shared_run()
    full, frame, filters, source, result = ctx.full, ctx.frame, ctx.filters, ctx.source, ctx.result

    st.title(title)
    if ctx.note:
        st.info(ctx.note)
    if source.is_demo:
        st.warning(
            f"**{DEMO_LABEL}.** These {len(full):,} records were generated to resemble the "
            "CTDC release; every number on this page is for illustration. Upload the real "
            "file in the sidebar (or see the README) to analyse it.",
            icon=":material/science:",
        )
    k = filters.small_cell
    left_out = len(full) - len(frame)
    # The total beside the count in view would give a small number left out back.
    of_total = (
        f" (all but fewer than {k} of the file's records)"
        if is_small(left_out, k)
        else f" of {format_count(len(full), k)}"
    )
    st.caption(
        f"Data: {source.label} · {result.release} · {format_count(len(frame), k)}{of_total} "
        f"records in view ({filters.describe()}). Identified victims, not prevalence."
    )
    if intro:
        st.markdown(intro)
    if frame.empty:
        st.info(
            "No records match these filters. Widen the year range or clear some choices "
            "in the sidebar (or press 'Reset all filters')."
        )
        st.stop()
    return ctx
