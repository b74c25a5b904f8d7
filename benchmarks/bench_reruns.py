"""Time from a widget change to the finished rerun, per page (AppTest, warm cache).

Each page is run once (data loaded, analyses cached), then one control of that page is
flipped between two values; the median of the timed reruns is reported as
``rerun_<page>_<control>_s``, and their 95th percentile as ``..._p95_s``. AppTest reruns
the whole script even for a widget inside an ``st.fragment`` (the forecast's horizon is
one), so these are full-page reruns; ``bench_fragments.py`` times fragment reruns in a
browser.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.timing import ROOT, data_file

__all__ = ["CONTROLS", "measure"]

REPEAT = 6


def _set(kind: str, key: str, values: tuple[Any, Any]) -> Callable[[Any, int], None]:
    def change(at: Any, i: int) -> None:
        widget = getattr(at, kind)(key=key)
        value = values[i % 2]
        if kind == "text_input":
            widget.input(value).run()
        else:
            widget.set_value(value).run()

    return change


# page script -> (control name, how to change it); sidebar filters are read from at.sidebar
CONTROLS: dict[str, tuple[str, Callable[[Any, int], None]]] = {
    "Home.py": (
        "gender_filter",
        lambda at, i: at.sidebar.multiselect(key="gender").set_value([["Male"], []][i % 2]).run(),
    ),
    "pages/1_Explore.py": ("sankey_flows", _set("slider", "exp_sankey_n", (20, 12))),
    "pages/2_Who_is_most_at_risk.py": (
        "derived_majority",
        _set("checkbox", "risk_derived", (True, False)),
    ),
    "pages/3_Hidden_populations.py": (
        "men_count",
        _set("text_input", "hid_men", ("12,000", "10,656")),
    ),
    "pages/4_Trends_and_forecast.py": (
        "forecast_horizon",
        _set("slider", "fc_horizon", (4, 3)),
    ),
    "pages/5_Clusters.py": ("clusters_k", _set("slider", "cl_k", (5, 4))),
}


def measure(path: Path, frame: pd.DataFrame) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    out: dict[str, float] = {}
    with data_file(path):
        for page, (name, change) in CONTROLS.items():
            at = AppTest.from_file(str(ROOT / page), default_timeout=900).run()
            change(at, 0)  # first change of each value: analyses cached after this
            change(at, 1)
            times = []
            for i in range(REPEAT):
                start = time.perf_counter()
                change(at, i)
                times.append(time.perf_counter() - start)
                if at.exception:
                    raise RuntimeError(f"{page}: {at.exception[0].message[:200]}")
            stem = Path(page).stem.split("_", 1)[-1].lower() if page != "Home.py" else "home"
            out[f"rerun_{stem}_{name}_s"] = statistics.median(times)
            out[f"rerun_{stem}_{name}_p95_s"] = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    return out
