"""Build the file forms users bring (separators, encodings, layouts, damage) from a raw table.

A raw table is the 2021 layout with string values ('' missing, '1' flags). Used by the
loader tests and the malformed-file corpus.
"""

from __future__ import annotations

import gzip
import io

import pandas as pd

MEANS_2024 = {
    "meansDebtBondageEarnings": ["meansOfControlDebtBondage", "meansOfControlTakesEarnings"],
    "meansThreats": ["meansOfControlThreats", "meansOfControlThreatOfLawEnforce"],
    "meansAbusePsyPhySex": [
        "meansOfControlPsychologicalAbuse",
        "meansOfControlPhysicalAbuse",
        "meansOfControlSexualAbuse",
    ],
    "meansFalsePromises": ["meansOfControlFalsePromises"],
    "meansDrugsAlcohol": ["meansOfControlPsychoactiveSubstances"],
    "meansDenyBasicNeeds": [
        "meansOfControlRestrictsMovement",
        "meansOfControlRestrictsMedicalCare",
        "meansOfControlWithholdsNecessities",
    ],
    "meansExcessiveWorkHours": ["meansOfControlExcessiveWorkingHours"],
    "meansWithholdDocs": ["meansOfControlWithholdsDocuments"],
}


def to_text(raw: pd.DataFrame, *, sep: str = "\t", line_end: str = "\n") -> str:
    buffer = io.StringIO()
    raw.to_csv(buffer, sep=sep, index=False, lineterminator=line_end)
    return buffer.getvalue()


def to_bytes(
    raw: pd.DataFrame,
    *,
    sep: str = "\t",
    line_end: str = "\n",
    bom: bool = False,
    gz: bool = False,
    encoding: str = "utf-8",
) -> bytes:
    data = to_text(raw, sep=sep, line_end=line_end).encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    if gz:
        data = gzip.compress(data)
    return data


def to_layout_2024(raw: pd.DataFrame) -> pd.DataFrame:
    """The 2024 layout: merged means, Man/Woman genders, three duration bands, no majority."""
    out = pd.DataFrame()
    out["yearOfRegistration"] = raw["yearOfRegistration"]
    out["gender"] = (
        raw["gender"]
        .map(
            {
                "Female": "Woman",
                "Male": "Man",
                "Transgender/NonConforming": "Trans/Transgender/NonConforming",
            }
        )
        .fillna("")
    )
    out["ageBroad"] = raw["ageBroad"]
    out["citizenship"] = raw["citizenship"]
    out["CountryOfExploitation"] = raw["CountryOfExploitation"]
    out["traffickMonths"] = raw["traffickMonths"].replace(
        {"25--60 (2-5 yrs)": "25+ (2+ yrs)", "61+ (5+ yrs)": "25+ (2+ yrs)"}
    )
    for merged, parts in MEANS_2024.items():
        out[merged] = (raw[parts] == "1").any(axis=1).map({True: "1", False: ""})
    for column in [
        "isForcedLabour",
        "isSexualExploit",
        "isOtherExploit",
        "typeOfLabourAgriculture",
        "typeOfLabourConstruction",
        "typeOfLabourDomesticWork",
        "typeOfLabourHospitality",
        "typeOfSexProstitution",
        "typeOfSexPornography",
        "recruiterRelationIntimatePartner",
        "recruiterRelationFriend",
        "recruiterRelationFamily",
        "recruiterRelationOther",
    ]:
        out[column] = raw[column]
    return out


def to_layout_older(raw: pd.DataFrame) -> pd.DataFrame:
    """The older Global / k-anonymised layout: 0/1 flags, -99 for missing, extra columns."""
    out = raw.copy()
    flag_columns = [
        c
        for c in raw.columns
        if raw[c].isin(["1", ""]).all()
        and c
        not in (
            "yearOfRegistration",
            "gender",
            "ageBroad",
            "majorityStatusAtExploit",
            "traffickMonths",
            "citizenship",
            "CountryOfExploitation",
        )
    ]
    for column in flag_columns:
        out[column] = raw[column].map({"1": "1", "": "0"})
    for column in [
        "yearOfRegistration",
        "gender",
        "ageBroad",
        "majorityStatusAtExploit",
        "traffickMonths",
        "citizenship",
        "CountryOfExploitation",
    ]:
        out[column] = raw[column].replace("", "-99")
    out = out.rename(columns={"majorityStatusAtExploit": "majorityStatus"})
    out.insert(0, "Datasource", "Case Management")
    out["majorityEntry"] = "-99"
    out["isAbduction"] = "0"
    return out


SECTOR_NAMES_2026 = {
    **{
        f"typeOfLabour{s}": f"sectorOfLabour{s}"
        for s in ("Agriculture", "Construction", "DomesticWork", "Hospitality")
    },
    **{f"typeOfSex{s}": f"sectorOfSex{s}" for s in ("Prostitution", "Pornography")},
}


def to_layout_2026(raw: pd.DataFrame) -> pd.DataFrame:
    """The 2024/2025 layout with the v2026 names: typeOfLabour* / typeOfSex* as sectorOf*."""
    return to_layout_2024(raw).rename(columns=SECTOR_NAMES_2026)
