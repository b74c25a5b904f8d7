"""Fragment rerun against full-page rerun, per page, in a real browser (issue 11).

    python benchmarks/bench_fragments.py --data ../shared/data/CTDC_synthetic_20210825.tsv \
        [--repeat 6] [--json]

AppTest reruns the whole script even for a widget inside an ``st.fragment``, so it cannot
show what a fragment saves. Here a fresh ``streamlit run Home.py`` on 127.0.0.1 serves the
file (``CTDC_DATA``), and one headless Chromium from the OS packages (never a download)
opens each page and flips two of its controls between two values: one inside a fragment
and one that reruns the whole page. Each control is flipped four times untimed (every
analysis is then cached: warm), then ``--repeat`` times timed.

A time runs from the widget change (the browser's last click or key press before the run
starts) to the moment the app's script state is back to not running
(``[data-testid='stApp'][data-test-script-state='notRunning']``), both read in the page
with ``performance.now()``, so Playwright's own latency is not in it. Each timed change is
checked to be the run it should be: the browser's rerun request carries a fragment id
for a fragment and none for the page, read from the app's own messages. Reported per
page and control: the median and the largest of the repeats, and the fragment's median
over the page's. Bounded: local addresses only, a time limit per action and per run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_load import CHROMIUM, CHROMIUM_ARGS, IDLE, REAL_FILE, server  # noqa: E402
from core.app.page import PAGES  # noqa: E402 (after the path insert)

__all__ = ["CONTROLS", "Timing", "main", "measure", "time_fragments"]

URLS = {title: url for _script, title, url, _blurb in PAGES}
REPEAT = 6
WARMUP = 4
ACTION_TIMEOUT_MS = 60_000

# Records every change of the script state and every click or key press, with the page's
# clock, before any of the app's own code runs.
_PROBE = """
window.__ctdc = {states: [], inputs: []};
for (const kind of ['pointerdown', 'click', 'keydown']) {
  document.addEventListener(kind, () => window.__ctdc.inputs.push(performance.now()), true);
}
new MutationObserver(() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app) return;
  const state = app.getAttribute('data-test-script-state');
  const seen = window.__ctdc.states;
  if (!seen.length || seen[seen.length - 1][0] !== state) seen.push([state, performance.now()]);
}).observe(document, {subtree: true, attributes: true, childList: true,
                      attributeFilter: ['data-test-script-state']});
"""

# From the states and inputs after ``since``: the time of the last input before the run
# started, and of the first "notRunning" after it; null until both are there.
_READ = """
(since) => {
  const c = window.__ctdc;
  const states = c.states.filter(([, t]) => t > since);
  const start = states.findIndex(([s]) => s === 'running');
  if (start < 0) return null;
  const end = states.slice(start).find(([s]) => s === 'notRunning');
  if (!end) return null;
  const inputs = c.inputs.filter((t) => t > since && t <= states[start][1]);
  if (!inputs.length) return null;
  return [inputs[inputs.length - 1], end[1]];
}
"""


# --------------------------------------------------------------------------- the controls
def _label(page: Any, kind: str, label: str) -> Any:
    return page.get_by_test_id(kind).filter(
        has=page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)
    )


def _click_text(text: str) -> Callable[[Any, int], None]:
    """A checkbox, toggle or radio option: click its words (the same words flip it back)."""

    def change(page: Any, i: int) -> None:
        page.get_by_test_id("stMain").get_by_test_id("stCheckbox").get_by_text(
            text, exact=True
        ).click()

    return change


def _sidebar_text(text: str) -> Callable[[Any, int], None]:
    def change(page: Any, i: int) -> None:
        page.get_by_test_id("stSidebar").get_by_test_id("stCheckbox").get_by_text(
            text, exact=True
        ).click()

    return change


def _radio(label: str, options: tuple[str, str]) -> Callable[[Any, int], None]:
    """A radio flipped between two options, by clicking the one not chosen."""

    def change(page: Any, i: int) -> None:
        group = page.get_by_test_id("stMain").get_by_role("radiogroup", name=label)
        group.get_by_text(options[(i + 1) % 2], exact=True).click()

    return change


def _multiselect(label: str, option: str) -> Callable[[Any, int], None]:
    """Add ``option`` (even turns) or remove it again (odd turns) with the keyboard."""

    def change(page: Any, i: int) -> None:
        box = _label(page, "stMultiSelect", label)
        if i % 2 == 0:
            choice = page.get_by_role("option", name=option, exact=True)
            for attempt in range(4):  # opened from the keyboard, else by a click: either can
                if attempt % 2 == 0:  # land while the list repaints and leave it closed
                    box.locator("input").focus()
                    page.keyboard.press("ArrowDown")
                else:
                    box.locator("input").click()
                try:
                    choice.wait_for(timeout=5_000)
                    break
                except Exception:
                    page.keyboard.press("Escape")
            choice.click()
        else:
            box.locator("input").focus()
            page.keyboard.press("Backspace")

    return change


@dataclass(frozen=True)
class Control:
    name: str
    fragment: bool  # True: the control is inside a fragment; False: it reruns the page
    change: Callable[[Any, int], None]


# page title -> its two controls (a fragment's and the whole page's)
CONTROLS: dict[str, tuple[Control, Control]] = {
    "Explore": (
        Control(
            "map_place_by",
            True,
            _radio("Place each record by", ("Country of citizenship", "Country of exploitation")),
        ),
        Control(
            "heatmap_colour_scale",
            False,
            _radio("Colour scale", ("Log (small and large flows both visible)", "Raw counts")),
        ),
    ),
    "Trends and forecast": (
        Control(
            "incomplete_years_toggle",
            True,
            _click_text("Use the incomplete recent years in the fit"),
        ),
        Control("sidebar_no_year", False, _sidebar_text("Include records with no year")),
    ),
    "Clusters": (
        Control("table_cluster_filter", True, _multiselect("Table filter: Cluster", "Cluster 1")),
        Control("spread_points", False, _click_text("Spread identical points")),
    ),
}


# --------------------------------------------------------------------------- timing
@dataclass
class Timing:
    page: str
    control: str
    fragment: bool
    times: list[float]
    kinds_ok: int  # timed changes whose run was of the expected kind

    @property
    def median_s(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def max_s(self) -> float:
        return max(self.times) if self.times else float("nan")


class _Asked:
    """The fragment ids of the reruns the browser asked for ("" = the whole page)."""

    def __init__(self, page: Any) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        self.ids: list[str] = []

        def sent(payload: str | bytes) -> None:
            if isinstance(payload, bytes):
                message = BackMsg.FromString(payload)
                if message.WhichOneof("type") == "rerun_script":
                    self.ids.append(message.rerun_script.fragment_id)

        page.on("websocket", lambda socket: socket.on("framesent", sent))


def _idle(page: Any) -> None:
    page.wait_for_timeout(250)
    page.wait_for_selector(IDLE, timeout=ACTION_TIMEOUT_MS)


def _one_change(page: Any, asked: _Asked, control: Control, i: int) -> tuple[float, bool]:
    since = page.evaluate("performance.now()")
    asked.ids.clear()
    control.change(page, i)
    handle = page.wait_for_function(_READ, arg=since, timeout=ACTION_TIMEOUT_MS)
    start, end = handle.json_value()
    _idle(page)
    if page.get_by_test_id("stException").count():
        raise RuntimeError(f"{control.name}: an exception box on the page")
    kind_ok = len(asked.ids) >= 1 and all(bool(f) == control.fragment for f in asked.ids)
    return (end - start) / 1000.0, kind_ok


def time_fragments(
    data: Path,
    /,
    *,
    repeat: int = REPEAT,
    time_limit: float = 900.0,
    pages: list[str] | None = None,
) -> list[Timing]:
    """Times of each control of :data:`CONTROLS` (of ``pages``, default all) on a fresh
    server serving ``data``."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    started = time.monotonic()
    results: list[Timing] = []
    with server(data) as (url, _pid), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for title, controls in CONTROLS.items():
                if pages and title not in pages:
                    continue
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.add_init_script(_PROBE)
                page = context.new_page()
                asked = _Asked(page)
                page.goto(f"{url}/{URLS[title]}", timeout=ACTION_TIMEOUT_MS)
                _idle(page)
                for control in controls:
                    times, ok = [], 0
                    try:
                        for i in range(WARMUP + repeat):
                            if time.monotonic() - started > time_limit:
                                raise RuntimeError(f"time limit of {time_limit:.0f} s reached")
                            seconds, kind_ok = _one_change(page, asked, control, i)
                            if i >= WARMUP:
                                times.append(seconds)
                                ok += kind_ok
                    except Exception as exc:  # reported; the other controls go on
                        print(f"  {title}, {control.name}: {exc!r:.300}", file=sys.stderr)
                    results.append(Timing(title, control.name, control.fragment, times, ok))
                context.close()
        finally:
            browser.close()
    return results


def _key(title: str) -> str:
    return title.lower().replace(" ", "_")


def figures(results: list[Timing]) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in results:
        kind = "fragment" if t.fragment else "page"
        out[f"browser_rerun_{_key(t.page)}_{kind}_{t.control}_s"] = t.median_s
        out[f"browser_rerun_{_key(t.page)}_{kind}_{t.control}_max_s"] = t.max_s
    for title in CONTROLS:
        mine = [t for t in results if t.page == title]
        fragment = next((t for t in mine if t.fragment), None)
        whole = next((t for t in mine if not t.fragment), None)
        if fragment and whole and whole.median_s > 0:
            out[f"browser_rerun_{_key(title)}_fragment_over_page"] = (
                fragment.median_s / whole.median_s
            )
    return out


def measure(path: Path, frame: object) -> dict[str, float]:
    """For ``benchmarks/run.py``: only when ``CTDC_BENCH_FRAGMENTS`` is set (``--fragments``:
    it takes minutes and a browser)."""
    if not os.environ.get("CTDC_BENCH_FRAGMENTS"):
        return {}
    return figures(time_fragments(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REAL_FILE, help="the CTDC file served")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="timed changes per control")
    parser.add_argument("--time-limit", type=float, default=900.0, help="seconds in all")
    parser.add_argument(
        "--pages", nargs="+", choices=list(CONTROLS), help="only these pages (default: all)"
    )
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"No data file at {args.data}: nothing measured (give one with --data).")
        return 0
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load average at start (1/5/15 min): {load}", file=sys.stderr)
    results = time_fragments(
        args.data, repeat=args.repeat, time_limit=args.time_limit, pages=args.pages
    )
    for t in results:
        print(
            f"{t.page:>20} | {'fragment' if t.fragment else 'page':>8} | {t.control:<26} | "
            f"median {t.median_s:.3f} s | max {t.max_s:.3f} s | "
            f"{t.kinds_ok} of {len(t.times)} runs of the expected kind | "
            + " ".join(f"{s:.3f}" for s in t.times),
            file=sys.stderr,
        )
    out = figures(results)
    for key, value in out.items():
        print(f"{key:>72}: {value:.4f}")
    print(f"load average at end (1/5/15 min): {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    if args.json:
        print(json.dumps({k: round(v, 6) for k, v in out.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
