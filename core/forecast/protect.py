"""Small-cell protection of a forecast screen: the observed counts it shows, and the
forecasts that would give back a small count.

A forecast repeats or extends its base years' counts (the last fitted year; for drift
also the first), so one that starts from a small count is withheld
(:func:`hide_small_bases`). The observed counts, each year's groups, the year totals and
the records behind the screen are tied by sums, so they are protected together
(:func:`protect_observed`, complementary suppression by linear algebra).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.forecast.series import MODEL_COLUMNS, SEGMENTS, SegmentForecast
from core.privacy import format_count, is_small, small_mask
from core.suppression import protect_linear

__all__ = ["ProtectedObserved", "base_years", "hide_small_bases", "protect_observed"]


def base_years(result: SegmentForecast, /) -> list[int]:
    """The fitted years whose counts a forecast can be solved for from its values.

    The last complete year for every method (the naive forecast is that count, the
    others start from it); for drift also the first fitted year, since its forecast is
    ``y_last + h * (y_last - y_first) / (years - 1)``. Other fitted years enter the
    smoothing methods only through non-linear fits.

    Examples
    --------
    >>> from core.forecast.run import forecast_segment
    >>> r = forecast_segment(pd.Series([50.0, 40, 30, 35], index=range(2000, 2004)), model="drift")
    >>> base_years(r)
    [2000, 2003]
    """
    fitted = result.table[result.table["in_fit"] & result.table["y"].notna()]
    if not result.fitted or fitted.empty:
        return []
    years = [int(fitted["year"].iloc[-1])]
    if result.model == "drift":
        years.insert(0, int(fitted["year"].iloc[0]))
    return sorted(set(years))


def _base_words(result: SegmentForecast, years: Sequence[int]) -> str:
    last = max(base_years(result))
    return "the last complete year" if list(years) == [last] else "the first fitted year"


def hide_small_bases(results: Sequence[SegmentForecast], /, *, k: int) -> list[SegmentForecast]:
    """The results, with no forecast for a group whose forecast starts from a count of 1..k-1.

    Every method starts from the last complete year (the naive forecast repeats it),
    and drift also from the first fitted year (it adds the average change since then),
    so the forecast would reveal such a count (:func:`base_years`).

    Examples
    --------
    >>> from core.forecast.run import forecast_segment
    >>> r = forecast_segment(pd.Series([50.0, 40, 30, 5], index=range(2000, 2004)))
    >>> hidden = hide_small_bases([r], k=10)[0]
    >>> hidden.fitted, bool(hidden.table["yhat"].isna().all())
    (False, True)
    """
    out = []
    for r in results:
        fitted = r.table[r.table["in_fit"] & r.table["y"].notna()].set_index("year")["y"]
        small = [y for y in base_years(r) if small_mask(fitted[[y]].to_numpy(), k).any()]
        if r.fitted and small:
            table = r.table.copy()
            table[MODEL_COLUMNS] = np.nan
            message = f"{r.label}: {_base_words(r, small)} holds fewer than {k} records; " + (
                "the forecast starts from that count, so it is not shown."
            )
            r = replace(r, table=table, fitted=False, message=message)
        out.append(r)
    return out


# --------------------------------------------------------------------------- protection
@dataclass(frozen=True)
class ProtectedObserved:
    """The results with the observed counts a screen may show, and its caption counts.

    Attributes
    ----------
    results
        The results with ``y`` emptied (NaN) where an observed count is withheld, small
        or to protect another (so the two read the same), and no forecast for a group
        whose last complete year is withheld to protect another.
    withheld
        How many observed counts are withheld (small ones and their protectors).
    dated, undated
        The records with a year and without, as the caption shows them: "1,234" or
        "withheld" (a small one and one withheld to protect it read the same).
    """

    results: list[SegmentForecast]
    withheld: int
    dated: str
    undated: str
    #: Years whose count of all records the screen may not quote (small, withheld to
    #: protect another, or not in its table, where quoting it would add a number the
    #: protection did not weigh).
    quiet_years: frozenset[int] = frozenset()


def protect_observed(
    results: Sequence[SegmentForecast], /, *, total: pd.Series, records: int, k: int
) -> ProtectedObserved:
    """Complementary suppression of the observed counts of one forecast screen.

    What the screen ties together: the records in view (shown in the header) are the
    records with a year plus those without (both in the caption); the yearly counts of
    all records add up to those with a year; and each year's count of all records is
    the groups of one field (female + male, adult + minor, a flag) plus the records
    outside them ("not recorded", never shown). When a small count (1..k-1), shown or
    not, follows from the rest by these sums, the smallest count beside it is withheld
    too (:func:`core.suppression.protect_linear`), until none does.

    ``total`` is the yearly count of all records (:attr:`YearlyData.total`), ``records``
    the records in view.

    Examples
    --------
    One year; 25 records with it, 3 without (from the header's 28); 20 women, 5 men:

    >>> from core.forecast.run import forecast_segment
    >>> year = [2010]
    >>> res = [forecast_segment(pd.Series([float(v)], index=year), segment=key)
    ...        for key, v in (("all", 25), ("female", 20), ("male", 5))]
    >>> p = protect_observed(res, total=pd.Series([25], index=year), records=28, k=10)
    >>> p.dated, p.undated, p.withheld
    ('withheld', 'withheld', 2)
    >>> [float(r.table["y"].iloc[0]) for r in p.results]  # 5 and 25 read the same
    [nan, 20.0, nan]
    """
    years = [int(y) for y in total.index]
    values: list[float] = [float(records), float(total.sum()), float(records - total.sum())]
    shown: list[bool] = [True, True, True]
    relations: list[dict[int, float]] = [{0: 1.0, 1: -1.0, 2: -1.0}]
    by_key = {r.segment: r for r in results}
    place: dict[tuple[str, int], int] = {}  # (segment, year) -> position of its count

    def observed(r: SegmentForecast) -> dict[int, float]:
        t = r.table[r.table["y"].notna()]
        return {int(y): float(v) for y, v in zip(t["year"], t["y"], strict=True)}

    everyone = observed(by_key["all"]) if "all" in by_key else {}
    all_at: dict[int, int] = {}
    for year in years:
        all_at[year] = len(values)
        values.append(float(total.loc[year]))
        shown.append(year in everyone)
        if year in everyone:
            place[("all", year)] = all_at[year]
    relations.append({1: 1.0, **{all_at[y]: -1.0 for y in years}})
    fields: dict[str, list[SegmentForecast]] = {}
    for r in results:
        column = SEGMENTS[r.segment].column if r.segment in SEGMENTS else None
        if column is not None:
            fields.setdefault(column, []).append(r)
    for members in fields.values():
        counts = {m.segment: observed(m) for m in members}
        for year in years:
            relation = {all_at[year]: 1.0}
            rest = values[all_at[year]]
            for m in members:
                if year not in counts[m.segment]:
                    continue
                place[(m.segment, year)] = len(values)
                relation[len(values)] = -1.0
                values.append(counts[m.segment][year])
                shown.append(True)
                rest -= counts[m.segment][year]
            relation[len(values)] = -1.0
            values.append(rest)
            shown.append(False)
            relations.append(relation)
    fixed = [True] + [False] * (len(values) - 1)
    mask = protect_linear(values, relations, k=k, shown=shown, fixed=fixed)

    def caption(i: int) -> str:
        # a small count and one withheld to protect it read the same (which is which
        # must not show)
        if mask[i] or is_small(values[i], k):
            return "withheld"
        return format_count(values[i], k)

    out: list[SegmentForecast] = []
    for r in results:
        gone = [y for (key, y), i in place.items() if key == r.segment and mask[i]]
        secondary = [y for y in gone if not is_small(values[place[(r.segment, y)]], k)]
        if not gone:
            out.append(r)
            continue
        table = r.table.copy()
        base_gone = [y for y in base_years(r) if y in secondary]
        # small counts and their protectors alike: a table that wrote "<k" for one and left
        # the other blank would say which is which (the blank one is at least k)
        table.loc[table["year"].astype(int).isin(gone), "y"] = np.nan
        message = r.message
        fitted_now = r.fitted
        if r.fitted and base_gone:
            table[MODEL_COLUMNS] = np.nan
            fitted_now = False
            message = (
                f"{r.label}: {_base_words(r, base_gone)}'s count is withheld (it would reveal "
                f"a count below {k}); the forecast starts from that count, so it is not shown."
            )
        out.append(replace(r, table=table, fitted=fitted_now, message=message))
    withheld = int(sum(bool(mask[i]) for i in place.values()))
    quiet = frozenset(
        y
        for y in years
        if ("all", y) not in place or mask[all_at[y]] or is_small(values[all_at[y]], k)
    )
    return ProtectedObserved(out, withheld, caption(1), caption(2), quiet)
