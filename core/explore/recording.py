"""Within-source checks of a shift: the trend fitted within each way a field is recorded.

Minor or adult status is recorded in two ways: given in the file, or derived from the age
band. A pooled trend (:func:`core.explore.shifts.share_trend`) is also fitted within each
way of recording (:func:`source_checks`): a pooled trend that does not hold within them is
a change of recording, not a shift.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.explore.aggregates import SHIFT_FIELDS, YEAR, long_counts
from core.explore.headlines import subject
from core.explore.shifts import ShareTrend, pct, share_trend, yearly_shares
from core.options import check_choice
from core.privacy import small_mask

__all__ = [
    "MIN_SOURCE_SHARE",
    "SOURCE_COLUMNS",
    "SOURCE_LABELS",
    "SourceCheck",
    "source_checks",
    "source_trends_table",
]

#: Fields recorded in more than one way, and the column saying which way for each record.
SOURCE_COLUMNS: dict[str, str] = {"majorityStatusAtExploit": "majoritySource"}
#: The ways of recording, in plain words (``majoritySource``'s "unknown" has no value).
SOURCE_LABELS: dict[str, str] = {
    "given": "given in the file",
    "derived from age": "derived from the age band",
}
#: A way of recording enters a year of its own trend only where it holds at least this
#: share of that year's records with the field known (a handful is not yet a practice).
MIN_SOURCE_SHARE = 0.05


@dataclass(frozen=True)
class SourceCheck:
    """Whether a pooled trend holds within each way its field is recorded.

    ``by_source`` holds ``(source, trend)`` pairs, fitted on the records of that source
    alone, over the years where it holds at least :data:`MIN_SOURCE_SHARE` of the
    records with the field known. The pooled shift **holds** when every source with a
    fitted trend changes the same way with its interval excluding no change (and at least
    one does). ``mix`` is the records per year and source (``year, source, count, known,
    share``; ``known``: records of the year with the field known), ``category_shares`` the
    category's records and share in each source over the pooled fit's years (``source,
    count, known, share``).
    """

    pooled: ShareTrend
    by_source: tuple[tuple[str, ShareTrend], ...]
    mix: pd.DataFrame
    category_shares: pd.DataFrame

    @property
    def fitted(self) -> list[tuple[str, ShareTrend]]:
        """The sources with a trend."""
        return [(s, t) for s, t in self.by_source if t.ok]

    @property
    def holds(self) -> bool:
        """Every fitted source changes the pooled way, each interval excluding 0.

        Examples
        --------
        >>> from dataclasses import replace
        >>> up = ShareTrend("majorityStatusAtExploit", "Minor", True, change=5.0, ci_low=1.0,
        ...                 ci_high=9.0)
        >>> flat = replace(up, change=-4.1, ci_low=-13.0, ci_high=4.8)
        >>> SourceCheck(up, (("given", up), ("derived from age", flat)),
        ...             pd.DataFrame(), pd.DataFrame()).holds
        False
        """
        fitted = self.fitted
        if not fitted or not self.pooled.clear:
            return False
        sign = np.sign(self.pooled.change)
        return all(t.clear and np.sign(t.change) == sign for _, t in fitted)

    def mix_range(self, *, k: int = 1) -> tuple[str, float, int, float, int] | None:
        """The source whose part of the records moved most over the pooled fit's years:
        ``(source, lowest share, its year, highest share, its year)``; years where a count
        of that source or of the rest is from 1 to ``k - 1`` are not quoted."""
        t = self.pooled
        mix = self.mix[self.mix["year"].between(t.first_year, t.last_year)]
        rest = mix["known"] - mix["count"]
        quotable = mix[~small_mask(mix["count"].to_numpy(), k) & ~small_mask(rest.to_numpy(), k)]
        best: tuple[str, float, int, float, int] | None = None
        for source, rows in quotable.groupby("source", sort=False, observed=True):
            if rows.empty:
                continue
            low, high = rows.loc[rows["share"].idxmin()], rows.loc[rows["share"].idxmax()]
            moved = float(high["share"] - low["share"])
            if best is None or moved > best[3] - best[1]:
                best = (
                    str(source),
                    float(low["share"]),
                    int(low["year"]),
                    float(high["share"]),
                    int(high["year"]),
                )
        return best

    def sentence(self, *, k: int = 1) -> str:
        """One sentence: the pooled shift holds within sources, or it is a change of recording.

        Shares are quoted only where no count behind them is from 1 to ``k - 1``.
        """
        t = self.pooled
        who = subject(t.field, t.category)
        if not t.ok or not t.is_shift:
            return ""
        way = "rise" if t.change > 0 else "fall"
        within = "; ".join(
            f"{SOURCE_LABELS.get(s, s)} {u.interval_text()}"
            if u.ok
            else f"{SOURCE_LABELS.get(s, s)}: no trend ({u.reason})"
            for s, u in self.by_source
        )
        if self.holds:
            return (
                f"The {way} in the share of {who} holds within each way the status is "
                f"recorded ({within})."
            )
        parts = [f"The pooled {way} in the share of {who} ({t.change:+.1f} points per decade)"]
        mix = self.mix_range(k=k)
        moved = mix is not None and mix[3] - mix[1] >= 0.1
        if moved and mix is not None:
            source, low, low_year, high, high_year = mix
            parts.append(
                f" is mostly a change of recording: status {SOURCE_LABELS.get(source, source)} "
                f"is {pct(low)} of the records with a status in {low_year} and {pct(high)} "
                f"in {high_year}"
            )
            shares = self.category_shares
            rest = shares["known"] - shares["count"]
            if len(shares) >= 2 and not (
                small_mask(shares["count"].to_numpy(), k).any()
                or small_mask(rest.to_numpy(), k).any()
            ):
                parts.append(
                    ", and "
                    + " against ".join(
                        f"{pct(float(share))} of those {SOURCE_LABELS.get(str(src), str(src))}"
                        for src, share in zip(shares["source"], shares["share"], strict=True)
                    )
                    + f" are {who}"
                )
        else:
            parts.append(" does not hold within each way the status is recorded")
        parts.append(f"; within each: {within}.")
        return "".join(parts)

    def title(self) -> str:
        """A chart title for the pooled trend that does not claim a shift that does not hold.

        Examples
        --------
        >>> from dataclasses import replace
        >>> up = ShareTrend("majorityStatusAtExploit", "Minor", True, change=19.8,
        ...                 ci_low=15.4, ci_high=24.3)
        >>> flat = replace(up, change=-4.1, ci_low=-13.0, ci_high=4.8)
        >>> SourceCheck(up, (("derived from age", flat),), pd.DataFrame(),
        ...             pd.DataFrame()).title()
        'Minors: +19.8 points per decade (95% CI +15.4 to +24.3) pooled, a change of recording: no clear trend where the status is derived from the age band'
        """
        t = self.pooled
        if not t.is_shift or self.holds:
            return t.headline()
        who = subject(t.field, t.category)
        who = who[:1].upper() + who[1:]
        flat = [s for s, u in self.fitted if not u.clear or np.sign(u.change) != np.sign(t.change)]
        where = " or ".join(f"where the status is {SOURCE_LABELS.get(s, s)}" for s in flat)
        tail = f": no clear trend {where}" if where else ""
        return f"{who}: {t.interval_text()} pooled, a change of recording{tail}"


def source_checks(
    frame: pd.DataFrame,
    trends: Sequence[ShareTrend],
    /,
    *,
    field: str,
    exclude_years: Iterable[int] = (),
    min_years: int = 3,
) -> dict[str, SourceCheck]:
    """For each fitted trend of ``field``, the same trend within each way of recording.

    Only fields of :data:`SOURCE_COLUMNS` recorded in at least two ways in ``frame``
    have sources; otherwise the result is empty (nothing to check).

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, 2011, 2012] * 2, dtype="Int16"),
    ...                    "gender": ["Female", "Male", "Female"] * 2})
    >>> source_checks(df, [], field="gender")
    {}
    """
    check_choice(field, SHIFT_FIELDS, name="field")
    column = SOURCE_COLUMNS.get(field)
    if column is None or column not in frame.columns:
        return {}
    keep = frame[YEAR].notna() & frame[field].notna()
    sources = frame.loc[keep, column].astype(object)
    present = [s for s in SOURCE_LABELS if (sources == s).any()]
    if len(present) < 2:
        return {}
    excluded = [int(y) for y in exclude_years]
    years = frame.loc[keep, YEAR].astype(int)
    table = pd.crosstab(years, sources).reindex(columns=present, fill_value=0)
    known = table.sum(axis=1)
    mix = long_counts(table, names=("year", "source"))
    mix["known"] = mix["year"].map(known).astype(int)
    mix["share"] = mix["count"] / mix["known"]
    mix["year"] = mix["year"].astype(int)
    mix["count"] = mix["count"].astype(int)
    per_source = {}
    for source in present:
        covered = mix[(mix["source"] == source) & (mix["share"] >= MIN_SOURCE_SHARE)]["year"]
        rows = keep & (frame[column].astype(object) == source) & frame[YEAR].isin(covered)
        per_source[source] = yearly_shares(frame[rows], field=field)
    out = {}
    for pooled in trends:
        if not pooled.ok:
            continue
        by_source = tuple(
            (
                source,
                share_trend(
                    shares,
                    field=field,
                    category=pooled.category,
                    exclude_years=excluded,
                    min_years=min_years,
                ),
            )
            for source, shares in per_source.items()
        )
        in_span = keep & frame[YEAR].between(pooled.first_year, pooled.last_year)
        in_span &= ~frame[YEAR].isin(excluded)
        is_category = frame[field].astype(object) == pooled.category
        category_shares = pd.DataFrame(
            [
                (
                    source,
                    int((in_span & is_category & (frame[column] == source)).sum()),
                    int((in_span & (frame[column] == source)).sum()),
                )
                for source in present
            ],
            columns=["source", "count", "known"],
        )
        category_shares["share"] = category_shares["count"] / category_shares["known"]
        out[pooled.category] = SourceCheck(pooled, by_source, mix, category_shares)
    return out


def source_trends_table(checks: dict[str, SourceCheck], /) -> pd.DataFrame:
    """The trend of each group within each way of recording (no record counts: with the
    pooled ones they would give back the records left out of the sources' years).

    Examples
    --------
    >>> source_trends_table({}).columns.tolist()[:3]
    ['Group', 'Recorded as', 'Years']
    """
    rows = []
    for check in checks.values():
        for source, t in check.by_source:
            rows.append(
                {
                    "Group": t.label,
                    "Recorded as": SOURCE_LABELS.get(source, source),
                    "Years": _years_text(t),
                    "Change (points per decade)": round(t.change, 2) if t.ok else None,
                    "95% CI low": round(t.ci_low, 2) if t.ok else None,
                    "95% CI high": round(t.ci_high, 2) if t.ok else None,
                    "Holds with the pooled trend": (
                        "yes" if check.holds else "no" if check.pooled.clear else "-"
                    ),
                    "In words": t.headline(),
                }
            )
    columns = [
        "Group",
        "Recorded as",
        "Years",
        "Change (points per decade)",
        "95% CI low",
        "95% CI high",
        "Holds with the pooled trend",
        "In words",
    ]
    return pd.DataFrame(rows, columns=columns)


def _years_text(t: ShareTrend) -> str:
    return f"{t.first_year}–{t.last_year}" if t.ok else "-"
