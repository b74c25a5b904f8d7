"""Where the data comes from. First match wins:

1. ``CTDC_DATA`` (environment variable, or a Streamlit secret passed in by the app):
   a path, or an http(s) URL downloaded once (size cap, timeout) into the cache folder;
2. a CTDC file placed in ``data/`` under its official name (``CTDC_*.tsv``/``.csv``,
   optionally ``.gz``);
3. the embedded demo data (generated, not real records).

A user's upload (sidebar) overrides all of them for that user's session; the app glue
handles that.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from core.data.load import DataError, cache_dir

__all__ = [
    "DATA_DIR",
    "DEMO_FILE",
    "MAX_DOWNLOAD_BYTES",
    "DataSource",
    "download",
    "resolve_source",
]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
DEMO_FILE = DATA_DIR / "demo_ctdc_2021layout.tsv.gz"
MAX_DOWNLOAD_BYTES = 300 * 1024 * 1024
DOWNLOAD_TIMEOUT_S = 60
_OFFICIAL_PATTERNS = ("CTDC_*.tsv", "CTDC_*.csv", "CTDC_*.tsv.gz", "CTDC_*.csv.gz")


@dataclass(frozen=True)
class DataSource:
    """A resolved source: ``kind`` is 'env', 'data-dir', 'demo' or 'upload'."""

    kind: str
    path: Path
    label: str

    @property
    def is_demo(self) -> bool:
        return self.kind == "demo"


def download(
    url: str, /, *, max_bytes: int = MAX_DOWNLOAD_BYTES, timeout: float = DOWNLOAD_TIMEOUT_S
) -> Path:
    """Download ``url`` once into the cache folder and return the local path.

    Raises :class:`~core.data.load.DataError` on network errors, non-200 answers, or files
    larger than ``max_bytes``.
    """
    import requests

    target_dir = cache_dir() / "downloads"
    name = hashlib.sha256(url.encode()).hexdigest()[:24]
    target = target_dir / name
    if target.exists() and target.stat().st_size > 0:
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    try:
        with requests.get(url, stream=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise DataError(
                    f"Downloading CTDC_DATA failed (HTTP {response.status_code}); "
                    "check the URL or download the file and point CTDC_DATA at it."
                )
            size = 0
            with partial.open("wb") as handle:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    size += len(chunk)
                    if size > max_bytes:
                        raise DataError(
                            f"The file at CTDC_DATA is larger than {max_bytes // 2**20} MB; "
                            "download it yourself and point CTDC_DATA at the local copy."
                        )
                    handle.write(chunk)
    except requests.RequestException as exc:
        partial.unlink(missing_ok=True)
        raise DataError(
            f"Downloading CTDC_DATA failed ({type(exc).__name__}); check the URL and the "
            "network, or point CTDC_DATA at a local file."
        ) from exc
    except DataError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target


def resolve_source(
    *, setting: str | None = None, data_dir: Path = DATA_DIR, demo_file: Path = DEMO_FILE
) -> DataSource:
    """The active data source (see the module docstring for the order).

    ``setting`` is the value of ``CTDC_DATA`` (the app passes the secret if the
    environment variable is unset); ``None`` reads the environment.
    """
    value = (setting if setting is not None else os.environ.get("CTDC_DATA", "")).strip()
    if value:
        if value.startswith(("http://", "https://")):
            label = value.rsplit("/", 1)[-1] or value
            return DataSource("env", download(value), f"{label} (from CTDC_DATA)")
        path = Path(value).expanduser()
        if not path.is_file():
            raise DataError(
                f"CTDC_DATA points to {path}, which is not a file; fix the setting or unset it "
                "to use the demo data."
            )
        return DataSource("env", path, f"{path.name} (from CTDC_DATA)")
    for pattern in _OFFICIAL_PATTERNS:
        found = sorted(data_dir.glob(pattern))
        if found:
            return DataSource("data-dir", found[-1], f"{found[-1].name} (in data/)")
    return DataSource("demo", demo_file, "Embedded demo data (generated, not real records)")
