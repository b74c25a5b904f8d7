"""Data quality of the records in view: how often each field is missing.

Also the table of how many records each chart of the screen rests on.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from core.data.denominators import group_columns, known_mask
from core.data.schema import FLAG_GROUPS

__all__ = ["chart_bases", "missing_by_field"]

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
