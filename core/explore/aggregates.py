"""Counts behind the Explore screen: flows, country profiles, tactics, registrations per year.

Every function takes the canonical frame (or a slice of it) and returns a small table
that a chart draws as is. Counts are of *identified* victims: they describe who was
identified and recorded by CTDC partners, not how common trafficking is.

Shares always use the records where the field is known as the denominator; for groups of
flags the CTDC's rule applies (a record with no flag of the group set is unknown for that
group, see :mod:`core.data.denominators`).

Where the rest of the screen lives: the shares per year and their trends in
:mod:`core.explore.shifts`, the data-quality table in :mod:`core.explore.quality`, the
titles (findings) in :mod:`core.explore.headlines`, the small-cell protection of each
table in :mod:`core.explore.protect`, the charts in :mod:`core.explore.charts`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.data.denominators import flag_shares, group_columns, known_mask
from core.data.schema import FLAG_GROUPS, flag_label
from core.data.years import incomplete_years
from core.options import check_choice, check_column
from core.words import category_label

__all__ = [
    "BOTTOM_LABEL",
    "COUNTRY_FIELDS",
    "NOT_RECORDED",
    "PROFILE_FIELDS",
    "SHIFT_FIELDS",
    "SPLIT_FIELDS",
    "TOP_LABEL",
    "YEAR",
    "Flows",
    "YearlyTotals",
    "categories_in_order",
    "country_flows",
    "long_counts",
    "profile_shares",
    "profile_with_pooled",
    "records_behind",
    "sankey_links",
    "tactic_shares",
    "top_bottom_countries",
    "yearly_by_flag",
    "yearly_totals",
]

TOP_LABEL = "Highest volume"
BOTTOM_LABEL = "Lowest volume"

# Country columns: frame column -> plain words.
COUNTRY_FIELDS: dict[str, str] = {
    "citizenship": "Country of citizenship",
    "CountryOfExploitation": "Country of exploitation",
}
# Fields compared between high- and low-volume countries.
PROFILE_FIELDS: dict[str, str] = {
    "ageBroad": "Age band",
    "gender": "Gender",
    "traffickMonths": "Time trafficked",
}
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


def _country_names(frame: pd.DataFrame, column: str) -> dict[str, str]:
    """Map ISO codes to country names as the frame spells them (code when unnamed)."""
    name_column = f"{column}Name"
    codes = frame[column].dropna()
    if name_column not in frame.columns:
        return {str(c): str(c) for c in codes.unique()}
    pairs = frame.loc[codes.index, [column, name_column]].drop_duplicates(subset=[column])
    return {
        str(code): (str(name) if pd.notna(name) else str(code))
        for code, name in zip(pairs[column], pairs[name_column], strict=True)
    }


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


# --------------------------------------------------------------------------- flows
@dataclass(frozen=True)
class Flows:
    """Citizenship-to-exploitation counts among the top countries.

    ``table`` has columns ``citizenship, exploitation, count, log10_count`` (country names,
    one row per pair with at least one record); ``citizenship_order`` and
    ``exploitation_order`` list the countries by volume, largest first.
    """

    table: pd.DataFrame
    citizenship_order: list[str]
    exploitation_order: list[str]
    both_known: int

    @property
    def shown(self) -> int:
        """Records in the pairs shown."""
        return int(self.table["count"].sum()) if len(self.table) else 0

    def with_table(self, table: pd.DataFrame) -> Flows:
        """The same flows with another table (e.g. small counts withheld)."""
        return replace(self, table=table)


def _pair_counts(frame: pd.DataFrame) -> pd.DataFrame:
    both = frame["citizenship"].notna() & frame["CountryOfExploitation"].notna()
    sub = frame.loc[both, ["citizenship", "CountryOfExploitation"]]
    counts = (
        sub.groupby(["citizenship", "CountryOfExploitation"], observed=True)
        .size()
        .rename("count")
        .reset_index()
    )
    counts = counts[counts["count"] > 0]
    counts["citizenship"] = counts["citizenship"].astype(str)
    counts["CountryOfExploitation"] = counts["CountryOfExploitation"].astype(str)
    return counts


def _top_codes(counts: pd.DataFrame, column: str, names: dict[str, str], n: int) -> list[str]:
    totals = counts.groupby(column)["count"].sum().reset_index()
    totals["name"] = totals[column].map(names)
    totals = totals.sort_values(["count", "name"], ascending=[False, True], kind="stable")
    return totals[column].head(n).tolist()


def country_flows(frame: pd.DataFrame, /, *, top_n: int = 15) -> Flows:
    """Records per (citizenship, exploitation) pair among the ``top_n`` countries of each.

    Only records with both countries known count. The top countries are ranked by
    their records among those (ties by name).

    Examples
    --------
    >>> df = pd.DataFrame({"citizenship": ["UKR", "UKR", "UKR", "MDA", None],
    ...                    "CountryOfExploitation": ["RUS", "RUS", "POL", "RUS", "RUS"]})
    >>> f = country_flows(df, top_n=1)
    >>> f.table[["citizenship", "exploitation", "count"]].values.tolist(), f.both_known
    ([['UKR', 'RUS', 2]], 4)
    """
    counts = _pair_counts(frame)
    both_known = int(counts["count"].sum())
    cit_names = _country_names(frame, "citizenship")
    exp_names = _country_names(frame, "CountryOfExploitation")
    top_cit = _top_codes(counts, "citizenship", cit_names, top_n)
    top_exp = _top_codes(counts, "CountryOfExploitation", exp_names, top_n)
    in_top = counts["citizenship"].isin(top_cit) & counts["CountryOfExploitation"].isin(top_exp)
    kept = counts[in_top]
    table = pd.DataFrame(
        {
            "citizenship": kept["citizenship"].map(cit_names).to_numpy(dtype=object),
            "exploitation": kept["CountryOfExploitation"].map(exp_names).to_numpy(dtype=object),
            "count": kept["count"].to_numpy(dtype=int),
        }
    )
    table["log10_count"] = np.log10(table["count"].astype(float))
    table = table.sort_values("count", ascending=False, kind="stable").reset_index(drop=True)
    return Flows(
        table=table,
        citizenship_order=[cit_names[c] for c in top_cit],
        exploitation_order=[exp_names[c] for c in top_exp],
        both_known=both_known,
    )


def sankey_links(frame: pd.DataFrame, /, *, top_n: int = 12) -> pd.DataFrame:
    """The ``top_n`` largest citizenship-to-exploitation flows (country names).

    Returns columns ``citizenship, exploitation, count, share`` where ``share`` is the
    flow's share of all records with both countries known; largest first, ties by name.

    Examples
    --------
    >>> df = pd.DataFrame({"citizenship": ["UKR", "UKR", "MDA", "PHL"],
    ...                    "CountryOfExploitation": ["RUS", "RUS", "RUS", "PHL"]})
    >>> sankey_links(df, top_n=2).values.tolist()
    [['UKR', 'RUS', 2, 0.5], ['MDA', 'RUS', 1, 0.25]]
    """
    counts = _pair_counts(frame)
    total = int(counts["count"].sum())
    cit_names = _country_names(frame, "citizenship")
    exp_names = _country_names(frame, "CountryOfExploitation")
    table = pd.DataFrame(
        {
            "citizenship": counts["citizenship"].map(cit_names).to_numpy(dtype=object),
            "exploitation": counts["CountryOfExploitation"].map(exp_names).to_numpy(dtype=object),
            "count": counts["count"].to_numpy(dtype=int),
        }
    )
    table = table.sort_values(
        ["count", "citizenship", "exploitation"], ascending=[False, True, True], kind="stable"
    ).head(top_n)
    table["share"] = table["count"] / total if total else np.nan
    return table.reset_index(drop=True)


# --------------------------------------------------------------------------- top vs bottom
def top_bottom_countries(
    frame: pd.DataFrame,
    /,
    *,
    by: str = "citizenship",
    n: int = 5,
    min_records: int = 50,
) -> pd.DataFrame:
    """The ``n`` countries with the most records and the ``n`` with the fewest.

    Only countries with at least ``min_records`` records are eligible, so that the
    'lowest' group is not made of noise; a country is never in both groups.

    Returns
    -------
    DataFrame
        Columns ``code, country, records, group`` (``group`` is :data:`TOP_LABEL` or
        :data:`BOTTOM_LABEL`); the top group first (largest first), then the bottom
        group (smallest first). Ties are broken by country name.

    Examples
    --------
    >>> df = pd.DataFrame({"citizenship": list("AAAABBBCCD")})
    >>> top_bottom_countries(df, n=1, min_records=2)[["code", "records", "group"]].values.tolist()
    [['A', 4, 'Highest volume'], ['C', 2, 'Lowest volume']]
    """
    check_choice(by, COUNTRY_FIELDS, name="by")
    names = _country_names(frame, by)
    counts = frame[by].dropna().astype(str).value_counts()
    table = pd.DataFrame(
        {"code": counts.index.to_numpy(dtype=object), "records": counts.to_numpy(dtype=int)}
    )
    table["country"] = table["code"].map(names)
    table = table[table["records"] >= min_records]
    ranked = table.sort_values(["records", "country"], ascending=[False, True], kind="stable")
    top = ranked.head(n).assign(group=TOP_LABEL)
    rest = ranked.iloc[len(top) :]
    bottom = (
        rest.sort_values(["records", "country"], ascending=[True, True], kind="stable")
        .head(n)
        .assign(group=BOTTOM_LABEL)
    )
    out = pd.concat([top, bottom], ignore_index=True)
    return out[["code", "country", "records", "group"]]


def profile_shares(
    frame: pd.DataFrame,
    countries: pd.DataFrame,
    /,
    *,
    by: str,
    field: str,
    pooled: bool = False,
) -> pd.DataFrame:
    """Distribution of ``field`` within each chosen country (or each group of them).

    Parameters
    ----------
    frame
        The canonical frame.
    countries
        Output of :func:`top_bottom_countries` (columns ``code, country, group``).
    by
        The country column the countries were chosen on.
    field
        The field to profile (``ageBroad``, ``gender``, ``traffickMonths``).
    pooled
        False: one profile per country. True: one per group, all its countries pooled.

    Returns
    -------
    DataFrame
        Columns ``group, country, category, count, known, share``: ``known`` is the
        records of the country (group) with the field known, ``share = count / known``.
        Every category seen in any chosen country appears for every country (0 when
        absent), in the field's natural order; countries follow the order of
        ``countries``. ``country`` equals ``group`` when pooled.

    Examples
    --------
    >>> df = pd.DataFrame({"citizenship": ["A", "A", "A", "B"],
    ...                    "gender": ["Female", "Female", "Male", None]})
    >>> chosen = top_bottom_countries(df, n=1, min_records=1)
    >>> profile_shares(df, chosen, by="citizenship", field="gender")[
    ...     ["country", "category", "count", "known"]].values.tolist()
    [['A', 'Female', 2, 3], ['A', 'Male', 1, 3], ['B', 'Female', 0, 0], ['B', 'Male', 0, 0]]
    """
    check_choice(by, COUNTRY_FIELDS, name="by")
    check_choice(field, PROFILE_FIELDS, name="field")
    columns = ["group", "country", "category", "count", "known", "share"]
    if countries.empty:
        return pd.DataFrame(columns=columns)
    codes = countries["code"].tolist()
    sub = frame.loc[frame[by].isin(codes) & frame[field].notna(), [by, field]]
    key = countries.set_index("code")["group" if pooled else "country"]
    units = list(dict.fromkeys(key.tolist()))
    unit_group = dict(zip(key.tolist(), countries["group"].tolist(), strict=True))
    unit_of_row = sub[by].astype(str).map(key)
    values = sub[field].astype(object)
    seen = set(values.unique().tolist())
    categories = [c for c in categories_in_order(frame[field]) if c in seen]
    counts = (
        pd.crosstab(unit_of_row.to_numpy(), values.to_numpy()).reindex(
            index=units, columns=categories, fill_value=0
        )
        if len(sub)
        else pd.DataFrame(0, index=units, columns=categories)
    )
    long = long_counts(counts, names=("country", "category"))
    known = counts.sum(axis=1)
    long["known"] = long["country"].map(known).astype(int)
    long["share"] = np.where(long["known"] > 0, long["count"] / long["known"].clip(lower=1), np.nan)
    long["group"] = long["country"].map(unit_group)
    long["category"] = [category_label(field, c) for c in long["category"]]
    long["count"] = long["count"].astype(int)
    return long[columns]


def profile_with_pooled(
    frame: pd.DataFrame,
    countries: pd.DataFrame,
    /,
    *,
    by: str,
    field: str,
) -> pd.DataFrame:
    """:func:`profile_shares` per country, preceded in each group by the pooled group.

    The pooled rows' ``country`` reads ``"All highest volume (n)"`` (or lowest), so a
    chart can show the group's overall profile above its countries.

    Examples
    --------
    >>> df = pd.DataFrame({"citizenship": ["A", "A", "B"], "gender": ["Female", "Male", "Male"]})
    >>> chosen = top_bottom_countries(df, n=1, min_records=1)
    >>> out = profile_with_pooled(df, chosen, by="citizenship", field="gender")
    >>> out["country"].drop_duplicates().tolist()
    ['All highest volume (1)', 'A', 'All lowest volume (1)', 'B']
    """
    check_choice(by, COUNTRY_FIELDS, name="by")
    check_choice(field, PROFILE_FIELDS, name="field")
    per_country = profile_shares(frame, countries, by=by, field=field)
    pooled = profile_shares(frame, countries, by=by, field=field, pooled=True)
    sizes = countries["group"].value_counts()
    pooled["country"] = [f"All {g.lower()} ({sizes[g]})" for g in pooled["group"]]
    parts = []
    for group in dict.fromkeys(countries["group"]):
        parts.append(pooled[pooled["group"] == group])
        parts.append(per_country[per_country["group"] == group])
    return pd.concat(parts, ignore_index=True) if parts else per_country


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
