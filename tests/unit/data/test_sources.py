"""The operator's CTDC_DATA source under faults: a URL that is slow, answers 404/500, a web
page, an empty, endless or trickling body, a cache folder that cannot be written, and a
data file replaced while the app runs. Every fault is one sentence and no traceback.

The servers are local (127.0.0.1, a thread each); nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

import core.data.sources
from core.data.load import DataError, load_cached
from core.data.sources import DEMO_FILE, download, resolve_source
from tests.fileforms import to_bytes

RAW = pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False)
BODY = to_bytes(RAW.head(300))
Handler = Callable[[BaseHTTPRequestHandler], None]


def _send(request: BaseHTTPRequestHandler, status: int, body: bytes, kind: str) -> None:
    request.send_response(status)
    request.send_header("Content-Type", kind)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)


@dataclass
class Server:
    """A local HTTP server whose answer per path is a function of the test's."""

    routes: dict[str, Handler] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            state.hits[path] = state.hits.get(path, 0) + 1
            route = state.routes.get(path)
            if route is None:
                _send(self, 404, b"not found", "text/plain")
            else:
                # the client giving up (size cap, deadline) is what it should do
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield state
    state.stop.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own, and no failure remembered from another test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CTDC_CACHE_DIR", str(folder))
    monkeypatch.setattr(core.data.sources, "_failures", {})
    monkeypatch.setattr(core.data.sources, "_fallback_dir", None)
    return folder


def ok(request: BaseHTTPRequestHandler) -> None:
    _send(request, 200, BODY, "text/tab-separated-values")


def left_over(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def one_sentence(message: str) -> None:
    """What happened and what to do, in one sentence, no traceback."""
    assert message.startswith("Downloading CTDC_DATA failed (")
    assert message.endswith(".") and message.count(". ") == 0
    assert "Traceback" not in message and "\n" not in message


class TestDownload:
    def test_basic(self, server: Server, cache: Path) -> None:
        server.routes["/ctdc.tsv"] = ok
        path = download(server.url("/ctdc.tsv"))
        assert path.read_bytes() == BODY
        assert load_cached(path).rows == 300
        # owner-only, like the parsed cache: file 0600 in a 0700 folder
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(cache.stat().st_mode) == 0o700
        assert path.parent == cache / "downloads"

    def test_downloaded_once(self, server: Server) -> None:
        server.routes["/ctdc.tsv"] = ok
        first = download(server.url("/ctdc.tsv"))
        assert download(server.url("/ctdc.tsv")) == first
        assert server.hits["/ctdc.tsv"] == 1

    def test_kept_file_of_an_older_version_made_private(self, server: Server) -> None:
        server.routes["/ctdc.tsv"] = ok
        path = download(server.url("/ctdc.tsv"))
        path.chmod(0o644)
        assert download(server.url("/ctdc.tsv")) == path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_concurrent_sessions_fetch_once(self, server: Server) -> None:
        def slow_ok(request: BaseHTTPRequestHandler) -> None:
            time.sleep(0.3)
            ok(request)

        server.routes["/ctdc.tsv"] = slow_ok
        paths: list[Path] = []
        threads = [
            threading.Thread(target=lambda: paths.append(download(server.url("/ctdc.tsv"))))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert len(paths) == 4 and len(set(paths)) == 1
        assert paths[0].read_bytes() == BODY
        assert server.hits["/ctdc.tsv"] == 1


class TestFaults:
    @pytest.mark.parametrize(
        ("status", "words"),
        [
            (404, "HTTP 404, nothing at that address; check the URL"),
            (500, "HTTP 500, a server error; try again later"),
            (503, "HTTP 503, a server error; try again later"),
            (403, "HTTP 403, the server refused access"),
        ],
    )
    def test_error_status(self, server: Server, cache: Path, status: int, words: str) -> None:
        server.routes["/ctdc.tsv"] = lambda r: _send(r, status, b"oops", "text/plain")
        with pytest.raises(DataError) as info:
            download(server.url("/ctdc.tsv"))
        one_sentence(str(info.value))
        assert words in str(info.value)
        assert "point CTDC_DATA at the local copy" in str(info.value)
        assert left_over(cache) == []

    def test_unreachable(self) -> None:
        # port 9 on loopback: nothing listens, the connection is refused at once
        with pytest.raises(DataError) as info:
            download("http://127.0.0.1:9/ctdc.tsv")
        one_sentence(str(info.value))
        assert "could not be reached" in str(info.value)

    def test_slow_to_answer(self, server: Server, cache: Path) -> None:
        def silent(request: BaseHTTPRequestHandler) -> None:
            server.stop.wait(5)

        server.routes["/ctdc.tsv"] = silent
        started = time.monotonic()
        with pytest.raises(DataError) as info:
            download(server.url("/ctdc.tsv"), timeout=0.5)
        assert time.monotonic() - started < 3
        one_sentence(str(info.value))
        assert "no answer from the server within 0.5 s" in str(info.value)
        assert left_over(cache) == []

    def test_silent_in_the_middle(self, server: Server, cache: Path) -> None:
        def stalls(request: BaseHTTPRequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Length", str(len(BODY)))
            request.end_headers()
            request.wfile.write(BODY[:1000])
            request.wfile.flush()
            server.stop.wait(5)

        server.routes["/ctdc.tsv"] = stalls
        with pytest.raises(DataError, match="no answer from the server within 1 s") as info:
            download(server.url("/ctdc.tsv"), timeout=1)
        one_sentence(str(info.value))
        assert left_over(cache) == []

    @pytest.mark.slow
    def test_trickling_body_hits_the_deadline(self, server: Server, cache: Path) -> None:
        # a byte every 0.1 s: never silent long enough for the timeout, never done
        def trickles(request: BaseHTTPRequestHandler) -> None:
            request.send_response(200)
            request.end_headers()
            request.wfile.write(BODY[:200])
            while not server.stop.is_set():
                request.wfile.write(b"x")
                request.wfile.flush()
                time.sleep(0.1)

        server.routes["/ctdc.tsv"] = trickles
        started = time.monotonic()
        with pytest.raises(DataError, match=r"had not arrived after 2 s") as info:
            download(server.url("/ctdc.tsv"), timeout=1, deadline=2)
        assert time.monotonic() - started < 5
        one_sentence(str(info.value))
        assert left_over(cache) == []

    def test_endless_body_hits_the_size_cap(self, server: Server, cache: Path) -> None:
        def endless(request: BaseHTTPRequestHandler) -> None:
            request.send_response(200)
            request.end_headers()  # no length: the body ends when the server closes
            request.wfile.write(BODY)
            chunk = b"x\t" * 32768
            while not server.stop.is_set():
                request.wfile.write(chunk)

        server.routes["/ctdc.tsv"] = endless
        with pytest.raises(DataError, match="larger than 1 MB") as info:
            download(server.url("/ctdc.tsv"), max_bytes=2**20)
        one_sentence(str(info.value))
        assert left_over(cache) == []

    def test_declared_too_large_is_refused_before_the_body(self, server: Server) -> None:
        def huge(request: BaseHTTPRequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Length", str(10 * 2**20))
            request.end_headers()
            server.stop.wait(5)  # the body never comes; the refusal must not wait for it

        server.routes["/ctdc.tsv"] = huge
        started = time.monotonic()
        with pytest.raises(DataError, match="larger than 1 MB"):
            download(server.url("/ctdc.tsv"), max_bytes=2**20, timeout=3)
        assert time.monotonic() - started < 2

    @pytest.mark.parametrize("kind", ["text/html; charset=utf-8", "text/plain"])
    def test_web_page_instead_of_the_file(self, server: Server, cache: Path, kind: str) -> None:
        page = b"<!DOCTYPE html>\n<html><body>Sign in to download</body></html>"
        server.routes["/ctdc.tsv"] = lambda r: _send(r, 200, page, kind)
        with pytest.raises(DataError, match="returned a web page, not the data file") as info:
            download(server.url("/ctdc.tsv"))
        one_sentence(str(info.value))
        assert "direct download link" in str(info.value)
        assert left_over(cache) == []

    def test_empty_body(self, server: Server) -> None:
        server.routes["/ctdc.tsv"] = lambda r: _send(r, 200, b"", "text/plain")
        with pytest.raises(DataError, match="empty file") as info:
            download(server.url("/ctdc.tsv"))
        one_sentence(str(info.value))

    def test_failure_remembered_then_retried(
        self, server: Server, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        server.routes["/ctdc.tsv"] = lambda r: _send(r, 500, b"oops", "text/plain")
        url = server.url("/ctdc.tsv")
        with pytest.raises(DataError) as first:
            download(url)
        # the next reruns (any session) get the same sentence without a new attempt
        with pytest.raises(DataError) as again:
            download(url)
        assert str(again.value) == str(first.value)
        assert server.hits["/ctdc.tsv"] == 1
        # after RETRY_AFTER_S the server is asked again, and a repaired one is used
        monkeypatch.setattr(core.data.sources, "RETRY_AFTER_S", 0.0)
        server.routes["/ctdc.tsv"] = ok
        assert download(url).read_bytes() == BODY
        assert server.hits["/ctdc.tsv"] == 2

    def test_read_only_cache_folder(self, server: Server, cache: Path) -> None:
        if os.getuid() == 0:
            pytest.skip("root writes into read-only folders")
        cache.mkdir(mode=0o500)
        server.routes["/ctdc.tsv"] = ok
        try:
            path = download(server.url("/ctdc.tsv"))
            assert path.read_bytes() == BODY
            assert cache not in path.parents
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        finally:
            cache.chmod(0o700)

    def test_cache_folder_that_cannot_be_made(
        self, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # under a regular file no folder can be made, whoever runs the test
        (tmp_path / "a-file").write_text("x")
        monkeypatch.setenv("CTDC_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
        server.routes["/ctdc.tsv"] = ok
        path = download(server.url("/ctdc.tsv"))
        assert path.read_bytes() == BODY
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_disk_full_while_writing(
        self, server: Server, cache: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def full(handle: int, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        server.routes["/ctdc.tsv"] = ok
        monkeypatch.setattr(core.data.sources.os, "write", full)
        with pytest.raises(DataError, match="No space left on device") as info:
            download(server.url("/ctdc.tsv"))
        one_sentence(str(info.value))
        assert "set CTDC_CACHE_DIR to another folder" in str(info.value)
        assert left_over(cache) == []

    def test_foreign_cache_folder_not_used(
        self, server: Server, cache: Path, tmp_path: Path
    ) -> None:
        # a downloads folder that others may write to is not ours to fill or read from
        (cache / "downloads").mkdir(parents=True)
        (cache / "downloads").chmod(0o777)
        server.routes["/ctdc.tsv"] = ok
        path = download(server.url("/ctdc.tsv"))
        assert path.read_bytes() == BODY
        assert cache not in path.parents


class TestResolveURL:
    def test_url_source(self, server: Server) -> None:
        server.routes["/files/CTDC_release.tsv"] = ok
        source = resolve_source(setting=server.url("/files/CTDC_release.tsv?token=s3cr3t"))
        assert source.kind == "env"
        # a pre-signed link's token stays off the screen
        assert source.label == "CTDC_release.tsv (from CTDC_DATA)"
        assert load_cached(source.path).rows == 300

    def test_bad_path_names_the_file_only(self, tmp_path: Path) -> None:
        with pytest.raises(DataError, match="not a file") as info:
            resolve_source(setting=str(tmp_path / "missing.tsv"))
        assert "'missing.tsv'" in str(info.value)
        assert str(tmp_path) not in str(info.value)


@pytest.mark.slow
class TestInTheApp:
    """The app (AppTest of Home.py): a broken URL and a replaced file, no traceback."""

    def run_home(self, monkeypatch: pytest.MonkeyPatch, setting: str) -> object:
        from streamlit.testing.v1 import AppTest

        monkeypatch.setenv("CTDC_DATA", setting)
        root = Path(__file__).resolve().parents[3]
        return AppTest.from_file(str(root / "Home.py"), default_timeout=120).run()

    @pytest.mark.parametrize(
        ("route", "words"),
        [("/missing.tsv", "HTTP 404"), ("/page.tsv", "web page"), ("/broken.tsv", "HTTP 500")],
    )
    def test_faulty_url_is_a_sentence_and_the_demo(
        self, server: Server, monkeypatch: pytest.MonkeyPatch, route: str, words: str
    ) -> None:
        server.routes["/page.tsv"] = lambda r: _send(r, 200, b"<html></html>", "text/html")
        server.routes["/broken.tsv"] = lambda r: _send(r, 500, b"", "text/plain")
        at = self.run_home(monkeypatch, server.url(route))
        assert not at.exception  # type: ignore[attr-defined]
        errors = [e.value for e in at.error]  # type: ignore[attr-defined]
        assert len(errors) == 1
        assert words in errors[0]
        assert errors[0].endswith("Showing the embedded demo data instead.")
        metrics = {m.label: m.value for m in at.metric}  # type: ignore[attr-defined]
        assert metrics["Records"] == f"{len(RAW):,}"

    def test_replaced_file_reloads(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "ctdc.tsv"
        path.write_bytes(to_bytes(RAW.head(300)))
        at = self.run_home(monkeypatch, str(path))
        metrics = {m.label: m.value for m in at.metric}  # type: ignore[attr-defined]
        assert metrics["Records"] == "300"
        # replaced as an operator would: written beside it, then renamed over it
        fresh = tmp_path / "ctdc.tsv.new"
        fresh.write_bytes(to_bytes(RAW.head(450)))
        os.replace(fresh, path)
        at.run()  # type: ignore[attr-defined]
        assert not at.exception  # type: ignore[attr-defined]
        metrics = {m.label: m.value for m in at.metric}  # type: ignore[attr-defined]
        assert metrics["Records"] == "450"
        # and written over in place
        path.write_bytes(to_bytes(RAW.head(500)))
        at.run()  # type: ignore[attr-defined]
        assert not at.exception  # type: ignore[attr-defined]
        metrics = {m.label: m.value for m in at.metric}  # type: ignore[attr-defined]
        assert metrics["Records"] == "500"
