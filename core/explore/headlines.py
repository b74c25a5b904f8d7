"""The findings of the Explore charts, in words: each chart's title and its sentences.

A headline quotes only what the chart shows: a count from 1 to k - 1 is written
``"<k"`` (:func:`core.privacy.format_count`), and a share is quoted only where its
count and denominator are shown too. Shares read as :func:`core.words.share_text` writes
them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, cast

import pandas as pd

from core.data.schema import FLAG_GROUPS
from core.explore.aggregates import NOT_RECORDED, SPLIT_FIELDS, YearlyTotals
from core.explore.countries import BOTTOM_LABEL, PROFILE_FIELDS, TOP_LABEL, Flows
from core.options import check_choice
from core.privacy import small_mask
from core.words import category_label, counted, plural, share_text, year_span

if TYPE_CHECKING:  # only for the annotations: shifts and recording import subject()
    from core.explore.recording import SourceCheck
    from core.explore.shifts import ShareTrend

__all__ = [
    "flows_headline",
    "map_headline",
    "missing_headline",
    "profile_headline",
    "sankey_headline",
    "shares_headline",
    "subject",
    "tactics_headline",
    "type_trend_headline",
    "yearly_headline",
]


def subject(field: str, value: object, /) -> str:
    """Who a share is about, for a sentence ('minors', 'victims aged 9–17').

    Examples
    --------
    >>> subject("majorityStatusAtExploit", "Minor"), subject("ageBroad", "09--17")
    ('minors', 'victims aged 9–17')
    """
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


def _row(table: pd.DataFrame, label: Hashable) -> pd.Series:
    """The row of ``table`` labelled ``label`` (an ``idxmax``), as a Series.

    ``table.loc[label]`` would do at run time; the stubs type ``idxmax`` as returning
    any Hashable, which ``.loc`` does not take, while a list of labels it does.
    """
    return table.loc[[label]].iloc[0]


def flows_headline(flows: Flows, /, *, k: int = 1) -> str:
    """The finding of the flows heatmap: the largest flow and its share of those shown.

    Examples
    --------
    >>> df = pd.DataFrame({"citizenship": ["UKR"] * 3 + ["MDA"],
    ...                    "CountryOfExploitation": ["RUS"] * 3 + ["RUS"]})
    >>> from core.explore.countries import country_flows
    >>> flows_headline(country_flows(df))
    'Largest flow: citizens of UKR exploited in RUS (3 records, 75% of the flows shown)'
    >>> flows_headline(country_flows(df.head(1)))
    'Largest flow: citizens of UKR exploited in RUS (1 record, 100% of the flows shown)'
    """
    table = flows.table
    if table.empty:
        return "No record in view has both countries known"
    top = table.iloc[0]
    share = top["count"] / flows.shown
    return (
        f"Largest flow: citizens of {top['citizenship']} exploited in {top['exploitation']} "
        f"({counted(top['count'], 'record', k=k)}, {share_text(share)} of the flows shown)"
    )


def sankey_headline(links: pd.DataFrame, /) -> str:
    """The finding of the Sankey: how much of all known flows the links shown carry.

    Examples
    --------
    >>> links = pd.DataFrame({"citizenship": ["A", "B"], "exploitation": ["C", "C"],
    ...                       "count": [6, 2], "share": [0.6, 0.2]})
    >>> sankey_headline(links)
    'The 2 largest flows carry 80% of records with both countries known'
    >>> sankey_headline(links.head(1))
    'The largest flow carries 60% of records with both countries known'
    """
    if links.empty:
        return "No record in view has both countries known"
    n = len(links)
    what = "The largest flow carries" if n == 1 else f"The {n:,} largest flows carry"
    return f"{what} {share_text(links['share'].sum())} of records with both countries known"


def map_headline(cells: pd.DataFrame, /, *, placed_by: str, k: int = 1) -> str:
    """The finding of the world map, from its protected cells only
    (:func:`core.explore.world_map.map_cells`: a withheld count is NaN, never quoted).

    ``placed_by`` names how records are placed ("country of citizenship").

    Examples
    --------
    >>> cells = pd.DataFrame({"name": ["Ukraine", "Moldova", "Chad"],
    ...     "count": [1200.0, 40.0, float("nan")], "status": ["shown", "shown", "withheld"]})
    >>> map_headline(cells, placed_by="country of citizenship", k=10)
    'Ukraine is the most frequent country of citizenship (1,200 records); 2 countries shown with their counts; 1 more withheld (fewer than 10 records, or hidden to protect one that has)'
    >>> map_headline(cells.head(1), placed_by="country of exploitation", k=10)
    'Ukraine is the most frequent country of exploitation (1,200 records); 1 country shown with its count'
    """
    shown = cells[cells["status"] == "shown"]
    if shown.empty:
        return "No country in view is large enough to map"
    top = shown.sort_values("count", ascending=False, kind="stable").iloc[0]
    n_shown = len(shown)
    withheld = int((cells["status"] != "shown").sum())
    also = (
        f"; {withheld:,} more withheld (fewer than {counted(k, 'record')}, or hidden to "
        "protect one that has)"
        if withheld
        else ""
    )
    return (
        f"{top['name']} is the most frequent {placed_by} "
        f"({counted(top['count'], 'record', k=k)}); {counted(n_shown, 'country', 'countries')} "
        f"shown with {plural(n_shown, 'its count', 'their counts')}{also}"
    )


def _quotable(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """Rows whose share a title may quote: ``known`` of at least ``k``, count not withheld.

    A withheld count (1..k-1) must not be quoted as a share: the share and its
    denominator would give it back.
    """
    keep = (table["known"] >= max(k, 1)) & ~small_mask(table["count"].to_numpy(), k)
    return table[keep]


def profile_headline(pooled: pd.DataFrame, /, *, field: str, k: int = 1) -> str:
    """The finding of a top-vs-bottom comparison: the category whose share differs most.

    ``pooled`` is :func:`~core.explore.countries.profile_shares` with ``pooled=True``;
    ``field`` is one of :data:`~core.explore.countries.PROFILE_FIELDS` (another raises
    ``ValueError``).

    Examples
    --------
    >>> pooled = pd.DataFrame({"group": ["Highest volume"] * 2 + ["Lowest volume"] * 2,
    ...     "category": ["Female", "Male"] * 2, "count": [60, 40, 20, 80],
    ...     "known": [100, 100, 100, 100], "share": [0.6, 0.4, 0.2, 0.8]})
    >>> profile_headline(pooled, field="gender")
    'Male: 80% in the lowest-volume countries vs 40% in the highest-volume ones'
    """
    check_choice(field, PROFILE_FIELDS, name="field")
    usable = _quotable(pooled, k)
    wide = usable.pivot_table(index="category", columns="group", values="share", sort=False)
    if TOP_LABEL not in wide.columns or BOTTOM_LABEL not in wide.columns or wide.empty:
        return "Too few countries or records to compare the two groups"
    gap = (wide[BOTTOM_LABEL] - wide[TOP_LABEL]).abs().dropna()
    if gap.empty:
        return "Too few countries or records to compare the two groups"
    category = gap.idxmax()
    shares = _row(wide, category)
    low, high = shares[BOTTOM_LABEL], shares[TOP_LABEL]
    prefix = "Age " if field == "ageBroad" else ""
    return (
        f"{prefix}{category}: {share_text(low)} in the lowest-volume countries vs "
        f"{share_text(high)} in the highest-volume ones"
    )


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
    ``group`` is a key of :data:`core.data.schema.FLAG_GROUPS` and ``by`` None or one of
    :data:`~core.explore.aggregates.SPLIT_FIELDS`; another value raises ``ValueError``.

    Examples
    --------
    >>> t = pd.DataFrame({"label": ["Threats", "Debt bondage"], "count": [2, 1],
    ...                   "known": [4, 4], "share": [0.5, 0.25], "rank": [1, 2]})
    >>> tactics_headline(t, group="means")
    'Most reported means of control: Threats (50% of victims with any known)'
    """
    check_choice(group, FLAG_GROUPS, name="group")
    check_choice(by, [None, *SPLIT_FIELDS], name="by")
    noun = FLAG_GROUPS[group].label.lower()
    if table.empty or table["known"].max() == 0:
        return f"No record in view has any {noun} recorded"
    if by is None:
        top = table.sort_values("rank").iloc[0]
        return (
            f"Most reported {noun}: {top['label']} "
            f"({share_text(top['share'])} of victims with any known)"
        )
    usable = _quotable(table, k)
    wide = usable.pivot_table(index="label", columns=by, values="share", sort=False)
    if wide.shape[1] == 1:  # one group in view (or big enough): its leading item
        group_name = wide.columns[0]
        label = wide[group_name].idxmax()
        return (
            f"Most reported {noun} for {group_name}: {label} "
            f"({share_text(_row(wide, label)[group_name])} of victims with any known)"
        )
    if wide.shape[1] < 2:
        return f"Too few records in the groups to compare {noun}"
    spread = (wide.max(axis=1) - wide.min(axis=1))[wide.notna().sum(axis=1) >= 2]
    if spread.empty:
        return f"Too few records in the groups to compare {noun}"
    label = spread.idxmax()
    shares = _row(wide, label)  # the label's share in each group
    return (
        f"Widest gap: {label}, {share_text(shares.max())} for {shares.idxmax()} "
        f"vs {share_text(shares.min())} for {shares.idxmin()}"
    )


def yearly_headline(
    yearly: YearlyTotals, /, *, k: int = 1, drawn: pd.DataFrame | None = None
) -> str:
    """The finding of the registrations chart: the peak year and the thin recent years.

    ``drawn`` is the protected table (:func:`core.explore.protect.protect_yearly`): a
    peak it withholds (to protect a small year) is named without its count.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array(
    ...     [2015] * 5 + [2016] * 6 + [2017] * 5 + [2018], dtype="Int16")})
    >>> from core.explore.aggregates import yearly_totals
    >>> yearly_headline(yearly_totals(df))
    'Registrations peaked in 2016 (6 records); 2018 looks incomplete'
    >>> drawn = yearly_totals(df).table.assign(count=[5, None, 5, None])
    >>> yearly_headline(yearly_totals(df), drawn=drawn)
    'Registrations peaked in 2016; 2018 looks incomplete'
    """
    table = yearly.table
    if table.empty:
        return "No record in view has a year of registration"
    at = table["count"].idxmax()
    peak = _row(table, at)
    hidden = drawn is not None and bool(pd.isna(drawn["count"].loc[cast(int, at)]))
    text = f"Registrations peaked in {int(peak['year'])}" + (
        "" if hidden else f" ({counted(peak['count'], 'record', k=k)})"
    )
    if yearly.incomplete:
        verb = plural(len(yearly.incomplete), "looks", "look")
        text += f"; {year_span(yearly.incomplete)} {verb} incomplete"
    return text


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
    known = table[(table["type"] != NOT_RECORDED) & ~table["year"].isin(list(incomplete))]
    if known.empty or known["count"].sum() == 0:
        return "No record in view has a year and a type of exploitation"
    last = int(known.loc[known["count"] > 0, "year"].max())
    row = known[known["year"] == last].sort_values("count", ascending=False, kind="stable").iloc[0]
    return (
        f"{row['type']} was the most recorded type in {last}, the last complete year "
        f"({counted(row['count'], 'record', k=k)})"
    )


def shares_headline(
    trends: Sequence[ShareTrend],
    /,
    *,
    checks: Mapping[str, SourceCheck] | None = None,
) -> str:
    """The finding of the shares chart: the group whose share moved most per decade.

    Only a shift counts: a change of at least :data:`~core.explore.shifts.MIN_CHANGE`
    points per decade whose 95% interval excludes no change and, where ``checks`` holds
    the group's trend within each way of recording
    (:func:`~core.explore.recording.source_checks`), one that holds within them. A pooled
    shift that does not hold is named a change of recording; when nothing moved that
    much, the title says so. The ends quoted are the fitted ones, said so.

    Examples
    --------
    >>> from core.explore.shifts import ShareTrend
    >>> a = ShareTrend("majorityStatusAtExploit", "Minor", True, first_year=2005, last_year=2019,
    ...                start_share=0.2, end_share=0.35, change=10.7, ci_low=9.9, ci_high=11.5)
    >>> b = ShareTrend("majorityStatusAtExploit", "Adult", True, first_year=2005, last_year=2019,
    ...                start_share=0.8, end_share=0.65, change=-10.7, ci_low=-11.5, ci_high=-9.9)
    >>> shares_headline([b, a])
    'Largest clear shift: minors rose, +10.7 points per decade (fitted 20.0% in 2005 to 35.0% in 2019)'
    >>> shares_headline([b])
    'Largest clear shift: adults fell, -10.7 points per decade (fitted 80.0% in 2005 to 65.0% in 2019)'
    >>> small = ShareTrend("gender", "Male", True, first_year=2002, last_year=2019,
    ...                    change=0.3, ci_low=0.1, ci_high=0.5)
    >>> shares_headline([small])
    "Nothing moved much: no group's share changed by 2 points per decade or more (2002–2019)"
    """
    from core.explore.shifts import MIN_CHANGE, pct

    fitted = [t for t in trends if t.ok]
    if not fitted:
        return "Too few years or records to estimate a shift"
    first = min(t.first_year for t in fitted)
    last = max(t.last_year for t in fitted)
    checks = checks or {}
    shifts = [t for t in fitted if t.is_shift]
    holding = [t for t in shifts if t.category not in checks or checks[t.category].holds]
    if not holding and shifts:
        # the largest rise wins a tie with an equal fall (they mirror each other)
        best = max(shifts, key=lambda t: (round(abs(t.change), 9), t.change))
        way = "rise" if best.change > 0 else "fall"
        return (
            f"No shift that holds within each way of recording: the {way} in the share of "
            f"{subject(best.field, best.category)} ({best.change:+.1f} points per decade) "
            "is a change of recording"
        )
    if not holding:
        if not any(t.clear for t in fitted):
            return f"No group's share changed clearly between {first} and {last}"
        return (
            f"Nothing moved much: no group's share changed by {MIN_CHANGE:g} points per "
            f"decade or more ({first}–{last})"
        )
    best = max(holding, key=lambda t: (round(abs(t.change), 9), t.change))
    verb = "rose" if best.change > 0 else "fell"
    return (
        f"Largest clear shift: {subject(best.field, best.category)} {verb}, "
        f"{best.change:+.1f} points per decade (fitted {pct(best.start_share)} in "
        f"{best.first_year} to {pct(best.end_share)} in {best.last_year})"
    )


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
    worst = _row(table, table["missing_share"].idxmax())
    if worst["missing"] == 0:
        return "Every field is filled in for all records in view"
    share = share_text(worst["missing_share"])
    return f"{worst['field']} is missing for {share} of the records in view"
