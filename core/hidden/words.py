"""Hidden-population estimates in words: the headline, one sentence per group, the table.

Amounts are written in the survey's unit (:data:`core.hidden.survey.UNITS`); a unit
outside it raises ``ValueError``. The captions say how many groups
:func:`core.hidden.estimate.protect_estimates` withheld.
"""

from __future__ import annotations

import pandas as pd

from core.hidden.survey import SURVEY_GROUPS, UNITS
from core.options import check_option
from core.privacy import MODEL_COUNTS, suppression_caption
from core.risk.words import SINGULAR, per_100_text
from core.words import listed

__all__ = [
    "INTERVAL_SCOPE",
    "estimate_headline",
    "estimate_sentences",
    "readable_estimates",
    "total_caption",
    "total_label",
    "unit_text",
    "withheld_caption",
]

#: What the 95% intervals of the estimates do and do not cover, said beside them.
INTERVAL_SCOPE = (
    "The 95% interval covers the models' and the survey's error only, not whether "
    "identified victims represent the hidden population."
)


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
    """An amount in the survey's unit, rounded to whole units ('1 person', '2 people').

    Examples
    --------
    >>> _amount(1.2, "persons"), _amount(2, "persons"), _amount(1, "thousands")
    ('1 person', '2 people', '1 thousand people')
    """
    text = f"{value:,.0f}"
    words = unit_text(unit)
    return f"{text} {'person' if text == '1' and words == 'people' else words}"


def _groups_named(groups: list[str]) -> str:
    """The groups an amount covers, in display order: 'women and men'."""
    order = list(SURVEY_GROUPS)
    ordered = sorted(groups, key=lambda g: order.index(g) if g in order else len(order))
    return listed([g.lower() for g in ordered])


def estimate_headline(table: pd.DataFrame, /, *, unit: str) -> str:
    """A chart title that states the finding: whom the total covers, and the largest group.

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
    'Women and men: about 6,603 thousand people estimated in sexual exploitation, 98% of them women'
    >>> estimate_headline(t.iloc[[1]], unit="thousands")
    'Men: about 119 thousand people estimated in sexual exploitation'
    """
    check_option(unit, UNITS, name="unit")
    usable = table[table["estimate"].notna()]
    if usable.empty:
        return "No group can be estimated from the records in view"
    total = float(usable["estimate"].sum())
    who = _groups_named(usable["group"].astype(str).tolist())
    text = (
        f"{who[:1].upper()}{who[1:]}: about {_amount(total, unit)} estimated in sexual exploitation"
    )
    if len(usable) == 1:
        return text
    top = usable[usable["estimate"] == usable["estimate"].max()].iloc[0]  # the first largest
    share = float(top["estimate"]) / total if total > 0 else 0.0
    return f"{text}, {share:.0%} of them {str(top['group']).lower()}"


def total_label(table: pd.DataFrame, /, *, unit: str) -> str:
    """The label of the headline number: the one group, or the total of the groups added.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Women", "Boys", "Men"], "estimate": [6484.0, None, 119.0]})
    >>> total_label(t, unit="thousands")
    'Total of women and men estimated in sexual exploitation (thousand people)'
    >>> total_label(t.iloc[[2]], unit="persons")
    'Men estimated in sexual exploitation (people)'
    """
    check_option(unit, UNITS, name="unit")
    groups = table.loc[table["estimate"].notna(), "group"].astype(str).tolist()
    if len(groups) == 1:
        return f"{groups[0]} estimated in sexual exploitation ({unit_text(unit)})"
    return f"Total of {_groups_named(groups)} estimated in sexual exploitation ({unit_text(unit)})"


def total_caption(table: pd.DataFrame, low: float, high: float, /, *, unit: str) -> str:
    """The headline number's interval, the groups it adds and leaves out, and its scope.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Women", "Boys", "Men"], "estimate": [6484.0, None, 119.0],
    ...                   "note": ["", "withheld: fewer than 10 records", ""]})
    >>> print(total_caption(t, 6328.2, 6889.6, unit="thousands"))
    95% interval 6,328 to 6,890 thousand people. Adds up women and men; not included: boys (withheld or not estimable, see the notes below); girls (no survey count typed). The 95% interval covers the models' and the survey's error only, not whether identified victims represent the hidden population.
    """
    check_option(unit, UNITS, name="unit")
    usable = table["estimate"].notna()
    added = table.loc[usable, "group"].astype(str).tolist()
    text = f"95% interval {low:,.0f} to {high:,.0f} {unit_text(unit)}."
    left_out = []
    failed = table.loc[~usable, "group"].astype(str).tolist()
    if failed:
        left_out.append(f"{_groups_named(failed)} (withheld or not estimable, see the notes below)")
    untyped = [g for g in SURVEY_GROUPS if g not in set(table["group"].astype(str))]
    if untyped:
        left_out.append(f"{_groups_named(untyped)} (no survey count typed)")
    if len(added) > 1 or left_out:
        text += (
            f" Adds up {_groups_named(added)}"
            if len(added) > 1
            else f" Covers {_groups_named(added)} only"
        )
        text += f"; not included: {'; '.join(left_out)}." if left_out else "."
    return f"{text} {INTERVAL_SCOPE}"


def estimate_sentences(table: pd.DataFrame, /, *, unit: str) -> list[str]:
    """One plain sentence per group: the arithmetic and the interval, or why not.

    The factor is written as a ratio (:func:`core.risk.words.per_100_text`): for the
    published method the records' odds (in sexual exploitation for every 100 not in it),
    for the ratio method P(sexual exploitation) / P(forced labour), which is not a share
    of those in forced labour (a person can be in both).

    Parameters
    ----------
    table
        One row per group, as :func:`core.hidden.estimate.extrapolate` returns it,
        protected or not; each row gives one sentence.
    unit
        How the survey counts people: a key of :data:`core.hidden.survey.UNITS`.

    Raises
    ------
    ValueError
        If ``unit`` is not a key of :data:`core.hidden.survey.UNITS`.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Men"], "survey_count": [10656.0], "method": ["published"],
    ...                   "factor": [0.0112], "estimate": [119.3], "ci_low": [88.0],
    ...                   "ci_high": [161.0], "note": [""]})
    >>> print(estimate_sentences(t, unit="thousands")[0])
    Men: in these records, about 1.1 men in sexual exploitation for every 100 men not in it (read as forced labour), so 10,656 thousand people x 0.0112 = about 119 thousand people (95% interval 88 to 161 thousand people).
    >>> print(estimate_sentences(t.assign(method="ratio", factor=0.0138), unit="thousands")[0])
    Men: in these records, about 1.4 men in sexual exploitation for every 100 men in forced labour (a person can be in both), so 10,656 thousand people x 0.0138 = about 119 thousand people (95% interval 88 to 161 thousand people).
    """
    check_option(unit, UNITS, name="unit")
    out = []
    for _, row in table.iterrows():
        if row["note"]:
            out.append(f"{row['group']}: {row['note']}.")
            continue
        factor = float(row["factor"])
        group = str(row["group"]).lower()
        amount = per_100_text(100 * factor)
        who = SINGULAR.get(group, group) if amount == "1" else group
        base = (
            f"{group} in forced labour (a person can be in both)"
            if row["method"] == "ratio"
            else f"{group} not in it (read as forced labour)"
        )
        out.append(
            f"{row['group']}: in these records, about {amount} {who} in sexual exploitation "
            f"for every 100 {base}, so {_amount(float(row['survey_count']), unit)} "
            f"x {factor:.3g} = about {_amount(float(row['estimate']), unit)} "
            f"(95% interval {float(row['ci_low']):,.0f} to {float(row['ci_high']):,.0f} "
            f"{unit_text(unit)})."
        )
    return out


def readable_estimates(table: pd.DataFrame, /) -> pd.DataFrame:
    """An :func:`core.hidden.estimate.extrapolate` table with plain column names, rounded.

    The group, its estimate and interval come first. The forced-labour events column is
    dropped for the published method (it is empty there); factors keep four significant
    digits, estimates one decimal.

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
    # the key columns first (the group, its estimate and interval), so that a phone shows
    # the answer without scrolling sideways; then what the estimate is made from
    names = {
        "group": "Group",
        "estimate": "Estimate",
        "ci_low": "95% interval from",
        "ci_high": "95% interval to",
        "survey_count": "Survey count",
        "survey_low": "Survey lower bound",
        "survey_high": "Survey upper bound",
        "records": "Records",
        "events_sexual": "In sexual exploitation",
        "events_labour": "In forced labour",
        "factor": "Factor",
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


def withheld_caption(table: pd.DataFrame, /, *, k: int | None = None) -> str:
    """One sentence on the rows :func:`core.hidden.estimate.protect_estimates` withheld.

    Empty when none is withheld. Says how many groups are withheld and why in general,
    never which of them are small and which protect those (one wording for all outputs,
    :func:`core.privacy.suppression_caption`). ``k``: the threshold, named in the sentence.

    Examples
    --------
    >>> from core.privacy import withheld_note
    >>> note = withheld_note(10, counts=MODEL_COUNTS)
    >>> withheld_caption(pd.DataFrame({"note": [note, note, ""]}), k=10)
    '2 groups withheld: each holds a small count (fewer than 10 records, events or non-events) or would reveal one. Withheld cells are blank.'
    >>> withheld_caption(pd.DataFrame({"note": ["", "not estimable"]}), k=10)
    ''
    """
    count = int(table["note"].astype(str).str.startswith("withheld").sum())
    if not count:
        return ""
    sentence = suppression_caption(count, k=k, noun="group", counts=MODEL_COUNTS)
    return f"{sentence} Withheld cells are blank."
