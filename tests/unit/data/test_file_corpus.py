"""A corpus of malformed and unusual files, through the upload path and `python -m core validate`:
each is read with the right row count or refused with one clear sentence; nothing crashes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from core.cli.main import main as cli_main
from core.data.load import DataError, load_cached
from core.data.schema import RELEASE_2021, RELEASE_2024, RELEASE_OLDER
from tests.conftest import DEMO_FILE, ROOT
from tests.fileforms import to_bytes, to_layout_2024, to_layout_older
from tests.helpers import texts

RAW = pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False).head(400)
N = len(RAW)


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    rows: int | None = None  # accepted with this many rows ...
    phrase: str | None = None  # ... or refused with a sentence containing this
    release: str | None = None
    env: tuple[tuple[str, str], ...] = ()


def _ragged() -> bytes:
    text = to_bytes(RAW.head(20)).decode()
    lines = text.splitlines()
    lines[5] += "\textra\tfields"
    return ("\n".join(lines) + "\n").encode()


def _pipe() -> bytes:
    return to_bytes(RAW.head(20)).replace(b"\t", b"|")


CASES = [
    Case("empty.tsv", lambda: b"", phrase="empty"),
    Case("blank_lines.csv", lambda: b"\n\n  \r\n\n", phrase="empty"),
    Case("random.bin", lambda: bytes((i * 7919) % 256 for i in range(20_000)), phrase="binary"),
    Case(
        "picture.png",
        lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200,
        phrase="binary",
    ),
    Case("export.json", lambda: json.dumps([{"gender": "Female"}]).encode(), phrase="JSON"),
    Case(
        "error_page.html",
        lambda: b"<!DOCTYPE html><html><body>404</body></html>",
        phrase="web page",
    ),
    Case("archive.zip", lambda: b"PK\x03\x04\x14\x00" + b"\x00" * 100, phrase="ZIP"),
    Case("pipe_separated.txt", _pipe, phrase="not a table"),
    Case("no_gender.csv", lambda: to_bytes(RAW.drop(columns=["gender"]), sep=","), phrase="gender"),
    Case(
        "no_age_or_majority.csv",
        lambda: to_bytes(RAW.drop(columns=["ageBroad", "majorityStatusAtExploit"]), sep=","),
        phrase="ageBroad or majorityStatusAtExploit",
    ),
    Case("header_only.tsv", lambda: to_bytes(RAW.head(0)), phrase="no records"),
    Case(
        "years_unreadable.tsv",
        lambda: to_bytes(RAW.assign(yearOfRegistration="unknown")),
        phrase="readable year",
    ),
    Case("ragged_rows.tsv", _ragged, phrase="could not be parsed"),
    Case("truncated.tsv.gz", lambda: to_bytes(RAW, gz=True)[:300], phrase="truncated"),
    Case(
        "oversize.tsv", lambda: to_bytes(RAW), phrase="larger than", env=(("CTDC_MAX_MB", "0.01"),)
    ),
    Case(
        "oversize_inside.tsv.gz",
        lambda: to_bytes(RAW, gz=True),
        phrase="larger than",
        env=(("CTDC_MAX_MB", "0.01"),),
    ),
    Case("plain.tsv", lambda: to_bytes(RAW), rows=N, release=RELEASE_2021),
    Case("comma.csv", lambda: to_bytes(RAW, sep=","), rows=N, release=RELEASE_2021),
    Case(
        "semicolon_bom_crlf.csv", lambda: to_bytes(RAW, sep=";", bom=True, line_end="\r\n"), rows=N
    ),
    Case("compressed.tsv.gz", lambda: to_bytes(RAW, gz=True), rows=N, release=RELEASE_2021),
    Case("utf16.tsv", lambda: b"\xff\xfe" + to_bytes(RAW).decode().encode("utf-16-le"), rows=N),
    Case(
        "latin1.csv",
        lambda: to_bytes(RAW.assign(citizenship="CÔT"), sep=",", encoding="cp1252"),
        rows=N,
    ),
    Case(
        "older_minus99.csv",
        lambda: to_bytes(to_layout_older(RAW), sep=";"),
        rows=N,
        release=RELEASE_OLDER,
    ),
    Case(
        "release_2024.csv",
        lambda: to_bytes(to_layout_2024(RAW), sep=","),
        rows=N,
        release=RELEASE_2024,
    ),
    Case("trailing_blank_lines.tsv", lambda: to_bytes(RAW) + b"\n\n\n", rows=N),
    Case(
        "duplicate_column.csv",
        lambda: to_bytes(pd.concat([RAW, RAW[["gender"]]], axis=1), sep=","),
        rows=N,
    ),
    Case("one_record.tsv", lambda: to_bytes(RAW.head(1)), rows=1),
]


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Case:
    monkeypatch.setenv("CTDC_CACHE_DIR", str(tmp_path / "cache"))
    for key, value in request.param.env:
        monkeypatch.setenv(key, value)
    return request.param


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20


def test_upload_path(case: Case) -> None:
    """What the sidebar does with an uploaded file: load_cached(bytes, label=name)."""
    data = case.build()
    if case.rows is not None:
        result = load_cached(data, label=case.name)
        assert result.rows == case.rows
        if case.release:
            assert result.release == case.release
        assert result.frame["yearOfRegistration"].notna().any()
    else:
        with pytest.raises(DataError) as info:
            load_cached(data, label=case.name)
        message = str(info.value)
        assert case.phrase and case.phrase in message
        assert "\n" not in message and len(message) < 300 and message.endswith(".")


def test_validate_command(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.build())
    code = cli_main(["validate", "--json", str(path)])
    out = capsys.readouterr()
    info = json.loads(out.out.strip().splitlines()[0])
    if case.rows is not None:
        assert code == 0 and info["ok"] is True and info["rows"] == case.rows
    else:
        assert code == 2 and info["ok"] is False and case.phrase in info["error"]
        assert out.err.strip().startswith("error: ")


@pytest.mark.parametrize("name", ["truncated.tsv.gz", "export.json", "plain.tsv"])
def test_validate_as_a_process(name: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    path = tmp_path / name
    path.write_bytes(case.build())
    out = subprocess.run(
        [sys.executable, "-m", "core", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in out.stdout + out.stderr
    if case.rows is None:
        assert out.returncode == 2
        assert out.stdout.strip().count("\n") == 0 and out.stdout.startswith("error: ")
    else:
        assert out.returncode == 0 and f"ok: {case.rows:,} records" in out.stdout


def test_upload_widget(case: Case, run_page: Callable[..., object]) -> None:
    """The same corpus through the sidebar's real upload widget (AppTest)."""
    # AppTest hands no file to an uploader drawn by the entry point under st.navigation:
    # the home page runs on its own (the same sidebar code); the browser tests upload
    # through the real app.
    at = run_page("pages/0_Home_page.py")
    uploader = at.sidebar.file_uploader[0]  # type: ignore[attr-defined]
    uploader.set_value((case.name, case.build(), "text/plain")).run()
    assert not at.exception  # type: ignore[attr-defined]
    metrics = {m.label: m.value for m in at.metric}  # type: ignore[attr-defined]
    errors = texts(at.sidebar, "error")
    if case.rows is not None:
        assert not errors
        # a file of fewer than k records is read, and its count is shown as '<10'
        assert metrics["Records"] == (f"{case.rows:,}" if case.rows >= 10 else "<10")
        assert not any("Illustrative demo data" in w.value for w in at.warning)  # type: ignore[attr-defined]
    else:
        assert case.phrase and case.phrase in errors
        assert metrics["Records"] == "20,000"  # still the demo, nothing lost
