"""core.brief.hidden: the hidden-population brief read back with python-docx and pypdf.

Each file must hold the filters, the survey counts typed (with their bounds and their
source), the method in plain words, the estimates with their intervals, the withheld
groups said as withheld, the source line and release, and no count below k.

The estimates are checked against odds counted by hand from the prepared records
(events / (records - events) per group, times the survey count): the published method's
factor is exactly those odds, because model 1 is saturated in gender x majority. The
withheld group is made by raising k above the adult men's events on the demo; its true
records, events and non-events (counted by hand) must appear nowhere in either file.
"""

from __future__ import annotations

import dataclasses
import io
import re
import struct
import zlib

import pandas as pd
import pytest

from core.brief.document import CAVEATS
from core.brief.hidden import (
    ASSUMPTION,
    HIDDEN_TITLE,
    HiddenBrief,
    estimate_brief,
    hidden_docx,
    hidden_image,
    hidden_pdf,
)
from core.hidden.estimate import METHODS
from core.hidden.survey import EXAMPLE_SOURCE, SurveyRow, survey_rows
from core.hidden.words import estimate_headline
from core.risk.records import prepare_records
from tests.unit.brief.scan import flat, numbers_below_k

FILTERS = "Gender: all; counts below k withheld"
LINK = "http://localhost:8501/Hidden_populations?hid_men=10%2C656&k=10"
RELEASE = "2021-08-25 release"
SOURCE_LINE = (
    "Source: Counter-Trafficking Data Collaborative (CTDC), Global Synthetic Dataset, "
    "release 2021-08-25"
)
PNG = b"\x89PNG\r\n\x1a\n"


def tiny_png() -> bytes:
    """A 1 x 1 white PNG, written by hand (stands in for the rendered chart)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return PNG + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def survey(**bounds: tuple[str, str]) -> list[SurveyRow]:
    typed = {"Women": ("5,361", "", ""), "Men": ("10,656", "", "")}
    for group, (low, high) in bounds.items():
        typed[group] = (typed[group][0], low, high)
    rows, errors = survey_rows(typed)
    assert not errors
    return rows


def hand_counts(frame: pd.DataFrame, gender: str, majority: str) -> tuple[int, int]:
    """(records, in sexual exploitation) of one group, counted with plain pandas."""
    records = prepare_records(frame).records
    cell = records[(records["gender"] == gender) & (records["majority"] == majority)]
    return len(cell), int(cell["isSexualExploit"].sum())


def make(frame: pd.DataFrame, k: int, **options: object) -> HiddenBrief:
    settings: dict[str, object] = {
        "method": "published",
        "k": k,
        "unit": "thousands",
        "filters_text": FILTERS,
        "link": LINK,
        "release": RELEASE,
        "survey_source": EXAMPLE_SOURCE,
    }
    settings.update(options)
    rows = settings.pop("rows", survey(Women=("4,000", "7,000")))
    return estimate_brief(frame, rows, **settings)  # type: ignore[arg-type]


def docx_text(content: bytes) -> tuple[str, int]:
    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts), len(document.inline_shapes)


def pdf_text(content: bytes) -> tuple[str, int]:
    pypdf = pytest.importorskip(
        "pypdf", reason="pypdf (pinned in requirements-dev.txt) reads the PDF's text"
    )
    assert content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, sum(len(page.images) for page in reader.pages)


def both(brief: HiddenBrief, image: bytes | None = None) -> dict[str, tuple[str, int]]:
    picture = tiny_png() if image is None else image
    return {
        "docx": docx_text(hidden_docx(brief, image=picture)),
        "pdf": pdf_text(hidden_pdf(brief, image=picture)),
    }


def not_counts(text: str) -> str:
    """The text without what is not a count of records: decimals (factors such as
    0.0112, '1.1 men for every 100'), the models' numbers ('Model 1', 'models 1 and
    2'), the odds' formula 'P / (1 - P)' and the number of groups withheld."""
    text = flat(text)
    text = re.sub(r"\d+\.\d+", " ", text)
    text = re.sub(r"(?i)models? [12]( and 2)?", " ", text)
    text = re.sub(r"\(1 . P\)", " ", text)
    text = re.sub(r"\d+ groups? withheld", " ", text)
    return text


@pytest.fixture(scope="module")
def shown(demo_frame: pd.DataFrame) -> HiddenBrief:
    """k = 1: nothing withheld, so women and men both have an estimate."""
    return make(demo_frame, 1)


def men_k(frame: pd.DataFrame) -> int:
    """A k (10 or more) that withholds the adult men: above their events or non-events."""
    n, events = hand_counts(frame, "Male", "Adult")
    return max(10, min(events, n - events) + 1)


@pytest.fixture(scope="module")
def withheld(demo_frame: pd.DataFrame) -> HiddenBrief:
    """The men's row withheld, the women's shown."""
    brief = make(demo_frame, men_k(demo_frame))
    estimates = brief.table.set_index("group")["estimate"]
    assert pd.isna(estimates["Men"]) and pd.notna(estimates["Women"]), "demo changed"
    return brief


@pytest.fixture(scope="module")
def shown_files(shown: HiddenBrief) -> dict[str, tuple[str, int]]:
    return both(shown)


@pytest.fixture(scope="module")
def withheld_files(withheld: HiddenBrief) -> dict[str, tuple[str, int]]:
    return both(withheld)


FORMATS = ["docx", "pdf"]


class TestContent:
    @pytest.mark.parametrize("kind", FORMATS)
    def test_front_matter(self, shown_files, kind: str) -> None:
        text = flat(shown_files[kind][0])
        assert flat(HIDDEN_TITLE) in text
        assert f"Filters: {FILTERS}" in text
        assert SOURCE_LINE in text
        assert "Reproduce this view:" in text and LINK in text.replace(" ", "")
        for caveat in CAVEATS:
            assert flat(caveat) in text
        assert (
            "Source: Counter-Trafficking Data Collaborative (CTDC). Global Synthetic Dataset."
            in (text)
        )

    @pytest.mark.parametrize("kind", FORMATS)
    def test_survey_counts_bounds_and_source(self, shown_files, kind: str) -> None:
        text = flat(shown_files[kind][0])
        assert "Survey count (thousand people) Lower bound Upper bound" in text.replace(
            "\n", " "
        ) or ("Survey count (thousand people)" in text and "Lower bound" in text)
        assert re.search(r"Women\s+5,361\s+4,000\s+7,000", text), text
        assert re.search(r"Men\s+10,656\s+not given\s+not given", text), text
        assert f"Source of the survey counts: {flat(EXAMPLE_SOURCE)}" in text

    @pytest.mark.parametrize("kind", FORMATS)
    def test_method_in_plain_words(self, shown_files, kind: str) -> None:
        text = flat(shown_files[kind][0])
        name, explanation = METHODS["published"]
        assert f"{name}." in text
        assert flat(explanation) in text
        assert flat(ASSUMPTION) in text
        assert "identified cases, not prevalence" in text

    @pytest.mark.parametrize("kind", FORMATS)
    def test_estimates_are_survey_count_times_hand_counted_odds(
        self, demo_frame: pd.DataFrame, shown: HiddenBrief, shown_files, kind: str
    ) -> None:
        text = flat(shown_files[kind][0])
        for group, gender, count in (("Women", "Female", 5361), ("Men", "Male", 10656)):
            n, events = hand_counts(demo_frame, gender, "Adult")
            estimate = count * events / (n - events)
            row = shown.table.set_index("group").loc[group]
            assert row["estimate"] == pytest.approx(estimate, rel=1e-6)
            interval = f"{row['ci_low']:,.0f} to {row['ci_high']:,.0f}"
            # the table's row: group, records, events, factor, estimate, interval
            assert re.search(
                rf"{group}\s+{n:,}\s+{events:,}\s+[\d.]+\s+{estimate:,.0f}\s+{interval}", text
            ), (group, text)
        total, low, high = shown.total
        assert f"about {total:,.0f}." in text
        assert f"95% interval {low:,.0f} to {high:,.0f} thousand people." in text

    @pytest.mark.parametrize("kind", FORMATS)
    def test_one_image(self, shown_files, kind: str) -> None:
        assert shown_files[kind][1] == 1


class TestWithheld:
    @pytest.mark.parametrize("kind", FORMATS)
    def test_withheld_row_said_as_withheld(self, withheld_files, kind: str) -> None:
        text = flat(withheld_files[kind][0])
        assert re.search(r"Men(\s+withheld){5}", text), text
        assert "Men: withheld" in text
        assert "1 group withheld" in text
        assert "Withheld cells are blank" not in text  # here they read 'withheld'
        # the headline covers women only, and says the men are left out
        assert "Covers women only; not included: men (withheld or not estimable" in text

    @pytest.mark.parametrize("kind", FORMATS)
    def test_no_count_below_k(
        self, demo_frame: pd.DataFrame, withheld: HiddenBrief, withheld_files, kind: str
    ) -> None:
        text = withheld_files[kind][0]
        assert numbers_below_k(not_counts(text), withheld.k) == []
        n, events = hand_counts(demo_frame, "Male", "Adult")
        numbers = {int(m.replace(",", "")) for m in re.findall(r"\d[\d,]*", not_counts(text))}
        # neither the men's events nor their records or non-events (which give the events)
        assert not {events, n, n - events} & numbers

    def test_the_women_are_still_shown(self, withheld: HiddenBrief, withheld_files) -> None:
        women = withheld.table.set_index("group").loc["Women"]
        assert f"{women['estimate']:,.0f}" in flat(withheld_files["docx"][0])


class TestVariants:
    @pytest.mark.slow  # a fit of both models
    def test_ratio_method_names_both_models(self, demo_frame: pd.DataFrame) -> None:
        brief = make(demo_frame, 10, method="ratio")
        text = flat(docx_text(hidden_docx(brief, image=tiny_png()))[0])
        assert "In forced labour" in text
        assert "and model 2 (isForcedLabour" in text
        assert flat(METHODS["ratio"][1]) in text

    def test_no_source_given(self, shown: HiddenBrief) -> None:
        brief = dataclasses.replace(shown, survey_source="  ")
        text = flat(docx_text(hidden_docx(brief, image=tiny_png()))[0])
        assert "Source of the survey counts: not given" in text

    def test_nothing_estimable_has_no_chart(self, withheld: HiddenBrief) -> None:
        # the men only, withheld: no estimate, so no chart
        men = withheld.table[withheld.table["group"] == "Men"].reset_index(drop=True)
        brief = dataclasses.replace(withheld, table=men, survey=withheld.survey[-1:])
        assert not brief.estimable and hidden_image(brief) is None
        text, images = docx_text(hidden_docx(brief))
        assert images == 0
        assert "No group can be estimated from the records in view" in text
        assert re.search(r"Men(\s+withheld){5}", flat(text))
        pdf, pdf_images = pdf_text(hidden_pdf(brief))
        assert pdf_images == 0 and "Men: withheld" in flat(pdf)

    @pytest.mark.parametrize(
        ("options", "words"),
        [
            ({"method": "odds"}, "method"),
            ({"denominators": "all"}, "denominators"),
            ({"unit": "dozens"}, "unit"),
            ({"rows": []}, "at least one group"),
        ],
    )
    def test_refusals_are_one_sentence(
        self, demo_frame: pd.DataFrame, options: dict, words: str
    ) -> None:
        with pytest.raises(ValueError, match=words):
            make(demo_frame, 10, **options)


@pytest.mark.slow
def test_rendered_chart_is_in_both_files(shown: HiddenBrief) -> None:
    image = hidden_image(shown)
    assert image is not None and image.startswith(PNG)
    for kind, (text, images) in both(shown, image).items():
        assert images == 1, kind
        assert flat(estimate_headline(shown.table, unit="thousands")) in flat(text)


class TestCommand:
    """``python -m core brief --hidden SURVEY.csv``: the page's brief, headless."""

    @staticmethod
    def run(*words: str) -> int:
        import argparse

        from core.cli import brief

        parser = argparse.ArgumentParser(prog="python -m core brief")
        brief.configure(parser)
        return brief.run(parser.parse_args(list(words)))

    @staticmethod
    def survey_file(tmp_path) -> str:
        path = tmp_path / "survey.csv"
        path.write_text(
            "gender,majority_status,forced_labour,forced_labour_low,forced_labour_high\n"
            "Female,Adult,5361,4000,7000\nMale,Adult,10656,,\n"
        )
        return str(path)

    @pytest.mark.slow
    def test_writes_both_files(self, tmp_path, capsys, demo_frame: pd.DataFrame) -> None:
        from tests.conftest import DEMO_FILE

        out = tmp_path / "out"
        args = ["--data", str(DEMO_FILE), "--hidden", self.survey_file(tmp_path)]
        assert self.run(*args, "--out", str(out), "--survey-source", "GEMS 2022") == 0
        docx_path, pdf_path = out / "ctdc_hidden_brief.docx", out / "ctdc_hidden_brief.pdf"
        printed = capsys.readouterr().out.splitlines()
        assert printed == [f"wrote {docx_path}", f"wrote {pdf_path}"]
        text, images = docx_text(docx_path.read_bytes())
        assert images == 1
        text = flat(text)
        assert re.search(r"Women\s+5,361\s+4,000\s+7,000", text)
        assert "Source of the survey counts: GEMS 2022" in text
        # the link opens the page with these counts, the method and the unit
        assert "Hidden_populations?hid_women=5%2C361&hid_women_low=4%2C000" in text
        assert "hid_unit=Thousand+people" in text and "&k=10" in text
        brief = make(demo_frame, 10)  # the same counts and bounds, as the page makes it
        women = brief.table.set_index("group").loc["Women"]
        assert f"{women['estimate']:,.0f}" in text
        assert flat(pdf_text(pdf_path.read_bytes())[0]).startswith(flat(HIDDEN_TITLE))

    def test_one_line_for_each_fault(self, tmp_path, capsys) -> None:
        from tests.conftest import DEMO_FILE

        base = ["--data", str(DEMO_FILE), "--out", str(tmp_path)]
        missing = str(tmp_path / "none.csv")
        assert self.run(*base, "--hidden", missing) == 2
        assert (
            capsys.readouterr().out.strip()
            == f"error: No survey file at {missing}; check the path."
        )
        assert self.run(*base, "--hidden", missing, "--country", "UKR") == 2
        assert capsys.readouterr().out.strip() == (
            "error: give --country ISO or --hidden SURVEY_CSV, not both."
        )
        assert not list(tmp_path.iterdir())


def test_a_typed_source_with_control_characters(shown: HiddenBrief) -> None:
    # python-docx refuses text a Word file (XML 1.0) cannot hold; the brief drops it
    brief = dataclasses.replace(shown, survey_source="GEMS\x00 2022\x1b")
    for kind, (text, _images) in both(brief).items():
        assert "Source of the survey counts: GEMS 2022" in flat(text), kind
