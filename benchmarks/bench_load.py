"""Load test: N concurrent browser sessions on one server, the server's memory sampled.

    python benchmarks/bench_load.py --data ../shared/data/CTDC_synthetic_20210825.tsv \
        --sessions 5 10 20 [--uploads 5] [--json]

For each N a fresh ``streamlit run Home.py`` is started on 127.0.0.1 (a free port, a cache
folder of its own, ``CTDC_DATA`` = the file). N headless Chromium sessions (Chromium from
the OS packages, never a download; one browser, one context per session) then at once:
open the app, visit every page of :data:`core.app.page.PAGES` through the app's own
navigation (one Streamlit session each, as a person's), and change a sidebar filter.
Counted: errors (an exception box on the page, or a page not finished within
``--page-timeout``), each action's time (p50/p95), the server's peak RSS (sampled from
/proc every 0.2 s) and its RSS at rest with the N sessions still open, beside the RSS
after one session: the memory each further session holds.

``--uploads N``: N sessions that each upload a different file of the release's size (the
file's records with one record dropped per session, written to a temporary folder and
removed afterwards).

Bounded: at most 20 sessions, local addresses only, a total time limit (``--time-limit``)
after which sessions still running are counted as timed out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.app.page import PAGES  # noqa: E402 (after the path insert)

__all__ = ["MAX_SESSIONS", "Run", "main", "measure", "run_load"]

MAX_SESSIONS = 20
REAL_FILE = ROOT.parent / "shared" / "data" / "CTDC_synthetic_20210825.tsv"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


# --------------------------------------------------------------------------- the server
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (VmRSS), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


class Sampler(threading.Thread):
    """Samples a process's RSS every ``every`` seconds; ``peak`` is the largest seen."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(2)


@contextlib.contextmanager
def server(data: Path, env_extra: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """A fresh ``streamlit run Home.py`` on 127.0.0.1 serving ``data``; yields (url, pid)."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="ctdc-load-") as tmp:
        env = {**os.environ, "CTDC_DATA": str(data), "CTDC_CACHE_DIR": str(Path(tmp) / "cache")}
        env.update(env_extra or {})
        log = Path(tmp) / "streamlit.log"
        with log.open("w") as handle:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    "Home.py",
                    "--server.headless=true",
                    f"--server.port={port}",
                    "--server.address=127.0.0.1",
                    "--browser.gatherUsageStats=false",
                    "--server.fileWatcherType=none",
                ],
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.3)
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


# --------------------------------------------------------------------------- sessions
@dataclass
class Session:
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    done: bool = False


async def _idle(page, timeout_ms: float) -> None:  # type: ignore[no-untyped-def]
    await page.wait_for_timeout(250)  # the rerun starts; then wait for it to finish
    await page.wait_for_selector(IDLE, timeout=timeout_ms)


async def _timed(page, session: Session, what: str, action, timeout_ms: float) -> None:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    try:
        await action()
        await _idle(page, timeout_ms)
    except Exception as exc:  # a timeout or a vanished element: counted, the session goes on
        session.errors.append(f"{what}: {type(exc).__name__}")
        return
    session.times.append(time.monotonic() - start)
    boxes = page.get_by_test_id("stException")
    if await boxes.count():
        text = (await boxes.first.inner_text()).strip().splitlines()
        session.errors.append(f"{what}: exception box ({text[0][:100] if text else ''})")


async def _one_session(
    browser, url: str, session: Session, upload: Path | None, timeout_ms: float
) -> None:  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    session.context = context  # type: ignore[attr-defined]
    await _timed(page, session, "open", lambda: page.goto(url, timeout=timeout_ms), timeout_ms)
    if upload is not None:
        sidebar = page.get_by_test_id("stSidebar")

        async def send() -> None:
            await sidebar.get_by_text("Use your own CTDC file").click()
            await sidebar.locator("input[type='file']").set_input_files(str(upload))

        await _timed(page, session, "upload", send, timeout_ms * 4)
    nav = page.get_by_test_id("stSidebarNav")
    for _script, title, _url, _blurb in PAGES[1:]:
        link = nav.get_by_role("link", name=title, exact=True)
        await _timed(page, session, title, lambda link=link: link.click(), timeout_ms)

    async def pick_gender() -> None:
        box = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect")
        await box.filter(has_text="Gender").click()
        await page.get_by_role("option", name="Male", exact=True).click()
        await page.keyboard.press("Escape")

    await _timed(page, session, "filter", pick_gender, timeout_ms)
    home = nav.get_by_role("link", name=PAGES[0][1], exact=True)
    await _timed(page, session, "home", lambda: home.click(), timeout_ms)
    session.done = True


@dataclass
class Run:
    """The figures of one load run."""

    sessions: int
    uploads: bool
    actions: int
    errors: int
    error_kinds: dict[str, int]
    p50_s: float
    p95_s: float
    wall_s: float
    rss_start_mb: float
    rss_one_session_mb: float
    rss_at_rest_mb: float
    rss_peak_mb: float
    per_extra_session_mb: float
    load_average: str


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _drive(
    url: str,
    pid: int,
    n: int,
    uploads: list[Path] | None,
    timeout_ms: float,
    time_limit: float,
) -> Run:
    from playwright.async_api import async_playwright

    load_average = " ".join(f"{v:.2f}" for v in os.getloadavg())
    sampler = Sampler(pid)
    sampler.start()
    rss_start = rss_mb(pid)
    started = time.monotonic()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        # One session alone first: the memory of the data and the caches it fills.
        first = Session()
        await asyncio.wait_for(
            _one_session(browser, url, first, uploads[0] if uploads else None, timeout_ms),
            time_limit,
        )
        await asyncio.sleep(3)
        rss_one = rss_mb(pid)
        others = [Session() for _ in range(n - 1)]
        tasks = [
            asyncio.create_task(
                _one_session(browser, url, s, uploads[i + 1] if uploads else None, timeout_ms)
            )
            for i, s in enumerate(others)
        ]
        remaining = max(1.0, time_limit - (time.monotonic() - started))
        _done, pending = await asyncio.wait(tasks, timeout=remaining)
        for task in pending:
            task.cancel()
        wall = time.monotonic() - started
        await asyncio.sleep(5)  # at rest, every session still open
        rss_rest = rss_mb(pid)
        for s in [first, *others]:
            with contextlib.suppress(Exception):
                await s.context.close()  # type: ignore[attr-defined]
        await browser.close()
    sampler.stop()
    sessions = [first, *others]
    errors = [e for s in sessions for e in s.errors]
    errors += ["time limit: unfinished session"] * sum(not s.done for s in sessions)
    kinds: dict[str, int] = {}
    for error in errors:
        kinds[error] = kinds.get(error, 0) + 1
    times = [t for s in others for t in s.times] if n > 1 else first.times
    return Run(
        sessions=n,
        uploads=bool(uploads),
        actions=sum(len(s.times) for s in sessions),
        errors=len(errors),
        error_kinds=kinds,
        p50_s=_percentile(times, 0.5),
        p95_s=_percentile(times, 0.95),
        wall_s=wall,
        rss_start_mb=rss_start,
        rss_one_session_mb=rss_one,
        rss_at_rest_mb=rss_rest,
        rss_peak_mb=max(sampler.peak, rss_rest),
        per_extra_session_mb=(rss_rest - rss_one) / (n - 1) if n > 1 else float("nan"),
        load_average=load_average,
    )


def _upload_files(data: Path, n: int, folder: Path) -> list[Path]:
    """``n`` files of the release's size, each different (record ``i`` left out)."""
    header, _, body = data.read_bytes().partition(b"\n")
    lines = body.split(b"\n")
    files = []
    for i in range(n):
        path = folder / f"upload_{i:02d}{''.join(data.suffixes)}"
        path.write_bytes(header + b"\n" + b"\n".join(lines[:i] + lines[i + 1 :]))
        files.append(path)
    return files


def run_load(
    data: Path,
    n: int,
    /,
    *,
    uploads: bool = False,
    page_timeout: float = 30.0,
    time_limit: float = 600.0,
    env_extra: dict[str, str] | None = None,
) -> Run:
    """One load run of ``n`` sessions (at most :data:`MAX_SESSIONS`) on a fresh server."""
    if not 1 <= n <= MAX_SESSIONS:
        raise ValueError(f"1 to {MAX_SESSIONS} sessions, not {n}")
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="ctdc-uploads-") as tmp:
        files = _upload_files(data, n, Path(tmp)) if uploads else None
        extra = dict(env_extra or {})
        if uploads:
            extra.setdefault("CTDC_MAX_UPLOADS", str(n))
        with server(data, extra) as (url, pid):
            return asyncio.run(_drive(url, pid, n, files, page_timeout * 1000, time_limit))


def measure(path: Path, frame: object) -> dict[str, float]:
    """For ``benchmarks/run.py``: 5 sessions, only when ``CTDC_BENCH_LOAD`` is set (the
    run takes minutes and a browser)."""
    if not os.environ.get("CTDC_BENCH_LOAD"):
        return {}
    run = run_load(path, 5, time_limit=300)
    return {
        "load_5_errors": float(run.errors),
        "load_5_p50_s": run.p50_s,
        "load_5_p95_s": run.p95_s,
        "load_5_peak_rss_mb": run.rss_peak_mb,
        "load_per_extra_session_mb": run.per_extra_session_mb,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REAL_FILE, help="the CTDC file served")
    parser.add_argument("--sessions", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--uploads", type=int, default=0, help="N sessions that each upload")
    parser.add_argument("--page-timeout", type=float, default=30.0, help="seconds per action")
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds per run")
    parser.add_argument(
        "--env", action="append", default=[], help="NAME=value for the server (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"error: no file at {args.data}")
        return 2
    extra = dict(item.split("=", 1) for item in args.env)
    plan = [(n, False) for n in args.sessions] + ([(args.uploads, True)] if args.uploads else [])
    results = []
    for n, uploads in plan:
        print(f"{n} sessions{' uploading' if uploads else ''} …", file=sys.stderr)
        run = run_load(
            args.data,
            n,
            uploads=uploads,
            page_timeout=args.page_timeout,
            time_limit=args.time_limit,
            env_extra=extra,
        )
        results.append(run.__dict__)
        print(
            f"N={n}{' uploads' if uploads else ''}: {run.errors} errors of {run.actions} "
            f"actions {run.error_kinds or ''}, p50 {run.p50_s:.1f} s, p95 {run.p95_s:.1f} s, "
            f"RSS start {run.rss_start_mb:.0f} / one session {run.rss_one_session_mb:.0f} / "
            f"at rest {run.rss_at_rest_mb:.0f} / peak {run.rss_peak_mb:.0f} MB, "
            f"{run.per_extra_session_mb:.1f} MB per further session, wall {run.wall_s:.0f} s, "
            f"load average {run.load_average}",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
