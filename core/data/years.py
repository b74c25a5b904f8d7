"""Yearly series: which recent years look incomplete (reporting lag).

Shared by the Explore page (marks the years) and the forecast (leaves them out of fits).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["incomplete_years"]


def incomplete_years(counts: pd.Series, /, *, ratio: float = 0.5) -> list[int]:
    """Recent years that look incomplete: reporting lag leaves the last years thin.

    The trailing years of the series are flagged when each of them has fewer than
    ``ratio`` times the median count of the three years *before the trailing run*.
    Comparing the whole run with the years before it (rather than each year with its
    own three predecessors) keeps one thin year from lowering the yardstick of the next.
    The longest such run is returned; an empty list when the series has fewer than four
    years or its last year is not thin.

    Parameters
    ----------
    counts
        Records per year, indexed by year (any order; missing years inside the range
        count as 0, NaN counts as 0).
    ratio
        A year is thin when its count is below ``ratio`` x the reference median; a
        number above 0 and at most 1 (another raises ``ValueError``).

    Returns
    -------
    list of int
        The flagged years in ascending order.

    Examples
    --------
    >>> incomplete_years(pd.Series({2016: 100, 2017: 120, 2018: 110, 2019: 40, 2020: 10}))
    [2019, 2020]
    >>> incomplete_years(pd.Series({2017: 100, 2018: 100, 2019: 100, 2020: 60}))
    []
    """
    if (
        isinstance(ratio, bool)
        or not isinstance(ratio, (int, float, np.integer, np.floating))
        or not (0 < ratio <= 1)
    ):
        raise ValueError(f"ratio must be a number above 0 and at most 1, not {ratio!r}.")
    if counts.empty:
        return []
    series = counts.copy()
    series.index = series.index.astype(int)
    series = series.groupby(level=0).sum().sort_index()
    full = range(int(series.index.min()), int(series.index.max()) + 1)
    values = series.reindex(full).fillna(0).to_numpy(dtype=float)
    years = list(full)
    flagged: list[int] = []
    for start in range(3, len(values)):
        reference = float(np.median(values[start - 3 : start]))
        if reference > 0 and (values[start:] < ratio * reference).all():
            flagged = years[start:]
            break
    return flagged
