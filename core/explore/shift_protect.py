"""Small-cell protection of the shifts table (each year's shares of a field).

Its numbers are tied by more sums than the other Explore tables': each year's
categories add up to its ``known``; the years add up to the records in the caption; and
each trend's record count in the trend table is the sum over its fitted years. So a
year is withheld whole, and protected against every mix of those sums, by linear
algebra (:func:`core.suppression.protect_linear`); the one-table rule is
:func:`core.explore.protect.withhold_complementary`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import cast

import pandas as pd

from core.explore.protect import withhold_complementary
from core.suppression import Suppression, protect_linear

__all__ = ["fitted_years_withheld", "protect_shifts", "shift_years_withheld"]


def shift_years_withheld(
    shares: pd.DataFrame,
    /,
    *,
    k: int,
    trend_years: Sequence[Collection[int]] = (),
    trends_fixed: bool = False,
    also_years: Collection[int] = (),
) -> tuple[set[int], list[bool]]:
    """Which years of a shifts table to withhold whole, and which trends' record counts.

    Every year's ``known`` is shown beside its cells; the caption shows their sum; each
    trend's record count (the trend table's "Records") is the sum over the years it was
    fitted on (``trend_years``, one set per trend). A small year, or one withheld
    already (``also_years``), must follow from none of them, nor from any mix of them
    (:func:`core.suppression.protect_linear`, with the bounds). ``trends_fixed``: the trend
    counts are on the screen whatever happens (only years may be withheld).

    Examples
    --------
    2012 is small, and the caption's 94 gives it back beside 2010 and 2011; so does the
    caption beside the trend over 2010-2011 (90), whichever of its years is withheld, so
    the trend's count goes too (greedy: the smallest number of the nearest sum first, so
    more than the fewest cells may go):

    >>> s = pd.DataFrame({"year": [2010, 2011, 2012], "known": [50, 40, 4]})
    >>> shift_years_withheld(s, k=10, trend_years=[{2010, 2011}])
    ({2010, 2011, 2012}, [True])
    >>> shift_years_withheld(s, k=10, trend_years=[{2010, 2011, 2012}])
    ({2011, 2012}, [False])
    """
    years = shares.drop_duplicates(subset=["year"])
    listed = [int(y) for y in years["year"]]
    knowns = [float(v) for v in pd.to_numeric(years["known"], errors="coerce").fillna(0)]
    n = len(listed)
    values = [*knowns, sum(knowns)]
    relations: list[dict[int, float]] = [{**dict.fromkeys(range(n), 1.0), n: -1.0}]
    for chosen in trend_years:
        members = [i for i, year in enumerate(listed) if year in chosen]
        relations.append({**dict.fromkeys(members, 1.0), len(values): -1.0})
        values.append(sum(knowns[i] for i in members))
    n_trends = len(values) - n - 1
    mask = protect_linear(
        values,
        relations,
        k=k,
        shown=[True] * len(values),
        fixed=[False] * n + [True] + [trends_fixed] * n_trends,
        also=[year in set(also_years) for year in listed] + [False] * (n_trends + 1),
        bounded=True,
    )
    return {y for y, hidden in zip(listed, mask[:n], strict=True) if hidden}, [
        bool(m) for m in mask[n + 1 :]
    ]


def protect_shifts(
    shares: pd.DataFrame,
    /,
    *,
    k: int,
    trend_years: Sequence[Collection[int]] = (),
    also_years: Collection[int] = (),
) -> tuple[pd.DataFrame, Suppression]:
    """Protect the yearly shares of :func:`core.explore.shifts.yearly_shares`.

    Each year's categories add up to its ``known``, shown beside every cell; and the
    years' ``known`` add up to the records the caption shows (and, over its fitted
    years, to each trend's records shown in the trend table: ``trend_years``, see
    :func:`core.explore.shifts.shown_trend_years`), so a year withheld whole is
    protected by a second one (:func:`shift_years_withheld`). ``also_years`` are withheld
    whole in any case (years another table of the same screen withholds, when this
    table's ``known`` is that table's count: see :func:`core.explore.quality.protect_coverage`).

    Examples
    --------
    >>> shares = pd.DataFrame({"year": [2004, 2004, 2005, 2005], "count": [2, 18, 30, 40],
    ...                        "known": [20, 20, 70, 70], "share": [0.1, 0.9, 3 / 7, 4 / 7]})
    >>> out, s = protect_shifts(shares, k=10)
    >>> out["count"].tolist(), s.caption()
    ([nan, nan, 30.0, 40.0], '2 cells withheld: each holds a small count (fewer than 10 records) or would reveal one.')
    """
    out, suppression = withhold_complementary(
        shares,
        k=k,
        count_columns=["count", "known"],
        dependent_columns=["share"],
        groups=[["year"]],
        total_column="known",
    )
    if not len(shares):
        return out, suppression
    whole = out.groupby("year", sort=False)["count"].apply(lambda c: bool(c.isna().all()))
    hidden_years, _ = shift_years_withheld(
        shares,
        k=k,
        trend_years=trend_years,
        trends_fixed=True,
        also_years={int(cast(int, y)) for y, w in whole.items() if w} | set(also_years),
    )
    extra = shares["year"].isin(hidden_years).to_numpy() & ~suppression.withheld
    if not extra.any():
        return out, suppression
    withheld = suppression.withheld | extra
    for column in ["count", "known", "share"]:
        out[column] = pd.to_numeric(shares[column], errors="coerce").astype(float).where(~withheld)
    return out, Suppression(
        withheld=withheld,
        primary=suppression.primary,
        secondary=int(withheld.sum()) - suppression.primary,
        k=k,
    )


def fitted_years_withheld(
    observed: pd.DataFrame,
    /,
    *,
    first_year: int,
    last_year: int,
    exclude_years: Collection[int] = (),
) -> list[int]:
    """The years a trend was fitted on whose count the screen withholds.

    ``observed`` is one group's rows of :func:`protect_shifts`' table. Where this is not
    empty, the fitted line must not leave the app: a binomial fit's score equations make
    the sum over its years of ``count - known * fitted`` zero (and the same weighted by
    year), so with the fitted values at full precision and the counts shown, one or two
    withheld years' counts follow exactly (the test demo's Minor share for exploitation in
    the USA gave back 7 of 20 records in a withheld year).

    Examples
    --------
    >>> o = pd.DataFrame({"year": [2010, 2011, 2012, 2013], "count": [30.0, None, 40.0, None]})
    >>> fitted_years_withheld(o, first_year=2010, last_year=2012)
    [2011]
    >>> fitted_years_withheld(o, first_year=2010, last_year=2012, exclude_years=[2011])
    []
    """
    left_out = {int(y) for y in exclude_years}
    rows = observed[observed["year"].between(first_year, last_year)]
    return sorted(
        {int(y) for y in rows.loc[rows["count"].isna(), "year"] if int(y) not in left_out}
    )
