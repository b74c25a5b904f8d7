"""The records the logit models use: the published preparation and each model's rows.

:func:`prepare_records` does the published data preparation (year, gender and majority
status required) and returns :class:`RiskRecords`; :func:`model_records` picks the rows
one model uses under either denominator rule; :func:`cell_counts` counts records and
events per covariate pattern, which is all a grouped logit needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from core.data.denominators import known_mask
from core.data.schema import AGE_BANDS, FLAG_GROUPS
from core.options import check_option
from core.suppression import protect_linear

if TYPE_CHECKING:
    from core.risk.model import ModelSpec

__all__ = [
    "DENOMINATOR_RULES",
    "GROUPS",
    "GROUP_ORDER",
    "MAJORITY_SOURCES",
    "PREDICTORS",
    "DenominatorRule",
    "MajoritySource",
    "ModelError",
    "RiskRecords",
    "cell_counts",
    "flag_group_of",
    "model_records",
    "prepare_records",
]

DenominatorRule = Literal["published", "ctdc"]
MajoritySource = Literal["given", "derived"]

#: The two ways of treating a record with no flag set in the outcome's group.
DENOMINATOR_RULES: dict[str, str] = {
    "published": "a missing flag counts as 0 (as published)",
    "ctdc": "records with no flag in the group are left out (CTDC rule)",
}
#: Where a record's majority status may come from (see :func:`prepare_records`).
MAJORITY_SOURCES: tuple[str, ...] = ("given", "derived")

#: Predictor key -> (column in the prepared records, plain name, base level or None).
PREDICTORS: dict[str, tuple[str, str, str | None]] = {
    "gender": ("gender", "gender", "Female"),
    "majority": ("majority", "majority status", "Adult"),
    "age": ("age", "age band", None),  # base: the most common band among the records
}

#: (gender, majority status) -> the group's plain name.
GROUPS: dict[tuple[str, str], str] = {
    ("Female", "Minor"): "Girls",
    ("Female", "Adult"): "Women",
    ("Male", "Minor"): "Boys",
    ("Male", "Adult"): "Men",
}
GROUP_ORDER: tuple[str, ...] = ("Girls", "Women", "Boys", "Men")


class ModelError(ValueError):
    """A model that cannot be fitted on the records in view; the message says why and what to do."""


@dataclass(frozen=True)
class RiskRecords:
    """The records the models use, and how they were selected.

    ``records`` has columns ``gender`` (Female/Male), ``majority`` (Adult/Minor),
    ``age`` (age band, may be missing) and every flag column of the frame (bool).
    ``dropped`` counts records left out at each step, in order.
    """

    records: pd.DataFrame
    majority_source: MajoritySource
    total: int
    dropped: dict[str, int]
    note: str | None = None

    def steps_table(self, *, k: int | None = None) -> pd.DataFrame:
        """The preparation as a table: step, records (left out at that step).

        With ``k``, a count of 1..k-1 is withheld (empty), and so is every count from which
        one would follow (complementary suppression, :func:`core.suppression.protect_linear`):
        the steps add up (records in view - the left-out steps = records used), and the
        records in view (the page's header) and the records used (the section's title and
        the models' records) are shown elsewhere on the page, so they are never withheld
        to protect another; a left-out step is.

        Examples
        --------
        >>> p = RiskRecords(pd.DataFrame({"a": range(90)}), "given", 100,
        ...                 {"no year": 3, "gender": 0, "status": 7})
        >>> p.steps_table(k=10)["records"].tolist()
        [100.0, nan, 0.0, nan, 90.0]
        >>> p.steps_table(k=5)["records"].tolist()
        [100.0, nan, 0.0, nan, 90.0]
        """
        rows = [{"step": "Records in view", "records": self.total}]
        rows += [{"step": f"Left out: {why}", "records": n} for why, n in self.dropped.items()]
        rows.append({"step": "Records used by the models", "records": len(self.records)})
        table = pd.DataFrame(rows)
        if k is None:
            return table
        values = table["records"].to_numpy(dtype=float)
        last = len(values) - 1
        relation = {0: 1.0, last: -1.0} | dict.fromkeys(range(1, last), -1.0)
        fixed = np.zeros(len(values), dtype=bool)
        fixed[[0, last]] = True
        hidden = protect_linear(
            values.tolist(), [relation], k=k, shown=[True] * len(values), fixed=fixed.tolist()
        )
        table["records"] = values
        table.loc[hidden, "records"] = np.nan
        return table


def prepare_records(frame: pd.DataFrame, /, *, majority: MajoritySource = "given") -> RiskRecords:
    """The published data preparation.

    Drops records with a missing year, gender or majority status at exploitation, keeps
    gender Female and Male, and keeps flags as they are (a missing flag is already
    False, i.e. 0, in the canonical frame).

    Parameters
    ----------
    frame
        The canonical frame (or a filtered slice of it).
    majority
        ``"given"`` (the published analysis): only the majority status written in the
        file counts; ``"derived"``: where it is missing, the status derived from the
        age band is used too. When no record has a given status (releases from 2024),
        ``"given"`` falls back to ``"derived"`` and :attr:`RiskRecords.note` says so.

    Raises
    ------
    ValueError
        When ``majority`` is neither ``"given"`` nor ``"derived"``.

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "yearOfRegistration": pd.array([2010, 2011, None, 2012, 2013], dtype="Int16"),
    ...     "gender": ["Female", "Male", "Female", "Transgender/NonConforming", "Male"],
    ...     "ageBroad": ["09--17", "30--38", None, None, "09--17"],
    ...     "majorityStatusAtExploit": ["Minor", "Adult", "Adult", "Adult", "Minor"],
    ...     "majoritySource": ["given", "given", "given", "given", "derived from age"],
    ...     "isSexualExploit": [True, False, True, False, False]})
    >>> p = prepare_records(df)
    >>> len(p.records), p.dropped
    (2, {'no year of registration': 1, 'gender missing or not female/male': 1, 'no majority status given': 1})
    >>> len(prepare_records(df, majority="derived").records)
    3
    """
    check_option(majority, MAJORITY_SOURCES, name="majority")
    note = None
    source = frame["majoritySource"] if "majoritySource" in frame.columns else None
    if majority == "given" and (source is None or not (source == "given").any()):
        majority = "derived"
        note = (
            "None of the records in view has a majority status written in the file "
            "(releases from 2024 have none), so the published specification cannot run "
            "exactly as published: majority status derived from the age band is used instead."
        )
    dropped: dict[str, int] = {}
    keep = frame["yearOfRegistration"].notna().to_numpy().copy()
    dropped["no year of registration"] = int((~keep).sum())
    gender_ok = frame["gender"].isin(["Female", "Male"]).to_numpy().copy()
    dropped["gender missing or not female/male"] = int((keep & ~gender_ok).sum())
    keep &= gender_ok
    status = frame["majorityStatusAtExploit"]
    status_ok = status.notna().to_numpy().copy()
    if majority == "given" and source is not None:
        status_ok &= (source == "given").to_numpy()
    reason = "no majority status given" if majority == "given" else "no majority status"
    dropped[reason] = int((keep & ~status_ok).sum())
    keep &= status_ok

    rows = np.flatnonzero(keep)
    columns: dict[str, object] = {
        "gender": _categorical(frame["gender"], rows, ("Female", "Male")),
        "majority": _categorical(frame["majorityStatusAtExploit"], rows, ("Adult", "Minor")),
        "age": _categorical(
            frame["ageBroad"] if "ageBroad" in frame.columns else None,
            rows,
            AGE_BANDS,
            ordered=True,
        ),
    }
    for column in frame.columns:
        if frame[column].dtype == bool:
            columns[column] = frame[column].to_numpy()[rows]
    return RiskRecords(
        records=pd.DataFrame(columns),
        majority_source=majority,
        total=len(frame),
        dropped=dropped,
        note=note,
    )


def _categorical(
    series: pd.Series | None, rows: np.ndarray, categories: Sequence[str], *, ordered: bool = False
) -> pd.Categorical:
    """``series[rows]`` as a categorical with exactly ``categories`` (others become missing)."""
    dtype = pd.CategoricalDtype(list(categories), ordered=ordered)
    if series is None:
        return pd.Categorical.from_codes(np.full(len(rows), -1), dtype=dtype)
    if not isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype("category")
    lookup = {str(c): i for i, c in enumerate(categories)}
    recode = np.array([lookup.get(str(c), -1) for c in series.cat.categories] + [-1])
    codes = recode[series.cat.codes.to_numpy()[rows]]
    return pd.Categorical.from_codes(codes, dtype=dtype)


def flag_group_of(column: str, /) -> str | None:
    """The key of the flag group a column belongs to (None if it is not a flag).

    Examples
    --------
    >>> flag_group_of("recruiterRelationFriend")
    'recruiter'
    """
    for key, group in FLAG_GROUPS.items():
        if group.matches(column):
            return key
    return None


def model_records(
    records: pd.DataFrame, spec: ModelSpec, /, *, denominators: DenominatorRule = "published"
) -> pd.DataFrame:
    """The rows one model uses: predictor columns and ``outcome`` (bool).

    ``denominators="published"``: all prepared records (or, when ``spec.subset`` is
    set, those with at least one subset flag), a missing flag counting as 0.
    ``denominators="ctdc"``: only records with at least one flag of the outcome's group
    set (the CTDC's rule: no flag in the group means unknown, not 0). Rows with a
    missing predictor value (age band) are left out.

    Raises
    ------
    ValueError
        When ``denominators`` is neither ``"published"`` nor ``"ctdc"``.
    ModelError
        When the records have no column for the outcome.

    Examples
    --------
    >>> from core.risk.model import ModelSpec
    >>> r = pd.DataFrame({"gender": ["Female", "Male", "Male"], "majority": ["Adult"] * 3,
    ...                   "isForcedLabour": [True, False, False],
    ...                   "isSexualExploit": [False, True, False]})
    >>> spec = ModelSpec("isForcedLabour", ("gender",))
    >>> len(model_records(r, spec)), len(model_records(r, spec, denominators="ctdc"))
    (3, 2)
    """
    check_option(denominators, DENOMINATOR_RULES, name="denominators")
    if spec.outcome not in records.columns:
        raise ModelError(
            f"The data in use have no column {spec.outcome} ({spec.label}); choose another outcome."
        )
    keep: np.ndarray
    if denominators == "ctdc":
        group = flag_group_of(spec.outcome)
        keep = (
            known_mask(records, group) if group else records[spec.outcome].notna().to_numpy()
        ).copy()
    elif spec.subset:
        present = [c for c in spec.subset if c in records.columns]
        keep = np.asarray(records[present].to_numpy(dtype=bool).any(axis=1)).copy()
    else:
        keep = np.ones(len(records), dtype=bool)
    columns = [PREDICTORS[p][0] for p in spec.predictors]
    for column in columns:
        keep &= records[column].notna().to_numpy()
    out = records.loc[keep, columns].copy()
    out["outcome"] = records.loc[keep, spec.outcome].to_numpy(dtype=bool)
    # keep gender x majority beside the model's own predictors: the four-group table needs them
    for extra in ("gender", "majority"):
        if extra not in out.columns and extra in records.columns:
            out[extra] = records.loc[keep, extra].to_numpy()
    return out.reset_index(drop=True)


def cell_counts(
    records: pd.DataFrame, /, *, by: Sequence[str], outcome: str = "outcome"
) -> pd.DataFrame:
    """Records (``n``) and events per combination of ``by`` (only combinations present).

    Examples
    --------
    >>> r = pd.DataFrame({"g": ["a", "a", "b"], "outcome": [True, False, True]})
    >>> cell_counts(r, by=["g"]).values.tolist()
    [['a', 2, 1], ['b', 1, 1]]
    """
    by = list(by)
    y = records[outcome].to_numpy(dtype=float)
    if not by:
        return pd.DataFrame({"n": [len(records)], "events": [int(y.sum())]})
    # Counting on integer codes (one bincount) is far cheaper than a pandas groupby.
    codes, labels = [], []
    for column in by:
        series = records[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes.append(series.cat.codes.to_numpy().astype(np.int64))
            labels.append(np.asarray(series.cat.categories, dtype=object))
        else:
            code, uniques = pd.factorize(series, sort=True)
            codes.append(code.astype(np.int64))
            labels.append(np.asarray(uniques, dtype=object))
    shape = tuple(max(len(lab), 1) for lab in labels)
    complete = np.all([c >= 0 for c in codes], axis=0)
    key = np.ravel_multi_index([c[complete] for c in codes], shape)
    size = int(np.prod(shape))
    n = np.bincount(key, minlength=size)
    events = np.bincount(key, weights=y[complete], minlength=size)
    present = np.flatnonzero(n)
    index = np.unravel_index(present, shape)
    cells = pd.DataFrame({column: labels[i][index[i]] for i, column in enumerate(by)})
    cells["n"] = n[present].astype(int)
    cells["events"] = np.rint(events[present]).astype(int)
    return cells
