"""Tests of ``python -m core demo`` and ``python -m core calibrate`` (core.cli.demo).

Every file is written under ``tmp_path``; the committed demo data are only read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core.cli.main import main
from core.demo.calibrate import read_raw
from core.demo.columns import COLUMNS_2021
from core.demo.generate import DEFAULT_CALIBRATION_PATH, generate_demo, load_calibration, write_demo
from tests.conftest import REAL_MISSING

ROOT = Path(__file__).resolve().parents[3]
REAL_FILE = ROOT.parent / "shared" / "data" / "CTDC_synthetic_20210825.tsv"


def _tiny_raw(path: Path) -> Path:
    """Three hand-made records in the raw 2021 layout, as a TSV."""
    rows = [
        {"yearOfRegistration": "2016", "gender": "Female", "majorityStatusAtExploit": "Minor"},
        {"yearOfRegistration": "2017", "gender": "Female", "majorityStatusAtExploit": "Minor"},
        {"gender": "Male", "majorityStatusAtExploit": "Adult", "isForcedLabour": "1"},
    ]
    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS_2021} for r in rows])
    frame.to_csv(path, sep="\t", index=False, lineterminator="\n")
    return path


class TestDemo:
    def test_writes_the_gzipped_tsv(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
        out = tmp_path / "demo.tsv.gz"
        assert main(["demo", "--out", str(out), "--n", "300", "--seed", "5"]) == 0
        assert capsys.readouterr().out == f"wrote 300 demo records to {out}\n"
        back = read_raw(out)
        pd.testing.assert_frame_equal(back, generate_demo(load_calibration(), n=300, seed=5))
        again = write_demo(tmp_path / "again.tsv.gz", n=300, seed=5)
        assert out.read_bytes() == again.read_bytes()

    def test_another_calibration(self, tmp_path: Path) -> None:
        calibration = tmp_path / "cal.json"
        assert main(["calibrate", str(_tiny_raw(tmp_path / "raw.tsv")), "--out", str(calibration),
                     "--min-cell", "1"]) == 0  # fmt: skip
        out = tmp_path / "demo.tsv.gz"
        args = ["demo", "--out", str(out), "--n", "50", "--calibration", str(calibration)]
        assert main(args) == 0
        frame = read_raw(out)
        assert len(frame) == 50
        assert set(frame["gender"]) <= {"Female", "Male"}

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--n", "-3"], "error: n must be a whole number of at least 0, not -3."),
            (["--seed", "-1"], "error: seed must be a whole number of at least 0, not -1."),
            (["--calibration", "{missing}"], "error: No calibration file at {missing}; "),
            (["--calibration", "{bad}"], "error: The calibration file {bad} is not valid JSON"),
            (["--calibration", "{partial}"], "error: The calibration lacks the tables "),
        ],
    )
    def test_refusals_are_one_error_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
    ) -> None:
        names = {
            "missing": tmp_path / "nope.json",
            "bad": tmp_path / "bad.json",
            "partial": tmp_path / "partial.json",
        }
        names["bad"].write_text("{not json", encoding="utf-8")
        names["partial"].write_text(json.dumps({"year": {"2016": 10}}), encoding="utf-8")
        out = tmp_path / "demo.tsv.gz"
        filled = [a.format(**names) for a in args]
        assert main(["demo", "--out", str(out), "--n", "10", *filled]) == 2
        printed = capsys.readouterr().out
        assert printed.startswith(message.format(**names))
        assert printed.count("\n") == 1
        assert not out.exists()

    def test_a_folder_in_the_way_of_the_output(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        (tmp_path / "taken").mkdir()
        assert main(["demo", "--out", str(tmp_path / "taken"), "--n", "10"]) == 2
        printed = capsys.readouterr().out
        assert printed.startswith(f"error: Cannot write {tmp_path / 'taken'} (")
        assert printed.count("\n") == 1

    def test_a_wrong_option_is_argparses_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as info:
            main(["demo", "--n", "many"])
        assert info.value.code == 2
        assert "argument --n: invalid int value: 'many'" in capsys.readouterr().err


class TestCalibrate:
    def test_tiny_file_by_hand(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        raw = _tiny_raw(tmp_path / "tiny.tsv")
        out = tmp_path / "cal.json"
        assert main(["calibrate", str(raw), "--out", str(out), "--min-cell", "1"]) == 0
        assert capsys.readouterr().out == f"wrote calibration of 3 rows to {out}\n"
        written = json.loads(out.read_text(encoding="utf-8"))
        assert written["gender_majority"] == {"Female|Minor": 2, "Male|Adult": 1}
        assert written["meta"]["rows"] == 3
        assert written["meta"]["min_cell"] == 1

    def test_the_default_threshold_suppresses_small_counts(self, tmp_path: Path) -> None:
        out = tmp_path / "cal.json"
        assert main(["calibrate", str(_tiny_raw(tmp_path / "tiny.tsv")), "--out", str(out)]) == 0
        written = json.loads(out.read_text(encoding="utf-8"))
        assert written["meta"]["min_cell"] == 10
        assert written["gender_majority"] == {"Female|Minor": 0, "Male|Adult": 0}

    @pytest.mark.parametrize(
        ("setup", "message"),
        [
            ("missing", "error: No file at {raw}; check the path and try again."),
            ("folder", "error: {raw} is a folder, not a file; point to the data file in it."),
            ("other", "error: This is not the raw 2021 layout; missing columns: "),
            ("min-cell", "error: min_cell must be a whole number of at least 1"),
        ],
    )
    def test_refusals_are_one_error_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, message: str
    ) -> None:
        raw = tmp_path / "raw.tsv"
        extra: list[str] = []
        if setup == "folder":
            raw.mkdir()
        elif setup == "other":
            raw.write_text("gender\tage\nFemale\t30\n", encoding="utf-8")
        elif setup == "min-cell":
            _tiny_raw(raw)
            extra = ["--min-cell", "0"]
        out = tmp_path / "cal.json"
        assert main(["calibrate", str(raw), "--out", str(out), *extra]) == 2
        printed = capsys.readouterr().out
        assert printed.startswith(message.format(raw=raw))
        assert printed.count("\n") == 1
        assert not out.exists()

    @pytest.mark.real
    def test_the_real_file_rebuilds_the_committed_calibration(self, tmp_path: Path) -> None:
        if not REAL_FILE.is_file():
            pytest.skip(REAL_MISSING)
        out = tmp_path / "demo_calibration.json"
        assert main(["calibrate", str(REAL_FILE), "--out", str(out)]) == 0
        assert out.read_bytes() == DEFAULT_CALIBRATION_PATH.read_bytes()


@pytest.mark.parametrize(("module", "command"), [("generate", "demo"), ("calibrate", "calibrate")])
def test_the_old_command_lines_say_where_they_went(
    tmp_path: Path, module: str, command: str
) -> None:
    out = subprocess.run(
        [sys.executable, "-m", f"core.demo.{module}", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert out.returncode == 2
    assert out.stderr == f"error: this command is now `python -m core {command}` (same options).\n"
    assert not (tmp_path / "x").exists()
