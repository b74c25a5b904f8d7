"""Benchmark of the trends and forecast page (issue 5).

``forecast_s``: a cold fit of the default segments (all, female, male, adult, minor) as
the page and the CLI do it: yearly counts, incomplete years, one Prophet fit with 1,000
interval draws and one backtest fit per segment; nothing cached, Prophet already
imported. ``forecast_page_cold_s``: an AppTest run of the page with no forecast cached
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
    """Seconds for the default segments' forecasts, and for the page with a cold cache."""
    import prophet  # noqa: F401  (the import, ~2 s once per process, is not a fit)

    settings = ForecastSettings()
    fit = median_seconds(
        lambda: run_segments(frame, segments=DEFAULT_SEGMENTS, settings=settings), repeat=3
    )
    return {
        "forecast_s": fit,
        "forecast_page_cold_s": page_seconds(PAGE, path, clear_data_cache=True),
    }
