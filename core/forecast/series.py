"""Yearly series per segment: the segments, their counts, the incomplete last years.

The CTDC data are yearly (about 20 points) and the last years are incomplete because
registration lags. This module

* names the groups that are forecast on their own (:data:`SEGMENTS`),
* counts registrations per year for a segment of the records (:func:`yearly_counts`),
* finds the incomplete years at the end of a series (:func:`detect_incomplete_years`)
  and gathers a slice's series (:func:`prepare_segments`),
* holds one segment's forecast (:class:`SegmentForecast`, made by
  :func:`core.forecast.run.forecast_segment`); its small-cell protection is in
  :mod:`core.forecast.protect`.

Counts are of identified victims by year of registration, not of trafficking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.data.years import incomplete_years
from core.forecast.models import PROPHET_PRIORS

__all__ = [
    "DEFAULT_SEGMENTS",
    "MIN_FIT_YEARS",
    "MODEL_COLUMNS",
    "SEGMENTS",
    "TABLE_COLUMNS",
    "Segment",
    "SegmentForecast",
    "YearlyData",
    "available_segments",
    "check_segments",
    "detect_incomplete_years",
    "prepare_segments",
    "yearly_counts",
]

# Prophet fits a trend with changepoints; below four yearly points any "trend" is a
# line through two or three dots, so the page says so instead of fitting.
MIN_FIT_YEARS = 4

_YEAR = "yearOfRegistration"


# --------------------------------------------------------------------------- segments
@dataclass(frozen=True)
class Segment:
    """A group of records whose yearly count is forecast on its own.

    Attributes
    ----------
    key
        Short name (a key of :data:`SEGMENTS`).
    label
        Plain words for the screen.
    column
        The canonical column the group is picked on; None: every record.
    value
        The value of ``column`` the group's records have (True for a flag).
    """

    key: str
    label: str
    column: str | None
    value: str | bool | None = None

    def mask(self, frame: pd.DataFrame, /) -> np.ndarray:
        """Boolean array: True for the records in the segment (unknowns are out).

        Examples
        --------
        >>> df = pd.DataFrame({"gender": ["Male", None, "Female"]})
        >>> SEGMENTS["male"].mask(df).tolist(), SEGMENTS["all"].mask(df).tolist()
        ([True, False, False], [True, True, True])
        """
        if self.column is None:
            return np.ones(len(frame), dtype=bool)
        series = frame[self.column]
        if isinstance(self.value, bool):
            return series.fillna(False).to_numpy(dtype=bool) == self.value
        return (series == self.value).fillna(False).to_numpy(dtype=bool)


SEGMENTS: dict[str, Segment] = {
    s.key: s
    for s in (
        Segment("all", "All records", None),
        Segment("female", "Female (women and girls)", "gender", "Female"),
        Segment("male", "Male (men and boys)", "gender", "Male"),
        Segment("adult", "Adults", "majorityStatusAtExploit", "Adult"),
        Segment("minor", "Minors", "majorityStatusAtExploit", "Minor"),
        Segment("sexual", "Sexual exploitation", "isSexualExploit", True),
        Segment("labour", "Forced labour", "isForcedLabour", True),
    )
}
DEFAULT_SEGMENTS: tuple[str, ...] = ("all", "female", "male", "adult", "minor")


def check_segments(keys: Iterable[str], /) -> list[str]:
    """The segment keys as a list; a ValueError naming the allowed keys for any other.

    Examples
    --------
    >>> check_segments(("all", "minor"))
    ['all', 'minor']
    >>> check_segments(["women"])
    Traceback (most recent call last):
    ...
    ValueError: unknown segment 'women'; choose from all, female, male, adult, minor, sexual, labour
    """
    keys = list(keys)
    for key in keys:
        if key not in SEGMENTS:
            raise ValueError(f"unknown segment {key!r}; choose from {', '.join(SEGMENTS)}")
    return keys


def available_segments(frame: pd.DataFrame, /) -> list[str]:
    """Keys of :data:`SEGMENTS` whose column exists in ``frame``.

    Examples
    --------
    >>> available_segments(pd.DataFrame({"yearOfRegistration": [2019], "gender": ["Male"]}))
    ['all', 'female', 'male']
    """
    return [key for key, s in SEGMENTS.items() if s.column is None or s.column in frame.columns]


# --------------------------------------------------------------------------- counting
def yearly_counts(
    frame: pd.DataFrame,
    /,
    *,
    segment: str = "all",
    span: tuple[int, int] | None = None,
) -> pd.Series:
    """Records per year of registration for one segment, years without records as 0.

    Parameters
    ----------
    frame
        The canonical frame (or a slice). Records with no year are not counted.
    segment
        A key of :data:`SEGMENTS`.
    span
        First and last year of the series; by default the years of ``frame``. The
        segment's series then starts at its first year with a record: zeros before it
        mean the field was not yet recorded, not that nobody was identified.

    Returns
    -------
    pandas.Series
        Integer counts indexed by year (int), named ``"count"``; empty if no year.

    Raises
    ------
    ValueError
        ``segment`` is not a key of :data:`SEGMENTS`.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, 2010, 2012, None], dtype="Int16"),
    ...                    "gender": ["Male", "Female", "Female", "Female"]})
    >>> yearly_counts(df).to_dict()
    {2010: 2, 2011: 0, 2012: 1}
    >>> yearly_counts(df, segment="female", span=(2009, 2013)).to_dict()
    {2010: 1, 2011: 0, 2012: 1, 2013: 0}
    """
    check_segments([segment])
    years = frame[_YEAR]
    known = years.notna().to_numpy()
    if span is None:
        if not known.any():
            return pd.Series([], dtype="int64", name="count").rename_axis("year")
        span = (int(years.min()), int(years.max()))
    if span[0] > span[1]:
        return pd.Series([], dtype="int64", name="count").rename_axis("year")
    picked = SEGMENTS[segment].mask(frame) & known
    values = years[picked].astype("int64")
    counts = values.value_counts().reindex(range(span[0], span[1] + 1), fill_value=0)
    counts = counts.sort_index().astype("int64")
    nonzero = np.flatnonzero(counts.to_numpy() > 0)
    counts = counts.iloc[nonzero[0] :] if len(nonzero) else counts.iloc[:0]
    counts.index = counts.index.astype("int64")
    return counts.rename("count").rename_axis("year")


# The detector is shared with the Explore page; the forecast knows it by this name.
detect_incomplete_years = incomplete_years


@dataclass
class YearlyData:
    """The yearly series a page or command forecasts from.

    Attributes
    ----------
    total
        Counts of all records of the slice.
    reference
        The series the incomplete years were detected on (the slice itself, or the
        whole file).
    incomplete
        The slice's last years flagged on ``reference``.
    series
        Each segment's counts, all ending at the slice's last year.
    """

    total: pd.Series
    reference: pd.Series
    incomplete: list[int]
    series: dict[str, pd.Series]


def _trailing(flagged: Sequence[int], counts: pd.Series) -> list[int]:
    """The flagged years that are the last years of ``counts`` (a trailing run)."""
    run: list[int] = []
    for year in reversed([int(y) for y in counts.index]):
        if year not in flagged:
            break
        run.insert(0, year)
    return run


def prepare_segments(
    frame: pd.DataFrame,
    /,
    *,
    segments: Sequence[str] = DEFAULT_SEGMENTS,
    reference: pd.DataFrame | None = None,
) -> YearlyData:
    """Yearly counts of the slice and of each segment, and the incomplete years.

    Incomplete years are detected on all records of ``reference`` (by default the
    slice itself) and apply to every segment: registration lag is a property of the
    year, not of the group, and a small slice is too noisy to show it by itself.
    Only flagged years at the end of the slice count.

    Parameters
    ----------
    frame
        The slice on screen.
    segments
        Keys of :data:`SEGMENTS`.
    reference
        The records the incomplete years are detected on (default ``frame``).

    Raises
    ------
    ValueError
        A key of ``segments`` is not in :data:`SEGMENTS`.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2000, 2001, 2001], dtype="Int16"),
    ...                    "gender": ["Male", "Female", "Male"]})
    >>> data = prepare_segments(df, segments=["female"])
    >>> data.total.to_dict(), data.incomplete, data.series["female"].to_dict()
    ({2000: 1, 2001: 2}, [], {2001: 1})
    """
    keys = check_segments(segments)
    total = yearly_counts(frame)
    basis = total if reference is None else yearly_counts(reference)
    incomplete = _trailing(detect_incomplete_years(basis), total)
    span = (int(total.index[0]), int(total.index[-1])) if len(total) else (1, 0)
    series = {key: yearly_counts(frame, segment=key, span=span) for key in keys}
    return YearlyData(total, basis, incomplete, series)


# --------------------------------------------------------------------------- one forecast
#: The columns of :attr:`SegmentForecast.table`, in order.
TABLE_COLUMNS: tuple[str, ...] = (
    "year",
    "y",
    "yhat",
    "yhat_lower",
    "yhat_upper",
    "yhat_lower_80",
    "yhat_upper_80",
    "is_forecast",
    "excluded_incomplete",
    "in_fit",
)
#: The model's columns of the table (NaN where there is no forecast).
MODEL_COLUMNS: list[str] = list(TABLE_COLUMNS[2:7])


@dataclass
class SegmentForecast:
    """The forecast of one segment, or the sentence saying why there is none.

    Attributes
    ----------
    segment, label
        The segment's key and its plain words.
    table
        One row per year (:data:`TABLE_COLUMNS`): ``year``, ``y`` (observed count, NaN
        for future years), ``yhat`` (the forecast; at the last fitted year, that year's
        count, where the forecast line starts), ``yhat_lower``/``yhat_upper`` (95%),
        ``yhat_lower_80``/``yhat_upper_80``, ``is_forecast`` (a year after the last
        year of the fit, i.e. after the last complete year unless the incomplete ones
        are kept), ``excluded_incomplete`` (an observed year left out of the fit) and
        ``in_fit``. Model columns are NaN when there is no fit and in the earlier
        fitted years.
    fitted
        Whether there is a forecast.
    message
        Why there is none, or what stood in for the model asked.
    fit_years
        The years the model was fitted on.
    model, prior
        The key of the model that made the forecast, and Prophet's changepoint prior.
    """

    segment: str
    label: str
    table: pd.DataFrame
    fitted: bool
    message: str = ""
    fit_years: list[int] = field(default_factory=list)
    model: str = ""
    prior: float = PROPHET_PRIORS[0]
