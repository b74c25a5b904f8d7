"""The world map on Explore renders with every request to anything but the app aborted.

Plotly fetches its world outline from a CDN unless a figure brings its own geometry
and its first trace does not ask for the base layers; the map ships its own shapes
(data/world_110m.geojson), so with the network cut off its countries are still drawn.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import App, screenshot, wait_idle

pytestmark = pytest.mark.browser

COUNTRY_PATHS = "[data-testid='stPlotlyChart'] path.choroplethlocation"
# A bound choice is written in the URL as its label.
LABELS = {"citizenship": "Country of citizenship", "exploitation": "Country of exploitation"}


def _block_all_but(page: Page, base: str) -> list[str]:
    """Abort every request that is not to the app itself; return the aborted URLs."""
    aborted: list[str] = []

    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith(base) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            aborted.append(url)
            route.abort()

    page.route("**/*", handle)
    return aborted


@pytest.mark.parametrize("by", ["citizenship", "exploitation"])
def test_map_renders_with_the_network_blocked(page: Page, app: App, by: str) -> None:
    aborted = _block_all_but(page, app.url)
    page.goto(f"{app.url}/Explore?map_by={quote(LABELS[by])}")
    wait_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    heading = page.get_by_text("On the world map", exact=True)
    heading.scroll_into_view_if_needed()
    # The headline is the map's title, wrapped into lines on screen: read it as one line.
    chart = page.get_by_test_id("stPlotlyChart").filter(has=page.locator("path.choroplethlocation"))
    title = chart.locator(".gtitle").first
    expect(title).to_be_attached(timeout=30_000)
    text = (title.get_attribute("data-unformatted") or "").replace("<br>", " ")
    assert f"is the most frequent country of {by}" in text, text
    countries = page.locator(COUNTRY_PATHS)
    expect(countries.first).to_be_attached(timeout=30_000)
    # the shipped 1:110m shapes hold some 170 countries, all drawn (pale, grey or blue)
    assert countries.count() > 150
    filled = countries.evaluate_all(
        "paths => paths.filter(p => (p.getAttribute('d') || '').length > 20).length"
    )
    assert filled > 150
    assert not [url for url in aborted if "topojson" in url or "plot.ly" in url], aborted
    screenshot(page, f"explore_map_offline_{by}")


def test_map_png_is_prepared_and_downloaded_offline(page: Page, app: App) -> None:
    """'Prepare PNG' renders on the server (Chromium there, not this page's network)."""
    from core import images

    if not images.png_available():
        pytest.skip(images.png_unavailable_reason())
    aborted = _block_all_but(page, app.url)
    page.goto(f"{app.url}/Explore")
    wait_idle(page)
    prepare = page.locator(".st-key-png_prepare_explore_map_citizenship button").first
    prepare.scroll_into_view_if_needed()
    prepare.click()
    download = page.locator(".st-key-dl_png_explore_map_citizenship button").first
    expect(download).to_be_visible(timeout=90_000)
    wait_idle(page)
    with page.expect_download(timeout=60_000) as info:
        download.click()
    assert info.value.suggested_filename == "explore_map_citizenship.png"
    png = Path(info.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 50_000  # a drawn map, not an empty canvas
    assert not [url for url in aborted if "topojson" in url or "plot.ly" in url], aborted
