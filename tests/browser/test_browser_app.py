"""The real app in a real browser: pages open, filters persist and live in the URL,
links reproduce a view, uploads are read or refused with a sentence, downloads work."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect

from core.app import DEMO_LABEL
from core.app.page import PAGES
from tests.browser.conftest import App, screenshot, wait_idle
from tests.conftest import REAL_FILE, ROOT

pytestmark = pytest.mark.browser

PAGE_SCRIPTS = [ROOT / script for script, *_rest in PAGES]
_URL_PATHS = {script: url for script, _title, url, _blurb in PAGES}


def page_url_name(script: Path) -> str:
    """The URL path the navigation gives a page script (the home page is the root)."""
    return _URL_PATHS[str(script.relative_to(ROOT))]


def open_page(page: Page, app: App, path: str = "", query: str = "") -> None:
    page.goto(f"{app.url}/{path}{'?' + query if query else ''}")
    wait_idle(page)


def pick(page: Page, label: str, option: str) -> None:
    """Choose an option in a sidebar multiselect, as a person would."""
    page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)


def metric_value(page: Page, label: str) -> Locator:
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def test_home_on_demo(page: Page, app: App) -> None:
    open_page(page, app)
    expect(page.get_by_text(DEMO_LABEL)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(metric_value(page, "Records")).to_have_text("20,000")
    screenshot(page, "home")


@pytest.mark.parametrize("script", PAGE_SCRIPTS, ids=[p.stem for p in PAGE_SCRIPTS])
def test_every_page_opens(page: Page, app: App, script: Path) -> None:
    open_page(page, app, page_url_name(script))
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text(DEMO_LABEL).first).to_be_visible()
    expect(page.locator("h1").first).to_be_visible()
    screenshot(page, script.stem)


def test_filter_persists_across_pages_and_in_the_url(page: Page, app: App) -> None:
    open_page(page, app)
    pick(page, "Gender", "Male")
    page.wait_for_url("**gender=Male**")
    expect(metric_value(page, "Female")).to_have_text("0.0%")
    if not PAGE_SCRIPTS:
        pytest.skip("no pages besides Home yet")
    page.get_by_test_id("stSidebarNav").get_by_role("link").nth(1).click()
    wait_idle(page)
    page.wait_for_url("**gender=Male**")
    gender_box = (
        page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Gender")
    )
    expect(gender_box).to_contain_text("Male")
    expect(page.get_by_test_id("stException")).to_have_count(0)


@pytest.mark.parametrize(
    "query",
    ["years=2012&years=2016&noyear=false&gender=Female", "years=2012-2016&noyear=0&gender=Female"],
    ids=["bound", "older"],
)
def test_copied_link_reproduces_the_view(
    page: Page, app: App, query: str, demo_raw: pd.DataFrame
) -> None:
    open_page(page, app, query=query)
    year = pd.to_numeric(demo_raw["yearOfRegistration"], errors="coerce")
    expected = int(((year >= 2012) & (year <= 2016) & (demo_raw["gender"] == "Female")).sum())
    expect(metric_value(page, "Records")).to_have_text(f"{expected:,}")
    # the older link form (years=2012-2016, noyear=0) is read too
    expect(
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stCheckbox")
        .filter(has_text="Include records with no year")
        .locator("input")
    ).not_to_be_checked()
    # and the address bar holds the view in the widgets' own form, so a copy of it does too
    for part in ("years=2012&years=2016", "noyear=false", "gender=Female"):
        expect(page).to_have_url(re.compile(re.escape(part)), timeout=60_000)


def test_an_older_link_with_lists_keeps_them_in_the_address_bar(
    page: Page, app: App, demo_raw: pd.DataFrame
) -> None:
    # a fresh session opened from a link of the earlier form: a comma list of genders
    open_page(page, app, query="gender=Female,Male&years=2012-2016")
    year = pd.to_numeric(demo_raw["yearOfRegistration"], errors="coerce")
    in_years = ((year >= 2012) & (year <= 2016)) | year.isna()  # records with no year stay in
    chosen = in_years & demo_raw["gender"].isin(["Female", "Male"])
    expect(metric_value(page, "Records")).to_have_text(f"{int(chosen.sum()):,}")
    expect(page).to_have_url(re.compile("gender=Female&gender=Male"), timeout=60_000)
    expect(page).to_have_url(re.compile("years=2012&years=2016"), timeout=60_000)
    # the copied address opens the same view in a new session
    copied = page.url
    fresh = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    fresh.goto(copied)
    wait_idle(fresh)
    expect(metric_value(fresh, "Records")).to_have_text(f"{int(chosen.sum()):,}")
    fresh.context.close()


def upload(page: Page, path: Path) -> None:
    page.get_by_test_id("stSidebar").get_by_text("Use your own CTDC file").click()
    page.get_by_test_id("stSidebar").locator("input[type='file']").set_input_files(str(path))
    wait_idle(page)


def test_broken_upload_gets_a_sentence(page: Page, app: App, tmp_path: Path) -> None:
    bad = tmp_path / "broken.tsv.gz"
    bad.write_bytes(gzip.compress(b"yearOfRegistration\tgender\n" * 200)[:40])
    open_page(page, app)
    upload(page, bad)
    expect(page.get_by_text("truncated or damaged")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(metric_value(page, "Records")).to_have_text("20,000")  # still on the demo


def test_uploading_the_real_file(page: Page, app: App) -> None:
    if not REAL_FILE.exists():
        pytest.skip("real CTDC file not present at ../shared/data")
    open_page(page, app)
    upload(page, REAL_FILE)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(metric_value(page, "Records")).to_have_text("193,025", timeout=120_000)
    expect(page.get_by_text(DEMO_LABEL)).to_have_count(0)
    screenshot(page, "home_real_upload")


def _download(page: Page, button_name: str) -> bytes:
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=button_name).first.click()
    path = info.value.path()
    return Path(path).read_bytes()


def test_chart_downloads(page: Page, app: App) -> None:
    explore = [p for p in PAGE_SCRIPTS if "Explore" in p.stem]
    if not explore:
        pytest.skip("the Explore page does not exist yet")
    open_page(page, app, page_url_name(explore[0]))
    png = _download(page, "Chart (PNG)")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    csv = _download(page, "Data (CSV)").decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(csv))
    assert len(table.columns) >= 2 and len(table) >= 1
    for column in table.columns:
        if not pd.api.types.is_string_dtype(table[column]):
            continue  # numbers (negative ones too) are not formulas
        cells = table[column].dropna().astype(str)
        assert not cells.str.match(r"^[=+\-@]").any(), column


def _script(fragment: str) -> Path:
    found = [p for p in PAGE_SCRIPTS if fragment in p.stem]
    if not found:
        pytest.skip(f"no page named *{fragment}* yet")
    return found[0]


def test_survey_counts_give_an_estimate_and_a_link(page: Page, app: App) -> None:
    script = _script("Hidden")
    open_page(page, app, page_url_name(script))
    total = page.get_by_test_id("stMetric").filter(has_text="estimated in sexual exploitation")
    expect(total).to_be_visible()
    before = total.get_by_test_id("stMetricValue").inner_text()
    girls = page.get_by_label("Girls: survey count (thousand people)")
    girls.fill("1000")
    girls.press("Enter")
    wait_idle(page)
    page.wait_for_url("**hid_girls=1000**")
    expect(total.get_by_test_id("stMetricValue")).not_to_have_text(before)
    after = total.get_by_test_id("stMetricValue").inner_text()
    assert float(after.replace(",", "")) > float(before.replace(",", ""))
    # a negative count is refused with a sentence, not a traceback
    girls.fill("-5")
    girls.press("Enter")
    wait_idle(page)
    refusal = page.get_by_test_id("stAlertContentError").filter(has_text="is negative (-5)")
    expect(refusal.first).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    # the link reproduces the estimate in a fresh session
    girls.fill("1000")
    girls.press("Enter")
    wait_idle(page)
    page.wait_for_url("**hid_girls=1000**")
    link = page.url
    fresh = page.context.new_page()
    fresh.goto(link)
    wait_idle(fresh)
    expect(
        fresh.get_by_test_id("stMetric")
        .filter(has_text="estimated in sexual exploitation")
        .get_by_test_id("stMetricValue")
    ).to_have_text(after)
    screenshot(page, "hidden_populations_typed")
    fresh.close()


def test_clustering_runs_and_the_table_downloads(page: Page, app: App) -> None:
    script = _script("Clusters")
    open_page(page, app, page_url_name(script))
    # Plotly draws after the script has finished; on a busy machine that takes seconds
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Clustered", exact=False).first).to_be_visible()
    # change the number of clusters with the keyboard on the slider
    slider = (
        page.get_by_test_id("stSlider").filter(has_text="Number of clusters").get_by_role("slider")
    )
    slider.focus()
    slider.press("ArrowRight")
    wait_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    screenshot(page, "clusters_k_changed")


def test_forecast_runs_and_the_toggle_refits(page: Page, app: App) -> None:
    script = _script("forecast")
    open_page(page, app, page_url_name(script))
    # the rolling backtest takes a while on a cold cache (and a busy machine)
    expect(page.get_by_text("Would this forecast have worked before?")).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("The declared rule:", exact=False).first).to_be_visible()
    page.get_by_test_id("stCheckbox").filter(has_text="Use the incomplete recent years").click()
    wait_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    png = _download(page, "Chart (PNG)")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    screenshot(page, "forecast_with_incomplete_years")
