"""The operating system's Chromium, driven by kaleido to render Plotly figures.

Never a browser kaleido downloads: :func:`browser_path` finds the one the system has.
Starting Chromium takes seconds, so :func:`render_kept` opens one on first use and keeps
it open for the next renders (one tab, calls taken in turn, every wait bounded by a
timeout); :func:`render_once` starts one for a single call. What a chart's PNG carries,
and the sentences a page shows when rendering fails, are in :mod:`core.images`.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "BROWSER_NAMES",
    "Specs",
    "browser_path",
    "kaleido_installed",
    "kaleido_options",
    "render_kept",
    "render_once",
]

_LOG = logging.getLogger(__name__)


#: Executable names searched on PATH, in order, when ``BROWSER_PATH`` is not set.
BROWSER_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "chrome")


# Kaleido's page loads plotly.js from the installed package and MathJax is switched
# off, so rendering needs no network; a proxy that refuses every connection makes sure
# of it (a figure that tried to fetch, e.g. a world outline from a CDN, fails the same
# way on every machine instead of working only where a network happens to exist).
_NO_NETWORK_PROXY = "127.0.0.1:9"


_RENDER_TIMEOUT_S = 90.0


def browser_path(
    *,
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] | None = None,
) -> str | None:
    """The Chromium kaleido should drive: ``BROWSER_PATH`` if set, else one on PATH.

    ``BROWSER_PATH`` is the variable kaleido's browser driver (choreographer) reads; a
    value that names no executable file counts as no browser, so a typo says so instead
    of silently falling back. Nothing is ever downloaded.

    Examples
    --------
    >>> browser_path(environ={}, which=lambda name: None) is None
    True
    >>> browser_path(environ={}, which=lambda name: "/opt/" + name if name == "chromium" else None)
    '/opt/chromium'
    """
    env = os.environ if environ is None else environ
    which = shutil.which if which is None else which
    configured = env.get("BROWSER_PATH", "").strip()
    if configured:
        path = Path(configured)
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    for name in BROWSER_NAMES:
        found = which(name)
        if found:
            return found
    return None


def kaleido_installed() -> bool:
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False
    return True


def _run_in_thread(coroutine_factory: Callable[[], Any]) -> Any:
    """Run a coroutine to completion on a fresh event loop in its own thread.

    Streamlit (and Jupyter) may already run a loop on the calling thread, where
    ``asyncio.run`` is refused; a thread of our own has none.
    """
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coroutine_factory())
        except BaseException as error:  # handed to the caller below
            result["error"] = error

    thread = threading.Thread(target=target, name="plotly-png", daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


Specs = Sequence[tuple[dict[str, Any], dict[str, Any]]]


async def _render_all(renderer: Any, specs: Specs) -> list[bytes]:
    return [bytes(await renderer.calc_fig(spec, opts=opts)) for spec, opts in specs]


def render_once(specs: Specs, options: Mapping[str, Any]) -> list[bytes]:
    """Render in a Chromium started for these figures and closed after them."""
    import kaleido

    async def render() -> list[bytes]:
        async with kaleido.Kaleido(**options) as renderer:
            return await _render_all(renderer, specs)

    images: list[bytes] = _run_in_thread(render)
    return images


class _KeptBrowser:
    """One kaleido Chromium kept open between renders, on an event loop of its own.

    The loop runs in a daemon thread, so callers on any thread (Streamlit's, or one that
    runs its own loop) hand it coroutines; every wait is bounded by a timeout.
    """

    def __init__(self, options: Mapping[str, Any]) -> None:
        import kaleido

        self.options = dict(options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="plotly-png-browser", daemon=True
        )
        self._thread.start()

        async def start() -> Any:
            renderer = kaleido.Kaleido(**self.options)
            await renderer.open()
            return renderer

        try:
            self._renderer = self._wait(start(), _RENDER_TIMEOUT_S)
        except BaseException:
            self._stop_loop()
            raise

    def _wait(self, coroutine: Any, timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def render(self, specs: Specs) -> list[bytes]:
        images: list[bytes] = self._wait(
            _render_all(self._renderer, specs), _RENDER_TIMEOUT_S * (len(specs) + 1)
        )
        return images

    def close(self) -> None:
        try:
            self._wait(self._renderer.close(), 10.0)
        except Exception:  # closing is best effort; the process may be ending
            _LOG.debug("Closing the kept Chromium failed", exc_info=True)
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10.0)
        if not self._thread.is_alive():
            self._loop.close()


_kept_lock = threading.Lock()


_kept: _KeptBrowser | None = None


def _close_kept() -> None:
    """Close the kept Chromium (at exit, or before opening one with other options)."""
    global _kept
    with _kept_lock:
        if _kept is not None:
            _kept.close()
            _kept = None


atexit.register(_close_kept)


def render_kept(specs: Specs, options: Mapping[str, Any]) -> list[bytes]:
    """Render in the kept Chromium (opened on first use); a failure closes it."""
    global _kept
    with _kept_lock:
        if _kept is not None and _kept.options != dict(options):
            _kept.close()
            _kept = None
        if _kept is None:
            _kept = _KeptBrowser(options)
        try:
            return _kept.render(specs)
        except BaseException:
            _kept.close()
            _kept = None
            raise


def kaleido_options() -> dict[str, Any]:
    """Kaleido's options: the system's Chromium, no MathJax, bounded waits, no network."""
    return {
        "path": browser_path(),
        "mathjax": False,
        "timeout": _RENDER_TIMEOUT_S,
        "proxy_server": _NO_NETWORK_PROXY,
    }
