"""Outputs: every chart and table goes on screen with its caption and its downloads.

Every chart downloads as a PNG that carries its title, the source line (with the release
of the active data), the filters in force and "Identified cases, not prevalence"
(:mod:`core.images`). Altair charts are rendered by vl-convert when the download is
clicked. Plotly figures need Chromium (kaleido): seconds for the first render, which
starts it, about a second after (it is kept open, see :mod:`core.images`); they are
rendered only when the user asks ("Prepare PNG"), once per figure (cached on the
figure's JSON); where no Chromium exists, or a render fails, the button's place says so
in one sentence (the detail goes to the server log) and the chart's own camera icon
remains.

The CSV of a chart or table is protected here again: counts in the ``count_columns`` the
page names (and the ``dependent_columns`` derived from them) below k are left out. The
page passes the table it already protected (complementary suppression included, where
the topic needs it); the chart is drawn from that same table.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core import images
from core.app.sidebar import filters_in_words
from core.export import csv_bytes, plotly_html
from core.palette import for_screen
from core.privacy import format_count, is_small, protect
from core.suppression import Suppression

__all__ = [
    "chart_section",
    "chart_title",
    "data_note",
    "export_labels",
    "show_altair",
    "show_chart",
    "show_plotly",
    "show_table",
]


def data_note(n: int, *, what: str = "records", k: int = 1, one: str | None = None) -> str:
    """The standard caption fragment saying how many records a chart rests on.

    The count reads as :func:`core.privacy.format_count` writes it at threshold ``k``
    ("<10" for 1..9 at k = 10); ``one`` is the singular of ``what``, used when the count
    shown is exactly 1.
    """
    noun = one if one is not None and n == 1 and not is_small(n, k) else what
    return f"Based on {format_count(n, k)} {noun}. Identified cases, not prevalence."


# --------------------------------------------------------------------------- PNG labels
def _plain(text: str) -> str:
    """Chart title markup (Plotly's <br>, <b>) as plain words on one line."""
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(html.unescape(text).split())


def _altair_title_text(title: Any) -> str:
    import altair as alt

    if title is None or title is alt.Undefined:
        return ""
    if isinstance(title, alt.TitleParams):
        title = title.text
    elif isinstance(title, dict):
        title = title.get("text", "")
    if title is alt.Undefined or title is None:
        return ""
    if isinstance(title, (list, tuple)):
        return " ".join(str(part) for part in title)
    return str(title)


def chart_title(chart: Any) -> str:
    """The title a chart carries (its finding), as plain words; "" when it has none."""
    if _is_plotly(chart):
        return _plain(str(chart.layout.title.text or ""))
    return _plain(_altair_title_text(getattr(chart, "title", None)))


def _release() -> str:
    from core.app.data import active_data

    try:
        return str(active_data()[1].release or "")
    except Exception:  # the labels are small print: no release is better than no chart
        return ""


def export_labels(chart: Any, *, name: str, title: str | None = None) -> tuple[str, str, str]:
    """The (title, source line, filters) a chart's PNG carries.

    ``title`` defaults to the chart's own (else the file name in words); the source line
    names the release of the active data; the filters are the sidebar's in words.
    """
    heading = title if title is not None else chart_title(chart)
    heading = heading or name.replace("_", " ").capitalize()
    return heading, images.source_line(_release()), filters_in_words()


# --------------------------------------------------------------------------- outputs
def _download(column: Any, label: str, data: Any, *, name: str, ext: str, icon: str) -> None:
    """One download button: file ``name.ext``, widget key ``dl_<ext>_<name>``."""
    column.download_button(
        label,
        data=data,
        file_name=f"{name}.{ext}",
        mime=_MIME[ext],
        key=f"dl_{ext}_{name}",
        on_click="ignore",
        icon=icon,
    )


_MIME = {"csv": "text/csv", "png": "image/png", "html": "text/html"}


def _csv_download(
    name: str,
    data: pd.DataFrame,
    count_columns: Sequence[str],
    dependent_columns: Sequence[str],
    k: int,
    column: Any,
) -> None:
    safe = protect(
        data, count_columns=count_columns, k=k, dependent_columns=dependent_columns, for_export=True
    )
    _download(
        column, "Data (CSV)", csv_bytes(safe), name=name, ext="csv", icon=":material/download:"
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _plotly_png_bytes(figure_json: str, title: str, source: str, filters: str) -> bytes:
    """The PNG of one figure with its labels: rendered once, then served from the cache."""
    import plotly.io as pio

    return images.plotly_png(
        pio.from_json(figure_json), title=title, source=source, filters=filters
    )


def _plotly_png_control(figure: Any, *, name: str, title: str | None, column: Any) -> None:
    """ "Prepare PNG" (a render of seconds on the server), then the PNG's download button."""
    reason = images.png_unavailable_reason()
    if reason:
        column.caption(reason)
        return
    heading, source, filters = export_labels(figure, name=name, title=title)
    figure_json = str(figure.to_json())
    render = hashlib.sha256(
        "\x1f".join((figure_json, heading, source, filters)).encode("utf-8")
    ).hexdigest()
    ready_key = f"ctdc_png_ready_{name}"
    state = st.session_state
    if state.get(ready_key) != render:
        if not column.button(
            "Prepare PNG",
            key=f"png_prepare_{name}",
            icon=":material/image:",
            help="Renders the chart with its title, source and filters (a few seconds).",
        ):
            return
        with column, st.spinner("Rendering the PNG…"):
            try:
                _plotly_png_bytes(figure_json, heading, source, filters)
            except images.PngExportError:  # the detail is in the server log
                column.caption(images.PNG_FAILED)
                return
        state[ready_key] = render
    png = _plotly_png_bytes(figure_json, heading, source, filters)
    _download(column, "Chart (PNG)", png, name=name, ext="png", icon=":material/download:")


def show_chart(
    chart: Any,
    data: pd.DataFrame,
    *,
    name: str,
    caption: str,
    k: int,
    count_columns: Sequence[str] = (),
    dependent_columns: Sequence[str] = (),
    title: str | None = None,
    data_table: bool = True,
) -> None:
    """Draw a chart with its caption, its data as a table, a PNG download and a CSV.

    An Altair chart's PNG is rendered by vl-convert when the download is clicked. A
    Plotly figure's PNG is rendered on the server when the user presses "Prepare PNG"
    (where that is impossible, its place says so; the figure's toolbar camera icon still
    saves a PNG in the browser), and the figure also downloads as interactive HTML.

    The chart should already be drawn from protected data (see :func:`core.privacy.protect`);
    the CSV is protected here again with ``count_columns`` and ``k``. The PNG carries
    ``title`` (default: the chart's own), the source line, the filters and the caveat
    (see :func:`export_labels`).

    ``data_table``: the chart's text alternative for people who cannot see it, its data
    as a table one click away (an expander under the caption), protected like the CSV.
    False where the page shows the same numbers as a table of its own next to the chart.
    """
    if _is_plotly(chart):
        st.plotly_chart(
            for_screen(chart),
            width="stretch",
            config={
                "displaylogo": False,
                "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
            },
        )
        st.caption(caption)
        if data_table:
            _chart_as_table(data, count_columns, dependent_columns, k)
        png, page, right, _ = st.columns([1, 1, 1, 3])
        _plotly_png_control(chart, name=name, title=title, column=png)
        _download(
            page,
            "Interactive (HTML)",
            lambda: plotly_html(chart),
            name=name,
            ext="html",
            icon=":material/web:",
        )
    else:
        st.altair_chart(for_screen(chart), width="stretch")
        st.caption(caption)
        if data_table:
            _chart_as_table(data, count_columns, dependent_columns, k)
        heading, source, filters = export_labels(chart, name=name, title=title)
        png, right, _ = st.columns([1, 1, 4])
        _download(
            png,
            "Chart (PNG)",
            lambda: images.altair_png(chart, title=heading, source=source, filters=filters),
            name=name,
            ext="png",
            icon=":material/image:",
        )
    _csv_download(name, data, count_columns, dependent_columns, k, right)


#: The pages name the kind of chart they draw; both names draw through :func:`show_chart`.
show_altair = show_chart
show_plotly = show_chart


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


def _chart_as_table(
    data: pd.DataFrame, count_columns: Sequence[str], dependent_columns: Sequence[str], k: int
) -> None:
    """A chart's data, small counts as '<k', behind one click (see :func:`show_chart`)."""
    with st.expander("The chart as a table"):
        _protected_dataframe(data, count_columns, dependent_columns, k)


def _protected_dataframe(
    data: pd.DataFrame,
    count_columns: Sequence[str],
    dependent_columns: Sequence[str],
    k: int,
    **dataframe_kwargs: Any,
) -> None:
    """``data`` on screen as its CSV leaves the app: small counts '<k', withheld cells blank."""
    shown = protect(data, count_columns=count_columns, k=k, dependent_columns=dependent_columns)
    st.dataframe(
        _as_display_text(shown, [*count_columns, *dependent_columns]),
        hide_index=True,
        **dataframe_kwargs,
    )


def show_table(
    data: pd.DataFrame,
    *,
    name: str,
    caption: str,
    k: int,
    count_columns: Sequence[str] = (),
    dependent_columns: Sequence[str] = (),
    **dataframe_kwargs: Any,
) -> None:
    """A table (small counts shown as '<k') with its caption and a CSV download."""
    _protected_dataframe(data, count_columns, dependent_columns, k, **dataframe_kwargs)
    st.caption(caption)
    _csv_download(name, data, count_columns, dependent_columns, k, st)


def _is_plotly(chart: object) -> bool:
    from plotly.basedatatypes import BaseFigure

    return isinstance(chart, BaseFigure)


def chart_section(
    *,
    chart: Any,
    table: pd.DataFrame,
    caption: str,
    file_stem: str,
    k: int,
    count_columns: Sequence[str] = (),
    dependent_columns: Sequence[str] = (),
    withheld: Suppression | None = None,
    title: str | None = None,
    data_table: bool = True,
) -> None:
    """One chart of a screen: the chart (its title states the finding), caption, downloads.

    Parameters
    ----------
    chart
        An Altair chart (PNG and CSV downloads) or a Plotly figure (PNG on request,
        HTML and CSV downloads), drawn by :func:`show_chart`.
    table
        The protected table the chart is drawn from; its CSV is protected again.
    caption
        How many records the chart rests on and how to read it (see :func:`data_note`).
    file_stem
        The downloads' file name without extension (also their widget keys).
    k
        The small-cell threshold.
    count_columns, dependent_columns
        The counts of ``table`` and the columns derived from them (see
        :func:`core.privacy.protect`).
    withheld
        The table's suppression: its sentence ("3 cells withheld, ...") ends the caption.
    title
        The title on the PNG; by default the chart's own.
    data_table
        Whether the chart's data is offered as a table under it (see :func:`show_chart`).
    """
    sentence = withheld.caption() if withheld is not None else ""
    show_chart(
        chart,
        table,
        name=file_stem,
        caption=f"{caption} {sentence}" if sentence else caption,
        k=k,
        count_columns=count_columns,
        dependent_columns=dependent_columns,
        title=title,
        data_table=data_table,
    )
