"""``python -m core brief``: the files it writes, and one line for each user's fault.

The command is driven through its own ``configure`` and ``run`` (and through
``core.cli.main`` once the command table lists it).
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from core.cli import brief

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "tests" / "fixtures" / "demo_20k_2021layout.tsv.gz"


def run(*words: str) -> int:
    parser = argparse.ArgumentParser(prog="python -m core brief")
    brief.configure(parser)
    return brief.run(parser.parse_args(list(words)))


class TestBriefCommand:
    @pytest.mark.slow
    def test_writes_both_files(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        from docx import Document

        out = tmp_path / "briefs"
        assert run("--data", str(DEMO), "--country", "ukr", "--out", str(out)) == 0
        docx_path, pdf_path = out / "ctdc_brief_UKR.docx", out / "ctdc_brief_UKR.pdf"
        assert pdf_path.read_bytes().startswith(b"%PDF")
        text = "\n".join(p.text for p in Document(io.BytesIO(docx_path.read_bytes())).paragraphs)
        assert "Country brief: Ukraine" in text
        assert "Illustrative demo data, not real records." in text  # the demo says so
        assert "Country_brief?country=Ukraine&k=10" in text
        printed = capsys.readouterr().out.splitlines()
        assert printed == [f"wrote {docx_path}", f"wrote {pdf_path}"]

    @pytest.mark.slow
    def test_one_format(self, tmp_path: Path) -> None:
        assert (
            run("--data", str(DEMO), "--country", "BLR", "--out", str(tmp_path), "--format", "pdf")
            == 0
        )
        assert [p.name for p in tmp_path.iterdir()] == ["ctdc_brief_BLR.pdf"]

    @pytest.mark.slow
    def test_k_never_below_the_floor(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CTDC_MIN_K", "20")
        args = ["--data", str(DEMO), "--country", "BLR", "--out", str(tmp_path)]
        assert run(*args, "--format", "docx", "--k", "5") == 0
        err = capsys.readouterr().err
        assert err.strip() == "note: counts below 20 are never shown; --k 5 was raised to 20."

    def test_list_countries(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert run("--data", str(DEMO), "--list-countries") == 0
        lines = capsys.readouterr().out.splitlines()
        assert "UKR\tUkraine" in lines
        assert all(len(line.split("\t")) == 2 for line in lines)

    @pytest.mark.parametrize(
        ("words", "start"),
        [
            (["--country", "XYZ", "--out", "OUT"], "error: 'XYZ' is not a country in this data"),
            (["--country", "UKR"], "error: name the country (--country ISO) and the folder"),
            (["--out", "OUT"], "error: name the country (--country ISO) and the folder"),
        ],
    )
    def test_one_line_for_each_fault(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        words: list[str],
        start: str,
    ) -> None:
        words = [str(tmp_path / "out") if w == "OUT" else w for w in words]
        assert run("--data", str(DEMO), *words) == 2
        printed = capsys.readouterr().out.splitlines()
        assert len(printed) == 1
        assert printed[0].startswith(start)

    def test_folder_that_cannot_be_made(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        blocker = tmp_path / "a_file"
        blocker.write_text("x")
        assert run("--data", str(DEMO), "--country", "UKR", "--out", str(blocker / "sub")) == 2
        printed = capsys.readouterr().out.splitlines()
        assert len(printed) == 1
        assert printed[0].startswith("error: the output folder")

    def test_through_the_command_table(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from core.cli import main

        if "brief" not in getattr(main, "COMMANDS", {}):
            pytest.skip("core.cli.main.COMMANDS does not list 'brief' yet")
        assert main.main(["brief", "--data", str(tmp_path / "absent.tsv"), "--list-countries"]) == 2
        printed = capsys.readouterr().out.splitlines()
        assert len(printed) == 1
        assert printed[0].startswith("error:")
