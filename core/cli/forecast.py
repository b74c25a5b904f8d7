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
  denominator), so anyone can recompute the scores of the rows whose values are
  written (see below: a row fitted on a withheld count is not).

Protected as :mod:`core.forecast.export` says: observed counts (and backtest actuals)
from 1 to k-1 are left empty, with any count that would give one away by the sums of a
year's groups; a forecast that starts from such a count is not written, nor a backtest
forecast, band or scale fitted on one. k is at least the operator's floor
(``CTDC_MIN_K``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.data.load import load_cached
from core.export import csv_bytes
from core.forecast.export import BACKTEST_COLUMNS, FORECAST_COLUMNS, command_tables, run_command
from core.forecast.models import CANDIDATES
from core.forecast.run import ForecastSettings
from core.forecast.series import DEFAULT_SEGMENTS, SEGMENTS, available_segments
from core.forecast.words import coverage_sentence, rolling_sentence
from core.privacy import effective_k, floor_k

__all__ = ["BACKTEST_COLUMNS", "FORECAST_COLUMNS", "configure", "run"]

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
    done = run_command(frame, segments=wanted, settings=settings)
    if done.incomplete:
        state = "kept in the fit" if args.include_incomplete else "left out of the fit"
        print(
            f"incomplete years: {', '.join(map(str, done.incomplete))} ({state}); completing "
            "them (nowcasting) would need counts from several CTDC releases"
        )
    print(rolling_sentence(done.tested, model=args.model))
    if sentence := coverage_sentence(done.tested, model=done.model):
        print(sentence)
    tables = command_tables(done, k=k)
    for note in tables.notes:
        print(note)
    if tables.withheld:
        print(
            f"note: {tables.withheld} observed count(s) left empty: below {k}, or one "
            f"that would give such a count away by the sums of a year's groups."
        )
    forecast, backtests = tables.forecast, tables.backtest
    (out / "forecast.csv").write_bytes(csv_bytes(forecast))
    (out / "backtest.csv").write_bytes(csv_bytes(backtests))
    print(
        f"wrote {out / 'forecast.csv'} ({len(forecast)} rows) and "
        f"{out / 'backtest.csv'} ({len(backtests)} rows)"
    )
    return 0
