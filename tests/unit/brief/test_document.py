"""core.brief.document: the Word file read back with python-docx, the PDF with pypdf.

Each must hold the country's name, every finding sentence, the caveats, the citation,
one image per chart, and no count below k: the text is scanned for every number, and
every cell the profile withheld (its true value read from the same profile at k = 1)
must be absent.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

from core.brief import CITATION, CountryProfile, country_choices, country_profile
from core.brief.charts import profile_charts
from core.brief.document import CAVEATS, brief_images, country_docx, country_pdf
from tests.unit.brief.scan import flat, numbers_below_k

K = 10
COUNTRY = "BLR"  # Belarus on the demo: both perspectives, and withheld cells in each
FILTERS = "all records; counts below 10 withheld"
LINK = "http://localhost:8501/Country_brief?country=Belarus&k=10"
RELEASE = "2021-08-25 release"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def profile(demo_frame: pd.DataFrame) -> CountryProfile:
    return country_profile(demo_frame, country=COUNTRY, k=K)


@pytest.fixture(scope="module")
def withheld_small(demo_frame: pd.DataFrame, profile: CountryProfile) -> set[int]:
    """The true values (1..k-1) of the cells the profile withheld."""
    open_profile = country_profile(demo_frame, country=COUNTRY, k=1)
    values: set[int] = set()
    for p_open, p_safe in zip(open_profile.perspectives, profile.perspectives, strict=True):
        for s_open, s_safe in zip(p_open.sections, p_safe.sections, strict=True):
            if s_safe.key not in ("years", "sex_age", "age"):
                continue
            truth = s_open.table["count"].to_numpy(dtype=float)
            hidden = np.isnan(s_safe.table["count"].to_numpy(dtype=float))
            values |= {int(v) for v in truth[hidden] if 0 < v < K}
    assert values, "Belarus should have small withheld cells on the demo"
    return values


@pytest.fixture(scope="module")
def images(profile: CountryProfile) -> list[bytes]:
    return brief_images(profile, filters_text=FILTERS, release=RELEASE)


@pytest.fixture(scope="module")
def docx_text(profile: CountryProfile, images: list[bytes]) -> tuple[str, int]:
    from docx import Document

    content = country_docx(profile, filters_text=FILTERS, link=LINK, release=RELEASE, images=images)
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts), len(document.inline_shapes)


@pytest.fixture(scope="module")
def pdf_text(profile: CountryProfile, images: list[bytes]) -> tuple[str, int]:
    pypdf = pytest.importorskip(
        "pypdf", reason="pypdf (pinned in requirements-dev.txt) reads the PDF's text"
    )
    content = country_pdf(profile, filters_text=FILTERS, link=LINK, release=RELEASE, images=images)
    assert content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, sum(len(page.images) for page in reader.pages)


class TestScan:
    def test_finds_a_small_count(self) -> None:
        assert numbers_below_k("Based on 1,907 records; 7 have no year (2019, 9–17).") == [7]

    def test_leaves_what_is_not_a_count(self) -> None:
        text = (
            "2 cells withheld: each holds a small count (fewer than 10 records) or would "
            "reveal one. 4% in 2021-08-25, aged 0–8."
        )
        assert numbers_below_k(text) == []


@pytest.mark.slow
class TestWord:
    def test_name_findings_caveats_citation(
        self, profile: CountryProfile, docx_text: tuple[str, int]
    ) -> None:
        text = flat(docx_text[0])
        assert "Belarus" in text
        assert profile.title in text
        for finding in profile.findings():
            assert flat(finding) in text
        for caveat in CAVEATS:
            assert flat(caveat) in text
        assert CITATION in text
        assert LINK in text
        assert FILTERS in text

    def test_one_image_per_chart(self, profile: CountryProfile, docx_text: tuple[str, int]) -> None:
        charts = profile_charts(profile)
        assert len(charts) >= 8
        assert docx_text[1] == len(charts)

    def test_no_count_below_k(self, docx_text: tuple[str, int], withheld_small: set[int]) -> None:
        assert numbers_below_k(docx_text[0]) == []
        found = {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", docx_text[0])}
        scanned = set(numbers_below_k(docx_text[0]))
        assert not (withheld_small & scanned)
        assert found  # the document does hold numbers

    def test_demo_note(self, profile: CountryProfile, images: list[bytes]) -> None:
        from docx import Document

        content = country_docx(
            profile,
            filters_text=FILTERS,
            link=LINK,
            release=RELEASE,
            images=images,
            notes=["Illustrative demo data, not real records."],
        )
        first = [p.text for p in Document(io.BytesIO(content)).paragraphs][:3]
        assert "Illustrative demo data, not real records." in first


@pytest.mark.slow
class TestPdf:
    def test_name_findings_caveats_citation(
        self, profile: CountryProfile, pdf_text: tuple[str, int]
    ) -> None:
        text = flat(pdf_text[0])
        assert "Belarus" in text
        for finding in profile.findings():
            assert flat(finding) in text
        for caveat in CAVEATS:
            assert flat(caveat) in text
        assert CITATION in text

    def test_one_image_per_chart(self, profile: CountryProfile, pdf_text: tuple[str, int]) -> None:
        assert pdf_text[1] == len(profile_charts(profile))

    def test_no_count_below_k(self, pdf_text: tuple[str, int], withheld_small: set[int]) -> None:
        assert numbers_below_k(pdf_text[0]) == []
        assert not (withheld_small & set(numbers_below_k(pdf_text[0])))


class TestImages:
    @pytest.mark.slow
    def test_each_chart_is_a_png(self, profile: CountryProfile, images: list[bytes]) -> None:
        assert len(images) == len(profile_charts(profile))
        assert all(image.startswith(PNG) for image in images)

    def test_each_chart_carries_its_source_line(self, profile: CountryProfile) -> None:
        from core.images import altair_for_export, source_line

        _heading, section, chart = profile_charts(profile)[0]
        spec = altair_for_export(
            chart, title=section.finding, source=source_line(RELEASE), filters=FILTERS
        ).to_dict()
        footer = spec["vconcat"][0]["title"]["text"]
        assert footer[0].startswith("Source: Counter-Trafficking Data Collaborative (CTDC)")
        assert any(FILTERS in line for line in footer)


class TestHigherThreshold:
    @pytest.mark.parametrize("k", [25, 60])
    def test_no_count_below_k_in_either_file(self, demo_frame: pd.DataFrame, k: int) -> None:
        """At a higher threshold too (text only: the charts are left out to be quick)."""
        from docx import Document

        pypdf = pytest.importorskip("pypdf", reason="pypdf (requirements-dev.txt) reads the PDF")
        profile = country_profile(demo_frame, country="UKR", k=k)
        options = {"filters_text": f"all records; counts below {k} withheld", "link": LINK}
        word = country_docx(profile, release=RELEASE, images=[], **options)
        text = "\n".join(p.text for p in Document(io.BytesIO(word)).paragraphs)
        assert numbers_below_k(text, k) == []
        pdf = country_pdf(profile, release=RELEASE, images=[], **options)
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert numbers_below_k("\n".join(p.extract_text() for p in reader.pages), k) == []
        assert any(
            s.withheld and s.withheld.caption() for p in profile.perspectives for s in p.sections
        )


class TestPdfWithoutDejaVu:
    def test_builtin_font_writes_every_name(
        self, demo_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Where the system has no DejaVu, dashes and quotes are made plain and accented
        names still print (Helvetica covers Latin-1)."""
        import core.brief.document as document

        pypdf = pytest.importorskip("pypdf", reason="pypdf (requirements-dev.txt) reads the PDF")
        monkeypatch.setattr(document, "_FONT_DIR", document.Path("/nonexistent"))
        code = next(
            c for c, n in country_choices(demo_frame).items() if any(ord(ch) > 127 for ch in n)
        )
        profile = country_profile(demo_frame, country=code, k=K)
        content = country_pdf(profile, filters_text=FILTERS, link=LINK, release=RELEASE, images=[])
        text = flat("\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages))
        assert profile.name in text
        assert CITATION in text
