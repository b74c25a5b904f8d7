"""Firth-penalised logit on grouped counts: the estimates when a cell has no events.

:func:`firth_logit` fits with the ``firthmodels`` package (Jeffreys-prior penalty), with
profile penalised-likelihood intervals and penalised likelihood-ratio p-values, as R's
``logistf``; a computation that fails at the strict tolerance is redone at a looser one,
and one that fails again falls back to the Wald value, labelled so
(:data:`FIRTH_INFERENCE`). :func:`core.risk.model.fit_model` calls it for
``method="firth"``.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy import stats
from scipy.special import expit

from core.risk.records import ModelError

__all__ = [
    "FIRTH_INFERENCE",
    "FirthResult",
    "FirthUnavailable",
    "firth_logit",
]

_Z95 = float(stats.norm.ppf(0.975))


class FirthUnavailable(ModelError):
    """The ``firthmodels`` package is not installed."""


def _fisher_cov(X: np.ndarray, params: np.ndarray, trials: np.ndarray) -> np.ndarray:
    p = expit(X @ params)
    info = X.T @ (X * (trials * p * (1 - p))[:, None])
    return np.linalg.inv(info)


#: How a Firth fit's p-value or interval was computed (see :func:`firth_logit`).
FIRTH_INFERENCE: dict[str, str] = {
    "likelihood ratio": "penalised likelihood-ratio test / profile penalised likelihood",
    "likelihood ratio (looser tolerance)": (
        "penalised likelihood-ratio test / profile penalised likelihood, recomputed with a "
        "looser convergence tolerance (gradient below 1e-6, as R) after the strict one "
        "stopped at its iteration limit"
    ),
    "Wald": (
        "Wald (estimate / standard error, normal distribution), because the penalised "
        "likelihood-ratio computation did not converge"
    ),
}


class FirthResult(NamedTuple):
    """What :func:`firth_logit` returns.

    ``p_kind`` and ``ci_kind`` name, per coefficient, how its p-value and interval were
    computed: a key of :data:`FIRTH_INFERENCE`. No p-value or interval is ever left
    empty: a likelihood-ratio computation that fails at the strict tolerance is redone
    at a looser one, and if that fails too, the Wald value is given and labelled so.
    """

    params: np.ndarray
    cov: np.ndarray
    ci: np.ndarray
    p_values: np.ndarray
    converged: bool
    p_kind: tuple[str, ...]
    ci_kind: tuple[str, ...]


# The strictest tolerance the solver reaches first: at the optimum, round-off can make
# the step-halving of a very strict fit fail, which would also block the LRT p-values.
_FIRTH_TOLERANCES = ((1e-8, 1e-10), (1e-6, 1e-8), (1e-4, 1e-4))
# Recomputing a failed likelihood-ratio test or profile interval: gtol=1e-6 agrees with
# R (tests/reference/README.md), with more iterations than the first attempt.
_FIRTH_RETRY_ITERATIONS, _FIRTH_RETRY_GTOL, _FIRTH_RETRY_XTOL = 1000, 1e-6, 1e-8


def firth_logit(X: np.ndarray, events: np.ndarray, trials: np.ndarray, /) -> FirthResult:
    """Firth-penalised logit on grouped counts (``firthmodels``, Jeffreys-prior penalty).

    Each row becomes an event row and a non-event row weighted by their counts
    (frequency weights). Confidence intervals are profile penalised-likelihood
    intervals and p-values penalised likelihood-ratio tests, as in R's ``logistf``;
    where one fails to converge it is recomputed with a looser tolerance, and where that
    fails too the Wald value is used, labelled in ``p_kind`` / ``ci_kind``. The
    covariance is the inverse Fisher information at the Firth estimate (as R's brglm2
    reports it; logistf's differs slightly, by up to a few percent on small data).

    Returns
    -------
    FirthResult
        ``params, cov, ci (k x 2), p_values, converged, p_kind, ci_kind``.

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

    def fitted(*, max_iter: int, gtol: float, xtol: float) -> FirthLogisticRegression:
        model = FirthLogisticRegression(
            fit_intercept=False, max_iter=max_iter, gtol=gtol, xtol=xtol, backend="numpy"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(rows[keep], y[keep], sample_weight=weights[keep])
        return model

    for gtol, xtol in _FIRTH_TOLERANCES:
        model = fitted(max_iter=200, gtol=gtol, xtol=xtol)
        if model.converged_:
            break
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ci = np.asarray(model.conf_int(alpha=0.05, method="pl"), float)
        model.lrt()
    params = np.asarray(model.coef_, float)
    cov = _fisher_cov(X, params, trials)
    p_values = np.asarray(model.lrt_pvalues_, float).copy()
    p_kind = ["likelihood ratio"] * len(params)
    ci_kind = ["likelihood ratio"] * len(params)
    failed_p = [int(i) for i in np.flatnonzero(~np.isfinite(p_values))]
    failed_ci = [int(i) for i in np.flatnonzero(~np.isfinite(ci).all(axis=1))]
    if failed_p or failed_ci:
        retry = fitted(
            max_iter=_FIRTH_RETRY_ITERATIONS, gtol=_FIRTH_RETRY_GTOL, xtol=_FIRTH_RETRY_XTOL
        )
        if retry.converged_:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if failed_p:
                    retry.lrt(failed_p)
                    again = np.asarray(retry.lrt_pvalues_, float)
                    for i in failed_p:
                        if np.isfinite(again[i]):
                            p_values[i] = again[i]
                            p_kind[i] = "likelihood ratio (looser tolerance)"
                if failed_ci:
                    bounds = np.asarray(
                        retry.conf_int(alpha=0.05, method="pl", features=failed_ci, max_iter=200),
                        float,
                    )
                    for i in failed_ci:
                        if np.isfinite(bounds[i]).all():
                            ci[i] = bounds[i]
                            ci_kind[i] = "likelihood ratio (looser tolerance)"
    se = np.sqrt(np.diag(cov))
    for i in range(len(params)):
        if not np.isfinite(p_values[i]):
            p_values[i] = 2 * stats.norm.sf(abs(params[i] / se[i]))
            p_kind[i] = "Wald"
        if not np.isfinite(ci[i]).all():
            ci[i] = params[i] + np.array([-1.0, 1.0]) * _Z95 * se[i]
            ci_kind[i] = "Wald"
    return FirthResult(
        params, cov, ci, p_values, bool(model.converged_), tuple(p_kind), tuple(ci_kind)
    )
