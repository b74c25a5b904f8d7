"""Separation: when a logit's maximum-likelihood estimates are infinite, and where.

A cell where no record (or every record) has the outcome pushes some estimates to
infinity; the numbers a fit prints for them are then meaningless. :func:`check_separation`
finds this after a maximum-likelihood fit, and :class:`Separation` says it in words (its
record counts through :func:`core.privacy.format_count`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.privacy import format_count
from core.risk.words import cell_name, outcome_phrase
from core.words import listed

if TYPE_CHECKING:
    from core.risk.model import Design

__all__ = ["Separation", "check_separation"]

# Beyond these, estimates are "exploding": a sign of (quasi-)separation.
_EXPLODED_ESTIMATE = 10.0
_EXPLODED_SE = 5.0


@dataclass(frozen=True)
class Separation:
    """Whether the maximum-likelihood estimates are infinite (or explode), and where.

    ``edge_cells`` holds ``(cell name, records, "none" | "all")`` for cells where no
    record, or every record, has the outcome; ``infinite_labels`` the plain labels of
    the terms whose estimates are infinite (linear-programming check of Konis 2007).
    """

    detected: bool
    infinite_terms: tuple[str, ...] = ()
    infinite_labels: tuple[str, ...] = ()
    edge_cells: tuple[tuple[str, int, str], ...] = ()
    exploded: bool = False

    def sentences(self, outcome: str, /, *, k: int = 1) -> list[str]:
        """The problem in words; record counts 1..k-1 are shown as '<k'.

        Examples
        --------
        >>> Separation(True, edge_cells=(("boys", 4, "none"),)).sentences("isSexualExploit", k=10)
        ['None of the <10 records of boys are in sexual exploitation.']
        >>> Separation(True, edge_cells=(("boys", 1, "all"),)).sentences("isSexualExploit")
        ['The only record of boys is in sexual exploitation.']
        """
        if not self.detected:
            return []
        phrase = outcome_phrase(outcome)
        out = []
        for name, n, kind in self.edge_cells:
            if format_count(n, k) == "1":
                negation = "not " if kind == "none" else ""
                out.append(f"The only record of {name} is {negation}{phrase}.")
            elif kind == "none":
                out.append(f"None of the {format_count(n, k)} records of {name} are {phrase}.")
            else:
                out.append(f"All {format_count(n, k)} records of {name} are {phrase}.")
        if self.infinite_labels:
            one = len(self.infinite_labels) == 1
            out.append(
                f"The maximum-likelihood estimate{'' if one else 's'} of "
                + listed(list(self.infinite_labels))
                + f" {'is' if one else 'are'} infinite (separation); the numbers shown for "
                + f"{'it are' if one else 'them are'} meaningless."
            )
        elif self.exploded:
            out.append(
                "Some estimates are extremely large or uncertain, a sign that the "
                "records cannot pin them down."
            )
        return out


def check_separation(
    design: Design,
    cells: pd.DataFrame,
    params: np.ndarray,
    cov: np.ndarray,
    converged: bool,
    /,
) -> Separation:
    """Whether a maximum-likelihood fit on ``cells`` suffers from (quasi-)separation.

    Three signs, any of which is enough: the linear-programming check of
    ``firthmodels.detect_separation`` finds infinite estimates; the fit did not
    converge; or an estimate (or its standard error) is beyond what finite data give
    (|estimate| > 10, SE > 5). The cells with no events, or only events, are listed.

    Parameters
    ----------
    design
        The fit's design (:class:`core.risk.model.Design`).
    cells
        The fit's cells: predictor columns, ``n`` and ``events``.
    params, cov, converged
        The maximum-likelihood estimates, their covariance, and whether the fit converged.

    Examples
    --------
    >>> from core.risk.model import Design
    >>> d = Design(("gender",), False, {"gender": ("Female", "Male")})
    >>> cells = pd.DataFrame({"gender": ["Female", "Male"], "n": [10, 8], "events": [4, 0]})
    >>> s = check_separation(d, cells, np.array([-0.4, -30.0]), np.diag([0.2, 1e6]), True)
    >>> s.detected, s.infinite_terms, s.edge_cells
    (True, ('gender[Male]',), (('men and boys', 8, 'none'),))
    """
    edges = []
    for _, row in cells.iterrows():
        if row["events"] == 0 or row["events"] == row["n"]:
            kind = "none" if row["events"] == 0 else "all"
            edges.append((cell_name(row, design.predictors), int(row["n"]), kind))
    infinite: tuple[str, ...] = ()
    X = design.matrix(cells)
    try:
        from firthmodels import detect_separation

        has_event = cells["events"].to_numpy() > 0
        has_non_event = (cells["n"] - cells["events"]).to_numpy() > 0
        support_x = np.vstack([X[has_event], X[has_non_event]])
        support_y = np.concatenate(
            [np.ones(int(has_event.sum())), np.zeros(int(has_non_event.sum()))]
        )
        result = detect_separation(support_x, support_y, fit_intercept=False)
        infinite = tuple(
            t for t, finite in zip(design.terms, result.is_finite, strict=True) if not finite
        )
        lp_detected = bool(result.separation)
    except ImportError:  # pragma: no cover - without firthmodels, rely on the other signs
        lp_detected = False
    bse = np.sqrt(np.clip(np.diag(cov), 0, None))
    exploded = (
        not converged
        or bool(np.any(np.abs(params) > _EXPLODED_ESTIMATE))
        or bool(np.any(~np.isfinite(bse)) or np.any(bse > _EXPLODED_SE))
    )
    detected = lp_detected or bool(infinite) or exploded
    return Separation(
        detected=detected,
        infinite_terms=infinite,
        infinite_labels=tuple(design.term_label(t) for t in infinite),
        edge_cells=tuple(edges) if detected else (),
        exploded=exploded,
    )
