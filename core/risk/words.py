"""The risk models in words: outcomes, cells, and the probabilities of each group.

Shares are written with :func:`core.words.share_text`, except near 0% and 100%, where a
model probability reads "under 1%" or "over 99%" (a decimal would claim a precision the
interval does not have). Counts go through :func:`core.privacy.format_count`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from core.data.schema import flag_label
from core.privacy import format_count
from core.risk.records import GROUPS, PREDICTORS, flag_group_of
from core.words import age_band, share_text

__all__ = [
    "SINGULAR",
    "cell_name",
    "outcome_phrase",
    "per_100_text",
    "probability_headline",
    "probability_sentences",
    "probability_text",
    "ratio_sentence",
]

_RECRUITERS = {
    "IntimatePartner": "an intimate partner",
    "Friend": "a friend",
    "Family": "a family member",
    "Other": "another relation",
}
#: One member of a group, for sentences about a single record.
SINGULAR: dict[str, str] = {"girls": "girl", "women": "woman", "boys": "boy", "men": "man"}
#: How a single level reads when a cell is named by it.
_LEVEL_NAMES = {
    "Female": "women and girls",
    "Male": "men and boys",
    "Adult": "adults",
    "Minor": "minors",
}


def outcome_phrase(column: str, /) -> str:
    """What having the outcome means, as a phrase after 'are'.

    Examples
    --------
    >>> outcome_phrase("isSexualExploit")
    'in sexual exploitation'
    >>> outcome_phrase("recruiterRelationFamily")
    'recruited by a family member'
    >>> outcome_phrase("meansOfControlDebtBondage")
    'controlled through debt bondage'
    """
    group = flag_group_of(column)
    label = flag_label(column).lower()
    if group == "recruiter":
        stem = column.removeprefix("recruiterRelation")
        return f"recruited by {_RECRUITERS.get(stem, label)}"
    if group == "means":
        return f"controlled through {label}"
    return f"in {label}"


def cell_name(row: pd.Series, predictors: Sequence[str], /) -> str:
    """The plain name of a model cell: a group ("boys") or its predictor values.

    Examples
    --------
    >>> cell_name(pd.Series({"gender": "Male", "majority": "Minor"}), ("gender", "majority"))
    'boys'
    >>> cell_name(pd.Series({"majority": "Minor", "age": "09--17"}), ("majority", "age"))
    'minors, age 9–17'
    >>> cell_name(pd.Series(dtype=object), ())
    'all records'
    """
    values = {p: str(row[PREDICTORS[p][0]]) for p in predictors}
    group = GROUPS.get((values.get("gender", ""), values.get("majority", "")))
    if group and set(predictors) <= {"gender", "majority"}:
        return group.lower()
    parts = [
        f"age {age_band(values[p])}" if p == "age" else _LEVEL_NAMES.get(values[p], values[p])
        for p in predictors
    ]
    return ", ".join(parts) if parts else "all records"


def probability_text(value: float, /) -> str:
    """A model probability as a percentage: "under 1%" and "over 99%" at the edges.

    Examples
    --------
    >>> probability_text(0.8), probability_text(0.004), probability_text(0.995)
    ('80%', 'under 1%', 'over 99%')
    >>> probability_text(0.0), probability_text(1.0)
    ('0%', '100%')
    """
    if 0 < value < 0.01:
        return "under 1%"
    if 0.99 < value < 1:
        return "over 99%"
    return share_text(value)


def probability_headline(tables: Mapping[str, pd.DataFrame], /) -> str:
    """A title stating the finding of a chart of group probabilities.

    ``tables`` maps outcome columns to :func:`core.risk.tables.group_table` results (the
    first two lead).

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Girls", "Men"], "n": [10, 10], "probability": [0.8, 0.1]})
    >>> probability_headline({"isSexualExploit": t})
    'Girls are the most likely to be in sexual exploitation (80%)'
    >>> probability_headline({"isSexualExploit": t, "isForcedLabour": t.assign(probability=[0.1, 0.7])})
    'Girls are the most likely to be in sexual exploitation (80%), men in forced labour (70%)'
    """
    parts = []
    for outcome, table in list(tables.items())[:2]:
        usable = table[table["n"] > 0]
        if usable.empty:
            continue
        top = usable[usable["probability"] == usable["probability"].max()].iloc[0]
        parts.append(
            (
                str(top["group"]),
                outcome_phrase(outcome),
                probability_text(float(top["probability"])),
            )
        )
    if not parts:
        return "No group in view has records for these outcomes"
    text = f"{parts[0][0]} are the most likely to be {parts[0][1]} ({parts[0][2]})"
    if len(parts) > 1:
        who = "they also" if parts[1][0] == parts[0][0] else parts[1][0].lower()
        text += f", {who} {parts[1][1]} ({parts[1][2]})"
    return text


def per_100_text(value: float, /) -> str:
    """How many for every 100: one decimal below 10 (a trailing .0 dropped), whole above.

    Examples
    --------
    >>> [per_100_text(v) for v in (1.38, 1.0, 0.96, 12.4, 0.02)]
    ['1.4', '1', '1', '12', 'under 0.1']
    """
    if value < 0.05:
        return "under 0.1"
    text = f"{value:,.1f}" if value < 9.95 else f"{value:,.0f}"
    return text.removesuffix(".0")


def ratio_sentence(group: str, first: str, second: str, per_100: float, /) -> str:
    """A ratio of two shares of one group as a ratio, not as a share of the second.

    ``first`` and ``second`` are phrases after 'are' (:func:`outcome_phrase`); the two
    may overlap, and the sentence says so.

    Examples
    --------
    >>> ratio_sentence("men", "in sexual exploitation", "in forced labour", 1.38)
    'About 1.4 men in sexual exploitation for every 100 men in forced labour in these records; a person can be in both.'
    >>> ratio_sentence("men", "in sexual exploitation", "in forced labour", 1.02)
    'About 1 man in sexual exploitation for every 100 men in forced labour in these records; a person can be in both.'
    """
    amount = per_100_text(per_100)
    who = SINGULAR.get(group, group) if amount == "1" else group
    return (
        f"About {amount} {who} {first} for every 100 {group} {second} in these records; "
        "a person can be in both."
    )


def _edge_sentence(which: str, n: int, count: str, group: str, phrase: str) -> str:
    """None or all of a group's records have the outcome, singular when there is one."""
    if n == 1 and count == "1":
        who = SINGULAR.get(group, f"record of {group}")
        negation = "not " if which == "None" else ""
        return f"The only {who} in these records is {negation}{phrase}"
    return f"{which} of the {count} {group} in these records are {phrase}"


def _on_edge(row: pd.Series) -> bool:
    """Whether no record, or every record, of a group has the outcome."""
    return int(row["events"]) in (0, int(row["n"]))


def probability_sentences(
    table: pd.DataFrame,
    outcome: str,
    /,
    *,
    reference: pd.DataFrame | None = None,
    reference_outcome: str = "isForcedLabour",
    k: int = 1,
) -> list[str]:
    """Plain sentences per group: the probability with its interval and, when a
    ``reference`` table (forced labour) is given, the ratio of the two probabilities as a
    ratio (:func:`ratio_sentence`): how many are in ``outcome`` for every 100 in the
    reference outcome, which is not a share of the latter (a person can be in both).

    A group where no record (or every record) has the outcome is described by its
    counts (shown as '<k' when 1..k-1); the model's estimate follows only when its
    interval says something.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Men"], "n": [100], "events": [2], "probability": [0.02],
    ...                   "probability_ci_low": [0.01], "probability_ci_high": [0.05]})
    >>> s = probability_sentences(t, "isSexualExploit", reference=t.assign(probability=[0.8]))
    >>> s[0]
    '2% of men in these records are in sexual exploitation (model estimate; 95% CI 1% to 5%).'
    >>> s[1]
    'About 2.5 men in sexual exploitation for every 100 men in forced labour in these records; a person can be in both.'
    >>> edge = t.assign(events=[0], probability=[1e-9], probability_ci_low=[0.0],
    ...                 probability_ci_high=[1.0])
    >>> probability_sentences(edge, "isSexualExploit")
    ['None of the 100 men in these records are in sexual exploitation.']
    """
    phrase = outcome_phrase(outcome)
    out = []
    for _, row in table.iterrows():
        group = str(row["group"])
        n = int(row["n"])
        if n == 0:
            out.append(f"{group}: no records in view, so nothing can be said.")
            continue
        low, high = float(row["probability_ci_low"]), float(row["probability_ci_high"])
        share = probability_text(float(row["probability"]))
        interval = f"95% CI {probability_text(low)} to {probability_text(high)}"
        if _on_edge(row):
            which = "None" if int(row["events"]) == 0 else "All"
            text = _edge_sentence(which, n, format_count(n, k), group.lower(), phrase)
            informative = high - low < 0.98
            out.append(
                text + (f"; the model puts it at {share} ({interval})." if informative else ".")
            )
            continue
        out.append(
            f"{share[:1].upper()}{share[1:]} of {group.lower()} in these records are "
            f"{phrase} (model estimate; {interval})."
        )
        if reference is not None:
            match = reference[reference["group"] == group]
            if (
                len(match)
                and not _on_edge(match.iloc[0])
                and float(match["probability"].iloc[0]) > 0
            ):
                per_100 = 100 * float(row["probability"]) / float(match["probability"].iloc[0])
                out.append(
                    ratio_sentence(
                        group.lower(), phrase, outcome_phrase(reference_outcome), per_100
                    )
                )
    return out
