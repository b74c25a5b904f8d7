"""The ``audit`` command: ``python -m core audit FILE [--k K] [--slices N]``.

For a data owner: attacks every screen and export of at least N slices of their own
file (see :mod:`core.audit`) and says, in plain sentences, how much was checked and
which withheld cells, if any, can be pinned from what their own screen shows. The
true small values are never printed. Exit code 0 when nothing can be recovered, 1 when
something can; an unusable file prints ``error: ...`` and exits 2 (through
:func:`core.cli.main.main`).
"""

from __future__ import annotations

import argparse

from core.audit import AuditResult, audit
from core.audit.slices import MIN_SLICES
from core.cli import threshold_in_force
from core.data.load import load_cached

__all__ = ["configure", "report", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core audit``."""
    parser.description = (
        "Try to recover every withheld count of every screen and export from what the "
        "same screen shows, over many filter settings of a CTDC data file."
    )
    parser.add_argument("file", metavar="FILE", help="a CTDC data file")
    parser.add_argument(
        "--k",
        type=int,
        default=None,
        help="the threshold to audit (default and minimum: CTDC_MIN_K, else 10)",
    )
    parser.add_argument(
        "--slices",
        type=int,
        default=MIN_SLICES,
        help=f"how many filter settings to check, at least (default {MIN_SLICES})",
    )


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def report(result: AuditResult, /, *, k: int) -> list[str]:
    """The sentences the command prints (no true value of a withheld cell among them).

    Examples
    --------
    >>> report(AuditResult(slices=1, screens=8, cells=120, withheld=3), k=10)[-1]
    'No withheld count can be recovered from what its own screen or export shows.'
    """
    lines = [
        f"Checked {_plural(result.slices, 'filter setting')} ({_plural(result.screens, 'screen')}"
        f" and export{'s' if result.screens != 1 else ''}), {_plural(result.cells, 'number')} "
        f"in all, at k = {k}.",
        f"{_plural(result.withheld, 'withheld count')} below {k} "
        f"{'was' if result.withheld == 1 else 'were'} attacked with the sums, shares, odds "
        "and model coefficients shown beside them.",
    ]
    if not result.findings:
        lines.append("No withheld count can be recovered from what its own screen or export shows.")
        return lines
    n = len(result.findings)
    lines.append(
        f"{_plural(n, 'withheld count')} can be pinned to "
        f"{'its exact value' if n == 1 else 'their exact values'} (no value is printed):"
    )
    for finding in result.findings:
        routes = "; ".join(finding.recovery.kinds)
        lines.append(
            f"- {finding.recovery.screen}, filter '{finding.slice.name}': "
            f"{finding.recovery.cell} can be pinned (from: {routes})."
        )
    lines.append(
        "Do not publish these screens for such filters until the protection is fixed; "
        "please report the lines above to the maintainers."
    )
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code (0: nothing recoverable, 1: some)."""
    k = threshold_in_force(args.k)
    if args.slices < 1:
        print("error: --slices must be a whole number of at least 1.")
        return 2
    frame = load_cached(args.file).frame
    if frame.empty:
        print("error: the file holds no records, so there is nothing to audit.")
        return 2
    result = audit(frame, k=k, n_slices=args.slices)
    for line in report(result, k=k):
        print(line)
    return 1 if result.findings else 0
