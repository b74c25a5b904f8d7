"""Timing helpers shared by the benchmark modules: medians of repeated calls, and page
runs under AppTest on a given data file."""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ROOT", "data_file", "median_seconds", "page_seconds"]

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # pages and benchmarks import ``core`` from the project root
    sys.path.insert(0, str(ROOT))


def median_seconds(func: Callable[[], object], /, *, repeat: int = 3) -> float:
    """Median wall time of ``repeat`` calls of ``func``, in seconds."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextmanager
def data_file(path: Path) -> Iterator[None]:
    previous = os.environ.get("CTDC_DATA")
    os.environ["CTDC_DATA"] = str(path)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("CTDC_DATA", None)
        else:
            os.environ["CTDC_DATA"] = previous


def page_seconds(page: str | Path, data: Path, /, *, clear_data_cache: bool = False) -> float:
    """Seconds for an AppTest run of ``page`` on ``data``, after one untimed run.

    The first run loads the file (a cached resource, as for a user who opened another
    page first). ``clear_data_cache`` forgets the pages' ``st.cache_data`` results before
    the timed run (a cold analysis on loaded data); otherwise the timed run is warm.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    script = str(ROOT / page)
    with data_file(data):
        first = AppTest.from_file(script, default_timeout=900).run()
        if first.exception:
            raise RuntimeError(f"{page} failed: {first.exception[0].message[:200]}")
        if clear_data_cache:
            st.cache_data.clear()
        start = time.perf_counter()
        second = AppTest.from_file(script, default_timeout=900).run()
        seconds = time.perf_counter() - start
        if second.exception:
            raise RuntimeError(f"{page} failed: {second.exception[0].message[:200]}")
    return seconds
