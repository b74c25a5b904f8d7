"""The forecast command's two files under attack (issue 12): the routes through the
backtest's drift forecasts and MASE scales are found on a leaky copy and closed in the
files the command writes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from core.audit.attack import attack_screen
from core.audit.command_screens import command_cells
from core.forecast.export import command_tables, run_command
from core.forecast.protect import base_years, hide_small_bases
from core.forecast.run import ForecastSettings, forecast_segment

K = 10
# A group whose recording starts with 3 records, then grows: the first year is small.
COUNTS = [3, 40, 55, 61, 70, 66, 80, 95, 90, 104, 120, 118, 131, 140, 150, 149]


def _frame(counts: list[int] = COUNTS) -> pd.DataFrame:
    years = np.repeat(np.arange(2000, 2000 + len(counts)), counts)
    return pd.DataFrame(
        {
            "yearOfRegistration": pd.array(years, dtype="Int16"),
            "gender": "Female",
            "majorityStatusAtExploit": "Adult",
        }
    )


@pytest.fixture(scope="module")
def run():
    return run_command(_frame(), segments=["all"], settings=ForecastSettings(horizon=3))


def test_the_written_files_leave_nothing_to_recover(run):
    truth, shown = command_tables(run, k=1), command_tables(run, k=K)
    assert pd.isna(shown.forecast["y"].iloc[0])  # the first year's 3 is withheld
    found, checked = attack_screen(command_cells(run, truth, shown), k=K)
    assert checked >= 1
    assert found == []
    # every backtest row is fitted on the first year: none writes its values
    assert shown.backtest["forecast"].isna().all()
    assert shown.backtest["scale"].isna().all()
    # the actuals are all 10 or more: none is withheld
    assert shown.backtest["actual"].notna().sum() == truth.backtest["actual"].notna().sum() > 0


def test_a_leaky_backtest_gives_the_first_year_away(run):
    # The backtest as written before issue 12's last route was closed: every row's
    # forecast, bands and scale, with only small counts themselves left empty.
    truth, shown = command_tables(run, k=1), command_tables(run, k=K)
    leaky = dataclasses.replace(shown, backtest=truth.backtest)
    found, _ = attack_screen(command_cells(run, truth, leaky), k=K)
    cells = {r.cell for r in found}
    assert "forecast.csv | row 1 | y" in cells
    kinds = {kind for r in found for kind in r.kinds}
    assert any("drift" in kind for kind in kinds)


def test_scales_alone_give_the_first_year_away():
    # A frozen leaky copy: the small count alone withheld (no protector), and only the
    # MASE scales of the backtest left in (no forecasts). Recording starts with 3
    # records and none the next year: the first window's scale less its changes between
    # shown counts gives |0 - y|, and y = 3 is the only way at least 0.
    counts = [3, 0, *COUNTS[1:]]
    run = run_command(_frame(counts), segments=["all"], settings=ForecastSettings(horizon=3))
    truth, shown = command_tables(run, k=1), command_tables(run, k=K)
    forecast = truth.forecast.copy()
    forecast.loc[0, "y"] = pd.NA
    backtest = shown.backtest.copy()
    backtest["scale"] = truth.backtest["scale"]
    leaky = dataclasses.replace(shown, forecast=forecast, backtest=backtest)
    found, _ = attack_screen(command_cells(run, truth, leaky), k=K)
    assert {r.cell for r in found} == {"forecast.csv | row 1 | y"}
    assert all(any("scales" in k for k in r.kinds) for r in found)
    found, _ = attack_screen(command_cells(run, truth, shown), k=K)
    assert found == []


def test_drift_hides_a_forecast_whose_first_year_is_small():
    series = pd.Series([float(c) for c in COUNTS], index=range(2000, 2000 + len(COUNTS)))
    drift = forecast_segment(series, model="drift")
    naive = forecast_segment(series, model="naive")
    assert base_years(drift) == [2000, 2015]
    assert base_years(naive) == [2015]
    hidden_drift, kept_naive = hide_small_bases([drift, naive], k=K)
    assert not hidden_drift.fitted
    assert "first fitted year" in hidden_drift.message
    assert hidden_drift.table["yhat"].isna().all()
    assert kept_naive.fitted  # the naive forecast repeats 149 and says nothing of 3
