"""Benchmark of the trends and forecast page (issues 5 and 13).

``forecast_s``: ``run_segments`` on the default segments (all, female, male, adult,
minor) with the default settings, as the page and the CLI do it: yearly counts,
incomplete years, the rolling backtest of the automatic pool (naive, drift, damped ETS,
Theta; every origin with at least 8 complete years) and the forecasts; nothing cached.
``forecast_prophet_s``: the same with Prophet picked (the page's Advanced, ``--model
prophet``), which adds its backtest at two changepoint priors; Prophet already imported
for both. ``forecast_page_cold_s``: an AppTest run of the page with no forecast cached
(the data file already loaded, as after visiting another page).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.timing import median_seconds, page_seconds
from core.forecast.run import ForecastSettings, run_segments
from core.forecast.series import DEFAULT_SEGMENTS

__all__ = ["measure"]

PAGE = "pages/4_Trends_and_forecast.py"


def measure(path: Path, frame: pd.DataFrame) -> dict[str, float]:
    """Seconds for the default segments' forecasts (the pool, and with Prophet picked),
    and for the page with a cold cache."""
    import prophet  # noqa: F401  (the import, ~2 s once per process, is not a fit)

    def timed(settings: ForecastSettings) -> float:
        return median_seconds(
            lambda: run_segments(frame, segments=DEFAULT_SEGMENTS, settings=settings), repeat=3
        )

    return {
        "forecast_s": timed(ForecastSettings()),
        "forecast_prophet_s": timed(ForecastSettings(model="prophet")),
        "forecast_page_cold_s": page_seconds(PAGE, path, clear_data_cache=True),
    }
