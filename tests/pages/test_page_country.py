"""AppTest of pages/6_Country_brief.py: a fresh session, a copied link, the downloads.

Expected values come from the loaded demo frame with plain pandas.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from core.app.page import PAGES
from tests.helpers import texts, url_of
from tests.unit.brief.scan import numbers_below_k

PAGE = "pages/6_Country_brief.py"
SECTIONS = [
    "Records per year",
    "Girls, women, boys and men",
    "Age bands",
    "Types of exploitation",
    "Means of control",
    "Recruiter relations",
    "Data completeness",
]


def download_keys(at) -> set[str]:
    return {b.key for b in at.get("download_button")}


def country(at) -> str:
    return at.selectbox(key="country").value


class TestCountryPage:
    def test_registered(self) -> None:
        assert any(page[0] == PAGE for page in PAGES)

    def test_fresh_session(self, run_page: Callable[..., object], demo_frame: pd.DataFrame) -> None:
        at = run_page(PAGE)
        assert not at.exception
        top = demo_frame["citizenship"].astype(object).value_counts().index[0]
        assert country(at) == top  # the country most often named as citizenship
        assert {"brief_docx", "brief_pdf"} <= download_keys(at)
        headings = [h.value for h in at.header]
        for title in SECTIONS:
            assert headings.count(title) == 2  # once per perspective
        citizens = (demo_frame["citizenship"].astype(object) == top).sum()
        assert f"{citizens:,} records in view name" in texts(at)
        assert [t.label for t in at.tabs][:2] == [
            "Ukraine as country of citizenship",
            "Ukraine as country of exploitation",
        ]

    @pytest.mark.parametrize("asked", ["BLR", "blr", "Belarus"])
    def test_from_a_link(self, run_page: Callable[..., object], asked: str) -> None:
        at = run_page(PAGE, query={"country": asked})
        assert not at.exception
        assert country(at) == "BLR"
        assert "Belarus as country of citizenship" in [t.label for t in at.tabs]
        assert {"brief_docx", "brief_pdf"} <= download_keys(at)
        assert "dl_png_brief_citizenship_years" in download_keys(at)

    def test_unknown_country_in_a_link(self, run_page: Callable[..., object]) -> None:
        at = run_page(PAGE, query={"country": "Atlantis"})
        assert not at.exception
        assert country(at) == "UKR"

    def test_choice_goes_to_the_url(
        self, run_page: Callable[..., object], demo_frame: pd.DataFrame
    ) -> None:
        at = run_page(PAGE)
        at.selectbox(key="country").set_value("MDA").run()
        assert not at.exception
        name = demo_frame.loc[demo_frame["citizenship"].astype(object) == "MDA", "citizenshipName"]
        assert url_of(at)["country"] == str(name.iloc[0])  # the widget writes the name
        assert "Moldova" in at.tabs[0].label

    def test_no_small_count_on_screen(self, run_page: Callable[..., object]) -> None:
        at = run_page(PAGE, query={"country": "BLR", "k": "10"})
        shown = "\n".join(texts(tab) for tab in at.tabs)
        assert "cells withheld" in shown  # Belarus has small cells on the demo
        assert "Not shown:" in shown
        assert numbers_below_k(shown) == []

    @pytest.mark.real
    def test_real_file(self, run_page: Callable[..., object], real_frame: pd.DataFrame) -> None:
        at = run_page(PAGE, data="real", query={"country": "PHL"})
        assert not at.exception
        assert country(at) == "PHL"
        citizens = (real_frame["citizenship"].astype(object) == "PHL").sum()
        assert f"{citizens:,} records in view name" in texts(at)
        assert {"brief_docx", "brief_pdf"} <= download_keys(at)
        assert numbers_below_k("\n".join(texts(tab) for tab in at.tabs)) == []
