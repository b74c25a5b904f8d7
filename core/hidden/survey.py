"""Survey inputs: counts of people in forced labour per group, typed or read from a file.

Surveys (the ILO / Walk Free / IOM Global Estimates of Modern Slavery) count people in
forced labour by group, in thousands or in persons, sometimes with lower and upper
bounds. :func:`survey_rows` reads what a user typed (every problem as one sentence),
:func:`survey_from_table` a survey file; both give :class:`SurveyRow` values for
:func:`core.hidden.estimate.extrapolate`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from core.risk.records import GROUP_ORDER, GROUPS

__all__ = [
    "EXAMPLE_SOURCE",
    "EXAMPLE_SURVEY",
    "EXAMPLE_UNIT",
    "SURVEY_GROUPS",
    "UNITS",
    "SurveyInputError",
    "SurveyRow",
    "parse_number",
    "survey_from_table",
    "survey_rows",
]

#: Group name -> (gender, majority status), in display order.
SURVEY_GROUPS: dict[str, tuple[str, str]] = {
    name: key for name in GROUP_ORDER for key, group in GROUPS.items() if group == name
}
#: Unit of the survey counts -> how an amount in it reads.
UNITS: dict[str, str] = {"thousands": "thousand people", "persons": "people"}
#: The pre-filled example: forced labour, Global Estimates of Modern Slavery 2022.
EXAMPLE_SURVEY: dict[str, str] = {"Women": "5,361", "Men": "10,656"}
EXAMPLE_UNIT = "thousands"
EXAMPLE_SOURCE = (
    "Example: adults in forced labour, Global Estimates of Modern Slavery 2022 "
    "(ILO, Walk Free, IOM; figures for 2021, in thousands), as used in the published analysis."
)

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Whole part with thousands separators: 1 to 3 leading digits (not a lone 0), then groups of 3.
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}([,\s_'][0-9]{3})+")
#: Counts above this are refused: more than the world's population, and large enough for
#: the interval arithmetic to overflow.
_LARGEST_COUNT = 1e10


class SurveyInputError(ValueError):
    """A survey input that cannot be used; the message is one sentence for the user."""


@dataclass(frozen=True)
class SurveyRow:
    """One group's survey count of people in forced labour, with optional bounds."""

    group: str
    gender: str
    majority: str
    count: float
    low: float | None = None
    high: float | None = None


def parse_number(text: object, /, *, what: str) -> float | None:
    """A non-negative number typed by a user; None when the field is empty.

    Thousands separators (``10,656``, ``10 656``, ``10_656``) are accepted.

    Raises
    ------
    SurveyInputError
        For text that is not a number, a negative number, infinity, or a number above
        10 billion.

    Examples
    --------
    >>> parse_number("10,656", what="men")
    10656.0
    >>> parse_number("  ", what="men") is None
    True
    >>> parse_number("-5", what="men")
    Traceback (most recent call last):
    ...
    core.hidden.survey.SurveyInputError: The count for men is negative (-5); type a count of 0 or more.
    """
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
        raw = str(text)
    else:
        raw = str(text).strip()
        if not raw:
            return None
        # separators only in the whole part: '5.361,000' or '0,361' (decimal commas) are
        # refused rather than read as 5.361 or 361
        whole = re.split(r"[.eE]", raw, maxsplit=1)[0]
        cleaned = raw
        if _GROUPED.fullmatch(whole):
            cleaned = re.sub(r"[,\s_']", "", whole) + raw[len(whole) :]
        if not _NUMBER.fullmatch(cleaned):
            raise SurveyInputError(
                f"The count for {what} ({raw!r}) is not a number; type digits only, "
                "e.g. 10656 or 10,656."
            )
        value = float(cleaned)
    if math.isnan(value) or math.isinf(value):
        raise SurveyInputError(
            f"The count for {what} ({raw}) is not a finite number; type an ordinary number."
        )
    if value < 0:
        raise SurveyInputError(
            f"The count for {what} is negative ({raw}); type a count of 0 or more."
        )
    if value > _LARGEST_COUNT:
        raise SurveyInputError(
            f"The count for {what} ({raw}) is more than 10 billion, more "
            "than the world's population; check the digits and the unit."
        )
    return value


def survey_rows(
    inputs: Mapping[str, tuple[object, object, object]], /
) -> tuple[list[SurveyRow], list[str]]:
    """Survey rows from typed inputs ``{group: (count, lower, upper)}``.

    Empty counts are skipped; every problem is collected as a sentence (the rows with
    problems are left out), so a page can show all of them at once.

    Examples
    --------
    >>> rows, errors = survey_rows({"Men": ("10,656", "", ""), "Women": ("abc", "", ""),
    ...                             "Boys": ("5", "6", "")})
    >>> [r.group for r in rows], len(errors)
    (['Men'], 2)
    """
    rows: list[SurveyRow] = []
    errors: list[str] = []
    for group, (gender, majority) in SURVEY_GROUPS.items():
        if group not in inputs:
            continue
        count_text, low_text, high_text = inputs[group]
        what = group.lower()
        try:
            count = parse_number(count_text, what=what)
            low = parse_number(low_text, what=f"{what} (lower bound)")
            high = parse_number(high_text, what=f"{what} (upper bound)")
        except SurveyInputError as exc:
            errors.append(str(exc))
            continue
        if count is None:
            if low is not None or high is not None:
                errors.append(
                    f"Bounds are given for {what} but no count; type the survey "
                    "count too, or clear the bounds."
                )
            continue
        if low is not None and low > count:
            errors.append(
                f"The lower bound for {what} ({low:,g}) is above the count "
                f"({count:,g}); the lower bound must not exceed the count."
            )
            continue
        if high is not None and high < count:
            errors.append(
                f"The upper bound for {what} ({high:,g}) is below the count "
                f"({count:,g}); the upper bound must not be below the count."
            )
            continue
        rows.append(SurveyRow(group, gender, majority, count, low, high))
    return rows, errors


def survey_from_table(table: pd.DataFrame, /) -> list[SurveyRow]:
    """Survey rows from a table with columns ``gender``, ``majority_status``,
    ``forced_labour`` (and optionally ``forced_labour_low``, ``forced_labour_high``).

    Raises
    ------
    SurveyInputError
        With one sentence when a column is missing, a group is unknown or repeated, or a
        value is not a usable count.

    Examples
    --------
    >>> t = pd.DataFrame({"gender": ["Male"], "majority_status": ["Adult"],
    ...                   "forced_labour": [10656]})
    >>> survey_from_table(t)[0].group
    'Men'
    """
    columns = {str(c).strip().lower(): c for c in table.columns}
    missing = [c for c in ("gender", "majority_status", "forced_labour") if c not in columns]
    if missing:
        raise SurveyInputError(
            "The survey file lacks the column(s) " + ", ".join(missing) + "; it needs "
            "gender (Female/Male), majority_status (Adult/Minor) and forced_labour."
        )
    inputs: dict[str, tuple[object, object, object]] = {}
    for position, (_, row) in enumerate(table.iterrows(), start=2):
        gender = str(row[columns["gender"]]).strip().capitalize()
        majority = str(row[columns["majority_status"]]).strip().capitalize()
        group = GROUPS.get((gender, majority))
        if group is None:
            raise SurveyInputError(
                f"Line {position} of the survey file has gender {gender!r} and majority status "
                f"{majority!r}; use Female or Male and Adult or Minor."
            )
        if group in inputs:
            raise SurveyInputError(
                f"The survey file gives {group.lower()} twice (line "
                f"{position}); keep one line per group."
            )

        def cell(name: str, row: pd.Series = row) -> object:
            """The line's value in column ``name``; None when absent or empty."""
            value = row[columns[name]] if name in columns else None
            return (
                None if value is None or (isinstance(value, float) and math.isnan(value)) else value
            )

        inputs[group] = (
            cell("forced_labour"),
            cell("forced_labour_low"),
            cell("forced_labour_high"),
        )
        if inputs[group][0] is None:
            raise SurveyInputError(
                f"Line {position} of the survey file has no forced_labour "
                "count; fill it in or remove the line."
            )
    rows, errors = survey_rows(inputs)
    if errors:
        raise SurveyInputError(errors[0])
    return rows
