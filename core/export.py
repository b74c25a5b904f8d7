"""Exports: CSV that is safe to open in a spreadsheet, and chart images.

Altair charts become PNG through vl-convert-python (no browser needed); Plotly figures
become standalone HTML (their toolbar also saves a PNG in the browser).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["altair_png", "csv_bytes", "neutralise_formulas", "plotly_html"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame, /) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a quote.

    Only text is touched: the number -3 stays a number, the text "-3" becomes "'-3".

    Examples
    --------
    >>> neutralise_formulas(pd.DataFrame({"a": ["=1+1", "ok", "@x"], "b": [-1, 2, 3]})).values.tolist()
    [["'=1+1", -1], ['ok', 2], ["'@x", 3]]
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    safe_columns = [
        "'" + c if isinstance(c, str) and c.startswith(_FORMULA_START) else c for c in out.columns
    ]
    out.columns = safe_columns
    return out


def csv_bytes(frame: pd.DataFrame, /) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheets detect the encoding), formulas neutralised."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def altair_png(chart: Any, /, *, scale: float = 2.0) -> bytes:
    """PNG bytes of an Altair chart, rendered by vl-convert-python."""
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(chart.to_json(), scale=scale))


def plotly_html(figure: Any, /) -> bytes:
    """A standalone HTML page of a Plotly figure (the plotly.js library embedded)."""
    html = figure.to_html(include_plotlyjs=True, full_html=True)
    return str(html).encode("utf-8")
