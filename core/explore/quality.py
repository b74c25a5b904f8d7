"""Data quality of the records in view: how often each field is missing, overall and
per year (a field whose recording changes over the years can make a trend out of a change
of recording), and the table of how many records each chart of the screen rests on.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd

from core.data.denominators import group_columns, known_mask
from core.data.schema import FLAG_GROUPS
from core.explore.shift_protect import protect_shifts
from core.suppression import Suppression
from core.words import share_text

__all__ = [
    "chart_bases",
    "coverage_by_year",
    "coverage_headline",
    "coverage_note",
    "missing_by_field",
    "protect_coverage",
]

GIVEN, NOT_GIVEN = "given", "not given"
YEAR = "yearOfRegistration"

_QUALITY_FIELDS: dict[str, str] = {
    "yearOfRegistration": "Year of registration",
    "gender": "Gender",
    "ageBroad": "Age band",
    "majorityStatusAtExploit": "Minor or adult (given or derived from age)",
    "traffickMonths": "Time trafficked",
    "citizenship": "Country of citizenship",
    "CountryOfExploitation": "Country of exploitation",
}


def missing_by_field(frame: pd.DataFrame, /) -> pd.DataFrame:
    """How many records lack each field; flag groups count as missing when no flag is set.

    Also reports, as its own row, records whose minor/adult status is not given in the
    file (it may then be derived from the age band).

    Returns
    -------
    DataFrame
        Columns ``field, missing, records, missing_share`` in a fixed order: the fields,
        then the flag groups present.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, None], dtype="Int16"),
    ...                    "gender": ["Female", "Male"],
    ...                    "isForcedLabour": [True, False], "isSexualExploit": [False, False]})
    >>> missing_by_field(df)[["field", "missing", "missing_share"]].values.tolist()
    [['Year of registration', 1, 0.5], ['Gender', 0, 0.0], ['Type of exploitation', 1, 0.5]]
    """
    n = len(frame)
    rows: list[tuple[str, int]] = []
    for column, label in _QUALITY_FIELDS.items():
        if column in frame.columns:
            rows.append((label, int(frame[column].isna().sum())))
        if column == "majorityStatusAtExploit" and "majoritySource" in frame.columns:
            rows.append(
                (
                    "Minor or adult, as given in the file",
                    int((frame["majoritySource"] != "given").sum()),
                )
            )
    for key, spec in FLAG_GROUPS.items():
        if group_columns(frame, key):
            rows.append((spec.label, int((~known_mask(frame, key)).sum())))
    table = pd.DataFrame(rows, columns=["field", "missing"])
    table["records"] = n
    table["missing_share"] = table["missing"] / n if n else np.nan
    return table


def chart_bases(entries: Iterable[tuple[str, str, int]], /) -> pd.DataFrame:
    """The records each chart rests on, as a table (``Section, Chart, Records``).

    Examples
    --------
    >>> chart_bases([("Trends", "Per year", 120)]).values.tolist()
    [['Trends', 'Per year', 120]]
    """
    rows = [(str(s), str(c), int(n)) for s, c, n in entries]
    return pd.DataFrame(rows, columns=["Section", "Chart", "Records"])


def _given_masks(frame: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """(field label, records with it given) for the fields and flag groups present."""
    out: list[tuple[str, pd.Series]] = []
    for column, label in _QUALITY_FIELDS.items():
        if column == YEAR or column not in frame.columns:
            continue
        out.append((label, frame[column].notna()))
        if column == "majorityStatusAtExploit" and "majoritySource" in frame.columns:
            out.append(("Minor or adult, as given in the file", frame["majoritySource"] == "given"))
    for key, spec in FLAG_GROUPS.items():
        if group_columns(frame, key):
            out.append((spec.label, pd.Series(known_mask(frame, key), index=frame.index)))
    return out


def coverage_by_year(frame: pd.DataFrame, /) -> pd.DataFrame:
    """Per field and year of registration: the records with the field given and without.

    Returns
    -------
    DataFrame
        Columns ``field, year, category, count, known, share``: ``category`` is
        ``"given"`` or ``"not given"``, ``known`` the year's records (with a year), ``share``
        ``count / known``. Fields as :func:`missing_by_field` (the year itself left out),
        in that order; only years with a record.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2010, 2010, 2011], dtype="Int16"),
    ...                    "gender": ["Female", None, "Male"]})
    >>> coverage_by_year(df)[["year", "category", "count", "known"]].values.tolist()
    [[2010, 'given', 1, 2], [2010, 'not given', 1, 2], [2011, 'given', 1, 1], [2011, 'not given', 0, 1]]
    """
    columns = ["field", "year", "category", "count", "known", "share"]
    if YEAR not in frame.columns or not frame[YEAR].notna().any():
        return pd.DataFrame(columns=columns)
    dated = frame[YEAR].notna()
    years = frame.loc[dated, YEAR].astype(int)
    parts = []
    for label, given in _given_masks(frame):
        flag = given[dated].astype(bool)
        counts = pd.crosstab(years, flag).reindex(columns=[True, False], fill_value=0)
        known = counts.sum(axis=1)
        for value, category in ((True, GIVEN), (False, NOT_GIVEN)):
            parts.append(
                pd.DataFrame(
                    {
                        "field": label,
                        "year": counts.index.astype(int),
                        "category": category,
                        "count": counts[value].to_numpy().astype(int),
                        "known": known.to_numpy().astype(int),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    order = {label: i for i, (label, _) in enumerate(_given_masks(frame.head(0)))}
    table["_order"] = table["field"].map(order)
    table = table.sort_values(["_order", "year", "category"], kind="stable").drop(columns="_order")
    table["share"] = table["count"] / table["known"]
    return table[columns].reset_index(drop=True)


def protect_coverage(
    coverage: pd.DataFrame, /, *, k: int, hidden_years: Collection[int] = ()
) -> tuple[pd.DataFrame, Suppression]:
    """Protect :func:`coverage_by_year` one field at a time, as the yearly shares are
    (:func:`core.explore.shift_protect.protect_shifts`: each year's two cells add up to its
    records, and the years' records to the records with a year the caption shows).

    A year's ``known`` is its count of registrations, on every field's rows and in the
    registrations chart: the years that chart withholds (``hidden_years``, see
    :func:`core.explore.protect.withheld_years`) are withheld on every field's rows, so no
    table shows a count the chart withholds. (A year one field withholds whole to protect
    its own cells stays on the other fields' rows: its count is public there and in the
    chart, and the cells keep their protection within the year.)
    """
    if coverage.empty:
        return coverage.copy(), Suppression(np.zeros(0, dtype=bool), 0, 0)
    hidden = {int(y) for y in hidden_years}
    drawn, withheld, primary, secondary = [], [], 0, 0
    for _, rows in coverage.groupby("field", sort=False):
        out, suppression = protect_shifts(rows.reset_index(drop=True), k=k, also_years=hidden)
        drawn.append(out)
        withheld.append(suppression.withheld)
        primary += suppression.primary
        secondary += suppression.secondary
    table = pd.concat(drawn, ignore_index=True)
    return table, Suppression(np.concatenate(withheld), primary, secondary, k)


def coverage_headline(drawn: pd.DataFrame, /) -> str:
    """The finding of the coverage chart: the field whose share given moved most by year.

    Quotes only shares ``drawn`` (protected) shows.

    Examples
    --------
    >>> drawn = pd.DataFrame({"field": ["Gender"] * 4, "year": [2010, 2010, 2011, 2011],
    ...     "category": ["given", "not given"] * 2, "share": [0.9, 0.1, 0.3, 0.7]})
    >>> coverage_headline(drawn)
    'Recording changed most for gender: recorded for 90% of the records in 2010 and 30% in 2011'
    """
    given = drawn[(drawn["category"] == GIVEN) & drawn["share"].notna()]
    if given.empty:
        return "No year of registration to show coverage by"
    best: tuple[float, str, pd.Series, pd.Series] | None = None
    for field, rows in given.groupby("field", sort=False):
        ordered = rows.sort_values("share", kind="stable")
        low, high = ordered.iloc[0], ordered.iloc[-1]
        moved = float(high["share"] - low["share"])
        if best is None or moved > best[0]:
            best = (moved, str(field), low, high)
    assert best is not None
    moved, field, low, high = best
    if moved < 0.05:
        return "Each field is recorded about as often in every year"
    first, last = sorted([low, high], key=lambda r: int(r["year"]))
    name = field[:1].lower() + field[1:]
    return (
        f"Recording changed most for {name}: recorded for {share_text(first['share'])} of the "
        f"records in {int(first['year'])} and {share_text(last['share'])} in {int(last['year'])}"
    )


def coverage_note(
    drawn: pd.DataFrame, /, *, column: str, first: int, last: int, min_spread: float = 0.2
) -> str:
    """A caution for a trend of ``column`` when its recording changed over ``first..last``.

    ``drawn`` is the protected :func:`coverage_by_year`; only shares it shows are quoted.
    Empty when the share of records with the field given moved by less than
    ``min_spread`` across those years.

    Examples
    --------
    >>> drawn = pd.DataFrame({"field": ["Age band"] * 4, "year": [2010, 2010, 2011, 2011],
    ...     "category": ["given", "not given"] * 2, "share": [0.9, 0.1, 0.3, 0.7]})
    >>> coverage_note(drawn, column="ageBroad", first=2010, last=2011)
    'Age band is recorded for 90% of the records in 2010 but 30% in 2011: a change in its shares can come from which records carry it, not only from who was identified.'
    """
    label = _QUALITY_FIELDS.get(column)
    rows = drawn[
        (drawn["field"] == label)
        & (drawn["category"] == GIVEN)
        & drawn["year"].between(first, last)
        & drawn["share"].notna()
    ]
    if rows.empty:
        return ""
    ordered = rows.sort_values("share", kind="stable")
    low, high = ordered.iloc[0], ordered.iloc[-1]
    if int(low["year"]) == int(high["year"]) or float(high["share"] - low["share"]) < min_spread:
        return ""
    a, b = sorted([low, high], key=lambda r: int(r["year"]))
    return (
        f"{label} is recorded for {share_text(a['share'])} of the records in {int(a['year'])} "
        f"but {share_text(b['share'])} in {int(b['year'])}: a change in its shares can come "
        "from which records carry it, not only from who was identified."
    )
