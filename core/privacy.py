"""Small-cell protection: aggregated counts below k are shown as "<k" and never exported.

The 2021 release itself is rounded to multiples of 10, so k = 10 is the default: a
smaller count would claim a precision the data do not have and could single out people.
Zero is not protected (it discloses nobody).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["protect", "small_mask"]


def small_mask(counts: pd.Series | np.ndarray, k: int, /) -> np.ndarray:
    """True where a count is between 1 and k - 1 (those are withheld).

    Examples
    --------
    >>> small_mask(pd.Series([0, 3, 9, 10, 250]), 10).tolist()
    [False, True, True, False, False]
    """
    values = np.asarray(pd.to_numeric(pd.Series(counts), errors="coerce"), dtype=float)
    return (values > 0) & (values < k)


def protect(
    table: pd.DataFrame,
    /,
    *,
    count_columns: Sequence[str],
    k: int,
    dependent_columns: Sequence[str] = (),
    for_export: bool = False,
) -> pd.DataFrame:
    """Withhold small counts in an aggregated table.

    Parameters
    ----------
    table
        Aggregated table (one row per cell).
    count_columns
        Columns holding counts of records; a value 1..k-1 in any of them marks the row.
    k
        The threshold (counts below k are withheld).
    dependent_columns
        Columns computed from those counts (shares, rates) that would reveal them; they
        are withheld on marked rows too.
    for_export
        False: marked cells become the text "<k" (for display). True: marked cells
        become empty (NaN), so that no number below k leaves the app.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a", "b"], "count": [4, 40], "share": [0.1, 0.9]})
    >>> protect(t, count_columns=["count"], k=10, dependent_columns=["share"]).values.tolist()
    [['a', '<10', '<10'], ['b', 40, 0.9]]
    """
    out = table.copy()
    marked_any = np.zeros(len(out), dtype=bool)
    for column in count_columns:
        marked = small_mask(out[column].to_numpy(), k)
        marked_any |= marked
        if marked.any():
            out[column] = out[column].astype(object)
            out.loc[marked, column] = np.nan if for_export else f"<{k}"
    for column in dependent_columns:
        if marked_any.any():
            out[column] = out[column].astype(object)
            out.loc[marked_any, column] = np.nan if for_export else f"<{k}"
    return out
