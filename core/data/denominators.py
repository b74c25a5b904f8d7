"""The CTDC's denominator rule for groups of flags.

Within a group of flags (types of exploitation, means of control, recruiter relations,
types of labour, types of sexual exploitation), a record with no flag set gave no
information about that group: it is *unknown*, not 0, and stays out of the denominator.
A record with one flag set counts 0 for the others. A person can have several flags,
so shares within a group can add up to more than 100%.

The published analysis counted otherwise (a missing flag is 0); models and estimates
let the user choose between the two by name (:data:`DENOMINATOR_RULES`). A name that is
neither raises ``ValueError`` (:func:`check_rule`), so that a typo never silently
means the other rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from core.data.schema import flag_columns, flag_label

__all__ = [
    "DENOMINATOR_RULES",
    "DenominatorRule",
    "check_rule",
    "flag_shares",
    "group_columns",
    "known_mask",
    "rule_mask",
    "with_unknowns",
]

DenominatorRule = Literal["published", "ctdc"]
#: The two ways of treating a record with no flag set in a group, by name.
DENOMINATOR_RULES: dict[DenominatorRule, str] = {
    "published": "a missing flag counts as 0 (as published)",
    "ctdc": "records with no flag in the group are left out (CTDC rule)",
}


def check_rule(rule: object, /) -> DenominatorRule:
    """``rule`` itself if it names a denominator rule; else ``ValueError`` naming them.

    Examples
    --------
    >>> check_rule("ctdc")
    'ctdc'
    >>> check_rule("CTDC")
    Traceback (most recent call last):
    ...
    ValueError: the denominator rule must be 'published' or 'ctdc', not 'CTDC'.
    """
    if rule == "published":
        return "published"
    if rule == "ctdc":
        return "ctdc"
    raise ValueError(f"the denominator rule must be 'published' or 'ctdc', not {rule!r}.")


def group_columns(frame: pd.DataFrame, group: str, /) -> list[str]:
    """Flag columns of ``group`` present in ``frame`` (empty list if none).

    ``group`` is a key of :data:`core.data.schema.FLAG_GROUPS`; another raises
    ``ValueError`` naming them.
    """
    return flag_columns(frame.columns, group)


def known_mask(frame: pd.DataFrame, group: str | Sequence[str], /) -> np.ndarray:
    """Boolean array: True where at least one flag of the group is set.

    ``group`` is a group key (see :data:`core.data.schema.FLAG_GROUPS`) or a list of columns.

    Examples
    --------
    >>> df = pd.DataFrame({"isForcedLabour": [True, False, False],
    ...                    "isSexualExploit": [False, True, False]})
    >>> known_mask(df, "exploitation").tolist()
    [True, True, False]
    """
    columns = group_columns(frame, group) if isinstance(group, str) else list(group)
    if not columns:
        return np.zeros(len(frame), dtype=bool)
    return np.asarray(frame[columns].to_numpy(dtype=bool).any(axis=1), dtype=bool)


def rule_mask(
    frame: pd.DataFrame, group: str | Sequence[str], rule: DenominatorRule, /
) -> np.ndarray:
    """The records a share over ``group`` counts under ``rule``: all of them
    (``"published"``) or those with a flag of the group set (``"ctdc"``).

    Raises ``ValueError`` for any other rule name (see :func:`check_rule`).

    Examples
    --------
    >>> df = pd.DataFrame({"isForcedLabour": [True, False], "isSexualExploit": [False, False]})
    >>> rule_mask(df, "exploitation", "published").tolist(), rule_mask(df, "exploitation", "ctdc").tolist()
    ([True, True], [True, False])
    """
    if check_rule(rule) == "ctdc":
        return known_mask(frame, group)
    return np.ones(len(frame), dtype=bool)


def with_unknowns(frame: pd.DataFrame, group: str | Sequence[str], /) -> pd.DataFrame:
    """The group's flags as nullable booleans: NA where the record set no flag of the group.

    Examples
    --------
    >>> df = pd.DataFrame({"isForcedLabour": [True, False], "isSexualExploit": [False, False]})
    >>> with_unknowns(df, "exploitation")["isSexualExploit"].tolist()
    [False, <NA>]
    """
    columns = group_columns(frame, group) if isinstance(group, str) else list(group)
    known = known_mask(frame, columns)
    return pd.DataFrame(
        {c: pd.array(frame[c].to_numpy(dtype=bool), dtype="boolean") for c in columns},
        index=frame.index,
    ).where(
        pd.Series(known, index=frame.index),
        pd.NA,  # type: ignore[arg-type]  # pandas takes NA here; pandas-stubs do not list it
    )


def flag_shares(
    frame: pd.DataFrame,
    group: str | Sequence[str],
    /,
    *,
    by: str | None = None,
) -> pd.DataFrame:
    """Share of records with each flag among records with any flag of the group known.

    Parameters
    ----------
    frame
        The canonical frame (or a slice of it).
    group
        A flag group key or an explicit list of flag columns.
    by
        Optional column to split by (e.g. ``"gender"``); records with a missing value
        in it are left out. A name that is not a column raises ``ValueError``.

    Returns
    -------
    DataFrame
        Columns ``[by], flag, label, count, known, share`` where ``known`` is the
        denominator (records of the group/split with at least one flag set) and
        ``share = count / known`` (NaN where ``known`` is 0). Sorted by share, largest first
        (within each ``by`` value).

    Examples
    --------
    >>> df = pd.DataFrame({"isForcedLabour": [True, True, False, False],
    ...                    "isSexualExploit": [True, False, True, False]})
    >>> flag_shares(df, "exploitation")[["flag", "count", "known", "share"]].values.tolist()
    [['isForcedLabour', 2, 3, 0.6666666666666666], ['isSexualExploit', 2, 3, 0.6666666666666666]]
    """
    if by is not None and by not in frame.columns:
        raise ValueError(f"by must be None or a column of the frame, not {by!r}.")
    columns = group_columns(frame, group) if isinstance(group, str) else list(group)
    out_columns = ([by] if by else []) + ["flag", "label", "count", "known", "share"]
    if not columns:
        return pd.DataFrame(columns=out_columns)
    known = known_mask(frame, columns)
    flags = pd.DataFrame(frame[columns].to_numpy(dtype=bool)[known], columns=columns)
    if by is None:
        counts = flags.sum().astype(int)
        result = pd.DataFrame(
            {
                "flag": columns,
                "label": [flag_label(c) for c in columns],
                "count": counts.to_numpy(),
                "known": int(known.sum()),
            }
        )
    else:
        keys = frame[by].to_numpy()[known]
        flags[by] = keys
        flags = flags[pd.notna(keys)]
        grouped = flags.groupby(by, observed=True, sort=True)
        counts = grouped[columns].sum().astype(int)
        sizes = grouped.size()
        result = counts.reset_index().melt(id_vars=by, var_name="flag", value_name="count")
        result["known"] = result[by].map(sizes).astype(int)
        result["label"] = result["flag"].map(flag_label)
        result = result[out_columns[:-1]]
    result["share"] = np.where(
        result["known"] > 0, result["count"] / result["known"].clip(lower=1), np.nan
    )
    sort_cols = ([by] if by else []) + ["share"]
    ascending = ([True] if by else []) + [False]
    return result.sort_values(sort_cols, ascending=ascending, kind="stable").reset_index(drop=True)
