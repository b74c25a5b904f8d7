"""The protection steps of a country brief's tables, shared by its sections.

Every table of counts has a "not recorded" cell, so its cells add up to the records of
the perspective; :func:`protect_cells` withholds the counts from 1 to k - 1 and, by
complementary suppression (:func:`core.explore.protect.withhold_complementary`), the
cells that would give them back. :func:`smallest_shield` picks the further cell to
withhold where two tables are linked (the minor age bands add up to girls and boys, the
adult ones to women and men). The rest put the protected tables into words:
:func:`table_caption`, :func:`missing_count`, :func:`share_clause` and
:func:`largest_cell`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.explore.protect import withhold_complementary
from core.privacy import format_count, is_small, safe_share
from core.suppression import Suppression
from core.words import listed, share_text

__all__ = [
    "KNOWN",
    "MISSING",
    "OTHER",
    "largest_cell",
    "missing_count",
    "protect_cells",
    "share_clause",
    "smallest_shield",
    "table_caption",
]

#: The kind of each cell of a table: a recorded value, the "not recorded" cell, the rest.
KNOWN, MISSING, OTHER = "recorded", "not recorded", "other"


def protect_cells(
    categories: Sequence[str],
    kinds: Sequence[str],
    counts: Sequence[int],
    *,
    k: int,
    also_primary: np.ndarray | None = None,
    extra: dict[str, Sequence[object]] | None = None,
) -> tuple[pd.DataFrame, Suppression]:
    """A table of cells that add up to the records shown, protected; with shares of the
    recorded cells among the records with the field recorded.

    The shares are shown only when the "not recorded" cell is (the recorded total then
    follows from what is shown, so the share gives nothing more away).
    """
    table = pd.DataFrame(
        {"category": list(categories), "kind": list(kinds), "count": list(counts), **(extra or {})}
    )
    table["count"] = table["count"].astype(int)
    recorded_rows = (table["kind"] != MISSING).to_numpy()
    recorded = int(table.loc[recorded_rows, "count"].sum())
    primary = (
        np.zeros(len(table), dtype=bool)
        if also_primary is None
        else np.asarray(also_primary, dtype=bool).copy()
    )
    if is_small(recorded, k):
        primary[:] = True  # the missing cell would give the few recorded back
    out, suppression = withhold_complementary(
        table.assign(_all=0), k=k, count_columns=["count"], groups=[["_all"]], also_primary=primary
    )
    out = out.drop(columns=["_all"])
    missing_shown = not out.loc[~recorded_rows, "count"].isna().any()
    shares = out["count"] / recorded if recorded > 0 and missing_shown else np.nan
    out["share"] = pd.Series(shares, index=out.index, dtype=float).where(recorded_rows)
    return out, suppression


def table_caption(base: str, table: pd.DataFrame, suppression: Suppression | None) -> str:
    """``base``, then what ``suppression`` withheld and the categories not shown."""
    parts = [base]
    if suppression is not None and suppression.caption():
        hidden = table.loc[table["count"].isna(), "category"].astype(str).tolist()
        parts.append(suppression.caption())
        if hidden:
            parts.append(f"Not shown: {listed(hidden)}.")
    return " ".join(parts)


def missing_count(table: pd.DataFrame) -> float:
    """The table's "not recorded" cell (NaN when withheld, 0 when the table has none)."""
    rows = table.loc[table["kind"] == MISSING, "count"]
    return float(rows.iloc[0]) if len(rows) else 0.0


def share_clause(count: float, recorded: float, k: int, what: str) -> str:
    """': 43% of the 1,234 records with X recorded' when that may be said, else ''."""
    if (
        pd.isna(count)
        or pd.isna(recorded)
        or recorded < max(k, 1)
        or not safe_share(int(count), int(recorded), k)
    ):
        return ""
    return f": {share_text(count / recorded)} of the {format_count(recorded, k)} records {what}"


def largest_cell(table: pd.DataFrame) -> pd.Series | None:
    """The recorded cell with the most records shown (ties by category), else None."""
    visible = table[(table["kind"] == KNOWN) & table["count"].notna() & (table["count"] > 0)]
    if visible.empty:
        return None
    order = visible.assign(_neg=-visible["count"]).sort_values(["_neg", "category"], kind="stable")
    return order.iloc[0]


def smallest_shield(counts: Sequence[int], rows: Sequence[bool]) -> np.ndarray:
    """The smallest non-zero cell among ``rows``, to withhold (none when all are 0)."""
    out = np.zeros(len(counts), dtype=bool)
    candidates = [i for i, (c, r) in enumerate(zip(counts, rows, strict=True)) if r and c > 0]
    if candidates:
        out[min(candidates, key=lambda i: counts[i])] = True
    return out
