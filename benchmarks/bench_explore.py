"""Explore page timing: ``explore_page_s``, an AppTest run of pages/1_Explore.py with a
warm cache (the page is run once first, then a fresh AppTest run is timed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.timing import page_seconds

__all__ = ["measure"]


def measure(path: Path, frame: pd.DataFrame) -> dict[str, float]:
    """Seconds for a warm-cache AppTest run of the Explore page on ``path``.

    ``frame`` is unused: the page loads the file itself, as a user's session would.
    """
    del frame
    return {"explore_page_s": page_seconds("pages/1_Explore.py", path)}
