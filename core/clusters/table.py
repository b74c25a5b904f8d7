"""The record table behind the clusters: the filters it offers and the records they keep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from core.clusters.prepare import COUNTRY_COLUMNS, NUMERIC_COLUMNS, column_label
from core.data.schema import is_flag_column
from core.words import category_label

__all__ = ["TableFilter", "display_records", "filter_records", "table_filters"]


def _check_columns(records: pd.DataFrame, columns: Sequence[object]) -> None:
    """A ValueError naming the record table's columns when one of ``columns`` is not there."""
    absent = [c for c in columns if c not in records.columns]
    if absent:
        raise ValueError(
            f"the records have no column {absent[0]!r}; choose from "
            f"{', '.join(map(str, records.columns))}"
        )


@dataclass(frozen=True)
class TableFilter:
    """A filter the record table offers for one column.

    ``kind`` is ``"values"`` (choose among ``options``, shown as ``labels``) or
    ``"range"`` (a slider from ``low`` to ``high`` in steps of ``step``).
    """

    column: str
    label: str
    kind: Literal["values", "range"]
    options: tuple[object, ...] = ()
    labels: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 0.0
    step: float = 1.0


def _option_labels(
    records: pd.DataFrame, column: str, options: Sequence[object]
) -> tuple[str, ...]:
    """How the options of a values filter read (cluster numbers, country names, yes/no)."""
    if column == "cluster":
        return tuple(f"Cluster {v}" for v in options)
    if column in COUNTRY_COLUMNS and f"{column}Name" in records.columns:
        pairs = records[[column, f"{column}Name"]].drop_duplicates(subset=column)
        names = dict(zip(pairs[column], pairs[f"{column}Name"], strict=True))
        return tuple(f"{names[v]} ({v})" if names[v] != v else str(v) for v in options)
    if is_flag_column(column):
        return tuple("yes" if v else "no" for v in options)
    return tuple(str(v) for v in options)


def table_filters(records: pd.DataFrame, /, *, columns: Sequence[str]) -> list[TableFilter]:
    """Filters for the record table: values for categorical columns and flags, ranges for
    numbers. ``"cluster"`` may be among ``columns`` (its values are the cluster numbers).

    Raises
    ------
    ValueError
        A column of ``columns`` that ``records`` lacks.

    Examples
    --------
    >>> r = pd.DataFrame({"cluster": [1, 2, 1], "ageMid": [4.0, 19.0, 55.0],
    ...                   "citizenship": ["USA", "UKR", "USA"],
    ...                   "citizenshipName": ["United States", "Ukraine", "United States"]})
    >>> [(f.column, f.kind, f.options, f.labels, f.low, f.high)
    ...  for f in table_filters(r, columns=["cluster", "ageMid", "citizenship"])]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('cluster', 'values', (1, 2), ('Cluster 1', 'Cluster 2'), 0.0, 0.0),
     ('ageMid', 'range', (), (), 4.0, 55.0),
     ('citizenship', 'values', ('UKR', 'USA'), ('Ukraine (UKR)', 'United States (USA)'), 0.0, 0.0)]
    """
    _check_columns(records, columns)
    out = []
    for c in columns:
        series = records[c]
        if c in NUMERIC_COLUMNS:
            whole = c == "yearOfRegistration"  # whole years on the slider
            kind = int if whole else float
            out.append(
                TableFilter(
                    c,
                    column_label(c),
                    "range",
                    low=kind(series.min()),
                    high=kind(series.max()),
                    step=1 if whole else 0.5,
                )
            )
        else:
            options = tuple(
                v.item() if hasattr(v, "item") else v for v in sorted(series.dropna().unique())
            )
            out.append(
                TableFilter(
                    c,
                    column_label(c),
                    "values",
                    options=options,
                    labels=_option_labels(records, c, options),
                )
            )
    return out


def filter_records(
    records: pd.DataFrame,
    /,
    *,
    values: Mapping[str, Sequence[object]] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Records matching every filter. An empty value list means "no restriction".

    Parameters
    ----------
    records
        The labelled records (:func:`core.clusters.profiles.labelled_records`).
    values
        Column -> the values to keep.
    ranges
        Column -> the lowest and highest value to keep (both kept).

    Raises
    ------
    ValueError
        A filter on a column that ``records`` lacks.

    Examples
    --------
    >>> r = pd.DataFrame({"ageMid": [4.0, 19.0, 55.0], "citizenship": ["USA", "UKR", "USA"]})
    >>> filter_records(r, values={"citizenship": ["USA"]}, ranges={"ageMid": (0, 20)}).index.tolist()
    [0]
    """
    _check_columns(records, [*(values or {}), *(ranges or {})])
    keep = np.ones(len(records), dtype=bool)
    for column, chosen in (values or {}).items():
        if chosen:
            keep &= records[column].isin(list(chosen)).to_numpy()
    for column, (low, high) in (ranges or {}).items():
        series = records[column].astype(float)
        keep &= ((series >= low) & (series <= high)).to_numpy()
    return records.loc[keep]


_BANDS = ("ageBroad", "traffickMonths")


def display_records(records: pd.DataFrame, /) -> pd.DataFrame:
    """The record table with plain-word column names and bands (for screen and CSV).

    Bands read as on every other screen (:func:`core.words.category_label`).

    Examples
    --------
    >>> r = pd.DataFrame({"cluster": [1], "ageMid": [13.0], "ageBroad": ["09--17"]})
    >>> display_records(r).to_dict("records")
    [{'Cluster': 1, 'Age (years, band midpoint)': 13.0, 'Age band': '9–17'}]
    """
    out = records.copy()
    for band in _BANDS:
        if band in out.columns:
            out[band] = out[band].map(lambda v, b=band: category_label(b, v))
    return out.rename(columns=column_label)
