"""Counts behind the Explore screen: tactics, registrations per year, and shared helpers.

Every function takes the canonical frame (or a slice of it) and returns a small table
that a chart draws as is. Counts are of *identified* victims: they describe who was
identified and recorded by CTDC partners, not how common trafficking is.

Shares always use the records where the field is known as the denominator; for groups of
flags the CTDC's rule applies (a record with no flag of the group set is unknown for that
group, see :mod:`core.data.denominators`).

Where the rest of the screen lives: the flows between countries and the country profiles
in :mod:`core.explore.countries`, the shares per year and their trends in
:mod:`core.explore.shifts`, the data-quality table in :mod:`core.explore.quality`, the
titles (findings) in :mod:`core.explore.headlines`, the small-cell protection of each
table in :mod:`core.explore.protect`, the charts in :mod:`core.explore.charts`
(tactics, years, quality), :mod:`core.explore.country_charts` and
:mod:`core.explore.shift_charts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.denominators import flag_shares, group_columns, known_mask
from core.data.schema import FLAG_GROUPS, flag_label
from core.data.years import incomplete_years
from core.options import check_choice, check_column
from core.words import category_label

__all__ = [
    "NOT_RECORDED",
    "SHIFT_FIELDS",
    "SPLIT_FIELDS",
    "YEAR",
    "YearlyTotals",
    "categories_in_order",
    "long_counts",
    "records_behind",
    "tactic_shares",
    "yearly_by_flag",
    "yearly_totals",
]

# Fields whose shares per year are traced on the 'shifts' section.
SHIFT_FIELDS: dict[str, str] = {
    "gender": "Gender",
    "majorityStatusAtExploit": "Minor or adult",
    "ageBroad": "Age band",
}
# Groups the tactics can be split by.
SPLIT_FIELDS: dict[str, str] = {
    "gender": "Gender",
    "majorityStatusAtExploit": "Minor or adult",
    "ageBroad": "Age band",
}
#: The type given to the records with no flag of a group (see :func:`yearly_by_flag`).
NOT_RECORDED = "Type not recorded"

#: The canonical column of the year of registration.
YEAR = "yearOfRegistration"


# --------------------------------------------------------------------------- helpers
def categories_in_order(series: pd.Series, /) -> list[object]:
    """Categories of a field in their natural order (band order for ordered bands).

    Examples
    --------
    >>> categories_in_order(pd.Series(["b", "a", None, "b"]))
    ['a', 'b']
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return list(series.cat.categories)
    return sorted(series.dropna().unique().tolist())


def long_counts(counts: pd.DataFrame, /, *, names: tuple[str, str]) -> pd.DataFrame:
    """A cross table of counts as a long table: one row per cell, row by row.

    Examples
    --------
    >>> t = pd.DataFrame({"F": [2, 0], "M": [1, 4]}, index=[2010, 2011])
    >>> long_counts(t, names=("year", "category")).values.tolist()
    [[2010, 'F', 2], [2010, 'M', 1], [2011, 'F', 0], [2011, 'M', 4]]
    """
    stacked = counts.stack()
    if not isinstance(stacked, pd.Series):  # only columns of several levels stack to a frame
        raise TypeError("long_counts takes a cross table with one level of columns")
    long = stacked.rename("count").reset_index()
    long.columns = [*names, "count"]
    return long


def records_behind(table: pd.DataFrame, /, *, by: str | None = None) -> int:
    """Records a shares table rests on: the denominator ``known`` once per group.

    ``by`` names the table's group column (None: one group); a name that is not a
    column of a non-empty table raises ``ValueError``.

    Examples
    --------
    >>> t = pd.DataFrame({"gender": ["F", "F", "M"], "known": [30, 30, 12]})
    >>> records_behind(t, by="gender"), records_behind(t.iloc[:1])
    (42, 30)
    """
    if table.empty:
        return 0
    if by is not None:
        check_column(by, table.columns, name="by")
    if by is None:
        return int(table["known"].iloc[0])
    return int(table.drop_duplicates(subset=[by])["known"].sum())


# --------------------------------------------------------------------------- tactics
def tactic_shares(frame: pd.DataFrame, /, *, group: str, by: str | None = None) -> pd.DataFrame:
    """Share of victims with each flag of ``group``, among those with any flag of it known.

    A thin layer on :func:`core.data.denominators.flag_shares` (the CTDC denominator rule):
    split values become plain words and ``rank`` orders the flags by their overall share
    (1 = most common), so that split charts keep the overall order.

    Examples
    --------
    >>> df = pd.DataFrame({"meansOfControlThreats": [True, True, False, False],
    ...                    "meansOfControlDebtBondage": [False, True, True, False]})
    >>> tactic_shares(df, group="means")[["label", "count", "known", "rank"]].values.tolist()
    [['Threats', 2, 3, 1], ['Debt bondage', 2, 3, 2]]
    """
    check_choice(group, FLAG_GROUPS, name="group")
    check_choice(by, [None, *SPLIT_FIELDS], name="by")
    overall = flag_shares(frame, group)
    rank = {label: i + 1 for i, label in enumerate(overall["label"])}
    table = overall if by is None else flag_shares(frame, group, by=by)
    table = table.copy()
    table["rank"] = table["label"].map(rank).astype(int) if len(table) else pd.Series(dtype=int)
    if by is not None and len(table):
        order = {c: i for i, c in enumerate(categories_in_order(frame[by]))}
        table["_order"] = table[by].map(order)
        table = table.sort_values(["_order", "rank"], kind="stable").drop(columns="_order")
        table[by] = [category_label(by, v) for v in table[by]]
    return table.reset_index(drop=True)


# --------------------------------------------------------------------------- trends


@dataclass(frozen=True)
class YearlyTotals:
    """Registrations per year (``table``: ``year, count, status``), flagged years, and how
    many records have no year at all.

    Not to be confused with :func:`core.forecast.series.yearly_counts`, the series a
    forecast is fitted to.
    """

    table: pd.DataFrame
    incomplete: list[int]
    no_year: int

    @property
    def with_year(self) -> int:
        """Records with a year of registration."""
        return int(self.table["count"].sum()) if len(self.table) else 0


_COMPLETE = "Complete"
_INCOMPLETE = "Likely incomplete (reporting lag)"


def yearly_totals(frame: pd.DataFrame, /, *, ratio: float = 0.5) -> YearlyTotals:
    """Records per year of registration (every year of the range, 0 when none).

    ``status`` is ``"Complete"`` or ``"Likely incomplete (reporting lag)"`` (see
    :func:`core.data.years.incomplete_years`).

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, 2010, 2012, None], dtype="Int16")})
    >>> y = yearly_totals(df)
    >>> y.table[["year", "count"]].values.tolist(), y.no_year
    ([[2010, 2], [2011, 0], [2012, 1]], 1)
    """
    years = frame[YEAR].dropna().astype(int)
    no_year = int(frame[YEAR].isna().sum())
    if years.empty:
        return YearlyTotals(pd.DataFrame(columns=["year", "count", "status"]), [], no_year)
    counts = years.value_counts().sort_index()
    counts = counts.reindex(range(int(years.min()), int(years.max()) + 1), fill_value=0)
    flagged = incomplete_years(counts, ratio=ratio)
    table = pd.DataFrame({"year": counts.index.astype(int), "count": counts.to_numpy(dtype=int)})
    table["status"] = np.where(table["year"].isin(flagged), _INCOMPLETE, _COMPLETE)
    return YearlyTotals(table, flagged, no_year)


def yearly_by_flag(frame: pd.DataFrame, /, *, group: str = "exploitation") -> pd.DataFrame:
    """Records per year with each flag of ``group``, plus those with none recorded.

    A record with several flags counts once in each (so the types can add up to more
    than the records); a record with no flag of the group counts in
    ``"Type not recorded"``. Every year of the range appears for every type.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, 2010, 2011], dtype="Int16"),
    ...                    "isForcedLabour": [True, True, False],
    ...                    "isSexualExploit": [True, False, False]})
    >>> yearly_by_flag(df).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [[2010, 'Forced labour', 2], [2011, 'Forced labour', 0],
     [2010, 'Sexual exploitation', 1], [2011, 'Sexual exploitation', 0],
     [2010, 'Type not recorded', 0], [2011, 'Type not recorded', 1]]
    """
    check_choice(group, FLAG_GROUPS, name="group")
    columns = group_columns(frame, group)
    has_year = frame[YEAR].notna().to_numpy()
    if not has_year.any():
        return pd.DataFrame(columns=["year", "type", "count"])
    years = frame[YEAR].to_numpy()[has_year].astype(int)
    flags = pd.DataFrame(frame[columns].to_numpy(dtype=bool)[has_year], columns=columns)
    flags[NOT_RECORDED] = ~known_mask(frame, columns)[has_year]
    flags["year"] = years
    span = range(int(years.min()), int(years.max()) + 1)
    per_year = flags.groupby("year").sum().reindex(span, fill_value=0)
    long = per_year.reset_index().melt(id_vars="year", var_name="type", value_name="count")
    long["type"] = [t if t == NOT_RECORDED else flag_label(t) for t in long["type"]]
    long["year"] = long["year"].astype(int)
    long["count"] = long["count"].astype(int)
    return long.reset_index(drop=True)
