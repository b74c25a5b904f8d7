"""The ``forecast`` sub-command: ``python -m core forecast --data FILE --horizon N --out DIR``.

Writes ``forecast.csv`` (segment, year, y, yhat, yhat_lower, yhat_upper, is_forecast,
excluded_incomplete, then the 80% bounds) and ``backtest.csv`` (segment, model, mae,
mape, holdout_years). ``yhat_lower``/``yhat_upper`` are the 95% interval. Observed
counts from 1 to k-1 (and the model values of those years) are left empty.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from core.cli import register
from core.export import csv_bytes
from core.filters import DEFAULT_SMALL_CELL
from core.forecast import (
    DEFAULT_SEGMENTS,
    SEGMENTS,
    ForecastSettings,
    available_segments,
    backtest_sentence,
    run_segments,
)
from core.load import load_cached
from core.privacy import protect

__all__ = ["BACKTEST_COLUMNS", "FORECAST_COLUMNS", "configure", "run"]

FORECAST_COLUMNS = ["segment", "year", "y", "yhat", "yhat_lower", "yhat_upper", "is_forecast",
                    "excluded_incomplete", "yhat_lower_80", "yhat_upper_80"]
BACKTEST_COLUMNS = ["segment", "model", "mae", "mape", "holdout_years"]
MAX_HORIZON = 10


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core forecast``."""
    parser.description = ("Prophet forecasts of yearly registrations by segment, with a "
                          "backtest against a naive forecast and a straight line.")
    parser.add_argument("--data", required=True, help="a CTDC data file (any release)")
    parser.add_argument("--horizon", type=int, default=3,
                        help=f"years to forecast past the data, 1-{MAX_HORIZON} (default 3)")
    parser.add_argument("--out", required=True, help="folder for forecast.csv and backtest.csv")
    parser.add_argument("--segments", default=",".join(DEFAULT_SEGMENTS),
                        help="comma-separated, from: " + ", ".join(SEGMENTS)
                        + f" (default {','.join(DEFAULT_SEGMENTS)})")
    parser.add_argument("--include-incomplete", action="store_true",
                        help="fit on the incomplete recent years too (left out by default)")
    parser.add_argument("--changepoint-prior-scale", type=float, default=0.05,
                        help="Prophet's trend flexibility (default 0.05)")
    parser.add_argument("--k", type=int, default=DEFAULT_SMALL_CELL,
                        help=f"leave out counts below k (default {DEFAULT_SMALL_CELL})")


def _fail(message: str) -> int:
    print(f"error: {message}")
    return 2


def run(args: argparse.Namespace) -> int:
    """Fit, back-test and write the two files; returns the exit code."""
    if not 1 <= args.horizon <= MAX_HORIZON:
        return _fail(f"--horizon must be between 1 and {MAX_HORIZON} years (got {args.horizon}).")
    if not args.changepoint_prior_scale > 0:
        return _fail("--changepoint-prior-scale must be above 0 (try 0.05).")
    if args.k < 1:
        return _fail("--k must be at least 1.")
    wanted = [s.strip() for s in args.segments.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SEGMENTS]
    if unknown or not wanted:
        return _fail(f"unknown segment(s) {', '.join(unknown) or '(none given)'}; "
                     f"choose from {', '.join(SEGMENTS)}.")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _fail(f"cannot create the output folder {out}: {exc.strerror or exc}.")

    frame = load_cached(args.data).frame
    present = available_segments(frame)
    missing = [s for s in wanted if s not in present]
    for key in missing:
        print(f"note: {SEGMENTS[key].label}: this file has no {SEGMENTS[key].column} column; skipped.")
    wanted = [s for s in wanted if s in present]
    settings = ForecastSettings(horizon=args.horizon,
                                changepoint_prior_scale=args.changepoint_prior_scale,
                                include_incomplete=args.include_incomplete)
    incomplete, forecasts, tests = run_segments(frame, segments=wanted, settings=settings,
                                                 k=args.k)
    if incomplete:
        state = "kept in the fit" if args.include_incomplete else "left out of the fit"
        print(f"incomplete years: {', '.join(map(str, incomplete))} ({state})")

    parts = []
    for result in forecasts:
        table = result.table.copy()
        table.insert(0, "segment", result.segment)
        parts.append(table)
        if not result.fitted:
            print(f"note: {result.message}")
    forecast = pd.concat(parts, ignore_index=True)[FORECAST_COLUMNS] if parts else (
        pd.DataFrame(columns=FORECAST_COLUMNS))
    forecast["y"] = forecast["y"].astype("Int64")
    model_columns = ["yhat", "yhat_lower", "yhat_upper", "yhat_lower_80", "yhat_upper_80"]
    forecast[model_columns] = forecast[model_columns].astype(float).round(1)
    forecast = protect(forecast, count_columns=["y"], k=args.k, for_export=True,
                       dependent_columns=model_columns)
    rows = []
    for test in tests:
        print(backtest_sentence(test))
        if test.ran:
            rows.append(test.table.assign(segment=test.segment))
    backtests = pd.concat(rows, ignore_index=True)[BACKTEST_COLUMNS] if rows else (
        pd.DataFrame(columns=BACKTEST_COLUMNS))
    backtests = backtests.round({"mae": 1, "mape": 2})
    (out / "forecast.csv").write_bytes(csv_bytes(forecast))
    (out / "backtest.csv").write_bytes(csv_bytes(backtests))
    print(f"wrote {out / 'forecast.csv'} ({len(forecast)} rows) and "
          f"{out / 'backtest.csv'} ({len(backtests)} rows)")
    return 0


register("forecast", configure, run)
