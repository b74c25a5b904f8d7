"""The sidebar's slice of the data: a :class:`Filters` value, applied to the canonical frame.

In the app each filter is a sidebar widget bound to the query parameter named in
:data:`QUERY_KEYS` (:mod:`core.app.state`), so a copied link reproduces the view.
:func:`to_query` writes a slice in the older form of those parameters (the app uses it
as a cache key of the slice) and :func:`from_query` reads that form, so links made
before the widgets were bound still open their view. Parsing is forgiving: values that
do not exist in the data are dropped, never raised. A :class:`Filters` built in code
with a value of the wrong kind raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.privacy import DEFAULT_K, MAX_K, check_k

__all__ = [
    "FILTER_LABELS",
    "MAJORITY_HELP",
    "MAJORITY_LABELS",
    "QUERY_KEYS",
    "FilterOptions",
    "Filters",
    "apply_filters",
    "filter_options",
    "from_query",
    "to_query",
]

#: Filter field -> its query parameter (and the key of its sidebar widget, which is
#: bound to that parameter); pages keep their own keys beside these.
QUERY_KEYS: dict[str, str] = {
    "years": "years",
    "include_unknown_year": "noyear",
    "genders": "gender",
    "majority": "majority",
    "age_bands": "age",
    "citizenship": "cit",
    "exploitation_country": "exp",
    "small_cell": "k",
}
#: The sidebar's label of each filter (what a screen reader reads for it, too).
FILTER_LABELS: dict[str, str] = {
    "years": "Year of registration",
    "include_unknown_year": "Include records with no year",
    "genders": "Gender",
    "majority": "Minor or adult",
    "age_bands": "Age band",
    "citizenship": "Citizenship",
    "exploitation_country": "Country of exploitation",
    "small_cell": "Hide counts below",
}
#: How the values of the majority-status filter read (the URL keeps the data's values).
MAJORITY_LABELS: dict[str, str] = {"Minor": "Minor (under 18)", "Adult": "Adult"}
MAJORITY_HELP = (
    "Minor: under 18 when exploited; adult: 18 or over. Given in the data or, where "
    "missing, derived from the age band."
)
# list filter field -> the frame column it selects on
_LIST_COLUMNS: dict[str, str] = {
    "genders": "gender",
    "majority": "majorityStatusAtExploit",
    "age_bands": "ageBroad",
    "citizenship": "citizenship",
    "exploitation_country": "CountryOfExploitation",
}


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


def _is_whole(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Filters:
    """A slice of the data. Empty tuples mean 'no restriction' (unknowns included).

    ``years`` is an inclusive range; records with no year are kept only while
    ``include_unknown_year`` is true. ``small_cell`` is the threshold k (a whole number
    from 1 to :data:`core.privacy.MAX_K`). A value of another kind raises ``ValueError``
    saying what is allowed.

    Examples
    --------
    >>> Filters(genders="Female")
    Traceback (most recent call last):
    ...
    ValueError: genders must be a tuple of values such as ('Female',), not 'Female'.
    """

    years: tuple[int, int] | None = None
    include_unknown_year: bool = True
    genders: tuple[str, ...] = ()
    majority: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    citizenship: tuple[str, ...] = ()
    exploitation_country: tuple[str, ...] = ()
    small_cell: int = DEFAULT_K
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        years = self.years
        if years is not None and not (
            isinstance(years, tuple)
            and len(years) == 2
            and all(_is_whole(y) for y in years)
            and years[0] <= years[1]
        ):
            raise ValueError(
                f"years must be None or a (first, last) pair of whole years with "
                f"first <= last, such as (2010, 2019), not {years!r}."
            )
        if not isinstance(self.include_unknown_year, (bool, np.bool_)):
            raise ValueError(
                f"include_unknown_year must be True or False, not {self.include_unknown_year!r}."
            )
        for name in _LIST_COLUMNS:
            values = getattr(self, name)
            if not (isinstance(values, tuple) and all(isinstance(v, str) for v in values)):
                raise ValueError(
                    f"{name} must be a tuple of values such as ('Female',), not {values!r}."
                )
        try:
            check_k(self.small_cell)
        except ValueError:
            raise ValueError(
                f"small_cell must be a whole number from 1 to {MAX_K}, not {self.small_cell!r}."
            ) from None

    def describe(self) -> str:
        """One line saying what the slice is, for captions and exports."""
        parts = []
        if self.years:
            parts.append(f"years {self.years[0]}-{self.years[1]}")
        if self.years and not self.include_unknown_year:
            parts.append("known year only")
        labels = {
            "genders": "gender",
            "majority": "minor or adult",
            "age_bands": "age",
            "citizenship": "citizenship",
            "exploitation_country": "exploited in",
        }
        for name, label in labels.items():
            values = getattr(self, name)
            if values:
                shown = (
                    [MAJORITY_LABELS.get(v, v) for v in values] if name == "majority" else values
                )
                parts.append(f"{label}: {', '.join(shown)}")
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
    for name, column in _LIST_COLUMNS.items():
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
        query[QUERY_KEYS["years"]] = f"{filters.years[0]}-{filters.years[1]}"
    if not filters.include_unknown_year:
        query[QUERY_KEYS["include_unknown_year"]] = "0"
    for name in _LIST_COLUMNS:
        values = getattr(filters, name)
        if values:
            query[QUERY_KEYS[name]] = ",".join(values)
    if filters.small_cell != DEFAULT_K:
        query[QUERY_KEYS["small_cell"]] = str(filters.small_cell)
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
    years: tuple[int, int] | None = None
    text = str(query.get(QUERY_KEYS["years"], ""))
    if "-" in text and options.year_min is not None and options.year_max is not None:
        lo_text, _, hi_text = text.partition("-")
        try:
            lo, hi = sorted((int(lo_text), int(hi_text)))
        except ValueError:
            lo, hi = options.year_min, options.year_max
        lo = min(max(lo, options.year_min), options.year_max)
        hi = min(max(hi, options.year_min), options.year_max)
        if (lo, hi) != (options.year_min, options.year_max):
            years = (lo, hi)
    lists: dict[str, tuple[str, ...]] = {}
    for name in _LIST_COLUMNS:
        allowed = getattr(options, name)
        raw = str(query.get(QUERY_KEYS[name], ""))
        lists[name] = tuple(v for v in dict.fromkeys(raw.split(",")) if v and v in allowed)
    try:
        k = check_k(int(str(query.get(QUERY_KEYS["small_cell"], DEFAULT_K))))
    except ValueError:  # not a whole number, or outside 1..MAX_K
        k = DEFAULT_K
    return Filters(
        years=years,
        include_unknown_year=str(query.get(QUERY_KEYS["include_unknown_year"], "")) != "0",
        genders=lists["genders"],
        majority=lists["majority"],
        age_bands=lists["age_bands"],
        citizenship=lists["citizenship"],
        exploitation_country=lists["exploitation_country"],
        small_cell=k,
    )
