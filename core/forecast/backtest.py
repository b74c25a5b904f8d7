"""Rolling-origin backtest of the candidate models, and the declared rule that picks one.

Every year with at least :data:`MIN_TRAIN_YEARS` complete years up to it is an origin:
each candidate is fitted on the years up to the origin and forecasts horizons 1..H,
scored against the years that followed. Errors are scaled as MASE (the error divided by
the training series' mean year-on-year change, so groups of any size pool), and each
model's pooled MASE is compared with the naive forecast's, with a 95% interval from a
bootstrap over origins (an origin's forecasts of all groups and horizons move together).

The rule (:func:`choose_model`): among the pre-declared pool
(:data:`core.forecast.models.AUTO_POOL`: naive, drift, damped ETS, Theta) the candidates
whose ratio's interval lies below 1, and of those the one with the lowest pooled MASE;
if there is none, the naive forecast. A model outside the pool (Prophet) can be
backtested beside them, but is never picked by the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.forecast.models import (
    AUTO_POOL,
    PROPHET_PRIORS,
    check_model,
    log_random_walk_bands,
    model_label,
    point_forecast,
    step_sd,
)

__all__ = [
    "BOOTSTRAP_DRAWS",
    "MIN_TRAIN_YEARS",
    "ROW_COLUMNS",
    "RollingBacktest",
    "backtest_rows",
    "choose_model",
    "coverage_by_horizon",
    "mase",
    "mase_scale",
    "ratio_interval",
    "rolling_backtest",
    "score_models",
    "summarise",
]

MIN_TRAIN_YEARS = 8
BOOTSTRAP_DRAWS = 2000
ROW_COLUMNS = [
    "segment",
    "model",
    "origin",
    "horizon",
    "actual",
    "forecast",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "scale",
]


def mase_scale(train: Sequence[float] | np.ndarray, /) -> float:
    """Mean absolute year-on-year change of the training series (the MASE yardstick).

    Examples
    --------
    >>> mase_scale([10, 14, 12])
    3.0
    """
    y = np.asarray(train, dtype=float)
    return float(np.mean(np.abs(np.diff(y)))) if len(y) > 1 else float("nan")


def mase(actual: Sequence[float], forecast: Sequence[float], /, *, scale: float) -> float:
    """Mean absolute scaled error: mean ``|actual - forecast| / scale``.

    Examples
    --------
    >>> mase([10, 20], [12, 17], scale=2.5)
    1.0
    """
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    return float(np.mean(np.abs(a - f)) / scale) if len(a) and scale > 0 else float("nan")


def ratio_interval(
    model_by_origin: np.ndarray,
    naive_by_origin: np.ndarray,
    /,
    *,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Ratio of summed scaled errors (model / naive) and its 95% bootstrap interval.

    Each argument holds, per origin, the sum of the scaled errors of all the forecasts
    made from that origin (every group and horizon); origins are resampled with
    replacement ``draws`` times and the 2.5th and 97.5th percentiles are returned.

    Examples
    --------
    >>> ratio_interval(np.array([1.0, 1.0]), np.array([2.0, 2.0]))
    (0.5, 0.5, 0.5)
    """
    m = np.asarray(model_by_origin, dtype=float)
    n = np.asarray(naive_by_origin, dtype=float)
    if len(m) == 0 or n.sum() <= 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(m), size=(draws, len(m)))
    # a resample of origins where repeating the last year was never off gives an
    # infinite ratio (on a tiny slice); the percentiles then read inf or NaN, quietly
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = m[picks].sum(axis=1) / n[picks].sum(axis=1)
        low, high = np.nanpercentile(ratios, [2.5, 97.5])
    return float(m.sum() / n.sum()), float(low), float(high)


def score_models(rows: pd.DataFrame, /, *, seed: int = 0) -> pd.DataFrame:
    """Pooled MASE, MAPE and the ratio to naive (with its interval) of each model in ``rows``.

    ``rows`` has the :data:`ROW_COLUMNS`, the same (segment, origin, horizon) cells for
    every model, and a ``"naive"`` model. Rows with no actual or a zero scale are left out.
    """
    scored = rows[rows["actual"].notna() & (rows["scale"] > 0)].copy()
    scored["scaled"] = (scored["actual"] - scored["forecast"]).abs() / scored["scale"]
    positive = scored["actual"] > 0
    scored["pct"] = np.where(
        positive,
        (scored["actual"] - scored["forecast"]).abs() / scored["actual"].where(positive, 1.0) * 100,
        np.nan,
    )
    by_origin = scored.pivot_table(
        index="origin", columns="model", values="scaled", aggfunc="sum", observed=True
    )
    out = []
    for model, part in scored.groupby("model", sort=False):
        ratio, low, high = ratio_interval(
            by_origin[model].to_numpy(), by_origin["naive"].to_numpy(), seed=seed
        )
        out.append(
            {
                "model": model,
                "mase": float(part["scaled"].mean()),
                "mape": float(part["pct"].mean()),
                "ratio": ratio,
                "ratio_low": low,
                "ratio_high": high,
                "forecasts": len(part),
                "origins": int(part["origin"].nunique()),
            }
        )
    return pd.DataFrame(
        out,
        columns=[
            "model",
            "mase",
            "mape",
            "ratio",
            "ratio_low",
            "ratio_high",
            "forecasts",
            "origins",
        ],
    )


def choose_model(scores: pd.DataFrame, /, *, pool: Sequence[str] = AUTO_POOL) -> str:
    """The declared rule: among the models of ``pool`` whose ratio to naive has a 95%
    upper bound below 1 (they beat naive by more than chance), the one with the lowest
    pooled MASE; ``"naive"`` when there is none. Models of ``scores`` outside ``pool``
    are never picked.

    Examples
    --------
    >>> s = pd.DataFrame({"model": ["naive", "drift", "theta"], "mase": [1.0, 0.9, 0.95],
    ...                   "ratio_high": [1.0, 0.97, 0.99]})
    >>> choose_model(s)
    'drift'
    >>> choose_model(s.assign(ratio_high=[1.0, 1.02, 0.99]))  # drift is not sure; theta is
    'theta'
    >>> choose_model(s.assign(ratio_high=[1.0, 1.02, 1.01]))
    'naive'
    >>> choose_model(s, pool=("naive", "theta"))  # drift is not in the pool
    'theta'
    """
    for model in pool:
        check_model(model)
    eligible = scores[
        (scores["model"] != "naive")
        & scores["model"].isin(list(pool))
        & scores["mase"].notna()
        & (scores["ratio_high"] < 1)
    ]
    if eligible.empty:
        return "naive"
    return str(eligible.set_index("model")["mase"].idxmin())


def coverage_by_horizon(rows: pd.DataFrame, /) -> pd.DataFrame:
    """Share of outcomes inside each model's 80% and 95% bands, per horizon.

    Examples
    --------
    >>> r = pd.DataFrame({"model": "naive", "horizon": [1, 1], "actual": [5.0, 9.0],
    ...                   "lower_80": 4.0, "upper_80": 6.0, "lower_95": 3.0, "upper_95": 9.0})
    >>> coverage_by_horizon(r)[["coverage_80", "coverage_95"]].iloc[0].tolist()
    [0.5, 1.0]
    """
    known = rows[rows["actual"].notna()]
    a = known["actual"]
    inside = known.assign(
        coverage_80=((known["lower_80"] <= a) & (a <= known["upper_80"])).astype(float),
        coverage_95=((known["lower_95"] <= a) & (a <= known["upper_95"])).astype(float),
    )
    return (
        inside.groupby(["model", "horizon"], sort=False)
        .agg(
            coverage_80=("coverage_80", "mean"),
            coverage_95=("coverage_95", "mean"),
            forecasts=("actual", "size"),
        )
        .reset_index()
    )


@dataclass
class RollingBacktest:
    """The rolling backtest of one slice: every forecast, the scores and the choice.

    ``rows`` holds one row per (segment, model, origin, horizon) (Prophet with the
    chosen prior only; a future horizon has no actual); ``scores`` one row per model;
    ``coverage`` the bands' coverage per model and horizon; ``chosen`` the model the
    rule picked from ``pool``; ``prior`` Prophet's changepoint prior picked by the
    backtest; ``prior_scores`` Prophet's pooled MASE per prior tried.
    """

    rows: pd.DataFrame
    scores: pd.DataFrame
    coverage: pd.DataFrame
    chosen: str
    prior: float
    prior_scores: dict[float, float]
    horizon: int
    segments: list[str]
    pool: tuple[str, ...] = AUTO_POOL

    @property
    def ran(self) -> bool:
        """Whether any forecast could be scored (enough complete years)."""
        return not self.scores.empty

    def score(self, model: str, column: str) -> float:
        """One score of one model (a column of ``scores``); NaN if it was not scored."""
        hit = self.scores.loc[self.scores["model"] == model, column]
        return float(hit.iloc[0]) if len(hit) else float("nan")

    def label(self, model: str) -> str:
        """The model's plain words (Prophet with the prior the backtest picked)."""
        return model_label(model, prior=self.prior if model == "prophet" else None)


_Progress = Callable[[float, str], None]


def backtest_rows(
    series: Mapping[str, pd.Series],
    /,
    *,
    horizon: int = 3,
    models: Sequence[str] = AUTO_POOL,
    priors: Sequence[float] = PROPHET_PRIORS,
    min_train: int = MIN_TRAIN_YEARS,
    progress: _Progress | None = None,
    jobs: int = 2,
) -> pd.DataFrame:
    """Every backtest forecast: each model (Prophet once per prior) at every origin.

    Returns the :data:`ROW_COLUMNS` plus ``prior`` (0 for the models without one). The
    rows of separate calls (e.g. one per segment, as the page caches them) can be
    concatenated and passed to :func:`summarise`. Arguments as in :func:`rolling_backtest`.

    Raises
    ------
    ValueError
        A model that is not one of :data:`core.forecast.models.CANDIDATES`.
    """
    models = ["naive", *[check_model(m) for m in models if m != "naive"]]
    tasks: list[tuple[str, str, float, pd.Series, int]] = []
    for key, counts in series.items():
        values = counts.astype(float)
        for end in range(min_train, len(values)):
            train = values.iloc[:end]
            for model in models:
                for prior in priors if model == "prophet" else (0.0,):
                    tasks.append((key, model, prior, train, end))
    columns = [*ROW_COLUMNS[:2], "prior", *ROW_COLUMNS[2:]]
    if not tasks:
        return pd.DataFrame(columns=columns)

    def run(task: tuple[str, str, float, pd.Series, int]) -> np.ndarray:
        _key, model, prior, train, _end = task
        return point_forecast(model, train, horizon=horizon, prior=prior)

    points: dict[int, np.ndarray] = {}

    def keep(task: tuple[str, str, float, pd.Series, int], point: np.ndarray) -> None:
        # Progress is reported from the calling thread only (Streamlit needs its context).
        points[id(task)] = point
        if progress is not None and len(points) % 10 == 0:
            progress(len(points) / len(tasks), f"backtest fit {len(points)} of {len(tasks)}")

    from threadpoolctl import threadpool_limits

    slow = [t for t in tasks if t[1] == "prophet"]
    # Ten-point series gain nothing from BLAS threads, and on a shared machine their
    # spinning made the statsmodels fits 5-8 times slower (issue 13's benchmark).
    with threadpool_limits(limits=1):
        if slow:
            with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
                for task, point in zip(slow, pool.map(run, slow), strict=True):
                    keep(task, point)
        for task in tasks:
            if task[1] != "prophet":
                keep(task, run(task))

    records = []
    for task in tasks:
        key, model, prior, train, end = task
        counts = series[key]
        point = points[id(task)]
        sd = step_sd(train)
        bands = {
            level: log_random_walk_bands(
                point, sd, level=level, n_train=len(train), drift=model == "drift"
            )
            for level in (80, 95)
        }
        scale = mase_scale(train.to_numpy())
        origin = int(train.index[-1])
        for h in range(1, horizon + 1):
            at = end - 1 + h
            actual = float(counts.iloc[at]) if at < len(counts) else np.nan
            records.append(
                (
                    key,
                    model,
                    prior,
                    origin,
                    h,
                    actual,
                    float(point[h - 1]),
                    float(bands[80][0][h - 1]),
                    float(bands[80][1][h - 1]),
                    float(bands[95][0][h - 1]),
                    float(bands[95][1][h - 1]),
                    scale,
                )
            )
    return pd.DataFrame.from_records(records, columns=columns)


def summarise(
    rows: pd.DataFrame,
    /,
    *,
    horizon: int,
    priors: Sequence[float] = PROPHET_PRIORS,
    seed: int = 0,
    pool: Sequence[str] = AUTO_POOL,
) -> RollingBacktest:
    """Pick Prophet's prior, score the models and apply the rule (choosing from ``pool``),
    from :func:`backtest_rows`."""
    pool = tuple(check_model(m) for m in pool)
    segments = list(dict.fromkeys(rows["segment"]))
    chosen_prior = float(priors[0]) if priors else 0.05
    if rows.empty or not rows["actual"].notna().any():
        return RollingBacktest(
            rows.reindex(columns=ROW_COLUMNS),
            pd.DataFrame(),
            pd.DataFrame(),
            "naive",
            chosen_prior,
            {},
            horizon,
            segments,
            pool,
        )
    prior_scores: dict[float, float] = {}
    if (rows["model"] == "prophet").any():
        for prior in sorted(set(rows.loc[rows["model"] == "prophet", "prior"])):
            part = rows[(rows["model"] != "prophet") | (rows["prior"] == prior)]
            s = score_models(part[ROW_COLUMNS], seed=seed)
            hit = s.loc[s["model"] == "prophet", "mase"]
            prior_scores[float(prior)] = float(hit.iloc[0]) if len(hit) else float("nan")
        chosen_prior = min(prior_scores, key=lambda p: (prior_scores[p], p))
        rows = rows[(rows["model"] != "prophet") | (rows["prior"] == chosen_prior)]
    rows = rows[ROW_COLUMNS].reset_index(drop=True)
    scores = score_models(rows, seed=seed)
    chosen = choose_model(scores, pool=pool) if not scores.empty else "naive"
    return RollingBacktest(
        rows,
        scores,
        coverage_by_horizon(rows),
        chosen,
        chosen_prior,
        prior_scores,
        horizon,
        segments,
        pool,
    )


def rolling_backtest(
    series: Mapping[str, pd.Series],
    /,
    *,
    horizon: int = 3,
    models: Sequence[str] = AUTO_POOL,
    priors: Sequence[float] = PROPHET_PRIORS,
    min_train: int = MIN_TRAIN_YEARS,
    seed: int = 0,
    progress: _Progress | None = None,
    jobs: int = 2,
    pool: Sequence[str] = AUTO_POOL,
) -> RollingBacktest:
    """Fit every model at every origin of every segment's series and score them.

    Parameters
    ----------
    series
        Segment key -> complete-year counts (indexed by consecutive years; incomplete
        years already left out).
    horizon
        Horizons 1..``horizon`` after each origin are forecast.
    models
        Candidates to backtest (keys of :data:`core.forecast.models.CANDIDATES`;
        default the pool); ``"naive"`` is always included, as the yardstick.
    priors
        Prophet's changepoint priors to try; the one with the lowest pooled MASE is kept.
    min_train
        Training years an origin needs.
    seed
        Seed of the bootstrap.
    progress
        Called with (share done, text) as the fits go.
    jobs
        Prophet fits run this many at a time (most of a fit waits on CmdStan).
    pool
        The models the rule may pick (default :data:`core.forecast.models.AUTO_POOL`);
        a model backtested outside it is scored but never chosen.

    Raises
    ------
    ValueError
        A model that is not one of :data:`core.forecast.models.CANDIDATES`.
    """
    rows = backtest_rows(
        series,
        horizon=horizon,
        models=models,
        priors=priors,
        min_train=min_train,
        progress=progress,
        jobs=jobs,
    )
    result = summarise(rows, horizon=horizon, priors=priors, seed=seed, pool=pool)
    result.segments = list(series)
    return result
