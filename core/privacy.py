"""Small-cell protection: aggregated counts below k are shown as "<k" and never exported.

The 2021 release itself is rounded to multiples of 10, so k = 10 is the default: a
smaller count would claim a precision the data do not have and could single out people.
Zero is not protected (it discloses nobody).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_K",
    "MAX_K",
    "MODEL_COUNTS",
    "Suppression",
    "check_k",
    "effective_k",
    "floor_k",
    "format_count",
    "is_small",
    "protect",
    "protect_linear",
    "safe_share",
    "small_mask",
    "suppress_complementary",
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


@dataclass(frozen=True)
class Suppression:
    """Which rows of a table are withheld: small counts (primary) and their protectors.

    ``primary`` and ``secondary`` count the two kinds for tests and checks; nothing
    shown or exported may tell them apart (:meth:`caption` gives only their sum). ``k``
    is the threshold applied (None: not known to whoever built this one).
    """

    withheld: np.ndarray  # bool per row
    primary: int
    secondary: int
    k: int | None = None

    @classmethod
    def of(cls, withheld: np.ndarray, primary: np.ndarray, k: int) -> Suppression:
        """From the withheld rows and the primary ones (both a bool per row).

        Examples
        --------
        >>> s = Suppression.of(np.array([True, True, False]), np.array([True, False, False]), 10)
        >>> (s.primary, s.secondary)
        (1, 1)
        """
        return cls(
            withheld=withheld,
            primary=int(primary.sum()),
            secondary=int((withheld & ~primary).sum()),
            k=k,
        )

    def caption(self) -> str:
        """See :func:`suppression_caption`."""
        return suppression_caption(self.primary + self.secondary, k=self.k)


def _part_unsafe(counts: np.ndarray, hidden: np.ndarray, rest: float | None, k: int) -> bool:
    """Whether a withheld cell (or a small rest) of one group follows from its total.

    The unknowns are the withheld cells (each at least 1, since zeros are shown) and,
    when the cells do not exhaust the total (``rest`` not None), the rest (at least 0).
    Their sum is known, so a lone unknown is pinned, and several are pinned when their
    sum leaves no freedom (every withheld cell then equals 1).
    """
    n_hidden = int(hidden.sum())
    if n_hidden == 0:
        return rest is not None and 0 < rest < k
    if rest is None:
        return n_hidden == 1 or counts[hidden].sum() <= n_hidden
    return counts[hidden].sum() + rest <= n_hidden


def suppress_complementary(
    table: pd.DataFrame,
    /,
    *,
    count_column: str,
    groups: Sequence[Sequence[str]],
    k: int,
    total_column: str | None = None,
    exhaustive: bool = True,
    also_primary: np.ndarray | None = None,
) -> Suppression:
    """Primary and secondary (complementary) cell suppression for one aggregated table.

    A count 1..k-1 is withheld (primary). Its group's total is shown (or follows from
    what is shown), so a lone withheld cell of a group would come back as the total
    minus the other cells: the smallest other non-zero cell of that group is withheld
    too (secondary), and this repeats over every grouping until no withheld cell (and,
    with ``exhaustive=False``, no small rest ``total - sum of cells``) follows by
    addition or subtraction within a group. When a group has no cell left to withhold,
    the whole group is withheld (its total included).

    Why not a package: secondary suppression is done by tau-argus (Java) and the R
    package sdcTable; no maintained Python implementation was found on PyPI. This is
    the classic greedy heuristic (not the optimal one): it withholds a few more cells
    than an optimiser would, never fewer than needed within one grouping. It protects
    each table against relations inside itself; combining two different filter
    settings (differencing) is out of its scope.

    Parameters
    ----------
    table
        One row per cell.
    count_column
        The cell counts.
    groups
        Each entry lists the columns whose values form one group of cells that add up
        to a shown total (e.g. ``[["year"]]``: the categories of each year; a
        two-way table has ``[["row"], ["column"]]``).
    k
        The threshold.
    total_column
        A column holding the group's total (the denominator shown beside each cell);
        a total 1..k-1 withholds its rows too. None: the group's sum is taken as known.
    exhaustive
        True when the cells of a group add up to its total; False when they may fall
        short (then the rest, total minus the cells, is protected too).
    also_primary
        Rows to withhold in any case (e.g. a small count in another column).

    Examples
    --------
    >>> t = pd.DataFrame({"year": [2004, 2004, 2005, 2005], "count": [2, 18, 30, 40],
    ...                   "known": [20, 20, 70, 70]})
    >>> s = suppress_complementary(t, count_column="count", groups=[["year"]], k=10,
    ...                            total_column="known")
    >>> s.withheld.tolist(), (s.primary, s.secondary)
    ([True, True, False, False], (1, 1))
    >>> s.caption()
    '2 cells withheld: each holds a small count (fewer than 10 records) or would reveal one.'
    """
    counts = np.asarray(pd.to_numeric(table[count_column], errors="coerce"), dtype=float)
    counts = np.nan_to_num(counts, nan=0.0)
    primary = small_mask(counts, k)
    if total_column is not None:
        primary |= small_mask(table[total_column].to_numpy(), k)
    if also_primary is not None:
        primary |= np.asarray(also_primary, dtype=bool)
    withheld = primary.copy()
    totals = (
        None
        if total_column is None
        else np.nan_to_num(
            np.asarray(pd.to_numeric(table[total_column], errors="coerce"), dtype=float)
        )
    )
    parts: list[np.ndarray] = []
    for columns in groups:
        codes = table.groupby(list(columns), sort=False, dropna=False).ngroup().to_numpy()
        parts.extend(np.flatnonzero(codes == code) for code in np.unique(codes))
    changed = True
    while changed:
        changed = False
        for rows in parts:
            if withheld[rows].all():
                continue  # the whole group (and its total) is withheld
            rest = None
            if not exhaustive and totals is not None:
                rest = float(totals[rows].max() - counts[rows].sum())
            if not _part_unsafe(counts[rows], withheld[rows], rest, k):
                continue
            candidates = rows[(~withheld[rows]) & (counts[rows] > 0)]
            if len(candidates):
                withheld[candidates[np.argmin(counts[candidates])]] = True
            else:
                withheld[rows] = True
            changed = True
    return Suppression.of(withheld, primary, k)


def protect_linear(
    values: Sequence[float],
    relations: Sequence[Mapping[int, float]],
    /,
    *,
    k: int,
    shown: Sequence[bool],
    fixed: Sequence[bool] | None = None,
    also: Sequence[bool] | None = None,
    bounded: bool = False,
) -> np.ndarray:
    """Complementary suppression for the numbers of one screen tied by linear relations.

    ``values`` are the true counts of every number on the screen, and of the numbers an
    attacker would like to know that the screen never shows (``shown`` False: a rest
    such as "gender not recorded" = records - records with the gender known). Each
    relation maps positions to coefficients with ``sum(coefficient * value) = 0``.
    A shown count 1..k-1 is withheld (primary); then, while some withheld or unshown
    count 1..k-1 follows from the shown ones (it is determined by the relations: its unit
    vector lies in their row space over the unknown numbers), the smallest non-zero shown
    number of a relation holding it is withheld too (secondary). ``fixed`` numbers are
    shown wherever they are (e.g. the records in view in every page's header) and are
    never withheld to protect another (a small one is still withheld).

    ``also`` marks shown numbers withheld in any case (e.g. by a suppression of the same
    table that came first); they protect others like the primary ones.

    Returns whether each shown number is withheld (False for the unshown ones). A greedy
    heuristic like :func:`suppress_complementary`; exact linear algebra, so it also sees
    routes that go through several relations. With ``bounded`` it then also uses that
    every count is at least 0 (at least 1 where it is not 0, since a zero is shown), as an
    attacker would: a withheld or unshown count 1..k-1
    whose smallest and largest values under the relations (linear programming) lie
    less than 1 apart is pinned, and is protected the same way. Without it a count
    pinned only by the bounds is not seen.

    Examples
    --------
    Records 104 (in the header), 100 with the gender known, 4 without (never shown):

    >>> protect_linear([104, 100, 4], [{0: 1, 1: -1, 2: -1}], k=10,
    ...                shown=[True, True, False], fixed=[True, False, False]).tolist()
    [False, True, False]
    >>> protect_linear([104, 94, 10], [{0: 1, 1: -1, 2: -1}], k=10,
    ...                shown=[True, True, False], fixed=[True, False, False]).tolist()
    [False, False, False]

    Two years of 1 record each beside a year of 50, all adding up to the 52 of a caption:
    withheld, they are not pinned by the sum alone (1 + 1 or 0 + 2), but each is at least 1
    (a zero would be shown), so ``bounded`` withholds the third year too:

    >>> sums = [{0: 1, 1: 1, 2: 1, 3: -1}]
    >>> protect_linear([1, 1, 50, 52], sums, k=10, shown=[True] * 4,
    ...                fixed=[False, False, False, True]).tolist()
    [True, True, False, False]
    >>> protect_linear([1, 1, 50, 52], sums, k=10, shown=[True] * 4,
    ...                fixed=[False, False, False, True], bounded=True).tolist()
    [True, True, True, False]
    """
    from scipy.linalg import null_space

    vals = np.nan_to_num(np.asarray(values, dtype=float))
    n = len(vals)
    on_screen = np.asarray(shown, dtype=bool)
    keep = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    matrix = np.zeros((len(relations), n))
    for r, relation in enumerate(relations):
        for i, coefficient in relation.items():
            matrix[r, i] = coefficient
    small = small_mask(vals, k)
    withheld = on_screen & small
    if also is not None:
        withheld |= on_screen & np.asarray(also, dtype=bool)
    for _ in range(n + 1):
        unknown = np.flatnonzero(~on_screen | withheld)
        if not len(unknown) or not len(relations):
            break
        sub = matrix[:, unknown]
        free = null_space(sub) if sub.any() else np.eye(len(unknown))
        determined = np.abs(free).max(axis=1, initial=0.0) < 1e-9
        touched = np.abs(sub).sum(axis=0) > 0
        leaks = [j for j in range(len(unknown)) if determined[j] and touched[j]]
        leaks = [unknown[j] for j in leaks if small[unknown[j]]]
        if not leaks and bounded:
            leaks = _pinned_by_bounds(matrix, vals, unknown, small)
        if not leaks:
            break
        choice = _nearest_protector(
            matrix, leaks[0], on_screen & ~withheld & ~keep & (vals > 0), vals
        )
        if choice is None:
            break
        withheld[choice] = True
    return withheld


def _pinned_by_bounds(
    matrix: np.ndarray, vals: np.ndarray, unknown: np.ndarray, small: np.ndarray
) -> list[int]:
    """The unknown small counts that the relations and the bounds hold to an interval
    narrower than 1 (the first one found; linear programming, HiGHS)."""
    from scipy.optimize import linprog

    known = np.ones(len(vals), dtype=bool)
    known[unknown] = False
    sub = matrix[:, unknown]
    rows = np.abs(sub).sum(axis=1) > 0
    a_eq, b_eq = sub[rows], -(matrix[rows][:, known] @ vals[known])
    # a withheld count is at least 1 where an attacker could know it (a zero is shown):
    # assuming so wherever it is true errs on the safe side
    bounds = [(1.0 if vals[cell] > 0 else 0.0, None) for cell in unknown]
    for j, cell in enumerate(unknown):
        if not small[cell] or not np.abs(sub[:, j]).any():
            continue
        c = np.zeros(len(unknown))
        c[j] = 1.0
        span = []
        for sign in (1.0, -1.0):
            result = linprog(sign * c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if result.status != 0:
                break
            span.append(sign * float(result.fun))
        if len(span) == 2 and span[1] - span[0] < 1:
            return [int(cell)]
    return []


def _nearest_protector(
    matrix: np.ndarray, cell: int, eligible: np.ndarray, vals: np.ndarray
) -> int | None:
    """The smallest eligible number in the relations nearest to ``cell``: those holding
    it, else those reached from them through numbers not eligible (withheld, unshown or
    fixed), and so on."""
    seen_rows = np.zeros(matrix.shape[0], dtype=bool)
    seen_cells = np.zeros(matrix.shape[1], dtype=bool)
    seen_cells[cell] = True
    frontier = np.array([cell])
    while len(frontier):
        rows = np.flatnonzero((matrix[:, frontier] != 0).any(axis=1) & ~seen_rows)
        if not len(rows):
            return None
        seen_rows[rows] = True
        near = (matrix[rows] != 0).any(axis=0)
        candidates = np.flatnonzero(near & eligible)
        if len(candidates):
            return int(candidates[np.argmin(vals[candidates])])
        frontier = np.flatnonzero(near & ~seen_cells)
        seen_cells[frontier] = True
    return None
