"""Aggregates behind the Explore page: flows, country profiles, tactics, trends, shifts.

Every function takes the canonical frame (or a slice of it) and returns a small table
that a chart draws as is. Counts are of *identified* victims: they describe who was
identified and recorded by CTDC partners, not how common trafficking is.

Shares always use the records where the field is known as the denominator; for groups of
flags the CTDC's rule applies (a record with no flag of the group set is unknown for that
group, see :mod:`core.data.denominators`).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.data.denominators import flag_shares, group_columns, known_mask
from core.data.schema import FLAG_GROUPS, flag_label
from core.data.years import incomplete_years
from core.privacy import Suppression, format_count, small_mask, suppress_complementary

__all__ = [
    "BOTTOM_LABEL",
    "COUNTRY_FIELDS",
    "PROFILE_FIELDS",
    "SHIFT_FIELDS",
    "SPLIT_FIELDS",
    "TOP_LABEL",
    "Flows",
    "ShareTrend",
    "YearlyCounts",
    "category_label",
    "chart_bases",
    "count_text",
    "country_flows",
    "flows_headline",
    "incomplete_years",
    "missing_by_field",
    "missing_headline",
    "profile_headline",
    "profile_shares",
    "profile_with_pooled",
    "records_behind",
    "sankey_headline",
    "sankey_links",
    "share_text",
    "share_trend",
    "share_trends",
    "shares_headline",
    "tactic_shares",
    "tactics_headline",
    "top_bottom_countries",
    "trend_curve",
    "trends_table",
    "type_trend_headline",
    "visible_rows",
    "withhold_small",
    "year_span_text",
    "yearly_by_flag",
    "yearly_counts",
    "yearly_headline",
    "yearly_shares",
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

_YEAR = "yearOfRegistration"
_NOT_RECORDED = "Type not recorded"


# --------------------------------------------------------------------------- helpers
def count_text(n: float, k: int = 1, /) -> str:
    """A count for a sentence (see :func:`core.privacy.format_count`; ``k`` defaults to 1).

    Examples
    --------
    >>> count_text(27840, 10), count_text(4, 10), count_text(0, 10)
    ('27,840', '<10', '0')
    """
    return format_count(n, k)


def share_text(share: float, /) -> str:
    """A share as a percentage: whole numbers, one decimal near 0% and 100%.

    Examples
    --------
    >>> share_text(0.4349), share_text(0.0031), share_text(0.9987), share_text(0.0)
    ('43%', '0.3%', '99.9%', '0%')
    """
    if share == 0 or share == 1 or 0.01 <= share <= 0.99:
        return f"{share:.0%}"
    return f"{share:.1%}"


def year_span_text(years: Sequence[int], /) -> str:
    """Years as short text: consecutive runs become ranges.

    Examples
    --------
    >>> year_span_text([2020, 2021]), year_span_text([2015]), year_span_text([2010, 2012, 2013])
    ('2020–2021', '2015', '2010, 2012–2013')
    """
    ordered = sorted(int(y) for y in years)
    runs: list[list[int]] = []
    for year in ordered:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def category_label(field: str, value: object, /) -> str:
    """Plain words for a category of a canonical field (age and duration bands, gender).

    Examples
    --------
    >>> category_label("ageBroad", "09--17"), category_label("ageBroad", "48+")
    ('9–17', '48+')
    >>> category_label("traffickMonths", "13--24 (1-2 yrs)")
    '1–2 years'
    >>> category_label("gender", "Transgender/NonConforming")
    'Transgender / non-conforming'
    """
    text = str(value)
    if field == "ageBroad":
        match = re.fullmatch(r"0*(\d+)--0*(\d+)", text)
        return f"{match.group(1)}–{match.group(2)}" if match else text
    if field == "traffickMonths":
        match = re.search(r"\((\d+)([-+])(\d*)\s*yrs?\)", text)
        if match is None:
            return text
        lo, sign, hi = match.groups()
        if sign == "+":
            return f"{lo}+ years"
        return f"{lo}–{hi} year" if hi == "1" else f"{lo}–{hi} years"
    if field == "gender" and text == "Transgender/NonConforming":
        return "Transgender / non-conforming"
    return text


def _subject(field: str, value: object) -> str:
    """Who a share is about, for a sentence ('minors', 'victims aged 9–17')."""
    text = str(value)
    if field == "majorityStatusAtExploit":
        return {"Minor": "minors", "Adult": "adults"}.get(text, text)
    if field == "gender":
        return {
            "Female": "women and girls",
            "Male": "men and boys",
            "Transgender/NonConforming": "transgender or non-conforming victims",
        }.get(text, text)
    if field == "ageBroad":
        return f"victims aged {category_label(field, text)}"
    return text


def _categories(series: pd.Series) -> list[object]:
    """Categories of a field in their natural order (band order for ordered bands)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return list(series.cat.categories)
    return sorted(series.dropna().unique().tolist())


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
    :func:`core.privacy.suppress_complementary`. Returns the table with the withheld
    rows' counts and dependent columns blank (NaN), for the chart and its CSV alike, and
    the suppression (its ``caption()`` is the sentence for the output's caption).

    Examples
    --------
    >>> t = pd.DataFrame({"year": [2004, 2004], "count": [2, 18], "known": [20, 20]})
    >>> out, s = withhold_complementary(t, k=10, count_columns=["count", "known"],
    ...                                 groups=[["year"]], total_column="known")
    >>> out["count"].isna().tolist(), s.caption()
    ([True, True], '2 cells withheld, 1 of them to protect others.')
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


def caption_suffix(suppression: Suppression, /) -> str:
    """The suppression sentence to append to an output's caption ('' when none withheld).

    Examples
    --------
    >>> caption_suffix(Suppression(withheld=np.array([True, True]), primary=1, secondary=1))
    ' 2 cells withheld, 1 of them to protect others.'
    """
    text = suppression.caption()
    return f" {text}" if text else ""


def protect_shifts(shares: pd.DataFrame, /, *, k: int) -> tuple[pd.DataFrame, Suppression]:
    """The yearly shares (:func:`yearly_shares`): each year's categories add up to its
    ``known``, shown beside every cell; and the years' ``known`` add up to the records
    the caption shows, so a year withheld whole is protected by a second one."""
    extra = np.zeros(len(shares), dtype=bool)
    if len(shares):
        years = shares.drop_duplicates(subset=["year"])[["year", "known"]].assign(_all=0)
        level = suppress_complementary(years, count_column="known", groups=[["_all"]], k=k)
        hidden_years = set(years.loc[level.withheld, "year"].tolist())
        extra = shares["year"].isin(hidden_years).to_numpy() & ~small_mask(
            shares["known"].to_numpy(), k
        )
    out, suppression = withhold_complementary(
        shares,
        k=k,
        count_columns=["count", "known"],
        dependent_columns=["share"],
        groups=[["year"]],
        total_column="known",
    )
    if not extra.any():
        return out, suppression
    withheld = suppression.withheld | extra
    for column in ["count", "known", "share"]:
        out[column] = pd.to_numeric(shares[column], errors="coerce").astype(float).where(~withheld)
    return out, Suppression(
        withheld=withheld,
        primary=suppression.primary,
        secondary=int(withheld.sum()) - suppression.primary,
    )


def _row_groups(table: pd.DataFrame) -> tuple[pd.DataFrame, list[list[str]]]:
    out = table.copy()
    out["_cell"] = np.arange(len(out))
    return out, [["_cell"]]


def protect_tactics(
    table: pd.DataFrame, /, *, k: int, by: str | None = None
) -> tuple[pd.DataFrame, Suppression]:
    """The tactic shares (:func:`tactic_shares`): one victim can have several tactics, so
    the cells do not add up; but known - count (the victims without that tactic) must
    not be small either. The split groups' ``known`` add up to the records the caption
    shows, so a small one is protected by withholding another group too."""
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
    """The data-quality table (:func:`missing_by_field`): beside the records in view a
    missing count gives the known count back, so either being small withholds it."""
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


def protect_yearly(table: pd.DataFrame, /, *, k: int) -> tuple[pd.DataFrame, Suppression]:
    """Registrations per year: the years add up to the records with a year (captioned)."""
    rows = table.assign(_all=0)
    out, suppression = withhold_complementary(rows, k=k, count_columns=["count"], groups=[["_all"]])
    return out.drop(columns=["_all"]), suppression


def protect_by_type(table: pd.DataFrame, /, *, k: int) -> tuple[pd.DataFrame, Suppression]:
    """Registrations per year by type: a victim may have several types (or none), so the
    types need not add up to the year's total; they are protected as if they did."""
    return withhold_complementary(table, k=k, count_columns=["count"], groups=[["year"]])


def protect_flows(
    table: pd.DataFrame, /, *, k: int, source: str = "citizenship", target: str = "exploitation"
) -> tuple[pd.DataFrame, Suppression]:
    """Flows between countries: each row and column adds up to a total that follows from
    what is shown (the records with both countries known, the top countries' totals)."""
    return withhold_complementary(
        table,
        k=k,
        count_columns=["count"],
        dependent_columns=[c for c in ("share", "log10_count") if c in table.columns],
        groups=[[source], [target]],
    )


def protect_profile(table: pd.DataFrame, /, *, k: int) -> tuple[pd.DataFrame, Suppression]:
    """Country (or group) profiles (:func:`profile_with_pooled`): each country's
    categories add up to its ``known``, and a group's countries add up, category by
    category, to the group's pooled row (its ``country`` starts with "All ")."""
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
    suppression = Suppression(
        withheld=withheld, primary=int(primary.sum()), secondary=int((withheld & ~primary).sum())
    )
    out = table.copy()
    for column in ["count", "known", "share"]:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float).where(~withheld)
    return out, suppression


def visible_rows(table: pd.DataFrame, /, *, k: int, column: str = "count") -> int:
    """Rows a chart can draw: a positive count of at least ``k`` (smaller ones are withheld).

    Examples
    --------
    >>> visible_rows(pd.DataFrame({"count": [0, 3, 10, 40]}), k=10)
    2
    """
    if table.empty:
        return 0
    counts = pd.to_numeric(table[column], errors="coerce").fillna(0).to_numpy()
    return int(((counts >= k) & (counts > 0)).sum())


def records_behind(table: pd.DataFrame, /, *, by: str | None = None) -> int:
    """Records a shares table rests on: the denominator ``known`` once per group.

    Examples
    --------
    >>> t = pd.DataFrame({"gender": ["F", "F", "M"], "known": [30, 30, 12]})
    >>> records_behind(t, by="gender"), records_behind(t.iloc[:1])
    (42, 30)
    """
    if table.empty:
        return 0
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


def flows_headline(flows: Flows, /, *, k: int = 1) -> str:
    """The finding of the flows heatmap: the largest flow and its share of those shown.

    Examples
    --------
    >>> df = pd.DataFrame({"citizenship": ["UKR"] * 3 + ["MDA"],
    ...                    "CountryOfExploitation": ["RUS"] * 3 + ["RUS"]})
    >>> flows_headline(country_flows(df))
    'Largest flow: citizens of UKR exploited in RUS (3 records, 75% of the flows shown)'
    """
    table = flows.table
    if table.empty:
        return "No record in view has both countries known"
    top = table.iloc[0]
    share = top["count"] / flows.shown
    return (
        f"Largest flow: citizens of {top['citizenship']} exploited in {top['exploitation']} "
        f"({count_text(top['count'], k)} records, {share:.0%} of the flows shown)"
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


def sankey_headline(links: pd.DataFrame, /) -> str:
    """The finding of the Sankey: how much of all known flows the links shown carry.

    Examples
    --------
    >>> links = pd.DataFrame({"citizenship": ["A", "B"], "exploitation": ["C", "C"],
    ...                       "count": [6, 2], "share": [0.6, 0.2]})
    >>> sankey_headline(links)
    'The 2 largest flows carry 80% of records with both countries known'
    """
    if links.empty:
        return "No record in view has both countries known"
    return (
        f"The {len(links)} largest flows carry {links['share'].sum():.0%} of records with "
        "both countries known"
    )


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
    categories = [c for c in _categories(frame[field]) if c in seen]
    counts = (
        pd.crosstab(unit_of_row.to_numpy(), values.to_numpy()).reindex(
            index=units, columns=categories, fill_value=0
        )
        if len(sub)
        else pd.DataFrame(0, index=units, columns=categories)
    )
    long = counts.stack().rename("count").reset_index()
    long.columns = ["country", "category", "count"]
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
    per_country = profile_shares(frame, countries, by=by, field=field)
    pooled = profile_shares(frame, countries, by=by, field=field, pooled=True)
    sizes = countries["group"].value_counts()
    pooled["country"] = [f"All {g.lower()} ({sizes[g]})" for g in pooled["group"]]
    parts = []
    for group in dict.fromkeys(countries["group"]):
        parts.append(pooled[pooled["group"] == group])
        parts.append(per_country[per_country["group"] == group])
    return pd.concat(parts, ignore_index=True) if parts else per_country


def _quotable(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """Rows whose share a title may quote: ``known`` of at least ``k`` and a count that
    is not withheld (1..k-1), since the share and its denominator would reveal it."""
    keep = (table["known"] >= max(k, 1)) & ~small_mask(table["count"].to_numpy(), k)
    return table[keep]


def profile_headline(pooled: pd.DataFrame, /, *, field: str, k: int = 1) -> str:
    """The finding of a top-vs-bottom comparison: the category whose share differs most.

    ``pooled`` is :func:`profile_shares` with ``pooled=True``.

    Examples
    --------
    >>> pooled = pd.DataFrame({"group": ["Highest volume"] * 2 + ["Lowest volume"] * 2,
    ...     "category": ["Female", "Male"] * 2, "count": [60, 40, 20, 80],
    ...     "known": [100, 100, 100, 100], "share": [0.6, 0.4, 0.2, 0.8]})
    >>> profile_headline(pooled, field="gender")
    'Male: 80% in the lowest-volume countries vs 40% in the highest-volume ones'
    """
    usable = _quotable(pooled, k)
    wide = usable.pivot_table(index="category", columns="group", values="share", sort=False)
    if TOP_LABEL not in wide.columns or BOTTOM_LABEL not in wide.columns or wide.empty:
        return "Too few countries or records to compare the two groups"
    gap = (wide[BOTTOM_LABEL] - wide[TOP_LABEL]).abs().dropna()
    if gap.empty:
        return "Too few countries or records to compare the two groups"
    category = gap.idxmax()
    low, high = wide.loc[category, BOTTOM_LABEL], wide.loc[category, TOP_LABEL]
    prefix = "Age " if field == "ageBroad" else ""
    return (
        f"{prefix}{category}: {low:.0%} in the lowest-volume countries vs {high:.0%} "
        "in the highest-volume ones"
    )


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
    overall = flag_shares(frame, group)
    rank = {label: i + 1 for i, label in enumerate(overall["label"])}
    table = overall if by is None else flag_shares(frame, group, by=by)
    table = table.copy()
    table["rank"] = table["label"].map(rank).astype(int) if len(table) else pd.Series(dtype=int)
    if by is not None and len(table):
        order = {c: i for i, c in enumerate(_categories(frame[by]))}
        table["_order"] = table[by].map(order)
        table = table.sort_values(["_order", "rank"], kind="stable").drop(columns="_order")
        table[by] = [category_label(by, v) for v in table[by]]
    return table.reset_index(drop=True)


def tactics_headline(
    table: pd.DataFrame,
    /,
    *,
    group: str,
    by: str | None = None,
    k: int = 1,
) -> str:
    """The finding of a tactics chart.

    Unsplit: the most common flag and its share. Split: the flag whose share differs most
    between the split's groups (only groups with at least ``k`` known records count).

    Examples
    --------
    >>> t = pd.DataFrame({"label": ["Threats", "Debt bondage"], "count": [2, 1],
    ...                   "known": [4, 4], "share": [0.5, 0.25], "rank": [1, 2]})
    >>> tactics_headline(t, group="means")
    'Threats is the most reported means of control (50% of victims with any known)'
    """
    noun = FLAG_GROUPS[group].label.lower()
    if table.empty or table["known"].max() == 0:
        return f"No record in view has any {noun} recorded"
    if by is None:
        top = table.sort_values("rank").iloc[0]
        return (
            f"{top['label']} is the most reported {noun} "
            f"({top['share']:.0%} of victims with any known)"
        )
    usable = _quotable(table, k)
    wide = usable.pivot_table(index="label", columns=by, values="share", sort=False)
    if wide.shape[1] == 1:  # one group in view (or big enough): its leading item
        group_name = wide.columns[0]
        label = wide[group_name].idxmax()
        return (
            f"{label} is the most reported {noun} for {group_name} "
            f"({wide.loc[label, group_name]:.0%} of victims with any known)"
        )
    if wide.shape[1] < 2:
        return f"Too few records in the groups to compare {noun}"
    spread = (wide.max(axis=1) - wide.min(axis=1))[wide.notna().sum(axis=1) >= 2]
    if spread.empty:
        return f"Too few records in the groups to compare {noun}"
    label = spread.idxmax()
    hi_group, lo_group = wide.loc[label].idxmax(), wide.loc[label].idxmin()
    return (
        f"Widest gap: {label}, {wide.loc[label, hi_group]:.0%} for {hi_group} "
        f"vs {wide.loc[label, lo_group]:.0%} for {lo_group}"
    )


# --------------------------------------------------------------------------- trends


@dataclass(frozen=True)
class YearlyCounts:
    """Registrations per year (``table``: ``year, count, status``), flagged years, and how
    many records have no year at all."""

    table: pd.DataFrame
    incomplete: list[int]
    no_year: int

    @property
    def with_year(self) -> int:
        return int(self.table["count"].sum()) if len(self.table) else 0


_COMPLETE = "Complete"
_INCOMPLETE = "Likely incomplete (reporting lag)"


def yearly_counts(frame: pd.DataFrame, /, *, ratio: float = 0.5) -> YearlyCounts:
    """Records per year of registration (every year of the range, 0 when none).

    ``status`` is ``"Complete"`` or ``"Likely incomplete (reporting lag)"`` (see
    :func:`incomplete_years`).

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, 2010, 2012, None], dtype="Int16")})
    >>> y = yearly_counts(df)
    >>> y.table[["year", "count"]].values.tolist(), y.no_year
    ([[2010, 2], [2011, 0], [2012, 1]], 1)
    """
    years = frame[_YEAR].dropna().astype(int)
    no_year = int(frame[_YEAR].isna().sum())
    if years.empty:
        return YearlyCounts(pd.DataFrame(columns=["year", "count", "status"]), [], no_year)
    counts = years.value_counts().sort_index()
    counts = counts.reindex(range(int(years.min()), int(years.max()) + 1), fill_value=0)
    flagged = incomplete_years(counts, ratio=ratio)
    table = pd.DataFrame({"year": counts.index.astype(int), "count": counts.to_numpy(dtype=int)})
    table["status"] = np.where(table["year"].isin(flagged), _INCOMPLETE, _COMPLETE)
    return YearlyCounts(table, flagged, no_year)


def yearly_headline(yearly: YearlyCounts, /, *, k: int = 1) -> str:
    """The finding of the registrations chart: the peak year and the thin recent years.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array(
    ...     [2015] * 5 + [2016] * 6 + [2017] * 5 + [2018], dtype="Int16")})
    >>> yearly_headline(yearly_counts(df))
    'Registrations peaked in 2016 (6 records); 2018 looks incomplete'
    """
    table = yearly.table
    if table.empty:
        return "No record in view has a year of registration"
    peak = table.loc[table["count"].idxmax()]
    text = f"Registrations peaked in {int(peak['year'])} ({count_text(peak['count'], k)} records)"
    if yearly.incomplete:
        verb = "looks" if len(yearly.incomplete) == 1 else "look"
        text += f"; {year_span_text(yearly.incomplete)} {verb} incomplete"
    return text


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
    columns = group_columns(frame, group)
    has_year = frame[_YEAR].notna().to_numpy()
    if not has_year.any():
        return pd.DataFrame(columns=["year", "type", "count"])
    years = frame[_YEAR].to_numpy()[has_year].astype(int)
    flags = pd.DataFrame(frame[columns].to_numpy(dtype=bool)[has_year], columns=columns)
    flags[_NOT_RECORDED] = ~known_mask(frame, columns)[has_year]
    flags["year"] = years
    span = range(int(years.min()), int(years.max()) + 1)
    per_year = flags.groupby("year").sum().reindex(span, fill_value=0)
    long = per_year.reset_index().melt(id_vars="year", var_name="type", value_name="count")
    long["type"] = [t if t == _NOT_RECORDED else flag_label(t) for t in long["type"]]
    long["year"] = long["year"].astype(int)
    long["count"] = long["count"].astype(int)
    return long.reset_index(drop=True)


def type_trend_headline(
    table: pd.DataFrame, /, *, incomplete: Iterable[int] = (), k: int = 1
) -> str:
    """The finding of the by-type chart: the leading recorded type in the last complete year.

    A count from 1 to ``k - 1`` is written as ``"<k"``.

    Examples
    --------
    >>> t = pd.DataFrame({"year": [2018, 2018, 2019, 2019], "type": ["A", "B", "A", "B"],
    ...                   "count": [5, 9, 1, 0]})
    >>> type_trend_headline(t, incomplete=[2019])
    'B was the most recorded type in 2018, the last complete year (9 records)'
    """
    known = table[(table["type"] != _NOT_RECORDED) & ~table["year"].isin(list(incomplete))]
    if known.empty or known["count"].sum() == 0:
        return "No record in view has a year and a type of exploitation"
    last = int(known.loc[known["count"] > 0, "year"].max())
    row = known[known["year"] == last].sort_values("count", ascending=False, kind="stable").iloc[0]
    return (
        f"{row['type']} was the most recorded type in {last}, the last complete year "
        f"({count_text(row['count'], k)} records)"
    )


# --------------------------------------------------------------------------- shifts
def yearly_shares(frame: pd.DataFrame, /, *, field: str) -> pd.DataFrame:
    """Share of each category of ``field`` per year, among records with it known.

    Returns
    -------
    DataFrame
        Columns ``year, category, label, count, known, share`` (``known``: records of
        that year with the field known). Only years with at least one known value; every
        category seen in the slice appears in each of them (0 when absent), in natural
        order. ``category`` holds the raw value, ``label`` its plain words.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, 2010, 2010, 2011], dtype="Int16"),
    ...                    "gender": ["Female", "Male", "Female", None]})
    >>> yearly_shares(df, field="gender")[["year", "category", "count", "known"]].values.tolist()
    [[2010, 'Female', 2, 3], [2010, 'Male', 1, 3]]
    """
    columns = ["year", "category", "label", "count", "known", "share"]
    keep = frame[_YEAR].notna() & frame[field].notna()
    if not keep.any():
        return pd.DataFrame(columns=columns)
    years = frame.loc[keep, _YEAR].astype(int).to_numpy()
    values = frame.loc[keep, field].astype(object).to_numpy()
    seen = set(values.tolist())
    categories = [c for c in _categories(frame[field]) if c in seen]
    counts = pd.crosstab(years, values).reindex(columns=categories, fill_value=0)
    long = counts.stack().rename("count").reset_index()
    long.columns = ["year", "category", "count"]
    long["known"] = long["year"].map(counts.sum(axis=1)).astype(int)
    long["share"] = long["count"] / long["known"]
    long["label"] = [category_label(field, c) for c in long["category"]]
    long["year"] = long["year"].astype(int)
    long["count"] = long["count"].astype(int)
    return long[columns]


@dataclass(frozen=True)
class ShareTrend:
    """A binomial GLM of one category's share on year (logit link).

    ``slope`` and ``slope_se`` are in log-odds per decade; ``start_share`` and
    ``end_share`` are the fitted shares in the first and last year of the fit;
    ``change`` is the average change in percentage points per decade between them
    (``10 * 100 * (end_share - start_share) / (last_year - first_year)``) with its 95%
    interval ``ci_low``..``ci_high`` (delta method). ``scale`` is the dispersion used
    (Pearson chi-square / residual df when larger than 1, so that year-to-year noise
    beyond binomial sampling widens the interval). ``reason`` says why there is no
    estimate when ``ok`` is False.
    """

    field: str
    category: str
    ok: bool
    reason: str = ""
    first_year: int = 0
    last_year: int = 0
    n_years: int = 0
    n_records: int = 0
    start_share: float = math.nan
    end_share: float = math.nan
    change: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    slope: float = math.nan
    slope_se: float = math.nan
    scale: float = 1.0
    intercept: float = math.nan
    centre: float = math.nan

    @property
    def label(self) -> str:
        return category_label(self.field, self.category)

    def headline(self) -> str:
        """A short title: who, which way, and the change per decade with its interval.

        Examples
        --------
        >>> ShareTrend("majorityStatusAtExploit", "Minor", True, change=10.7, ci_low=9.9,
        ...            ci_high=11.5).headline()
        'Minors: rising, +10.7 points per decade (95% CI +9.9 to +11.5)'
        """
        who = _subject(self.field, self.category)
        who = who[:1].upper() + who[1:]
        if not self.ok:
            return f"{who}: no trend ({self.reason})"
        way = "rising" if self.ci_low > 0 else "falling" if self.ci_high < 0 else "no clear trend"
        return (
            f"{who}: {way}, {self.change:+.1f} points per decade "
            f"(95% CI {self.ci_low:+.1f} to {self.ci_high:+.1f})"
        )

    def sentence(self) -> str:
        """One sentence a newcomer can read.

        Examples
        --------
        >>> print(ShareTrend("majorityStatusAtExploit", "Minor", True, first_year=2005,
        ...     last_year=2019, start_share=0.2, end_share=0.35, change=10.7,
        ...     ci_low=9.9, ci_high=11.5).sentence())  # doctest: +NORMALIZE_WHITESPACE
        The share of minors rose from 20% in 2005 to 35% in 2019
        (+10.7 points per decade, 95% CI +9.9 to +11.5).
        """
        who = _subject(self.field, self.category)
        if not self.ok:
            return f"No trend for {who}: {self.reason}."
        interval = (
            f"{self.change:+.1f} points per decade, "
            f"95% CI {self.ci_low:+.1f} to {self.ci_high:+.1f}"
        )
        span = (
            f"{share_text(self.start_share)} in {self.first_year} to "
            f"{share_text(self.end_share)} in {self.last_year}"
        )
        if self.ci_low > 0:
            return f"The share of {who} rose from {span} ({interval})."
        if self.ci_high < 0:
            return f"The share of {who} fell from {span} ({interval})."
        return (
            f"The share of {who} shows no clear trend: from {span} on the trend line ({interval})."
        )


def _separated(successes: np.ndarray, totals: np.ndarray) -> bool:
    """True when a year threshold splits the data into all-0% and all-100% sides
    (complete or quasi-complete separation: the logit slope has no finite estimate).

    ``successes`` and ``totals`` are in year order; the boundary year may be mixed.
    """
    failures = totals - successes
    n = len(successes)
    for boundary in range(n):
        before, after = slice(0, boundary), slice(boundary + 1, n)
        if successes[before].sum() == 0 and failures[after].sum() == 0:
            return True
        if failures[before].sum() == 0 and successes[after].sum() == 0:
            return True
    return False


def _fit_logit_counts(
    years: np.ndarray, successes: np.ndarray, totals: np.ndarray, centre: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Binomial GLM (logit) of successes/totals on (year - centre)/10: params, cov, X2."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    exog = np.column_stack([np.ones(len(years)), (years - centre) / 10.0])
    endog = np.column_stack([successes, totals - successes])
    with warnings.catch_warnings():
        # statsmodels warns whenever fitted equals observed, which a saturated fit (two
        # years) does legitimately; real separation is caught by the caller's checks.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        result = sm.GLM(endog, exog, family=sm.families.Binomial()).fit()
    if not result.converged:
        raise ValueError("the binomial GLM did not converge")
    return np.asarray(result.params), np.asarray(result.cov_params()), float(result.pearson_chi2)


def share_trend(
    shares: pd.DataFrame,
    /,
    *,
    field: str,
    category: object,
    exclude_years: Iterable[int] = (),
    min_years: int = 3,
    overdispersion: bool = True,
) -> ShareTrend:
    """Fit the share of ``category`` on year with a binomial GLM and summarise it.

    Parameters
    ----------
    shares
        Output of :func:`yearly_shares` (columns ``year, category, count, known``).
    field
        The field the shares are of (for wording).
    category
        The category whose share is modelled (raw value, e.g. ``"Minor"``).
    exclude_years
        Years left out of the fit (e.g. those :func:`incomplete_years` flags).
    min_years
        Fewer years with known values than this give no estimate.
    overdispersion
        Widen the interval by the Pearson dispersion when it exceeds 1 (quasi-binomial);
        records come in batches from partners, so years vary more than binomial sampling.

    Examples
    --------
    >>> s = pd.DataFrame({"year": [2010, 2010, 2020, 2020], "category": ["Minor", "Adult"] * 2,
    ...                   "count": [20, 80, 40, 60], "known": [100] * 4})
    >>> t = share_trend(s, field="majorityStatusAtExploit", category="Minor", min_years=2)
    >>> round(t.start_share, 6), round(t.end_share, 6), round(t.change, 6)
    (0.2, 0.4, 20.0)
    """
    name = str(category)
    excluded = {int(y) for y in exclude_years}
    rows = shares[(shares["category"] == category) & ~shares["year"].isin(excluded)]
    rows = rows[rows["known"] > 0].sort_values("year")
    n_years = len(rows)
    n_records = int(rows["known"].sum())
    base = {"field": field, "category": name, "n_years": n_years, "n_records": n_records}
    if n_years < max(min_years, 2):
        reason = f"fewer than {max(min_years, 2)} years with known values"
        return ShareTrend(ok=False, reason=reason, **base)
    years = rows["year"].to_numpy(dtype=float)
    successes = rows["count"].to_numpy(dtype=float)
    totals = rows["known"].to_numpy(dtype=float)
    if successes.sum() == 0 or successes.sum() == totals.sum():
        level = "0%" if successes.sum() == 0 else "100%"
        return ShareTrend(ok=False, reason=f"the share is {level} in every year", **base)
    if n_years > 2 and _separated(successes, totals):
        return ShareTrend(
            ok=False,
            reason="the share jumps between 0% and 100% across the "
            "years, so no smooth trend can be fitted",
            **base,
        )
    centre = float(np.average(years, weights=totals))
    try:
        params, cov, pearson = _fit_logit_counts(years, successes, totals, centre)
    except Exception:  # perfect separation or a failed fit: no estimate, said in words
        return ShareTrend(ok=False, reason="the model could not be fitted", **base)
    df_resid = n_years - 2
    scale = 1.0
    if overdispersion and df_resid > 0:
        scale = max(1.0, pearson / df_resid)
    cov = cov * scale
    first, last = float(years[0]), float(years[-1])
    x = (np.array([first, last]) - centre) / 10.0
    p = 1.0 / (1.0 + np.exp(-(params[0] + params[1] * x)))
    factor = 1000.0 / (last - first)  # proportion per year -> points per decade
    change = factor * (p[1] - p[0])
    grad = factor * np.array(
        [p[1] * (1 - p[1]) - p[0] * (1 - p[0]), p[1] * (1 - p[1]) * x[1] - p[0] * (1 - p[0]) * x[0]]
    )
    se = float(np.sqrt(grad @ cov @ grad))
    z = 1.959963984540054
    if not np.all(np.isfinite([change, se, *params])):
        return ShareTrend(ok=False, reason="the model could not be fitted", **base)
    return ShareTrend(
        ok=True,
        first_year=int(first),
        last_year=int(last),
        start_share=float(p[0]),
        end_share=float(p[1]),
        change=float(change),
        ci_low=float(change - z * se),
        ci_high=float(change + z * se),
        slope=float(params[1]),
        slope_se=float(np.sqrt(cov[1, 1])),
        scale=float(scale),
        intercept=float(params[0]),
        centre=centre,
        **base,
    )


def share_trends(
    shares: pd.DataFrame,
    /,
    *,
    field: str,
    exclude_years: Iterable[int] = (),
    min_years: int = 3,
) -> list[ShareTrend]:
    """:func:`share_trend` for every category of ``shares``, in their order."""
    excluded = list(exclude_years)
    categories = list(dict.fromkeys(shares["category"].tolist()))
    return [
        share_trend(shares, field=field, category=c, exclude_years=excluded, min_years=min_years)
        for c in categories
    ]


def trends_table(trends: Sequence[ShareTrend], /) -> pd.DataFrame:
    """The trends as a table (shares in %, change in points per decade).

    Examples
    --------
    >>> trends_table([ShareTrend("gender", "Male", False, reason="x")])["Group"].tolist()
    ['Male']
    """
    return pd.DataFrame(
        {
            "Group": [t.label for t in trends],
            "From year": [t.first_year if t.ok else None for t in trends],
            "To year": [t.last_year if t.ok else None for t in trends],
            "Share at start (%)": [round(100 * t.start_share, 1) if t.ok else None for t in trends],
            "Share at end (%)": [round(100 * t.end_share, 1) if t.ok else None for t in trends],
            "Change (points per decade)": [round(t.change, 2) if t.ok else None for t in trends],
            "95% CI low": [round(t.ci_low, 2) if t.ok else None for t in trends],
            "95% CI high": [round(t.ci_high, 2) if t.ok else None for t in trends],
            "Records": [t.n_records for t in trends],
            "In words": [t.sentence() for t in trends],
        }
    )


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


def shares_headline(trends: Sequence[ShareTrend], /) -> str:
    """The finding of the shares chart: the group whose share moved most per decade.

    Only trends whose 95% interval excludes no change count; when none does, says so.

    Examples
    --------
    >>> a = ShareTrend("majorityStatusAtExploit", "Minor", True, first_year=2005, last_year=2019,
    ...                start_share=0.2, end_share=0.35, change=10.7, ci_low=9.9, ci_high=11.5)
    >>> b = ShareTrend("majorityStatusAtExploit", "Adult", True, first_year=2005, last_year=2019,
    ...                start_share=0.8, end_share=0.65, change=-10.7, ci_low=-11.5, ci_high=-9.9)
    >>> shares_headline([b, a])
    'Largest clear shift: minors rose from 20% in 2005 to 35% in 2019'
    >>> shares_headline([b])
    'Largest clear shift: adults fell from 80% in 2005 to 65% in 2019'
    """
    fitted = [t for t in trends if t.ok]
    if not fitted:
        return "Too few years or records to estimate a shift"
    clear = [t for t in fitted if t.ci_low > 0 or t.ci_high < 0]
    if not clear:
        first = min(t.first_year for t in fitted)
        last = max(t.last_year for t in fitted)
        return f"No group's share changed clearly between {first} and {last}"
    # the largest rise wins a tie with an equal fall (they mirror each other with two groups)
    best = max(clear, key=lambda t: (round(abs(t.change), 9), t.change))
    verb = "rose" if best.change > 0 else "fell"
    return (
        f"Largest clear shift: {_subject(best.field, best.category)} {verb} from "
        f"{share_text(best.start_share)} in {best.first_year} to "
        f"{share_text(best.end_share)} in {best.last_year}"
    )


# --------------------------------------------------------------------------- data quality
_QUALITY_FIELDS: dict[str, str] = {
    "yearOfRegistration": "Year of registration",
    "gender": "Gender",
    "ageBroad": "Age band",
    "majorityStatusAtExploit": "Minor or adult (given or derived from age)",
    "traffickMonths": "Time trafficked",
    "citizenship": "Country of citizenship",
    "CountryOfExploitation": "Country of exploitation",
}


def missing_by_field(frame: pd.DataFrame, /) -> pd.DataFrame:
    """How many records lack each field; flag groups count as missing when no flag is set.

    Also reports, as its own row, records whose minor/adult status is not given in the
    file (it may then be derived from the age band).

    Returns
    -------
    DataFrame
        Columns ``field, missing, records, missing_share`` in a fixed order: the fields,
        then the flag groups present.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, None], dtype="Int16"),
    ...                    "gender": ["Female", "Male"],
    ...                    "isForcedLabour": [True, False], "isSexualExploit": [False, False]})
    >>> missing_by_field(df)[["field", "missing", "missing_share"]].values.tolist()
    [['Year of registration', 1, 0.5], ['Gender', 0, 0.0], ['Type of exploitation', 1, 0.5]]
    """
    n = len(frame)
    rows: list[tuple[str, int]] = []
    for column, label in _QUALITY_FIELDS.items():
        if column in frame.columns:
            rows.append((label, int(frame[column].isna().sum())))
        if column == "majorityStatusAtExploit" and "majoritySource" in frame.columns:
            rows.append(
                (
                    "Minor or adult, as given in the file",
                    int((frame["majoritySource"] != "given").sum()),
                )
            )
    for key, spec in FLAG_GROUPS.items():
        if group_columns(frame, key):
            rows.append((spec.label, int((~known_mask(frame, key)).sum())))
    table = pd.DataFrame(rows, columns=["field", "missing"])
    table["records"] = n
    table["missing_share"] = table["missing"] / n if n else np.nan
    return table


def chart_bases(entries: Iterable[tuple[str, str, int]], /) -> pd.DataFrame:
    """The records each chart rests on, as a table (``Section, Chart, Records``).

    Examples
    --------
    >>> chart_bases([("Trends", "Per year", 120)]).values.tolist()
    [['Trends', 'Per year', 120]]
    """
    rows = [(str(s), str(c), int(n)) for s, c, n in entries]
    return pd.DataFrame(rows, columns=["Section", "Chart", "Records"])


def missing_headline(table: pd.DataFrame, /) -> str:
    """The finding of the data-quality chart: the most often missing field.

    Examples
    --------
    >>> t = pd.DataFrame({"field": ["Gender", "Time trafficked"], "missing": [2, 9],
    ...                   "records": [10, 10], "missing_share": [0.2, 0.9]})
    >>> missing_headline(t)
    'Time trafficked is missing for 90% of the records in view'
    """
    if table.empty or table["records"].iloc[0] == 0:
        return "No records in view"
    worst = table.loc[table["missing_share"].idxmax()]
    if worst["missing"] == 0:
        return "Every field is filled in for all records in view"
    return f"{worst['field']} is missing for {worst['missing_share']:.0%} of the records in view"
