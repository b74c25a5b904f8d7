"""Tests of ``python -m core models``: the three CSV files and the refusals."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core.cli.main import main
from core.cli.models import CELL_COLUMNS, COEFFICIENT_COLUMNS, EXTRAPOLATION_COLUMNS

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "tests" / "fixtures" / "demo_20k_2021layout.tsv.gz"
OUTCOMES = [
    "isSexualExploit",
    "isForcedLabour",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
]


def write_survey(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.real
def test_real_release_writes_the_published_numbers(real_file, tmp_path, capsys):
    survey = write_survey(
        tmp_path / "survey.csv",
        "gender,majority_status,forced_labour\nMale,Adult,10656\nFemale,Adult,5361\n",
    )
    code = main(
        [
            "models",
            "--data",
            str(real_file),
            "--out",
            str(tmp_path / "out"),
            "--survey",
            str(survey),
        ]
    )
    assert code == 0
    assert "records used: 28,125 of 193,025" in capsys.readouterr().out
    coefficients = pd.read_csv(tmp_path / "out" / "logit_coefficients.csv")
    cells = pd.read_csv(tmp_path / "out" / "logit_cells.csv")
    extrapolation = pd.read_csv(tmp_path / "out" / "extrapolation.csv")
    assert list(coefficients.columns) == COEFFICIENT_COLUMNS
    assert list(cells.columns) == CELL_COLUMNS
    assert list(extrapolation.columns) == EXTRAPOLATION_COLUMNS
    # R: glm(isSexualExploit ~ gender * majorityStatusAtExploit, family = binomial):
    # intercept = log(4608 / 3810), the odds of adult women
    first = coefficients.set_index(["model", "term"]).loc[("isSexualExploit", "Intercept")]
    assert first["estimate"] == pytest.approx(math.log(4608 / 3810), abs=1e-9)
    assert first["ci_low"] == pytest.approx(first["estimate"] - 1.959964 * first["std_error"])
    # all four cells of every model, also model 5 which has no gender term
    assert cells.groupby("model").size().to_dict() == dict.fromkeys(OUTCOMES, 4)
    men = cells.set_index(["model", "gender", "majority_status"]).loc[
        ("isSexualExploit", "Male", "Adult")
    ]
    assert (men["n"], men["events"]) == (3799, 42)
    assert men["probability"] == pytest.approx(42 / 3799)
    family = cells[cells["model"] == "recruiterRelationFamily"].set_index(
        ["gender", "majority_status"]
    )
    assert family.loc[("Male", "Adult"), "probability"] == pytest.approx(
        family.loc[("Female", "Adult"), "probability"]
    )
    # boys: 381 of 382 recruited by family (1 non-event): withheld, with girls (the other
    # minors, who would give boys away through the minors' cell); adults stay
    assert family.loc[("Male", "Minor"), ["n", "events", "probability"]].isna().all()
    assert family.loc[("Female", "Minor"), ["n", "events", "probability"]].isna().all()
    assert family.loc[("Male", "Adult"), "n"] == 216
    # intimate partner, men: 1 of 216 (a main-effects model: all its estimates withheld)
    partner = cells[cells["model"] == "recruiterRelationIntimatePartner"].set_index(
        ["gender", "majority_status"]
    )
    assert pd.isna(partner.loc[("Male", "Adult"), "n"])
    assert partner["probability"].isna().all()
    assert (
        coefficients.loc[coefficients["model"] == "recruiterRelationIntimatePartner", "estimate"]
        .isna()
        .all()
    )
    rows = extrapolation.set_index(["method", "gender"])
    assert rows.loc[("published", "Male"), "estimate"] == pytest.approx(10656 * 42 / 3757)
    assert rows.loc[("published", "Female"), "estimate"] == pytest.approx(5361 * 4608 / 3810)
    assert set(extrapolation["method"]) == {"published", "ratio"}


def test_demo_writes_three_files_and_warns_about_separation(tmp_path, capsys):
    survey = write_survey(
        tmp_path / "s.csv",
        "gender,majority_status,forced_labour,forced_labour_low,"
        "forced_labour_high\nFemale,Minor,100,80,130\n",
    )
    code = main(
        [
            "models",
            "--data",
            str(DEMO),
            "--out",
            str(tmp_path / "o"),
            "--survey",
            str(survey),
            "--spec",
            "ctdc",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert out.count("wrote ") == 3
    extrapolation = pd.read_csv(tmp_path / "o" / "extrapolation.csv")
    assert len(extrapolation) == 2
    assert (extrapolation["ci_low"] < extrapolation["estimate"]).all()
    assert (extrapolation["estimate"] < extrapolation["ci_high"]).all()
    cells = pd.read_csv(tmp_path / "o" / "logit_cells.csv")
    assert set(cells["gender"]) == {"Female", "Male"}
    assert set(cells["majority_status"]) == {"Adult", "Minor"}
    # withheld groups are empty throughout; every other probability is a probability
    withheld = cells["n"].isna()
    assert cells.loc[withheld, ["events", "probability", "log_odds"]].isna().all().all()
    assert cells.loc[~withheld, "probability"].between(0, 1).all()


def test_firth_option_for_separated_models(tmp_path, capsys):
    pytest.importorskip("firthmodels", reason="firthmodels not installed")
    code = main(["models", "--data", str(DEMO), "--out", str(tmp_path), "--firth"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Firth-penalised estimates written" in out
    coefficients = pd.read_csv(tmp_path / "logit_coefficients.csv")
    assert coefficients["estimate"].abs().max() < 15  # finite, no exploding estimates


@pytest.mark.parametrize(
    ("survey", "words"),
    [
        ("gender,forced_labour\nMale,5\n", "majority_status"),
        ("gender,majority_status,forced_labour\nMale,Adult,-5\n", "negative"),
        ("gender,majority_status,forced_labour\nMale,Adult,lots\n", "not a number"),
        ("", "not a readable CSV"),
    ],
)
def test_bad_survey_files_are_refused(tmp_path, capsys, survey, words):
    path = write_survey(tmp_path / "s.csv", survey)
    code = main(
        ["models", "--data", str(DEMO), "--out", str(tmp_path / "o"), "--survey", str(path)]
    )
    assert code == 2
    out = capsys.readouterr().out
    assert out.startswith("error: ")
    assert words in out
    assert not (tmp_path / "o").exists()


def test_missing_files_are_refused(tmp_path, capsys):
    assert (
        main(
            [
                "models",
                "--data",
                str(DEMO),
                "--out",
                str(tmp_path),
                "--survey",
                str(tmp_path / "none.csv"),
            ]
        )
        == 2
    )
    assert "No survey file" in capsys.readouterr().out
    assert main(["models", "--data", str(tmp_path / "none.tsv"), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().out.startswith("error: No file at")


def test_a_folder_given_as_the_survey_is_refused(tmp_path, capsys):
    # used to end in a traceback (IsADirectoryError) instead of one 'error:' line
    folder = tmp_path / "surveys"
    folder.mkdir()
    code = main(
        ["models", "--data", str(DEMO), "--out", str(tmp_path / "o"), "--survey", str(folder)]
    )
    assert code == 2
    out = capsys.readouterr().out
    assert out.startswith("error: ")
    assert "cannot be read" in out
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_runs_as_a_module(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "core", "models", "--data", str(DEMO), "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "logit_coefficients.csv").exists()
    assert (tmp_path / "logit_cells.csv").exists()
    assert not (tmp_path / "extrapolation.csv").exists()


def _numbers(frame: pd.DataFrame) -> pd.Series:
    """Every number of a file except probabilities (which may be exactly 1)."""
    numeric = frame.select_dtypes("number")
    values = numeric[[c for c in numeric.columns if not c.startswith("probability")]]
    values = values.to_numpy().ravel()
    return pd.Series(values[~pd.isna(values)])


def _count_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in ("n", "events") if c in frame.columns]


class TestProtection:
    def test_demo_writes_no_count_below_k(self, tmp_path, capsys):
        survey = write_survey(
            tmp_path / "s.csv",
            "gender,majority_status,forced_labour\nMale,Adult,10656\nFemale,Adult,5361\n",
        )
        assert (
            main(
                [
                    "models",
                    "--data",
                    str(DEMO),
                    "--out",
                    str(tmp_path / "o"),
                    "--survey",
                    str(survey),
                ]
            )
            == 0
        )
        out = capsys.readouterr().out
        for name in ("logit_coefficients.csv", "logit_cells.csv", "extrapolation.csv"):
            frame = pd.read_csv(tmp_path / "o" / name)
            for column in _count_columns(frame):
                values = frame[column].dropna()
                assert not ((values >= 1) & (values <= 9)).any(), (name, column)
            # a whole number in 1..9 anywhere else in the files could be a count
            numbers = _numbers(frame)
            whole = numbers[(numbers == numbers.round()) & (numbers >= 1) & (numbers <= 9)]
            assert whole.empty, (name, whole.tolist())
        cells = pd.read_csv(tmp_path / "o" / "logit_cells.csv").set_index(
            ["model", "gender", "majority_status"]
        )
        # demo: adult men have 7 events of sexual exploitation; withheld with every number
        # of their row, and boys with them (the totals would give men away)
        men = cells.loc[("isSexualExploit", "Male", "Adult")]
        assert men[["n", "events", "log_odds", "odds", "probability"]].isna().all()
        assert cells.loc[("isSexualExploit", "Male", "Minor"), ["n", "events"]].isna().all()
        # the 7 appears nowhere in the printed lines either
        assert " 7 " not in out
        extrapolation = pd.read_csv(tmp_path / "o" / "extrapolation.csv")
        assert extrapolation.loc[extrapolation["gender"] == "Male", "estimate"].isna().all()

    def test_a_lower_k_is_raised_to_the_floor_with_a_note(self, tmp_path, capsys):
        assert main(["models", "--data", str(DEMO), "--out", str(tmp_path), "--k", "1"]) == 0
        captured = capsys.readouterr()
        notes = [line for line in captured.err.splitlines() if line.startswith("note:")]
        assert len(notes) == 1
        assert "10 is used" in notes[0]
        cells = pd.read_csv(tmp_path / "logit_cells.csv")
        assert not cells["events"].between(1, 9).any()

    def test_a_higher_k_withholds_more(self, tmp_path, capsys):
        assert main(["models", "--data", str(DEMO), "--out", str(tmp_path / "a")]) == 0
        assert main(["models", "--data", str(DEMO), "--out", str(tmp_path / "b"), "--k", "25"]) == 0
        assert "note: --k" not in capsys.readouterr().err
        default = pd.read_csv(tmp_path / "a" / "logit_cells.csv")
        higher = pd.read_csv(tmp_path / "b" / "logit_cells.csv")
        assert higher["n"].isna().sum() > default["n"].isna().sum()
        for column in ("n", "events"):
            assert not higher[column].between(1, 24).any()

    def test_the_floor_comes_from_the_environment(self, tmp_path, capsys, monkeypatch):
        monkeypatch.setenv("CTDC_MIN_K", "25")
        assert main(["models", "--data", str(DEMO), "--out", str(tmp_path), "--k", "10"]) == 0
        assert "25 is used" in capsys.readouterr().err
        cells = pd.read_csv(tmp_path / "logit_cells.csv")
        assert not cells["events"].between(1, 24).any()
