"""Read a CTDC file in any release layout into the canonical frame.

Entry points: :func:`read_ctdc` (bytes or a path in, :class:`LoadResult` out) and
:func:`load_cached` (the same, with an on-disk cache keyed by the file's content hash). Anything a user can get wrong raises :class:`DataError` whose message
is one sentence saying what is wrong and what to do.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import os
import pickle
import re
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from core.clean import canonical_frame
from core.schema import RELEASE_2021, RELEASE_2024, RELEASE_OLDER, is_flag_column

__all__ = [
    "LOADER_VERSION",
    "DataError",
    "LoadResult",
    "cache_dir",
    "content_hash",
    "load_cached",
    "max_bytes",
    "read_ctdc",
]

LOADER_VERSION = "1"
_KNOWN_COLUMNS_2021 = ["yearOfRegistration", "gender", "ageBroad", "majorityStatusAtExploit", "traffickMonths", "citizenship", "CountryOfExploitation"]
# Older releases' names for the same information, and columns we read but do not keep.
_ALIASES = {
    "majoritystatus": "majorityStatus",
    "majorityentry": "majorityEntry",
    "datasource": "Datasource",
    "countryofexploitation": "CountryOfExploitation",
}
_NEWER_MEANS = re.compile(r"means(?!OfControl)[A-Z]\w*")


class DataError(ValueError):
    """A file that cannot be used; the message is one sentence for the user."""


@dataclass
class LoadResult:
    """A loaded file: the canonical frame and what the loader found out about it."""

    frame: pd.DataFrame
    release: str
    rows: int
    columns_recognised: list[str]
    columns_ignored: list[str]
    warnings: list[str] = field(default_factory=list)
    content_hash: str = ""
    source_label: str = ""

    def summary(self) -> dict[str, object]:
        info = asdict(self)
        info.pop("frame")
        return info


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


def _canonical_name(name: str, known: dict[str, str]) -> str:
    key = re.sub(r"[^a-z0-9]", "", name.strip().lower())
    return known.get(key, _ALIASES.get(key, name.strip()))


def _detect_release(columns: list[str], raw: pd.DataFrame) -> str:
    if any(_NEWER_MEANS.fullmatch(c) for c in columns):
        return RELEASE_2024
    genders = set()
    if "gender" in raw.columns:
        genders = {str(v).strip().lower() for v in raw["gender"].cat.categories}
    if genders & {"man", "woman"}:
        return RELEASE_2024
    older_signals = {"Datasource", "majorityStatus", "majorityEntry"} & set(columns)
    flags = [c for c in columns if is_flag_column(c)]
    uses_zero_or_99 = any(
        {str(v).strip() for v in raw[c].cat.categories} & {"0", "-99", "0.0", "-99.0"}
        for c in flags[:10]
    )
    if older_signals or uses_zero_or_99:
        return RELEASE_OLDER
    return RELEASE_2021


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
    """
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
    end = body.find(b"\n", start, start + 65536)
    header = body[start : end if end >= 0 else start + 65536]
    sep = _sniff_separator(header.decode("utf-8", errors="replace"))
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
    known = {c.lower(): c for c in _KNOWN_COLUMNS_2021}
    renamed = {c: _canonical_name(str(c), known) for c in raw.columns}
    raw = raw.rename(columns=renamed)
    raw = raw.loc[:, ~raw.columns.duplicated()]
    columns = [str(c) for c in raw.columns]
    release = _detect_release(columns, raw)
    if "majorityStatusAtExploit" not in raw.columns and "majorityStatus" in raw.columns:
        raw = raw.rename(columns={"majorityStatus": "majorityStatusAtExploit"})
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
        c for c in ("ageBroad", "majorityStatusAtExploit", "traffickMonths", "citizenship",
                    "CountryOfExploitation") if c not in columns
    ]
    if n_missing_optional:
        warnings.append(
            "Not in this file, so shown as unknown: " + ", ".join(n_missing_optional) + "."
        )
    if ignored:
        shown = ", ".join(ignored[:6]) + (f" and {len(ignored) - 6} more" if len(ignored) > 6 else "")
        warnings.append(f"Columns not used by CTDC Explorer: {shown}.")
    return LoadResult(
        frame=frame,
        release=release,
        rows=len(frame),
        columns_recognised=recognised,
        columns_ignored=ignored,
        warnings=warnings,
        content_hash=digest,
        source_label=label,
    )


def cache_dir() -> Path:
    """Where parsed files are cached: ``$CTDC_CACHE_DIR`` or ``~/.cache/ctdc-explorer``."""
    root = os.environ.get("CTDC_CACHE_DIR") or Path.home() / ".cache" / "ctdc-explorer"
    return Path(root)


def load_cached(
    source: bytes | str | os.PathLike[str], /, *, label: str = "", use_disk: bool = True
) -> LoadResult:
    """:func:`read_ctdc` with a cache on disk keyed by the content hash.

    A second call with the same bytes (from any process) reads the cached frame instead
    of parsing and cleaning again. A cache that cannot be written (read-only disk) is
    skipped silently: caching is an optimisation, never a failure.

    The cache is a pickle, not parquet: it loads in ~5 ms against ~90 ms for parquet
    (rebuilding categoricals dominates there), which keeps a warm load far under a tenth
    of a cold one. It is only ever read from the app's own cache folder.
    """
    data, label = _source_bytes(source, label)
    digest = content_hash(data)
    target = cache_dir() / f"{digest[:32]}-v{LOADER_VERSION}"
    if use_disk and (target / "meta.json").exists():
        try:
            meta = json.loads((target / "meta.json").read_text())
            with (target / "frame.pkl").open("rb") as handle:
                frame = pickle.load(handle)
            if not isinstance(frame, pd.DataFrame):
                raise TypeError("cache entry is not a frame")
            meta["source_label"] = label or meta.get("source_label", "")
            return LoadResult(frame=frame, **meta)
        except Exception:  # any damaged or foreign cache entry is simply rebuilt below
            pass
    result = _read_bytes(data, label=label, digest=digest)
    if use_disk:
        try:
            target.mkdir(parents=True, exist_ok=True)
            with (target / "frame.pkl").open("wb") as handle:
                pickle.dump(result.frame, handle, protocol=pickle.HIGHEST_PROTOCOL)
            (target / "meta.json").write_text(json.dumps(result.summary()))
        except OSError:
            pass
    return result
