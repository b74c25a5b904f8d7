"""Phones (390 x 844 CSS pixels, WCAG 1.4.10 reflow): every page and Explore tab on the demo.

On each: the main area never scrolls sideways (scrollWidth <= clientWidth, for the main
area and for the page), every chart title is shown whole (no "…", and inside the
screen), and the filters are reachable behind a control whose name says so. Screenshots
land in tests/screenshots/ (git-ignored) as phone_*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import App, screenshot, wait_idle
from tests.browser.test_accessibility import VIEWS, _slug, open_view

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
#: What a phone's browser sends (Chrome on Android): the server lays out for a phone
#: only when it says "Mobi", as phones do.
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)

#: Sizes of the main area and the page, and what sticks out past the screen's right edge
#: where a person would see it: an element inside a box that clips or scrolls within
#: itself (a data table, the row of chosen options of a picker) does not count.
OVERFLOW = """() => {
  const main = document.querySelector("[data-testid='stMain']");
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== main; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX !== 'visible' && a.getBoundingClientRect().right <= window.innerWidth + 1) {
        return true;
      }
    }
    return false;
  };
  const wide = [];
  if (main) {
    for (const el of main.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.height > 0 && box.right > window.innerWidth + 1 && !clipped(el)) {
        wide.push((el.getAttribute('data-testid') || el.tagName) + ' ' + Math.round(box.right));
      }
      if (wide.length >= 8) break;
    }
  }
  return {
    main: main ? [main.scrollWidth, main.clientWidth] : null,
    page: [document.documentElement.scrollWidth, window.innerWidth],
    wide: wide,
  };
}"""

TITLES = """() => {
  const out = [];
  for (const chart of document.querySelectorAll("[data-testid='stVegaLiteChart'], [data-testid='stPlotlyChart']")) {
    const texts = chart.querySelectorAll('.role-title-text, .role-title text, text.gtitle, .gtitle');
    for (const t of texts) {
      const box = t.getBoundingClientRect();
      if (box.width > 0) out.push({text: t.textContent, left: box.left, right: box.right, width: box.width});
    }
  }
  return {titles: out, width: window.innerWidth};
}"""


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, user_agent=PHONE_AGENT
    )
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.mark.parametrize(("name", "path", "tab"), VIEWS, ids=[_slug(v[0]) for v in VIEWS])
def test_page_fits_a_phone(phone: Page, app: App, name: str, path: str, tab: str | None) -> None:
    open_view(phone, app, path, tab)
    screenshot(phone, f"phone_{_slug(name)}")

    sizes = phone.evaluate(OVERFLOW)
    assert sizes["main"] is not None, name
    scroll, client = sizes["main"]
    assert scroll <= client, f"{name}: the main area scrolls sideways ({scroll} > {client})"
    page_scroll, inner = sizes["page"]
    assert page_scroll <= inner, f"{name}: the page scrolls sideways ({page_scroll} > {inner})"
    assert not sizes["wide"], f"{name}: wider than the screen: {sizes['wide']}"

    found = phone.evaluate(TITLES)
    for title in found["titles"]:
        assert "…" not in title["text"] and "..." not in title["text"], (name, title["text"])
        assert title["left"] >= -1 and title["right"] <= found["width"] + 1, (name, title)


@pytest.mark.parametrize(("name", "path", "tab"), VIEWS[:1], ids=["home"])
def test_filters_open_behind_a_labelled_control(
    phone: Page, app: App, name: str, path: str, tab: str | None
) -> None:
    open_view(phone, app, path, tab)
    control = phone.get_by_test_id("stExpandSidebarButton")
    expect(control).to_be_visible()
    # A screen reader hears what it does; a sighted person reads what it opens.
    # WCAG 2.5.3: the name a screen reader hears starts with the word the control shows
    expect(control).to_have_attribute("aria-label", re.compile(r"^Filters\b.*sidebar", re.I))
    shown = control.evaluate("b => getComputedStyle(b, '::after').content")
    assert "Filters" in shown, shown
    control.click()
    wait_idle(phone)
    sidebar = phone.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Filter the records")).to_be_in_viewport()
    expect(sidebar.get_by_test_id("stMultiSelect").filter(has_text="Gender")).to_be_in_viewport()
    screenshot(phone, "phone_filters_open")


#: The natural width (before any shrinking to the screen) of the main area's first chart.
FIRST_CHART_WIDTH = """() => {
  const svg = document.querySelector("[data-testid='stMain'] [data-testid='stVegaLiteChart'] svg");
  return svg ? Number(svg.getAttribute('width')) : null;
}"""


def test_trends_small_multiples_stack_on_a_phone(phone: Page, app: App, browser: Browser) -> None:
    """Two forecast panels side by side are about 800 px wide: on a phone they stack in
    one column (about 400 px), so the chart is not shrunk to half its size; a desktop
    browser still gets two columns."""
    open_view(phone, app, "Trends_and_forecast", None)
    phone.wait_for_timeout(1500)
    width = phone.evaluate(FIRST_CHART_WIDTH)
    assert width is not None and width <= 1.2 * PHONE["width"], width
    desktop = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        open_view(desktop, app, "Trends_and_forecast", None)
        desktop.wait_for_timeout(1500)
        wide = desktop.evaluate(FIRST_CHART_WIDTH)
        assert wide is not None and wide > 1.5 * width, (wide, width)
    finally:
        desktop.context.close()
