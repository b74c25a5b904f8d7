"""Seeded demo data in the raw layout of the CTDC release of 2021-08-25.

The project ships no real CTDC records. Instead :func:`generate_demo` draws synthetic
records, one column block after another, from aggregate figures (counts) computed from
the real file by :mod:`core.demo.calibrate` and committed as
``data/demo_calibration.json``. The result has exactly the 37 columns of the real file,
in its order, every value a string: ``''`` for missing, ``'1'`` for a set flag.

Sampling order (each step conditional on what was drawn before):

1. ``yearOfRegistration`` from the year counts (missing included);
2. (``gender``, ``majorityStatusAtExploit``) given the year period;
3. ``ageBroad`` given (gender, majority, period); minors get only ``0--8``/``09--17`` or
   missing, adults only the adult bands or missing;
4. the combination of ``isForcedLabour``/``isSexualExploit``/``isOtherExploit``
   (``none`` included) given (gender, majority, stage implied by the age band, period);
5. labour and sexual-exploitation sub-type combinations given gender, only for records
   whose parent exploitation flag is set;
6. means of control: whether any is known, then each flag, given the exploitation
   combination;
7. recruiter-relation combinations given (gender, life stage), where the life stage is
   the majority status, or failing that the one implied by the age band;
8. ``traffickMonths`` given the exploitation combination;
9. the (``citizenship``, ``CountryOfExploitation``) pair among the most frequent pairs
   or ``other`` given (period, main exploitation type); an ``other`` pair is drawn from
   the citizenship and country counts outside the top pairs, given the period.

A conditional cell that was suppressed in the calibration (all counts zero) falls back
to the next coarser cell: the last key component is dropped until counts are found.

Suppressed counts. The calibration writes a count of 1 to 9 as 0, and lists only the
values a cell holds, so a value listed with 0 was seen but is small. Drawn with weight 0,
every such value would vanish from the demo, and at the size of the release the losses
add up (adult men in sexual exploitation fall by about a quarter, men recruited by an
intimate partner to none). So a listed 0 is drawn with the weight
:data:`SUPPRESSED_FILL` (3): the mean of a count of 1 to 9 when a count ``c`` is ``1/c``
as common as a count of 1 (small counts are more common than large ones: 9 / H(9) =
3.18). A value that is not listed stays at 0. ``fill_suppressed=0`` gives the first
demo's draws (the 20,000-record test fixture).

Run ``python -m core demo`` to rebuild ``data/demo_ctdc_2021layout.tsv.gz`` (193,025
records, the size of the 2021-08-25 release), and ``python -m core demo --n 20000
--fill-suppressed 0 --out tests/fixtures/demo_20k_2021layout.tsv.gz`` for the test
fixture. The columns and the keys shared with the calibration are in
:mod:`core.demo.columns`.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.demo.columns import (
    COLUMNS_2021,
    EXPLOIT_FLAGS,
    KEY_SEP,
    LABOUR_FLAGS,
    MEANS_FLAGS,
    MINOR_AGE_BANDS,
    NONE_KEY,
    OTHER_KEY,
    RECRUITER_FLAGS,
    SEX_FLAGS,
    age_stage,
    exploit_group,
    join_keys,
    life_stage,
    period_of,
    short_name,
)

__all__ = [
    "CALIBRATION_TABLES",
    "DEFAULT_CALIBRATION_PATH",
    "DEFAULT_DEMO_PATH",
    "DEFAULT_N",
    "DEFAULT_SEED",
    "SMALL_N",
    "SUPPRESSED_FILL",
    "generate_demo",
    "load_calibration",
    "write_demo",
]

#: Records of the default demo: as many as the 2021-08-25 release.
DEFAULT_N = 193_025
#: Records of the small demo (the test fixture; ``CTDC_DEMO=small`` in the app).
SMALL_N = 20_000
DEFAULT_SEED = 20210825
#: Weight of a suppressed count (1 to 9, written as 0) when drawing; see the module notes.
SUPPRESSED_FILL = 3.0
_REPO = Path(__file__).resolve().parents[2]
DEFAULT_CALIBRATION_PATH: Path = _REPO / "data" / "demo_calibration.json"
DEFAULT_DEMO_PATH: Path = _REPO / "data" / "demo_ctdc_2021layout.tsv.gz"
#: The tables of a calibration that :func:`generate_demo` draws from.
CALIBRATION_TABLES: tuple[str, ...] = (
    "year",
    "gender_majority_given_period",
    "age_given_gender_majority_period",
    "exploit_given_gender_majority_agestage_period",
    "labour_subtypes_given_gender",
    "sex_subtypes_given_gender",
    "means_given_exploit",
    "recruiter_given_gender_stage",
    "traffick_months_given_exploit",
    "pairs",
)


# ------------------------------------------------------------------------ sampling


def _counts_for(
    table: Mapping[str, Mapping[str, int]],
    key: str,
    allowed: Callable[[str], bool] | None,
    fill: float = 0.0,
) -> tuple[list[str], np.ndarray]:
    """Counts for ``key``, dropping trailing key components until some are non-zero.

    A listed count of 0 (suppressed) weighs ``fill``.
    """
    parts = key.split(KEY_SEP)
    for keep in range(len(parts), -1, -1):
        merged: dict[str, float] = {}
        prefix = parts[:keep]
        for cell_key, counts in table.items():
            if cell_key.split(KEY_SEP)[:keep] != prefix:
                continue
            for value, count in counts.items():
                weight = int(count)
                merged[value] = merged.get(value, 0) + (weight if weight > 0 else fill)
        values = [v for v in merged if merged[v] > 0 and (allowed is None or allowed(v))]
        weights = np.array([merged[v] for v in values], dtype=float)
        if weights.sum() > 0:
            return values, weights / weights.sum()
    raise ValueError(f"calibration has no usable counts for key {key!r}")


def _draw_conditional(
    rng: np.random.Generator,
    keys: np.ndarray,
    table: Mapping[str, Mapping[str, int]],
    allowed: Callable[[str, str], bool] | None = None,
    fill: float = 0.0,
) -> np.ndarray:
    """Draw one value per row from the counts of the row's key (with fallback); a listed
    count of 0 (suppressed) weighs ``fill``."""
    out = np.empty(len(keys), dtype=object)
    for key in sorted(set(keys.tolist())):
        idx = np.flatnonzero(keys == key)
        check = None if allowed is None else (lambda v, k=key: allowed(k, v))
        values, probs = _counts_for(table, key, check, fill)
        picks = rng.choice(len(values), size=idx.size, p=probs)
        out[idx] = np.array(values, dtype=object)[picks]
    return out


def _draw(
    rng: np.random.Generator, counts: Mapping[str, int], n: int, fill: float = 0.0
) -> np.ndarray:
    """Draw ``n`` values from one table of counts."""
    return _draw_conditional(rng, np.full(n, "", dtype=object), {"": counts}, fill=fill)


def _expand_combo(combo: np.ndarray, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Turn combination keys back into '1'/'' flag columns."""
    out: dict[str, np.ndarray] = {}
    members = [set(str(c).split("+")) for c in combo.tolist()]
    for column in columns:
        name = short_name(column)
        out[column] = np.array(["1" if name in m else "" for m in members], dtype=object)
    return out


def _age_allowed(key: str, age: str) -> bool:
    """Ages coherent with the majority status in a ``gender|majority|period`` key."""
    majority = key.split(KEY_SEP)[1]
    if majority == "Minor":
        return age == "" or age in MINOR_AGE_BANDS
    if majority == "Adult":
        return age not in MINOR_AGE_BANDS
    return True


def _means_cell(cell: Mapping[str, Any]) -> tuple[int, int, np.ndarray]:
    """Rows, rows with any means known, and the count of each flag, of one JSON cell."""
    flags = np.array([int(cell["flags"][f]) for f in MEANS_FLAGS], dtype=np.int64)
    return int(cell["rows"]), int(cell["any_known"]), flags


def _draw_means(
    rng: np.random.Generator, combo: np.ndarray, table: Mapping[str, Mapping[str, Any]]
) -> dict[str, np.ndarray]:
    """Means-of-control flags given the exploitation combination."""
    n = combo.size
    flags = np.zeros((n, len(MEANS_FLAGS)), dtype=bool)
    cells = {key: _means_cell(cell) for key, cell in table.items()}
    overall_rows = sum(rows for rows, _known, _flags in cells.values())
    overall_any = sum(known for _rows, known, _flags in cells.values())
    overall_flags = (
        np.sum([counts for _rows, _known, counts in cells.values()], axis=0, dtype=np.int64).astype(
            float
        )
        if cells
        else np.zeros(len(MEANS_FLAGS))
    )
    for key in sorted(set(combo.tolist())):
        idx = np.flatnonzero(combo == key)
        rows, known, counts = cells.get(key, (0, 0, np.zeros(len(MEANS_FLAGS), np.int64)))
        if rows > 0 and known > 0:
            p_any = known / rows
            rates = counts.astype(float) / known
        else:
            p_any = overall_any / overall_rows if overall_rows else 0.0
            rates = overall_flags / overall_any if overall_any else np.zeros(len(MEANS_FLAGS))
        rates = np.clip(rates, 0.0, 1.0)
        has_any = rng.random(idx.size) < p_any
        rows_idx = idx[has_any]
        if rows_idx.size == 0 or rates.sum() == 0:
            continue
        block = rng.random((rows_idx.size, rates.size)) < rates
        # A record with "some means known" has at least one flag: redraw empty rows.
        for _ in range(50):
            empty = ~block.any(axis=1)
            if not empty.any():
                break
            block[empty] = rng.random((int(empty.sum()), rates.size)) < rates
        empty = ~block.any(axis=1)
        block[empty, int(np.argmax(rates))] = True
        flags[rows_idx] = block
    return {col: np.where(flags[:, j], "1", "").astype(object) for j, col in enumerate(MEANS_FLAGS)}


def _draw_pairs(
    rng: np.random.Generator,
    period: np.ndarray,
    group: np.ndarray,
    pairs: Mapping[str, Any],
    fill: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(citizenship, CountryOfExploitation) given period and main exploitation type.

    The pair table lists every top pair in every cell (0 may be a true 0), so ``fill``
    applies only to the citizenship and country counts outside the top pairs.
    """
    pair = _draw_conditional(rng, join_keys(period, group), pairs["given_period_exploit"])
    citizenship = np.empty(period.size, dtype=object)
    country = np.empty(period.size, dtype=object)
    other = pair == OTHER_KEY
    for i in np.flatnonzero(~other):
        citizenship[i], country[i] = str(pair[i]).split(KEY_SEP)
    citizenship[other] = _draw_conditional(
        rng, period[other], pairs["other_citizenship_given_period"], fill=fill
    )
    country[other] = _draw_conditional(
        rng, period[other], pairs["other_country_given_period"], fill=fill
    )
    return citizenship, country


# ------------------------------------------------------------------------ public API


def _check_whole(name: str, value: object) -> None:
    """Refuse anything but a whole number of at least 0 (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a whole number of at least 0, not {value!r}.")


def _check_fill(value: object) -> float:
    """A suppressed count's weight: a number from 0 to 9 (a suppressed count is below 10)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not 0 <= float(value) <= 9
    ):
        raise ValueError(f"fill_suppressed must be a number from 0 to 9, not {value!r}.")
    return float(value)


def load_calibration(path: str | Path | None = None) -> dict:
    """Read the calibration JSON written by ``python -m core calibrate``.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Defaults to ``data/demo_calibration.json`` in the repository.

    Returns
    -------
    dict
        The calibration figures.
    """
    target = DEFAULT_CALIBRATION_PATH if path is None else Path(path)
    with open(target, encoding="utf-8") as handle:
        return json.load(handle)


def generate_demo(
    calibration: dict,
    /,
    *,
    n: int = DEFAULT_N,
    seed: int = DEFAULT_SEED,
    fill_suppressed: float = SUPPRESSED_FILL,
) -> pd.DataFrame:
    """Draw synthetic CTDC records in the raw layout of the 2021-08-25 release.

    Parameters
    ----------
    calibration : dict
        Aggregate figures as returned by
        :func:`core.demo.calibrate.compute_calibration` (or read from
        ``data/demo_calibration.json`` with :func:`load_calibration`).
    n : int, default 193025
        Number of records (the default: as many as the 2021-08-25 release).
    seed : int, default 20210825
        Seed of the ``numpy.random.Generator``; the same seed and calibration give an
        identical frame.
    fill_suppressed : float, default 3
        Weight of a suppressed count (listed as 0) when drawing, from 0 to 9; 0 gives the
        draws of the first demo (the 20,000-record test fixture).

    Returns
    -------
    pandas.DataFrame
        ``n`` rows, the columns of ``COLUMNS_2021`` in that order, every value a string:
        ``''`` for missing, ``'1'`` for a set flag.

    Raises
    ------
    ValueError
        If ``n`` or ``seed`` is not a whole number of at least 0, ``fill_suppressed`` is
        not a number from 0 to 9, or the calibration lacks one of
        :data:`CALIBRATION_TABLES` or usable counts.
    """
    _check_whole("n", n)
    _check_whole("seed", seed)
    fill = _check_fill(fill_suppressed)
    missing = [name for name in CALIBRATION_TABLES if name not in calibration]
    if missing:
        raise ValueError(
            "The calibration lacks the tables "
            + ", ".join(missing)
            + "; rebuild it with `python -m core calibrate`."
        )
    rng = np.random.default_rng(seed)
    cal = calibration
    cols: dict[str, np.ndarray] = {}

    year = _draw(rng, cal["year"], n, fill)
    period = period_of(year)
    cols["yearOfRegistration"] = year

    gm = _draw_conditional(rng, period, cal["gender_majority_given_period"], fill=fill)
    gender = np.array([k.split(KEY_SEP)[0] for k in gm.tolist()], dtype=object)
    majority = np.array([k.split(KEY_SEP)[1] for k in gm.tolist()], dtype=object)
    cols["gender"], cols["majorityStatusAtExploit"] = gender, majority

    age = _draw_conditional(
        rng,
        join_keys(gender, majority, period),
        cal["age_given_gender_majority_period"],
        allowed=_age_allowed,
        fill=fill,
    )
    cols["ageBroad"] = age
    stage = life_stage(majority, age)

    exploit = _draw_conditional(
        rng,
        join_keys(gender, majority, age_stage(age), period),
        cal["exploit_given_gender_majority_agestage_period"],
        fill=fill,
    )
    cols.update(_expand_combo(exploit, EXPLOIT_FLAGS))

    labour = np.full(n, NONE_KEY, dtype=object)
    is_fl = cols["isForcedLabour"] == "1"
    labour[is_fl] = _draw_conditional(
        rng, gender[is_fl], cal["labour_subtypes_given_gender"], fill=fill
    )
    cols.update(_expand_combo(labour, LABOUR_FLAGS))

    sex = np.full(n, NONE_KEY, dtype=object)
    is_se = cols["isSexualExploit"] == "1"
    sex[is_se] = _draw_conditional(rng, gender[is_se], cal["sex_subtypes_given_gender"], fill=fill)
    cols.update(_expand_combo(sex, SEX_FLAGS))

    cols.update(_draw_means(rng, exploit, cal["means_given_exploit"]))

    recruiter = _draw_conditional(
        rng, join_keys(gender, stage), cal["recruiter_given_gender_stage"], fill=fill
    )
    cols.update(_expand_combo(recruiter, RECRUITER_FLAGS))

    cols["traffickMonths"] = _draw_conditional(
        rng, exploit, cal["traffick_months_given_exploit"], fill=fill
    )

    citizenship, country = _draw_pairs(rng, period, exploit_group(exploit), cal["pairs"], fill)
    cols["citizenship"], cols["CountryOfExploitation"] = citizenship, country

    frame = pd.DataFrame({c: cols[c] for c in COLUMNS_2021}, columns=list(COLUMNS_2021))
    return frame.astype(str)


def _tsv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 TSV text with LF line ends, gzip-compressed reproducibly."""
    text = frame.to_csv(sep="\t", index=False, lineterminator="\n")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    return buffer.getvalue()


def write_demo(
    path: str | Path = DEFAULT_DEMO_PATH,
    *,
    calibration: dict | None = None,
    n: int = DEFAULT_N,
    seed: int = DEFAULT_SEED,
    fill_suppressed: float = SUPPRESSED_FILL,
) -> Path:
    """Generate demo records and write them as a gzipped TSV.

    Parameters
    ----------
    path : str or pathlib.Path, default ``data/demo_ctdc_2021layout.tsv.gz``
        Output file; the gzip header carries no name and no time stamp, so the same
        records always give the same bytes.
    calibration : dict, optional
        Figures to use; by default ``data/demo_calibration.json`` is read.
    n : int, default 193025
        Number of records.
    seed : int, default 20210825
        Random seed.
    fill_suppressed : float, default 3
        Weight of a suppressed count when drawing (see :func:`generate_demo`).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    cal = load_calibration() if calibration is None else calibration
    frame = generate_demo(cal, n=n, seed=seed, fill_suppressed=fill_suppressed)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_tsv_bytes(frame))
    return target


if __name__ == "__main__":  # the old command line: say where it went, do nothing else
    print("error: this command is now `python -m core demo` (same options).", file=sys.stderr)
    raise SystemExit(2)
