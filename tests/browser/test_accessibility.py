"""Accessibility (WCAG 2.1 AA) of the real app in Chromium, checked by axe-core.

axe-core comes bundled inside the ``axe-playwright-python`` package (no CDN). Every page,
and every tab of Explore (a hidden tab is not checked by axe, so each is opened first), is
run through axe on the demo; the test fails on any serious or critical violation and
names each one's rule and the elements it found. The full axe answer of each page (all
impacts) and a screenshot are kept in tests/screenshots/ (git-ignored) for people to read.

The keyboard scenarios at the end use Tab, Enter, the arrow keys and typing only.
"""

from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from core.app.page import PAGES
from tests.browser.conftest import SCREENSHOTS, App, screenshot, wait_idle

pytestmark = pytest.mark.browser

#: The WCAG 2.0 / 2.1 A and AA rules and axe's best practices (heading order among them).
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
EXPLORE_TABS = [
    "1 · Flows between countries",
    "2 · Highest vs lowest volume",
    "3 · Tactics",
    "4 · Trends",
    "5 · Shifts toward groups",
    "6 · Data quality",
]
#: (test id, URL path, tab to open or None)
VIEWS = [(title, url, None) for _script, title, url, _blurb in PAGES if title != "Explore"] + [
    (f"Explore {tab[0]}", "Explore", tab) for tab in EXPLORE_TABS
]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def open_view(page: Page, app: App, path: str, tab: str | None) -> None:
    page.goto(f"{app.url}/{path}")
    wait_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    if tab is not None:
        page.get_by_role("tab", name=tab, exact=True).click()
        wait_idle(page)
    page.wait_for_timeout(1500)  # charts draw after the script has finished


def run_axe(page: Page, name: str) -> list[dict]:
    """axe's violations of the WCAG A/AA rules on the page as it is; kept on disk."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    violations: list[dict] = results.response["violations"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"axe_{name}.json").write_text(json.dumps(violations, indent=1))
    return violations


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(map(str, node["target"])) for node in v["nodes"]]
        shown = "; ".join(targets[:6]) + (
            f"; ... {len(targets) - 6} more" if len(targets) > 6 else ""
        )
        lines.append(f"{v['id']} ({v['impact']}, {len(targets)} elements): {v['help']} -> {shown}")
    return "\n".join(lines)


@pytest.mark.parametrize(("name", "path", "tab"), VIEWS, ids=[_slug(v[0]) for v in VIEWS])
def test_no_serious_or_critical_axe_violation(
    page: Page, app: App, name: str, path: str, tab: str | None
) -> None:
    open_view(page, app, path, tab)
    violations = run_axe(page, _slug(name))
    screenshot(page, f"a11y_{_slug(name)}")
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, f"{name}: axe found\n{describe(blocking)}"
