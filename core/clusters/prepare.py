"""Records ready for K-means: which columns can be clustered, and their encoding.

The steps follow the original analysis dashboard, done carefully:

* bands become numbers through their midpoints (``ageMid``, ``monthsMid``);
* categorical columns (gender, majority status, citizenship, country of exploitation) are
  label-encoded as the original did (codes 0, 1, 2, ... in sorted order of the values
  present, like scikit-learn's ``LabelEncoder``) or, as an option, one-hot encoded;
* records with a missing value in any chosen column are left out, and counted;
* features are optionally standardised (mean 0, standard deviation 1, as scikit-learn's
  ``StandardScaler``);
* records with identical values are grouped (:attr:`ClusterInput.distinct`, with their
  counts as weights), so that K-means fits each combination once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from core.data.schema import FLAG_GROUPS, flag_label, is_flag_column

__all__ = [
    "CATEGORICAL_COLUMNS",
    "COUNTRY_COLUMNS",
    "ENCODINGS",
    "NUMERIC_COLUMNS",
    "ClusterError",
    "ClusterInput",
    "clustering_columns",
    "column_kind",
    "column_label",
    "prepare",
]

ENCODINGS: tuple[str, ...] = ("label", "onehot")

NUMERIC_COLUMNS: tuple[str, ...] = ("ageMid", "monthsMid", "yearOfRegistration")
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    "gender",
    "majorityStatusAtExploit",
    "citizenship",
    "CountryOfExploitation",
)
COUNTRY_COLUMNS: tuple[str, ...] = ("citizenship", "CountryOfExploitation")
_BAND_OF = {"ageMid": "ageBroad", "monthsMid": "traffickMonths"}
_LABELS = {
    "cluster": "Cluster",
    "ageMid": "Age (years, band midpoint)",
    "ageBroad": "Age band",
    "monthsMid": "Time trafficked (months, band midpoint)",
    "traffickMonths": "Time trafficked (band)",
    "yearOfRegistration": "Year of registration",
    "gender": "Gender",
    "majorityStatusAtExploit": "Adult or minor",
    "citizenship": "Citizenship",
    "citizenshipName": "Citizenship (country)",
    "CountryOfExploitation": "Country of exploitation",
    "CountryOfExploitationName": "Country of exploitation (country)",
}


class ClusterError(ValueError):
    """A setting that cannot be clustered; the message says what happened and what to do."""


# --------------------------------------------------------------------------- columns
def column_label(column: str, /) -> str:
    """Plain-word label of a column offered for clustering.

    Examples
    --------
    >>> column_label("ageMid")
    'Age (years, band midpoint)'
    >>> column_label("recruiterRelationFamily")
    'Recruiter relation: Family'
    """
    if column in _LABELS:
        return _LABELS[column]
    for group in FLAG_GROUPS.values():
        if group.matches(column):
            return f"{group.label}: {flag_label(column)}"
    return column


def clustering_columns(frame: pd.DataFrame, /) -> list[str]:
    """Columns of ``frame`` that can be clustered on: numeric, categorical, then flags.

    Examples
    --------
    >>> df = pd.DataFrame(columns=["gender", "ageMid", "ageBroad", "isForcedLabour"])
    >>> clustering_columns(df)
    ['ageMid', 'gender', 'isForcedLabour']
    """
    fixed = [c for c in (*NUMERIC_COLUMNS, *CATEGORICAL_COLUMNS) if c in frame.columns]
    flags = [c for c in frame.columns if isinstance(c, str) and is_flag_column(c)]
    return fixed + flags


def column_kind(column: str, /) -> Literal["numeric", "categorical", "flag"]:
    """How a column is clustered: as a number, a category or a 0/1 flag.

    Raises
    ------
    ClusterError
        (a ValueError) for a column that cannot be clustered on; the message names the
        ones that can.

    Examples
    --------
    >>> column_kind("ageMid"), column_kind("gender"), column_kind("isForcedLabour")
    ('numeric', 'categorical', 'flag')
    """
    if column in NUMERIC_COLUMNS:
        return "numeric"
    if column in CATEGORICAL_COLUMNS:
        return "categorical"
    if is_flag_column(column):
        return "flag"
    raise ClusterError(
        f"'{column}' is not a column this page can cluster on; pick another one "
        f"(numbers: {', '.join(NUMERIC_COLUMNS)}; categories: "
        f"{', '.join(CATEGORICAL_COLUMNS)}; or a flag such as isForcedLabour)."
    )


@dataclass(frozen=True)
class ClusterInput:
    """Records ready for K-means.

    Attributes
    ----------
    columns
        The chosen columns, in order.
    records
        The kept records (index reset): the chosen columns (categoricals as text, flags
        as 0/1) and, for reading, the age / duration band and country names.
    distinct
        The encoded (and maybe standardised) features, one row per distinct combination
        of values among the kept records.
    weights
        Records per distinct row.
    inverse
        For each kept record, its row in ``distinct``.
    feature_names
        Names of the feature columns (``gender=Female`` for one-hot columns).
    total
        Records in the slice before dropping missing values.
    missing
        Records of the slice missing each chosen column.
    encoding, scaled
        The options used.
    categories
        For each categorical column, its values in code order (label encoding).
    """

    columns: tuple[str, ...]
    records: pd.DataFrame
    distinct: np.ndarray
    weights: np.ndarray
    inverse: np.ndarray
    feature_names: tuple[str, ...]
    total: int
    missing: dict[str, int]
    encoding: str
    scaled: bool
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        """Records with a value in every chosen column."""
        return len(self.records)

    @property
    def dropped(self) -> int:
        """Records left out because a chosen column is missing."""
        return self.total - self.kept

    @property
    def n_distinct(self) -> int:
        """Distinct value combinations among the kept records."""
        return len(self.distinct)

    def matrix(self) -> np.ndarray:
        """The feature matrix with one row per kept record."""
        return self.distinct[self.inverse]


def _unique_columns(columns: Sequence[str]) -> tuple[str, ...]:
    """The columns without repeats, in their first order."""
    return tuple(dict.fromkeys(columns))


def _as_values(series: pd.Series, kind: str) -> pd.Series:
    """A column as the values clustered on: floats, 0/1 integers or text."""
    if kind == "numeric":
        return series.astype("float64")
    if kind == "flag":
        return series.astype(bool).astype("int64")
    return series.astype(object).astype("str")


def prepare(
    frame: pd.DataFrame,
    /,
    *,
    columns: Sequence[str],
    encoding: str = "label",
    scale: bool = False,
) -> ClusterInput:
    """Encode the chosen columns of ``frame``, dropping records with a missing value.

    Parameters
    ----------
    frame
        The canonical frame (or a slice of it).
    columns
        Columns to cluster on (see :func:`clustering_columns`); repeats are ignored.
    encoding
        ``"label"``: categorical columns become codes 0, 1, ... in sorted order of the
        values present (as the original analysis did); ``"onehot"``: one 0/1 column per
        value.
    scale
        Standardise every feature to mean 0 and standard deviation 1 over the kept
        records (a feature with no spread is only centred).

    Raises
    ------
    ClusterError
        (a ValueError) Fewer than two different columns, a column that cannot be
        clustered on (:func:`column_kind`) or that the frame lacks, an encoding not in
        :data:`ENCODINGS`, a column entirely missing in the slice, or no record with a
        value in every chosen column.

    Examples
    --------
    >>> df = pd.DataFrame({"ageMid": [19.0, 19.0, None, 34.0],
    ...                    "gender": ["Male", "Male", "Female", "Female"]})
    >>> p = prepare(df, columns=["ageMid", "gender"])
    >>> p.kept, p.dropped, p.n_distinct, p.matrix().tolist()
    (3, 1, 2, [[19.0, 1.0], [19.0, 1.0], [34.0, 0.0]])
    """
    chosen = _unique_columns(columns)
    if len(chosen) < 2:
        raise ClusterError(
            "Choose at least two different columns to cluster on (X, Y and Z count too)."
        )
    if encoding not in ENCODINGS:
        raise ClusterError(
            f"Unknown encoding '{encoding}'; choose label codes ('label') or one-hot ('onehot')."
        )
    kinds = {c: column_kind(c) for c in chosen}
    absent = [c for c in chosen if c not in frame.columns]
    if absent:
        named = ", ".join(column_label(c) for c in absent)
        raise ClusterError(f"This data file has no column {named}; choose other columns.")
    total = len(frame)
    missing = {c: int(frame[c].isna().sum()) for c in chosen}
    empty = [c for c in chosen if total and missing[c] == total]
    if total == 0 or empty:
        named = ", ".join(column_label(c) for c in empty) or "any column"
        raise ClusterError(
            f"No record in this slice has a value for {named}. Choose other columns, or "
            "widen the filters in the sidebar."
        )
    keep = ~frame[list(chosen)].isna().any(axis=1).to_numpy()
    if not keep.any():
        # No count here: the message is shown as it stands, and counts go through
        # core.privacy on the page.
        named = ", ".join(column_label(c) for c, n in missing.items() if n)
        raise ClusterError(
            "None of the records in view has a value in every chosen column (some lack "
            f"one of: {named}). Choose fewer columns (or ones more often recorded), or "
            "widen the filters."
        )
    kept = frame.loc[keep]
    values = {c: _as_values(kept[c], kinds[c]).reset_index(drop=True) for c in chosen}

    # Distinct combinations: factorise each column (sorted codes), then unique rows.
    codes = np.empty((len(kept), len(chosen)), dtype=np.int64)
    uniques: dict[str, np.ndarray] = {}
    for j, c in enumerate(chosen):
        col_codes, col_uniques = pd.factorize(values[c], sort=True)
        codes[:, j] = col_codes
        uniques[c] = np.asarray(col_uniques)
    distinct_codes, inverse, weights = np.unique(
        codes, axis=0, return_inverse=True, return_counts=True
    )
    inverse = inverse.reshape(-1)

    blocks: list[np.ndarray] = []
    names: list[str] = []
    categories: dict[str, tuple[str, ...]] = {}
    for j, c in enumerate(chosen):
        col_codes = distinct_codes[:, j]
        if kinds[c] == "categorical":
            categories[c] = tuple(str(v) for v in uniques[c])
            if encoding == "onehot":
                blocks.append(
                    (col_codes[:, None] == np.arange(len(uniques[c]))[None, :]).astype(float)
                )
                names.extend(f"{c}={v}" for v in categories[c])
                continue
            blocks.append(col_codes.astype(float)[:, None])
        else:
            blocks.append(uniques[c].astype(float)[col_codes][:, None])
        names.append(c)
    distinct = np.hstack(blocks)
    if scale:
        w = weights.astype(float)
        mean = (distinct * w[:, None]).sum(axis=0) / w.sum()
        var = (((distinct - mean) ** 2) * w[:, None]).sum(axis=0) / w.sum()
        std = np.sqrt(var)
        # As StandardScaler: a feature without spread is centred, not divided by 0.
        std[std < 10 * np.finfo(float).eps * np.maximum(np.abs(mean), 1.0)] = 1.0
        distinct = (distinct - mean) / std

    records = _record_frame(kept, chosen, values)
    return ClusterInput(
        columns=chosen,
        records=records,
        distinct=distinct,
        weights=weights.astype(np.int64),
        inverse=inverse.astype(np.int64),
        feature_names=tuple(names),
        total=total,
        missing=missing,
        encoding=encoding,
        scaled=scale,
        categories=categories,
    )


def _record_frame(
    kept: pd.DataFrame, chosen: tuple[str, ...], values: Mapping[str, pd.Series]
) -> pd.DataFrame:
    """The kept records for reading: the chosen columns, their bands and country names."""
    out: dict[str, pd.Series] = {}
    for c in chosen:
        series = values[c]
        if c == "yearOfRegistration":
            series = series.astype("int64")
        out[c] = series
        band = _BAND_OF.get(c)
        if band and band in kept.columns:
            out[band] = kept[band].astype(object).astype("str").reset_index(drop=True)
        if c in COUNTRY_COLUMNS:
            name_col = f"{c}Name"
            if name_col in kept.columns:
                names = kept[name_col].astype(object).reset_index(drop=True)
                out[name_col] = names.where(names.notna(), series).astype("str")
            else:
                out[name_col] = series
    return pd.DataFrame(out)
