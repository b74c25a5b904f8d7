"""The attack: which withheld counts of one screen follow from what that screen shows.

A :class:`Screen` holds every number one screen (or one export) shows, as *cells*: each
cell has its true value (computed from the slice) and its shown value (None when it is
withheld). Cells that no table shows but that an attacker would like to know (the rest
``known - count`` of a tactic, the non-events of a group, the records without a year)
are cells too, never shown. A :class:`Relation` is a linear equation the attacker knows
to hold between cells::

    sum_i  coefficient_i * cell_i  =  rhs

What is attacked (every relation is built by :mod:`core.audit.collect` from the
tables themselves, never from the truth):

- **sums**: a row's or a column's cells add up to its total (a denominator shown
  beside them, a pooled row, the records in view, the records with a year, a model's
  records and events), within one table and across the tables of one screen;
- **shares x visible denominators**: a share s beside its denominator d gives
  ``count - s * d = 0`` (also when d itself is withheld: the equation still ties them);
- **odds and probabilities x visible n**: ``events - odds * non_events = 0`` and
  ``events - p * (events + non_events) = 0``;
- **saturated logits**: in a maximum-likelihood model with one parameter per cell the
  estimates are ``b = X^-1 logit`` and the squared standard errors
  ``sum_c X^-1[t, c]^2 (1/e_c + 1/ne_c)``, so the shown terms pin some cells' log-odds
  and variances, and each such cell's events and non-events follow in closed form
  (:func:`saturated_relations`).

Every unknown cell is at least 0. Each withheld cell whose true value is 1..k-1 is
bounded by linear programming (:func:`scipy.optimize.linprog`, HiGHS): minimise and
maximise it subject to every relation of its connected part of the screen. It is a
**recovery** when the interval is narrower than 1 and holds a single integer in 1..k-1.

What is not attacked: two different filter settings side by side (differencing), two
different screens or widget settings combined (each page is read at its default
settings), integer reasoning beyond the interval (e.g. parity), shares rounded for the
screen (Home's percentages, the clusters' "Share (%)"; exports with exact shares are
used), the fitted values of non-saturated models (they depend on all cells at once and
are withheld whole when any cell is), the smoothing methods' forecasts and the bands
(naive and drift forecasts, linear in the counts, are attacked in the forecast
command's files: :mod:`core.audit.command_screens`), trend lines, the 3D and scatter
charts of single records (the clusters page's own coverage rule covers them), and the
words of a sentence beyond the numbers collected. Unshown cells that only bound others
(flows outside the top countries, records of a year with none of the types) are not
attacked themselves (:attr:`Screen.slack`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog

__all__ = [
    "Recovery",
    "Relation",
    "Screen",
    "attack_screen",
    "saturated_relations",
]

#: Slack of an equation built from exact counts and shares computed from them.
EXACT = 1e-6
#: Slack of an equation built from fitted coefficients (iterative fits, ~1e-8 relative).
FITTED = 1e-3


@dataclass(frozen=True)
class Relation:
    """``sum(coefficient * cell) = rhs`` over cell keys; ``kind`` names the route.

    The equation holds to ``slack * max(1, |rhs|)`` (rhs once the shown cells are moved
    to it) plus ``rounding``: half a unit of the last decimal a shown number was rounded
    to (a forecast written to 0.01), which does not shrink with the rhs.
    """

    terms: Mapping[str, float]
    rhs: float
    kind: str
    slack: float = EXACT
    rounding: float = 0.0


@dataclass(frozen=True)
class Recovery:
    """One withheld count that the shown numbers pin: where, and by which routes.

    The pinned value is deliberately not kept: a report never prints it.
    """

    screen: str
    cell: str
    kinds: tuple[str, ...]


@dataclass
class Screen:
    """Everything one screen or one export shows, as cells and relations."""

    name: str
    truth: dict[str, float] = field(default_factory=dict)
    shown: dict[str, float | None] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Unshown cells that only bound others (e.g. flows outside the top countries): a
    #: small value of theirs is no disclosure, so they are not attacked themselves.
    slack: set[str] = field(default_factory=set)

    # ------------------------------------------------------------------ cells
    def cell(self, key: str, truth: float, shown: float | None) -> str:
        """Add (or overwrite) one cell; ``shown`` None or NaN means withheld."""
        self.truth[key] = float(truth)
        value = None if shown is None or _isnan(shown) else float(shown)
        self.shown[key] = value
        return key

    def number(self, name: str, truth: float, shown: float | None) -> str:
        """A number of the screen outside any table (records in view, a caption's n)."""
        return self.cell(f"{name}", truth, shown)

    def hidden(self, name: str, truth: float, *, attack: bool = True) -> str:
        """A cell no table shows (a rest, a group's non-events); ``attack=False`` for
        one that only bounds the others (at least 0)."""
        key = self.cell(name, truth, None)
        if not attack:
            self.slack.add(key)
        return key

    def table(
        self,
        name: str,
        shown: pd.DataFrame,
        truth: pd.DataFrame,
        columns: Sequence[str],
    ) -> list[dict[str, str]]:
        """Add a table's count columns as cells; returns per row the key of each column.

        ``shown`` and ``truth`` have the same rows in the same order (withheld: NaN).
        """
        self.tables[name] = shown
        keys: list[dict[str, str]] = []
        shown = shown.reset_index(drop=True)
        truth = truth.reset_index(drop=True)
        for i in range(len(shown)):
            row: dict[str, str] = {}
            for column in columns:
                key = f"{name} | row {i + 1} | {column}"
                row[column] = self.cell(
                    key, _num(truth[column].iloc[i]), _num(shown[column].iloc[i])
                )
            keys.append(row)
        return keys

    # ------------------------------------------------------------------ relations
    def relate(
        self,
        terms: Mapping[str, float],
        rhs: float,
        kind: str,
        slack: float = EXACT,
        rounding: float = 0.0,
    ) -> None:
        """Add one equation (terms with a zero coefficient are dropped)."""
        terms = {k: float(v) for k, v in terms.items() if v != 0}
        if terms:
            self.relations.append(Relation(terms, float(rhs), kind, slack, rounding))

    def add_sum(self, parts: Iterable[str], total: str | float, kind: str) -> None:
        """The cells ``parts`` add up to ``total`` (a cell key, or a known number)."""
        terms: dict[str, float] = {}
        for part in parts:
            terms[part] = terms.get(part, 0.0) + 1.0
        if isinstance(total, str):
            terms[total] = terms.get(total, 0.0) - 1.0
            self.relate(terms, 0.0, kind)
        else:
            self.relate(terms, float(total), kind)

    def add_rest(self, part: str, total: str, kind: str, *, attack: bool = True) -> str:
        """The rest ``total - part`` as a hidden cell (so a small rest is attacked too)."""
        rest = self.hidden(
            f"{total} minus {part}", self.truth[total] - self.truth[part], attack=attack
        )
        self.add_sum([part, rest], total, kind)
        return rest

    def add_ratio(
        self, numerator: str, denominator: Sequence[str], ratio: float | None, kind: str
    ) -> None:
        """``numerator = ratio * sum(denominator)`` when the ratio is shown."""
        if ratio is None or _isnan(ratio) or not math.isfinite(float(ratio)):
            return
        terms: dict[str, float] = {numerator: 1.0}
        for key in denominator:
            terms[key] = terms.get(key, 0.0) - float(ratio)
        self.relate(terms, 0.0, kind)


def _isnan(value: object) -> bool:
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _num(value: object) -> float:
    """A table value as a float (NaN for withheld text such as '<10')."""
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return float("nan") if pd.isna(number) else float(number)


# --------------------------------------------------------------------------- saturated logits
def saturated_relations(
    screen: Screen,
    *,
    inverse: np.ndarray,
    estimates: Sequence[float | None],
    std_errors: Sequence[float | None],
    events: Sequence[str],
    non_events: Sequence[str],
    kind: str = "saturated logit",
) -> None:
    """Add the closed forms of a saturated logit's shown terms.

    ``inverse`` is the inverse of the model's cell design matrix (cells x terms, square),
    ``events`` / ``non_events`` the keys of each cell's counts. A cell's log-odds is
    determined when its unit vector lies in the span of the rows of ``inverse`` whose
    estimate is shown; its variance ``1/e + 1/ne`` likewise from the shown squared
    standard errors and ``inverse ** 2``. A determined log-odds L gives
    ``e - exp(L) ne = 0``; with the variance V too, ``e = (1 + exp(L)) / V`` and
    ``ne = e / exp(L)``.

    Examples
    --------
    >>> s = Screen("one cell")
    >>> e, ne = s.hidden("e", 3), s.hidden("ne", 40)
    >>> saturated_relations(s, inverse=np.eye(1), estimates=[math.log(3 / 40)],
    ...                     std_errors=[math.sqrt(1 / 3 + 1 / 40)], events=[e], non_events=[ne])
    >>> [round(r.rhs, 9) for r in s.relations][1:]
    [3.0, 40.0]
    """
    cells = inverse.shape[0]
    logits = _determined(inverse, estimates, cells)
    variances = _determined(inverse**2, std_errors, cells, square=True)
    for c in range(cells):
        logit = logits[c]
        if logit is None or not math.isfinite(logit) or abs(logit) > 30:
            continue
        rho = math.exp(logit)
        screen.relate({events[c]: 1.0, non_events[c]: -rho}, 0.0, kind, FITTED)
        variance = variances[c]
        if variance is not None and variance > 0:
            count = (1 + rho) / variance
            scale = FITTED * max(1.0, count)
            screen.relate({events[c]: 1.0}, count, kind, scale)
            screen.relate({non_events[c]: 1.0}, count / rho, kind, FITTED * max(1.0, count / rho))


def _determined(
    matrix: np.ndarray, values: Sequence[float | None], size: int, *, square: bool = False
) -> list[float | None]:
    """Per unknown: its value where the shown rows of ``matrix x = values`` pin it."""
    rows, rhs = [], []
    for t, value in enumerate(values):
        if value is None or _isnan(value) or not math.isfinite(float(value)):
            continue
        rows.append(matrix[t])
        rhs.append(float(value) ** 2 if square else float(value))
    out: list[float | None] = [None] * size
    if not rows:
        return out
    a, b = np.array(rows, dtype=float), np.array(rhs, dtype=float)
    solution = np.linalg.lstsq(a, b, rcond=None)[0]
    rank = np.linalg.matrix_rank(a, tol=1e-9)
    for i in range(size):
        unit = np.eye(size)[i]
        if np.linalg.matrix_rank(np.vstack([a, unit]), tol=1e-9) == rank:
            out[i] = float(solution[i])
    return out


# --------------------------------------------------------------------------- the attack
def _components(unknown: list[str], relations: list[Relation]) -> dict[str, int]:
    """Connected parts of the unknown cells (two cells meet in a relation)."""
    parent = {key: key for key in unknown}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for relation in relations:
        keys = [k for k in relation.terms if k in parent]
        for other in keys[1:]:
            a, b = find(keys[0]), find(other)
            if a != b:
                parent[a] = b
    roots: dict[str, int] = {}
    return {key: roots.setdefault(find(key), len(roots)) for key in unknown}


def attack_screen(screen: Screen, *, k: int) -> tuple[list[Recovery], int]:
    """The withheld counts (true value 1..k-1) that the screen's relations pin.

    Returns the recoveries and how many withheld small cells were checked. A set of
    relations that the true values do not satisfy is a fault of the collector and
    raises ``ValueError`` (it would hide leaks).

    Examples
    --------
    >>> s = Screen("row total")
    >>> a = s.cell("a", 3, None); b = s.cell("b", 40, 40); t = s.cell("t", 43, 43)
    >>> s.add_sum([a, b], t, "row total")
    >>> found, checked = attack_screen(s, k=10)
    >>> [(r.cell, r.kinds) for r in found], checked
    ([('a', ('row total',))], 1)
    """
    unknown = [key for key, value in screen.shown.items() if value is None]
    targets = [key for key in unknown if 0 < screen.truth[key] < k and key not in screen.slack]
    if not targets:
        return [], 0
    relations = []
    for relation in screen.relations:
        constant = 0.0
        terms: dict[str, float] = {}
        for key, coefficient in relation.terms.items():
            value = screen.shown[key]
            if value is None:
                terms[key] = coefficient
            else:
                constant += coefficient * value
        if terms:
            relations.append(
                Relation(
                    terms,
                    relation.rhs - constant,
                    relation.kind,
                    relation.slack,
                    relation.rounding,
                )
            )
    part = _components(unknown, relations)
    by_part: dict[int, list[Relation]] = {}
    for relation in relations:
        by_part.setdefault(part[next(iter(relation.terms))], []).append(relation)
    members_of: dict[int, list[str]] = {}
    for key in unknown:
        members_of.setdefault(part[key], []).append(key)
    found: list[Recovery] = []
    problems: dict[int, _Problem] = {}
    for target in targets:
        mine = by_part.get(part[target])
        if not mine:
            continue
        if part[target] not in problems:
            problem = _Problem(members_of[part[target]], mine)
            problem.screen_out([t for t in targets if part[t] == part[target]], screen.truth)
            problems[part[target]] = problem
        interval = problems[part[target]].bounds(target, screen.truth[target])
        if interval is None:
            continue
        low, high = interval
        least, most = math.ceil(low - 1e-4), math.floor(high + 1e-4)
        if high - low < 1 and least == most and 1 <= least < k:
            kinds = tuple(sorted({r.kind for r in mine if target in r.terms}))
            found.append(Recovery(screen.name, target, kinds))
    return found, len(targets)


class _Problem:
    """The linear program of one connected part: every relation as two inequalities."""

    def __init__(self, members: list[str], relations: list[Relation]) -> None:
        from scipy.sparse import coo_matrix

        self.index = {key: i for i, key in enumerate(members)}
        rows, cols, data = [], [], []
        b = np.zeros(2 * len(relations))
        for i, relation in enumerate(relations):
            for key, coefficient in relation.terms.items():
                rows += [2 * i, 2 * i + 1]
                cols += [self.index[key]] * 2
                data += [coefficient, -coefficient]
            slack = relation.slack * max(1.0, abs(relation.rhs)) + relation.rounding
            b[2 * i] = relation.rhs + slack
            b[2 * i + 1] = -relation.rhs + slack
        self.n = len(members)
        self.a = coo_matrix((data, (rows, cols)), shape=(2 * len(relations), self.n)).tocsr()
        self.b = b
        self.free: set[str] = set()  # targets shown to move by 1 or more

    def _solve(self, c: np.ndarray) -> object:
        result = linprog(c, A_ub=self.a, b_ub=self.b, bounds=(0.0, None), method="highs")
        if result.status == 2:
            # HiGHS' presolve can call an unbounded program infeasible ("infeasible or
            # unbounded"); without it the two are told apart
            result = linprog(
                c,
                A_ub=self.a,
                b_ub=self.b,
                bounds=(0.0, None),
                method="highs",
                options={"presolve": False},
            )
        return result

    def screen_out(self, targets: list[str], truth: Mapping[str, float], rounds: int = 3) -> None:
        """Mark the targets that one joint program moves by 1 or more (cheap certificates).

        Maximising (and minimising) a positive mix of many targets at once reaches a
        feasible point; every target that it moves by at least 1 from its true value is
        not pinned, with no program of its own.
        """
        rng = np.random.default_rng(0)
        for _ in range(rounds):
            left = [t for t in targets if t not in self.free]
            if len(left) < 4:
                return
            for sign in (-1.0, 1.0):
                c = np.zeros(self.n)
                for t in left:
                    c[self.index[t]] = sign * rng.uniform(0.5, 1.5)
                result = self._solve(c)
                if result.status != 0:  # type: ignore[attr-defined]
                    continue
                x = result.x  # type: ignore[attr-defined]
                for t in left:
                    if abs(x[self.index[t]] - truth[t]) >= 1 + 1e-6:
                        self.free.add(t)

    def bounds(self, target: str, truth: float) -> tuple[float, float] | None:
        """The smallest and largest value of ``target`` (None: unbounded above)."""
        if target in self.free:
            return (truth - 1, truth + 1)
        c = np.zeros(self.n)
        c[self.index[target]] = 1.0
        high = self._solve(-c)
        if high.status == 3:  # type: ignore[attr-defined]
            return None  # unbounded above: not pinned
        if high.status == 2:  # type: ignore[attr-defined]
            raise ValueError(
                f"the relations of {target!r} do not hold for the true counts: "
                "the collector built a wrong equation"
            )
        if high.status != 0:  # type: ignore[attr-defined]
            return None
        most = -float(high.fun)  # type: ignore[attr-defined]
        if most - truth >= 1:
            return (truth, most)  # not pinned: no need for the minimum
        low = self._solve(c)
        if low.status != 0:  # type: ignore[attr-defined]
            return None
        return float(low.fun), most  # type: ignore[attr-defined]
