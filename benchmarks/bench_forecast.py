"""Benchmark of the trends and forecast page (issue 5).

``forecast_s``: a cold fit of the default segments (all, female, male, adult, minor) as
the page and the CLI do it: yearly counts, incomplete years, one Prophet fit with 1,000
interval draws and one backtest fit per segment; nothing cached, Prophet already
imported. ``forecast_page_cold_s``: an AppTest run of the page with no forecast cached
(the data file already loaded, as after visiting another page).
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from core.forecast import DEFAULT_SEGMENTS, ForecastSettings, run_segments

__all__ = ["measure"]

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "4_Trends_and_forecast.py"


def _median_seconds(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _page_cold(path: Path) -> float:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    if str(ROOT) not in sys.path:  # the page imports ``core`` from the project root
        sys.path.insert(0, str(ROOT))
    previous = os.environ.get("CTDC_DATA")
    os.environ["CTDC_DATA"] = str(path)
    try:
        first = AppTest.from_file(str(PAGE), default_timeout=600).run()  # loads the data
        if first.exception:
            raise RuntimeError(f"the forecast page failed: {first.exception[0].message[:200]}")
        st.cache_data.clear()  # forget the fits, keep the loaded file (a cached resource)
        start = time.perf_counter()
        second = AppTest.from_file(str(PAGE), default_timeout=600).run()
        seconds = time.perf_counter() - start
        if second.exception:
            raise RuntimeError(f"the forecast page failed: {second.exception[0].message[:200]}")
    finally:
        if previous is None:
            os.environ.pop("CTDC_DATA", None)
        else:
            os.environ["CTDC_DATA"] = previous
    return seconds


def measure(path: Path, frame: pd.DataFrame) -> dict[str, float]:
    """Seconds for the default segments' forecasts, and for the page with a cold cache."""
    import prophet  # noqa: F401  (the import, ~2 s once per process, is not a fit)

    settings = ForecastSettings()
    fit = _median_seconds(
        lambda: run_segments(frame, segments=DEFAULT_SEGMENTS, settings=settings), repeat=3)
    return {"forecast_s": fit, "forecast_page_cold_s": _page_cold(path)}
