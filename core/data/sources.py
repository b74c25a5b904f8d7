"""Where the data comes from. First match wins:

1. ``CTDC_DATA`` (environment variable, or a Streamlit secret passed in by the app):
   a path, or an http(s) URL downloaded once (size cap, timeouts) into the cache folder;
2. a CTDC file placed in ``data/`` under its official name (``CTDC_*.tsv``/``.csv``,
   optionally ``.gz``);
3. the embedded demo data (generated, not real records): 193,025 records, as many as
   the 2021-08-25 release. The operator setting ``CTDC_DEMO=small`` picks the
   20,000-record demo instead (``tests/fixtures/demo_20k_2021layout.tsv.gz``, the test
   suite's data), for a tiny instance; ``CTDC_DEMO=full`` or unset is the default.

A user's upload (sidebar) overrides all of them for that user's session; the app glue
handles that.

A download that goes wrong (no answer, an error status, a web page instead of the file,
a body that never ends or is too large) raises :class:`~core.data.load.DataError` with
one sentence, and the failure is remembered for :data:`RETRY_AFTER_S` seconds, so that
the sessions of a crowd do not each wait for the same broken server on every rerun.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from core.data.cache import owned_privately
from core.data.load import DataError, cache_dir

__all__ = [
    "DATA_DIR",
    "DEMO_CHOICES",
    "DEMO_FILE",
    "DOWNLOAD_DEADLINE_S",
    "DOWNLOAD_TIMEOUT_S",
    "FULL_DEMO_FILE",
    "MAX_DOWNLOAD_BYTES",
    "RETRY_AFTER_S",
    "SMALL_DEMO_FILE",
    "DataSource",
    "chosen_demo",
    "download",
    "resolve_source",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
#: The default demo: generated from aggregate figures, as many records as the release.
FULL_DEMO_FILE = DATA_DIR / "demo_ctdc_2021layout.tsv.gz"
#: The 20,000-record demo (the test fixture), for ``CTDC_DEMO=small``.
SMALL_DEMO_FILE = PROJECT_ROOT / "tests" / "fixtures" / "demo_20k_2021layout.tsv.gz"
#: The values of ``CTDC_DEMO`` and the file each picks.
DEMO_CHOICES: dict[str, Path] = {"full": FULL_DEMO_FILE, "small": SMALL_DEMO_FILE}
_DEMO_LABEL = "Embedded demo data (generated, not real records)"
MAX_DOWNLOAD_BYTES = 300 * 1024 * 1024
#: Longest silence of the server (connecting, or between two pieces of the body).
DOWNLOAD_TIMEOUT_S = 60.0
#: Longest whole download: a server that trickles a byte now and then is cut off too.
DOWNLOAD_DEADLINE_S = 300.0
#: How long a failed download is answered from memory before it is tried again.
RETRY_AFTER_S = 60.0
_OFFICIAL_PATTERNS = ("CTDC_*.tsv", "CTDC_*.csv", "CTDC_*.tsv.gz", "CTDC_*.csv.gz")
_FAILED = "Downloading CTDC_DATA failed"
_OR_LOCAL = "or download the file yourself and point CTDC_DATA at the local copy"

# One download at a time per process: concurrent sessions wait for the first one and
# then find the kept file, instead of fetching the same URL side by side.
_download_lock = threading.Lock()
_failures: dict[str, tuple[float, str]] = {}
_fallback_dir: Path | None = None


@dataclass(frozen=True)
class DataSource:
    """A resolved source: ``kind`` is 'env', 'data-dir', 'demo' or 'upload'."""

    kind: str
    path: Path
    label: str

    @property
    def is_demo(self) -> bool:
        return self.kind == "demo"


def _private_dir(path: Path) -> Path:
    """``path`` as a folder only we can open (0700), or :class:`OSError`."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not owned_privately(path, kind=stat.S_IFDIR):
        raise PermissionError(f"{path} is not a private folder of ours")
    path.chmod(0o700)
    return path


def _download_dir() -> Path:
    """``downloads`` in the cache folder; when that cannot be written (read-only or
    foreign), a private temporary folder of this process (the file is fetched again
    after a restart)."""
    global _fallback_dir
    try:
        root = cache_dir()
        if not root.exists():
            _private_dir(root)
        folder = _private_dir(root / "downloads")
        with tempfile.TemporaryFile(dir=folder):  # writable (not read-only, not full)
            pass
        return folder
    except OSError:
        if _fallback_dir is None or not _fallback_dir.is_dir():
            _fallback_dir = Path(tempfile.mkdtemp(prefix="ctdc-downloads-"))
        return _fallback_dir


def _kept(target: Path) -> bool:
    """A download of an earlier run that can be used: our own non-empty regular file."""
    if not owned_privately(target, kind=stat.S_IFREG):
        return False
    info = target.stat()
    if stat.S_IMODE(info.st_mode) != 0o600:  # kept by an earlier version (0644)
        with contextlib.suppress(OSError):
            target.chmod(0o600)
    return info.st_size > 0


class _WriteFailed(Exception):
    """The local disk failed (full, gone) while the body was written."""


def _status_sentence(status: int) -> str:
    if status in (401, 403):
        what = "the server refused access; check that the link is public or pre-signed"
    elif status == 404:
        what = "nothing at that address; check the URL"
    elif status >= 500:
        what = "a server error; try again later"
    else:
        what = "not the file; check the URL"
    return f"{_FAILED} (HTTP {status}, {what}), {_OR_LOCAL}."


def _fetch(url: str, handle: int, *, max_bytes: int, timeout: float, deadline: float) -> None:
    """Stream the body at ``url`` into the open file ``handle`` (DataError on any fault)."""
    import requests
    import urllib3

    started = time.monotonic()
    too_slow = (
        f"{_FAILED} (the file had not arrived after {deadline:g} s), try again later {_OR_LOCAL}."
    )
    try:
        with requests.get(url, stream=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise DataError(_status_sentence(response.status_code))
            content_type = response.headers.get("Content-Type", "").lower()
            if "text/html" in content_type:
                raise DataError(_web_page())
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise DataError(_too_large(max_bytes))
            raw = response.raw
            size = 0
            first = True
            while True:
                if time.monotonic() - started > deadline:
                    raise DataError(too_slow)
                # read1: returns as soon as some bytes are there, so the deadline is
                # checked even when a server trickles (a read of a fixed size would wait).
                chunk = raw.read1(1 << 16, decode_content=True)
                if not chunk:
                    break
                if first and chunk.lstrip()[:1] == b"<" and b"\t" not in chunk[:4096]:
                    raise DataError(_web_page())
                first = False
                size += len(chunk)
                if size > max_bytes:
                    raise DataError(_too_large(max_bytes))
                try:
                    os.write(handle, chunk)
                except OSError as exc:
                    raise _WriteFailed(exc.strerror or str(exc)) from exc
            if size == 0:
                raise DataError(f"{_FAILED} (the server sent an empty file), {_OR_LOCAL}.")
    except (DataError, _WriteFailed):
        raise
    except (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError) as exc:
        raise DataError(
            f"{_FAILED} (no answer from the server within {timeout:g} s), try again later "
            f"{_OR_LOCAL}."
        ) from exc
    except requests.ConnectionError as exc:
        raise DataError(
            f"{_FAILED} (the server could not be reached), check the URL and the network "
            f"{_OR_LOCAL}."
        ) from exc
    except Exception as exc:  # any other fault of the network or the URL: one sentence
        raise DataError(
            f"{_FAILED} ({type(exc).__name__}), check the URL and the network {_OR_LOCAL}."
        ) from exc


def _web_page() -> str:
    return (
        f"{_FAILED} (the URL returned a web page, not the data file), use the file's "
        f"direct download link {_OR_LOCAL}."
    )


def _too_large(max_bytes: int) -> str:
    return (
        f"{_FAILED} (the file is larger than {max_bytes / 2**20:.4g} MB), download it "
        "yourself and point CTDC_DATA at the local copy."
    )


def download(
    url: str,
    /,
    *,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    timeout: float = DOWNLOAD_TIMEOUT_S,
    deadline: float = DOWNLOAD_DEADLINE_S,
) -> Path:
    """Download ``url`` once into the cache folder and return the local path.

    The file is written owner-only (0600, in a 0700 folder), as the parsed cache is, and
    appears under its final name only when complete. ``timeout`` bounds each silence of
    the server, ``deadline`` the whole download, ``max_bytes`` its size.

    Raises
    ------
    DataError
        One sentence (what happened, what to do) for an unreachable or silent server,
        a status other than 200, a web page instead of the file, an empty, too large or
        too slow body. The same sentence is given again without a new attempt for
        :data:`RETRY_AFTER_S` seconds.
    """
    name = hashlib.sha256(url.encode()).hexdigest()[:24]
    with _download_lock:
        folder = _download_dir()
        target = folder / name
        if _kept(target):
            return target
        failed = _failures.get(url)
        if failed is not None and time.monotonic() - failed[0] < RETRY_AFTER_S:
            raise DataError(failed[1])
        try:
            handle, partial = tempfile.mkstemp(dir=folder, prefix=".part-")  # 0600
        except OSError as exc:
            raise DataError(
                f"{_FAILED} (no folder to keep it in could be written), set CTDC_CACHE_DIR "
                "to a writable folder or point CTDC_DATA at a local file."
            ) from exc
        try:
            try:
                _fetch(url, handle, max_bytes=max_bytes, timeout=timeout, deadline=deadline)
            finally:
                os.close(handle)
            os.replace(partial, target)
        except (OSError, _WriteFailed) as exc:  # the disk filled up while writing
            Path(partial).unlink(missing_ok=True)
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            error = DataError(
                f"{_FAILED} (the file could not be written: {reason}), free some "
                "space or set CTDC_CACHE_DIR to another folder."
            )
            _failures[url] = (time.monotonic(), str(error))
            raise error from exc
        except DataError as exc:
            Path(partial).unlink(missing_ok=True)
            _failures[url] = (time.monotonic(), str(exc))
            raise
        _failures.pop(url, None)
        return target


def chosen_demo(setting: str | None = None) -> tuple[Path, str]:
    """The demo file picked by ``CTDC_DEMO`` and its label.

    ``setting`` is the value of ``CTDC_DEMO``; ``None`` reads the environment. An unknown
    value, or ``small`` where that file is not in this copy of the app, gives the full
    demo and a label that says so (the operator reads it in every page's data line).

    >>> chosen_demo("full")[0].name
    'demo_ctdc_2021layout.tsv.gz'
    >>> chosen_demo(" Small ")[0].name
    'demo_20k_2021layout.tsv.gz'
    >>> path, label = chosen_demo("tiny")
    >>> path.name, label.endswith("CTDC_DEMO='tiny' is not 'full' or 'small', so the full demo is used)")
    ('demo_ctdc_2021layout.tsv.gz', True)
    """
    raw = (setting if setting is not None else os.environ.get("CTDC_DEMO", "")).strip()
    choice = raw.lower() or "full"
    path = DEMO_CHOICES.get(choice)
    if path is None:
        return FULL_DEMO_FILE, (
            f"{_DEMO_LABEL[:-1]}; CTDC_DEMO={raw!r} is not 'full' or 'small', so the full "
            "demo is used)"
        )
    if choice == "small" and not path.is_file():
        return FULL_DEMO_FILE, (
            f"{_DEMO_LABEL[:-1]}; the small demo of CTDC_DEMO=small is not in this copy of "
            "the app, so the full demo is used)"
        )
    if choice == "small":
        return path, "Embedded demo data (small; generated, not real records)"
    return path, _DEMO_LABEL


#: The demo file this process uses (``CTDC_DEMO`` when the module was imported).
DEMO_FILE = chosen_demo()[0]


def _url_label(url: str) -> str:
    """The file name in a URL, without its query (a pre-signed link's token stays off
    the screen)."""
    parts = urlsplit(url)
    return unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or parts.hostname or "download"


def resolve_source(
    *, setting: str | None = None, data_dir: Path = DATA_DIR, demo_file: Path | None = None
) -> DataSource:
    """The active data source (see the module docstring for the order).

    ``setting`` is the value of ``CTDC_DATA`` (the app passes the secret if the
    environment variable is unset); ``None`` reads the environment. ``demo_file`` is
    the demo to fall back on; ``None`` is the one ``CTDC_DEMO`` picks (:func:`chosen_demo`).
    """
    value = (setting if setting is not None else os.environ.get("CTDC_DATA", "")).strip()
    if value:
        if value.lower().startswith(("http://", "https://")):
            return DataSource("env", download(value), f"{_url_label(value)} (from CTDC_DATA)")
        path = Path(value).expanduser()
        if not path.is_file():
            # The name only: the message is on every visitor's screen, the folder is not
            # theirs to know.
            raise DataError(
                f"CTDC_DATA points to '{path.name}', which is not a file; fix the setting or "
                "unset it to use the demo data."
            )
        return DataSource("env", path, f"{path.name} (from CTDC_DATA)")
    for pattern in _OFFICIAL_PATTERNS:
        found = sorted(data_dir.glob(pattern))
        if found:
            return DataSource("data-dir", found[-1], f"{found[-1].name} (in data/)")
    if demo_file is not None:
        return DataSource("demo", demo_file, _DEMO_LABEL)
    path, label = chosen_demo()
    return DataSource("demo", path, label)
