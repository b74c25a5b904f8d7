"""Tests of the command table of ``python -m core`` (core.cli.main)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.cli.main import COMMANDS, main

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "tests" / "fixtures" / "demo_20k_2021layout.tsv.gz"
EXPECTED = ["validate", "summary", "models", "forecast", "brief", "audit", "demo", "calibrate"]


class TestTable:
    def test_the_table_holds_every_command(self) -> None:
        assert list(COMMANDS) == EXPECTED

    def test_every_command_is_listed_in_help(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as info:
            main(["--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        for name, (summary, _load) in COMMANDS.items():
            assert name in out
            assert summary in out

    @pytest.mark.parametrize("name", EXPECTED)
    def test_every_command_has_its_own_help(
        self, name: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith(f"usage: python -m core {name} ")
        assert "--" in out  # its options are there: the command's module configured it

    def test_the_real_entry_point_lists_them(self) -> None:
        out = subprocess.run(
            [sys.executable, "-m", "core", "--help"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        for name in EXPECTED:
            assert f"    {name}" in out.stdout


class TestWrongCommands:
    def test_an_unknown_command_exits_2_with_a_sentence(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit) as info:
            main(["sumary", "--data", str(DEMO)])
        assert info.value.code == 2
        err = capsys.readouterr().err
        last = err.strip().splitlines()[-1]
        assert last.startswith("python -m core: error: ")
        assert "invalid choice: 'sumary'" in last
        for name in EXPECTED:  # the sentence lists the commands there are
            assert f"'{name}'" in last

    def test_no_command_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as info:
            main([])
        assert info.value.code == 2
        assert "the following arguments are required: COMMAND" in capsys.readouterr().err

    def test_a_missing_file_is_one_error_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["summary", "--data", str(tmp_path / "nope.tsv")]) == 2
        out = capsys.readouterr().out
        assert out.startswith("error: No file at ")
        assert out.count("\n") == 1


def test_a_command_imports_only_its_own_module() -> None:
    """``validate`` does not wait for the forecasting and modelling libraries."""
    code = (
        "import sys; from core.cli.main import main; "
        f"rc = main(['validate', {str(DEMO)!r}]); "
        "print(rc, 'core.cli.forecast' in sys.modules, 'core.cli.models' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "0 False False"
