"""Complementary suppression: the protectors that keep a withheld count from coming back.

A small count is withheld by the rule in :mod:`core.privacy`; a screen that also shows
its group's total, or other counts tied to it by sums, would give it back by
subtraction. :func:`suppress_complementary` withholds the fewest further cells of one
aggregated table so that no withheld cell follows within a group; :func:`protect_linear`
does the same for every number of a screen tied by any linear relations (exact linear
algebra, and linear programming when the counts' bounds are used).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.privacy import small_mask, suppression_caption

__all__ = ["Suppression", "protect_linear", "suppress_complementary"]


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
