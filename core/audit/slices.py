"""The slices the audit attacks: filter settings a user can reach from the sidebar.

Each country of citizenship and of exploitation with at least :data:`MIN_RECORDS`
records, each year of registration, each gender x majority-status combination, the
whole file, and seeded random combinations of these (a country with a gender, a year
range with a majority status, ...), until at least ``n`` slices are listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MIN_RECORDS", "MIN_SLICES", "Slice", "slices"]

#: A country enters the slice list from this many records on.
MIN_RECORDS = 20
#: The audit checks at least this many slices (random combinations fill up the list).
MIN_SLICES = 200

_COUNTRIES = {"citizenship": "citizens of", "CountryOfExploitation": "exploited in"}


@dataclass(frozen=True)
class Slice:
    """One filter setting: its kind, a plain description, and which records it keeps."""

    kind: str
    name: str
    mask: np.ndarray

    def of(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame[self.mask]


class _Texts:
    """Each column of the frame as text codes ('' where missing), computed once."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.codes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}

    def _coded(self, column: str) -> tuple[np.ndarray, dict[str, int]]:
        if column not in self.codes:
            series = self.frame[column]
            text = np.where(series.isna().to_numpy(), "", series.astype(str).to_numpy())
            codes, uniques = pd.factorize(text)
            self.codes[column] = (codes, {str(u): i for i, u in enumerate(uniques)})
        return self.codes[column]

    def values(self, column: str) -> np.ndarray:
        """Each known record's value (as text), for drawing one by weight."""
        codes, index = self._coded(column)
        names = np.array(list(index), dtype=object)
        empty = index.get("")
        return names[codes if empty is None else codes[codes != empty]]

    def eq(self, column: str, value: object) -> np.ndarray:
        codes, index = self._coded(column)
        code = index.get(str(value))
        return np.zeros(len(codes), dtype=bool) if code is None else codes == code


def _fixed(frame: pd.DataFrame, texts: _Texts) -> Iterator[Slice]:
    yield Slice("all records", "all records", np.ones(len(frame), dtype=bool))
    for column, words in _COUNTRIES.items():
        if column not in frame.columns:
            continue
        sizes = frame[column].value_counts()
        for code in sorted(str(c) for c in sizes[sizes >= MIN_RECORDS].index):
            yield Slice(f"country ({column})", f"{words} {code}", texts.eq(column, code))
    if "yearOfRegistration" in frame.columns:
        years = pd.to_numeric(frame["yearOfRegistration"], errors="coerce")
        for year in sorted(int(y) for y in years.dropna().unique()):
            yield Slice("year", f"year {year}", (years == year).fillna(False).to_numpy(bool))
    if {"gender", "majorityStatusAtExploit"} <= set(frame.columns):
        for gender in sorted(str(g) for g in frame["gender"].dropna().unique()):
            for status in sorted(
                str(m) for m in frame["majorityStatusAtExploit"].dropna().unique()
            ):
                yield Slice(
                    "gender x majority",
                    f"gender {gender}, {status.lower()}",
                    texts.eq("gender", gender) & texts.eq("majorityStatusAtExploit", status),
                )


def _random(frame: pd.DataFrame, texts: _Texts, rng: np.random.Generator) -> Slice:
    """One random combination of two or three sidebar filters."""
    parts: list[tuple[str, np.ndarray]] = []
    choices = [
        c
        for c in (
            "citizenship",
            "CountryOfExploitation",
            "gender",
            "majorityStatusAtExploit",
            "ageBroad",
        )
        if c in frame.columns
    ]
    for column in rng.choice(choices, size=min(2, len(choices)), replace=False):
        values = texts.values(column)
        if not len(values):
            continue
        value = values[int(rng.integers(len(values)))]  # by weight: a record's value
        parts.append((f"{column} {value}", texts.eq(column, value)))
    if "yearOfRegistration" in frame.columns and rng.random() < 0.5:
        years = pd.to_numeric(frame["yearOfRegistration"], errors="coerce")
        known = np.sort(years.dropna().unique())
        if len(known):
            a, b = sorted(rng.choice(known, size=2))
            parts.append(
                (f"years {int(a)}-{int(b)}", years.between(a, b).fillna(False).to_numpy(dtype=bool))
            )
    mask = np.ones(len(frame), dtype=bool)
    for _, part in parts:
        mask &= part
    return Slice("random combination", ", ".join(p for p, _ in parts), mask)


def slices(frame: pd.DataFrame, /, *, n: int = MIN_SLICES, seed: int = 0) -> list[Slice]:
    """Every fixed slice with at least one record, then random ones up to ``n`` in all.

    Examples
    --------
    >>> df = pd.DataFrame({"citizenship": ["UKR"] * 30 + ["MDA"] * 5, "gender": "Female"})
    >>> [s.name for s in slices(df, n=2)][:2]
    ['all records', 'citizens of UKR']
    """
    texts = _Texts(frame)
    out = [s for s in _fixed(frame, texts) if s.mask.any()]
    rng = np.random.default_rng(seed)
    seen = {s.name for s in out}
    tries = 0
    while len(out) < n and tries < 50 * n:
        tries += 1
        candidate = _random(frame, texts, rng)
        if candidate.mask.any() and candidate.name not in seen:
            seen.add(candidate.name)
            out.append(candidate)
    return out
