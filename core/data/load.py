"""Read a CTDC file in any release layout into the canonical frame.

Entry points: :func:`read_ctdc` (bytes or a path in, :class:`LoadResult` out) and
:func:`load_cached` (the same; files given by path are cached on disk by content hash,
bytes such as an upload never touch the disk). Anything a user can get wrong raises
:class:`DataError` whose message is one sentence saying what is wrong and what to do.
(:class:`LoadResult` and :class:`DataError` live in :mod:`core.data.result`;
:func:`cache_dir` in :mod:`core.data.cache`, with the rest of the on-disk cache.)
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import zlib
from pathlib import Path

import pandas as pd

from core.data.cache import cache_dir, entry_path, read_entry, write_entry
from core.data.clean import canonical_frame
from core.data.layouts import LAYOUT_2021, LAYOUTS, Layout, detect_layout
from core.data.result import DataError, LoadResult
from core.data.schema import is_flag_column

__all__ = [
    "LOADER_VERSION",
    "MAX_COLUMNS",
    "MAX_HEADER_BYTES",
    "MAX_LINE_BYTES",
    "DataError",
    "LoadResult",
    "cache_dir",
    "content_hash",
    "load_cached",
    "max_bytes",
    "read_ctdc",
]

# 2: release names from core.data.layouts, 2026 sector names read, derived majority said so.
# An entry of the on-disk cache (core.data.cache) made by another version is rebuilt.
LOADER_VERSION = "2"
# CTDC layouts have at most 63 columns and lines of a few hundred bytes; anything far
# beyond is refused before pandas spends minutes and gigabytes on it.
MAX_COLUMNS = 200
MAX_HEADER_BYTES = 64 * 1024
MAX_LINE_BYTES = 1024 * 1024
_KNOWN_COLUMNS_2021 = [c for c in LAYOUT_2021.columns if not is_flag_column(c)]


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.strip().lower())


# Every column name a known layout writes, keyed by its spelling without case or
# punctuation ("Year of registration", "DATASOURCE" and "datasource" are all read).
_KNOWN_NAMES = {
    _name_key(c): c
    for layout in LAYOUTS
    for c in (*layout.columns, *(old for old, _ in layout.renames))
}


def content_hash(data: bytes) -> str:
    """SHA-256 of the file's bytes (the cache key: the same content parses once)."""
    return hashlib.sha256(data).hexdigest()


def max_bytes() -> int:
    """Largest file (after decompression) the app reads: ``$CTDC_MAX_MB`` MiB, default 600.

    The real release is 10 MiB; the cap protects a small cloud instance from a huge
    upload or a compressed "bomb".
    """
    try:
        return int(float(os.environ.get("CTDC_MAX_MB", "600")) * 2**20)
    except ValueError:
        return 600 * 2**20


def _too_large(limit: int) -> DataError:
    return DataError(
        f"The file is larger than {limit / 2**20:.4g} MB (after decompression), more than "
        "CTDC Explorer reads at once; filter or split it first."
    )


def _decompress(data: bytes) -> bytes:
    limit = max_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            # Bounded decompression (never more than the cap: gzip bombs), member by
            # member (concatenated .gz files are valid gzip).
            out = bytearray()
            rest = data
            while rest.strip(b"\x00"):
                inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
                out += inflater.decompress(rest, limit + 1 - len(out))
                if len(out) > limit:
                    raise _too_large(limit)
                if not inflater.eof:
                    raise EOFError("truncated")
                rest = inflater.unused_data
            return bytes(out)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataError(
                "The .gz archive is truncated or damaged, so it cannot be read; "
                "download or compress the file again and retry."
            ) from exc
    if data[:4] == b"PK\x03\x04":
        raise DataError(
            "This is a ZIP archive or an Excel workbook; unzip it, or save the sheet as "
            "CSV, and use the CSV or TSV file (optionally compressed as .gz)."
        )
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _as_utf8(data: bytes, warnings: list[str]) -> bytes:
    """The file as UTF-8 bytes (BOM kept; read_csv drops it). UTF-8 input is validated in
    chunks and passed on as it is: no decoded copy of a large file is ever held."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16").encode("utf-8")
    if b"\x00" in data[:65536]:
        raise DataError(
            "This file is binary, not a table of text; upload the CTDC data as a "
            "CSV or TSV text file (optionally .gz)."
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        step = 1 << 22
        for start in range(0, len(data), step):
            decoder.decode(data[start : start + step])
        decoder.decode(b"", final=True)
        return data
    except UnicodeDecodeError:
        warnings.append(
            "The file is not UTF-8; it was read as Windows-1252 (Latin-1). "
            "Check country codes and labels for odd characters."
        )
        return data.decode("cp1252", errors="replace").encode("utf-8")


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in ("\t", ",", ";")}
    sep = max(counts, key=lambda s: counts[s])
    if counts[sep] == 0:
        raise DataError(
            "The first line has no tabs, commas or semicolons, so this is not a table; "
            "upload the CTDC data as a CSV or TSV file."
        )
    return sep


_LINE_BREAK = re.compile(rb"[\r\n]")


def _header_line(body: bytes, start: int) -> bytes:
    """The first line, refused when it is absurdly long (no CTDC header is near 64 KB)."""
    found = _LINE_BREAK.search(body, start, start + MAX_HEADER_BYTES + 1)
    if found is None and len(body) - start > MAX_HEADER_BYTES:
        raise DataError(
            f"The first line is longer than {MAX_HEADER_BYTES // 1024} KB, far longer than "
            "any CTDC header, so this is not a CTDC table; upload the CTDC victim-level file."
        )
    return body[start : found.start() if found else len(body)]


def _first_long_line(body: bytes, start: int, limit: int) -> int | None:
    """Offset where the first line longer than ``limit`` bytes begins, or None.

    Jumps from line start to line start a window of ``limit + 1`` bytes at a time: a
    window with no CR or LF in it holds a line too long; otherwise every line begun in
    it ends in it, and the next check starts after its last break. About two ``rfind``
    calls per MB, and no copy of the file.
    """
    line = start
    while len(body) - line > limit:
        window_end = line + limit + 1
        last_break = max(body.rfind(b"\n", line, window_end), body.rfind(b"\r", line, window_end))
        if last_break < 0:
            return line
        line = last_break + 1
    return None


def _refuse_wide(body: bytes, start: int, header: bytes, sep: str) -> None:
    """Refuse absurdly wide tables before pandas parses them (minutes and gigabytes)."""
    fields = header.count(sep.encode()) + 1
    if fields > MAX_COLUMNS:
        raise DataError(
            f"The header has {fields:,} columns, far more than the 63 of any CTDC layout "
            f"(at most {MAX_COLUMNS} are read); check the separator or upload the CTDC "
            "victim-level file itself."
        )
    offset = _first_long_line(body, start, MAX_LINE_BYTES)
    if offset is not None:
        breaks = b"\n" if body.find(b"\n", start, offset) >= 0 else b"\r"
        line = body.count(breaks, start, offset) + 1
        raise DataError(
            f"Line {line:,} is longer than {MAX_LINE_BYTES // 2**20} MB, which no CTDC "
            "record is; check that the file is a CTDC table with one record per line."
        )


def _canonical_name(name: str) -> str:
    return _KNOWN_NAMES.get(_name_key(name), name.strip())


def _detect_layout(raw: pd.DataFrame) -> Layout:
    """The file's layout (core.data.layouts), from its column names and a few columns' values."""

    def values(column: str) -> set[str]:
        return {str(v).strip().lower() for v in raw[column].cat.categories}

    return detect_layout([str(c) for c in raw.columns], values)


def _check_options(source: object, label: object, use_disk: object = True) -> None:
    """Refuse options of the wrong kind (a mistake in code, not in the file: ValueError,
    not DataError, so it is never shown as a sentence about the user's file)."""
    if not isinstance(source, (bytes, str, os.PathLike)):
        raise ValueError(
            "source must be the file's bytes or its path (str or os.PathLike), "
            f"not {type(source).__name__}."
        )
    if not isinstance(label, str):
        raise ValueError(f"label must be a str ('' for the file name), not {label!r}.")
    if not isinstance(use_disk, bool):
        raise ValueError(f"use_disk must be True or False, not {use_disk!r}.")


def _source_bytes(source: bytes | str | os.PathLike[str], label: str) -> tuple[bytes, str]:
    """The file's bytes, and its label (the file name unless one is given)."""
    if isinstance(source, bytes):
        return source, label
    path = Path(source)
    try:
        return path.read_bytes(), label or path.name
    except FileNotFoundError as exc:
        raise DataError(f"No file at {path}; check the path and try again.") from exc
    except IsADirectoryError as exc:
        raise DataError(f"{path} is a folder, not a file; point to the data file in it.") from exc
    except OSError as exc:
        raise DataError(f"The file {path} cannot be read ({exc.strerror}).") from exc


def read_ctdc(source: bytes | str | os.PathLike[str], /, *, label: str = "") -> LoadResult:
    """Read a CTDC file (any release, tab/comma/semicolon, optionally .gz).

    Parameters
    ----------
    source
        The file's bytes or its path.
    label
        How the source is named on screen (defaults to the file name).

    Raises
    ------
    DataError
        With one sentence for the user when the file cannot be used.
    ValueError
        When ``source`` is neither bytes nor a path, or ``label`` is not a str.
    """
    _check_options(source, label)
    data, label = _source_bytes(source, label)
    return _read_bytes(data, label=label, digest=content_hash(data))


def _read_bytes(data: bytes, *, label: str, digest: str) -> LoadResult:
    warnings: list[str] = []
    if not data.strip():
        raise DataError("The file is empty; choose a CTDC data file with a header and rows.")
    body = _as_utf8(_decompress(data), warnings)
    start = 3 if body.startswith(codecs.BOM_UTF8) else 0
    while start < len(body) and body[start : start + 1].isspace():
        start += 1
    if start >= len(body):
        raise DataError("The file is empty; choose a CTDC data file with a header and rows.")
    first = body[start : start + 1]
    if first in (b"{", b"["):
        raise DataError(
            "This looks like JSON, not a CTDC table; export the data as CSV or TSV and retry."
        )
    if first == b"<":
        raise DataError(
            "This looks like a web page or XML, not a CTDC table; download the CSV or "
            "TSV file itself and retry."
        )
    header = _header_line(body, start)
    sep = _sniff_separator(header.decode("utf-8", errors="replace"))
    _refuse_wide(body, start, header, sep)
    stream = io.BytesIO(body)  # shares the bytes; no copy
    stream.seek(start)
    try:
        raw = pd.read_csv(
            stream,
            sep=sep,
            dtype="category",
            encoding="utf-8",
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
            on_bad_lines="error",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else "unreadable rows"
        raise DataError(
            f"The table could not be parsed ({first_line}); check that every row has the "
            "same number of separators as the header."
        ) from exc
    renamed = {c: _canonical_name(str(c)) for c in raw.columns}
    raw = raw.rename(columns=renamed)
    raw = raw.loc[:, ~raw.columns.duplicated()]
    layout = _detect_layout(raw)
    raw = raw.rename(columns=layout.renaming(str(c) for c in raw.columns))
    columns = [str(c) for c in raw.columns]

    missing = [c for c in ("yearOfRegistration", "gender") if c not in columns]
    if not ({"ageBroad", "majorityStatusAtExploit"} & set(columns)):
        missing.append("ageBroad or majorityStatusAtExploit")
    if missing:
        raise DataError(
            "This file lacks the columns CTDC Explorer needs ("
            + ", ".join(missing)
            + "); use a CTDC victim-level data file with year, gender and age or majority status."
        )
    if len(raw) == 0:
        raise DataError("The file has a header but no records; choose a file with data rows.")

    recognised = [c for c in columns if c in _KNOWN_COLUMNS_2021 or is_flag_column(c)]
    ignored = [c for c in columns if c not in recognised]
    frame, clean_warnings = canonical_frame(raw)
    warnings.extend(clean_warnings)
    if frame["yearOfRegistration"].notna().sum() == 0:
        raise DataError(
            "No row has a readable year of registration; check the yearOfRegistration "
            "column (it should hold years such as 2019)."
        )
    n_missing_optional = [
        c
        for c in (
            "ageBroad",
            "majorityStatusAtExploit",
            "traffickMonths",
            "citizenship",
            "CountryOfExploitation",
        )
        if c not in columns
    ]
    if "majorityStatusAtExploit" in n_missing_optional and "ageBroad" in columns:
        n_missing_optional.remove("majorityStatusAtExploit")
        warnings.append(
            "No majorityStatusAtExploit column in this file: majority status derived from "
            "the age band (0--8 and 09--17 are minors)."
        )
    if n_missing_optional:
        warnings.append(
            "Not in this file, so shown as unknown: " + ", ".join(n_missing_optional) + "."
        )
    if ignored:
        shown = ", ".join(ignored[:6]) + (
            f" and {len(ignored) - 6} more" if len(ignored) > 6 else ""
        )
        warnings.append(f"Columns not used by CTDC Explorer: {shown}.")
    return LoadResult(
        frame=frame,
        release=layout.release,
        rows=len(frame),
        columns_recognised=recognised,
        columns_ignored=ignored,
        warnings=warnings,
        content_hash=digest,
        source_label=label,
    )


def load_cached(
    source: bytes | str | os.PathLike[str], /, *, label: str = "", use_disk: bool = True
) -> LoadResult:
    """:func:`read_ctdc`, with a disk cache for files given by path.

    Bytes (an upload) are parsed in memory and never written anywhere: no cache entry,
    no temporary file. A file given by path (the operator's own source: the demo,
    ``data/``, ``CTDC_DATA``) is cached by content hash, so a second call from any
    process reads the cached frame instead of parsing and cleaning again.

    The entry is an Arrow IPC file and a JSON meta in a private folder, trusted only
    when every check of :mod:`core.data.cache` holds; anything else is discarded and
    rebuilt. A cache that cannot be written (read-only or full disk) is skipped
    silently: caching is an optimisation, never a failure.

    Raises :class:`DataError` as :func:`read_ctdc` does, and ``ValueError`` when
    ``source`` is neither bytes nor a path, ``label`` is not a str or ``use_disk`` not
    a bool.
    """
    _check_options(source, label, use_disk)
    if isinstance(source, bytes):
        return _read_bytes(source, label=label, digest=content_hash(source))
    data, label = _source_bytes(source, label)
    digest = content_hash(data)
    if not use_disk:
        return _read_bytes(data, label=label, digest=digest)
    entry = entry_path(digest, loader=LOADER_VERSION)
    cached = read_entry(entry, digest, loader=LOADER_VERSION)
    if cached is not None:
        cached.source_label = label or cached.source_label
        return cached
    result = _read_bytes(data, label=label, digest=digest)
    write_entry(entry, result, loader=LOADER_VERSION)
    return result
