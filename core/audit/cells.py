"""What every screen collector shares: shown values, exports and common relations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from core.audit.attack import Screen
from core.privacy import is_small, protect


def _shown_count(n: float, k: int) -> float | None:
    """A count as :func:`core.privacy.format_count` shows it (None when withheld)."""
    return None if is_small(n, k) else float(n)


def _value(table: pd.DataFrame, i: int, column: str) -> float | None:
    if column not in table.columns:
        return None
    number = pd.to_numeric(pd.Series([table[column].iloc[i]]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


def _export(table: pd.DataFrame, counts: Sequence[str], dependent: Sequence[str], k: int):
    """The CSV form of a table as :mod:`core.app.outputs` writes it (small counts empty)."""
    return protect(
        table,
        count_columns=[c for c in counts if c in table.columns],
        k=k,
        dependent_columns=[c for c in dependent if c in table.columns],
        for_export=True,
    )


def _add_records(screen: Screen, frame: pd.DataFrame, k: int) -> str:
    """The page header's "records in view"."""
    return screen.number("records in view", len(frame), _shown_count(len(frame), k))


def _equal(screen: Screen, keys: Sequence[str], kind: str) -> None:
    """The cells ``keys`` hold one number (a denominator repeated on every row)."""
    for other in keys[1:]:
        screen.relate({keys[0]: 1.0, other: -1.0}, 0.0, kind)


def _cells_of_total(
    screen: Screen,
    keys: Sequence[dict[str, str]],
    rows: Iterable[int],
    shown: pd.DataFrame,
    *,
    repeated: str,
    adds_up: str,
) -> str:
    """One group of a table's rows: its ``known`` repeated on each row (``repeated``),
    its counts adding up to it (``adds_up``), each share times it; returns its key."""
    rows = [int(i) for i in rows]
    knowns = [keys[i]["known"] for i in rows]
    _equal(screen, knowns, repeated)
    screen.add_sum([keys[i]["count"] for i in rows], knowns[0], adds_up)
    for i in rows:
        screen.add_ratio(
            keys[i]["count"], [keys[i]["known"]], _value(shown, i, "share"), "share x denominator"
        )
    return knowns[0]


def _text(value: str | None) -> float | None:
    if value is None:
        return None
    number = pd.to_numeric(pd.Series([str(value).replace(",", "")]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


def _aligned(shown: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame | None:
    """The shown table in the row order of the true one (matched by its label column);
    None when the two do not hold the same rows."""
    shown = shown.reset_index(drop=True)
    if len(shown) != len(truth):
        return None
    for column in ("flag", "category"):
        if column in truth.columns and column in shown.columns:
            order = {str(v): i for i, v in enumerate(shown[column])}
            found = [order.get(str(v)) for v in truth[column]]
            positions = [p for p in found if p is not None]
            if len(positions) != len(found) or len(set(positions)) != len(positions):
                return None
            return shown.iloc[positions].reset_index(drop=True)
    return shown
