"""Yearly trends and Prophet forecasts by segment, honest about thin and lagging data.

The CTDC data are yearly (about 20 points) and the last years are incomplete because
registration lags. This module

* counts registrations per year for a segment of the records (:func:`yearly_counts`),
* finds the incomplete years at the end of a series (:func:`detect_incomplete_years`),
* forecasts the years after the last complete year with one of the candidate models
  of :mod:`core.forecast.models`, with calibrated 80% and 95% bands
  (:func:`forecast_segment`),
* runs the rolling-origin backtest of :mod:`core.forecast.backtest` over the slice's
  segments, which picks the model by a declared rule (:func:`run_segments`), and says
  its result in plain words (:func:`rolling_sentence`, :func:`coverage_sentence`),
* keeps the older single hold-out backtest (:func:`backtest`) for reference,
* draws the chart (:func:`forecast_chart`) and states its finding (:func:`forecast_title`).

Counts are of identified victims by year of registration, not of trafficking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.data.years import incomplete_years
from core.forecast.backtest import MIN_TRAIN_YEARS, RollingBacktest, rolling_backtest
from core.forecast.models import (
    CANDIDATES,
    PROPHET_PRIORS,
    _ds,
    fit_prophet,
    log_random_walk_bands,
    model_label,
    point_forecast,
    step_sd,
)
from core.privacy import small_mask

__all__ = [
    "DEFAULT_SEGMENTS",
    "HOLDOUT_YEARS",
    "MIN_BACKTEST_YEARS",
    "MIN_FIT_YEARS",
    "SEGMENTS",
    "Backtest",
    "ForecastSettings",
    "Segment",
    "SegmentForecast",
    "YearlyData",
    "available_segments",
    "backtest",
    "backtest_sentence",
    "backtest_table",
    "chart_frame",
    "coverage_sentence",
    "detect_incomplete_years",
    "fit_series",
    "forecast_chart",
    "forecast_segment",
    "forecast_table",
    "forecast_title",
    "hide_small_bases",
    "incomplete_sentence",
    "linear_forecast",
    "mae",
    "mape",
    "naive_forecast",
    "prepare_segments",
    "rolling_sentence",
    "run_segments",
    "score_table",
    "slice_backtest",
    "yearly_counts",
]

HOLDOUT_YEARS = 3
# Prophet fits a trend with changepoints; below four yearly points any "trend" is a
# line through two or three dots, so the page says so instead of fitting.
MIN_FIT_YEARS = 4
MIN_BACKTEST_YEARS = HOLDOUT_YEARS + MIN_FIT_YEARS

_YEAR = "yearOfRegistration"


# --------------------------------------------------------------------------- segments
@dataclass(frozen=True)
class Segment:
    """A group of records whose yearly count is forecast on its own."""

    key: str
    label: str
    column: str | None  # None: every record
    value: str | bool | None = None

    def mask(self, frame: pd.DataFrame, /) -> np.ndarray:
        """Boolean array: True for the records in the segment (unknowns are out)."""
        if self.column is None:
            return np.ones(len(frame), dtype=bool)
        series = frame[self.column]
        if isinstance(self.value, bool):
            return series.fillna(False).to_numpy(dtype=bool) == self.value
        return (series == self.value).fillna(False).to_numpy(dtype=bool)


SEGMENTS: dict[str, Segment] = {
    s.key: s
    for s in (
        Segment("all", "All records", None),
        Segment("female", "Female (women and girls)", "gender", "Female"),
        Segment("male", "Male (men and boys)", "gender", "Male"),
        Segment("adult", "Adults", "majorityStatusAtExploit", "Adult"),
        Segment("minor", "Minors", "majorityStatusAtExploit", "Minor"),
        Segment("sexual", "Sexual exploitation", "isSexualExploit", True),
        Segment("labour", "Forced labour", "isForcedLabour", True),
    )
}
DEFAULT_SEGMENTS: tuple[str, ...] = ("all", "female", "male", "adult", "minor")

# Okabe-Ito, fixed per segment so a segment keeps its colour whatever else is shown.
# Black is kept for the group shown least often: its bands look grey, like the
# incomplete years (which are also told apart by their hollow diamond shape).
_COLOURS: dict[str, str] = {
    "all": "#0072B2",
    "female": "#E69F00",
    "male": "#56B4E9",
    "adult": "#009E73",
    "minor": "#D55E00",
    "sexual": "#CC79A7",
    "labour": "#000000",
}
_GREY = "#999999"


def available_segments(frame: pd.DataFrame, /) -> list[str]:
    """Keys of :data:`SEGMENTS` whose column exists in ``frame``.

    Examples
    --------
    >>> available_segments(pd.DataFrame({"yearOfRegistration": [2019], "gender": ["Male"]}))
    ['all', 'female', 'male']
    """
    return [k for k, s in SEGMENTS.items() if s.column is None or s.column in frame.columns]


# --------------------------------------------------------------------------- counting
def yearly_counts(
    frame: pd.DataFrame,
    /,
    *,
    segment: str = "all",
    span: tuple[int, int] | None = None,
) -> pd.Series:
    """Records per year of registration for one segment, years without records as 0.

    Parameters
    ----------
    frame
        The canonical frame (or a slice). Records with no year are not counted.
    segment
        A key of :data:`SEGMENTS`.
    span
        First and last year of the series; by default the years of ``frame``. The
        segment's series then starts at its first year with a record: zeros before it
        mean the field was not yet recorded, not that nobody was identified.

    Returns
    -------
    pandas.Series
        Integer counts indexed by year (int), named ``"count"``; empty if no year.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, 2010, 2012, None], dtype="Int16"),
    ...                    "gender": ["Male", "Female", "Female", "Female"]})
    >>> yearly_counts(df).to_dict()
    {2010: 2, 2011: 0, 2012: 1}
    >>> yearly_counts(df, segment="female", span=(2009, 2013)).to_dict()
    {2010: 1, 2011: 0, 2012: 1, 2013: 0}
    """
    years = frame[_YEAR]
    known = years.notna().to_numpy()
    if span is None:
        if not known.any():
            return pd.Series([], dtype="int64", name="count").rename_axis("year")
        span = (int(years.min()), int(years.max()))
    if span[0] > span[1]:
        return pd.Series([], dtype="int64", name="count").rename_axis("year")
    picked = SEGMENTS[segment].mask(frame) & known
    values = years[picked].astype("int64")
    counts = values.value_counts().reindex(range(span[0], span[1] + 1), fill_value=0)
    counts = counts.sort_index().astype("int64")
    nonzero = np.flatnonzero(counts.to_numpy() > 0)
    counts = counts.iloc[nonzero[0] :] if len(nonzero) else counts.iloc[:0]
    counts.index = counts.index.astype("int64")
    return counts.rename("count").rename_axis("year")


# The detector is shared with the Explore page; the forecast knows it by this name.
detect_incomplete_years = incomplete_years


def incomplete_sentence(
    counts: pd.Series, incomplete: Sequence[int], /, *, used: bool, k: int = 1, where: str = ""
) -> str:
    """One sentence saying which years look incomplete, why, and what is done with them.

    ``counts`` is the series the years were detected on; ``where`` (e.g. "Across the
    whole file") opens the sentence when that is not the slice on screen. Counts from
    1 to ``k - 1`` are written as "<k".

    Examples
    --------
    >>> s = pd.Series([26050, 27840, 4120, 2060], index=range(2018, 2022))
    >>> print(incomplete_sentence(s, [2020, 2021], used=False))
    2020 and 2021 hold far fewer records (4,120 and 2,060) than 2019 (27,840), most likely because registration lags behind; they are left out of the fit and shown in grey.
    """
    if not incomplete:
        return ""
    years = [int(y) for y in incomplete]
    named = (
        " and ".join(str(y) for y in years)
        if len(years) <= 2
        else (", ".join(str(y) for y in years[:-1]) + f" and {years[-1]}")
    )

    def n(year: int) -> str:
        value = int(counts.loc[year])
        return f"<{k}" if 0 < value < k else f"{value:,}"

    held = (
        " and ".join(n(y) for y in years)
        if len(years) <= 2
        else (", ".join(n(y) for y in years[:-1]) + f" and {n(years[-1])}")
    )
    before = years[0] - 1
    verb = "holds" if len(years) == 1 else "hold"
    reference = f" than {before} ({n(before)})" if before in counts.index else ""
    what = (
        "you chose to keep them in the fit, so the trend bends down at the end"
        if used
        else "they are left out of the fit and shown in grey"
    )
    opening = f"{where}, {named}" if where else named
    return (
        f"{opening} {verb} far fewer records ({held}){reference}, most likely because "
        f"registration lags behind; {what}."
    )


# --------------------------------------------------------------------------- metrics
def mae(actual: Sequence[float], predicted: Sequence[float], /) -> float:
    """Mean absolute error.

    Examples
    --------
    >>> mae([10, 20], [12, 17])
    2.5
    """
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    return float(np.mean(np.abs(a - p))) if len(a) else float("nan")


def mape(actual: Sequence[float], predicted: Sequence[float], /) -> float:
    """Mean absolute percentage error, in percent, over the years with a count above 0.

    A zero count has no percentage error; those years are left out (NaN if all are 0).

    Examples
    --------
    >>> mape([10, 20, 0], [12, 17, 5])
    17.5
    """
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    keep = a > 0
    if not keep.any():
        return float("nan")
    return float(np.mean(np.abs(a[keep] - p[keep]) / a[keep]) * 100)


def naive_forecast(train: pd.Series, /, *, years: Sequence[int]) -> np.ndarray:
    """Repeat the last observed value for every year asked.

    Examples
    --------
    >>> naive_forecast(pd.Series([5, 7], index=[2000, 2001]), years=[2002, 2003]).tolist()
    [7.0, 7.0]
    """
    return np.full(len(years), float(train.iloc[-1]))


def linear_forecast(train: pd.Series, /, *, years: Sequence[int]) -> np.ndarray:
    """Least-squares straight line through (year, count), extended; floored at 0.

    Examples
    --------
    >>> linear_forecast(pd.Series([1, 3, 5], index=[2000, 2001, 2002]), years=[2003]).tolist()
    [7.0]
    """
    x = np.asarray(train.index, dtype=float)
    slope, intercept = np.polyfit(x - x.mean(), np.asarray(train, dtype=float), 1)
    return np.maximum(intercept + slope * (np.asarray(years, dtype=float) - x.mean()), 0.0)


# --------------------------------------------------------------------------- Prophet
@dataclass(frozen=True)
class ForecastSettings:
    """How the forecasts are made (all of it goes into cache keys).

    ``model`` None means the model the rolling backtest picks (:func:`run_segments`);
    ``changepoint_prior_scale`` None means Prophet's prior is picked by the backtest
    among :data:`core.forecast.models.PROPHET_PRIORS`.
    """

    horizon: int = 3
    changepoint_prior_scale: float | None = None
    include_incomplete: bool = False
    model: str | None = None
    samples: int = 1000
    seed: int = 0


_fit_prophet = fit_prophet  # the name the single hold-out backtest used


def _prophet_point(
    train: pd.Series, years: Sequence[int], *, changepoint_prior_scale: float
) -> np.ndarray:
    model = _fit_prophet(train, changepoint_prior_scale=changepoint_prior_scale)
    predicted = model.predict(pd.DataFrame({"ds": _ds(years)}))
    return np.maximum(predicted["yhat"].to_numpy(dtype=float), 0.0)


@dataclass
class SegmentForecast:
    """The forecast of one segment, or the sentence saying why there is none.

    ``table`` has one row per year: ``year``, ``y`` (observed count, NaN for future
    years), ``yhat`` (the forecast; at the last fitted year, that year's count, where
    the forecast line starts), ``yhat_lower``/``yhat_upper`` (95%),
    ``yhat_lower_80``/``yhat_upper_80``, ``is_forecast`` (a year after the last year of
    the fit, i.e. after the last complete year unless the incomplete ones are kept),
    ``excluded_incomplete`` (an observed year left out of the fit) and ``in_fit``.
    Model columns are NaN when there is no fit and in the earlier fitted years. ``model``
    is the key of the model that made the forecast, ``prior`` Prophet's changepoint prior.
    """

    segment: str
    label: str
    table: pd.DataFrame
    fitted: bool
    message: str = ""
    fit_years: list[int] = field(default_factory=list)
    model: str = ""
    prior: float = PROPHET_PRIORS[0]


_TABLE_COLUMNS = [
    "year",
    "y",
    "yhat",
    "yhat_lower",
    "yhat_upper",
    "yhat_lower_80",
    "yhat_upper_80",
    "is_forecast",
    "excluded_incomplete",
    "in_fit",
]


def fit_series(
    counts: pd.Series, incomplete: Sequence[int], /, *, include_incomplete: bool
) -> pd.Series:
    """The part of ``counts`` the model is fitted on (drops incomplete years unless kept).

    Examples
    --------
    >>> s = pd.Series([5, 6, 1], index=[2000, 2001, 2002])
    >>> fit_series(s, [2002], include_incomplete=False).index.tolist()
    [2000, 2001]
    """
    if include_incomplete:
        return counts
    return counts[~counts.index.isin(list(incomplete))]


def _too_few(label: str, n: int, *, years: Sequence[int], excluded: int) -> str:
    if n == 0 and excluded == 0:
        return (
            f"{label}: no records with a year of registration in this slice, so there "
            "is nothing to forecast. Widen the sidebar filters to include some."
        )
    listed = ", ".join(str(y) for y in years)
    have = f"only {n} complete year{'s' if n != 1 else ''} of data" + (f" ({listed})" if n else "")
    return (
        f"{label}: {have}; a trend needs at least {MIN_FIT_YEARS}, so no forecast is "
        "drawn. Widen the year range or the other filters in the sidebar."
    )


def forecast_segment(
    counts: pd.Series,
    /,
    *,
    segment: str = "all",
    incomplete: Sequence[int] = (),
    settings: ForecastSettings = ForecastSettings(),
    model: str | None = None,
    prior: float | None = None,
) -> SegmentForecast:
    """Forecast the ``settings.horizon`` years after the last year of the fit.

    The horizons are counted from the last complete year (the last year of
    :func:`fit_series`), as in the rolling backtest, so incomplete years left out are
    forecast too. The point forecast is ``model``'s (by default ``settings.model``, or
    the naive forecast); the 80% and 95% bands are log-scale random-walk intervals
    around it (:func:`core.forecast.models.log_random_walk_bands`), with the yearly step
    estimated from the fitted years. The dashed model line starts at the last fitted
    count. Counts cannot be negative: forecasts are floored at 0.

    Parameters
    ----------
    counts
        Counts indexed by consecutive years (from :func:`yearly_counts`).
    segment
        The key of the segment (for labels).
    incomplete
        Years to treat as incomplete (from :func:`detect_incomplete_years`).
    settings
        Horizon and whether incomplete years are used.
    model, prior
        A key of :data:`core.forecast.models.CANDIDATES` and Prophet's changepoint prior
        (default ``settings.changepoint_prior_scale`` or 0.05).

    Returns
    -------
    SegmentForecast
        With ``fitted=False`` and a sentence in ``message`` when there are fewer than
        :data:`MIN_FIT_YEARS` years to fit.
    """
    label = SEGMENTS[segment].label if segment in SEGMENTS else segment
    model = model or settings.model or "naive"
    if prior is None:
        prior = settings.changepoint_prior_scale or PROPHET_PRIORS[0]
    incomplete = [int(y) for y in incomplete if int(y) in set(counts.index)]
    train = fit_series(counts, incomplete, include_incomplete=settings.include_incomplete)
    observed_years = [int(y) for y in counts.index]
    last_fit = (
        int(train.index[-1]) if len(train) else (observed_years[-1] if observed_years else None)
    )
    future = (
        list(range(last_fit + 1, last_fit + 1 + settings.horizon)) if last_fit is not None else []
    )
    years = sorted(set(observed_years) | set(future))
    table = pd.DataFrame({"year": years})
    table["y"] = counts.astype(float).reindex(years).to_numpy()
    for column in _TABLE_COLUMNS[2:7]:
        table[column] = np.nan
    table["is_forecast"] = table["year"].isin(future)
    table["excluded_incomplete"] = table["year"].isin(incomplete) & (
        not settings.include_incomplete
    )
    table["in_fit"] = table["year"].isin([int(y) for y in train.index])
    if len(train) < MIN_FIT_YEARS:
        message = _too_few(
            label,
            len(train),
            years=[int(y) for y in train.index],
            excluded=len(counts) - len(train),
        )
        return SegmentForecast(
            segment,
            label,
            table[_TABLE_COLUMNS],
            fitted=False,
            message=message,
            fit_years=[int(y) for y in train.index],
        )

    train = train.astype(float)
    note = ""
    try:
        point = point_forecast(model, train, horizon=settings.horizon, prior=prior)
    except Exception as exc:  # a model that cannot fit this series says so, naive stands in
        note = (
            f"{label}: {model_label(model)} could not be fitted to these "
            f"{len(train)} years ({type(exc).__name__}); the naive forecast is shown."
        )
        model = "naive"
        point = point_forecast("naive", train, horizon=settings.horizon)
    sd = step_sd(train)
    rows = table["year"].isin(future).to_numpy()
    table.loc[rows, "yhat"] = point
    for level, (lo_col, hi_col) in {
        95: ("yhat_lower", "yhat_upper"),
        80: ("yhat_lower_80", "yhat_upper_80"),
    }.items():
        lo, hi = log_random_walk_bands(
            point, sd, level=level, n_train=len(train), drift=model == "drift"
        )
        table.loc[rows, lo_col] = lo
        table.loc[rows, hi_col] = hi
    anchor = (table["year"] == last_fit).to_numpy()
    table.loc[anchor, _TABLE_COLUMNS[2:7]] = float(train.iloc[-1])
    model_columns = _TABLE_COLUMNS[2:7]
    table[model_columns] = table[model_columns].clip(lower=0.0)
    return SegmentForecast(
        segment,
        label,
        table[_TABLE_COLUMNS],
        fitted=True,
        message=note,
        fit_years=[int(y) for y in train.index],
        model=model,
        prior=float(prior),
    )


# --------------------------------------------------------------------------- backtest
@dataclass
class Backtest:
    """Errors of three forecasts on the held-out years, or why there are none."""

    segment: str
    label: str
    table: pd.DataFrame  # model, mae, mape, holdout_years (empty when not run)
    holdout: list[int]
    message: str = ""

    @property
    def ran(self) -> bool:
        return not self.table.empty


_MODELS = ("Prophet", "Naive (repeat last year)", "Linear trend")
NEAR_TIE = 0.05  # errors within 5% of each other (relative) count as "about as well"


def backtest(
    train: pd.Series,
    /,
    *,
    segment: str = "all",
    holdout: int = HOLDOUT_YEARS,
    changepoint_prior_scale: float = 0.05,
    k: int = 1,
    forecaster: Callable[..., np.ndarray] | None = None,
) -> Backtest:
    """Hold out the last ``holdout`` years, refit on the rest, and score three forecasts.

    Parameters
    ----------
    train
        The series the model is fitted on (complete years unless the user kept the
        incomplete ones), indexed by consecutive years.
    segment
        The segment key (for labels).
    holdout
        How many of the last years to hold out.
    changepoint_prior_scale
        Prophet's trend flexibility, as in the forecast.
    k
        Small-cell threshold: when a held-out count is from 1 to k - 1, the errors
        (which would reveal it) are not computed, and a sentence says so.
    forecaster
        Replaces Prophet (``f(train, years, changepoint_prior_scale=...)``); for tests.

    Returns
    -------
    Backtest
        MAE (records a year) and MAPE (percent) of Prophet, the naive forecast and the
        linear trend; an empty table and a sentence when fewer than
        ``holdout + MIN_FIT_YEARS`` years are available.
    """
    label = SEGMENTS[segment].label if segment in SEGMENTS else segment
    if len(train) < holdout + MIN_FIT_YEARS:
        years_are = "1 complete year is" if len(train) == 1 else f"{len(train)} complete years are"
        message = (
            f"{label}: {years_are} too few to test the forecast on the last {holdout} "
            f"(at least {holdout + MIN_FIT_YEARS} are needed)."
        )
        empty = pd.DataFrame(columns=["model", "mae", "mape", "holdout_years"])
        return Backtest(segment, label, empty, [], message)
    fit_part, held = train.iloc[:-holdout], train.iloc[-holdout:]
    years = [int(y) for y in held.index]
    if small_mask(held.to_numpy(), k).any():
        message = (
            f"{label}: some of the held-out years {years[0]}-{years[-1]} have fewer "
            f"than {k} records, too few to judge the forecast by."
        )
        empty = pd.DataFrame(columns=["model", "mae", "mape", "holdout_years"])
        return Backtest(segment, label, empty, [], message)
    prophet = forecaster or _prophet_point
    predictions = {
        _MODELS[0]: prophet(fit_part, years, changepoint_prior_scale=changepoint_prior_scale),
        _MODELS[1]: naive_forecast(fit_part, years=years),
        _MODELS[2]: linear_forecast(fit_part, years=years),
    }
    span = f"{years[0]}-{years[-1]}"
    table = pd.DataFrame(
        [
            {"model": name, "mae": mae(held, p), "mape": mape(held, p), "holdout_years": span}
            for name, p in predictions.items()
        ]
    )
    return Backtest(segment, label, table, years)


def backtest_sentence(result: Backtest, /) -> str:
    """The backtest in one plain sentence.

    Examples
    --------
    >>> t = pd.DataFrame({"model": ["Prophet", "Naive (repeat last year)", "Linear trend"],
    ...                   "mae": [10.0, 30.0, 20.0], "mape": [5.0, 15.0, 10.0],
    ...                   "holdout_years": ["2017-2019"] * 3})
    >>> print(backtest_sentence(Backtest("all", "All records", t, [2017, 2018, 2019])))
    All records, tested on 2017-2019: Prophet's error was 5% against 15% for simply repeating the last year and 10% for a straight-line trend, so Prophet did best here.
    """
    if not result.ran:
        return result.message
    rows = result.table.set_index("model")
    metric, unit = ("mape", "%") if rows["mape"].notna().all() else ("mae", " records a year")

    def fmt(v: float) -> str:
        return f"{v:,.0f}{unit}"

    p, n, lin = (float(rows.loc[m, metric]) for m in _MODELS)
    best_simple, simple = min((n, "simply repeating the last year"), (lin, "a straight line"))
    if p <= best_simple:
        verdict = "so Prophet did best here"
    elif p <= best_simple * (1 + NEAR_TIE):
        verdict = f"so Prophet did about as well as {simple}"
    else:
        verdict = f"so {simple} did better: read the forecast with caution"
    return (
        f"{result.label}, tested on {result.table['holdout_years'].iloc[0]}: Prophet's "
        f"error was {fmt(p)} against {fmt(n)} for simply repeating the last year and "
        f"{fmt(lin)} for a straight-line trend, {verdict}."
    )


@dataclass
class YearlyData:
    """The yearly series a page or command forecasts from.

    ``total`` counts all records of the slice; ``reference`` is the series the
    incomplete years were detected on (the slice itself, or the whole file);
    ``incomplete`` are the slice's last years flagged on ``reference``; ``series``
    holds each segment's counts, all ending at the slice's last year.
    """

    total: pd.Series
    reference: pd.Series
    incomplete: list[int]
    series: dict[str, pd.Series]


def _trailing(flagged: Sequence[int], counts: pd.Series) -> list[int]:
    """The flagged years that are the last years of ``counts`` (a trailing run)."""
    run: list[int] = []
    for year in reversed([int(y) for y in counts.index]):
        if year not in flagged:
            break
        run.insert(0, year)
    return run


def prepare_segments(
    frame: pd.DataFrame,
    /,
    *,
    segments: Sequence[str] = DEFAULT_SEGMENTS,
    reference: pd.DataFrame | None = None,
) -> YearlyData:
    """Yearly counts of the slice and of each segment, and the incomplete years.

    Incomplete years are detected on all records of ``reference`` (by default the
    slice itself) and apply to every segment: registration lag is a property of the
    year, not of the group, and a small slice is too noisy to show it by itself.
    Only flagged years at the end of the slice count.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2000, 2001, 2001], dtype="Int16"),
    ...                    "gender": ["Male", "Female", "Male"]})
    >>> data = prepare_segments(df, segments=["female"])
    >>> data.total.to_dict(), data.incomplete, data.series["female"].to_dict()
    ({2000: 1, 2001: 2}, [], {2001: 1})
    """
    total = yearly_counts(frame)
    basis = total if reference is None else yearly_counts(reference)
    incomplete = _trailing(detect_incomplete_years(basis), total)
    span = (int(total.index[0]), int(total.index[-1])) if len(total) else (1, 0)
    series = {key: yearly_counts(frame, segment=key, span=span) for key in segments}
    return YearlyData(total, basis, incomplete, series)


def hide_small_bases(results: Sequence[SegmentForecast], /, *, k: int) -> list[SegmentForecast]:
    """The results, with no forecast for a group whose last complete year holds 1..k-1.

    Every method starts from that count (the naive forecast repeats it), so its forecast
    would reveal it.

    Examples
    --------
    >>> r = forecast_segment(pd.Series([50.0, 40, 30, 5], index=range(2000, 2004)))
    >>> hidden = hide_small_bases([r], k=10)[0]
    >>> hidden.fitted, bool(hidden.table["yhat"].isna().all())
    (False, True)
    """
    out = []
    for r in results:
        fitted = r.table[r.table["in_fit"] & r.table["y"].notna()]
        if r.fitted and not fitted.empty and small_mask(fitted["y"].to_numpy()[-1:], k).any():
            table = r.table.copy()
            table[_TABLE_COLUMNS[2:7]] = np.nan
            message = (
                f"{r.label}: the last complete year holds fewer than {k} records; "
                "the forecast starts from that count, so it is not shown."
            )
            r = SegmentForecast(
                r.segment,
                r.label,
                table,
                fitted=False,
                message=message,
                fit_years=r.fit_years,
                model=r.model,
                prior=r.prior,
            )
        out.append(r)
    return out


def slice_backtest(
    data: YearlyData,
    /,
    *,
    segments: Sequence[str] | None = None,
    settings: ForecastSettings = ForecastSettings(),
    models: Sequence[str] = CANDIDATES,
    progress: Callable[[float, str], None] | None = None,
) -> RollingBacktest:
    """The rolling backtest of a slice's segments (complete years only, unless kept).

    Prophet's prior is picked among :data:`core.forecast.models.PROPHET_PRIORS` unless
    ``settings.changepoint_prior_scale`` fixes it.
    """
    keys = list(data.series) if segments is None else list(segments)
    series = {
        key: fit_series(
            data.series[key], data.incomplete, include_incomplete=settings.include_incomplete
        )
        for key in keys
    }
    priors = (
        (settings.changepoint_prior_scale,) if settings.changepoint_prior_scale else PROPHET_PRIORS
    )
    return rolling_backtest(
        series,
        horizon=settings.horizon,
        models=models,
        priors=priors,
        seed=settings.seed,
        progress=progress,
    )


def run_segments(
    frame: pd.DataFrame,
    /,
    *,
    segments: Sequence[str] = DEFAULT_SEGMENTS,
    settings: ForecastSettings = ForecastSettings(),
    progress: Callable[[float, str], None] | None = None,
) -> tuple[list[int], list[SegmentForecast], RollingBacktest]:
    """Back-test, choose and forecast several segments of one frame (the CLI's and
    benchmark's path; the page does the same steps with a cache between them).

    The model is ``settings.model`` if given, else the one the declared rule picks
    (:func:`core.forecast.backtest.choose_model`) on the pooled backtest.

    Returns
    -------
    tuple
        The incomplete years, the forecasts (in ``segments`` order) and the backtest.
    """
    data = prepare_segments(frame, segments=segments)
    tested = slice_backtest(data, segments=segments, settings=settings, progress=progress)
    model = settings.model or tested.chosen
    forecasts = [
        forecast_segment(
            data.series[key],
            segment=key,
            incomplete=data.incomplete,
            settings=settings,
            model=model,
            prior=tested.prior,
        )
        for key in segments
    ]
    return data.incomplete, forecasts, tested


def _pct(value: float) -> str:
    return f"{value:.0%}"


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def rolling_sentence(result: RollingBacktest, /, *, model: str | None = None) -> str:
    """The rolling backtest and the declared choice in plain words.

    ``model`` is a model the user picked instead of the rule's choice (None: the rule's).
    """
    if not result.ran:
        return (
            f"Too few complete years to test the forecast: each test needs at least "
            f"{MIN_TRAIN_YEARS} years before the year it forecasts, so the forecast "
            "simply repeats the last complete year (the naive forecast)."
        )
    origins = sorted(int(o) for o in result.rows["origin"].unique())
    horizons = f"1 to {result.horizon} years" if result.horizon > 1 else "1 year"
    groups = result.rows["segment"].nunique()
    n = int(result.score("naive", "forecasts"))
    opening = (
        f"Tested by forecasting {horizons} ahead from every year {origins[0]}-"
        f"{origins[-1]} ({n:,} forecasts across {groups} group{'s' if groups != 1 else ''})"
    )
    naive_mape = result.score("naive", "mape")
    shown = model or result.chosen

    def versus(key: str) -> str:
        ratio, low, high = (result.score(key, c) for c in ("ratio", "ratio_low", "ratio_high"))
        return (
            f"{result.label(key)} was off by {result.score(key, 'mape'):.0f}% on average "
            f"against {naive_mape:.0f}% for repeating the last year; its scaled error "
            f"(MASE) was {ratio:.2f} times as large (95% CI {low:.2f}-{high:.2f})"
        )

    others = result.scores[result.scores["model"] != "naive"]
    best = str(others.loc[others["mase"].idxmin(), "model"]) if len(others) else "naive"
    if shown == "naive":
        if result.chosen == "naive" and best != "naive":
            ratio, low, high = (result.score(best, c) for c in ("ratio", "ratio_low", "ratio_high"))
            return (
                f"{opening}, no model beat simply repeating the last complete year "
                f"reliably: the best, {result.label(best)}, had {ratio:.2f} times its "
                f"scaled error (MASE; 95% CI {low:.2f}-{high:.2f}), an interval that "
                "reaches 1. So the forecast repeats the last complete year (the naive "
                f"forecast), which was off by {naive_mape:.0f}% on average."
            )
        return f"{opening}, repeating the last year was off by {naive_mape:.0f}% on average."
    if shown == result.chosen:
        return (
            f"{opening}, {versus(shown)}: it beat repeating the last year by more "
            "than chance, so it makes the forecast (the declared rule: of the models "
            "whose interval stays below 1, the one with the lowest pooled MASE)."
        )
    chosen = "repeating the last year" if result.chosen == "naive" else result.label(result.chosen)
    return (
        f"{opening}, {versus(shown)}. You picked it under Advanced; the declared rule "
        f"would use {chosen}."
    )


def score_table(
    result: RollingBacktest, /, *, models: Sequence[str] | None = None, shown: str | None = None
) -> pd.DataFrame:
    """The backtest's scores in plain-word columns, one row per model (``models`` only).

    ``shown`` is the model of the forecast on screen (by default the rule's choice).
    """
    if not result.ran:
        return pd.DataFrame()
    scores = result.scores.set_index("model")
    keys = [m for m in (models or list(scores.index)) if m in scores.index]
    shown = shown or result.chosen
    return pd.DataFrame(
        {
            "Model": [result.label(m) for m in keys],
            "Scaled error (MASE)": scores.loc[keys, "mase"].round(2).to_numpy(),
            "Ratio to naive": scores.loc[keys, "ratio"].round(3).to_numpy(),
            "95% CI from": scores.loc[keys, "ratio_low"].round(3).to_numpy(),
            "95% CI to": scores.loc[keys, "ratio_high"].round(3).to_numpy(),
            "Mean error (%)": scores.loc[keys, "mape"].round(1).to_numpy(),
            "Forecasts tested": scores.loc[keys, "forecasts"].to_numpy(),
            "Makes the forecast": [m == shown for m in keys],
        }
    )


def coverage_sentence(result: RollingBacktest, /, *, model: str) -> str:
    """How often the bands held the outcome in the rolling backtest, per horizon.

    Examples
    --------
    >>> from core.forecast.backtest import RollingBacktest
    >>> cov = pd.DataFrame({"model": "naive", "horizon": [1, 2], "coverage_80": [0.8, 0.75],
    ...                     "coverage_95": [0.95, 0.9], "forecasts": [20, 18]})
    >>> bt = RollingBacktest(pd.DataFrame(), pd.DataFrame({"model": ["naive"]}), cov,
    ...                      "naive", 0.05, {}, 2, ["all"])
    >>> print(coverage_sentence(bt, model="naive"))
    In the same test the 80% band held 80% and 75% of the outcomes 1 and 2 years ahead, and the 95% band 95% and 90%.
    """
    if not result.ran:
        return ""
    cov = result.coverage[result.coverage["model"] == model].sort_values("horizon")
    if cov.empty:
        return ""
    hs = [str(int(h)) for h in cov["horizon"]]
    unit = "year" if hs == ["1"] else "years"
    return (
        f"In the same test the 80% band held {_listed([_pct(v) for v in cov['coverage_80']])} "
        f"of the outcomes {_listed(hs)} {unit} ahead, and the 95% band "
        f"{_listed([_pct(v) for v in cov['coverage_95']])}."
    )


def forecast_table(results: Sequence[SegmentForecast], /) -> pd.DataFrame:
    """The download table: observed counts, forecasts with both intervals, the model.

    ``Forecast`` holds the model's value for the years after the last complete year
    (incomplete years left out, and the future).
    """
    rows = []
    for r in results:
        t = r.table
        rows.append(
            pd.DataFrame(
                {
                    "Segment": r.label,
                    "Year": t["year"].to_numpy(),
                    "Observed": t["y"].astype("Int64").to_numpy(),
                    "Forecast": t["yhat"].where(t["is_forecast"]).round(0).to_numpy(),
                    "80% low": t["yhat_lower_80"].where(t["is_forecast"]).round(0).to_numpy(),
                    "80% high": t["yhat_upper_80"].where(t["is_forecast"]).round(0).to_numpy(),
                    "95% low": t["yhat_lower"].where(t["is_forecast"]).round(0).to_numpy(),
                    "95% high": t["yhat_upper"].where(t["is_forecast"]).round(0).to_numpy(),
                    "Model": np.where(
                        t["is_forecast"] & r.fitted,
                        model_label(
                            r.model or "naive", prior=r.prior if r.model == "prophet" else None
                        ),
                        "",
                    ),
                    "Future year": t["is_forecast"].to_numpy(),
                    "Left out as incomplete": t["excluded_incomplete"].to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def backtest_table(tests: Sequence[Backtest], /) -> pd.DataFrame:
    """The backtests that ran, in one table with plain-word columns (errors rounded)."""
    rows = [
        pd.DataFrame(
            {
                "Segment": t.label,
                "Model": t.table["model"].to_numpy(),
                "Mean error (records a year)": t.table["mae"].round(0).to_numpy(),
                "Mean error (%)": t.table["mape"].round(1).to_numpy(),
                "Held-out years": t.table["holdout_years"].to_numpy(),
            }
        )
        for t in tests
        if t.ran
    ]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


# --------------------------------------------------------------------------- chart
def _change(result: SegmentForecast, k: int) -> tuple[float, int, int, bool] | None:
    """(relative change, base year, end year, 80% band includes the base level).

    The base is the count of the last complete year (the last year of the fit). None
    when there is no fit, the base is 0, or the base count is below ``k`` (it would be
    revealed).
    """
    t = result.table
    fitted = t[t["in_fit"] & t["y"].notna()]
    if not result.fitted or fitted.empty or not t["is_forecast"].any():
        return None
    base_row = fitted.iloc[-1]
    if small_mask(np.array([base_row["y"]]), k).any():
        return None
    base = float(base_row["y"])
    if base <= 0:
        return None
    end = t[t["is_forecast"]].iloc[-1]  # an incomplete year after it is not forecast
    change = float(end["yhat"] / base - 1)
    spans = bool(end["yhat_lower_80"] <= base <= end["yhat_upper_80"])
    return change, int(base_row["year"]), int(end["year"]), spans


def forecast_title(results: Sequence[SegmentForecast], /, *, k: int) -> tuple[str, str]:
    """Title and subtitle stating what the forecast says, computed from the results.

    Each group's forecast for the last year shown is compared with its count in the
    last complete year. A group "rises" or "falls" only when the 80% band of that
    forecast leaves out the last complete year's level; otherwise it shows "no clear
    change". Groups whose base count is below ``k`` are not quoted (small counts).

    Returns
    -------
    tuple of str
        ("By 2022 the forecast rises for Female (women and girls) (+12%) ...", "Change from ...").
    """
    quoted = []
    for r in results:
        c = _change(r, k)
        if c is not None:
            quoted.append((r.label, *c))
    if not quoted:
        if any(r.fitted for r in results):
            return (
                f"The counts in this slice are too small (below {k}) to state a trend",
                "See the notes below the chart.",
            )
        return ("Too few years to forecast in this slice", "See the notes below the chart.")
    end_year = max(q[3] for q in quoted)
    groups: dict[str, list[str]] = {"rises": [], "falls": [], "shows no clear change": []}
    for label, change, _base, _end, spans in quoted:
        key = "shows no clear change" if spans else "rises" if change > 0 else "falls"
        groups[key].append(f"{label} ({change:+.0%})")
    parts = [f"{verb} for {_join(items)}" for verb, items in groups.items() if items]
    title = f"By {end_year} the forecast {'; '.join(parts)}"
    bases = sorted({str(q[2]) for q in quoted})
    sub = (
        f'Change from the last complete year ({" or ".join(bases)}); "no clear change" '
        "where the 80% band still includes that year's count."
    )
    return title, sub


def _span(years: Sequence[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def chart_frame(results: Sequence[SegmentForecast], /, *, k: int) -> pd.DataFrame:
    """One long table for the chart: observed counts 1..k-1 are blanked (not drawn)."""
    parts = []
    for r in results:
        t = r.table.copy()
        t.insert(0, "segment", r.label)
        t.insert(1, "key", r.segment)
        parts.append(t)
    data = pd.concat(parts, ignore_index=True)
    data.loc[small_mask(data["y"].to_numpy(), k), "y"] = np.nan
    last_fit = data[data["in_fit"]].groupby("segment")["year"].max()
    data["band"] = data["year"] >= data["segment"].map(last_fit)
    data["band"] = data["band"].fillna(False).astype(bool) & data["yhat"].notna()
    return data


def forecast_chart(
    results: Sequence[SegmentForecast],
    /,
    *,
    k: int,
    layout: str = "overlay",
    title: tuple[str, str] | None = None,
) -> Any:
    """Altair chart: observed counts, the model's fit and forecast, 80% and 95% bands.

    Parameters
    ----------
    results
        The segments to draw (those without a fit show only their observed counts).
    k
        Small-cell threshold: observed counts 1..k-1 are not drawn.
    layout
        ``"overlay"`` (one chart, a colour per segment) or ``"facet"`` (small
        multiples, each with its own vertical scale).
    title
        Title and subtitle; by default :func:`forecast_title`.
    """
    import altair as alt

    data = chart_frame(results, k=k)
    labels = [r.label for r in results]
    colour = alt.Color(
        "segment:N",
        title="Segment",
        sort=labels,
        scale=alt.Scale(domain=labels, range=[_COLOURS.get(r.segment, "#000000") for r in results]),
    )
    x = alt.X(
        "year:Q",
        title="Year of registration",
        axis=alt.Axis(format="d", tickMinStep=1),
        scale=alt.Scale(domain=[int(data["year"].min()), int(data["year"].max())], nice=False),
    )
    y_title = "Identified victims registered"
    y_scale = alt.Scale(zero=True, padding=0)  # a floored forecast sits on the 0 line
    tooltip = [
        alt.Tooltip("segment:N", title="Segment"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("y:Q", title="Observed", format=",.0f"),
        alt.Tooltip("yhat:Q", title="Model", format=",.0f"),
        alt.Tooltip("yhat_lower:Q", title="95% from", format=",.0f"),
        alt.Tooltip("yhat_upper:Q", title="95% to", format=",.0f"),
    ]
    base = alt.Chart()
    band95 = (
        base.mark_area(opacity=0.15)
        .encode(
            x=x,
            y=alt.Y("yhat_lower:Q", title=y_title, scale=y_scale),
            y2="yhat_upper:Q",
            color=colour,
        )
        .transform_filter("datum.band")
    )
    band80 = (
        base.mark_area(opacity=0.3)
        .encode(
            x=x,
            y="yhat_lower_80:Q",
            y2="yhat_upper_80:Q",
            color=colour,
        )
        .transform_filter("datum.band")
    )
    observed = base.transform_filter("datum.in_fit && isValid(datum.y)")
    observed_line = observed.mark_line(strokeWidth=2).encode(x=x, y="y:Q", color=colour)
    observed_dots = observed.mark_circle(size=40, opacity=1).encode(
        x=x, y="y:Q", color=colour, tooltip=tooltip
    )
    model = (
        base.mark_line(strokeDash=[6, 4], strokeWidth=2)
        .encode(
            x=x,
            y="yhat:Q",
            color=colour,
            tooltip=tooltip,
        )
        .transform_filter("isValid(datum.yhat)")
    )
    greyed = (
        base.mark_point(
            size=70, shape="diamond", filled=False, strokeWidth=2, color=_GREY, opacity=1
        )
        .encode(
            x=x,
            y="y:Q",
            tooltip=tooltip,
        )
        .transform_filter("datum.excluded_incomplete && isValid(datum.y)")
    )
    layers = [band95, band80, observed_line, observed_dots, model, greyed]
    heading = title if title is not None else forecast_title(results, k=k)
    chart_title = alt.TitleParams(heading[0], subtitle=heading[1], anchor="start")
    if layout == "facet" and len(results) > 1:
        # Each panel is titled with its segment: the colour legend would only repeat it.
        return (
            alt.layer(*layers, data=data)
            .properties(width=330, height=200)
            .facet(
                facet=alt.Facet("segment:N", sort=labels, title=None),
                columns=2,
            )
            .resolve_scale(y="independent")
            .properties(title=chart_title)
            .configure_legend(disable=True)
        )
    # The legend's symbols would take the faint band colour: show them solid.
    return (
        alt.layer(*layers, data=data)
        .properties(title=chart_title, height=420)
        .configure_legend(symbolOpacity=1)
    )
