"""Every page renders under AppTest with no exception, on the demo and on the real file,
says which data it shows, and labels demo data as such."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.app import DEMO_LABEL
from tests.conftest import PAGE_FILES
from tests.helpers import texts


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_on_demo(page: str, run_page: Callable[..., Any]) -> None:
    at = run_page(page)
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert DEMO_LABEL in texts(at, "warning")
    assert "Data: Embedded demo data" in texts(at, "caption")
    assert at.title, "every page has a title"


@pytest.mark.real
@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_on_real_file(page: str, run_page: Callable[..., Any]) -> None:
    at = run_page(page, data="real")
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert DEMO_LABEL not in texts(at)
    data_line = texts(at, "caption")
    assert "CTDC_synthetic_20210825.tsv" in data_line and "193,025" in data_line


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_with_no_records(page: str, run_page: Callable[..., Any]) -> None:
    at = run_page(page, query={"cit": "USA", "exp": "RUS", "gender": "Transgender/NonConforming"})
    assert not at.exception
    assert "No records match these filters" in texts(at, "info")
