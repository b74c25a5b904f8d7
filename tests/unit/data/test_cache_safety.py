"""Safe with sensitive case data: uploads never reach the disk, the disk cache runs no code
and trusts no entry it did not write, and absurdly wide files are refused before parsing."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import stat
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import core.data.cache
import core.data.load
from core.data.cache import CACHE_FORMAT
from core.data.load import (
    LOADER_VERSION,
    MAX_COLUMNS,
    DataError,
    content_hash,
    load_cached,
    read_ctdc,
)
from tests.conftest import DEMO_FILE
from tests.fileforms import to_bytes

RAW = pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own (not yet created)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CTDC_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """An operator's file given by path: 400 demo records."""
    path = tmp_path / "ctdc.tsv"
    path.write_bytes(to_bytes(RAW.head(400)))
    return path


def entry_of(cache: Path, path: Path) -> Path:
    return cache / f"{content_hash(path.read_bytes())}-{CACHE_FORMAT}-v{LOADER_VERSION}"


def files_under(folder: Path) -> set[Path]:
    return set(folder.rglob("*")) if folder.exists() else set()


def assert_same_result(left: core.data.load.LoadResult, right: core.data.load.LoadResult) -> None:
    pd.testing.assert_frame_equal(left.frame, right.frame)
    for column in left.frame.select_dtypes("category"):
        a, b = left.frame[column].dtype, right.frame[column].dtype
        assert list(a.categories) == list(b.categories), column
        assert a.ordered == b.ordered, column
    assert left.summary() == right.summary()


class _Writes:
    """Every write-mode open, mkdir, rename and temporary file the process asks for while
    ``active`` (a Python audit hook; hooks cannot be removed, so it is switched off)."""

    active = False
    seen: list[tuple[str, tuple[object, ...]]] = []  # noqa: RUF012

    @classmethod
    def hook(cls, event: str, args: tuple[object, ...]) -> None:
        if not cls.active:
            return
        if event == "open" and len(args) > 2:
            mode, flags = args[1], args[2]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            )
            if writes:
                cls.seen.append((event, args))
        elif event in {
            "os.mkdir",
            "os.rename",
            "os.replace",
            "tempfile.mkstemp",
            "tempfile.mkdtemp",
            "shutil.copyfile",
            "os.symlink",
            "os.link",
        }:
            cls.seen.append((event, args))


sys.addaudithook(_Writes.hook)


@pytest.fixture
def watched_writes() -> Iterator[list[tuple[str, tuple[object, ...]]]]:
    _Writes.seen = []
    _Writes.active = True
    try:
        yield _Writes.seen
    finally:
        _Writes.active = False


class TestUploadsStayInMemory:
    @pytest.mark.slow
    @pytest.mark.parametrize("form", ["tsv", "gz", "refused"])
    def test_no_file_anywhere(
        self,
        form: str,
        cache: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        watched_writes: list[tuple[str, tuple[object, ...]]],
    ) -> None:
        # The temporary folder is redirected to one of the test's own, and the system's is
        # searched too for anything new holding the upload's marker.
        system_tmp = Path(tempfile.gettempdir())
        own_tmp = tmp_path / "tmp"
        own_tmp.mkdir()
        monkeypatch.setenv("TMPDIR", str(own_tmp))
        monkeypatch.setattr(tempfile, "tempdir", str(own_tmp))
        cache.mkdir()
        marker = uuid.uuid4().hex
        raw = RAW.head(300).assign(notes=marker)
        if form == "refused":
            raw = raw.assign(**{f"extra{i}": "" for i in range(MAX_COLUMNS)})
        data = to_bytes(raw, gz=form == "gz")
        started = time.time() - 1
        watched_writes.clear()  # what the test itself made above does not count
        if form == "refused":
            with pytest.raises(DataError, match="columns"):
                load_cached(data, label="cases.tsv")
        else:
            assert load_cached(data, label="cases.tsv").rows == 300
        assert watched_writes == []
        assert files_under(cache) == set()
        assert files_under(own_tmp) == set()
        for path in system_tmp.rglob("*"):
            try:
                if (
                    path.is_file()
                    and not path.is_symlink()
                    and path.stat().st_mtime >= started
                    and path.stat().st_size < 64 * 2**20
                ):
                    assert marker.encode() not in path.read_bytes(), path.name
            except OSError:
                continue  # another user's file or one removed meanwhile: not ours

    def test_watch_sees_a_path_load_write(
        self, cache: Path, source: Path, watched_writes: list[tuple[str, tuple[object, ...]]]
    ) -> None:
        # the same watch catches the cache writes of a path load, so the test above can fail
        load_cached(source)
        events = {event for event, _ in watched_writes}
        assert {
            "os.mkdir",
            "tempfile.mkstemp",
            "os.rename",
        } <= events  # os.replace audits as rename


class _Payload:
    """Unpickling this calls ``open(marker, 'w')``: the marker file proves code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


class TestPlantedFilesNeverRun:
    def test_payload_is_live(self, tmp_path: Path) -> None:
        # the payload works when unpickled, so its absence below means it never ran
        marker = tmp_path / "ran"
        pickle.loads(pickle.dumps(_Payload(marker))).close()
        assert marker.exists()

    def test_planted_pickles_are_never_loaded(
        self, cache: Path, source: Path, tmp_path: Path
    ) -> None:
        marker = tmp_path / "payload-ran"
        payload = pickle.dumps(_Payload(marker))
        digest = content_hash(source.read_bytes())
        # the previous release's layout: <hash[:32]>-v1/frame.pkl + meta.json
        legacy = cache / f"{digest[:32]}-v{LOADER_VERSION}"
        legacy.mkdir(parents=True)
        (legacy / "frame.pkl").write_bytes(payload)
        (legacy / "meta.json").write_text(json.dumps({"release": "2021", "rows": 1}))
        # today's layout with the pickle as the frame and a meta that vouches for it
        entry = entry_of(cache, source)
        entry.mkdir(mode=0o700)
        (entry / "frame.arrow").write_bytes(payload)
        (entry / "frame.pkl").write_bytes(payload)
        meta = {
            "format": CACHE_FORMAT,
            "loader": LOADER_VERSION,
            "versions": core.data.cache._versions(),
            "content_hash": digest,
            "frame_bytes": len(payload),
            "frame_sha256": hashlib.sha256(payload).hexdigest(),
            "dtypes": {},
            "result": {},
        }
        (entry / "meta.json").write_text(json.dumps(meta))

        result = load_cached(source)
        assert not marker.exists()
        assert_same_result(result, read_ctdc(source))
        assert not legacy.exists()  # the old entry (it may hold an upload) is gone
        assert not (entry / "frame.pkl").exists()
        assert (entry / "frame.arrow").read_bytes()[:6] == b"ARROW1"
        assert_same_result(load_cached(source), result)
        assert not marker.exists()


class TestEntriesAreChecked:
    def test_truncated_entry_is_rebuilt(self, cache: Path, source: Path) -> None:
        fresh = load_cached(source)
        frame_file = entry_of(cache, source) / "frame.arrow"
        frame_file.write_bytes(frame_file.read_bytes()[:100])
        assert_same_result(load_cached(source), fresh)
        assert frame_file.stat().st_size > 100  # written again

    def test_hash_mismatch_is_rebuilt(self, cache: Path, source: Path) -> None:
        fresh = load_cached(source)
        meta_file = entry_of(cache, source) / "meta.json"
        meta = json.loads(meta_file.read_text())
        meta["frame_sha256"] = "0" * 64
        meta["result"]["warnings"] = ["tampered"]
        meta_file.write_text(json.dumps(meta))
        assert load_cached(source).warnings == fresh.warnings
        assert json.loads(meta_file.read_text())["frame_sha256"] != "0" * 64

    @pytest.mark.parametrize(
        ("key", "value"), [("format", "arrow-0"), ("loader", "0"), ("content_hash", "f" * 64)]
    )
    def test_other_version_or_file_is_rebuilt(
        self, cache: Path, source: Path, key: str, value: str
    ) -> None:
        fresh = load_cached(source)
        meta_file = entry_of(cache, source) / "meta.json"
        meta = json.loads(meta_file.read_text())
        meta[key] = value
        meta["result"]["warnings"] = ["foreign"]
        meta_file.write_text(json.dumps(meta))
        assert load_cached(source).warnings == fresh.warnings

    def test_writable_by_others_is_not_trusted(self, cache: Path, source: Path) -> None:
        fresh = load_cached(source)
        entry = entry_of(cache, source)
        meta = json.loads((entry / "meta.json").read_text())
        meta["result"]["warnings"] = ["planted"]
        (entry / "meta.json").write_text(json.dumps(meta))
        (entry / "meta.json").chmod(0o666)
        assert load_cached(source).warnings == fresh.warnings
        assert stat.S_IMODE((entry / "meta.json").stat().st_mode) == 0o600

    def test_linked_entry_is_not_followed(self, cache: Path, source: Path, tmp_path: Path) -> None:
        fresh = load_cached(source)
        entry = entry_of(cache, source)
        elsewhere = tmp_path / "elsewhere"
        entry.rename(elsewhere)
        meta = json.loads((elsewhere / "meta.json").read_text())
        meta["result"]["warnings"] = ["planted"]
        (elsewhere / "meta.json").write_text(json.dumps(meta))
        entry.symlink_to(elsewhere, target_is_directory=True)
        assert load_cached(source).warnings == fresh.warnings
        assert sorted(p.name for p in elsewhere.iterdir()) == ["frame.arrow", "meta.json"]


class TestPermissions:
    def test_owner_only_even_with_an_open_umask(self, cache: Path, source: Path) -> None:
        old = os.umask(0)
        try:
            load_cached(source)
        finally:
            os.umask(old)
        entry = entry_of(cache, source)
        assert stat.S_IMODE(cache.stat().st_mode) == 0o700
        assert stat.S_IMODE(entry.stat().st_mode) == 0o700
        assert sorted(p.name for p in entry.iterdir()) == ["frame.arrow", "meta.json"]
        for path in entry.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


class TestUnwritableCache:
    def test_read_only_folder(
        self, cache: Path, source: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        cache.mkdir()
        cache.chmod(0o500)
        if os.geteuid() == 0:  # root ignores the mode bits: refuse as a read-only disk would

            def read_only(*args: object, **kwargs: object) -> None:
                raise OSError(errno.EROFS, "Read-only file system")

            monkeypatch.setattr(os, "mkdir", read_only)
            monkeypatch.setattr(tempfile, "mkstemp", read_only)
        try:
            result = load_cached(source)
            again = load_cached(source)
        finally:
            cache.chmod(0o700)
        assert_same_result(result, read_ctdc(source))
        assert_same_result(again, result)
        assert files_under(cache) == set()

    def test_full_disk(self, cache: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        if not Path("/dev/full").exists():
            pytest.skip("no /dev/full to stand for a full disk")
        real_mkstemp = tempfile.mkstemp

        def full(*args: object, **kwargs: object) -> tuple[int, str]:
            handle, name = real_mkstemp(*args, **kwargs)  # type: ignore[call-overload]
            os.close(handle)
            return os.open("/dev/full", os.O_WRONLY), name  # every write: ENOSPC

        monkeypatch.setattr(tempfile, "mkstemp", full)
        result = load_cached(source)
        assert_same_result(result, read_ctdc(source))
        assert {p.name for p in files_under(cache)} == {entry_of(cache, source).name}


class TestRoundTrip:
    def test_demo_frame_is_restored_exactly(self, cache: Path) -> None:
        first = load_cached(DEMO_FILE)
        assert any(cache.glob("*/frame.arrow"))
        assert_same_result(load_cached(DEMO_FILE), first)

    @pytest.mark.real
    def test_real_frame_is_restored_exactly(self, cache: Path, real_file: Path) -> None:
        first = load_cached(real_file)
        second = load_cached(real_file)
        assert_same_result(second, first)
        assert str(second.frame["yearOfRegistration"].dtype) == "Int16"
        assert second.frame["ageBroad"].cat.ordered


def _wide(columns: int, rows: int) -> bytes:
    header = "\t".join(
        ["yearOfRegistration", "gender", "ageBroad"] + [f"c{i}" for i in range(columns - 3)]
    )
    row = "2019\tFemale\t18--20" + "\t1" * (columns - 3)
    return (header + "\n" + (row + "\n") * rows).encode()


def _assert_sentence(info: pytest.ExceptionInfo[DataError]) -> None:
    message = str(info.value)
    assert "\n" not in message and message.endswith(".") and len(message) < 300


class TestWideFiles:
    def test_100k_columns_refused_in_well_under_a_second(self) -> None:
        data = _wide(100_000, 100)  # took 324 s and 4 GB before the check
        started = time.perf_counter()
        with pytest.raises(DataError, match="first line is longer than 64 KB") as info:
            load_cached(data, label="wide.tsv")
        assert time.perf_counter() - started < 0.5
        _assert_sentence(info)

    def test_too_many_columns_in_a_short_header(self) -> None:
        data = _wide(1_000, 100)  # header ~6 KB
        started = time.perf_counter()
        with pytest.raises(DataError, match="The header has 1,000 columns") as info:
            read_ctdc(data)
        assert time.perf_counter() - started < 0.5
        _assert_sentence(info)

    def test_limit_is_exact(self) -> None:
        assert read_ctdc(_wide(MAX_COLUMNS, 5)).rows == 5
        with pytest.raises(DataError, match=f"{MAX_COLUMNS + 1} columns"):
            read_ctdc(_wide(MAX_COLUMNS + 1, 5))

    @pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
    def test_absurdly_long_line(self, line_end: str) -> None:
        text = to_bytes(RAW.head(2), line_end=line_end)
        data = text + b"2019\tFemale\t" + b"x" * (2 * 2**20) + line_end.encode() + text
        started = time.perf_counter()
        with pytest.raises(DataError, match="Line 4 is longer than 1 MB") as info:
            read_ctdc(data)
        assert time.perf_counter() - started < 0.5
        _assert_sentence(info)

    def test_long_line_at_the_end_without_a_break(self) -> None:
        data = to_bytes(RAW.head(2)) + b"2019\tFemale\t" + b"x" * (2 * 2**20)
        with pytest.raises(DataError, match="Line 4 is longer"):
            read_ctdc(data)

    def test_long_header_line(self) -> None:
        header = "\t".join(
            ["yearOfRegistration", "gender", "ageBroad"]
            + [f"c{i}_" + "x" * 600 for i in range(150)]
        )
        with pytest.raises(DataError, match="first line is longer than 64 KB"):
            read_ctdc((header + "\n2019\tFemale\t18--20\n").encode())

    @pytest.mark.parametrize("line_end", ["\r", "\r\n"])
    def test_ordinary_files_pass(self, line_end: str) -> None:
        # a whole release in old-Mac CR line ends is one "line" by LF: not refused
        data = to_bytes(RAW, line_end=line_end)
        assert len(data) > 2**20
        assert read_ctdc(data).rows == len(RAW)
