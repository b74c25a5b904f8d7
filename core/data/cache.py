"""The on-disk cache of parsed files: an Arrow IPC frame and a JSON meta per entry.

:func:`core.data.load.load_cached` keeps here what it parsed from a file given by path,
keyed by the file's content hash, so a second call from any process reads the frame
instead of parsing and cleaning again. Bytes (an upload) never come here.

An entry is a folder only the owner can open (0700, files 0600) holding an Arrow IPC
file (zstd) and a JSON meta. Nothing in it can run code when read: no pickle. It is
used only when it is ours (owner, regular files, never a link), of this format and
loader version, for this content hash, and its bytes match the SHA-256 in the meta;
anything else is discarded and rebuilt. A cache that cannot be written (read-only or
full disk) is skipped silently: caching is an optimisation, never a failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.ipc as pa_ipc

from core.data.result import LoadResult

__all__ = [
    "CACHE_FORMAT",
    "cache_dir",
    "entry_path",
    "owned_privately",
    "read_entry",
    "write_entry",
]

# Version of the on-disk entry (Arrow IPC frame + JSON meta); an entry of any other
# version is discarded and rebuilt.
CACHE_FORMAT = "arrow-1"


def cache_dir() -> Path:
    """Where parsed files are cached: ``$CTDC_CACHE_DIR`` or ``~/.cache/ctdc-explorer``."""
    root = os.environ.get("CTDC_CACHE_DIR") or Path.home() / ".cache" / "ctdc-explorer"
    return Path(root)


_FRAME_FILE = "frame.arrow"
_META_FILE = "meta.json"
_MAX_META_BYTES = 1 << 20


def owned_privately(path: Path, *, kind: int) -> bool:
    """``path`` is of ``kind`` (``stat.S_IFDIR``/``S_IFREG``, never a link), owned by us,
    and no one else may write to it."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return (
        stat.S_IFMT(info.st_mode) == kind
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _versions() -> dict[str, str]:
    # A pandas or pyarrow upgrade may restore dtypes differently: such entries are rebuilt.
    return {"pandas": pd.__version__, "pyarrow": pa.__version__}


def entry_path(digest: str, *, loader: str) -> Path:
    """The entry of the file with content hash ``digest`` as parsed by loader version
    ``loader`` (which need not exist)."""
    return cache_dir() / f"{digest}-{CACHE_FORMAT}-v{loader}"


def read_entry(entry: Path, digest: str, *, loader: str) -> LoadResult | None:
    """The cached result in ``entry``, or None (and the entry discarded) unless every
    check holds. The frame's bytes are read once, hashed, and parsed from that buffer."""
    frame_path, meta_path = entry / _FRAME_FILE, entry / _META_FILE
    if not owned_privately(entry, kind=stat.S_IFDIR):
        return None  # absent, or a folder (or link) someone else made: not touched
    try:
        if not (
            owned_privately(meta_path, kind=stat.S_IFREG)
            and owned_privately(frame_path, kind=stat.S_IFREG)
        ):
            raise ValueError("not our files")
        if meta_path.stat().st_size > _MAX_META_BYTES:
            raise ValueError("meta too large")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not (
            isinstance(meta, dict)
            and meta.get("format") == CACHE_FORMAT
            and meta.get("loader") == loader
            and meta.get("versions") == _versions()
            and meta.get("content_hash") == digest
        ):
            raise ValueError("another version or file")
        blob = frame_path.read_bytes()
        if len(blob) != meta.get("frame_bytes") or hashlib.sha256(blob).hexdigest() != meta.get(
            "frame_sha256"
        ):
            raise ValueError("frame does not match its hash")
        with pa_ipc.open_file(pa.BufferReader(blob)) as reader:
            frame = reader.read_all().to_pandas()
        info = meta["result"]
        result = LoadResult(
            frame=frame,
            release=str(info["release"]),
            rows=int(info["rows"]),
            columns_recognised=[str(c) for c in info["columns_recognised"]],
            columns_ignored=[str(c) for c in info["columns_ignored"]],
            warnings=[str(w) for w in info["warnings"]],
            content_hash=digest,
            source_label=str(info.get("source_label", "")),
        )
        dtypes = {str(c): str(t) for c, t in frame.dtypes.items()}
        if len(frame) != result.rows or dtypes != meta.get("dtypes"):
            raise ValueError("frame does not match its meta")
        return result
    except Exception:  # damaged, foreign or tampered: never trusted, rebuilt by the caller
        _discard(entry)
        return None


def _discard(entry: Path) -> None:
    """Remove an entry's files (links themselves, never their targets); errors ignored."""
    for name in (_FRAME_FILE, _META_FILE, "frame.pkl"):
        with contextlib.suppress(OSError):
            (entry / name).unlink(missing_ok=True)


def _make_private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if owned_privately(path, kind=stat.S_IFDIR):
        path.chmod(0o700)
    else:
        raise PermissionError(f"{path} is not a private folder of ours")


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a 0600 temporary beside it, then renamed)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_entry(entry: Path, result: LoadResult, *, loader: str) -> None:
    """Write ``result`` into ``entry`` (made by loader version ``loader``); any failure
    leaves the result uncached, silently."""
    try:
        root = entry.parent
        if not root.exists():
            _make_private_dir(root)
        _drop_legacy_entries(root)
        _make_private_dir(entry)
        table = pa.Table.from_pandas(result.frame, preserve_index=False)
        sink = pa.BufferOutputStream()
        codec = "zstd" if pa.Codec.is_available("zstd") else None
        with pa_ipc.new_file(
            sink, table.schema, options=pa_ipc.IpcWriteOptions(compression=codec)
        ) as writer:
            writer.write_table(table)
        blob = sink.getvalue().to_pybytes()
        meta = {
            "format": CACHE_FORMAT,
            "loader": loader,
            "versions": _versions(),
            "content_hash": result.content_hash,
            "frame_bytes": len(blob),
            "frame_sha256": hashlib.sha256(blob).hexdigest(),
            "dtypes": {str(c): str(t) for c, t in result.frame.dtypes.items()},
            "result": result.summary(),
        }
        _write_private(entry / _FRAME_FILE, blob)
        _write_private(entry / _META_FILE, json.dumps(meta).encode("utf-8"))
    except Exception:  # read-only, full or foreign cache folder: the result is used uncached
        pass


_LEGACY_ENTRY = re.compile(r"[0-9a-f]{32}-v\d+")


def _drop_legacy_entries(root: Path) -> None:
    """Remove the pickle entries of earlier versions (they held uploads too)."""
    try:
        folders = [p for p in root.iterdir() if _LEGACY_ENTRY.fullmatch(p.name)]
    except OSError:
        return
    for folder in folders:
        if owned_privately(folder, kind=stat.S_IFDIR):
            _discard(folder)
            with contextlib.suppress(OSError):
                folder.rmdir()
