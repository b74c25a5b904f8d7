"""Canonical cleaning: raw CTDC columns (strings or categories) to the canonical frame.

The raw frame comes from :mod:`core.data.load` with canonical column names already applied
and every value as a string category ('' or NaN = missing). The result has typed
columns: nullable integer year, categorical gender / bands / majority status, numeric
midpoints, country names, and boolean flags.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd
import pycountry

from core.data.layouts import gender_codes
from core.data.schema import (
    AGE_BANDS,
    AGE_MIDPOINTS,
    CORE_COLUMNS,
    DURATION_BANDS,
    DURATION_MIDPOINTS,
    GENDERS,
    MAJORITY,
    MINOR_AGE_BANDS,
    is_flag_column,
)

__all__ = ["MISSING_TOKENS", "canonical_frame", "country_name"]

# Values that mean "missing" in any release: empty, -99 (older releases), and the
# spellings spreadsheets leave behind.
MISSING_TOKENS: frozenset[str] = frozenset(
    {"", "-99", "-99.0", "na", "n/a", "nan", "null", "none", "unknown", "missing"}
)
_TRUE_TOKENS = frozenset({"1", "1.0", "true", "yes", "y", "t"})

# Every release's own codes (core.data.layouts), and the spellings spreadsheets leave behind.
_GENDER_MAP = {
    **gender_codes(),
    "f": "Female",
    "m": "Male",
    "transgender": "Transgender/NonConforming",
    "nonconforming": "Transgender/NonConforming",
}
_MAJORITY_MAP = {"adult": "Adult", "minor": "Minor", "child": "Minor"}


def _norm(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _age_key(value: str) -> str | None:
    """'9--17', '09--17', '9-17' all map to '09--17'; '48+' stays."""
    text = value.replace(" ", "")
    match = re.fullmatch(r"(\d+)\s*-+\s*(\d+)", text)
    if match:
        lo, hi = int(match.group(1)), int(match.group(2))
        for band in AGE_BANDS:
            band_match = re.fullmatch(r"(\d+)--(\d+)", band)
            if band_match and (int(band_match.group(1)), int(band_match.group(2))) == (lo, hi):
                return band
        return None
    match = re.fullmatch(r"(\d+)\+", text)
    if match and int(match.group(1)) == 48:
        return "48+"
    return None


def _duration_key(value: str) -> str | None:
    text = value.replace(" ", "").lower()
    match = re.match(r"(\d+)(?:--?(\d+)|\+)", text)
    if not match:
        return None
    lo = int(match.group(1))
    hi = match.group(2)
    for band in DURATION_BANDS:
        band_match = re.match(r"(\d+)(?:--(\d+)|\+)", band)
        assert band_match is not None
        if int(band_match.group(1)) == lo and band_match.group(2) == hi:
            return band
    return None


@lru_cache(maxsize=4096)
def country_name(code: str) -> str:
    """English short name of an ISO 3166-1 alpha-3 (or alpha-2) code, via pycountry.

    Unknown codes come back unchanged so that nothing is silently lost.

    Examples
    --------
    >>> country_name("MDA")
    'Moldova'
    >>> country_name("XKX")
    'XKX'
    """
    code = code.strip().upper()
    if not code:
        return ""
    record = None
    if len(code) == 3:
        record = pycountry.countries.get(alpha_3=code)
    elif len(code) == 2:
        record = pycountry.countries.get(alpha_2=code)
    if record is None:
        return code
    return str(getattr(record, "common_name", None) or record.name)


def _as_category(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series
    return series.astype("category")


def _map_categories(
    series: pd.Series, mapper: dict[str, str | None], categories: tuple[str, ...], ordered: bool
) -> pd.Series:
    """Map a categorical column value-by-category (fast: one lookup per distinct value)."""
    series = _as_category(series)
    codes = series.cat.codes.to_numpy()
    old = [_norm(c) for c in series.cat.categories]
    new_index = {cat: i for i, cat in enumerate(categories)}
    lookup = np.array([new_index.get(mapper.get(c) or "", -1) for c in old] + [-1], dtype=np.int16)
    new_codes = lookup[codes]  # code -1 (NaN) indexes the trailing -1
    dtype = pd.CategoricalDtype(list(categories), ordered=ordered)
    return pd.Series(pd.Categorical.from_codes(new_codes, dtype=dtype), index=series.index)


def _unrecognised(series: pd.Series, mapper: dict[str, str | None]) -> list[str]:
    series = _as_category(series)
    used = series.cat.remove_unused_categories().cat.categories
    return sorted(
        {
            _norm(c)
            for c in used
            if _norm(c).lower() not in MISSING_TOKENS and mapper.get(_norm(c)) is None
        }
    )


def _year(series: pd.Series, warnings: list[str]) -> pd.Series:
    series = _as_category(series)
    cats = [_norm(c) for c in series.cat.categories]
    values = pd.to_numeric(pd.Series(cats, dtype=object), errors="coerce").to_numpy(dtype=float)
    ok = (values >= 1900) & (values <= 2100) & (values == np.round(values))
    valid = np.where(ok, values, np.nan)
    codes = series.cat.codes.to_numpy()
    bad_codes = [i for i, c in enumerate(cats) if not ok[i] and c.lower() not in MISSING_TOKENS]
    if bad_codes:
        count = int(np.isin(codes, bad_codes).sum())
        warnings.append(
            f"{count:,} year values could not be read as a year (e.g. {cats[bad_codes[0]]!r}); "
            "they are treated as missing."
        )
    years = np.append(valid, np.nan)[codes]
    return pd.Series(pd.array(years, dtype="Float64"), index=series.index).astype("Int16")


def _flag(series: pd.Series) -> np.ndarray:
    series = _as_category(series)
    truth = np.array(
        [_norm(c).lower() in _TRUE_TOKENS for c in series.cat.categories] + [False], dtype=bool
    )
    return truth[series.cat.codes.to_numpy()]


def canonical_frame(raw: pd.DataFrame, /) -> tuple[pd.DataFrame, list[str]]:
    """Clean a raw frame (canonical names, string values) into the canonical frame.

    Parameters
    ----------
    raw
        Columns named as in the 2021 release (others are dropped unless they are flags);
        values are strings or categories, '' / NaN / -99 meaning missing.

    Returns
    -------
    frame, warnings
        The canonical frame (see :data:`core.data.schema.CORE_COLUMNS`) and a list of
        sentences about values that could not be read.
    """
    warnings: list[str] = []
    n = len(raw)
    out: dict[str, object] = {}
    empty = pd.Series(pd.Categorical([None] * n, categories=[""]), index=raw.index)

    def col(name: str) -> pd.Series:
        return raw[name] if name in raw.columns else empty

    out["yearOfRegistration"] = _year(col("yearOfRegistration"), warnings)

    def labels(
        name: str,
        normalise: Callable[[str], str | None],
        categories: tuple[str, ...],
        *,
        ordered: bool,
    ) -> pd.Series:
        """One column's values mapped onto canonical labels; unknown ones warned about."""
        raw_column = col(name)
        mapping = {v: normalise(v) for v in map(_norm, _as_category(raw_column).cat.categories)}
        _warn_unrecognised(warnings, name, _unrecognised(raw_column, mapping))
        return _map_categories(raw_column, mapping, categories, ordered=ordered)

    out["gender"] = labels("gender", lambda v: _GENDER_MAP.get(v.lower()), GENDERS, ordered=False)
    age = labels("ageBroad", _age_key, AGE_BANDS, ordered=True)
    out["ageBroad"] = age
    out["ageMid"] = age.map(AGE_MIDPOINTS).astype("float64")
    given = labels(
        "majorityStatusAtExploit", lambda v: _MAJORITY_MAP.get(v.lower()), MAJORITY, ordered=False
    )
    # Work on category codes (one small lookup per band), not on strings: 10x faster.
    minor_code, adult_code = MAJORITY.index("Minor"), MAJORITY.index("Adult")
    band_to_majority = np.array(
        [minor_code if band in MINOR_AGE_BANDS else adult_code for band in AGE_BANDS] + [-1],
        dtype=np.int8,
    )
    from_age = band_to_majority[age.cat.codes.to_numpy()]
    given_codes = given.cat.codes.to_numpy()
    has_given = given_codes >= 0
    majority_codes = np.where(has_given, given_codes, from_age)
    out["majorityStatusAtExploit"] = pd.Categorical.from_codes(
        majority_codes, dtype=pd.CategoricalDtype(list(MAJORITY))
    )
    source_codes = np.where(has_given, 0, np.where(from_age >= 0, 1, 2)).astype(np.int8)
    out["majoritySource"] = pd.Categorical.from_codes(
        source_codes, categories=pd.Index(["given", "derived from age", "unknown"])
    )

    duration = labels("traffickMonths", _duration_key, DURATION_BANDS, ordered=True)
    out["traffickMonths"] = duration
    out["monthsMid"] = duration.map(DURATION_MIDPOINTS).astype("float64")

    for code_col in ("citizenship", "CountryOfExploitation"):
        series = _as_category(col(code_col))
        cats = [_norm(c).upper() for c in series.cat.categories]
        keep = sorted({c for c in cats if c.lower() not in MISSING_TOKENS})
        index = {c: i for i, c in enumerate(keep)}
        lookup = np.array([index.get(c, -1) for c in cats] + [-1], dtype=np.int32)
        codes = lookup[series.cat.codes.to_numpy()]
        out[code_col] = pd.Categorical.from_codes(codes, categories=pd.Index(keep))
        # Names as a categorical over the same codes; two codes with one name (rare)
        # keep their code so that categories stay unique.
        names = [country_name(c) for c in keep]
        if len(set(names)) != len(names):
            names = [f"{name} ({c})" for name, c in zip(names, keep, strict=True)]
        out[f"{code_col}Name"] = pd.Categorical.from_codes(codes, categories=pd.Index(names))

    frame = pd.DataFrame({c: out[c] for c in CORE_COLUMNS}, index=raw.index)
    flags = {c: _flag(raw[c]) for c in raw.columns if is_flag_column(c)}
    if flags:
        frame = pd.concat([frame, pd.DataFrame(flags, index=raw.index)], axis=1)
    return frame.reset_index(drop=True), warnings


def _warn_unrecognised(warnings: list[str], column: str, values: list[str]) -> None:
    if values:
        shown = ", ".join(repr(v) for v in values[:3])
        more = f" and {len(values) - 3} more" if len(values) > 3 else ""
        warnings.append(
            f"Column {column} has values CTDC Explorer does not recognise ({shown}{more}); "
            "they are treated as missing."
        )
