"""Aggregate figures of a raw CTDC 2021 file, for calibrating the demo generator.

:func:`compute_calibration` reduces a raw frame (all columns strings, ``''`` missing)
to counts: marginal and conditional tables keyed by strings, nothing at the level of a
record. Every count below ``min_cell`` (10 by default) is replaced by 0, so that no
small group can be singled out. Run::

    python -m core calibrate ../shared/data/CTDC_synthetic_20210825.tsv

to write ``data/demo_calibration.json`` in the repository.

Conventions: ``''`` is a missing value (also inside keys); keys of conditional tables
join their components with ``'|'`` (e.g. ``'Female|Minor|2016-2019'``); flag
combinations are the short names of the set flags joined by ``'+'`` in column order, or
``'none'``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from core.demo.columns import (
    COLUMNS_2021,
    EXPLOIT_FLAGS,
    KEY_SEP,
    LABOUR_FLAGS,
    MEANS_FLAGS,
    OTHER_KEY,
    PERIODS,
    RECRUITER_FLAGS,
    SEX_FLAGS,
    age_stage,
    combo_key,
    exploit_group,
    join_keys,
    life_stage,
    period_of,
    short_name,
)
from core.demo.generate import DEFAULT_CALIBRATION_PATH
from core.privacy import DEFAULT_K, is_small

__all__ = [
    "MIN_CELL",
    "TOP_PAIRS",
    "compute_calibration",
    "read_raw",
    "suppress",
    "write_calibration",
]

#: Counts below this are replaced by 0 in the committed calibration: the app's own
#: small-cell threshold, so the committed file holds no count the app would withhold.
MIN_CELL = DEFAULT_K
#: Number of (citizenship, CountryOfExploitation) pairs kept by name.
TOP_PAIRS = 40


def read_raw(path: str | Path) -> pd.DataFrame:
    """Read a raw CTDC 2021 TSV with every column as a string and ``''`` for missing.

    Parameters
    ----------
    path : str or pathlib.Path
        Tab-separated file (may be gzipped).

    Returns
    -------
    pandas.DataFrame
        The file as read, no value converted.
    """
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def suppress(obj: object, min_cell: int = MIN_CELL) -> object:
    """Replace every integer count below ``min_cell`` by 0, recursively.

    Parameters
    ----------
    obj : object
        Nested dicts/lists of counts.
    min_cell : int, default 10
        Smallest count kept.

    Returns
    -------
    object
        A copy with small counts set to 0 (floats and strings untouched).
    """
    if isinstance(obj, dict):
        return {k: suppress(v, min_cell) for k, v in obj.items()}
    if isinstance(obj, list):
        return [suppress(v, min_cell) for v in obj]
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
        return 0 if is_small(int(obj), min_cell) else int(obj)
    return obj


def _counts(values: np.ndarray | pd.Series) -> dict:
    """Counts of each value, sorted by value."""
    vc = pd.Series(np.asarray(values, dtype=object)).value_counts(sort=False)
    keys = sorted(vc.index.tolist())
    return {str(k): int(vc[k]) for k in keys}


def _conditional(keys: np.ndarray, values: np.ndarray) -> dict:
    """``{key: {value: count}}`` for each key, keys and values sorted."""
    frame = pd.DataFrame(
        {"k": np.asarray(keys, dtype=object), "v": np.asarray(values, dtype=object)}
    )
    out: dict[str, dict[str, int]] = {}
    for key, group in frame.groupby("k", sort=True):
        out[str(key)] = _counts(group["v"].to_numpy())
    return out


def _flags(raw: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Boolean matrix: flag set ('1') per row and column."""
    return np.column_stack([raw[c].to_numpy(dtype=object) == "1" for c in columns])


def _share(num: float, den: float) -> float | None:
    return round(float(num) / float(den), 4) if den else None


def compute_calibration(raw: pd.DataFrame, /, *, min_cell: int = MIN_CELL) -> dict:
    """Aggregate figures of a raw CTDC 2021 frame for :func:`core.demo.generate.generate_demo`.

    Parameters
    ----------
    raw : pandas.DataFrame
        The file read raw: the 37 columns of ``COLUMNS_2021`` as strings, ``''`` for
        missing, ``'1'`` for a set flag (see :func:`read_raw`).
    min_cell : int, default 10
        Counts below this are replaced by 0 (pass 1 to keep every count).

    Returns
    -------
    dict
        JSON-serialisable figures: ``meta``, ``summary`` (headline shares, rounded),
        ``missing`` (count of ``''`` per column), ``year``,
        ``gender_majority`` and ``gender_majority_given_period``,
        ``age_given_gender_majority`` and ``age_given_gender_majority_period``,
        ``exploit_given_gender_majority``,
        ``exploit_given_gender_majority_agestage_period``, ``labour_subtypes_given_gender`` and
        ``sex_subtypes_given_gender`` (among records with the parent flag set),
        ``means_given_exploit`` (rows, rows with any means known, count per flag),
        ``recruiter_given_gender_stage``, ``traffick_months_given_exploit`` and
        ``pairs`` (top pairs overall, by period, by period and main exploitation type,
        citizenship and country counts outside the top pairs given period).

    Raises
    ------
    ValueError
        If a column of the 2021 layout is missing, or ``min_cell`` is not a whole
        number of at least 1.
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ValueError(
            f"min_cell must be a whole number of at least 1 (1 keeps every count), "
            f"not {min_cell!r}."
        )
    missing_cols = [c for c in COLUMNS_2021 if c not in raw.columns]
    if missing_cols:
        raise ValueError(
            "This is not the raw 2021 layout; missing columns: " + ", ".join(missing_cols) + "."
        )
    raw = raw.loc[:, list(COLUMNS_2021)].fillna("").astype(str).apply(lambda s: s.str.strip())
    n = len(raw)

    def col(name: str) -> np.ndarray:
        return raw[name].to_numpy(dtype=object)

    year, gender, age, majority = (
        col("yearOfRegistration"),
        col("gender"),
        col("ageBroad"),
        col("majorityStatusAtExploit"),
    )
    period = period_of(year)
    stage = life_stage(majority, age)
    gm = join_keys(gender, majority)
    exploit_flags = _flags(raw, EXPLOIT_FLAGS)
    exploit = combo_key(exploit_flags, [short_name(c) for c in EXPLOIT_FLAGS])
    group = exploit_group(exploit)
    is_fl = exploit_flags[:, 0]
    is_se = exploit_flags[:, 1]

    means = _flags(raw, MEANS_FLAGS)
    means_table: dict[str, dict[str, object]] = {}
    for key in sorted(set(exploit.tolist())):
        rows = exploit == key
        means_table[key] = {
            "rows": int(rows.sum()),
            "any_known": int(means[rows].any(axis=1).sum()),
            "flags": {c: int(means[rows, j].sum()) for j, c in enumerate(MEANS_FLAGS)},
        }

    # (citizenship, country) pairs
    pair = join_keys(col("citizenship"), col("CountryOfExploitation"))
    pair_counts = pd.Series(pair).value_counts()
    pair_counts = pair_counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    top = pair_counts.index[:TOP_PAIRS].tolist()
    top_set = set(top)
    pair_or_other = np.array(
        [p if p in top_set else OTHER_KEY for p in pair.tolist()], dtype=object
    )
    order = [*top, OTHER_KEY]
    is_other = pair_or_other == OTHER_KEY

    def by_key(keys: np.ndarray) -> dict:
        table = _conditional(keys, pair_or_other)
        return {k: {p: v.get(p, 0) for p in order} for k, v in table.items()}

    # Headline shares (rounded), for documentation and tests.
    known_gender = gender != ""
    known_majority = majority != ""
    any_exploit = exploit_flags.any(axis=1)
    country = col("CountryOfExploitation")
    country_counts = pd.Series(country[country != ""]).value_counts()
    summary = {
        "share_female_of_all": _share((gender == "Female").sum(), n),
        "share_female_of_known_gender": _share((gender == "Female").sum(), known_gender.sum()),
        "share_minor_of_known_majority": _share((majority == "Minor").sum(), known_majority.sum()),
        "share_sexual_of_any_exploit": _share(is_se.sum(), any_exploit.sum()),
        "share_forced_labour_of_any_exploit": _share(is_fl.sum(), any_exploit.sum()),
        "share_missing_year": _share((year == "").sum(), n),
        "share_missing_gender": _share((gender == "").sum(), n),
        "share_missing_age": _share((age == "").sum(), n),
        "share_missing_majority": _share((~known_majority).sum(), n),
        "share_usa_of_known_country": _share((country == "USA").sum(), (country != "").sum()),
        "largest_country_of_exploitation": (
            str(country_counts.index[0]) if len(country_counts) else None
        ),
    }

    cal: dict[str, object] = {
        "meta": {
            "description": (
                "Aggregate counts of the CTDC Global Synthetic Dataset (release "
                "2021-08-25) used to calibrate the demo-data generator core/demo/generate.py. "
                "No record-level data. Counts below min_cell are replaced by 0."
            ),
            "source": (
                "Source: Counter-Trafficking Data Collaborative (CTDC). "
                "Global Synthetic Dataset, CTDC_synthetic_20210825.tsv"
            ),
            "rows": n,
            "min_cell": min_cell,
            "missing_value": "",
            "key_separator": KEY_SEP,
            "periods": {name: [max(first, 2002), min(last, 2021)] for name, first, last in PERIODS},
            "stage": "majorityStatusAtExploit if known, else Minor for ageBroad 0--8/09--17, "
            "Adult for other bands, '' if neither is known",
            "agestage": "Minor for ageBroad 0--8/09--17, Adult for other bands, '' if missing",
            "combinations": "short flag names joined by '+', 'none' when no flag is set",
            "columns": list(COLUMNS_2021),
            "reference_only": [
                "gender_majority",
                "age_given_gender_majority",
                "exploit_given_gender_majority",
                "pairs.overall",
                "pairs.given_period",
            ],
        },
        "summary": summary,
        "missing": {c: int((raw[c] == "").sum()) for c in COLUMNS_2021},
        "year": _counts(year),
        "gender_majority": _counts(gm),
        "gender_majority_given_period": _conditional(period, gm),
        "age_given_gender_majority": _conditional(gm, age),
        "age_given_gender_majority_period": _conditional(join_keys(gender, majority, period), age),
        "exploit_given_gender_majority": _conditional(gm, exploit),
        "exploit_given_gender_majority_agestage_period": _conditional(
            join_keys(gender, majority, age_stage(age), period), exploit
        ),
        "labour_subtypes_given_gender": _conditional(
            gender[is_fl],
            combo_key(_flags(raw, LABOUR_FLAGS)[is_fl], [short_name(c) for c in LABOUR_FLAGS]),
        ),
        "sex_subtypes_given_gender": _conditional(
            gender[is_se],
            combo_key(_flags(raw, SEX_FLAGS)[is_se], [short_name(c) for c in SEX_FLAGS]),
        ),
        "means_given_exploit": means_table,
        "recruiter_given_gender_stage": _conditional(
            join_keys(gender, stage),
            combo_key(_flags(raw, RECRUITER_FLAGS), [short_name(c) for c in RECRUITER_FLAGS]),
        ),
        "traffick_months_given_exploit": _conditional(exploit, col("traffickMonths")),
        "pairs": {
            "top": top,
            "overall": {p: int((pair_or_other == p).sum()) for p in order},
            "given_period": by_key(period),
            "given_period_exploit": by_key(join_keys(period, group)),
            "other_citizenship_given_period": _conditional(
                period[is_other], col("citizenship")[is_other]
            ),
            "other_country_given_period": _conditional(period[is_other], country[is_other]),
        },
    }
    # meta counts are not cells
    return {
        key: value if key == "meta" else suppress(value, min_cell) for key, value in cal.items()
    }


def write_calibration(calibration: dict, path: str | Path = DEFAULT_CALIBRATION_PATH) -> Path:
    """Write a calibration as JSON (UTF-8, LF line ends, one space of indent).

    Parameters
    ----------
    calibration : dict
        As returned by :func:`compute_calibration`.
    path : str or pathlib.Path, default ``data/demo_calibration.json``
        The file to write (its folder is created).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8", newline="\n") as handle:
        json.dump(calibration, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    return target


if __name__ == "__main__":  # the old command line: say where it went, do nothing else
    print("error: this command is now `python -m core calibrate` (same options).", file=sys.stderr)
    raise SystemExit(2)
