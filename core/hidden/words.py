"""Hidden-population estimates in words: the headline, one sentence per group, the table.

Amounts are written in the survey's unit (:data:`core.hidden.survey.UNITS`); a unit
outside it raises ``ValueError``. The captions say how many groups
:func:`core.hidden.estimate.protect_estimates` withheld.
"""

from __future__ import annotations

import pandas as pd

from core.hidden.survey import UNITS
from core.risk.options import check_option

__all__ = [
    "estimate_headline",
    "estimate_sentences",
    "readable_estimates",
    "unit_text",
    "withheld_caption",
]


def unit_text(unit: str, /) -> str:
    """How the survey's unit reads after a number.

    Raises
    ------
    ValueError
        When ``unit`` is not a key of :data:`core.hidden.survey.UNITS`.

    Examples
    --------
    >>> unit_text("thousands"), unit_text("persons")
    ('thousand people', 'people')
    """
    return UNITS[check_option(unit, UNITS, name="unit")]


def _amount(value: float, unit: str) -> str:
    """An amount in the survey's unit, rounded to whole units."""
    return f"{value:,.0f} {unit_text(unit)}"


def estimate_headline(table: pd.DataFrame, /, *, unit: str) -> str:
    """A chart title that states the finding (the total and the largest group).

    Parameters
    ----------
    table
        An :func:`core.hidden.estimate.extrapolate` table (protected or not).
    unit
        The survey's unit, a key of :data:`core.hidden.survey.UNITS`.

    Raises
    ------
    ValueError
        When ``unit`` is not one of the allowed units.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Women", "Men"], "estimate": [6484.0, 119.0]})
    >>> estimate_headline(t, unit="thousands")
    'About 6,603 thousand people estimated in sexual exploitation, 98% of them women'
    """
    check_option(unit, UNITS, name="unit")
    usable = table[table["estimate"].notna()]
    if usable.empty:
        return "No group can be estimated from the records in view"
    total = float(usable["estimate"].sum())
    top = usable[usable["estimate"] == usable["estimate"].max()].iloc[0]  # the first largest
    if len(usable) == 1:
        return (
            f"About {_amount(total, unit)} estimated in sexual exploitation "
            f"({str(top['group']).lower()})"
        )
    share = float(top["estimate"]) / total if total > 0 else 0.0
    return (
        f"About {_amount(total, unit)} estimated in sexual exploitation, "
        f"{share:.0%} of them {str(top['group']).lower()}"
    )


def estimate_sentences(table: pd.DataFrame, /, *, unit: str) -> list[str]:
    """One plain sentence per group: the arithmetic and the interval, or why not.

    Parameters
    ----------
    table
        An :func:`core.hidden.estimate.extrapolate` table (protected or not).
    unit
        The survey's unit, a key of :data:`core.hidden.survey.UNITS`.

    Raises
    ------
    ValueError
        When ``unit`` is not one of the allowed units.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Men"], "survey_count": [10656.0], "method": ["published"],
    ...                   "factor": [0.0112], "estimate": [119.3], "ci_low": [88.0],
    ...                   "ci_high": [161.0], "note": [""]})
    >>> estimate_sentences(t, unit="thousands")[0]
    'Men: for every 100 not in sexual exploitation (read as forced labour), about 1.1 in sexual exploitation in these records, so 10,656 thousand people x 0.0112 = about 119 thousand people (95% interval 88 to 161).'
    """
    check_option(unit, UNITS, name="unit")
    out = []
    for _, row in table.iterrows():
        if row["note"]:
            out.append(f"{row['group']}: {row['note']}.")
            continue
        factor = float(row["factor"])
        per_100 = f"{100 * factor:,.1f}" if 100 * factor < 10 else f"{100 * factor:,.0f}"
        base = (
            "in forced labour"
            if row["method"] == "ratio"
            else "not in sexual exploitation (read as forced labour)"
        )
        out.append(
            f"{row['group']}: for every 100 {base}, about {per_100} in sexual "
            f"exploitation in these records, so {_amount(float(row['survey_count']), unit)} "
            f"x {factor:.3g} = about {_amount(float(row['estimate']), unit)} "
            f"(95% interval {float(row['ci_low']):,.0f} to {float(row['ci_high']):,.0f})."
        )
    return out


def readable_estimates(table: pd.DataFrame, /) -> pd.DataFrame:
    """An :func:`core.hidden.estimate.extrapolate` table with plain column names, rounded.

    The forced-labour events column is dropped for the published method (it is empty
    there); factors keep four significant digits, estimates one decimal.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Men"], "survey_count": [10656.0], "survey_low": [None],
    ...                   "survey_high": [None], "records": [500], "events_sexual": [40],
    ...                   "events_labour": [None], "method": ["published"],
    ...                   "factor": [0.0869565], "estimate": [926.61], "ci_low": [650.04],
    ...                   "ci_high": [1300.96], "note": [""]})
    >>> readable_estimates(t)[["Factor", "Estimate", "95% interval to"]].values.tolist()
    [[0.08696, 926.6, 1301.0]]
    """
    names = {
        "group": "Group",
        "survey_count": "Survey count",
        "survey_low": "Survey lower bound",
        "survey_high": "Survey upper bound",
        "records": "Records",
        "events_sexual": "In sexual exploitation",
        "events_labour": "In forced labour",
        "factor": "Factor",
        "estimate": "Estimate",
        "ci_low": "95% interval from",
        "ci_high": "95% interval to",
        "note": "Note",
    }
    out = table[[c for c in names if c in table.columns]].copy()
    for column in ("survey_low", "survey_high"):
        out[column] = pd.to_numeric(out[column], errors="coerce")
    # the ratio method keeps its column even when every group's count is withheld
    ratio = "method" in table.columns and bool((table["method"] == "ratio").any())
    if not ratio and out["events_labour"].isna().all():
        out = out.drop(columns=["events_labour"])
    out["factor"] = out["factor"].map(lambda v: float(f"{v:.4g}") if pd.notna(v) else v)
    for column in ("estimate", "ci_low", "ci_high"):
        out[column] = out[column].round(1)
    return out.rename(columns=names)


def withheld_caption(table: pd.DataFrame, /) -> str:
    """One sentence on the rows :func:`core.hidden.estimate.protect_estimates` withheld.

    Empty when none is withheld.

    Examples
    --------
    >>> notes = ["withheld: fewer than 10 records", "withheld to protect another group", ""]
    >>> withheld_caption(pd.DataFrame({"note": notes}))
    '2 groups withheld, 1 of them to protect others; withheld cells are blank.'
    """
    notes = table["note"].astype(str)
    protecting = int(notes.str.startswith("withheld to protect").sum())
    count = int(notes.str.startswith("withheld").sum())
    if not count:
        return ""
    text = f"{count} group{'s' if count != 1 else ''} withheld"
    if protecting:
        text += f", {protecting} of them to protect others"
    return text + "; withheld cells are blank."
