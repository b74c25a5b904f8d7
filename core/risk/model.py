"""Logit risk models: who is most likely to be in which form of exploitation.

The published analysis fits five binomial logit models with gender and majority status
as categorical predictors. With categorical predictors every record of a covariate
pattern (a *cell*, e.g. "male minors") has the same linear predictor, so the
likelihood only depends on each cell's number of records and of events. We therefore
fit a *grouped* binomial GLM on the cell counts: the same maximum-likelihood estimates
and standard errors as the row-level fit, at a fraction of the cost.

Pipeline: :func:`core.risk.records.prepare_records` (the published data preparation)
-> :func:`core.risk.records.model_records` (the rows one model uses, under either
denominator rule) -> :func:`fit_model` (cells, design, grouped fit, separation check)
-> tables (:mod:`core.risk.tables`). :func:`fit_model` with ``method="firth"`` gives
Firth-penalised estimates (:func:`core.risk.firth.firth_logit`, via the ``firthmodels``
package) when a cell has no events or no non-events. ``prepare_records`` and
``ModelError`` are re-exported here, so a script can fit the published models from this
module alone.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from core.data.schema import flag_label
from core.options import check_option
from core.risk.firth import firth_logit
from core.risk.records import (
    GROUPS,
    PREDICTORS,
    DenominatorRule,
    ModelError,
    cell_counts,
    model_records,
    prepare_records,
)
from core.risk.separation import Separation, check_separation
from core.risk.words import cell_name, outcome_phrase
from core.words import age_band

__all__ = [
    "METHODS",
    "PUBLISHED_MODELS",
    "RECRUITER_SUBSET",
    "Design",
    "LogitFit",
    "Method",
    "ModelError",
    "ModelSpec",
    "Separation",
    "fit_model",
    "grouped_logit",
    "make_design",
    "prepare_records",
]

Method = Literal["ml", "firth"]
#: The two ways of fitting: maximum likelihood, or Firth's penalised likelihood.
METHODS: tuple[str, ...] = ("ml", "firth")

#: The published recruiter models use records with at least one of these flags set.
RECRUITER_SUBSET: tuple[str, ...] = (
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
)


#: Who a gender level covers: "female" is women and girls, "male" men and boys.
_GENDER_WORDS = {"Female": "women and girls", "Male": "men and boys"}


@dataclass(frozen=True)
class ModelSpec:
    """One logit model: an outcome flag, categorical predictors, interaction on or off.

    ``subset`` restricts the published preparation to records with at least one of the
    listed flags set (the published recruiter models). Each predictor must be a key of
    :data:`core.risk.records.PREDICTORS` (``"gender"``, ``"majority"``, ``"age"``);
    anything else raises ``ValueError``.

    Examples
    --------
    >>> ModelSpec("isSexualExploit", ("gender", "majority"), interaction=True).formula
    'isSexualExploit ~ gender * majority'
    >>> ModelSpec("recruiterRelationFamily", ("majority",)).formula
    'recruiterRelationFamily ~ majority'
    >>> ModelSpec("isForcedLabour", ("sex",))
    Traceback (most recent call last):
    ...
    ValueError: predictor must be 'gender', 'majority' or 'age', not 'sex'
    """

    outcome: str
    predictors: tuple[str, ...]
    interaction: bool = False
    subset: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for predictor in self.predictors:
            check_option(predictor, PREDICTORS, name="predictor")

    @property
    def formula(self) -> str:
        """The model in R's formula notation (``*`` when the predictors interact)."""
        joiner = " * " if self.interaction else " + "
        return f"{self.outcome} ~ {joiner.join(self.predictors) or '1'}"

    @property
    def label(self) -> str:
        """The outcome in plain words."""
        return flag_label(self.outcome)


#: The published specification (Female and Adult are the base levels).
PUBLISHED_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("isSexualExploit", ("gender", "majority"), interaction=True),
    ModelSpec("isForcedLabour", ("gender", "majority"), interaction=True),
    ModelSpec("recruiterRelationIntimatePartner", ("gender", "majority"), subset=RECRUITER_SUBSET),
    ModelSpec(
        "recruiterRelationFriend", ("gender", "majority"), interaction=True, subset=RECRUITER_SUBSET
    ),
    ModelSpec("recruiterRelationFamily", ("majority",), subset=RECRUITER_SUBSET),
)


# --------------------------------------------------------------------------- design
@dataclass(frozen=True)
class Design:
    """Treatment-coded design for categorical predictors; the first level is the base.

    Term names follow the pattern ``Intercept``, ``gender[Male]``,
    ``gender[Male]:majority[Minor]``.
    """

    predictors: tuple[str, ...]
    interaction: bool
    levels: dict[str, tuple[str, ...]]
    omitted: tuple[str, ...] = ()  # interaction terms of combinations with no records

    @property
    def terms(self) -> tuple[str, ...]:
        """The coefficients' names: intercept, main effects, then interactions.

        Examples
        --------
        >>> Design(("gender", "majority"), True,
        ...        {"gender": ("Female", "Male"), "majority": ("Adult", "Minor")}).terms
        ('Intercept', 'gender[Male]', 'majority[Minor]', 'gender[Male]:majority[Minor]')
        """
        mains = [[(p, lvl) for lvl in self.levels[p][1:]] for p in self.predictors]
        terms = ["Intercept"] + [f"{p}[{lvl}]" for group in mains for p, lvl in group]
        if self.interaction:
            for size in range(2, len(self.predictors) + 1):
                for combo in itertools.combinations(range(len(self.predictors)), size):
                    for parts in itertools.product(*(mains[i] for i in combo)):
                        terms.append(":".join(f"{p}[{lvl}]" for p, lvl in parts))
        return tuple(t for t in terms if t not in self.omitted)

    def matrix(self, cells: pd.DataFrame, /) -> np.ndarray:
        """Design matrix for rows holding one value per predictor (columns named by key)."""
        columns = []
        for term in self.terms:
            if term == "Intercept":
                columns.append(np.ones(len(cells)))
                continue
            col = np.ones(len(cells))
            for part in term.split(":"):
                predictor, level = part[:-1].split("[", 1)
                values = cells[PREDICTORS[predictor][0]].astype(object).to_numpy()
                col = col * (values == level)
            columns.append(col)
        return np.column_stack(columns).astype(float) if columns else np.ones((len(cells), 0))

    def term_label(self, term: str, /) -> str:
        """Plain words for a term (what the coefficient compares).

        Examples
        --------
        >>> d = Design(("gender", "majority"), True,
        ...            {"gender": ("Female", "Male"), "majority": ("Adult", "Minor")})
        >>> d.term_label("Intercept")
        'Baseline: women (log-odds)'
        >>> d.term_label("gender[Male]")
        'Male: men and boys (vs female: women and girls)'
        >>> d.term_label("majority[Minor]")
        'Minor (vs adult)'
        >>> d.term_label("gender[Male]:majority[Minor]")
        'Male × minor (extra difference for boys)'
        """
        if term == "Intercept":
            base_row = pd.Series(
                {PREDICTORS[p][0]: self.levels[p][0] for p in self.predictors}, dtype=object
            )
            return f"Baseline: {cell_name(base_row, self.predictors)} (log-odds)"
        parts = [part[:-1].split("[", 1) for part in term.split(":")]
        if len(parts) == 1:
            predictor, level = parts[0]
            base = self.levels[predictor][0]
            if predictor == "age":
                return f"Age {age_band(level)} (vs {age_band(base)})"
            if predictor == "gender":
                return f"{level}: {_GENDER_WORDS.get(level, level.lower())} (vs {base.lower()}: {_GENDER_WORDS.get(base, base.lower())})"
            return f"{level} (vs {base.lower()})"
        words = " × ".join(
            lvl.lower() if p != "age" else f"age {age_band(lvl)}" for p, lvl in parts
        )
        values = dict(parts)
        group = GROUPS.get((values.get("gender", ""), values.get("majority", "")))
        extra = (
            f"extra difference for {group.lower()}" if group and len(parts) == 2 else "interaction"
        )
        return f"{words[:1].upper()}{words[1:]} ({extra})"


def make_design(records: pd.DataFrame, spec: ModelSpec, /) -> Design:
    """The design for ``spec`` on ``records`` (levels present in the records).

    A predictor's base level is the one :data:`core.risk.records.PREDICTORS` names when
    it is present, otherwise the most common level among the records.

    Raises
    ------
    ModelError
        When a predictor has a single level in view.

    Examples
    --------
    >>> r = pd.DataFrame({"gender": ["Male", "Female", "Male"], "outcome": [True, False, True]})
    >>> make_design(r, ModelSpec("isForcedLabour", ("gender",))).levels
    {'gender': ('Female', 'Male')}
    """
    levels: dict[str, tuple[str, ...]] = {}
    for predictor in spec.predictors:
        column, name, base = PREDICTORS[predictor]
        series = records[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            present = [str(c) for c in series.cat.remove_unused_categories().cat.categories]
        else:
            present = sorted(str(v) for v in series.dropna().unique())
        if len(present) < 2:
            only = present[0] if present else "none"
            raise ModelError(
                f"All records in view have the same {name} ({only}), so {name} cannot be "
                "compared; widen the filters in the sidebar or drop it from the predictors."
            )
        if base is None or base not in present:
            counts = series.astype(object).value_counts()
            base = str(counts.index[0])
        levels[predictor] = (base, *[lvl for lvl in present if lvl != base])
    return Design(tuple(spec.predictors), spec.interaction, levels)


# --------------------------------------------------------------------------- fitting
def grouped_logit(
    X: np.ndarray, events: np.ndarray, trials: np.ndarray, /
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Maximum-likelihood binomial logit on grouped counts (statsmodels GLM).

    ``endog`` is the pair (events, non-events) per row, which gives the same estimates
    and standard errors as fitting one row per record.

    Returns
    -------
    params, cov, converged

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> b, cov, ok = grouped_logit(X, np.array([2, 6]), np.array([10, 8]))
    >>> np.allclose(b, [np.log(2 / 8), np.log(6 / 2) - np.log(2 / 8)])
    True
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    endog = np.column_stack([events, trials - events]).astype(float)
    model = sm.GLM(endog, X, family=sm.families.Binomial())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        result = model.fit(tol=1e-12, maxiter=200)
    converged = bool(getattr(result, "converged", True))
    return np.asarray(result.params, float), np.asarray(result.cov_params(), float), converged


@dataclass(frozen=True)
class LogitFit:
    """A fitted model: estimates, covariance, and the cells it rests on."""

    spec: ModelSpec
    design: Design
    cells: pd.DataFrame  # model predictors + n + events
    groups: pd.DataFrame  # gender x majority + n + events (observed, for the group table)
    params: np.ndarray
    cov: np.ndarray
    method: Method
    converged: bool
    separation: Separation
    ci: np.ndarray | None = None  # profile intervals (Firth); None: Wald
    p_values: np.ndarray | None = None  # likelihood-ratio p-values (Firth); None: Wald
    #: Firth fits: per coefficient, how its p-value / interval was computed (a key of
    #: FIRTH_INFERENCE); empty for maximum likelihood (Wald throughout).
    p_kind: tuple[str, ...] = ()
    ci_kind: tuple[str, ...] = ()
    denominators: DenominatorRule = "published"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def terms(self) -> tuple[str, ...]:
        """The coefficients' names (see :attr:`Design.terms`)."""
        return self.design.terms

    @property
    def bse(self) -> np.ndarray:
        """The coefficients' standard errors."""
        return np.sqrt(np.diag(self.cov))

    @property
    def n(self) -> int:
        """The number of records the model rests on."""
        return int(self.cells["n"].sum())

    @property
    def events(self) -> int:
        """The number of those records with the outcome."""
        return int(self.cells["events"].sum())

    def linear_predictor(self, rows: pd.DataFrame, /) -> tuple[np.ndarray, np.ndarray]:
        """Log-odds and their standard errors (delta method) for rows of predictor values."""
        X = self.design.matrix(rows)
        eta = X @ self.params
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, self.cov, X))
        return eta, se


def fit_model(
    records: pd.DataFrame,
    spec: ModelSpec,
    /,
    *,
    denominators: DenominatorRule = "published",
    method: Method = "ml",
) -> LogitFit:
    """Fit one model on the prepared records (grouped binomial GLM on cell counts).

    Parameters
    ----------
    records
        :attr:`core.risk.records.RiskRecords.records`.
    spec
        The model.
    denominators
        ``"published"`` or ``"ctdc"`` (see :func:`core.risk.records.model_records`).
    method
        ``"ml"``: maximum likelihood; ``"firth"``: Firth-penalised likelihood.

    Raises
    ------
    ValueError
        When ``denominators`` or ``method`` is not one of its allowed values.
    ModelError
        With a sentence for the user when the records in view cannot support the model.

    Examples
    --------
    >>> r = pd.DataFrame({"gender": ["Female"] * 4 + ["Male"] * 4,
    ...                   "majority": ["Adult", "Minor"] * 4,
    ...                   "isSexualExploit": [1, 1, 0, 1, 0, 0, 1, 0]}).astype({"isSexualExploit": bool})
    >>> fit = fit_model(r, ModelSpec("isSexualExploit", ("gender",)))
    >>> fit.terms, fit.params.round(4).tolist()
    (('Intercept', 'gender[Male]'), [1.0986, -2.1972])
    >>> fit_model(r, ModelSpec("isSexualExploit", ("gender",)), method="Firth")
    Traceback (most recent call last):
    ...
    ValueError: method must be 'ml' or 'firth', not 'Firth'
    """
    check_option(method, METHODS, name="method")
    rows = model_records(records, spec, denominators=denominators)
    if rows.empty:
        raise ModelError(
            f"No records in view can be used for {spec.label.lower()}; widen the filters "
            "in the sidebar."
        )
    n_events = int(rows["outcome"].sum())
    if n_events == 0 or n_events == len(rows):
        which = "none" if n_events == 0 else "all"
        raise ModelError(
            f"Of the records in view that this model uses, {which} are "
            f"{outcome_phrase(spec.outcome)}, so there is nothing to compare; widen the "
            "filters in the sidebar."
        )
    design = make_design(rows, spec)
    columns = [PREDICTORS[p][0] for p in spec.predictors]
    cells = cell_counts(rows, by=columns)
    X = design.matrix(cells)
    # An interaction whose combination has no records has an all-zero column: leave the
    # term out. The model stays the same for every combination that has records.
    empty = tuple(t for t, col in zip(design.terms, X.T, strict=True) if ":" in t and not col.any())
    notes: tuple[str, ...] = ()
    if empty:
        design = Design(design.predictors, design.interaction, design.levels, omitted=empty)
        X = design.matrix(cells)
        notes = (
            "No records in view for "
            + ", ".join(design.term_label(t).split(" (")[0].lower() for t in empty)
            + ": that interaction is left out and the group cannot be estimated.",
        )
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ModelError(
            "Some combinations of the predictors have no records in view, so the model "
            "cannot tell their effects apart; turn the interaction off, choose fewer "
            "predictors, or widen the filters."
        )
    events = cells["events"].to_numpy(float)
    trials = cells["n"].to_numpy(float)
    params, cov, converged = grouped_logit(X, events, trials)
    separation = check_separation(design, cells, params, cov, converged)
    ci = p_values = None
    p_kind: tuple[str, ...] = ()
    ci_kind: tuple[str, ...] = ()
    if method == "firth":
        firth = firth_logit(X, events, trials)
        params, cov, ci, p_values, converged = firth[:5]
        p_kind, ci_kind = firth.p_kind, firth.ci_kind
    group_cols = [c for c in ("gender", "majority") if c in rows.columns]
    groups = cell_counts(rows, by=group_cols)
    return LogitFit(
        spec=spec,
        design=design,
        cells=cells,
        groups=groups,
        params=params,
        cov=cov,
        method=method,
        converged=converged,
        separation=separation,
        ci=ci,
        p_values=p_values,
        p_kind=p_kind,
        ci_kind=ci_kind,
        denominators=denominators,
        notes=notes,
    )
