"""The disclosure audit: attack every screen and export of many slices of one file.

:func:`audit` lists the slices (:mod:`core.audit.slices`), collects every table each page
shows or exports for each of them (:mod:`core.audit.collect`) and tries to recover each
withheld count from the relations of its own screen (:mod:`core.audit.attack`).
``python -m core audit FILE`` runs it for a data owner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from core.audit.attack import Recovery, attack_screen
from core.audit.collect import screens
from core.audit.slices import MIN_SLICES, Slice, slices

__all__ = ["AuditResult", "Finding", "audit"]


@dataclass(frozen=True)
class Finding:
    """One recoverable cell: the slice it was found on and the recovery."""

    slice: Slice
    recovery: Recovery


@dataclass
class AuditResult:
    """How much was checked and what was found."""

    slices: int = 0
    screens: int = 0
    cells: int = 0
    withheld: int = 0
    findings: list[Finding] = field(default_factory=list)


def audit(
    frame: pd.DataFrame,
    /,
    *,
    k: int,
    n_slices: int = MIN_SLICES,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> AuditResult:
    """Attack every screen of at least ``n_slices`` slices of ``frame`` at threshold ``k``.

    ``cells`` counts every count cell collected, ``withheld`` the withheld ones whose true
    value is 1..k-1 (each was bounded by linear programming).
    """
    result = AuditResult()
    listed = slices(frame, n=n_slices, seed=seed)
    for i, piece in enumerate(listed):
        part = piece.of(frame)
        result.slices += 1
        # the command's files are attacked on the slices that stand for a file a data
        # owner might run it on (all records, one country, one group), not one year
        commands = piece.kind not in ("year", "random combination")
        for screen in screens(part, k, frame, commands=commands):
            result.screens += 1
            result.cells += len(screen.truth)
            found, checked = attack_screen(screen, k=k)
            result.withheld += checked
            result.findings += [Finding(piece, r) for r in found]
        if progress is not None:
            progress(i + 1, len(listed))
    return result
