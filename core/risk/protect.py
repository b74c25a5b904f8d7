"""Disclosure control for the logit models: what a model's tables may show at threshold k.

A group (or model cell) with records, events or non-events between 1 and k - 1 is
withheld with everything from which its counts follow: its records, events and
non-events, its log-odds, odds, probability and interval, and the coefficients that
determine it. Because the model's totals (records, events) are shown, a single withheld
group could be recovered as total minus the others, so a second group is withheld to
protect it (secondary suppression, the smallest other group).

Coefficients: in a *saturated* maximum-likelihood model (one parameter per cell) the
estimates are linear in the cells' log-odds, ``b = X^-1 logit(e / n)``, and their
standard errors are ``sqrt(sum_c X^-1[t, c]^2 (1/e_c + 1/(n_c - e_c)))``, so a term
reveals exactly the cells with a non-zero weight in its row of ``X^-1``; those terms are
withheld and the rest kept. In any other model (main effects only, or Firth-penalised)
every estimate and every fitted value depends on all cells at once (through the score
equations and the information matrix), so when any cell is withheld the whole
coefficient table and every group's model estimates are withheld. In a model whose cells
hold several groups (majority only, gender only), each cell's sum is known (from its
coefficients, or as the total minus the other cells), so each cell is a margin like the
total, and a cell that must stay hidden withholds all of the model's estimates.

Withheld cells are empty (NaN): the export form, which is also what the screen shows
(blank) beside a caption saying how many were withheld.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.privacy import MODEL_COUNTS, small_mask, suppression_caption, withheld_reason
from core.risk.model import LogitFit
from core.risk.records import PREDICTORS
from core.risk.separation import Separation
from core.risk.tables import coefficient_table, group_table, stack_group_tables
from core.risk.words import cell_name

__all__ = [
    "COEFFICIENT_STATS",
    "COUNT_COLUMNS",
    "ESTIMATE_COLUMNS",
    "TERM_COLUMNS",
    "ProtectedModel",
    "blank_withheld",
    "protect_model",
    "protected_overview",
    "safe_separation_sentences",
    "withheld_groups",
]

COUNT_COLUMNS = ("n", "events", "non_events")
ESTIMATE_COLUMNS = ("log_odds", "odds", "probability", "probability_ci_low", "probability_ci_high")
#: A coefficient's statistics, as a fit's coefficient table and the models command give them.
COEFFICIENT_STATS = ("estimate", "std_error", "z", "p_value", "ci_low", "ci_high")
TERM_COLUMNS = (
    *COEFFICIENT_STATS,
    "odds_change_pct",
    "odds_change_ci_low",
    "odds_change_ci_high",
)


@dataclass(frozen=True)
class ProtectedModel:
    """A fit's group and coefficient tables with the withheld cells empty.

    ``primary`` and ``secondary`` name the withheld groups (small counts; withheld to
    protect another), for tests and checks only: nothing shown or exported tells them
    apart (:attr:`withheld`, :meth:`caption`); ``terms_withheld`` the withheld coefficient terms;
    ``estimates_withheld`` is True when every group's model estimates are withheld.
    """

    fit: LogitFit
    groups: pd.DataFrame
    coefficients: pd.DataFrame
    primary: tuple[str, ...]
    secondary: tuple[str, ...]
    terms_withheld: tuple[str, ...]
    estimates_withheld: bool
    k: int
    cells_withheld: tuple[str, ...] = ()

    @property
    def withheld(self) -> tuple[str, ...]:
        """Every withheld group, in the order of the group table (the small ones are not
        told apart from those protecting them)."""
        names = set(self.primary) | set(self.secondary)
        if "group" in self.groups.columns:
            return tuple(g for g in self.groups["group"].astype(str) if g in names)
        return tuple(sorted(names))

    def caption(self) -> str:
        """One sentence saying what is withheld ('' when nothing is).

        The same words for a group with a small count and for one withheld to protect it
        (:func:`core.privacy.suppression_caption`): which is which must not show.

        Examples
        --------
        >>> import pandas as pd
        >>> p = ProtectedModel(None, pd.DataFrame(), pd.DataFrame(), ("Men",), ("Boys",),
        ...                    ("gender[Male]",), False, 10)
        >>> p.caption()
        '2 groups withheld: each holds a small count (fewer than 10 records, events or non-events) or would reveal one. Also withheld: 1 coefficient that rests on them. Withheld cells are blank.'
        >>> ProtectedModel(None, pd.DataFrame(), pd.DataFrame(), ("Men",), (),
        ...                ("gender[Male]", "Intercept"), False, 10).caption()
        '1 group withheld: it holds a small count (fewer than 10 records, events or non-events) or would reveal one. Also withheld: 2 coefficients that rest on it. Withheld cells are blank.'
        >>> ProtectedModel(None, pd.DataFrame(), pd.DataFrame(), (), (),
        ...                ("Intercept",), False, 10).caption()
        '1 coefficient withheld: it rests on a model cell that holds a small count (fewer than 10 records, events or non-events) or would reveal one. Withheld cells are blank.'
        """
        if not self.withheld and not self.terms_withheld:
            return ""
        count = len(self.withheld)
        text = suppression_caption(count, k=self.k, noun="group", counts=MODEL_COUNTS)
        if self.estimates_withheld:
            text += (
                " Also withheld: every model estimate and coefficient of this model, because "
                "each of them depends on all groups."
            )
        elif self.terms_withheld and not count:  # a model cell is withheld, no group
            m = len(self.terms_withheld)
            text = (
                f"{m} coefficient{'s' if m != 1 else ''} withheld: "
                f"{'they rest' if m != 1 else 'it rests'} on a model cell that "
                f"{withheld_reason(self.k, counts=MODEL_COUNTS)}."
            )
        elif self.terms_withheld:
            m = len(self.terms_withheld)
            plural = m != 1
            text += (
                f" Also withheld: {m} coefficient{'s' if plural else ''} that "
                f"rest{'' if plural else 's'} on {'them' if count != 1 else 'it'}."
            )
        return f"{text} Withheld cells are blank.".strip()


def _row_keys(rows: pd.DataFrame, predictors: tuple[str, ...]) -> list[tuple[str, ...]]:
    columns = []
    for p in predictors:
        column = PREDICTORS[p][0]
        columns.append(
            "majority_status" if column == "majority" and column not in rows.columns else column
        )
    return [tuple(str(v) for v in values) for values in rows[columns].itertuples(index=False)]


def protect_model(fit: LogitFit, /, *, k: int) -> ProtectedModel:
    """Withhold every cell of ``fit``'s tables from which a count 1..k-1 would follow.

    Examples
    --------
    A saturated gender x majority model where men have 1 event of 216:

    >>> import pandas as pd
    >>> from core.risk.model import ModelSpec, fit_model
    >>> cells = {("Female", "Adult"): (60, 40), ("Female", "Minor"): (200, 30),
    ...          ("Male", "Minor"): (40, 15), ("Male", "Adult"): (216, 1)}
    >>> rows = [{"gender": g, "majority": m, "y": i < e}
    ...         for (g, m), (n, e) in cells.items() for i in range(n)]
    >>> r = pd.DataFrame(rows)
    >>> fit = fit_model(r.assign(isSexualExploit=r["y"]),
    ...                 ModelSpec("isSexualExploit", ("gender", "majority"), interaction=True))
    >>> p = protect_model(fit, k=10)
    >>> p.primary, p.secondary, p.terms_withheld
    (('Men',), ('Boys',), ('gender[Male]', 'gender[Male]:majority[Minor]'))
    >>> p.groups["n"].tolist()
    [200.0, 60.0, nan, nan]
    """
    groups = group_table(fit).reset_index(drop=True)
    coefficients = coefficient_table(fit)
    predictors = tuple(fit.design.predictors)
    n = groups["n"].to_numpy(dtype=float)
    present = n > 0
    primary = np.zeros(len(groups), dtype=bool)
    for column in COUNT_COLUMNS:
        primary |= small_mask(groups[column].to_numpy(), k)
    primary &= present

    cells = fit.cells.reset_index(drop=True)
    cell_keys = _row_keys(cells, predictors)
    row_keys = _row_keys(groups, predictors)
    members = [np.array([key == cell for key in row_keys]) for cell in cell_keys]
    rows_are_cells = all(m.sum() <= 1 for m in members) and len(cell_keys) == len(groups)
    cell_small = np.zeros(len(cells), dtype=bool)
    for _column, values in (
        ("n", cells["n"]),
        ("events", cells["events"]),
        ("non_events", cells["n"] - cells["events"]),
    ):
        cell_small |= small_mask(values.to_numpy(), k)

    withheld = primary.copy()
    cell_hidden = cell_small.copy()
    changed = True
    while changed:
        changed = False
        if rows_are_cells:
            for j, m in enumerate(members):
                if (m & withheld).any() and not cell_hidden[j]:
                    cell_hidden[j] = True
        # Every cell's sum is known: from its coefficients, or as the total minus the other
        # cells. Cells first: the group that protects a lone small one inside its cell
        # also protects it from the total.
        margins = [] if rows_are_cells else [m & present for m in members]
        total = present.copy()
        margins.append(total)
        for margin in margins:
            inside = margin & withheld
            if inside.sum() != 1:
                continue
            others = np.flatnonzero(margin & ~withheld)
            if len(others):
                pick = others[np.argmin(n[others])]
                withheld[pick] = True
                changed = True
            elif margin is not total:  # a cell with one group: its sum is that group
                j = next(j for j, m in enumerate(members) if ((m & present) == margin).all())
                changed |= not cell_hidden[j]
                cell_hidden[j] = True
        # A small model cell holding several groups follows as the header's total minus
        # the groups outside it, unless one of those is withheld too.
        for j in [] if rows_are_cells else np.flatnonzero(cell_small).tolist():
            outside = present & ~members[j]
            others = np.flatnonzero(outside & ~withheld)
            if outside.any() and not (outside & withheld).any() and len(others):
                withheld[others[np.argmin(n[others])]] = True
                changed = True
    secondary = withheld & ~primary

    saturated = len(fit.terms) == len(cells) and fit.method == "ml"
    any_hidden = bool(withheld.any() or cell_hidden.any())
    # a model whose cells hold several groups (majority only, gender only): a cell that
    # must stay hidden would still follow as the total minus the other cells, so none of
    # its estimates is shown
    estimates_withheld = any_hidden and (
        not saturated or (not rows_are_cells and bool(cell_hidden.any()))
    )
    if estimates_withheld:
        terms_mask = np.ones(len(fit.terms), dtype=bool)
    elif cell_hidden.any():
        inverse = np.linalg.inv(fit.design.matrix(cells))
        terms_mask = np.asarray((np.abs(inverse[:, cell_hidden]) > 1e-9).any(axis=1))
    else:
        terms_mask = np.zeros(len(fit.terms), dtype=bool)

    estimate_rows = withheld.copy()
    if estimates_withheld:
        estimate_rows |= present
    else:
        for j, m in enumerate(members):
            if cell_hidden[j]:
                estimate_rows |= m

    groups_out = groups.copy()
    if withheld.any():  # whole numbers stay whole where nothing is withheld
        for column in COUNT_COLUMNS:
            groups_out[column] = groups_out[column].astype(float)
    groups_out.loc[withheld, list(COUNT_COLUMNS)] = np.nan
    groups_out.loc[estimate_rows, list(ESTIMATE_COLUMNS)] = np.nan
    coefficients_out = coefficients.copy()
    coefficients_out.loc[terms_mask, list(TERM_COLUMNS)] = np.nan
    names = groups["group"].astype(str).to_numpy()
    return ProtectedModel(
        fit=fit,
        groups=groups_out,
        coefficients=coefficients_out,
        primary=tuple(names[primary]),
        secondary=tuple(names[secondary]),
        terms_withheld=tuple(t for t, hide in zip(fit.terms, terms_mask, strict=True) if hide),
        estimates_withheld=estimates_withheld,
        k=k,
        cells_withheld=tuple(
            cell_name(row, predictors) for _, row in cells[cell_hidden].iterrows()
        ),
    )


def protected_overview(models: list[ProtectedModel], /) -> pd.DataFrame:
    """The protected group tables stacked, the outcome's label first (as overview_table)."""
    return stack_group_tables([(m.groups, m.fit) for m in models])


def safe_separation_sentences(model: ProtectedModel, /) -> list[str]:
    """The separation sentences without the groups and terms that are withheld.

    A withheld group on the edge (no events, or all) is not named: that it has 0 events
    (or 0 non-events) would, with the totals, give away the other withheld group.
    """
    separation = model.fit.separation
    if not separation.detected:
        return []
    hidden = {name.lower() for name in model.withheld} | set(model.cells_withheld)
    edges = tuple(
        e for e in separation.edge_cells if e[0] not in hidden and not model.estimates_withheld
    )
    shown_terms = [
        (t, label)
        for t, label in zip(separation.infinite_terms, separation.infinite_labels, strict=True)
        if t not in model.terms_withheld
    ]
    removed = len(edges) < len(separation.edge_cells) or len(shown_terms) < len(
        separation.infinite_terms
    )
    safe = Separation(
        True,
        tuple(t for t, _ in shown_terms),
        tuple(lb for _, lb in shown_terms),
        edges,
        separation.exploded or (removed and not shown_terms),
    )
    return safe.sentences(model.fit.spec.outcome, k=model.k)


def blank_withheld(table: pd.DataFrame, /) -> pd.DataFrame:
    """Numeric columns with an empty (withheld) cell as objects, so the screen shows a blank.

    Examples
    --------
    >>> blank_withheld(pd.DataFrame({"a": [1.0, None], "b": [2.0, 3.0]})).dtypes.tolist()
    [dtype('O'), dtype('float64')]
    """
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) and out[column].isna().any():
            out[column] = out[column].astype(object)
    return out


def withheld_groups(*fits: LogitFit | None, k: int) -> tuple[str, ...]:
    """The groups :func:`protect_model` withholds in any of ``fits`` (None is skipped)."""
    names: list[str] = []
    for fit in fits:
        if fit is not None:
            names += [g for g in protect_model(fit, k=k).withheld if g not in names]
    return tuple(names)
