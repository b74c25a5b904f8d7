"""The sidebar's slice of the data: a :class:`Filters` value, applied to the canonical frame.

Filters round-trip through URL query parameters (:func:`to_query` / :func:`from_query`)
so that a copied link reproduces the view. Parsing is forgiving: values that do not
exist in the data are dropped, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from core.privacy import DEFAULT_K

__all__ = [
    "DEFAULT_SMALL_CELL",
    "QUERY_KEYS",
    "FilterOptions",
    "Filters",
    "apply_filters",
    "filter_options",
    "from_query",
    "to_query",
]

DEFAULT_SMALL_CELL = DEFAULT_K  # the one default lives in core.privacy

# filter field -> (frame column, query-parameter key)
_LIST_FIELDS: dict[str, tuple[str, str]] = {
    "genders": ("gender", "gender"),
    "majority": ("majorityStatusAtExploit", "majority"),
    "age_bands": ("ageBroad", "age"),
    "citizenship": ("citizenship", "cit"),
    "exploitation_country": ("CountryOfExploitation", "exp"),
}


# Every query-parameter key the filters own; pages keep their own keys beside these.
QUERY_KEYS: frozenset[str] = frozenset(
    {"years", "noyear", "k", *(key for _column, key in _LIST_FIELDS.values())}
)


@dataclass(frozen=True)
class FilterOptions:
    """What the sidebar can offer for a given frame."""

    year_min: int | None
    year_max: int | None
    genders: tuple[str, ...]
    majority: tuple[str, ...]
    age_bands: tuple[str, ...]
    citizenship: tuple[str, ...]
    exploitation_country: tuple[str, ...]


@dataclass(frozen=True)
class Filters:
    """A slice of the data. Empty tuples mean 'no restriction' (unknowns included).

    ``years`` is an inclusive range; records with no year are kept only while
    ``include_unknown_year`` is true.
    """

    years: tuple[int, int] | None = None
    include_unknown_year: bool = True
    genders: tuple[str, ...] = ()
    majority: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    citizenship: tuple[str, ...] = ()
    exploitation_country: tuple[str, ...] = ()
    small_cell: int = DEFAULT_SMALL_CELL
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def describe(self) -> str:
        """One line saying what the slice is, for captions and exports."""
        parts = []
        if self.years:
            parts.append(f"years {self.years[0]}-{self.years[1]}")
        if self.years and not self.include_unknown_year:
            parts.append("known year only")
        labels = {
            "genders": "gender",
            "majority": "majority status",
            "age_bands": "age",
            "citizenship": "citizenship",
            "exploitation_country": "exploited in",
        }
        for name, label in labels.items():
            values = getattr(self, name)
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        return "; ".join(parts) if parts else "all records"


def _present(series: pd.Series) -> tuple[str, ...]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        used = series.cat.remove_unused_categories().cat.categories
        return tuple(str(c) for c in used)
    return tuple(sorted(str(v) for v in series.dropna().unique()))


def filter_options(frame: pd.DataFrame, /) -> FilterOptions:
    """Values present in ``frame`` for each filter (ordered bands stay in band order)."""
    years = frame["yearOfRegistration"].dropna()
    return FilterOptions(
        year_min=int(years.min()) if len(years) else None,
        year_max=int(years.max()) if len(years) else None,
        genders=_present(frame["gender"]),
        majority=_present(frame["majorityStatusAtExploit"]),
        age_bands=_present(frame["ageBroad"]),
        citizenship=_present(frame["citizenship"]),
        exploitation_country=_present(frame["CountryOfExploitation"]),
    )


def apply_filters(frame: pd.DataFrame, filters: Filters, /) -> pd.DataFrame:
    """Rows of ``frame`` inside the slice.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, 2015, None], dtype="Int16"),
    ...                    "gender": ["Female", "Male", "Female"]})
    >>> len(apply_filters(df, Filters(years=(2012, 2020))))
    2
    >>> len(apply_filters(df, Filters(years=(2012, 2020), include_unknown_year=False)))
    1
    """
    keep = np.ones(len(frame), dtype=bool)
    if filters.years is not None:
        year = frame["yearOfRegistration"]
        lo, hi = filters.years
        in_range = ((year >= lo) & (year <= hi)).fillna(False).to_numpy(dtype=bool)
        if filters.include_unknown_year:
            in_range |= year.isna().to_numpy()
        keep &= in_range
    elif not filters.include_unknown_year:
        keep &= frame["yearOfRegistration"].notna().to_numpy()
    for name, (column, _key) in _LIST_FIELDS.items():
        values = getattr(filters, name)
        if values and column in frame.columns:
            keep &= frame[column].isin(values).to_numpy()
    if keep.all():
        return frame
    return frame.loc[keep]


def to_query(filters: Filters, /) -> dict[str, str]:
    """Query parameters for a filter (only what differs from the default).

    Examples
    --------
    >>> to_query(Filters(years=(2010, 2019), genders=("Female",)))
    {'years': '2010-2019', 'gender': 'Female'}
    """
    query: dict[str, str] = {}
    if filters.years is not None:
        query["years"] = f"{filters.years[0]}-{filters.years[1]}"
    if not filters.include_unknown_year:
        query["noyear"] = "0"
    for name, (_column, key) in _LIST_FIELDS.items():
        values = getattr(filters, name)
        if values:
            query[key] = ",".join(values)
    if filters.small_cell != DEFAULT_SMALL_CELL:
        query["k"] = str(filters.small_cell)
    return query


def from_query(query: Mapping[str, str], options: FilterOptions, /) -> Filters:
    """Filters from query parameters, keeping only values that exist in ``options``.

    Anything malformed (text for a year, unknown countries, a negative threshold) is
    ignored, so that a damaged link still opens the app.

    Examples
    --------
    >>> opts = FilterOptions(2002, 2021, ("Female", "Male"), ("Adult", "Minor"), (), ("USA",), ())
    >>> from_query({"years": "2030-1990", "gender": "Male,Robot"}, opts).genders
    ('Male',)
    """
    filters = Filters()
    years = str(query.get("years", ""))
    if "-" in years and options.year_min is not None and options.year_max is not None:
        lo_text, _, hi_text = years.partition("-")
        try:
            lo, hi = sorted((int(lo_text), int(hi_text)))
        except ValueError:
            lo, hi = options.year_min, options.year_max
        lo = min(max(lo, options.year_min), options.year_max)
        hi = min(max(hi, options.year_min), options.year_max)
        if (lo, hi) != (options.year_min, options.year_max):
            filters = replace(filters, years=(lo, hi))
    if str(query.get("noyear", "")) == "0":
        filters = replace(filters, include_unknown_year=False)
    for name, (_column, key) in _LIST_FIELDS.items():
        allowed = getattr(options, name)
        raw = str(query.get(key, ""))
        values = tuple(v for v in dict.fromkeys(raw.split(",")) if v and v in allowed)
        if values:
            filters = replace(filters, **{name: values})
    try:
        k = int(str(query.get("k", DEFAULT_SMALL_CELL)))
    except ValueError:
        k = DEFAULT_SMALL_CELL
    if 1 <= k <= 1000:
        filters = replace(filters, small_cell=k)
    return filters
