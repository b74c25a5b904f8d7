"""Explore page timing: ``explore_page_s``, an AppTest run of pages/1_Explore.py with a
warm cache (the page is run once first, then a fresh AppTest run is timed)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pandas as pd

__all__ = ["measure"]

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "1_Explore.py"


def measure(path: Path, frame: pd.DataFrame) -> dict[str, float]:
    """Seconds for a warm-cache AppTest run of the Explore page on ``path``.

    ``frame`` is unused: the page loads the file itself, as a user's session would.
    """
    from streamlit.testing.v1 import AppTest

    if str(ROOT) not in sys.path:  # the page imports ``core`` from the project root
        sys.path.insert(0, str(ROOT))
    previous = os.environ.get("CTDC_DATA")
    os.environ["CTDC_DATA"] = str(path)
    try:
        first = AppTest.from_file(str(PAGE), default_timeout=600).run()
        if first.exception:
            raise RuntimeError(f"the Explore page failed: {first.exception[0].message[:200]}")
        start = time.perf_counter()
        second = AppTest.from_file(str(PAGE), default_timeout=600).run()
        seconds = time.perf_counter() - start
        if second.exception:
            raise RuntimeError(f"the Explore page failed: {second.exception[0].message[:200]}")
    finally:
        if previous is None:
            os.environ.pop("CTDC_DATA", None)
        else:
            os.environ["CTDC_DATA"] = previous
    return {"explore_page_s": seconds}
