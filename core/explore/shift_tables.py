"""Fitted share trends as the screen shows them: the table, the sentences' observed
shares and the fitted curve.

The fitting and the record protection of the trends are in :mod:`core.explore.shifts`;
this module only presents a fitted :class:`~core.explore.shifts.ShareTrend`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from core.explore.shifts import ShareTrend

__all__ = ["quote_observed", "trend_curve", "trends_table"]


def trends_table(trends: Sequence[ShareTrend], /) -> pd.DataFrame:
    """The trends as a table (shares in %, change in points per decade).

    Fitted and observed shares sit in their own columns; an observed share the page
    withholds (:func:`quote_observed`) is empty.

    Examples
    --------
    >>> trends_table([ShareTrend("gender", "Male", False, reason="x")])["Group"].tolist()
    ['Male']
    """

    def percent(value: float, ok: bool) -> float | None:
        return round(100 * value, 1) if ok and not math.isnan(value) else None

    return pd.DataFrame(
        {
            "Group": [t.label for t in trends],
            "From year": [t.first_year if t.ok else None for t in trends],
            "To year": [t.last_year if t.ok else None for t in trends],
            "Observed at start (%)": [percent(t.observed_start, t.ok) for t in trends],
            "Observed at end (%)": [percent(t.observed_end, t.ok) for t in trends],
            "Fitted at start (%)": [percent(t.start_share, t.ok) for t in trends],
            "Fitted at end (%)": [percent(t.end_share, t.ok) for t in trends],
            "Change (points per decade)": [round(t.change, 2) if t.ok else None for t in trends],
            "95% CI low": [round(t.ci_low, 2) if t.ok else None for t in trends],
            "95% CI high": [round(t.ci_high, 2) if t.ok else None for t in trends],
            "Records": [None if t.records_withheld else t.n_records for t in trends],
            "In words": [t.sentence() for t in trends],
        }
    )


def quote_observed(trends: Sequence[ShareTrend], drawn: pd.DataFrame, /) -> list[ShareTrend]:
    """The trends with an observed end share kept only where ``drawn`` shows it.

    ``drawn`` is the protected yearly table (:func:`core.explore.shift_protect.protect_shifts`):
    a share it withholds (NaN) must not come back in a sentence.

    Examples
    --------
    >>> t = ShareTrend("gender", "Male", True, first_year=2010, last_year=2011,
    ...                observed_start=0.1, observed_end=0.2)
    >>> drawn = pd.DataFrame({"year": [2010, 2011], "category": ["Male"] * 2,
    ...                       "share": [np.nan, 0.2]})
    >>> [(u.observed_start, u.observed_end) for u in quote_observed([t], drawn)]
    [(nan, nan)]
    """
    shown = {
        (int(y), str(c)): float(v)
        for y, c, v in zip(drawn["year"], drawn["category"], drawn["share"], strict=True)
    }
    out = []
    for t in trends:
        if not t.ok:
            out.append(t)
            continue
        start = shown.get((t.first_year, t.category), math.nan)
        end = shown.get((t.last_year, t.category), math.nan)
        if math.isnan(start) or math.isnan(end):  # one end alone would read as a level
            start = end = math.nan
        out.append(replace(t, observed_start=start, observed_end=end))
    return out


def trend_curve(trend: ShareTrend, /, *, years: Sequence[int] | None = None) -> pd.DataFrame:
    """Fitted share per year of a :class:`ShareTrend` (columns ``year, fitted``).

    Examples
    --------
    >>> t = ShareTrend("gender", "Female", True, first_year=2000, last_year=2002,
    ...                intercept=0.0, slope=0.0, centre=2001.0)
    >>> trend_curve(t).values.tolist()
    [[2000.0, 0.5], [2001.0, 0.5], [2002.0, 0.5]]
    """
    if not trend.ok:
        return pd.DataFrame(columns=["year", "fitted"])
    span = np.arange(trend.first_year, trend.last_year + 1) if years is None else np.asarray(years)
    x = (span.astype(float) - trend.centre) / 10.0
    fitted = 1.0 / (1.0 + np.exp(-(trend.intercept + trend.slope * x)))
    return pd.DataFrame({"year": span.astype(float), "fitted": fitted})
