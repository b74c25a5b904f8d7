"""The CTDC release layouts the loader knows: one entry per release.

Each :class:`Layout` says how a release writes its file (columns, value codes), how its
columns are renamed onto the canonical (2021-08-25) names, how the loader recognises it,
and what it lacks compared with the 2021 release. :data:`LAYOUTS` is ordered: the first
entry whose marks a file shows is the one detected, and the last entry (the 2021
release) is the default. Adding a release is one entry here and one case in
``tests/test_layouts.py``.

Examples
--------
>>> detect_layout(["yearOfRegistration", "gender", "sectorOfSexPornography"]).key
'2026'
>>> detect_layout(["yearOfRegistration", "gender", "ageBroad"]).release
'2021-08-25 release'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.data.schema import (
    RELEASE_2021,
    RELEASE_2024,
    RELEASE_2026,
    RELEASE_OLDER,
    is_flag_column,
)

__all__ = [
    "LAYOUTS",
    "LAYOUT_2021",
    "LAYOUT_2024",
    "LAYOUT_2026",
    "LAYOUT_OLDER",
    "Layout",
    "detect_layout",
    "gender_codes",
]

_SECTOR_LABOUR = ("Agriculture", "Construction", "DomesticWork", "Hospitality")
_SECTOR_SEX = ("Prostitution", "Pornography")
_RECRUITERS = tuple(
    f"recruiterRelation{r}" for r in ("IntimatePartner", "Friend", "Family", "Other")
)
_EXPLOITATION = ("isForcedLabour", "isSexualExploit", "isOtherExploit")
_DEMOGRAPHICS = ("yearOfRegistration", "gender", "ageBroad")
_PLACES = ("citizenship", "CountryOfExploitation")
_MEANS_2021 = tuple(
    f"meansOfControl{m}"
    for m in (
        "DebtBondage",
        "TakesEarnings",
        "Threats",
        "PsychologicalAbuse",
        "PhysicalAbuse",
        "SexualAbuse",
        "FalsePromises",
        "PsychoactiveSubstances",
        "RestrictsMovement",
        "RestrictsMedicalCare",
        "ExcessiveWorkingHours",
        "ThreatOfLawEnforce",
        "WithholdsNecessities",
        "WithholdsDocuments",
        "Other",
    )
)
_MEANS_2024 = (
    "meansDebtBondageEarnings",
    "meansThreats",
    "meansAbusePsyPhySex",
    "meansFalsePromises",
    "meansDrugsAlcohol",
    "meansDenyBasicNeeds",
    "meansExcessiveWorkHours",
    "meansWithholdDocs",
)
_GENDERS_2021 = (
    ("Female", "Female"),
    ("Male", "Male"),
    ("Transgender/NonConforming", "Transgender/NonConforming"),
)
_GENDERS_2024 = (
    ("Woman", "Female"),
    ("Man", "Male"),
    ("Trans/Transgender/NonConforming", "Transgender/NonConforming"),
)
_DURATIONS_2021 = ("0--12 (0-1 yr)", "13--24 (1-2 yrs)", "25--60 (2-5 yrs)", "61+ (5+ yrs)")
_DURATIONS_2024 = ("0--12 (0-1 yr)", "13--24 (1-2 yrs)", "25+ (2+ yrs)")
_LACKS_2024 = (
    "no majority status (derived from the age band)",
    "merged means of control (8 columns that cannot be split back into the 15 of 2021)",
    "one duration band for 25 months and more (25+)",
    "suppressed countries (differential privacy: suppressed is not zero)",
    "no 'other' type of labour or of sexual exploitation",
)


@dataclass(frozen=True)
class Layout:
    """How one CTDC release writes its file, and how the loader reads it.

    Attributes
    ----------
    key
        Short identifier ("2021", "2024", "2026", "older").
    release
        The name shown on Home and by ``python -m core validate``.
    columns
        The columns of the published file, in file order, as the file names them.
    renames
        ``(file name, canonical name)`` pairs; matched case-insensitively, and never
        over a canonical column the file already has.
    genders
        ``(value in the file, canonical gender)`` pairs.
    durations
        The ``traffickMonths`` bands the release writes.
    flag_values
        ``(set, unset)`` as the release writes a flag.
    missing
        How the release writes a missing value.
    mark_columns
        Regular expression (case-insensitive, whole name): a column matching it marks
        the file as this layout.
    mark_values
        Values (lower case) of ``gender`` or of a flag that mark the file as this layout.
    lacks
        What the release lacks compared with the 2021-08-25 release, in plain words.
    """

    key: str
    release: str
    columns: tuple[str, ...]
    renames: tuple[tuple[str, str], ...] = ()
    genders: tuple[tuple[str, str], ...] = _GENDERS_2021
    durations: tuple[str, ...] = _DURATIONS_2021
    flag_values: tuple[str, str] = ("1", "")
    missing: str = ""
    mark_columns: str = ""
    mark_values: frozenset[str] = frozenset()
    lacks: tuple[str, ...] = ()

    def marks(self, columns: Iterable[str], values: Callable[[str], set[str]]) -> bool:
        """True when the file shows one of this layout's marks.

        ``values(column)`` gives the distinct values (lower case) of a column.
        """
        columns = list(columns)
        if self.mark_columns and any(
            re.fullmatch(self.mark_columns, c, flags=re.IGNORECASE) for c in columns
        ):
            return True
        if not self.mark_values:
            return False
        looked_at = (["gender"] if "gender" in columns else []) + [
            c for c in columns if is_flag_column(c)
        ][:10]
        return any(values(c) & self.mark_values for c in looked_at)

    def renaming(self, columns: Iterable[str]) -> dict[str, str]:
        """The ``{file column: canonical column}`` renames that apply to ``columns``."""
        columns = list(columns)
        present = set(columns)
        by_key = {old.lower(): new for old, new in self.renames}
        out: dict[str, str] = {}
        for column in columns:
            new = by_key.get(column.lower())
            if new is not None and new not in present:
                out[column] = new
                present.add(new)
        return out


LAYOUT_2021 = Layout(
    key="2021",
    release=RELEASE_2021,
    columns=(
        *_DEMOGRAPHICS,
        "majorityStatusAtExploit",
        "traffickMonths",
        *_PLACES,
        *_MEANS_2021,
        *_EXPLOITATION,
        *(f"typeOfLabour{s}" for s in (*_SECTOR_LABOUR, "Other")),
        *(f"typeOfSex{s}" for s in (*_SECTOR_SEX, "Other")),
        *_RECRUITERS,
    ),
)

_COLUMNS_2024 = (
    *_DEMOGRAPHICS,
    *_PLACES,
    "traffickMonths",
    *_MEANS_2024,
    *_EXPLOITATION,
    *(f"typeOfLabour{s}" for s in _SECTOR_LABOUR),
    *(f"typeOfSex{s}" for s in _SECTOR_SEX),
    *_RECRUITERS,
)

LAYOUT_2024 = Layout(
    key="2024",
    release=RELEASE_2024,
    columns=_COLUMNS_2024,
    genders=_GENDERS_2024,
    durations=_DURATIONS_2024,
    mark_columns=r"means(?!OfControl)[A-Z]\w*",
    mark_values=frozenset({"man", "woman"}),
    lacks=_LACKS_2024,
)

_SECTOR_RENAMES = tuple((f"sectorOfLabour{s}", f"typeOfLabour{s}") for s in _SECTOR_LABOUR) + tuple(
    (f"sectorOfSex{s}", f"typeOfSex{s}") for s in _SECTOR_SEX
)

LAYOUT_2026 = Layout(
    key="2026",
    release=RELEASE_2026,
    # The 2024/2025 columns with the sector flags renamed.
    columns=tuple({new: old for old, new in _SECTOR_RENAMES}.get(c, c) for c in _COLUMNS_2024),
    renames=_SECTOR_RENAMES,
    genders=_GENDERS_2024,
    durations=_DURATIONS_2024,
    mark_columns=r"sectorOf(Labour|Sex)\w+",
    lacks=_LACKS_2024,
)

LAYOUT_OLDER = Layout(
    key="older",
    release=RELEASE_OLDER,
    # The columns seen in every such file; some have up to 63 (more exploitation types,
    # recruiterRelationUnknown), and some are semicolon-separated.
    columns=(
        "Datasource",
        *_DEMOGRAPHICS,
        "majorityStatus",
        "traffickMonths",
        *_PLACES,
        *_MEANS_2021,
        *_EXPLOITATION,
        *(f"typeOfLabour{s}" for s in (*_SECTOR_LABOUR, "Other")),
        *(f"typeOfSex{s}" for s in (*_SECTOR_SEX, "Other")),
        *_RECRUITERS,
        "majorityEntry",
        "isAbduction",
    ),
    renames=(("majorityStatus", "majorityStatusAtExploit"),),
    flag_values=("1", "0"),
    missing="-99",
    mark_columns=r"Datasource|majorityStatus|majorityEntry",
    mark_values=frozenset({"0", "-99", "0.0", "-99.0"}),
    lacks=(
        "no differential privacy; its extra columns (Datasource, majorityEntry, "
        "isAbduction and more exploitation types) are not used",
    ),
)

#: Ordered: the first layout whose marks a file shows is detected; the last is the default.
LAYOUTS: tuple[Layout, ...] = (LAYOUT_2026, LAYOUT_2024, LAYOUT_OLDER, LAYOUT_2021)


def detect_layout(
    columns: Iterable[str], values: Callable[[str], set[str]] | None = None
) -> Layout:
    """The layout of a file with these columns (the first of :data:`LAYOUTS` it marks).

    ``values(column)`` gives a column's distinct values in lower case; without it only
    the column names are looked at.
    """
    columns = list(columns)
    look = values or (lambda _column: set())
    for layout in LAYOUTS[:-1]:
        if layout.marks(columns, look):
            return layout
    return LAYOUTS[-1]


def gender_codes() -> dict[str, str]:
    """Every release's gender codes (lower case) mapped to the canonical gender."""
    return {value.lower(): canonical for layout in LAYOUTS for value, canonical in layout.genders}
