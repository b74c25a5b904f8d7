"""The two files of ``python -m core forecast``, protected: ``forecast.csv`` and
``backtest.csv`` (the command writes them; the disclosure audit attacks them).

:func:`run_command` does the slow part (the rolling backtest, the choice and the
forecasts), which does not depend on the threshold; :func:`command_tables` protects and
lays out its result at a threshold ``k``:

* the observed counts go through the same complementary suppression as the page's
  table (:func:`core.forecast.protect.protect_observed`): a count of 1..k-1 is empty, and
  so is any count that would give it away by the sums of one year's groups or of the
  years; a small count and its protector read the same (both empty);
* a forecast that starts from a withheld count is not written (every method starts from
  the last complete year; drift from the first fitted year too:
  :func:`core.forecast.protect.hide_small_bases`);
* in ``backtest.csv`` a withheld year's actual is empty wherever it appears, and a row's
  forecast, bands and ``scale`` are empty when any count its training window was fitted
  on is withheld: the MASE scale is the mean absolute yearly change of that window, so
  the scales of two neighbouring origins give a year's change, and a drift forecast is
  the origin's count plus the change since the window's first year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.forecast.backtest import ROW_COLUMNS, RollingBacktest
from core.forecast.protect import hide_small_bases, protect_observed
from core.forecast.run import ForecastSettings, run_segments
from core.forecast.series import SegmentForecast, yearly_counts

__all__ = [
    "BACKTEST_COLUMNS",
    "FORECAST_COLUMNS",
    "CommandRun",
    "CommandTables",
    "command_tables",
    "run_command",
]

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
BACKTEST_COLUMNS = list(ROW_COLUMNS)
MODEL_VALUES = ["yhat", "yhat_lower", "yhat_upper", "yhat_lower_80", "yhat_upper_80"]
BACKTEST_VALUES = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95", "scale"]


@dataclass(frozen=True)
class CommandRun:
    """What the command computed, before protection (never written as it is)."""

    incomplete: list[int]
    forecasts: list[SegmentForecast]
    tested: RollingBacktest
    total: pd.Series
    records: int
    model: str


@dataclass(frozen=True)
class CommandTables:
    """The two files' tables at one threshold, and the notes the command prints."""

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    withheld: int
    notes: list[str] = field(default_factory=list)


def run_command(
    frame: pd.DataFrame, /, *, segments: Sequence[str], settings: ForecastSettings
) -> CommandRun:
    """Back-test, choose and forecast ``segments`` of ``frame`` (see :func:`run_segments`)."""
    incomplete, forecasts, tested = run_segments(frame, segments=segments, settings=settings)
    return CommandRun(
        incomplete=incomplete,
        forecasts=forecasts,
        tested=tested,
        total=yearly_counts(frame),
        records=len(frame),
        model=settings.model or tested.chosen,
    )


def _withheld_years(before: Sequence[SegmentForecast], after: Sequence[SegmentForecast]):
    """Per segment, the years whose observed count protection emptied."""
    out: dict[str, set[int]] = {}
    for b, a in zip(before, after, strict=True):
        was = b.table.set_index("year")["y"]
        now = a.table.set_index("year")["y"]
        out[b.segment] = {int(y) for y in was.index if pd.notna(was[y]) and pd.isna(now[y])}
    return out


def command_tables(run: CommandRun, /, *, k: int) -> CommandTables:
    """The protected ``forecast.csv`` and ``backtest.csv`` of one run at threshold ``k``."""
    tested = run.tested
    based = hide_small_bases(run.forecasts, k=k)
    if run.total.empty:
        protected, withheld = based, 0
    else:
        observed = protect_observed(based, total=run.total, records=run.records, k=k)
        protected, withheld = observed.results, observed.withheld
    gone = _withheld_years(run.forecasts, protected)
    notes = [f"note: {r.message}" for r in protected if r.message]

    coverage = (
        tested.coverage[tested.coverage["model"] == run.model].set_index("horizon")
        if tested.ran
        else pd.DataFrame(columns=["coverage_80", "coverage_95"])
    )
    parts = []
    for result in protected:
        table = result.table.copy()
        table.insert(0, "segment", result.segment)
        last_fit = max(result.fit_years) if result.fit_years else None
        future = table["is_forecast"] & result.fitted
        table["model"] = np.where(future, result.model, "")
        table["horizon"] = (table["year"] - last_fit).where(future) if last_fit else np.nan
        table["coverage"] = table["horizon"].map(coverage["coverage_80"]).astype(float)
        table["coverage_95"] = table["horizon"].map(coverage["coverage_95"]).astype(float)
        # The last fitted year's model values are that year's count for most methods (the
        # forecast line starts at it): they go with it. The forecast years' values do not
        # depend on their own (incomplete) count.
        hidden = table["year"].astype(int).isin(gone[result.segment]) & ~table["is_forecast"]
        table.loc[hidden, MODEL_VALUES] = np.nan
        parts.append(table)
    forecast = (
        pd.concat(parts, ignore_index=True)[FORECAST_COLUMNS]
        if parts
        else pd.DataFrame(columns=FORECAST_COLUMNS)
    )
    forecast["y"] = forecast["y"].astype("Int64")
    forecast["horizon"] = forecast["horizon"].astype("Int64")
    forecast[MODEL_VALUES] = forecast[MODEL_VALUES].astype(float).round(1)
    forecast[["coverage", "coverage_95"]] = forecast[["coverage", "coverage_95"]].round(3)

    backtest = (
        tested.rows[BACKTEST_COLUMNS].copy()
        if tested.ran
        else pd.DataFrame(columns=BACKTEST_COLUMNS)
    )
    backtest[BACKTEST_VALUES] = backtest[BACKTEST_VALUES].astype(float).round(2)
    backtest["actual"] = backtest["actual"].astype("Int64")
    if len(backtest):
        target = backtest["origin"].astype(int) + backtest["horizon"].astype(int)
        segment = backtest["segment"].astype(str)
        actual_gone = [int(t) in gone.get(s, set()) for s, t in zip(segment, target, strict=True)]
        first_gone = {s: min(years) for s, years in gone.items() if years}
        # a window runs from the series' first year to the origin: any withheld count in it
        window_gone = [
            s in first_gone and int(o) >= first_gone[s]
            for s, o in zip(segment, backtest["origin"], strict=True)
        ]
        backtest.loc[actual_gone, "actual"] = pd.NA
        backtest.loc[window_gone, BACKTEST_VALUES] = np.nan
    return CommandTables(forecast, backtest[BACKTEST_COLUMNS], withheld, notes)
