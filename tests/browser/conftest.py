"""Browser tests: the real app (`streamlit run Home.py`) in headless Chromium from the OS.

No browser is downloaded: Playwright drives /usr/bin/chromium (or $CHROMIUM). The tests
skip with a stated reason where there is none. Screenshots of every page land in
tests/screenshots/ (git-ignored) so that a person can look at what users see.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "screenshots"
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

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class App:
    """A running app: its base URL and log."""

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log


def _start(env_extra: dict[str, str], tmp: Path) -> Iterator[App]:
    port = _free_port()
    log = tmp / f"streamlit-{port}.log"
    env = {**os.environ, "CTDC_CACHE_DIR": str(tmp / "cache"), **env_extra}
    if "CTDC_DATA" not in env_extra:
        env.pop("CTDC_DATA", None)
    with log.open("w") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "Home.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline and not _healthy(url):
        if process.poll() is not None:
            break
        time.sleep(0.5)
    if not _healthy(url):
        process.kill()
        pytest.fail(f"streamlit did not start:\n{log.read_text()[-3000:]}")
    try:
        yield App(url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium from the OS packages (apt-get install chromium) on this machine")
    return CHROMIUM


@pytest.fixture(scope="session")
def app(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app on the embedded demo data."""
    yield from _start({}, tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="session")
def app_real(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app serving the real CTDC release (``CTDC_DATA``); skipped where it is absent."""
    real = ROOT.parent / "shared" / "data" / "CTDC_synthetic_20210825.tsv"
    if not real.exists():
        pytest.skip("real CTDC file not present at ../shared/data/CTDC_synthetic_20210825.tsv")
    yield from _start({"CTDC_DATA": str(real)}, tmp_path_factory.mktemp("app-real"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, chromium_path: str) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {
        **browser_context_args,
        "viewport": {"width": 1400, "height": 1000},
        "accept_downloads": True,
    }


def wait_idle(page: object, timeout: float = 120_000) -> None:
    """Wait until the script has finished running (after load or any action)."""
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.wait_for_selector(IDLE, timeout=timeout)  # type: ignore[attr-defined]
    page.wait_for_timeout(200)  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the viewport is made
    as tall as that block for the picture, then restored."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size  # type: ignore[attr-defined]
    height = page.evaluate(  # type: ignore[attr-defined]
        "() => { const m = document.querySelector(\"[data-testid='stMain']\");"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12000)})  # type: ignore[attr-defined]
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))  # type: ignore[attr-defined]
    page.set_viewport_size(size)  # type: ignore[attr-defined]
