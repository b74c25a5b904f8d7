"""Forecasting a slice's segments: the settings, one segment's forecast, the whole run.

* :class:`ForecastSettings` says how the forecasts are made;
* :func:`forecast_segment` forecasts the years after the last complete year with one of
  the candidate models of :mod:`core.forecast.models`, with calibrated 80% and 95% bands;
* :func:`slice_backtest` runs the rolling backtest of :mod:`core.forecast.backtest` over
  a slice's segments, which picks the model by a declared rule;
* :func:`run_segments` does both for a frame (the command line's and benchmark's path;
  the page does the same steps with a cache between them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.forecast.backtest import RollingBacktest, rolling_backtest
from core.forecast.models import (
    AUTO_POOL,
    PROPHET_PRIORS,
    check_model,
    log_random_walk_bands,
    model_label,
    point_forecast,
    step_sd,
)
from core.forecast.series import (
    DEFAULT_SEGMENTS,
    MIN_FIT_YEARS,
    MODEL_COLUMNS,
    SEGMENTS,
    TABLE_COLUMNS,
    SegmentForecast,
    YearlyData,
    check_segments,
    prepare_segments,
)
from core.forecast.words import too_few_sentence

__all__ = [
    "ForecastSettings",
    "fit_series",
    "forecast_segment",
    "run_segments",
    "slice_backtest",
]


@dataclass(frozen=True)
class ForecastSettings:
    """How the forecasts are made (all of it goes into cache keys).

    Attributes
    ----------
    horizon
        Years forecast after the last complete year.
    changepoint_prior_scale
        Prophet's trend flexibility; None: picked by the backtest among
        :data:`core.forecast.models.PROPHET_PRIORS`.
    include_incomplete
        Fit on the incomplete last years too.
    model
        A key of :data:`core.forecast.models.CANDIDATES`; None: the model the rolling
        backtest picks from :data:`core.forecast.models.AUTO_POOL`
        (:func:`run_segments`). A model outside the pool (Prophet) is backtested beside
        it only when asked for here.
    samples
        Unused since the bands stopped coming from Prophet's draws (issue 13); kept so
        that settings written with it still work.
    seed
        Seed of the backtest's bootstrap.

    Raises
    ------
    ValueError
        ``model`` is neither None nor a candidate.

    Examples
    --------
    >>> ForecastSettings(model="theta").model
    'theta'
    >>> ForecastSettings(model="arima")
    Traceback (most recent call last):
    ...
    ValueError: unknown model 'arima'; choose from naive, drift, prophet, ets, theta
    """

    horizon: int = 3
    changepoint_prior_scale: float | None = None
    include_incomplete: bool = False
    model: str | None = None
    samples: int = 1000
    seed: int = 0

    def __post_init__(self) -> None:
        """Refuse a model that is not a candidate (see Raises)."""
        if self.model is not None:
            check_model(self.model)


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
        Counts indexed by consecutive years (from
        :func:`core.forecast.series.yearly_counts`).
    segment
        The key of the segment (for labels).
    incomplete
        Years to treat as incomplete (from
        :func:`core.forecast.series.detect_incomplete_years`).
    settings
        Horizon and whether incomplete years are used.
    model, prior
        A key of :data:`core.forecast.models.CANDIDATES` and Prophet's changepoint prior
        (default ``settings.changepoint_prior_scale`` or 0.05).

    Returns
    -------
    SegmentForecast
        With ``fitted=False`` and a sentence in ``message`` when there are fewer than
        :data:`core.forecast.series.MIN_FIT_YEARS` years to fit.

    Raises
    ------
    ValueError
        ``segment`` is not a key of :data:`core.forecast.series.SEGMENTS`, or ``model``
        not a candidate.

    Examples
    --------
    >>> counts = pd.Series([100.0, 110, 120, 130], index=range(2016, 2020))
    >>> result = forecast_segment(counts, settings=ForecastSettings(horizon=2), model="drift")
    >>> result.table.loc[result.table["is_forecast"], ["year", "yhat"]].values.tolist()
    [[2020.0, 140.0], [2021.0, 150.0]]
    """
    label = SEGMENTS[check_segments([segment])[0]].label
    model = check_model(model or settings.model or "naive")
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
    columns = list(TABLE_COLUMNS)
    table = pd.DataFrame({"year": years})
    table["y"] = counts.astype(float).reindex(years).to_numpy()
    for column in MODEL_COLUMNS:
        table[column] = np.nan
    table["is_forecast"] = table["year"].isin(future)
    table["excluded_incomplete"] = table["year"].isin(incomplete) & (
        not settings.include_incomplete
    )
    table["in_fit"] = table["year"].isin([int(y) for y in train.index])
    if len(train) < MIN_FIT_YEARS:
        message = too_few_sentence(
            label,
            len(train),
            years=[int(y) for y in train.index],
            excluded=len(counts) - len(train),
        )
        return SegmentForecast(
            segment,
            label,
            table[columns],
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
    table.loc[anchor, MODEL_COLUMNS] = float(train.iloc[-1])
    table[MODEL_COLUMNS] = table[MODEL_COLUMNS].clip(lower=0.0)
    return SegmentForecast(
        segment,
        label,
        table[columns],
        fitted=True,
        message=note,
        fit_years=[int(y) for y in train.index],
        model=model,
        prior=float(prior),
    )


def slice_backtest(
    data: YearlyData,
    /,
    *,
    segments: Sequence[str] | None = None,
    settings: ForecastSettings = ForecastSettings(),
    models: Sequence[str] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> RollingBacktest:
    """The rolling backtest of a slice's segments (complete years only, unless kept).

    The rule picks from :data:`core.forecast.models.AUTO_POOL` whatever else is tested.
    Prophet's prior is picked among :data:`core.forecast.models.PROPHET_PRIORS` unless
    ``settings.changepoint_prior_scale`` fixes it.

    Parameters
    ----------
    data
        The slice's series (:func:`core.forecast.series.prepare_segments`).
    segments
        Keys of ``data.series`` to test (default all of them).
    settings
        Horizon, incomplete years, Prophet's prior and the bootstrap's seed.
    models
        Candidates to test (keys of :data:`core.forecast.models.CANDIDATES`); default
        the pool, plus ``settings.model`` if it is outside it.
    progress
        Called with (share done, text) as the fits go.

    Raises
    ------
    ValueError
        A segment that ``data`` does not hold, or a model that is not a candidate.
    """
    keys = list(data.series) if segments is None else check_segments(segments)
    absent = [key for key in keys if key not in data.series]
    if absent:
        raise ValueError(
            f"no series for segment {absent[0]!r}; choose from {', '.join(data.series)}"
        )
    if models is None:
        extra = settings.model
        models = [*AUTO_POOL, *([extra] if extra is not None and extra not in AUTO_POOL else [])]
    for model in models:
        check_model(model)
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

    The model is ``settings.model`` if given (backtested beside the pool), else the one
    the declared rule picks (:func:`core.forecast.backtest.choose_model`) from
    :data:`core.forecast.models.AUTO_POOL` on the pooled backtest.

    Returns
    -------
    tuple
        The incomplete years, the forecasts (in ``segments`` order) and the backtest.

    Raises
    ------
    ValueError
        A key of ``segments`` is not in :data:`core.forecast.series.SEGMENTS`.
    """
    keys = check_segments(segments)
    data = prepare_segments(frame, segments=keys)
    tested = slice_backtest(data, segments=keys, settings=settings, progress=progress)
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
        for key in keys
    ]
    return data.incomplete, forecasts, tested
