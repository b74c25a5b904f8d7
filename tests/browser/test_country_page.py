"""The Country brief page from a copied link, and every download of the two brief pages.

Each scenario opens its page in a fresh browser context (no cookies, no session), as a
person who was sent a link would. A download must arrive as a file of the right kind
(PNG signature, a Word file python-docx opens, a PDF, a CSV with a header) and not be
empty.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from core.app.page import PAGES
from tests.browser.conftest import App, wait_idle

pytestmark = pytest.mark.browser

URLS = {title: url for _script, title, url, _blurb in PAGES}
COUNTRY = URLS["Country brief"]
HIDDEN = URLS["Hidden populations"]
PNG = b"\x89PNG\r\n\x1a\n"
DOCX = b"PK\x03\x04"  # a Word file is a zip archive


def fresh(browser: Browser) -> Page:
    """A page in a new browser context: no cookies, no session, as from a pasted link."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    return context.new_page()


def download(page: Page, button: Locator) -> tuple[str, bytes]:
    """Click a download button; the file's suggested name and its bytes."""
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=90_000) as info:
        button.click()
    got = info.value
    return got.suggested_filename, Path(got.path()).read_bytes()


def check_file(name: str, content: bytes) -> None:
    """The file is not empty and is of the kind its name says."""
    assert content, f"{name} is empty"
    if name.endswith(".png"):
        assert content.startswith(PNG), name
    elif name.endswith(".pdf"):
        assert content.startswith(b"%PDF"), name
    elif name.endswith(".docx"):
        from docx import Document

        assert content.startswith(DOCX), name
        assert Document(io.BytesIO(content)).paragraphs, name
    elif name.endswith(".csv"):
        header = content.decode("utf-8-sig").splitlines()[0]
        assert "," in header, (name, header)
    else:
        raise AssertionError(f"unexpected download {name}")


@pytest.mark.parametrize("asked", ["Belarus", "BLR"])
def test_country_page_from_a_copied_link(browser: Browser, app: App, asked: str) -> None:
    page = fresh(browser)
    try:
        page.goto(f"{app.url}/{COUNTRY}?country={quote(asked)}")
        wait_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        choice = page.get_by_test_id("stMain").get_by_role("combobox", name="Country")
        expect(choice).to_have_value("Belarus", timeout=60_000)  # a busy machine is slow
        expect(page.get_by_role("tab", name="Belarus as country of citizenship")).to_be_visible()
        expect(page.get_by_role("tab", name="Belarus as country of exploitation")).to_be_visible()
        expect(
            page.get_by_text(re.compile(r"records in view name Belarus as the country of")).first
        ).to_be_visible()
        # The URL names it, whether the link gave the name or the ISO code, so the address
        # bar can be copied on (with the code it used to drop the country: the copy opened
        # the default one).
        expect(page).to_have_url(re.compile(r"[?&]country=Belarus(&|$)"))
    finally:
        page.context.close()


def test_every_download_of_the_country_page(browser: Browser, app: App) -> None:
    page = fresh(browser)
    try:
        page.goto(f"{app.url}/{COUNTRY}?country=Belarus")
        wait_idle(page)
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("button", name="Brief (PDF)")).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        seen: dict[str, int] = {}
        for label, kind in (("Brief (Word)", ".docx"), ("Brief (PDF)", ".pdf")):
            name, content = download(page, main.get_by_role("button", name=label))
            assert name == f"ctdc_brief_BLR{kind}"
            check_file(name, content)
            seen[name] = len(content)
        for tab_name in ("Belarus as country of citizenship", "Belarus as country of exploitation"):
            page.get_by_role("tab", name=tab_name).click()
            page.wait_for_timeout(500)
            # the tab on screen: its buttons are visible, the other tab's are not
            buttons = main.locator("[data-testid='stDownloadButton'] button:visible")
            count = buttons.count()
            assert count >= 4, tab_name  # the two briefs, and a chart's PNG and CSV
            for i in range(2, count):
                name, content = download(page, buttons.nth(i))
                check_file(name, content)
                assert name not in seen, name  # each tab has its own files
                seen[name] = len(content)
        assert any(n.endswith(".png") for n in seen) and any(n.endswith(".csv") for n in seen)
        expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        page.context.close()


def test_the_hidden_population_brief_downloads(browser: Browser, app: App) -> None:
    page = fresh(browser)
    try:
        page.goto(f"{app.url}/{HIDDEN}")  # a first visit starts from the example counts
        wait_idle(page)
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("button", name="Brief (PDF)")).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        for label, kind in (("Brief (Word)", ".docx"), ("Brief (PDF)", ".pdf")):
            name, content = download(page, main.get_by_role("button", name=label))
            assert name == f"ctdc_hidden_brief{kind}", name
            check_file(name, content)
        expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        page.context.close()
