"""Small-cell protection of the Explore tables, built on :mod:`core.privacy`.

Each ``protect_*`` function takes one table of :mod:`core.explore.aggregates` (or of
:mod:`core.explore.countries`, :mod:`core.explore.quality`; the shifts table's in :mod:`core.explore.shift_protect`)
and returns it with the cells a chart and its CSV must not show blanked (NaN), with the
:class:`core.suppression.Suppression` whose ``caption()`` says how many were withheld. Each
knows which cells of its table add up to a total the screen shows, so that a withheld
cell cannot come back by subtraction (complementary suppression).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.explore.aggregates import SPLIT_FIELDS
from core.options import check_choice, check_column
from core.privacy import small_mask
from core.suppression import Suppression, protect_linear, suppress_complementary

__all__ = [
    "protect_by_type",
    "protect_flows",
    "protect_missing",
    "protect_profile",
    "protect_tactics",
    "protect_yearly",
    "visible_row_count",
    "withheld_years",
    "withhold_complementary",
    "withhold_small",
    "years_withheld_in",
]


def withhold_small(
    table: pd.DataFrame,
    /,
    *,
    k: int,
    count_columns: Sequence[str],
    dependent_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """Blank (NaN) the cells a chart must not draw: counts 1..k-1 and what derives from them.

    Unlike :func:`core.privacy.protect` the columns stay numeric, so a chart can simply
    leave those cells out.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a", "b"], "count": [4, 40], "share": [0.1, 0.9]})
    >>> out = withhold_small(t, k=10, count_columns=["count"], dependent_columns=["share"])
    >>> out.values.tolist()
    [['a', nan, nan], ['b', 40.0, 0.9]]
    """
    out = table.copy()
    marked = np.zeros(len(out), dtype=bool)
    for column in count_columns:
        marked |= small_mask(out[column].to_numpy(), k)
    for column in [*count_columns, *dependent_columns]:
        values = pd.to_numeric(out[column], errors="coerce").astype(float)
        out[column] = values.where(~marked)
    return out


def withhold_complementary(
    table: pd.DataFrame,
    /,
    *,
    k: int,
    count_columns: Sequence[str],
    dependent_columns: Sequence[str] = (),
    groups: Sequence[Sequence[str]],
    total_column: str | None = None,
    exhaustive: bool = True,
    also_primary: np.ndarray | None = None,
) -> tuple[pd.DataFrame, Suppression]:
    """Like :func:`withhold_small`, plus the cells withheld so that none comes back.

    The first of ``count_columns`` holds the cells; the groups and totals are as in
    :func:`core.suppression.suppress_complementary`. Returns the table with the withheld
    rows' counts and dependent columns blank (NaN), for the chart and its CSV alike, and
    the suppression (its ``caption()`` is the sentence for the output's caption).

    Examples
    --------
    >>> t = pd.DataFrame({"year": [2004, 2004], "count": [2, 18], "known": [20, 20]})
    >>> out, s = withhold_complementary(t, k=10, count_columns=["count", "known"],
    ...                                 groups=[["year"]], total_column="known")
    >>> out["count"].isna().tolist(), s.caption()
    ([True, True], '2 cells withheld: each holds a small count (fewer than 10 records) or would reveal one.')
    """
    cell, *others = count_columns
    extra = (
        np.zeros(len(table), dtype=bool)
        if also_primary is None
        else np.asarray(also_primary, dtype=bool).copy()
    )
    for column in others:
        extra |= small_mask(table[column].to_numpy(), k)
    suppression = suppress_complementary(
        table,
        count_column=cell,
        groups=groups,
        k=k,
        total_column=total_column,
        exhaustive=exhaustive,
        also_primary=extra,
    )
    out = table.copy()
    for column in [*count_columns, *dependent_columns]:
        values = pd.to_numeric(out[column], errors="coerce").astype(float)
        out[column] = values.where(~suppression.withheld)
    return out, suppression


def _row_groups(table: pd.DataFrame) -> tuple[pd.DataFrame, list[list[str]]]:
    """The table with each row its own group (for cells that need not add up)."""
    out = table.copy()
    out["_cell"] = np.arange(len(out))
    return out, [["_cell"]]


def protect_tactics(
    table: pd.DataFrame, /, *, k: int, by: str | None = None
) -> tuple[pd.DataFrame, Suppression]:
    """Protect the tactic shares of :func:`core.explore.aggregates.tactic_shares`.

    One victim can have several tactics, so the cells do not add up; but known - count
    (the victims without that tactic) must not be small either. The split groups'
    ``known`` add up to the records the caption shows, so a small one is protected by
    withholding another group too. ``by`` is the table's split (None or one of
    :data:`core.explore.aggregates.SPLIT_FIELDS`); another value raises ``ValueError``.

    Examples
    --------
    >>> t = pd.DataFrame({"label": ["Threats", "Debt bondage"], "count": [4, 30],
    ...                   "known": [50, 50], "share": [0.08, 0.6]})
    >>> out, s = protect_tactics(t, k=10)
    >>> out["count"].tolist(), s.caption()
    ([nan, 30.0], '1 cell withheld: it holds a small count (fewer than 10 records) or would reveal one.')
    """
    check_choice(by, [None, *SPLIT_FIELDS], name="by")
    rows, groups = _row_groups(table)
    extra = np.zeros(len(rows), dtype=bool)
    if by is not None and len(rows):
        per_group = rows.drop_duplicates(subset=[by])[[by, "known"]].assign(_all=0)
        level = suppress_complementary(per_group, count_column="known", groups=[["_all"]], k=k)
        extra = rows[by].isin(set(per_group.loc[level.withheld, by].tolist())).to_numpy()
    out, suppression = withhold_complementary(
        rows,
        k=k,
        count_columns=["count", "known"],
        dependent_columns=["share"],
        groups=groups,
        total_column="known",
        exhaustive=False,
        also_primary=extra,
    )
    return out.drop(columns=["_cell"]), suppression


def protect_missing(missing: pd.DataFrame, /, *, k: int) -> tuple[pd.DataFrame, Suppression]:
    """Protect the data-quality table of :func:`core.explore.quality.missing_by_field`.

    Beside the records in view a missing count gives the known count back, so either
    being small withholds it.

    Examples
    --------
    >>> m = pd.DataFrame({"field": ["Gender", "Age band"], "missing": [95, 40],
    ...                   "records": [100, 100], "missing_share": [0.95, 0.4]})
    >>> out, s = protect_missing(m, k=10)  # 95 missing of 100: only 5 known
    >>> out["missing"].tolist(), s.caption()
    ([nan, 40.0], '1 cell withheld: it holds a small count (fewer than 10 records) or would reveal one.')
    """
    rows, groups = _row_groups(missing)
    out, suppression = withhold_complementary(
        rows,
        k=k,
        count_columns=["missing"],
        dependent_columns=["missing_share"],
        groups=groups,
        total_column="records",
        exhaustive=False,
    )
    return out.drop(columns=["_cell"]), suppression


def protect_yearly(
    table: pd.DataFrame, /, *, k: int, records: int | None = None
) -> tuple[pd.DataFrame, Suppression]:
    """Protect registrations per year: the years add up to the records with a year.

    The records with a year are in the caption, so a lone small year would come back.
    ``records`` is the records in view (every page's header): the years and the records
    without a year add up to it, so a small number without a year (which the caption
    then withholds) must not follow from the years shown either.

    Examples
    --------
    >>> out, s = protect_yearly(pd.DataFrame({"year": [2010, 2011, 2012],
    ...                                       "count": [4, 50, 60]}), k=10)
    >>> out["count"].tolist(), s.caption()
    ([nan, nan, 60.0], '2 cells withheld: each holds a small count (fewer than 10 records) or would reveal one.')

    Three of 113 records in view have no year: one year goes so that they stay unknown.

    >>> out, s = protect_yearly(pd.DataFrame({"year": [2010, 2011], "count": [50, 60]}),
    ...                         k=10, records=113)
    >>> out["count"].tolist(), s.caption()
    ([nan, 60.0], '1 cell withheld: it holds a small count (fewer than 10 records) or would reveal one.')
    """
    if records is None:
        rows = table.assign(_all=0)
        out, suppression = withhold_complementary(
            rows, k=k, count_columns=["count"], groups=[["_all"]]
        )
        return out.drop(columns=["_all"]), suppression
    counts = [float(c) for c in pd.to_numeric(table["count"], errors="coerce").fillna(0)]
    n = len(counts)
    no_year = float(records) - sum(counts)
    mask = protect_linear(
        [*counts, no_year, float(records)],
        [{**dict.fromkeys(range(n + 1), 1.0), n + 1: -1.0}],
        k=k,
        # the caption shows the records without a year unless small: never a protector
        shown=[True] * n + [not (0 < no_year < k), True],
        fixed=[False] * n + [True, True],
        bounded=True,
    )
    withheld = np.asarray(mask[:n], dtype=bool)
    primary = small_mask(np.asarray(counts), k)
    out = table.copy()
    out["count"] = pd.to_numeric(out["count"], errors="coerce").astype(float).where(~withheld)
    return out, Suppression.of(withheld, primary, k)


def withheld_years(table: pd.DataFrame, /, *, k: int, records: int) -> set[int]:
    """The years :func:`protect_yearly` withholds (for tables that repeat a year's count).

    Examples
    --------
    >>> withheld_years(pd.DataFrame({"year": [2010, 2011], "count": [50, 60]}), k=10,
    ...                records=113)
    {2010}
    """
    drawn, _ = protect_yearly(table, k=k, records=records)
    return years_withheld_in(drawn)


def years_withheld_in(drawn: pd.DataFrame, /) -> set[int]:
    """The years a protected yearly table (:func:`protect_yearly`'s) leaves empty.

    Examples
    --------
    >>> years_withheld_in(pd.DataFrame({"year": [2010, 2011], "count": [None, 60.0]}))
    {2010}
    """
    return {int(y) for y in drawn.loc[drawn["count"].isna(), "year"]}


def protect_by_type(table: pd.DataFrame, /, *, k: int) -> tuple[pd.DataFrame, Suppression]:
    """Protect registrations per year by type (:func:`~core.explore.aggregates.yearly_by_flag`).

    A victim may have several types (or none), so the types need not add up to the
    year's total; they are protected as if they did.

    Examples
    --------
    >>> t = pd.DataFrame({"year": [2010, 2010, 2011], "type": ["A", "B", "A"],
    ...                   "count": [4, 30, 25]})
    >>> out, s = protect_by_type(t, k=10)
    >>> out["count"].tolist(), s.caption()
    ([nan, nan, 25.0], '2 cells withheld: each holds a small count (fewer than 10 records) or would reveal one.')
    """
    return withhold_complementary(table, k=k, count_columns=["count"], groups=[["year"]])


def protect_flows(
    table: pd.DataFrame, /, *, k: int, source: str = "citizenship", target: str = "exploitation"
) -> tuple[pd.DataFrame, Suppression]:
    """Protect flows between countries (a heatmap's table or a Sankey's links).

    Each row and column adds up to a total that follows from what is shown (the records
    with both countries known, the top countries' totals). ``source`` and ``target``
    name the table's two country columns; a name that is not a column raises
    ``ValueError``.

    Examples
    --------
    >>> t = pd.DataFrame({"citizenship": ["A", "A", "B", "B"],
    ...                   "exploitation": ["X", "Y", "X", "Y"], "count": [3, 40, 20, 50]})
    >>> out, s = protect_flows(t, k=10)  # a 2 x 2 table: one small cell takes all four
    >>> out["count"].tolist(), s.caption()
    ([nan, nan, nan, nan], '4 cells withheld: each holds a small count (fewer than 10 records) or would reveal one.')
    """
    check_column(source, table.columns, name="source")
    check_column(target, table.columns, name="target")
    return withhold_complementary(
        table,
        k=k,
        count_columns=["count"],
        dependent_columns=[c for c in ("share", "log10_count") if c in table.columns],
        groups=[[source], [target]],
    )


def protect_profile(table: pd.DataFrame, /, *, k: int) -> tuple[pd.DataFrame, Suppression]:
    """Protect country (and group) profiles of :func:`~core.explore.countries.profile_with_pooled`.

    Each country's categories add up to its ``known``, and a group's countries add up,
    category by category, to the group's pooled row (its ``country`` starts with "All ").
    """
    counts = pd.to_numeric(table["count"], errors="coerce").fillna(0).to_numpy()
    pooled = table["country"].astype(str).str.startswith("All ").to_numpy()
    primary = small_mask(counts, k) | small_mask(table["known"].to_numpy(), k)
    withheld = primary.copy()
    members = table.loc[~pooled]
    while True:
        within = suppress_complementary(
            table,
            count_column="count",
            groups=[["country"]],
            k=k,
            total_column="known",
            also_primary=withheld,
        )
        across = suppress_complementary(
            members,
            count_column="count",
            groups=[["group", "category"]],
            k=k,
            also_primary=within.withheld[~pooled],
        )
        new = within.withheld.copy()
        new[~pooled] |= across.withheld
        if (new == withheld).all():
            break
        withheld = new
    withheld = _profile_linear(table, counts, pooled, withheld, k=k)
    suppression = Suppression.of(withheld, primary, k)
    out = table.copy()
    for column in ["count", "known", "share"]:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float).where(~withheld)
    return out, suppression


def _profile_linear(
    table: pd.DataFrame, counts: np.ndarray, pooled: np.ndarray, withheld: np.ndarray, *, k: int
) -> np.ndarray:
    """The greedy profile suppression, finished against every sum at once and the bounds.

    Two greedy passes (within countries, across a group's countries) can leave a cell
    that the two kinds of sums pin together, or that they hold within less than one
    record because no count is negative (linear programming finds those). The whole
    table is checked as one system (:func:`core.suppression.protect_linear`): the cells, each
    country's ``known`` (shown beside its cells, never withheld to protect another) and
    the pooled rows as sums; a country whose small ``known`` goes is withheld whole.
    """
    countries = table["country"].astype(str).to_numpy()
    names = list(dict.fromkeys(countries))
    knowns = table.drop_duplicates(subset=["country"]).set_index("country")["known"]
    n = len(table)
    values = [*counts.tolist(), *(float(knowns[c]) for c in names)]
    at = {c: n + j for j, c in enumerate(names)}
    relations: list[dict[int, float]] = []
    for c in names:
        relations.append(
            {**dict.fromkeys(np.flatnonzero(countries == c).tolist(), 1.0), at[c]: -1.0}
        )
    groups = table["group"].astype(str).to_numpy()
    cats = table["category"].astype(str).to_numpy()
    for g in dict.fromkeys(groups):
        mine = groups == g
        members = list(dict.fromkeys(countries[mine & ~pooled]))
        totals = list(dict.fromkeys(countries[mine & pooled]))
        if len(totals) != 1:
            continue
        relations.append({**{at[c]: 1.0 for c in members}, at[totals[0]]: -1.0})
        for cat in dict.fromkeys(cats[mine]):
            rows = np.flatnonzero(mine & (cats == cat))
            head = [int(i) for i in rows if pooled[i]]
            if head:
                relations.append({**{int(i): 1.0 for i in rows if not pooled[i]}, head[0]: -1.0})
    whole = [bool(withheld[countries == c].all()) for c in names]
    mask = protect_linear(
        values,
        relations,
        k=k,
        shown=[True] * len(values),
        fixed=[False] * n + [True] * len(names),
        also=[*withheld.tolist(), *whole],
        bounded=True,
    )
    out = mask[:n].copy()
    for j, c in enumerate(names):
        if mask[n + j]:
            out[countries == c] = True
    return out


def visible_row_count(table: pd.DataFrame, /, *, k: int, column: str = "count") -> int:
    """How many rows a chart can draw: a positive count of at least ``k``.

    Smaller counts are withheld, so a table whose number is 0 has nothing to draw.
    ``column`` names the counts; a name that is not a column raises ``ValueError``.

    Examples
    --------
    >>> visible_row_count(pd.DataFrame({"count": [0, 3, 10, 40]}), k=10)
    2
    """
    if table.empty:
        return 0
    check_column(column, table.columns, name="column")
    counts = pd.to_numeric(table[column], errors="coerce").fillna(0).to_numpy()
    return int(((counts >= k) & (counts > 0)).sum())
