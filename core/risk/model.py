"""Logit risk models: who is most likely to be in which form of exploitation.

The published analysis fits five binomial logit models with gender and majority status
as categorical predictors. With categorical predictors every record of a covariate
pattern (a *cell*, e.g. "male minors") has the same linear predictor, so the
likelihood only depends on each cell's number of records and of events. We therefore
fit a *grouped* binomial GLM on the cell counts: the same maximum-likelihood estimates
and standard errors as the row-level fit, at a fraction of the cost.

Pipeline: :func:`prepare_records` (the published data preparation) ->
:func:`model_records` (the rows one model uses, under either denominator rule) ->
:func:`fit_model` (cells, design, grouped fit, separation check) -> tables
(:func:`coefficient_table`, :func:`group_table`). :func:`fit_model` with
``method="firth"`` gives Firth-penalised estimates (via the ``firthmodels`` package)
when a cell has no events or no non-events.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from core.data.denominators import known_mask
from core.data.schema import AGE_BANDS, FLAG_GROUPS, flag_label
from core.privacy import format_count as _format_count

__all__ = [
    "DENOMINATOR_RULES",
    "GROUPS",
    "GROUP_COLOURS",
    "GROUP_ORDER",
    "PREDICTORS",
    "PUBLISHED_MODELS",
    "RECRUITER_SUBSET",
    "Design",
    "FirthUnavailable",
    "LogitFit",
    "ModelError",
    "ModelSpec",
    "Prepared",
    "Separation",
    "cell_counts",
    "coefficient_table",
    "firth_logit",
    "fit_model",
    "flag_group_of",
    "format_count",
    "group_table",
    "grouped_logit",
    "make_design",
    "model_records",
    "outcome_phrase",
    "overview_table",
    "prepare_records",
    "probability_chart",
    "probability_headline",
    "probability_sentences",
    "readable_coefficients",
    "readable_groups",
    "stack_group_tables",
    "visible_rows",
]

Method = Literal["ml", "firth"]
DenominatorRule = Literal["published", "ctdc"]
MajoritySource = Literal["given", "derived"]

#: The two ways of treating a record with no flag set in the outcome's group.
DENOMINATOR_RULES: dict[str, str] = {
    "published": "a missing flag counts as 0 (as published)",
    "ctdc": "records with no flag in the group are left out (CTDC rule)",
}

#: Predictor key -> (column in the prepared records, plain name, base level or None).
PREDICTORS: dict[str, tuple[str, str, str | None]] = {
    "gender": ("gender", "gender", "Female"),
    "majority": ("majority", "majority status", "Adult"),
    "age": ("age", "age band", None),  # base: the most common band among the records
}

#: (gender, majority status) -> the group's plain name.
GROUPS: dict[tuple[str, str], str] = {
    ("Female", "Minor"): "Girls",
    ("Female", "Adult"): "Women",
    ("Male", "Minor"): "Boys",
    ("Male", "Adult"): "Men",
}
GROUP_ORDER: tuple[str, ...] = ("Girls", "Women", "Boys", "Men")

#: The published recruiter models use records with at least one of these flags set.
RECRUITER_SUBSET: tuple[str, ...] = (
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
)

_Z95 = float(stats.norm.ppf(0.975))
# Beyond these, estimates are "exploding": a sign of (quasi-)separation.
_EXPLODED_ESTIMATE = 10.0
_EXPLODED_SE = 5.0


class ModelError(ValueError):
    """A model that cannot be fitted on the records in view; the message says why and what to do."""


class FirthUnavailable(ModelError):
    """The ``firthmodels`` package is not installed."""


@dataclass(frozen=True)
class ModelSpec:
    """One logit model: an outcome flag, categorical predictors, interaction on or off.

    ``subset`` restricts the published preparation to records with at least one of the
    listed flags set (the published recruiter models).

    Examples
    --------
    >>> ModelSpec("isSexualExploit", ("gender", "majority"), interaction=True).formula
    'isSexualExploit ~ gender * majority'
    >>> ModelSpec("recruiterRelationFamily", ("majority",)).formula
    'recruiterRelationFamily ~ majority'
    """

    outcome: str
    predictors: tuple[str, ...]
    interaction: bool = False
    subset: tuple[str, ...] = ()

    @property
    def formula(self) -> str:
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


# --------------------------------------------------------------------------- preparation
@dataclass(frozen=True)
class Prepared:
    """The records the models use, and how they were selected.

    ``records`` has columns ``gender`` (Female/Male), ``majority`` (Adult/Minor),
    ``age`` (age band, may be missing) and every flag column of the frame (bool).
    ``dropped`` counts records left out at each step, in order.
    """

    records: pd.DataFrame
    majority_source: MajoritySource
    total: int
    dropped: dict[str, int]
    note: str | None = None

    def steps_table(self, *, k: int | None = None) -> pd.DataFrame:
        """The preparation as a table: step, records (left out at that step).

        With ``k``, a left-out count of 1..k-1 is withheld (empty), and when it is the
        only one, so is the smallest other left-out step: the records in view minus the
        records used minus the other steps would give it away.

        Examples
        --------
        >>> p = Prepared(pd.DataFrame({"a": range(90)}), "given", 100,
        ...              {"no year": 3, "gender": 0, "status": 7})
        >>> p.steps_table(k=10)["records"].tolist()
        [100.0, nan, 0.0, nan, 90.0]
        >>> Prepared(pd.DataFrame({"a": range(90)}), "given", 100,
        ...          {"no year": 3, "gender": 0, "status": 7}).steps_table(k=5)["records"].tolist()
        [100.0, nan, nan, 7.0, 90.0]
        """
        rows = [{"step": "Records in view", "records": self.total}]
        rows += [{"step": f"Left out: {why}", "records": n} for why, n in self.dropped.items()]
        rows.append({"step": "Records used by the models", "records": len(self.records)})
        table = pd.DataFrame(rows)
        if k is None:
            return table
        from core.privacy import small_mask

        dropped = np.asarray(list(self.dropped.values()), dtype=float)
        hidden = small_mask(dropped, k)
        if hidden.sum() == 1 and len(dropped) > 1:
            others = np.flatnonzero(~hidden)
            hidden[others[np.argmin(dropped[others])]] = True
        table["records"] = table["records"].astype(float)
        table.loc[1 + np.flatnonzero(hidden), "records"] = np.nan
        return table


def prepare_records(frame: pd.DataFrame, /, *, majority: MajoritySource = "given") -> Prepared:
    """The published data preparation.

    Drops records with a missing year, gender or majority status at exploitation, keeps
    gender Female and Male, and keeps flags as they are (a missing flag is already
    False, i.e. 0, in the canonical frame).

    Parameters
    ----------
    frame
        The canonical frame (or a filtered slice of it).
    majority
        ``"given"`` (the published analysis): only the majority status written in the
        file counts; ``"derived"``: where it is missing, the status derived from the
        age band is used too. When no record has a given status (releases from 2024),
        ``"given"`` falls back to ``"derived"`` and :attr:`Prepared.note` says so.

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "yearOfRegistration": pd.array([2010, 2011, None, 2012, 2013], dtype="Int16"),
    ...     "gender": ["Female", "Male", "Female", "Transgender/NonConforming", "Male"],
    ...     "ageBroad": ["09--17", "30--38", None, None, "09--17"],
    ...     "majorityStatusAtExploit": ["Minor", "Adult", "Adult", "Adult", "Minor"],
    ...     "majoritySource": ["given", "given", "given", "given", "derived from age"],
    ...     "isSexualExploit": [True, False, True, False, False]})
    >>> p = prepare_records(df)
    >>> len(p.records), p.dropped
    (2, {'no year of registration': 1, 'gender missing or not female/male': 1, 'no majority status given': 1})
    >>> len(prepare_records(df, majority="derived").records)
    3
    """
    if majority not in ("given", "derived"):
        raise ValueError(f"majority must be 'given' or 'derived', not {majority!r}")
    note = None
    source = frame["majoritySource"] if "majoritySource" in frame.columns else None
    if majority == "given" and (source is None or not (source == "given").any()):
        majority = "derived"
        note = (
            "None of the records in view has a majority status written in the file "
            "(releases from 2024 have none), so the published specification cannot run "
            "exactly as published: majority status derived from the age band is used instead."
        )
    dropped: dict[str, int] = {}
    keep = frame["yearOfRegistration"].notna().to_numpy().copy()
    dropped["no year of registration"] = int((~keep).sum())
    gender_ok = frame["gender"].isin(["Female", "Male"]).to_numpy().copy()
    dropped["gender missing or not female/male"] = int((keep & ~gender_ok).sum())
    keep &= gender_ok
    status = frame["majorityStatusAtExploit"]
    status_ok = status.notna().to_numpy().copy()
    if majority == "given" and source is not None:
        status_ok &= (source == "given").to_numpy()
    reason = "no majority status given" if majority == "given" else "no majority status"
    dropped[reason] = int((keep & ~status_ok).sum())
    keep &= status_ok

    rows = np.flatnonzero(keep)
    columns: dict[str, object] = {
        "gender": _categorical(frame["gender"], rows, ("Female", "Male")),
        "majority": _categorical(frame["majorityStatusAtExploit"], rows, ("Adult", "Minor")),
        "age": _categorical(
            frame["ageBroad"] if "ageBroad" in frame.columns else None,
            rows,
            AGE_BANDS,
            ordered=True,
        ),
    }
    for column in frame.columns:
        if frame[column].dtype == bool:
            columns[column] = frame[column].to_numpy()[rows]
    return Prepared(
        records=pd.DataFrame(columns),
        majority_source=majority,
        total=len(frame),
        dropped=dropped,
        note=note,
    )


def _categorical(
    series: pd.Series | None, rows: np.ndarray, categories: Sequence[str], *, ordered: bool = False
) -> pd.Categorical:
    """``series[rows]`` as a categorical with exactly ``categories`` (others become missing)."""
    dtype = pd.CategoricalDtype(list(categories), ordered=ordered)
    if series is None:
        return pd.Categorical.from_codes(np.full(len(rows), -1), dtype=dtype)
    if not isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype("category")
    lookup = {str(c): i for i, c in enumerate(categories)}
    recode = np.array([lookup.get(str(c), -1) for c in series.cat.categories] + [-1])
    codes = recode[series.cat.codes.to_numpy()[rows]]
    return pd.Categorical.from_codes(codes, dtype=dtype)


def flag_group_of(column: str, /) -> str | None:
    """The key of the flag group a column belongs to (None if it is not a flag).

    Examples
    --------
    >>> flag_group_of("recruiterRelationFriend")
    'recruiter'
    """
    for key, group in FLAG_GROUPS.items():
        if group.matches(column):
            return key
    return None


def model_records(
    records: pd.DataFrame, spec: ModelSpec, /, *, denominators: DenominatorRule = "published"
) -> pd.DataFrame:
    """The rows one model uses: predictor columns and ``outcome`` (bool).

    ``denominators="published"``: all prepared records (or, when ``spec.subset`` is
    set, those with at least one subset flag), a missing flag counting as 0.
    ``denominators="ctdc"``: only records with at least one flag of the outcome's group
    set (the CTDC's rule: no flag in the group means unknown, not 0). Rows with a
    missing predictor value (age band) are left out.

    Examples
    --------
    >>> r = pd.DataFrame({"gender": ["Female", "Male", "Male"], "majority": ["Adult"] * 3,
    ...                   "isForcedLabour": [True, False, False],
    ...                   "isSexualExploit": [False, True, False]})
    >>> spec = ModelSpec("isForcedLabour", ("gender",))
    >>> len(model_records(r, spec)), len(model_records(r, spec, denominators="ctdc"))
    (3, 2)
    """
    if spec.outcome not in records.columns:
        raise ModelError(
            f"The data in use have no column {spec.outcome} ({spec.label}); choose another outcome."
        )
    if denominators == "ctdc":
        group = flag_group_of(spec.outcome)
        keep = (
            known_mask(records, group) if group else records[spec.outcome].notna().to_numpy()
        ).copy()
    elif spec.subset:
        present = [c for c in spec.subset if c in records.columns]
        keep = records[present].to_numpy(dtype=bool).any(axis=1).copy()
    else:
        keep = np.ones(len(records), dtype=bool)
    columns = [PREDICTORS[p][0] for p in spec.predictors]
    for column in columns:
        keep &= records[column].notna().to_numpy()
    out = records.loc[keep, columns].copy()
    out["outcome"] = records.loc[keep, spec.outcome].to_numpy(dtype=bool)
    # keep gender x majority beside the model's own predictors: the four-group table needs them
    for extra in ("gender", "majority"):
        if extra not in out.columns and extra in records.columns:
            out[extra] = records.loc[keep, extra].to_numpy()
    return out.reset_index(drop=True)


def cell_counts(
    records: pd.DataFrame, /, *, by: Sequence[str], outcome: str = "outcome"
) -> pd.DataFrame:
    """Records (``n``) and events per combination of ``by`` (only combinations present).

    Examples
    --------
    >>> r = pd.DataFrame({"g": ["a", "a", "b"], "outcome": [True, False, True]})
    >>> cell_counts(r, by=["g"]).values.tolist()
    [['a', 2, 1], ['b', 1, 1]]
    """
    by = list(by)
    y = records[outcome].to_numpy(dtype=float)
    if not by:
        return pd.DataFrame({"n": [len(records)], "events": [int(y.sum())]})
    # Counting on integer codes (one bincount) is far cheaper than a pandas groupby.
    codes, labels = [], []
    for column in by:
        series = records[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes.append(series.cat.codes.to_numpy().astype(np.int64))
            labels.append(np.asarray(series.cat.categories, dtype=object))
        else:
            code, uniques = pd.factorize(series, sort=True)
            codes.append(code.astype(np.int64))
            labels.append(np.asarray(uniques, dtype=object))
    shape = tuple(max(len(lab), 1) for lab in labels)
    complete = np.all([c >= 0 for c in codes], axis=0)
    key = np.ravel_multi_index([c[complete] for c in codes], shape)
    size = int(np.prod(shape))
    n = np.bincount(key, minlength=size)
    events = np.bincount(key, weights=y[complete], minlength=size)
    present = np.flatnonzero(n)
    index = np.unravel_index(present, shape)
    cells = pd.DataFrame({column: labels[i][index[i]] for i, column in enumerate(by)})
    cells["n"] = n[present].astype(int)
    cells["events"] = np.rint(events[present]).astype(int)
    return cells


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
        'Male (vs female)'
        >>> d.term_label("gender[Male]:majority[Minor]")
        'Male × minor (extra difference for boys)'
        """
        if term == "Intercept":
            base_row = pd.Series(
                {PREDICTORS[p][0]: self.levels[p][0] for p in self.predictors}, dtype=object
            )
            return f"Baseline: {_cell_name(base_row, self.predictors)} (log-odds)"
        parts = [part[:-1].split("[", 1) for part in term.split(":")]
        if len(parts) == 1:
            predictor, level = parts[0]
            base = self.levels[predictor][0]
            if predictor == "age":
                return f"Age {level} (vs {base})"
            return f"{level} (vs {base.lower()})"
        words = " × ".join(lvl.lower() if p != "age" else f"age {lvl}" for p, lvl in parts)
        values = dict(parts)
        group = GROUPS.get((values.get("gender", ""), values.get("majority", "")))
        extra = (
            f"extra difference for {group.lower()}" if group and len(parts) == 2 else "interaction"
        )
        return f"{words[:1].upper()}{words[1:]} ({extra})"


def make_design(records: pd.DataFrame, spec: ModelSpec, /) -> Design:
    """The design for ``spec`` on ``records`` (levels present in the records).

    Raises :class:`ModelError` when a predictor has a single level in view.
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


def _fisher_cov(X: np.ndarray, params: np.ndarray, trials: np.ndarray) -> np.ndarray:
    p = expit(X @ params)
    info = X.T @ (X * (trials * p * (1 - p))[:, None])
    return np.linalg.inv(info)


def firth_logit(
    X: np.ndarray, events: np.ndarray, trials: np.ndarray, /
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """Firth-penalised logit on grouped counts (``firthmodels``, Jeffreys-prior penalty).

    Each row becomes an event row and a non-event row weighted by their counts
    (frequency weights). Confidence intervals are profile penalised-likelihood
    intervals and p-values penalised likelihood-ratio tests, as in R's ``logistf``.

    Returns
    -------
    params, cov, ci (k x 2), p_values, converged

    Raises
    ------
    FirthUnavailable
        When the ``firthmodels`` package is not installed.
    """
    try:
        from firthmodels import FirthLogisticRegression
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise FirthUnavailable(
            "Firth-penalised estimates need the package firthmodels, which is not installed "
            "here; install it (pip install firthmodels) or read the maximum-likelihood "
            "estimates with care."
        ) from exc
    events = np.asarray(events, float)
    trials = np.asarray(trials, float)
    rows = np.vstack([X, X])
    y = np.concatenate([np.ones(len(X)), np.zeros(len(X))])
    weights = np.concatenate([events, trials - events])
    keep = weights > 0
    # The strictest tolerance the solver reaches: at the optimum, round-off can make the
    # step-halving of a very strict fit fail, which would also block the LRT p-values.
    for gtol, xtol in ((1e-8, 1e-10), (1e-6, 1e-8), (1e-4, 1e-4)):
        model = FirthLogisticRegression(
            fit_intercept=False, max_iter=200, gtol=gtol, xtol=xtol, backend="numpy"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(rows[keep], y[keep], sample_weight=weights[keep])
        if model.converged_:
            break
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ci = np.asarray(model.conf_int(alpha=0.05, method="pl"), float)
        model.lrt()
    params = np.asarray(model.coef_, float)
    cov = _fisher_cov(X, params, trials)
    p_values = np.asarray(model.lrt_pvalues_, float)
    return params, cov, ci, p_values, bool(model.converged_)


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
        """
        if not self.detected:
            return []
        phrase = outcome_phrase(outcome)
        out = []
        for name, n, kind in self.edge_cells:
            if kind == "none":
                out.append(f"None of the {format_count(n, k)} records of {name} are {phrase}.")
            else:
                out.append(f"All {format_count(n, k)} records of {name} are {phrase}.")
        if self.infinite_labels:
            out.append(
                "The maximum-likelihood estimates of "
                + ", ".join(self.infinite_labels)
                + " are infinite (separation); the numbers shown for them are meaningless."
            )
        elif self.exploded:
            out.append(
                "Some estimates are extremely large or uncertain, a sign that the "
                "records cannot pin them down."
            )
        return out


def format_count(n: int, k: int, /) -> str:
    """A count for a sentence: '<k' when it is between 1 and k - 1.

    Examples
    --------
    >>> format_count(4, 10), format_count(0, 10), format_count(1234, 10)
    ('<10', '0', '1,234')
    """
    return _format_count(n, k)


def _cell_name(row: pd.Series, predictors: Sequence[str]) -> str:
    values = {p: str(row[PREDICTORS[p][0]]) for p in predictors}
    group = GROUPS.get((values.get("gender", ""), values.get("majority", "")))
    if group and set(predictors) <= {"gender", "majority"}:
        return group.lower()
    parts = []
    for p in predictors:
        v = values[p]
        parts.append(
            f"age {v}"
            if p == "age"
            else {
                "Female": "women and girls",
                "Male": "men and boys",
                "Adult": "adults",
                "Minor": "minors",
            }.get(v, v)
        )
    return ", ".join(parts) if parts else "all records"


def _check_separation(
    design: Design, cells: pd.DataFrame, params: np.ndarray, cov: np.ndarray, converged: bool
) -> Separation:
    edges = []
    for _, row in cells.iterrows():
        if row["events"] == 0 or row["events"] == row["n"]:
            kind = "none" if row["events"] == 0 else "all"
            edges.append((_cell_name(row, design.predictors), int(row["n"]), kind))
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
    denominators: DenominatorRule = "published"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def terms(self) -> tuple[str, ...]:
        return self.design.terms

    @property
    def bse(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    @property
    def n(self) -> int:
        return int(self.cells["n"].sum())

    @property
    def events(self) -> int:
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
        :attr:`Prepared.records`.
    spec
        The model.
    denominators
        ``"published"`` or ``"ctdc"`` (see :func:`model_records`).
    method
        ``"ml"``: maximum likelihood; ``"firth"``: Firth-penalised likelihood.

    Raises
    ------
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
    """
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
    separation = _check_separation(design, cells, params, cov, converged)
    ci = p_values = None
    if method == "firth":
        params, cov, ci, p_values, converged = firth_logit(X, events, trials)
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
        denominators=denominators,
        notes=notes,
    )


# --------------------------------------------------------------------------- tables
def coefficient_table(fit: LogitFit, /) -> pd.DataFrame:
    """Coefficients with standard error, z, p-value, 95% CI and the percent change in odds.

    ``odds_change_pct = (exp(estimate) - 1) x 100``, with its CI from the CI of the
    estimate. Firth fits carry profile-likelihood intervals and likelihood-ratio p-values.

    Examples
    --------
    >>> r = pd.DataFrame({"gender": ["Female"] * 4 + ["Male"] * 4,
    ...                   "isForcedLabour": [True, False, False, False, True, True, True, False]})
    >>> t = coefficient_table(fit_model(r, ModelSpec("isForcedLabour", ("gender",))))
    >>> float(round(t.loc[1, "odds_change_pct"], 1))  # odds 3 vs 1/3: nine times, +800%
    800.0
    """
    estimate = fit.params
    se = fit.bse
    z = estimate / se
    p_value = fit.p_values if fit.p_values is not None else 2 * stats.norm.sf(np.abs(z))
    if fit.ci is not None:
        low, high = fit.ci[:, 0], fit.ci[:, 1]
    else:
        low, high = estimate - _Z95 * se, estimate + _Z95 * se
    table = pd.DataFrame(
        {
            "term": list(fit.terms),
            "label": [fit.design.term_label(t) for t in fit.terms],
            "estimate": estimate,
            "std_error": se,
            "z": z,
            "p_value": p_value,
            "ci_low": low,
            "ci_high": high,
        }
    )
    with np.errstate(over="ignore"):  # infinite under separation: shown as inf
        change = np.expm1(table[["estimate", "ci_low", "ci_high"]].to_numpy()) * 100
    table["odds_change_pct"] = change[:, 0]
    table["odds_change_ci_low"] = change[:, 1]
    table["odds_change_ci_high"] = change[:, 2]
    return table


def group_table(fit: LogitFit, /) -> pd.DataFrame:
    """Per group: records, events, log-odds, odds, probability and its 95% CI.

    For models whose predictors are gender and/or majority status the rows are the
    four groups (girls, women, boys, men) in that order, also when the model omits a
    predictor; groups with no records in view get ``n = 0`` and no estimates. For models with an age band the rows are the model's cells.
    Probability intervals come from the delta method on the linear predictor
    (log-odds +- 1.96 SE, mapped through the logistic function).

    Examples
    --------
    >>> r = pd.DataFrame({"gender": ["Female"] * 4 + ["Male"] * 4,
    ...                   "majority": ["Adult", "Minor"] * 4,
    ...                   "isForcedLabour": [True, False, False, False, True, True, True, False]})
    >>> t = group_table(fit_model(r, ModelSpec("isForcedLabour", ("gender",))))
    >>> t[["group", "n", "events"]].values.tolist()
    [['Girls', 2, 0], ['Women', 2, 1], ['Boys', 2, 1], ['Men', 2, 2]]
    >>> t["probability"].round(6).tolist()
    [0.25, 0.25, 0.75, 0.75]
    """
    if set(fit.design.predictors) <= {"gender", "majority"}:
        rows = pd.DataFrame(
            [
                {"group": name, "gender": g, "majority": m}
                for (g, m), name in sorted(GROUPS.items(), key=lambda kv: GROUP_ORDER.index(kv[1]))
            ]
        )
        observed = fit.groups
        keys = [c for c in ("gender", "majority") if c in observed.columns]
        rows = rows.merge(observed, on=keys, how="left") if keys else rows
        rows["n"] = rows["n"].fillna(0).astype(int)
        rows["events"] = rows["events"].fillna(0).astype(int)
        for predictor in fit.design.predictors:
            levels = fit.design.levels[predictor]
            column = PREDICTORS[predictor][0]
            unknown = ~rows[column].isin(levels)
            if unknown.any():  # a level absent from the data: no prediction possible
                rows = rows[~unknown]
        rows = rows.rename(columns={"majority": "majority_status"})
        predict_rows = rows.rename(columns={"majority_status": "majority"})
    else:
        rows = fit.cells.copy()
        rows.insert(0, "group", [_cell_name(r, fit.design.predictors) for _, r in rows.iterrows()])
        predict_rows = rows
    eta, se = fit.linear_predictor(predict_rows)
    rows = rows.reset_index(drop=True)
    absent = (rows["n"] == 0).to_numpy()
    eta = np.where(absent, np.nan, eta)  # a group with no records in view is not estimated
    rows["non_events"] = rows["n"] - rows["events"]
    rows["log_odds"] = eta
    rows["odds"] = np.exp(eta)
    rows["probability"] = expit(eta)
    rows["probability_ci_low"] = expit(eta - _Z95 * se)
    rows["probability_ci_high"] = expit(eta + _Z95 * se)
    return rows


# --------------------------------------------------------------------------- words
_RECRUITERS = {
    "IntimatePartner": "an intimate partner",
    "Friend": "a friend",
    "Family": "a family member",
    "Other": "another relation",
}


def outcome_phrase(column: str, /) -> str:
    """What having the outcome means, as a phrase after 'are'.

    Examples
    --------
    >>> outcome_phrase("isSexualExploit")
    'in sexual exploitation'
    >>> outcome_phrase("recruiterRelationFamily")
    'recruited by a family member'
    >>> outcome_phrase("meansOfControlDebtBondage")
    'controlled through debt bondage'
    """
    group = flag_group_of(column)
    label = flag_label(column).lower()
    if group == "recruiter":
        stem = column.removeprefix("recruiterRelation")
        return f"recruited by {_RECRUITERS.get(stem, label)}"
    if group == "means":
        return f"controlled through {label}"
    return f"in {label}"


def _pct(value: float) -> str:
    if 0 < value < 0.01:
        return "under 1%"
    if 0.99 < value < 1:
        return "over 99%"
    return f"{value:.0%}"


def probability_headline(tables: dict[str, pd.DataFrame], /) -> str:
    """A title stating the finding of a chart of group probabilities.

    ``tables`` maps outcome columns to :func:`group_table` results (the first two lead).

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Girls", "Men"], "n": [10, 10], "probability": [0.8, 0.1]})
    >>> probability_headline({"isSexualExploit": t})
    'Girls are the most likely to be in sexual exploitation (80%)'
    >>> probability_headline({"isSexualExploit": t, "isForcedLabour": t.assign(probability=[0.1, 0.7])})
    'Girls are the most likely to be in sexual exploitation (80%), men in forced labour (70%)'
    """
    parts = []
    for outcome, table in list(tables.items())[:2]:
        usable = table[table["n"] > 0]
        if usable.empty:
            continue
        top = usable.loc[usable["probability"].idxmax()]
        parts.append((str(top["group"]), outcome_phrase(outcome), _pct(float(top["probability"]))))
    if not parts:
        return "No group in view has records for these outcomes"
    text = f"{parts[0][0]} are the most likely to be {parts[0][1]} ({parts[0][2]})"
    if len(parts) > 1:
        who = "they also" if parts[1][0] == parts[0][0] else parts[1][0].lower()
        text += f", {who} {parts[1][1]} ({parts[1][2]})"
    return text


def probability_sentences(
    table: pd.DataFrame,
    outcome: str,
    /,
    *,
    reference: pd.DataFrame | None = None,
    reference_outcome: str = "isForcedLabour",
    k: int = 1,
) -> list[str]:
    """Plain sentences per group: the probability with its interval and, when a
    ``reference`` table (forced labour) is given, how many are in ``outcome`` for every
    100 in the reference outcome.

    A group where no record (or every record) has the outcome is described by its
    counts (shown as '<k' when 1..k-1); the model's estimate follows only when its
    interval says something.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Men"], "n": [100], "events": [2], "probability": [0.02],
    ...                   "probability_ci_low": [0.01], "probability_ci_high": [0.05]})
    >>> s = probability_sentences(t, "isSexualExploit", reference=t.assign(probability=[0.8]))
    >>> s[0]
    '2% of men in these records are in sexual exploitation (model estimate; 95% CI 1% to 5%).'
    >>> s[1]
    'For every 100 men in forced labour in these records, about 2 are in sexual exploitation.'
    >>> edge = t.assign(events=[0], probability=[1e-9], probability_ci_low=[0.0],
    ...                 probability_ci_high=[1.0])
    >>> probability_sentences(edge, "isSexualExploit")
    ['None of the 100 men in these records are in sexual exploitation.']
    """
    phrase = outcome_phrase(outcome)
    out = []

    def on_edge(row: pd.Series) -> bool:
        return int(row["events"]) in (0, int(row["n"]))

    for _, row in table.iterrows():
        group = str(row["group"])
        n = int(row["n"])
        if n == 0:
            out.append(f"{group}: no records in view, so nothing can be said.")
            continue
        low, high = float(row["probability_ci_low"]), float(row["probability_ci_high"])
        share = _pct(float(row["probability"]))
        interval = f"95% CI {_pct(low)} to {_pct(high)}"
        if on_edge(row):
            which = "None" if int(row["events"]) == 0 else "All"
            text = (
                f"{which} of the {format_count(n, k)} {group.lower()} in these records are {phrase}"
            )
            informative = high - low < 0.98
            out.append(
                text + (f"; the model puts it at {share} ({interval})." if informative else ".")
            )
            continue
        out.append(
            f"{share[:1].upper()}{share[1:]} of {group.lower()} in these records are "
            f"{phrase} (model estimate; {interval})."
        )
        if reference is not None:
            match = reference[reference["group"] == group]
            if (
                len(match)
                and not on_edge(match.iloc[0])
                and float(match["probability"].iloc[0]) > 0
            ):
                per_100 = 100 * float(row["probability"]) / float(match["probability"].iloc[0])
                amount = f"{per_100:,.0f}" if per_100 >= 1 else "fewer than 1"
                out.append(
                    f"For every 100 {group.lower()} {outcome_phrase(reference_outcome)} in "
                    f"these records, about {amount} are {phrase}."
                )
    return out


# --------------------------------------------------------------------------- charts
#: Okabe-Ito colours (colour-blind safe), one per group.
GROUP_COLOURS: dict[str, str] = {
    "Girls": "#E69F00",
    "Women": "#D55E00",
    "Boys": "#56B4E9",
    "Men": "#0072B2",
}


def stack_group_tables(tables: Sequence[tuple[pd.DataFrame, LogitFit]], /) -> pd.DataFrame:
    """Group tables of several fits stacked, with each fit's outcome label first."""
    frames = [table.assign(outcome=fit.spec.label, model=fit.spec.outcome) for table, fit in tables]
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    first = ["outcome", "model", "group"]
    return table[first + [c for c in table.columns if c not in first]]


def overview_table(fits: Sequence[LogitFit], /) -> pd.DataFrame:
    """The group tables of several fits stacked, with the outcome's label first."""
    return stack_group_tables([(group_table(fit), fit) for fit in fits])


def probability_chart(table: pd.DataFrame, /, *, title: str, k: int = 1) -> object:
    """Grouped bars: the model probability of each outcome per group, with 95% CIs.

    Groups with no records in view, or with 1..k-1 records, events or non-events, are
    left out (small-cell protection).
    """
    import altair as alt

    data = visible_rows(table, k=k).copy()
    groups = [g for g in GROUP_ORDER if g in set(data["group"])] or sorted(set(data["group"]))
    colours = [GROUP_COLOURS.get(g, "#000000") for g in groups]
    if not set(groups) <= set(GROUP_COLOURS):  # cells other than the four groups
        colours = alt.Undefined
    outcomes = list(dict.fromkeys(data["outcome"]))
    base = alt.Chart(data).encode(
        x=alt.X("outcome:N", sort=outcomes, title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("group:N", sort=groups),
    )
    scale = (
        alt.Scale(domain=groups, range=colours)
        if colours is not alt.Undefined
        else alt.Scale(scheme="viridis")
    )
    bars = base.mark_bar().encode(
        y=alt.Y(
            "probability:Q",
            title="Share of the group with the outcome (model)",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        color=alt.Color("group:N", sort=groups, scale=scale, title="Group"),
        tooltip=[
            alt.Tooltip("outcome:N", title="Outcome"),
            alt.Tooltip("group:N", title="Group"),
            alt.Tooltip("probability:Q", format=".1%", title="Probability"),
            alt.Tooltip("probability_ci_low:Q", format=".1%", title="95% CI from"),
            alt.Tooltip("probability_ci_high:Q", format=".1%", title="95% CI to"),
            alt.Tooltip("n:Q", format=",", title="Records"),
        ],
    )
    errors = base.mark_rule(color="#000000").encode(
        y="probability_ci_low:Q", y2="probability_ci_high:Q"
    )
    # the width is for the PNG download; on screen the chart fills the column
    return (bars + errors).properties(
        title=title, height=360, width=min(1000, max(480, 32 * len(outcomes) * max(len(groups), 1)))
    )


# --------------------------------------------------------------------------- display
def visible_rows(table: pd.DataFrame, /, *, k: int) -> pd.DataFrame:
    """Rows with records in view and no count (records, events, non-events) in 1..k-1.

    Rows whose counts or estimates are withheld (empty, see
    :func:`core.risk.protect.protect_model`) are left out too.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [0, 50, 50, None], "events": [0, 3, 20, None],
    ...                   "non_events": [0, 47, 30, None]})
    >>> visible_rows(t, k=10).index.tolist()
    [2]
    """
    from core.privacy import small_mask

    keep = pd.to_numeric(table["n"], errors="coerce").fillna(0).to_numpy() > 0
    for column in ("n", "events", "non_events", "probability"):
        if column in table.columns:
            keep &= table[column].notna().to_numpy()
            if column != "probability":
                keep &= ~small_mask(table[column].to_numpy(), k)
    return table[keep]


def readable_groups(table: pd.DataFrame, /) -> pd.DataFrame:
    """A :func:`group_table` (or :func:`overview_table`) with plain column names, rounded.

    Probabilities become percentages with two decimals.
    """
    names = {
        "outcome": "Outcome",
        "group": "Group",
        "n": "Records",
        "events": "With the outcome",
        "non_events": "Without",
        "log_odds": "Log-odds",
        "odds": "Odds",
        "probability": "Probability (%)",
        "probability_ci_low": "95% CI from (%)",
        "probability_ci_high": "95% CI to (%)",
    }
    out = table[[c for c in names if c in table.columns]].copy()
    for column in ("probability", "probability_ci_low", "probability_ci_high"):
        out[column] = (out[column] * 100).round(2)
    out["log_odds"] = out["log_odds"].round(4)
    out["odds"] = out["odds"].map(lambda v: float(f"{v:.4g}"))
    return out.rename(columns=names)


def readable_coefficients(table: pd.DataFrame, /) -> pd.DataFrame:
    """A :func:`coefficient_table` with plain column names, rounded for reading."""
    names = {
        "label": "Term",
        "term": "Code",
        "estimate": "Estimate (log-odds)",
        "std_error": "Std. error",
        "z": "z",
        "p_value": "p-value",
        "ci_low": "95% CI from",
        "ci_high": "95% CI to",
        "odds_change_pct": "Change in odds (%)",
        "odds_change_ci_low": "Change: 95% CI from (%)",
        "odds_change_ci_high": "Change: 95% CI to (%)",
    }
    out = table[list(names)].copy()
    for column in ("estimate", "std_error", "ci_low", "ci_high"):
        out[column] = out[column].round(5)
    out["z"] = out["z"].round(2)
    # as text: a p-value of 1e-196 would otherwise print as a long row of zeros
    out["p_value"] = out["p_value"].map(
        lambda v: "" if pd.isna(v) else "<1e-300" if v == 0 else f"{v:.2g}"
    )
    for column in ("odds_change_pct", "odds_change_ci_low", "odds_change_ci_high"):
        out[column] = out[column].round(1)
    return out.rename(columns=names)
