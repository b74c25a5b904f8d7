"""The raw 2021 layout and the keys that the demo calibration and generator share.

:mod:`core.demo.calibrate` counts records by these keys and :mod:`core.demo.generate`
draws records from those counts, so both read them from here and agree on every key:
the columns of the CTDC release of 2021-08-25, the year periods, the life stage of a
record, the names of flag combinations and how key components are joined.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "COLUMNS_2021",
    "EXPLOIT_FLAGS",
    "KEY_SEP",
    "LABOUR_FLAGS",
    "MEANS_FLAGS",
    "MINOR_AGE_BANDS",
    "NONE_KEY",
    "OTHER_KEY",
    "PERIODS",
    "RECRUITER_FLAGS",
    "SEX_FLAGS",
    "age_stage",
    "combo_key",
    "exploit_group",
    "join_keys",
    "life_stage",
    "period_of",
    "short_name",
]

#: Header of the CTDC Global Synthetic Dataset, release 2021-08-25, in file order.
COLUMNS_2021: tuple[str, ...] = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatusAtExploit",
    "traffickMonths",
    "citizenship",
    "CountryOfExploitation",
    "meansOfControlDebtBondage",
    "meansOfControlTakesEarnings",
    "meansOfControlThreats",
    "meansOfControlPsychologicalAbuse",
    "meansOfControlPhysicalAbuse",
    "meansOfControlSexualAbuse",
    "meansOfControlFalsePromises",
    "meansOfControlPsychoactiveSubstances",
    "meansOfControlRestrictsMovement",
    "meansOfControlRestrictsMedicalCare",
    "meansOfControlExcessiveWorkingHours",
    "meansOfControlThreatOfLawEnforce",
    "meansOfControlWithholdsNecessities",
    "meansOfControlWithholdsDocuments",
    "meansOfControlOther",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "typeOfLabourAgriculture",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfLabourOther",
    "typeOfSexProstitution",
    "typeOfSexPornography",
    "typeOfSexOther",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
)

MEANS_FLAGS: tuple[str, ...] = tuple(c for c in COLUMNS_2021 if c.startswith("meansOfControl"))
EXPLOIT_FLAGS: tuple[str, ...] = ("isForcedLabour", "isSexualExploit", "isOtherExploit")
LABOUR_FLAGS: tuple[str, ...] = tuple(c for c in COLUMNS_2021 if c.startswith("typeOfLabour"))
SEX_FLAGS: tuple[str, ...] = tuple(c for c in COLUMNS_2021 if c.startswith("typeOfSex"))
RECRUITER_FLAGS: tuple[str, ...] = tuple(
    c for c in COLUMNS_2021 if c.startswith("recruiterRelation")
)
MINOR_AGE_BANDS: frozenset[str] = frozenset({"0--8", "09--17"})

# Separator of the components of a conditioning key ("Female|Minor|2016-2019").
KEY_SEP = "|"
# Year periods: (label, first year, last year); years outside fall into the end periods.
PERIODS: tuple[tuple[str, int, int], ...] = (
    ("2002-2010", -10_000, 2010),
    ("2011-2015", 2011, 2015),
    ("2016-2019", 2016, 2019),
    ("2020-2021", 2020, 10_000),
)
NONE_KEY = "none"
OTHER_KEY = "other"


def period_of(years: Sequence[str] | np.ndarray | pd.Series) -> np.ndarray:
    """Map raw ``yearOfRegistration`` strings to period labels.

    Parameters
    ----------
    years : sequence of str
        Raw year values; ``''`` or anything not an integer is missing.

    Returns
    -------
    numpy.ndarray
        Object array of period labels from ``PERIODS``; ``''`` where the year is missing.
    """
    arr = np.asarray(years, dtype=object)
    lookup: dict[str, str] = {}
    for value in set(arr.tolist()):
        label = ""
        try:
            year = int(str(value).strip())
        except ValueError:
            year = None
        if year is not None:
            for name, first, last in PERIODS:
                if first <= year <= last:
                    label = name
                    break
        lookup[value] = label
    return np.array([lookup[v] for v in arr.tolist()], dtype=object)


def life_stage(majority: Sequence[str] | np.ndarray, age: Sequence[str] | np.ndarray) -> np.ndarray:
    """Life stage: majority status if known, else the one implied by the age band.

    Parameters
    ----------
    majority : sequence of str
        Raw ``majorityStatusAtExploit`` values (``'Adult'``, ``'Minor'`` or ``''``).
    age : sequence of str
        Raw ``ageBroad`` values.

    Returns
    -------
    numpy.ndarray
        Object array of ``'Adult'``, ``'Minor'`` or ``''`` (neither known).
    """
    maj = np.asarray(majority, dtype=object)
    from_age = age_stage(age)
    return np.where(np.isin(maj, ["Adult", "Minor"]), maj, from_age).astype(object)


def age_stage(age: Sequence[str] | np.ndarray) -> np.ndarray:
    """Life stage implied by the age band alone.

    Parameters
    ----------
    age : sequence of str
        Raw ``ageBroad`` values.

    Returns
    -------
    numpy.ndarray
        Object array: ``'Minor'`` for ``0--8``/``09--17``, ``''`` for a missing band,
        ``'Adult'`` for any other band.
    """
    ages = np.asarray(age, dtype=object)
    return np.where(
        np.isin(ages, list(MINOR_AGE_BANDS)), "Minor", np.where(ages == "", "", "Adult")
    ).astype(object)


def combo_key(flags: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Name the combination of set flags in each row.

    Parameters
    ----------
    flags : numpy.ndarray
        Boolean array of shape (rows, len(names)).
    names : sequence of str
        Short name of each flag column.

    Returns
    -------
    numpy.ndarray
        Object array: set names joined by ``'+'`` in column order, ``'none'`` if none set.
    """
    flags = np.asarray(flags, dtype=bool)
    out = np.full(flags.shape[0], "", dtype=object)
    for j, name in enumerate(names):
        add = flags[:, j]
        out[add] = np.where(out[add] == "", name, out[add] + "+" + name)
    out[out == ""] = NONE_KEY
    return out


def short_name(column: str) -> str:
    """Short name of a flag column: the column name without its group prefix.

    Parameters
    ----------
    column : str
        A flag column of the 2021 layout, e.g. ``'typeOfLabourAgriculture'``.

    Returns
    -------
    str
        E.g. ``'Agriculture'``; ``'ForcedLabour'`` for ``'isForcedLabour'``.
    """
    for prefix in ("meansOfControl", "typeOfLabour", "typeOfSex", "recruiterRelation", "is"):
        if column.startswith(prefix):
            return column[len(prefix) :]
    return column


def exploit_group(combo: np.ndarray) -> np.ndarray:
    """Main exploitation type of an exploitation combination key.

    Parameters
    ----------
    combo : numpy.ndarray
        Keys made by :func:`combo_key` over ``EXPLOIT_FLAGS``.

    Returns
    -------
    numpy.ndarray
        ``'SexualExploit'`` if that flag is in the key, else ``'ForcedLabour'``, else
        ``'OtherExploit'``, else ``'none'``.
    """
    combo = np.asarray(combo, dtype=object)
    out = np.full(combo.shape[0], NONE_KEY, dtype=object)
    for name in ("OtherExploit", "ForcedLabour", "SexualExploit"):  # last wins
        out[np.char.find(combo.astype(str), name) >= 0] = name
    return out


def join_keys(*parts: np.ndarray) -> np.ndarray:
    """Join arrays of key components element-wise with ``'|'``.

    Parameters
    ----------
    *parts : numpy.ndarray
        Equally long arrays of strings.

    Returns
    -------
    numpy.ndarray
        Object array of joined keys.
    """
    return np.array(
        [KEY_SEP.join(t) for t in zip(*(p.tolist() for p in parts), strict=True)], dtype=object
    )
