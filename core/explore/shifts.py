"""Shifts toward groups: the share of each category per year, and its trend on year.

The trend of a share is a binomial GLM (logit link) of the category's records on the
year, among the records of each year with the field known; its interval allows for
year-to-year swings beyond binomial sampling (quasi-binomial, with Student's t on
years - 2 degrees of freedom), since records come in batches from partners.

A change is called a shift only when it is at least :data:`MIN_CHANGE` points per decade
and its interval excludes no change. Where a field is recorded in more than one way (minor
or adult status: given in the file, or derived from the age band), the trend is also fitted
within each way of recording (:func:`core.explore.recording.source_checks`): a pooled trend
that does not hold within them is a change of recording, not a shift.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.explore.aggregates import SHIFT_FIELDS, YEAR, categories_in_order, long_counts
from core.explore.headlines import subject
from core.explore.shift_protect import shift_years_withheld
from core.options import check_choice
from core.privacy import DEFAULT_K, is_small
from core.words import category_label

__all__ = [
    "MIN_CHANGE",
    "ShareTrend",
    "pct",
    "share_trend",
    "share_trends",
    "shown_trend_years",
    "yearly_shares",
]

#: The smallest change, in percentage points per decade, that the page calls a shift.
MIN_CHANGE = 2.0


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


def pct(share: float, /) -> str:
    """A share as a percentage with one decimal; never rounded to 0% or 100% when not so.

    Examples
    --------
    >>> pct(0.0483), pct(0.4331), pct(0.0004), pct(0.0), pct(0.99996)
    ('4.8%', '43.3%', '<0.1%', '0%', '>99.9%')
    """
    if share == 0 or share == 1:
        return f"{share:.0%}"
    if share < 0.0005:
        return "<0.1%"
    if share > 0.9995:
        return ">99.9%"
    return f"{share:.1%}"


@dataclass(frozen=True)
class ShareTrend:
    """A binomial GLM of one category's share on year (logit link).

    ``slope`` and ``slope_se`` are in log-odds per decade; ``start_share`` and
    ``end_share`` are the *fitted* shares in the first and last year of the fit, and
    ``observed_start`` and ``observed_end`` the *observed* ones (NaN where the page
    withholds them, see :func:`core.explore.shift_tables.quote_observed`); ``change`` is the average change in
    percentage points per decade between the fitted ends
    (``10 * 100 * (end_share - start_share) / (last_year - first_year)``) with its 95%
    interval ``ci_low``..``ci_high`` (delta method). ``scale`` is the dispersion used
    (Pearson chi-square / residual df when larger than 1, so that year-to-year noise
    beyond binomial sampling widens the interval); with an estimated dispersion the
    interval takes Student's t on ``t_df`` = years - 2 degrees of freedom, otherwise
    (``t_df`` 0) the normal. ``reason`` says why there is no estimate when ``ok`` is False.
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
    observed_start: float = math.nan
    observed_end: float = math.nan
    t_df: int = 0
    records_withheld: bool = False

    @property
    def label(self) -> str:
        """The category in plain words."""
        return category_label(self.field, self.category)

    @property
    def clear(self) -> bool:
        """Whether the 95% interval excludes no change."""
        return self.ok and (self.ci_low > 0 or self.ci_high < 0)

    @property
    def is_shift(self) -> bool:
        """A clear change of at least :data:`MIN_CHANGE` points per decade.

        Examples
        --------
        >>> ShareTrend("gender", "Male", True, change=-0.3, ci_low=-0.5, ci_high=-0.1).is_shift
        False
        """
        return self.clear and abs(self.change) >= MIN_CHANGE

    def _way(self) -> str:
        if not self.clear:
            return "no clear trend"
        if not self.is_shift:
            return "little change"
        return "rising" if self.change > 0 else "falling"

    def interval_text(self) -> str:
        """The change and its interval: '+19.8 points per decade (95% CI +15.4 to +24.3)'."""
        return (
            f"{self.change:+.1f} points per decade "
            f"(95% CI {self.ci_low:+.1f} to {self.ci_high:+.1f})"
        )

    def headline(self) -> str:
        """A short title: who, which way, and the change per decade with its interval.

        Examples
        --------
        >>> ShareTrend("majorityStatusAtExploit", "Minor", True, change=10.7, ci_low=9.9,
        ...            ci_high=11.5).headline()
        'Minors: rising, +10.7 points per decade (95% CI +9.9 to +11.5)'
        >>> ShareTrend("gender", "Male", True, change=-0.3, ci_low=-0.5, ci_high=-0.1).headline()
        'Men and boys: little change, -0.3 points per decade (95% CI -0.5 to -0.1)'
        """
        who = subject(self.field, self.category)
        who = who[:1].upper() + who[1:]
        if not self.ok:
            return f"{who}: no trend ({self.reason})"
        return f"{who}: {self._way()}, {self.interval_text()}"

    def fitted_text(self) -> str:
        """The fitted ends: 'fitted 9.6% in 2002 to 43.3% in 2019'."""
        return (
            f"fitted {pct(self.start_share)} in {self.first_year} to "
            f"{pct(self.end_share)} in {self.last_year}"
        )

    def observed_text(self) -> str:
        """The observed ends ('observed 4.8% in 2002 and 43.2% in 2019'), or '' if withheld."""
        if math.isnan(self.observed_start) or math.isnan(self.observed_end):
            return ""
        return (
            f"observed {pct(self.observed_start)} in {self.first_year} and "
            f"{pct(self.observed_end)} in {self.last_year}"
        )

    def sentence(self) -> str:
        """One sentence a newcomer can read: fitted ends as fitted, observed as observed.

        Examples
        --------
        >>> print(ShareTrend("majorityStatusAtExploit", "Minor", True, first_year=2005,
        ...     last_year=2019, start_share=0.2, end_share=0.35, change=10.7,
        ...     ci_low=9.9, ci_high=11.5, observed_start=0.18,
        ...     observed_end=0.36).sentence())  # doctest: +NORMALIZE_WHITESPACE
        The share of minors rose: fitted 20.0% in 2005 to 35.0% in 2019,
        +10.7 points per decade (95% CI +9.9 to +11.5); observed 18.0% in 2005 and 36.0% in 2019.
        """
        who = subject(self.field, self.category)
        if not self.ok:
            return f"No trend for {who}: {self.reason}."
        if self.is_shift:
            verb = "rose" if self.change > 0 else "fell"
            lead = f"The share of {who} {verb}"
        elif self.clear:
            lead = f"The share of {who} changed little (less than {MIN_CHANGE:g} points per decade)"
        else:
            lead = f"The share of {who} shows no clear trend"
        observed = self.observed_text()
        tail = f"; {observed}" if observed else ""
        return f"{lead}: {self.fitted_text()}, {self.interval_text()}{tail}."


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
        Widen the interval by the Pearson dispersion when it exceeds 1 (quasi-binomial,
        then with Student's t on years - 2 degrees of freedom); records come in batches
        from partners, so years vary more than binomial sampling.

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
    # an estimated dispersion (quasi-binomial) carries its own uncertainty: Student's t on
    # the residual df, as R's summary.glm does for quasi families; else the normal
    t_df = df_resid if scale > 1.0 else 0
    from scipy.stats import t as student_t

    quantile = float(student_t.ppf(0.975, t_df)) if t_df else 1.959963984540054
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
        ci_low=float(change - quantile * se),
        ci_high=float(change + quantile * se),
        slope=float(params[1]),
        slope_se=float(np.sqrt(cov[1, 1])),
        scale=float(scale),
        intercept=float(params[0]),
        centre=centre,
        observed_start=float(successes[0] / totals[0]),
        observed_end=float(successes[-1] / totals[-1]),
        t_df=int(t_df),
    )


def share_trends(
    shares: pd.DataFrame,
    /,
    *,
    field: str,
    exclude_years: Iterable[int] = (),
    min_years: int = 3,
    k: int = DEFAULT_K,
) -> list[ShareTrend]:
    """:func:`share_trend` for every category of ``shares``, in their order.

    A trend whose record count, beside the caption's records or another trend's, would
    give back a small count of the years it leaves out is withheld (threshold ``k``).

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
    trends = [
        share_trend(shares, field=field, category=c, exclude_years=excluded, min_years=min_years)
        for c in categories
    ]
    return _protect_records(trends, shares, k=k, exclude_years=excluded)


def shown_trend_years(
    trends: Sequence[ShareTrend], shares: pd.DataFrame, /, *, exclude_years: Iterable[int] = ()
) -> list[set[int]]:
    """The years behind each record count the trend table shows (its "Records").

    A trend's records are its category's years with known values, less the years left
    out of the fit; a trend whose count is withheld (or 0) shows none. For
    :func:`core.explore.shift_protect.protect_shifts`, which must protect the years against
    these sums too.

    Examples
    --------
    >>> s = pd.DataFrame({"year": [2010, 2011, 2012], "category": ["Male"] * 3,
    ...                   "known": [50, 40, 4]})
    >>> shown_trend_years([ShareTrend("gender", "Male", True, n_records=90)], s,
    ...                   exclude_years=[2012])
    [{2010, 2011}]
    """
    excluded = {int(y) for y in exclude_years}
    out = []
    for trend in trends:
        if trend.n_records <= 0 or trend.records_withheld:
            continue
        rows = shares[(shares["category"].astype(str) == trend.category) & (shares["known"] > 0)]
        out.append({int(y) for y in rows["year"]} - excluded)
    return out


def _protect_records(
    trends: list[ShareTrend],
    shares: pd.DataFrame,
    /,
    *,
    k: int,
    exclude_years: Iterable[int] = (),
) -> list[ShareTrend]:
    """Withhold a trend whose record count would give back a small count.

    The caption shows the records behind the whole table (every year's ``known``); a
    trend's records are those of its fitted years. Their difference, or the difference
    between two trends' records, is the records of the years one leaves out: when that
    is 1..k-1 the trend is not shown and its record count is withheld
    (``records_withheld``), just as a small count is.

    Examples
    --------
    >>> s = pd.DataFrame({"year": [2010, 2020, 2021], "known": [50, 60, 4]})
    >>> t = [ShareTrend("gender", "Male", True, n_records=110)]
    >>> [(x.ok, x.records_withheld) for x in _protect_records(t, s, k=10)]
    [(False, True)]
    """
    if shares.empty:
        return trends
    total = int(shares.drop_duplicates(subset=["year"])["known"].sum())
    counts = [total, *(t.n_records for t in trends if t.n_records > 0)]
    out: list[ShareTrend] = []
    for trend in trends:
        n = trend.n_records
        if n > 0 and any(is_small(abs(other - n), k) for other in counts):
            trend = replace(
                trend,
                ok=False,
                reason=(
                    "not shown: its record count would reveal a small count "
                    f"(fewer than {k} records) of the years it leaves out"
                ),
                records_withheld=True,
            )
        out.append(trend)
    # a sum of several trends' records and the caption can still pin a small year (or a
    # year withheld to protect one): those trends are withheld too
    excluded = list(exclude_years)
    candidates = [i for i, t in enumerate(out) if t.n_records > 0 and not t.records_withheld]
    years = shown_trend_years([out[i] for i in candidates], shares, exclude_years=excluded)
    _, hidden = shift_years_withheld(shares, k=k, trend_years=years)
    for i, withheld in zip(candidates, hidden, strict=True):
        if withheld:
            out[i] = replace(
                out[i],
                ok=False,
                reason=(
                    "not shown: its record count, beside the other years, would reveal a "
                    f"small count (fewer than {k} records)"
                ),
                records_withheld=True,
            )
    return out
