"""Filters and choices that hold: every scenario starts from a fresh browser session.

The bug this guards against: on a fresh session, the first click in the sidebar
navigation unticked "Include records with no year" and set "Hide counts below" to 1
(the privacy protection off), because the filters were copied between pages. Now the
sidebar is drawn once by the entry point and every choice is bound to the URL.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from core.app.page import PAGES
from tests.browser.conftest import App, wait_idle

pytestmark = pytest.mark.browser

TITLES = [title for _script, title, _url, _blurb in PAGES]
URLS = {title: url for _script, title, url, _blurb in PAGES}


def sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def k_value(page: Page) -> int:
    box = sidebar(page).get_by_test_id("stNumberInput").filter(has_text="Hide counts below")
    return int(box.locator("input").input_value())


def no_year_ticked(page: Page) -> bool:
    box = sidebar(page).get_by_test_id("stCheckbox").filter(has_text="Include records with no year")
    return box.locator("input").is_checked()


def in_view(page: Page) -> str:
    """'4,125 of 20,000' from the page's 'records in view' caption."""
    caption = page.get_by_text(re.compile(r"records in view")).first.inner_text()
    found = re.search(r"([\d,]+) of ([\d,]+) records in view", caption)
    assert found, caption
    return f"{found.group(1)} of {found.group(2)}"


def eventually(check, where: str, seconds: float = 15) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            if check():
                return
        except (AssertionError, PlaywrightError):
            pass
        if time.time() > deadline:
            raise AssertionError(f"did not hold: {where}")
        time.sleep(0.3)


def go(page: Page, title: str) -> None:
    """Click a page in the sidebar navigation, as a person would."""
    sidebar(page).get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def set_k(page: Page, value: int) -> None:
    box = sidebar(page).get_by_test_id("stNumberInput").filter(has_text="Hide counts below")
    box.locator("input").fill(str(value))
    box.locator("input").press("Enter")
    wait_idle(page)


def pick(page: Page, label: str, option: str) -> None:
    sidebar(page).get_by_test_id("stMultiSelect").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)


@pytest.mark.parametrize("which", ["demo", "real"])
def test_first_clicks_of_a_fresh_session_change_nothing(
    page: Page, which: str, request: pytest.FixtureRequest
) -> None:
    served: App = request.getfixturevalue("app" if which == "demo" else "app_real")
    everything = "20,000 of 20,000" if which == "demo" else "193,025 of 193,025"
    page.goto(served.url)
    wait_idle(page)
    assert in_view(page) == everything
    for title in [*TITLES[1:], TITLES[0]]:
        go(page, title)
        assert k_value(page) == 10, title
        assert no_year_ticked(page), title
        assert "k=" not in page.url and "noyear" not in page.url, page.url
        assert in_view(page) == everything, title


def test_filters_hold_through_every_route(page: Page, app: App, browser: Browser) -> None:
    page.goto(app.url)
    wait_idle(page)
    pick(page, "Gender", "Male")
    set_k(page, 20)
    expected = in_view(page)
    assert expected.startswith(("4,", "3,", "5,")), expected  # men are a fifth of the demo

    def holds(where: str) -> None:
        # after a reload the first frame can still be the old page: read until it settles
        eventually(
            lambda: k_value(page) == 20 and no_year_ticked(page) and in_view(page) == expected,
            where,
        )
        expect(
            sidebar(page).get_by_test_id("stMultiSelect").filter(has_text="Gender")
        ).to_contain_text("Male")
        assert "gender=Male" in page.url and "k=20" in page.url, (where, page.url)

    for title in TITLES[1:]:  # sidebar navigation
        go(page, title)
        holds(f"sidebar to {title}")
    go(page, "Home")
    for title in TITLES[1:]:  # Home's links
        page.get_by_test_id("stMain").get_by_role(
            "link", name=re.compile(f"^{re.escape(title)}:")
        ).click()
        wait_idle(page)
        holds(f"home link to {title}")
        go(page, "Home")
    for _ in range(3):  # back and forward
        page.go_back()
        wait_idle(page)
        holds("back")
    page.go_forward()
    wait_idle(page)
    holds("forward")
    page.reload()
    wait_idle(page)
    holds("reload")
    # the same URL opened directly in a new browser gives the same numbers
    fresh = browser.new_context().new_page()
    fresh.goto(page.url)
    wait_idle(fresh)
    assert in_view(fresh) == expected
    fresh.context.close()


def test_a_link_cannot_lower_the_threshold(page: Page, app: App) -> None:
    page.goto(f"{app.url}/{URLS['Explore']}?k=3")
    wait_idle(page)
    assert k_value(page) == 10
    expect(sidebar(page).get_by_text("this app never shows counts below 10")).to_be_visible()
    before = in_view(page)
    set_k(page, 2)  # typing less is refused: the input does not take it, the URL neither
    assert "k=2" not in page.url and "k=" not in page.url
    page.reload()
    wait_idle(page)
    assert k_value(page) == 10 and in_view(page) == before


def test_page_choices_survive_other_pages_and_a_reload(
    page: Page, app: App, browser: Browser
) -> None:
    page.goto(f"{app.url}/{URLS['Explore']}?exp_top_n=7")
    wait_idle(page)
    slider = page.get_by_test_id("stSlider").filter(has_text="Countries on each axis")
    expect(slider).to_contain_text("7")
    go(page, "Hidden populations")
    girls = page.get_by_label("Girls: survey count", exact=False)
    girls.fill("123")
    girls.press("Enter")
    wait_idle(page)
    assert "hid_girls=123" in page.url
    go(page, "Explore")
    assert "exp_top_n=7" in page.url
    expect(
        page.get_by_test_id("stSlider").filter(has_text="Countries on each axis")
    ).to_contain_text("7")
    go(page, "Hidden populations")
    expect(page.get_by_label("Girls: survey count", exact=False)).to_have_value("123")
    page.reload()
    wait_idle(page)
    expect(page.get_by_label("Girls: survey count", exact=False)).to_have_value("123")
    estimate = page.get_by_test_id("stMetricValue").first.inner_text()
    fresh = browser.new_context().new_page()
    fresh.goto(page.url)
    wait_idle(fresh)
    expect(fresh.get_by_label("Girls: survey count", exact=False)).to_have_value("123")
    expect(fresh.get_by_test_id("stMetricValue").first).to_have_text(estimate)
    fresh.context.close()


def test_a_deep_link_as_the_first_visit_after_a_start(
    page: Page, chromium_path: str, tmp_path
) -> None:
    """Streamlit runs a fresh server's first request for /Clusters straight from pages/
    (its older multipage mode): the page must still get the app's own navigation."""
    from tests.browser.conftest import _start

    server = _start({}, tmp_path)
    served = next(server)
    try:
        page.goto(f"{served.url}/{URLS['Clusters']}?cl_k=5")
        wait_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        nav = sidebar(page).get_by_test_id("stSidebarNav")
        expect(nav.get_by_role("link")).to_have_count(len(TITLES))
        expect(nav.get_by_role("link", name="Home page")).to_have_count(0)
        assert k_value(page) == 10
        go(page, "Explore")
        assert in_view(page) == "20,000 of 20,000"
    finally:
        server.close()


def test_cleared_forecast_groups_stay_cleared_after_a_reload(
    page: Page, app: App, browser: Browser
) -> None:
    """Clearing every group is a choice too: a reload or a link must not bring the
    default groups back (the empty choice is the one that differs from the default)."""
    page.goto(f"{app.url}/{URLS['Trends and forecast']}")
    wait_idle(page)
    groups = page.get_by_test_id("stMultiSelect").filter(has_text="Groups to forecast")
    expect(groups).to_be_visible()
    groups.get_by_role("button", name=re.compile("clear all", re.I)).click()
    wait_idle(page)
    chips = groups.get_by_role("button", name=re.compile("^remove", re.I))
    expect(chips).to_have_count(0)
    eventually(lambda: "fc_segments_cleared=1" in page.url, "the cleared choice is in the URL")
    page.reload()
    wait_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(chips).to_have_count(0)
    fresh = browser.new_context().new_page()  # the link, opened by someone else
    fresh.goto(page.url)
    wait_idle(fresh)
    again = fresh.get_by_test_id("stMultiSelect").filter(has_text="Groups to forecast")
    expect(again).to_be_visible()
    expect(again.get_by_role("button", name=re.compile("^remove", re.I))).to_have_count(0)
    # choosing a group again takes the marker away, so the link no longer says "cleared"
    again.click()
    fresh.get_by_role("option", name="All records", exact=True).click()
    fresh.keyboard.press("Escape")
    wait_idle(fresh)
    eventually(lambda: "fc_segments_cleared" not in fresh.url, "the marker is gone")
    fresh.reload()
    wait_idle(fresh)
    expect(again.get_by_role("button", name=re.compile("^remove", re.I))).to_have_count(1)
    fresh.context.close()
