"""The canonical CTDC frame: column names, bands, flag groups and plain-word labels.

Every release the loader understands is mapped onto one frame whose column names are
those of the 2021-08-25 release (the published analysis uses them), plus a few derived
columns (``ageMid``, ``monthsMid``, ``majoritySource``, country names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "AGE_BANDS",
    "AGE_MIDPOINTS",
    "CORE_COLUMNS",
    "DURATION_BANDS",
    "DURATION_MIDPOINTS",
    "FLAG_GROUPS",
    "GENDERS",
    "MAJORITY",
    "MINOR_AGE_BANDS",
    "RELEASE_2021",
    "RELEASE_2024",
    "RELEASE_2026",
    "RELEASE_OLDER",
    "FlagGroup",
    "flag_columns",
    "flag_label",
    "is_flag_column",
]

# The names of the releases the loader detects (see core.data.layouts for what each holds).
RELEASE_2021 = "2021-08-25 release"
RELEASE_2024 = "2024/2025 layout"
RELEASE_2026 = "2024/2025 layout with 2026 naming (sectorOf*)"
RELEASE_OLDER = "older Global / k-anonymised layout (2017-2020)"

GENDERS: tuple[str, ...] = ("Female", "Male", "Transgender/NonConforming")
MAJORITY: tuple[str, ...] = ("Adult", "Minor")

# Ordered age bands as the 2021 release writes them.
AGE_BANDS: tuple[str, ...] = (
    "0--8",
    "09--17",
    "18--20",
    "21--23",
    "24--26",
    "27--29",
    "30--38",
    "39--47",
    "48+",
)
MINOR_AGE_BANDS: frozenset[str] = frozenset({"0--8", "09--17"})
# Midpoints in years. The open band 48+ has no upper bound; 55 is an assumption
# (midpoint of 48-62), stated here so that every use of it can be traced.
AGE_MIDPOINTS: dict[str, float] = {
    "0--8": 4.0,
    "09--17": 13.0,
    "18--20": 19.0,
    "21--23": 22.0,
    "24--26": 25.0,
    "27--29": 28.0,
    "30--38": 34.0,
    "39--47": 43.0,
    "48+": 55.0,
}

# Duration bands: the 2021 release has four, releases from 2024 merge the last two
# into "25+ (2+ yrs)". Ordered by lower bound.
DURATION_BANDS: tuple[str, ...] = (
    "0--12 (0-1 yr)",
    "13--24 (1-2 yrs)",
    "25--60 (2-5 yrs)",
    "25+ (2+ yrs)",
    "61+ (5+ yrs)",
)
# Midpoints in months; open bands (61+, 25+) use an assumed upper bound of 8 years
# for 61+ (midpoint 78.5) and 5 years for 25+ (midpoint 42.5, the 25-60 midpoint).
DURATION_MIDPOINTS: dict[str, float] = {
    "0--12 (0-1 yr)": 6.0,
    "13--24 (1-2 yrs)": 18.5,
    "25--60 (2-5 yrs)": 42.5,
    "25+ (2+ yrs)": 42.5,
    "61+ (5+ yrs)": 78.5,
}

# Columns every canonical frame has, in order. Flag columns follow them.
CORE_COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "ageMid",
    "majorityStatusAtExploit",
    "majoritySource",
    "traffickMonths",
    "monthsMid",
    "citizenship",
    "citizenshipName",
    "CountryOfExploitation",
    "CountryOfExploitationName",
)


@dataclass(frozen=True)
class FlagGroup:
    """A group of 1/empty flags that the CTDC's denominator rule treats together."""

    key: str
    label: str
    pattern: str  # regular expression matching the group's column names

    def matches(self, column: str) -> bool:
        return re.fullmatch(self.pattern, column) is not None


FLAG_GROUPS: dict[str, FlagGroup] = {
    group.key: group
    for group in (
        FlagGroup(
            "exploitation",
            "Type of exploitation",
            r"is(ForcedLabour|SexualExploit|OtherExploit|ForcedMarriage|"
            r"SlaveryAndPractices|OrganRemoval|ForcedMilitary)",
        ),
        FlagGroup("means", "Means of control", r"means(OfControl)?[A-Z]\w*"),
        FlagGroup("recruiter", "Recruiter relation", r"recruiterRelation(?!Unknown)[A-Z]\w*"),
        FlagGroup("labour", "Type of forced labour", r"typeOfLabour[A-Z]\w*"),
        FlagGroup("sex", "Type of sexual exploitation", r"typeOfSex[A-Z]\w*"),
    )
}

_LABELS: dict[str, str] = {
    "isForcedLabour": "Forced labour",
    "isSexualExploit": "Sexual exploitation",
    "isOtherExploit": "Other exploitation",
    "isForcedMarriage": "Forced marriage",
    "isSlaveryAndPractices": "Slavery and similar practices",
    "isOrganRemoval": "Organ removal",
    "isForcedMilitary": "Forced military service",
    "meansOfControlThreatOfLawEnforce": "Threat of law enforcement",
    "meansOfControlPsychoactiveSubstances": "Psychoactive substances",
    "meansOfControlRestrictsMedicalCare": "Restricts medical care",
    "meansOfControlOther": "Other means",
    "meansDebtBondageEarnings": "Debt bondage or takes earnings",
    "meansAbusePsyPhySex": "Psychological, physical or sexual abuse",
    "meansDrugsAlcohol": "Drugs or alcohol",
    "meansDenyBasicNeeds": "Denies basic needs",
    "meansExcessiveWorkHours": "Excessive working hours",
    "meansWithholdDocs": "Withholds documents",
    "recruiterRelationIntimatePartner": "Intimate partner",
    "recruiterRelationOther": "Other relation",
    "typeOfLabourDomesticWork": "Domestic work",
    "typeOfLabourOther": "Other labour",
    "typeOfSexOther": "Other sexual exploitation",
}
_PREFIXES = ("meansOfControl", "means", "recruiterRelation", "typeOfLabour", "typeOfSex", "is")


def flag_label(column: str) -> str:
    """Plain-word label of a flag column.

    Examples
    --------
    >>> flag_label("meansOfControlDebtBondage")
    'Debt bondage'
    >>> flag_label("isSexualExploit")
    'Sexual exploitation'
    """
    if column in _LABELS:
        return _LABELS[column]
    stem = column
    for prefix in _PREFIXES:
        if column.startswith(prefix) and column[len(prefix) : len(prefix) + 1].isupper():
            stem = column[len(prefix) :]
            break
    words = re.findall(r"[A-Z][a-z]*|[a-z]+|\d+", stem)
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:]


def is_flag_column(column: str) -> bool:
    """True when the column belongs to one of the CTDC flag groups."""
    return any(group.matches(column) for group in FLAG_GROUPS.values())


def flag_columns(columns: Iterable[object], group: str) -> list[str]:
    """The columns among ``columns`` that belong to flag group ``group``, in their order.

    ``group`` is a key of :data:`FLAG_GROUPS`; any other raises ``ValueError`` naming them.

    Examples
    --------
    >>> flag_columns(["gender", "isForcedLabour", "isSexualExploit"], "exploitation")
    ['isForcedLabour', 'isSexualExploit']
    """
    spec = FLAG_GROUPS.get(group) if isinstance(group, str) else None
    if spec is None:
        raise ValueError(
            f"group must be one of {', '.join(map(repr, FLAG_GROUPS))}, not {group!r}."
        )
    return [c for c in columns if isinstance(c, str) and spec.matches(c)]
