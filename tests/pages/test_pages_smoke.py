"""Every page renders under AppTest with no exception, on the demo and on the real file,
says which data it shows, and labels demo data as such."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.app import DEMO_LABEL
from tests.conftest import PAGE_FILES

ALL_PAGES = ["Home.py", *PAGE_FILES]


def _texts(at: Any) -> str:
    return "\n".join(
        str(e.value)
        for kind in ("caption", "warning", "markdown", "info")
        for e in getattr(at, kind)
    )


@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_on_demo(page: str, run_page: Callable[..., Any]) -> None:
    at = run_page(page)
    assert not at.exception, at.exception[0].message if at.exception else ""
    text = _texts(at)
    assert DEMO_LABEL in text
    assert "Data: Embedded demo data" in text
    assert at.title, "every page has a title"


@pytest.mark.real
@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_on_real_file(page: str, run_page: Callable[..., Any]) -> None:
    at = run_page(page, data="real")
    assert not at.exception, at.exception[0].message if at.exception else ""
    text = _texts(at)
    assert DEMO_LABEL not in text
    assert "CTDC_synthetic_20210825.tsv" in text and "193,025" in text


@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_with_no_records(page: str, run_page: Callable[..., Any]) -> None:
    at = run_page(page, query={"cit": "USA", "exp": "RUS", "gender": "Transgender/NonConforming"})
    assert not at.exception
    assert any("No records match these filters" in i.value for i in at.info)
