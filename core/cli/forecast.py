"""The ``forecast`` sub-command: ``python -m core forecast --data FILE --horizon N --out DIR``.

Runs the rolling-origin backtest of the candidate models over the segments, picks the
model by the declared rule from the pre-declared pool (naive, drift, damped ETS, Theta;
:data:`core.forecast.models.AUTO_POOL`), as the page does, or takes ``--model`` (Prophet
too, which is then backtested beside the pool), and writes

* ``forecast.csv``: segment, year, y, yhat, yhat_lower, yhat_upper, is_forecast,
  excluded_incomplete, the 80% bounds, then ``model`` (the model of the forecast rows),
  ``horizon`` (years after the last complete year), ``coverage`` and ``coverage_95``
  (the share of backtest outcomes the 80% and 95% bands held at that horizon).
  ``yhat_lower``/``yhat_upper`` are the 95% band.
* ``backtest.csv``: one row per backtest forecast: segment, model, origin (the last
  training year), horizon, actual, forecast, lower/upper 80 and 95, and scale (the MASE
  denominator), so anyone can recompute the scores.

Observed counts (and backtest actuals) from 1 to k-1 are left empty, with the model
values of those years (and the backtest forecasts from an origin year with such a count,
since a naive forecast repeats it); k is at least the operator's floor (``CTDC_MIN_K``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.load import load_cached
from core.export import csv_bytes
from core.forecast.backtest import ROW_COLUMNS
from core.forecast.models import CANDIDATES
from core.forecast.run import ForecastSettings, run_segments
from core.forecast.series import DEFAULT_SEGMENTS, SEGMENTS, available_segments, hide_small_bases
from core.forecast.words import coverage_sentence, rolling_sentence
from core.privacy import effective_k, floor_k, protect

__all__ = ["BACKTEST_COLUMNS", "FORECAST_COLUMNS", "configure", "run"]

FORECAST_COLUMNS = [
    "segment",
    "year",
    "y",
    "yhat",
    "yhat_lower",
    "yhat_upper",
    "is_forecast",
    "excluded_incomplete",
    "yhat_lower_80",
    "yhat_upper_80",
    "model",
    "horizon",
    "coverage",
    "coverage_95",
]
BACKTEST_COLUMNS = ROW_COLUMNS
MAX_HORIZON = 10


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core forecast``."""
    parser.description = (
        "Forecasts of yearly registrations by segment: a rolling backtest "
        "of naive, drift, damped exponential smoothing and Theta picks the "
        "model by the declared rule (Prophet with --model prophet), with "
        "calibrated 80% and 95% bands."
    )
    parser.add_argument("--data", required=True, help="a CTDC data file (any release)")
    parser.add_argument(
        "--horizon",
        type=int,
        default=3,
        help=f"years to forecast after the last complete year, 1-{MAX_HORIZON} (default 3)",
    )
    parser.add_argument("--out", required=True, help="folder for forecast.csv and backtest.csv")
    parser.add_argument(
        "--segments",
        default=",".join(DEFAULT_SEGMENTS),
        help="comma-separated, from: "
        + ", ".join(SEGMENTS)
        + f" (default {','.join(DEFAULT_SEGMENTS)})",
    )
    parser.add_argument(
        "--include-incomplete",
        action="store_true",
        help="fit on the incomplete recent years too (left out by default)",
    )
    parser.add_argument(
        "--model",
        choices=CANDIDATES,
        default=None,
        help="forecast with this model, backtested beside the pool (default: the one "
        "the declared rule picks from naive, drift, ets and theta)",
    )
    parser.add_argument(
        "--changepoint-prior-scale",
        type=float,
        default=None,
        help="fix Prophet's trend flexibility with --model prophet (default: chosen by "
        "the backtest among 0.05 and 0.5)",
    )
    parser.add_argument(
        "--k",
        default=None,
        help="leave out counts below k (default and minimum: the operator's "
        "floor CTDC_MIN_K, 10 unless set)",
    )


def _fail(message: str) -> int:
    print(f"error: {message}")
    return 2


def run(args: argparse.Namespace) -> int:
    """Back-test, choose, forecast and write the two files; returns the exit code."""
    if not 1 <= args.horizon <= MAX_HORIZON:
        return _fail(f"--horizon must be between 1 and {MAX_HORIZON} years (got {args.horizon}).")
    if args.changepoint_prior_scale is not None and not args.changepoint_prior_scale > 0:
        return _fail("--changepoint-prior-scale must be above 0 (try 0.05).")
    floor = floor_k()
    k, raised = effective_k(args.k, floor)
    if raised:
        print(
            f"note: --k {args.k} is below the floor {floor} (CTDC_MIN_K) or not a whole "
            f"number; {k} is used."
        )
    wanted = [s.strip() for s in args.segments.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SEGMENTS]
    if unknown or not wanted:
        return _fail(
            f"unknown segment(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(SEGMENTS)}."
        )
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _fail(f"cannot create the output folder {out}: {exc.strerror or exc}.")

    frame = load_cached(args.data).frame
    present = available_segments(frame)
    missing = [s for s in wanted if s not in present]
    for key in missing:
        print(
            f"note: {SEGMENTS[key].label}: this file has no {SEGMENTS[key].column} column; skipped."
        )
    wanted = [s for s in wanted if s in present]
    settings = ForecastSettings(
        horizon=args.horizon,
        changepoint_prior_scale=args.changepoint_prior_scale,
        include_incomplete=args.include_incomplete,
        model=args.model,
    )
    incomplete, forecasts, tested = run_segments(frame, segments=wanted, settings=settings)
    forecasts = hide_small_bases(forecasts, k=k)
    if incomplete:
        state = "kept in the fit" if args.include_incomplete else "left out of the fit"
        print(
            f"incomplete years: {', '.join(map(str, incomplete))} ({state}); completing "
            "them (nowcasting) would need counts from several CTDC releases"
        )
    model = args.model or tested.chosen
    print(rolling_sentence(tested, model=args.model))
    if sentence := coverage_sentence(tested, model=model):
        print(sentence)

    coverage = (
        tested.coverage[tested.coverage["model"] == model].set_index("horizon")
        if (tested.ran)
        else pd.DataFrame(columns=["coverage_80", "coverage_95"])
    )
    parts = []
    for result in forecasts:
        table = result.table.copy()
        table.insert(0, "segment", result.segment)
        last_fit = max(result.fit_years) if result.fit_years else None
        future = table["is_forecast"] & result.fitted
        table["model"] = np.where(future, result.model, "")
        table["horizon"] = (table["year"] - last_fit).where(future) if last_fit else np.nan
        table["coverage"] = table["horizon"].map(coverage["coverage_80"]).astype(float)
        table["coverage_95"] = table["horizon"].map(coverage["coverage_95"]).astype(float)
        parts.append(table)
        if result.message:
            print(f"note: {result.message}")
    forecast = (
        pd.concat(parts, ignore_index=True)[FORECAST_COLUMNS]
        if parts
        else (pd.DataFrame(columns=FORECAST_COLUMNS))
    )
    forecast["y"] = forecast["y"].astype("Int64")
    forecast["horizon"] = forecast["horizon"].astype("Int64")
    model_columns = ["yhat", "yhat_lower", "yhat_upper", "yhat_lower_80", "yhat_upper_80"]
    forecast[model_columns] = forecast[model_columns].astype(float).round(1)
    forecast[["coverage", "coverage_95"]] = forecast[["coverage", "coverage_95"]].round(3)
    # The forecast years' model values do not depend on that year's (incomplete) count;
    # the last fitted year's do (the forecast line starts at it), so only those go too.
    future = forecast["is_forecast"].astype(bool)
    forecast = pd.concat(
        [
            protect(
                forecast[~future],
                count_columns=["y"],
                k=k,
                for_export=True,
                dependent_columns=model_columns,
            ),
            protect(forecast[future], count_columns=["y"], k=k, for_export=True),
        ]
    ).sort_index()
    backtests = (
        tested.rows[BACKTEST_COLUMNS].copy()
        if tested.ran
        else (pd.DataFrame(columns=BACKTEST_COLUMNS))
    )
    bounds = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95", "scale"]
    backtests[bounds] = backtests[bounds].astype(float).round(2)
    backtests["actual"] = backtests["actual"].astype("Int64")
    # A naive forecast is the origin year's count: a small one marks the row too.
    counts = {r.segment: r.table.set_index("year")["y"] for r in forecasts}
    backtests["origin_count"] = [
        counts[seg].get(int(o), np.nan)
        for seg, o in zip(backtests["segment"], backtests["origin"], strict=True)
    ]
    backtests = protect(
        backtests,
        count_columns=["actual", "origin_count"],
        k=k,
        for_export=True,
        dependent_columns=bounds,
    )[BACKTEST_COLUMNS]
    (out / "forecast.csv").write_bytes(csv_bytes(forecast))
    (out / "backtest.csv").write_bytes(csv_bytes(backtests))
    print(
        f"wrote {out / 'forecast.csv'} ({len(forecast)} rows) and "
        f"{out / 'backtest.csv'} ({len(backtests)} rows)"
    )
    return 0
