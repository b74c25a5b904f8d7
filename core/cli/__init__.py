"""Headless commands (``python -m core ...``)."""

from __future__ import annotations

import sys

from core.privacy import effective_k, floor_k


def threshold_in_force(requested: object, /) -> int:
    """The small-count threshold for ``--k``, with a note on stderr when it was raised
    (to the floor, :func:`core.privacy.floor_k`, or from a value that is not a number)."""
    k, raised = effective_k(requested, floor_k())
    if raised:
        print(
            f"note: counts below {k} are never shown; --k {requested} was raised to {k}.",
            file=sys.stderr,
        )
    return k
