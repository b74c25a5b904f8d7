"""Outputs: every chart and table goes on screen with its caption and its downloads.

The CSV of a chart or table is protected here again: counts in the ``count_columns`` the
page names (and the ``dependent_columns`` derived from them) below k are left out. The
page passes the table it already protected (complementary suppression included, where
the topic needs it); the chart is drawn from that same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core.export import altair_png, csv_bytes, plotly_html
from core.privacy import Suppression, protect

__all__ = ["chart_section", "data_note", "show_altair", "show_plotly", "show_table"]


def data_note(n: int, *, what: str = "records") -> str:
    """The standard caption fragment saying how many records a chart rests on."""
    return f"Based on {n:,} {what}. Identified cases, not prevalence."


# --------------------------------------------------------------------------- outputs
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
    column.download_button(
        "Data (CSV)",
        data=csv_bytes(safe),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"dl_csv_{name}",
        on_click="ignore",
        icon=":material/download:",
    )


def show_altair(
    chart: Any,
    data: pd.DataFrame,
    *,
    name: str,
    caption: str,
    k: int,
    count_columns: Sequence[str] = (),
    dependent_columns: Sequence[str] = (),
) -> None:
    """Draw an Altair chart with its caption, a PNG download and a CSV of its data.

    The chart should already be drawn from protected data (see :func:`core.privacy.protect`);
    the CSV is protected here again with ``count_columns`` and ``k``.
    """
    st.altair_chart(chart, width="stretch")
    st.caption(caption)
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        "Chart (PNG)",
        data=lambda: altair_png(chart),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"dl_png_{name}",
        on_click="ignore",
        icon=":material/image:",
    )
    _csv_download(name, data, count_columns, dependent_columns, k, right)


def show_plotly(
    figure: Any,
    data: pd.DataFrame,
    *,
    name: str,
    caption: str,
    k: int,
    count_columns: Sequence[str] = (),
    dependent_columns: Sequence[str] = (),
) -> None:
    """Draw a Plotly figure with its caption, an HTML download and a CSV of its data.

    The figure's toolbar (camera icon) saves a PNG in the browser.
    """
    st.plotly_chart(
        figure,
        width="stretch",
        config={
            "displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
        },
    )
    st.caption(caption + " Use the camera icon on the chart for a PNG.")
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        "Chart (HTML)",
        data=lambda: plotly_html(figure),
        file_name=f"{name}.html",
        mime="text/html",
        key=f"dl_html_{name}",
        on_click="ignore",
        icon=":material/web:",
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
    shown = protect(data, count_columns=count_columns, k=k, dependent_columns=dependent_columns)
    st.dataframe(
        _as_display_text(shown, [*count_columns, *dependent_columns]),
        hide_index=True,
        **dataframe_kwargs,
    )
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
) -> None:
    """One chart of a screen: the chart (its title states the finding), caption, downloads.

    Parameters
    ----------
    chart
        An Altair chart (drawn with :func:`show_altair`: PNG and CSV downloads) or a
        Plotly figure (:func:`show_plotly`: HTML and CSV downloads).
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
    """
    sentence = withheld.caption() if withheld is not None else ""
    draw = show_plotly if _is_plotly(chart) else show_altair
    draw(
        chart,
        table,
        name=file_stem,
        caption=f"{caption} {sentence}" if sentence else caption,
        k=k,
        count_columns=count_columns,
        dependent_columns=dependent_columns,
    )
