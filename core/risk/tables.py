"""The risk models' tables: coefficients, groups, and their forms for reading.

:func:`coefficient_table` and :func:`group_table` turn a :class:`core.risk.model.LogitFit`
into numbers (estimates and intervals per term; probabilities per group);
:func:`overview_table` stacks the group tables of several models; :func:`shown_groups`
keeps the rows a chart or sentence may show at threshold k; ``readable_*`` give the
tables plain column names, rounded for the screen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from core.privacy import small_mask
from core.risk.model import LogitFit
from core.risk.records import GROUP_ORDER, GROUPS, PREDICTORS
from core.risk.words import cell_name
from core.words import listed

__all__ = [
    "COEFFICIENTS_ON_SCREEN",
    "coefficient_caption",
    "coefficient_table",
    "group_table",
    "overview_table",
    "readable_coefficients",
    "readable_groups",
    "shown_groups",
    "stack_group_tables",
]

_Z95 = float(stats.norm.ppf(0.975))
_ML_INFERENCE = "Wald (maximum likelihood)"


def coefficient_table(fit: LogitFit, /) -> pd.DataFrame:
    """Coefficients with standard error, z, p-value, 95% CI and the percent change in odds.

    ``odds_change_pct = (exp(estimate) - 1) x 100``, with its CI from the CI of the
    estimate. Firth fits carry profile-likelihood intervals and likelihood-ratio p-values;
    ``p_value_method`` and ``ci_method`` say, per term, how each was computed
    (``"Wald (maximum likelihood)"``; for Firth a key of
    :data:`core.risk.firth.FIRTH_INFERENCE`, ``"Wald"`` where the likelihood-ratio
    computation failed).

    Examples
    --------
    >>> from core.risk.model import ModelSpec, fit_model
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
            "p_value_method": list(fit.p_kind) if fit.p_kind else _ML_INFERENCE,
            "ci_method": list(fit.ci_kind) if fit.ci_kind else _ML_INFERENCE,
        }
    )
    with np.errstate(over="ignore"):  # infinite under separation: shown as inf
        change = np.expm1(table[["estimate", "ci_low", "ci_high"]].to_numpy()) * 100
    table["odds_change_pct"] = change[:, 0]
    table["odds_change_ci_low"] = change[:, 1]
    table["odds_change_ci_high"] = change[:, 2]
    return table


def coefficient_caption(fit: LogitFit, /, *, shown: Sequence[str] | None = None) -> str:
    """What a coefficient table's standard errors, p-values and intervals are.

    For a Firth fit it names the terms whose p-value or interval was recomputed with a
    looser tolerance, or is a Wald value, because the penalised likelihood-ratio
    computation did not converge (see :func:`core.risk.firth.firth_logit`). ``shown``
    limits those names to the terms on screen (the others are withheld).

    Examples
    --------
    >>> from core.risk.model import ModelSpec, fit_model
    >>> r = pd.DataFrame({"gender": ["Female"] * 4 + ["Male"] * 4,
    ...                   "isForcedLabour": [True, False, False, False, True, True, True, False]})
    >>> coefficient_caption(fit_model(r, ModelSpec("isForcedLabour", ("gender",))))
    'Standard errors: the inverse Fisher information at the maximum-likelihood estimate; z = estimate / standard error; Wald p-values and 95% intervals (estimate ± 1.96 standard errors).'
    """
    if fit.method != "firth":
        return (
            "Standard errors: the inverse Fisher information at the maximum-likelihood "
            "estimate; z = estimate / standard error; Wald p-values and 95% intervals "
            "(estimate ± 1.96 standard errors)."
        )
    text = (
        "Firth-penalised estimates. Standard errors: the inverse Fisher information at the "
        "Firth estimate (as R's brglm2 gives them; R's logistf computes them slightly "
        "differently); z = estimate / standard error. 95% intervals: profile penalised "
        "likelihood; p-values: penalised likelihood-ratio tests (both as R's logistf)."
    )
    visible = set(fit.terms if shown is None else shown)
    for what, kinds in (("p-value", fit.p_kind), ("interval", fit.ci_kind)):
        for kind in ("likelihood ratio (looser tolerance)", "Wald"):
            terms = [
                f"'{fit.design.term_label(t)}'"
                for t, k in zip(fit.terms, kinds, strict=True)
                if k == kind and t in visible
            ]
            if not terms:
                continue
            one = len(terms) == 1
            subject = f"The {what}{'' if one else 's'} of {listed(terms)}"
            if kind == "Wald":
                marked = " (marked '(Wald)')" if what == "p-value" else ""
                text += (
                    f" {subject} {'is a' if one else 'are'} Wald {what}{'' if one else 's'}"
                    f"{marked}, because the penalised likelihood-ratio computation did not "
                    "converge."
                )
            else:
                text += (
                    f" {subject} {'was' if one else 'were'} recomputed with a looser "
                    "convergence tolerance (gradient below 1e-6, which agrees with R) after "
                    "the strict computation stopped at its iteration limit."
                )
    return text


def group_table(fit: LogitFit, /) -> pd.DataFrame:
    """Per group: records, events, log-odds, odds, probability and its 95% CI.

    For models whose predictors are gender and/or majority status the rows are the
    four groups (girls, women, boys, men) in that order, also when the model omits a
    predictor; groups with no records in view get ``n = 0`` and no estimates. For models
    with an age band the rows are the model's cells. Probability intervals come from the delta method on the linear predictor
    (log-odds +- 1.96 SE, mapped through the logistic function).

    Examples
    --------
    >>> from core.risk.model import ModelSpec, fit_model
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
        rows.insert(0, "group", [cell_name(r, fit.design.predictors) for _, r in rows.iterrows()])
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


def stack_group_tables(tables: Sequence[tuple[pd.DataFrame, LogitFit]], /) -> pd.DataFrame:
    """Group tables of several fits stacked, with each fit's outcome label first.

    Each entry pairs a group table (:func:`group_table`, or a protected one) with its
    fit; the columns ``outcome`` (the outcome's label) and ``model`` (its column) lead.

    Examples
    --------
    >>> from core.risk.model import ModelSpec, fit_model
    >>> r = pd.DataFrame({"gender": ["Female"] * 4 + ["Male"] * 4,
    ...                   "isForcedLabour": [True, False, False, False, True, True, True, False]})
    >>> fit = fit_model(r, ModelSpec("isForcedLabour", ("gender",)))
    >>> stack_group_tables([(group_table(fit), fit)]).columns[:3].tolist()
    ['outcome', 'model', 'group']
    >>> stack_group_tables([]).empty
    True
    """
    frames = [table.assign(outcome=fit.spec.label, model=fit.spec.outcome) for table, fit in tables]
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    first = ["outcome", "model", "group"]
    return table[first + [c for c in table.columns if c not in first]]


def overview_table(fits: Sequence[LogitFit], /) -> pd.DataFrame:
    """The group tables of several fits stacked, with the outcome's label first.

    The unprotected form of :func:`core.risk.protect.protected_overview`.
    """
    return stack_group_tables([(group_table(fit), fit) for fit in fits])


def shown_groups(table: pd.DataFrame, /, *, k: int) -> pd.DataFrame:
    """Rows with records in view and no count (records, events, non-events) in 1..k-1.

    Rows whose counts or estimates are withheld (empty, see
    :func:`core.risk.protect.protect_model`) are left out too.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [0, 50, 50, None], "events": [0, 3, 20, None],
    ...                   "non_events": [0, 47, 30, None]})
    >>> shown_groups(t, k=10).index.tolist()
    [2]
    """
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


def _marked(value: float, method: str) -> str:
    """A p-value as text; a Firth fit's Wald fallback says so."""
    text = "" if pd.isna(value) else "<1e-300" if value == 0 else f"{value:.2g}"
    return f"{text} (Wald)" if method == "Wald" else text


def readable_coefficients(table: pd.DataFrame, /) -> pd.DataFrame:
    """A :func:`coefficient_table` with plain column names, rounded for reading.

    In a Firth table (likelihood-ratio p-values) a Wald p-value, used where the
    likelihood-ratio test did not converge, reads "... (Wald)".

    Examples
    --------
    >>> t = pd.DataFrame({"label": ["a", "b"], "term": ["a", "b"], "estimate": [1.0, 2.0],
    ...                   "std_error": [0.5, 0.5], "z": [2.0, 4.0], "p_value": [0.045, 6e-5],
    ...                   "ci_low": [0.0, 1.0], "ci_high": [2.0, 3.0],
    ...                   "p_value_method": ["likelihood ratio", "Wald"],
    ...                   "ci_method": ["likelihood ratio", "likelihood ratio"],
    ...                   "odds_change_pct": [1.0, 2.0], "odds_change_ci_low": [0.0, 1.0],
    ...                   "odds_change_ci_high": [2.0, 3.0]})
    >>> readable_coefficients(t)["p-value"].tolist()
    ['0.045', '6e-05 (Wald)']
    """
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
    methods = (
        table["p_value_method"] if "p_value_method" in table.columns else pd.Series("", table.index)
    )
    out["p_value"] = [_marked(v, str(m)) for v, m in zip(out["p_value"], methods, strict=True)]
    for column in ("odds_change_pct", "odds_change_ci_low", "odds_change_ci_high"):
        out[column] = out[column].round(1)
    return out.rename(columns=names)


#: The order the screen shows :func:`readable_coefficients` in: what a reader looks for
#: first (the term, how its odds change and how sure that is), then the log-odds a
#: statistician checks, the model's code for the term last. On a phone the answer is then
#: in view without scrolling sideways. The CSV keeps the order above.
COEFFICIENTS_ON_SCREEN = (
    "Term",
    "Change in odds (%)",
    "Change: 95% CI from (%)",
    "Change: 95% CI to (%)",
    "p-value",
    "Estimate (log-odds)",
    "Std. error",
    "z",
    "95% CI from",
    "95% CI to",
    "Code",
)
