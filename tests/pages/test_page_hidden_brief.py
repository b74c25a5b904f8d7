"""AppTest of the hidden-population brief's downloads on pages/3_Hidden_populations.py.

The page offers the brief as Word and PDF beside its estimates; the brief is made from
the same protected table the page shows, so the estimates of a brief made from the
page's settings (core.brief.hidden.estimate_brief) equal the page's, group by group.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from core.brief.hidden import estimate_brief
from core.hidden.survey import EXAMPLE_SURVEY, survey_rows
from tests.helpers import texts

PAGE = "pages/3_Hidden_populations.py"
KEYS = {"hid_brief_docx": "Brief (Word)", "hid_brief_pdf": "Brief (PDF)"}


def downloads(at) -> dict[str, str]:
    return {b.key: b.proto.label for b in at.get("download_button")}


def page_estimates(at) -> pd.Series:
    frame = next(d.value for d in at.dataframe if "Estimate" in d.value.columns)
    values = pd.to_numeric(frame["Estimate"].astype(str).str.replace(",", ""), errors="coerce")
    return pd.Series(values.to_numpy(), index=frame["Group"].astype(str))


class TestHiddenBriefDownloads:
    def test_buttons_beside_the_estimates(self, run_page: Callable[..., object]) -> None:
        at = run_page(PAGE)
        assert not at.exception
        shown = downloads(at)
        for key, label in KEYS.items():
            assert shown.get(key) == label
        assert "Download a brief" in [h.value for h in at.subheader]
        assert "the estimates with their 95% intervals (withheld groups said as withheld)" in (
            texts(at.caption)
        )
        assert at.text_input(key="hid_source").value == ""

    @pytest.mark.parametrize("method", ["published", "ratio"])
    def test_the_brief_holds_the_pages_estimates(
        self, run_page: Callable[..., object], demo_frame: pd.DataFrame, method: str
    ) -> None:
        at = run_page(PAGE)
        if method == "ratio":
            at.radio(key="hid_method").set_value("ratio").run()
        assert not at.exception
        assert set(KEYS) <= set(downloads(at))
        rows, errors = survey_rows({g: (v, "", "") for g, v in EXAMPLE_SURVEY.items()})
        assert not errors
        brief = estimate_brief(
            demo_frame,
            rows,
            method=method,
            k=10,
            unit="thousands",
            filters_text="",
            link="",
            release="",
        )
        ours = brief.table.set_index("group")["estimate"]
        theirs = page_estimates(at)
        assert sorted(ours.index) == sorted(theirs.index)
        for group in ours.index:
            if pd.isna(ours[group]):
                assert pd.isna(theirs[group]), group  # withheld on both
            else:
                # the page shows whole units
                assert theirs[group] == pytest.approx(ours[group], abs=0.5), group

    def test_no_buttons_without_counts(self, run_page: Callable[..., object]) -> None:
        at = run_page(PAGE)
        at.button(key="hid_clear").click().run()
        assert not at.exception
        assert not set(KEYS) & set(downloads(at))
