"""Shifts toward groups: the share of each category per year, and its trend on year.

The trend of a share is a binomial GLM (logit link) of the category's records on the
year, among the records of each year with the field known; its interval allows for
year-to-year swings beyond binomial sampling (quasi-binomial), since records come in
batches from partners.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.explore.aggregates import SHIFT_FIELDS, YEAR, categories_in_order, long_counts
from core.explore.headlines import subject
from core.explore.options import check_choice
from core.words import category_label, share_text

__all__ = [
    "ShareTrend",
    "share_trend",
    "share_trends",
    "trend_curve",
    "trends_table",
    "yearly_shares",
]


def yearly_shares(frame: pd.DataFrame, /, *, field: str) -> pd.DataFrame:
    """Share of each category of ``field`` per year, among records with it known.

    Returns
    -------
    DataFrame
        Columns ``year, category, label, count, known, share`` (``known``: records of
        that year with the field known). Only years with at least one known value; every
        category seen in the slice appears in each of them (0 when absent), in natural
        order. ``category`` holds the raw value, ``label`` its plain words.

    Raises
    ------
    ValueError
        When ``field`` is not one of :data:`~core.explore.aggregates.SHIFT_FIELDS`.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, 2010, 2010, 2011], dtype="Int16"),
    ...                    "gender": ["Female", "Male", "Female", None]})
    >>> yearly_shares(df, field="gender")[["year", "category", "count", "known"]].values.tolist()
    [[2010, 'Female', 2, 3], [2010, 'Male', 1, 3]]
    """
    check_choice(field, SHIFT_FIELDS, name="field")
    columns = ["year", "category", "label", "count", "known", "share"]
    keep = frame[YEAR].notna() & frame[field].notna()
    if not keep.any():
        return pd.DataFrame(columns=columns)
    years = frame.loc[keep, YEAR].astype(int).to_numpy()
    values = frame.loc[keep, field].astype(object).to_numpy()
    seen = set(values.tolist())
    categories = [c for c in categories_in_order(frame[field]) if c in seen]
    counts = pd.crosstab(years, values).reindex(columns=categories, fill_value=0)
    long = long_counts(counts, names=("year", "category"))
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
        """The category in plain words."""
        return category_label(self.field, self.category)

    def headline(self) -> str:
        """A short title: who, which way, and the change per decade with its interval.

        Examples
        --------
        >>> ShareTrend("majorityStatusAtExploit", "Minor", True, change=10.7, ci_low=9.9,
        ...            ci_high=11.5).headline()
        'Minors: rising, +10.7 points per decade (95% CI +9.9 to +11.5)'
        """
        who = subject(self.field, self.category)
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
        who = subject(self.field, self.category)
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
        The field the shares are of (for wording): one of
        :data:`~core.explore.aggregates.SHIFT_FIELDS`, another raises ``ValueError``.
    category
        The category whose share is modelled (raw value, e.g. ``"Minor"``).
    exclude_years
        Years left out of the fit (e.g. those :func:`core.data.years.incomplete_years` flags).
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
    check_choice(field, SHIFT_FIELDS, name="field")
    name = str(category)
    excluded = {int(y) for y in exclude_years}
    rows = shares[(shares["category"] == category) & ~shares["year"].isin(excluded)]
    rows = rows[rows["known"] > 0].sort_values("year")
    n_years = len(rows)
    n_records = int(rows["known"].sum())

    def no_trend(reason: str) -> ShareTrend:
        return ShareTrend(field, name, False, reason=reason, n_years=n_years, n_records=n_records)

    if n_years < max(min_years, 2):
        reason = f"fewer than {max(min_years, 2)} years with known values"
        return no_trend(reason)
    years = rows["year"].to_numpy(dtype=float)
    successes = rows["count"].to_numpy(dtype=float)
    totals = rows["known"].to_numpy(dtype=float)
    if successes.sum() == 0 or successes.sum() == totals.sum():
        level = "0%" if successes.sum() == 0 else "100%"
        return no_trend(f"the share is {level} in every year")
    if n_years > 2 and _separated(successes, totals):
        return no_trend(
            "the share jumps between 0% and 100% across the years, so no smooth trend can be fitted"
        )
    centre = float(np.average(years, weights=totals))
    try:
        params, cov, pearson = _fit_logit_counts(years, successes, totals, centre)
    except Exception:  # perfect separation or a failed fit: no estimate, said in words
        return no_trend("the model could not be fitted")
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
        return no_trend("the model could not be fitted")
    return ShareTrend(
        field,
        name,
        True,
        n_years=n_years,
        n_records=n_records,
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
    )


def share_trends(
    shares: pd.DataFrame,
    /,
    *,
    field: str,
    exclude_years: Iterable[int] = (),
    min_years: int = 3,
) -> list[ShareTrend]:
    """:func:`share_trend` for every category of ``shares``, in their order.

    Examples
    --------
    >>> s = pd.DataFrame({"year": [2010, 2010, 2020, 2020], "category": ["Minor", "Adult"] * 2,
    ...                   "count": [20, 80, 40, 60], "known": [100] * 4})
    >>> [t.category for t in share_trends(s, field="majorityStatusAtExploit", min_years=2)]
    ['Minor', 'Adult']
    """
    check_choice(field, SHIFT_FIELDS, name="field")
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
