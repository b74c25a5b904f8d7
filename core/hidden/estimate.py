"""Hidden-population estimates: survey counts of forced labour extrapolated with the logit models.

Two methods turn a survey's count of people in forced labour (:mod:`core.hidden.survey`)
into an estimate of people in forced commercial sexual exploitation, using the models of
:mod:`core.risk.model` fitted on the identified victims:

* ``"published"``: survey count x the group's odds of sexual exploitation (model 1);
* ``"ratio"``: survey count x P(sexual exploitation) / P(forced labour) (models 1 and 2).

95% intervals come from the delta method on the log scale, using the models' covariance
(for the ratio, the joint covariance of models 1 and 2, which are fitted on the same
records and so are correlated), widened by the survey's own bounds when given; the
total's interval too (:func:`total_estimate`). They cover model and survey error only,
not whether identified victims represent the hidden population.
:func:`protect_estimates` withholds the groups whose counts are below the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from core.data.denominators import known_mask
from core.hidden.survey import SurveyRow
from core.options import check_option
from core.privacy import MODEL_COUNTS, small_mask, withheld_note
from core.risk.model import LogitFit, ModelError
from core.risk.records import DENOMINATOR_RULES, DenominatorRule

__all__ = [
    "METHODS",
    "ExtrapolationMethod",
    "extrapolate",
    "joint_counts",
    "joint_covariance",
    "protect_estimates",
    "total_estimate",
    "total_groups",
]

ExtrapolationMethod = Literal["published", "ratio"]

#: Method key -> (name, two-sentence explanation).
METHODS: dict[str, tuple[str, str]] = {
    "published": (
        "As published: survey count x odds of sexual exploitation",
        (
            "Each group's survey count of people in forced labour is multiplied by the group's "
            "odds of sexual exploitation in the records, P / (1 − P) from model 1. It reads the "
            "records' split between sexual exploitation and everything else as the split "
            "between forced commercial sexual exploitation and the forced labour the survey "
            "counted."
        ),
    ),
    "ratio": (
        "Ratio: survey count x P(sexual exploitation) / P(forced labour)",
        (
            "Each group's survey count is multiplied by the probability of sexual exploitation "
            "divided by the probability of forced labour, both from models fitted on the same "
            "records (models 1 and 2). Records in both forms or in neither then count on the "
            "side they belong to, instead of all being folded into 'not sexual exploitation'."
        ),
    ),
}

_Z95 = float(stats.norm.ppf(0.975))


def joint_counts(
    records: pd.DataFrame,
    /,
    *,
    denominators: DenominatorRule = "published",
    first: str = "isSexualExploit",
    second: str = "isForcedLabour",
) -> pd.DataFrame:
    """Per gender x majority cell: records ``n``, events of each outcome and of both.

    Uses the same records as models 1 and 2 under the rule ``denominators``
    (``"published"`` or ``"ctdc"``, see :func:`core.risk.records.model_records`).

    Raises
    ------
    ValueError
        When ``denominators`` is neither ``"published"`` nor ``"ctdc"``.

    Examples
    --------
    >>> r = pd.DataFrame({"gender": ["Male"] * 3, "majority": ["Adult"] * 3,
    ...                   "isSexualExploit": [True, True, False],
    ...                   "isForcedLabour": [True, False, True]})
    >>> joint_counts(r)[["n", "first", "second", "both"]].values.tolist()
    [[3, 2, 2, 1]]
    """
    check_option(denominators, DENOMINATOR_RULES, name="denominators")
    keep = (
        known_mask(records, "exploitation")
        if denominators == "ctdc"
        else np.ones(len(records), dtype=bool)
    )
    rows = records.loc[keep, ["gender", "majority"]].astype(object)
    a = records.loc[keep, first].to_numpy(dtype=bool)
    b = records.loc[keep, second].to_numpy(dtype=bool)
    rows = rows.assign(first=a.astype(int), second=b.astype(int), both=(a & b).astype(int))
    grouped = rows.groupby(["gender", "majority"], sort=True)
    out = grouped[["first", "second", "both"]].sum()
    out.insert(0, "n", grouped.size())
    return out.reset_index()


def joint_covariance(first: LogitFit, second: LogitFit, joint: pd.DataFrame, /) -> np.ndarray:
    """Joint (sandwich) covariance of two logit fits on the same records.

    ``V = A^-1 B A^-1`` with ``A`` the block-diagonal information of both models and
    ``B`` the covariance of their per-record scores, computed exactly from the per-cell
    counts in ``joint`` (:func:`joint_counts`). For saturated models the diagonal blocks
    equal each model's own covariance.
    """
    cells = joint.rename(columns={"majority_status": "majority"})
    X1 = first.design.matrix(cells)
    X2 = second.design.matrix(cells)
    n = cells["n"].to_numpy(float)
    a = cells["first"].to_numpy(float)
    b = cells["second"].to_numpy(float)
    ab = cells["both"].to_numpy(float)
    p1 = expit(X1 @ first.params)
    p2 = expit(X2 @ second.params)
    if not (np.isclose(n.sum(), first.n) and np.isclose(n.sum(), second.n)):
        raise ModelError(
            "The two models do not rest on the same records, so their joint "
            "uncertainty cannot be computed; use the same preset for both."
        )
    A1 = X1.T @ (X1 * (n * p1 * (1 - p1))[:, None])
    A2 = X2.T @ (X2 * (n * p2 * (1 - p2))[:, None])
    # sum over records of (y1 - p1)(y2 - p2), etc., per cell (y^2 = y for 0/1 outcomes)
    s11 = a - 2 * p1 * a + n * p1**2
    s22 = b - 2 * p2 * b + n * p2**2
    s12 = ab - p2 * a - p1 * b + n * p1 * p2
    B = np.block(
        [
            [X1.T @ (X1 * s11[:, None]), X1.T @ (X2 * s12[:, None])],
            [X2.T @ (X1 * s12[:, None]), X2.T @ (X2 * s22[:, None])],
        ]
    )
    k1 = X1.shape[1]
    A_inv = np.zeros((k1 + X2.shape[1],) * 2)
    A_inv[:k1, :k1] = np.linalg.inv(A1)
    A_inv[k1:, k1:] = np.linalg.inv(A2)
    return A_inv @ B @ A_inv


def _covariance(
    method: str, sexual: LogitFit, labour: LogitFit | None, joint: pd.DataFrame | None
) -> np.ndarray:
    """The covariance of the parameters a method's factor rests on (one or both models)."""
    check_option(method, METHODS, name="method")
    if method == "published":
        return sexual.cov
    if labour is None or joint is None:
        raise ValueError("the ratio method needs the forced-labour fit and the joint counts")
    return joint_covariance(sexual, labour, joint)


def _group_counts(fit: LogitFit, gender: str, majority: str) -> tuple[int, int]:
    """Records and events of one gender x majority group among a fit's records."""
    groups = fit.groups
    match = groups
    if "gender" in groups.columns:
        match = match[match["gender"] == gender]
    if "majority" in groups.columns:
        match = match[match["majority"] == majority]
    return int(match["n"].sum()), int(match["events"].sum())


def _factor(
    method: str, sexual: LogitFit, labour: LogitFit | None, cell: pd.DataFrame
) -> tuple[float, np.ndarray]:
    """log(factor) and its gradient with respect to the (joint) parameters."""
    X1 = sexual.design.matrix(cell)[0]
    eta1 = float(X1 @ sexual.params)
    if method == "published":
        return eta1, X1
    assert labour is not None
    X2 = labour.design.matrix(cell)[0]
    eta2 = float(X2 @ labour.params)
    p1, p2 = expit(eta1), expit(eta2)
    log_factor = math.log(p1) - math.log(p2)
    return log_factor, np.concatenate([(1 - p1) * X1, -(1 - p2) * X2])


def extrapolate(
    survey: Sequence[SurveyRow],
    /,
    *,
    method: ExtrapolationMethod,
    sexual: LogitFit,
    labour: LogitFit | None = None,
    joint: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Estimates of people in sexual exploitation from survey counts of forced labour.

    Parameters
    ----------
    survey
        One row per group (see :func:`core.hidden.survey.survey_rows`).
    method
        ``"published"`` (odds) or ``"ratio"`` (P(sexual) / P(forced labour)).
    sexual, labour
        Fits of models 1 (sexual exploitation) and 2 (forced labour); ``labour`` and
        ``joint`` (:func:`joint_counts`) are needed for ``"ratio"``.

    Returns
    -------
    DataFrame
        One row per survey group: ``group, gender, majority_status, survey_count,
        survey_low, survey_high, records, events_sexual, events_labour, method, factor,
        factor_ci_low, factor_ci_high, estimate, ci_low, ci_high, note`` in the survey's
        units. Groups that cannot be estimated have no numbers and a ``note`` saying why.

    Raises
    ------
    ValueError
        When ``method`` is neither ``"published"`` nor ``"ratio"``, or when ``"ratio"``
        lacks ``labour`` or ``joint``.
    """
    cov = _covariance(method, sexual, labour, joint)
    out = []
    for row in survey:
        n1, e1 = _group_counts(sexual, row.gender, row.majority)
        e2 = _group_counts(labour, row.gender, row.majority)[1] if labour is not None else None
        record = {
            "group": row.group,
            "gender": row.gender,
            "majority_status": row.majority,
            "survey_count": row.count,
            "survey_low": row.low,
            "survey_high": row.high,
            "records": n1,
            "events_sexual": e1,
            "events_labour": e2 if method == "ratio" else None,
            "method": method,
            "factor": np.nan,
            "factor_ci_low": np.nan,
            "factor_ci_high": np.nan,
            "estimate": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "note": "",
        }
        what = row.group.lower()
        if n1 == 0:
            record["note"] = f"not estimable: no {what} among the records in view"
        elif e1 == 0:
            record["note"] = f"not estimable: none of the {what} in view is in sexual exploitation"
        elif method == "published" and e1 == n1:
            record["note"] = (
                f"not estimable: all {what} in view are in sexual exploitation "
                "(the odds are infinite)"
            )
        elif method == "ratio" and e2 == 0:
            record["note"] = f"not estimable: none of the {what} in view is in forced labour"
        if record["note"]:
            out.append(record)
            continue
        cell = pd.DataFrame({"gender": [row.gender], "majority": [row.majority]})
        log_factor, grad = _factor(method, sexual, labour, cell)
        se = math.sqrt(max(float(grad @ cov @ grad), 0.0))
        factor = math.exp(log_factor)
        factor_high = math.exp(log_factor + _Z95 * se)
        record["factor"] = factor
        record["factor_ci_low"] = math.exp(log_factor - _Z95 * se)
        record["factor_ci_high"] = factor_high
        record["estimate"] = row.count * factor
        if row.count == 0:
            record["ci_low"] = 0.0
            record["ci_high"] = (row.high or 0.0) * factor_high
        else:
            log_est = math.log(row.count) + log_factor
            se_low = se_high = 0.0
            if row.low is not None:
                se_low = math.inf if row.low == 0 else math.log(row.count / row.low) / _Z95
            if row.high is not None:
                se_high = math.log(row.high / row.count) / _Z95
            record["ci_low"] = math.exp(log_est - _Z95 * math.hypot(se, se_low))
            record["ci_high"] = math.exp(log_est + _Z95 * math.hypot(se, se_high))
        out.append(record)
    return pd.DataFrame(
        out,
        columns=[
            "group",
            "gender",
            "majority_status",
            "survey_count",
            "survey_low",
            "survey_high",
            "records",
            "events_sexual",
            "events_labour",
            "method",
            "factor",
            "factor_ci_low",
            "factor_ci_high",
            "estimate",
            "ci_low",
            "ci_high",
            "note",
        ],
    )


def _survey_log_sd(count: float, bound: float | None, *, below: bool) -> float:
    """The survey's log-scale sd on one side, reading its bound as a 95% limit (0: none)."""
    if bound is None or math.isnan(bound):
        return 0.0
    if below:
        return math.inf if bound == 0 else math.log(count / bound) / _Z95
    return math.log(bound / count) / _Z95


def _bound(value: object) -> float | None:
    """A table's survey bound as a number; None when empty."""
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


def total_estimate(
    table: pd.DataFrame,
    /,
    *,
    sexual: LogitFit,
    labour: LogitFit | None = None,
    joint: pd.DataFrame | None = None,
) -> tuple[float, float, float]:
    """The sum of the estimable groups' estimates with a 95% interval on the log scale.

    The total's interval is made like each group's: by the delta method on the log of
    the total, so that, like the groups' intervals, it is skewed to the right and misses
    the truth about equally often below and above (a symmetric interval on a sum of
    log-normal-like estimates misses almost only above). With ``T = sum(E_i)``::

        var(log T) = (g' V g + sum_i (E_i s_i)^2) / T^2,   g = sum_i E_i grad log factor_i

    where ``V`` is the models' (joint) covariance (the groups share parameters) and
    ``s_i`` the survey's log-scale sd of group i, from its lower bound for the lower end
    and from its upper bound for the upper end (``log(count / lower) / 1.96``, as for the
    groups; 0 without a bound). The interval is ``T exp(-/+ 1.96 sd(log T))``. With one
    group this is exactly that group's interval. A group whose survey count is 0 adds
    nothing to the total and its own upper end (upper bound x upper factor) to the
    total's upper end.

    Parameters
    ----------
    table
        An :func:`extrapolate` table (protected or not: withheld groups have no estimate
        and are left out of the sum; :func:`total_groups` names the groups it adds).
    sexual, labour, joint
        The fits and joint counts the table was made with (``labour`` and ``joint`` for
        the ratio method).

    Returns
    -------
    tuple of float
        ``(total, low, high)``; all NaN when no group has an estimate.

    Raises
    ------
    ValueError
        When the table's method is not ``"published"`` or ``"ratio"``, or the ratio
        method lacks ``labour`` or ``joint``.
    """
    usable = table[table["estimate"].notna()]
    if usable.empty:
        return (math.nan, math.nan, math.nan)
    method = str(usable["method"].iloc[0])
    cov = _covariance(method, sexual, labour, joint)
    grad = np.zeros(cov.shape[0])
    survey_low = survey_high = 0.0  # absolute-scale survey variances, each side
    zero_high = 0.0
    for _, row in usable.iterrows():
        count, estimate = float(row["survey_count"]), float(row["estimate"])
        if count == 0:
            zero_high += float(row["ci_high"])
            continue
        cell = pd.DataFrame({"gender": [row["gender"]], "majority": [row["majority_status"]]})
        _, g = _factor(method, sexual, labour, cell)
        grad += estimate * g
        below = _survey_log_sd(count, _bound(row["survey_low"]), below=True)
        above = _survey_log_sd(count, _bound(row["survey_high"]), below=False)
        survey_low += math.inf if math.isinf(below) else (estimate * below) ** 2
        survey_high += (estimate * above) ** 2
    total = float(usable["estimate"].sum())
    if total == 0:
        return total, 0.0, zero_high
    model_var = max(float(grad @ cov @ grad), 0.0)
    sd_low = math.sqrt(model_var + survey_low) / total
    sd_high = math.sqrt(model_var + survey_high) / total
    low = total * math.exp(-_Z95 * sd_low) if math.isfinite(sd_low) else 0.0
    return total, low, total * math.exp(_Z95 * sd_high) + zero_high


def total_groups(table: pd.DataFrame, /) -> tuple[list[str], list[str]]:
    """The groups :func:`total_estimate` adds up, and the typed ones it leaves out.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Women", "Boys", "Men"], "estimate": [6484.0, None, 119.0]})
    >>> total_groups(t)
    (['Women', 'Men'], ['Boys'])
    """
    added = table["estimate"].notna()
    return table.loc[added, "group"].astype(str).tolist(), table.loc[~added, "group"].astype(
        str
    ).tolist()


def protect_estimates(
    table: pd.DataFrame, /, *, k: int, withheld: Sequence[str] | None = None
) -> pd.DataFrame:
    """Withhold the numbers of groups whose records, events or non-events are 1..k-1.

    The factor is a ratio of such counts, so it (and the estimate built on it) would
    reveal them; so would the records beside the other count (records - events). Those
    rows keep their survey inputs, lose their counts and numbers, and get a note
    instead. ``withheld`` names the groups the models' own protection withholds
    (:attr:`core.risk.protect.ProtectedModel.withheld`, which includes a second group
    that protects a lone small one from the totals); they are withheld here too, so the
    risk page and this table withhold the same groups. Without it, when exactly one group
    of a method is withheld, the smallest other group in the table is withheld too.

    Examples
    --------
    >>> t = pd.DataFrame({"records": [500, 12, 300], "events_sexual": [3, 11, 40],
    ...                   "events_labour": [None, None, None], "factor": [0.006, 11.0, 0.15],
    ...                   "factor_ci_low": [0.0, 5.0, 0.1], "factor_ci_high": [0.02, 20.0, 0.2],
    ...                   "estimate": [6.0, 1100.0, 15.0], "ci_low": [2.0, 500.0, 10.0],
    ...                   "ci_high": [20.0, 2000.0, 20.0], "note": ["", "", ""]})
    >>> out = protect_estimates(t, k=10)
    >>> out["estimate"].tolist(), out["records"].tolist(), out["events_sexual"].tolist()
    ([nan, nan, 15.0], [nan, nan, 300.0], [nan, nan, 40.0])
    >>> out["note"].tolist()[0] == out["note"].tolist()[1], out["note"].tolist()[2]
    (True, '')
    """
    out = table.copy()
    mask = np.zeros(len(out), dtype=bool)
    for column in ("records", "events_sexual", "events_labour"):
        values = pd.to_numeric(out[column], errors="coerce").to_numpy(dtype=float)
        mask |= small_mask(np.nan_to_num(values, nan=0.0), k)
        # non-events reveal as much as events
        if column != "records":
            rest = pd.to_numeric(out["records"], errors="coerce").to_numpy(dtype=float) - values
            mask |= small_mask(np.nan_to_num(rest, nan=0.0), k)
    records = pd.to_numeric(out["records"], errors="coerce").fillna(0).to_numpy(dtype=float)
    secondary = np.zeros(len(out), dtype=bool)
    methods = out["method"].to_numpy() if "method" in out.columns else np.zeros(len(out))
    for method in pd.unique(methods) if withheld is None else ():
        rows = (methods == method) & (records > 0)
        if (rows & mask).sum() == 1:
            others = np.flatnonzero(rows & ~mask)
            if len(others):
                secondary[others[np.argmin(records[others])]] = True
    if withheld is not None:
        secondary = out["group"].isin(list(withheld)).to_numpy() & ~mask
    numbers = ["factor", "factor_ci_low", "factor_ci_high", "estimate", "ci_low", "ci_high"]
    counts = ["records", "events_sexual", "events_labour"]
    hidden = mask | secondary
    if hidden.any():
        for column in counts:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out.loc[hidden, numbers + counts] = np.nan
    # one note for every withheld row: which is the small one must not show
    out.loc[hidden, "note"] = withheld_note(k, counts=MODEL_COUNTS)
    return out
