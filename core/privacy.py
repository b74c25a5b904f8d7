"""Small-cell protection: aggregated counts below k are shown as "<k" and never exported.

The 2021 release itself is rounded to multiples of 10, so k = 10 is the default: a
smaller count would claim a precision the data do not have and could single out people.
Zero is not protected (it discloses nobody).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_K",
    "MAX_K",
    "MODEL_COUNTS",
    "check_k",
    "effective_k",
    "floor_k",
    "format_count",
    "is_small",
    "protect",
    "safe_share",
    "small_mask",
    "suppression_caption",
    "withheld_note",
    "withheld_reason",
]

#: The threshold when nobody asks for another: the 2021 release's own resolution.
DEFAULT_K = 10
#: The largest threshold a user may ask for (beyond it every table is withheld anyway).
MAX_K = 1000
_FLOOR_SETTING = "CTDC_MIN_K"
#: What a model's groups count (for :func:`withheld_reason` on the model screens).
MODEL_COUNTS = "records, events or non-events"


def floor_k(
    *, environ: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None
) -> int:
    """The operator's floor on the threshold: ``CTDC_MIN_K`` (environment, then secrets).

    Users may raise the threshold above the floor, never lower it. The operator may set
    any floor from 1 to :data:`MAX_K` (e.g. 5 for their own data under a k-anonymity
    rule); an unset or malformed setting, or one below 1, gives :data:`DEFAULT_K`: the
    floor protects people, so a typo must not switch it off.

    Examples
    --------
    >>> floor_k(environ={}, secrets={"CTDC_MIN_K": "25"})
    25
    >>> floor_k(environ={"CTDC_MIN_K": "5"}), floor_k(environ={"CTDC_MIN_K": "0"})
    (5, 10)
    >>> floor_k(environ={"CTDC_MIN_K": "ten"}), floor_k(environ={"CTDC_MIN_K": "5000"})
    (10, 1000)
    >>> floor_k(environ={})
    10
    """
    raw = (os.environ if environ is None else environ).get(_FLOOR_SETTING)
    if raw is None and secrets is not None:
        value = secrets.get(_FLOOR_SETTING)
        raw = None if value is None else str(value)
    try:
        floor = int(str(raw).strip()) if raw is not None else DEFAULT_K
    except ValueError:
        floor = DEFAULT_K
    return DEFAULT_K if floor < 1 else min(floor, MAX_K)


def check_k(k: object, /) -> int:
    """``k`` itself if it is a threshold a caller may ask for: a whole number from 1 to
    :data:`MAX_K`; anything else raises ``ValueError`` saying so.

    For options given in code (a user's request goes through :func:`effective_k`,
    which raises nothing).

    Examples
    --------
    >>> check_k(10)
    10
    >>> check_k(0)
    Traceback (most recent call last):
    ...
    ValueError: k must be a whole number from 1 to 1000, not 0.
    """
    if isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 1 <= k <= MAX_K:
        return int(k)
    raise ValueError(f"k must be a whole number from 1 to {MAX_K}, not {k!r}.")


def effective_k(requested: object, floor: int, /) -> tuple[int, bool]:
    """The threshold in force for a request, and whether the request was raised to it.

    Anything below the floor (or not a whole number) becomes the floor; the second value
    says so, so that the screen or command can tell the user in one line.

    Examples
    --------
    >>> effective_k(3, 10)
    (10, True)
    >>> effective_k("25", 10)
    (25, False)
    >>> effective_k("x", 10)
    (10, True)
    >>> effective_k(None, 10)
    (10, False)
    """
    if requested is None:
        return floor, False
    try:
        k = int(str(requested).strip())
    except ValueError:
        return floor, True
    if k < floor:
        return floor, True
    return min(k, MAX_K), False


def is_small(count: float, k: int, /) -> bool:
    """Whether one count is withheld: between 1 and k - 1 (zero discloses nobody).

    Examples
    --------
    >>> is_small(0, 10), is_small(3, 10), is_small(10, 10)
    (False, True, False)
    """
    return 0 < count < k


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


def format_count(n: float, k: int, /) -> str:
    """A count for the screen: thousands separated, ``"<k"`` when it is 1..k-1.

    Examples
    --------
    >>> format_count(27840, 10), format_count(4, 10), format_count(0, 10)
    ('27,840', '<10', '0')
    """
    if is_small(n, k):
        return f"<{k}"
    return f"{int(n):,}"


def safe_share(part: int, whole: int, k: int, /) -> bool:
    """Whether a share ``part / whole`` may be shown beside ``whole``.

    A share with its denominator gives its numerator back (and the rest, whole - part),
    so it is shown only when none of the three is a withheld count.

    Examples
    --------
    >>> safe_share(50, 100, 10), safe_share(95, 100, 10), safe_share(3, 100, 10)
    (True, False, False)
    >>> safe_share(0, 100, 10), safe_share(0, 4, 10)
    (True, False)
    """
    return not small_mask(np.array([part, whole, whole - part]), k).any()


def withheld_reason(k: int | None = None, /, *, counts: str = "records") -> str:
    """Why a cell is withheld, in words that fit every withheld cell alike.

    A withheld cell is either a small count or one withheld so that a small count cannot
    be worked out from the rest; the words never say which (knowing which withheld cell
    is the small one would tell that the others are at least k, and that can narrow or
    pin the small one). The one home of that wording: :func:`suppression_caption` and
    :func:`withheld_note` build on it. ``counts`` names what is counted (e.g. "records,
    events or non-events"); ``k`` None leaves the threshold out.

    Examples
    --------
    >>> withheld_reason(10)
    'holds a small count (fewer than 10 records) or would reveal one'
    >>> withheld_reason()
    'holds a small count or would reveal one'
    """
    limit = "" if k is None else f" (fewer than {k} {counts})"
    return f"holds a small count{limit} or would reveal one"


def suppression_caption(
    withheld: int,
    /,
    *,
    k: int | None = None,
    noun: str = "cell",
    plural: str | None = None,
    counts: str = "records",
) -> str:
    """The caption sentence of a protected output ('' when nothing is withheld).

    Says how many cells (``noun``) are withheld and why in general, never how many of
    them are small counts and how many protect those (see :func:`withheld_reason`).

    Examples
    --------
    >>> suppression_caption(3, k=10)
    '3 cells withheld: each holds a small count (fewer than 10 records) or would reveal one.'
    >>> suppression_caption(1, k=10, noun="group", counts="records, events or non-events")
    '1 group withheld: it holds a small count (fewer than 10 records, events or non-events) or would reveal one.'
    >>> suppression_caption(0, k=10)
    ''
    """
    if withheld <= 0:
        return ""
    reason = withheld_reason(k, counts=counts)
    if withheld == 1:
        return f"1 {noun} withheld: it {reason}."
    return f"{withheld:,} {plural or noun + 's'} withheld: each {reason}."


def withheld_note(k: int | None = None, /, *, counts: str = "records") -> str:
    """The note beside every withheld row of a table, the same for each of them.

    Examples
    --------
    >>> withheld_note(10, counts="records, events or non-events")
    'withheld: holds a small count (fewer than 10 records, events or non-events) or would reveal one'
    """
    return f"withheld: {withheld_reason(k, counts=counts)}"
