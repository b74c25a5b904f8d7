"""Counts about countries on the Explore screen: flows between them, and profiles.

Flows are records per (citizenship, country of exploitation) pair (:func:`country_flows`
for the heatmap, :func:`sankey_links` for the Sankey); the profiles compare who is
identified in the countries with the most and the fewest records
(:func:`top_bottom_countries`, :func:`profile_shares`, :func:`profile_with_pooled`).
Counts are of *identified* victims, not of how common trafficking is. Shares use the
records with the field known as the denominator.

The charts of these tables are in :mod:`core.explore.country_charts`; the tactics and
registrations per year in :mod:`core.explore.aggregates`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.explore.aggregates import categories_in_order, long_counts
from core.options import check_choice
from core.words import category_label

__all__ = [
    "BOTTOM_LABEL",
    "COUNTRY_FIELDS",
    "PROFILE_FIELDS",
    "TOP_LABEL",
    "Flows",
    "country_flows",
    "profile_shares",
    "profile_with_pooled",
    "sankey_links",
    "top_bottom_countries",
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
