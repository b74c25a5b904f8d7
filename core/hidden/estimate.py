"""Hidden-population estimates: survey counts of forced labour extrapolated with the logit models.

Surveys (the ILO / Walk Free / IOM Global Estimates of Modern Slavery) count people in
forced labour by group. Two methods turn such a count into an estimate of people in
forced commercial sexual exploitation, using the models of :mod:`core.risk.model` fitted on
the identified victims:

* ``"published"``: survey count x the group's odds of sexual exploitation (model 1);
* ``"ratio"``: survey count x P(sexual exploitation) / P(forced labour) (models 1 and 2).

95% intervals come from the delta method on the log scale, using the models' covariance
(for the ratio, the joint covariance of models 1 and 2, which are fitted on the same
records and so are correlated), widened by the survey's own bounds when given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from core.data.denominators import known_mask
from core.risk.model import GROUP_ORDER, GROUPS, LogitFit, ModelError

__all__ = [
    "EXAMPLE_SOURCE",
    "EXAMPLE_SURVEY",
    "EXAMPLE_UNIT",
    "METHODS",
    "SURVEY_GROUPS",
    "UNITS",
    "SurveyInputError",
    "SurveyRow",
    "estimate_chart",
    "estimate_headline",
    "estimate_sentences",
    "extrapolate",
    "joint_counts",
    "joint_covariance",
    "parse_number",
    "protect_estimates",
    "readable_estimates",
    "survey_from_table",
    "survey_rows",
    "total_estimate",
    "withheld_caption",
]

ExtrapolationMethod = Literal["published", "ratio"]

#: Group name -> (gender, majority status), in display order.
SURVEY_GROUPS: dict[str, tuple[str, str]] = {
    name: key for name in GROUP_ORDER for key, group in GROUPS.items() if group == name
}
UNITS: dict[str, str] = {"thousands": "thousand people", "persons": "people"}
#: The pre-filled example: forced labour, Global Estimates of Modern Slavery 2022.
EXAMPLE_SURVEY: dict[str, str] = {"Women": "5,361", "Men": "10,656"}
EXAMPLE_UNIT = "thousands"
EXAMPLE_SOURCE = (
    "Example: adults in forced labour, Global Estimates of Modern Slavery 2022 "
    "(ILO, Walk Free, IOM; figures for 2021, in thousands), as used in the published analysis."
)

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
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Whole part with thousands separators: 1 to 3 leading digits (not a lone 0), then groups of 3.
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}([,\s_'][0-9]{3})+")
#: Counts above this are refused: more than the world's population, and large enough for
#: the interval arithmetic to overflow.
_LARGEST_COUNT = 1e10


class SurveyInputError(ValueError):
    """A survey input that cannot be used; the message is one sentence for the user."""


@dataclass(frozen=True)
class SurveyRow:
    """One group's survey count of people in forced labour, with optional bounds."""

    group: str
    gender: str
    majority: str
    count: float
    low: float | None = None
    high: float | None = None


def parse_number(text: object, /, *, what: str) -> float | None:
    """A non-negative number typed by a user; None when the field is empty.

    Thousands separators (``10,656``, ``10 656``, ``10_656``) are accepted.

    Raises
    ------
    SurveyInputError
        For text that is not a number, a negative number, infinity, or a number above
        10 billion.

    Examples
    --------
    >>> parse_number("10,656", what="men")
    10656.0
    >>> parse_number("  ", what="men") is None
    True
    >>> parse_number("-5", what="men")
    Traceback (most recent call last):
    ...
    core.hidden.estimate.SurveyInputError: The count for men is negative (-5); type a count of 0 or more.
    """
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
        raw = str(text)
    else:
        raw = str(text).strip()
        if not raw:
            return None
        # separators only in the whole part: '5.361,000' or '0,361' (decimal commas) are
        # refused rather than read as 5.361 or 361
        whole = re.split(r"[.eE]", raw, maxsplit=1)[0]
        cleaned = raw
        if _GROUPED.fullmatch(whole):
            cleaned = re.sub(r"[,\s_']", "", whole) + raw[len(whole) :]
        if not _NUMBER.fullmatch(cleaned):
            raise SurveyInputError(
                f"The count for {what} ({raw!r}) is not a number; type digits only, "
                "e.g. 10656 or 10,656."
            )
        value = float(cleaned)
    if math.isnan(value) or math.isinf(value):
        raise SurveyInputError(
            f"The count for {what} ({raw}) is not a finite number; type an ordinary number."
        )
    if value < 0:
        raise SurveyInputError(
            f"The count for {what} is negative ({raw}); type a count of 0 or more."
        )
    if value > _LARGEST_COUNT:
        raise SurveyInputError(
            f"The count for {what} ({raw}) is more than 10 billion, more "
            "than the world's population; check the digits and the unit."
        )
    return value


def survey_rows(
    inputs: Mapping[str, tuple[object, object, object]], /
) -> tuple[list[SurveyRow], list[str]]:
    """Survey rows from typed inputs ``{group: (count, lower, upper)}``.

    Empty counts are skipped; every problem is collected as a sentence (the rows with
    problems are left out), so a page can show all of them at once.

    Examples
    --------
    >>> rows, errors = survey_rows({"Men": ("10,656", "", ""), "Women": ("abc", "", ""),
    ...                             "Boys": ("5", "6", "")})
    >>> [r.group for r in rows], len(errors)
    (['Men'], 2)
    """
    rows: list[SurveyRow] = []
    errors: list[str] = []
    for group, (gender, majority) in SURVEY_GROUPS.items():
        if group not in inputs:
            continue
        count_text, low_text, high_text = inputs[group]
        what = group.lower()
        try:
            count = parse_number(count_text, what=what)
            low = parse_number(low_text, what=f"{what} (lower bound)")
            high = parse_number(high_text, what=f"{what} (upper bound)")
        except SurveyInputError as exc:
            errors.append(str(exc))
            continue
        if count is None:
            if low is not None or high is not None:
                errors.append(
                    f"Bounds are given for {what} but no count; type the survey "
                    "count too, or clear the bounds."
                )
            continue
        if low is not None and low > count:
            errors.append(
                f"The lower bound for {what} ({low:,g}) is above the count "
                f"({count:,g}); the lower bound must not exceed the count."
            )
            continue
        if high is not None and high < count:
            errors.append(
                f"The upper bound for {what} ({high:,g}) is below the count "
                f"({count:,g}); the upper bound must not be below the count."
            )
            continue
        rows.append(SurveyRow(group, gender, majority, count, low, high))
    return rows, errors


def survey_from_table(table: pd.DataFrame, /) -> list[SurveyRow]:
    """Survey rows from a table with columns ``gender``, ``majority_status``,
    ``forced_labour`` (and optionally ``forced_labour_low``, ``forced_labour_high``).

    Raises
    ------
    SurveyInputError
        With one sentence when a column is missing, a group is unknown or repeated, or a
        value is not a usable count.

    Examples
    --------
    >>> t = pd.DataFrame({"gender": ["Male"], "majority_status": ["Adult"],
    ...                   "forced_labour": [10656]})
    >>> survey_from_table(t)[0].group
    'Men'
    """
    columns = {str(c).strip().lower(): c for c in table.columns}
    missing = [c for c in ("gender", "majority_status", "forced_labour") if c not in columns]
    if missing:
        raise SurveyInputError(
            "The survey file lacks the column(s) " + ", ".join(missing) + "; it needs "
            "gender (Female/Male), majority_status (Adult/Minor) and forced_labour."
        )
    inputs: dict[str, tuple[object, object, object]] = {}
    for position, (_, row) in enumerate(table.iterrows(), start=2):
        gender = str(row[columns["gender"]]).strip().capitalize()
        majority = str(row[columns["majority_status"]]).strip().capitalize()
        group = GROUPS.get((gender, majority))
        if group is None:
            raise SurveyInputError(
                f"Line {position} of the survey file has gender {gender!r} and majority status "
                f"{majority!r}; use Female or Male and Adult or Minor."
            )
        if group in inputs:
            raise SurveyInputError(
                f"The survey file gives {group.lower()} twice (line "
                f"{position}); keep one line per group."
            )

        def cell(name: str, row: pd.Series = row) -> object:
            value = row[columns[name]] if name in columns else None
            return (
                None if value is None or (isinstance(value, float) and math.isnan(value)) else value
            )

        inputs[group] = (
            cell("forced_labour"),
            cell("forced_labour_low"),
            cell("forced_labour_high"),
        )
        if inputs[group][0] is None:
            raise SurveyInputError(
                f"Line {position} of the survey file has no forced_labour "
                "count; fill it in or remove the line."
            )
    rows, errors = survey_rows(inputs)
    if errors:
        raise SurveyInputError(errors[0])
    return rows


# --------------------------------------------------------------------------- covariance
def joint_counts(
    records: pd.DataFrame,
    /,
    *,
    denominators: str = "published",
    first: str = "isSexualExploit",
    second: str = "isForcedLabour",
) -> pd.DataFrame:
    """Per gender x majority cell: records ``n``, events of each outcome and of both.

    Uses the same records as models 1 and 2 under the rule ``denominators``.

    Examples
    --------
    >>> r = pd.DataFrame({"gender": ["Male"] * 3, "majority": ["Adult"] * 3,
    ...                   "isSexualExploit": [True, True, False],
    ...                   "isForcedLabour": [True, False, True]})
    >>> joint_counts(r)[["n", "first", "second", "both"]].values.tolist()
    [[3, 2, 2, 1]]
    """
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


# --------------------------------------------------------------------------- estimates
def _group_counts(fit: LogitFit, gender: str, majority: str) -> tuple[int, int]:
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
        One row per group (see :func:`survey_rows`).
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
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    if method == "ratio" and (labour is None or joint is None):
        raise ValueError("the ratio method needs the forced-labour fit and the joint counts")
    cov = sexual.cov if method == "published" else joint_covariance(sexual, labour, joint)  # type: ignore[arg-type]
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
        record["factor"] = factor
        record["factor_ci_low"] = math.exp(log_factor - _Z95 * se)
        record["factor_ci_high"] = math.exp(log_factor + _Z95 * se)
        record["estimate"] = row.count * factor
        if row.count == 0:
            record["ci_low"] = 0.0
            record["ci_high"] = (row.high or 0.0) * record["factor_ci_high"]
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


def total_estimate(
    table: pd.DataFrame,
    /,
    *,
    sexual: LogitFit,
    labour: LogitFit | None = None,
    joint: pd.DataFrame | None = None,
) -> tuple[float, float, float]:
    """The sum of the estimable groups' estimates with a 95% interval.

    The model part of the variance uses the full covariance (the groups share
    parameters); the survey part treats each group's bounds as a 95% interval of an
    independent normal error. The interval is symmetric and cut at 0.
    """
    usable = table[table["estimate"].notna()]
    if usable.empty:
        return (math.nan, math.nan, math.nan)
    method = str(usable["method"].iloc[0])
    cov = sexual.cov if method == "published" else joint_covariance(sexual, labour, joint)  # type: ignore[arg-type]
    grad = np.zeros(cov.shape[0])
    survey_var = 0.0
    for _, row in usable.iterrows():
        cell = pd.DataFrame({"gender": [row["gender"]], "majority": [row["majority_status"]]})
        _, g = _factor(method, sexual, labour, cell)
        grad += float(row["estimate"]) * g
        low, high, count = row["survey_low"], row["survey_high"], float(row["survey_count"])
        has_low = low is not None and not pd.isna(low)
        has_high = high is not None and not pd.isna(high)
        if has_low and has_high:
            sd = (float(high) - float(low)) / (2 * _Z95)
        elif has_low or has_high:
            sd = abs(count - float(low if has_low else high)) / _Z95
        else:
            sd = 0.0
        survey_var += (float(row["factor"]) * sd) ** 2
    total = float(usable["estimate"].sum())
    half = _Z95 * math.sqrt(max(float(grad @ cov @ grad), 0.0) + survey_var)
    return total, max(total - half, 0.0), total + half


# --------------------------------------------------------------------------- words and chart
def _amount(value: float, unit: str) -> str:
    return f"{value:,.0f} {UNITS.get(unit, unit)}"


def estimate_headline(table: pd.DataFrame, /, *, unit: str) -> str:
    """A chart title that states the finding (the total and the largest group).

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Women", "Men"], "estimate": [6484.0, 119.0]})
    >>> estimate_headline(t, unit="thousands")
    'About 6,603 thousand people estimated in sexual exploitation, 98% of them women'
    """
    usable = table[table["estimate"].notna()]
    if usable.empty:
        return "No group can be estimated from the records in view"
    total = float(usable["estimate"].sum())
    top = usable.loc[usable["estimate"].idxmax()]
    if len(usable) == 1:
        return f"About {_amount(total, unit)} estimated in sexual exploitation ({top['group'].lower()})"
    share = float(top["estimate"]) / total if total > 0 else 0.0
    return (
        f"About {_amount(total, unit)} estimated in sexual exploitation, "
        f"{share:.0%} of them {str(top['group']).lower()}"
    )


def estimate_sentences(table: pd.DataFrame, /, *, unit: str) -> list[str]:
    """One plain sentence per group: the arithmetic and the interval, or why not.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["Men"], "survey_count": [10656.0], "method": ["published"],
    ...                   "factor": [0.0112], "estimate": [119.3], "ci_low": [88.0],
    ...                   "ci_high": [161.0], "note": [""]})
    >>> estimate_sentences(t, unit="thousands")[0]
    'Men: for every 100 not in sexual exploitation (read as forced labour), about 1.1 in sexual exploitation in these records, so 10,656 thousand people x 0.0112 = about 119 thousand people (95% interval 88 to 161).'
    """
    out = []
    for _, row in table.iterrows():
        if row["note"]:
            out.append(f"{row['group']}: {row['note']}.")
            continue
        factor = float(row["factor"])
        per_100 = f"{100 * factor:,.1f}" if 100 * factor < 10 else f"{100 * factor:,.0f}"
        base = (
            "in forced labour"
            if row["method"] == "ratio"
            else "not in sexual exploitation (read as forced labour)"
        )
        out.append(
            f"{row['group']}: for every 100 {base}, about {per_100} in sexual "
            f"exploitation in these records, so {_amount(float(row['survey_count']), unit)} "
            f"x {factor:.3g} = about {_amount(float(row['estimate']), unit)} "
            f"(95% interval {float(row['ci_low']):,.0f} to {float(row['ci_high']):,.0f})."
        )
    return out


def estimate_chart(table: pd.DataFrame, /, *, title: str, unit: str) -> object:
    """Bars of the estimate per group with 95% interval whiskers (estimable groups only)."""
    import altair as alt

    from core.risk.model import GROUP_COLOURS

    data = table[table["estimate"].notna()].copy()
    groups = [g for g in GROUP_ORDER if g in set(data["group"])]
    axis_title = f"Estimate ({UNITS.get(unit, unit)})"
    base = alt.Chart(data).encode(
        x=alt.X("group:N", sort=groups, title=None, axis=alt.Axis(labelAngle=0))
    )
    bars = base.mark_bar().encode(
        y=alt.Y("estimate:Q", title=axis_title, axis=alt.Axis(format=",.0f")),
        color=alt.Color(
            "group:N",
            sort=groups,
            legend=None,
            scale=alt.Scale(domain=groups, range=[GROUP_COLOURS[g] for g in groups]),
        ),
        tooltip=[
            alt.Tooltip("group:N", title="Group"),
            alt.Tooltip("survey_count:Q", format=",.0f", title="Survey count"),
            alt.Tooltip("factor:Q", format=".4f", title="Factor"),
            alt.Tooltip("estimate:Q", format=",.0f", title="Estimate"),
            alt.Tooltip("ci_low:Q", format=",.0f", title="95% from"),
            alt.Tooltip("ci_high:Q", format=",.0f", title="95% to"),
        ],
    )
    whiskers = base.mark_rule(color="#000000", strokeWidth=1.5).encode(y="ci_low:Q", y2="ci_high:Q")
    # the width is for the PNG download; on screen the chart fills the column
    return (bars + whiskers).properties(title=title, height=340, width=max(360, 160 * len(groups)))


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
    """
    from core.privacy import small_mask

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
    out.loc[mask, "note"] = f"withheld: fewer than {k} records, events or non-events in this group"
    out.loc[secondary, "note"] = "withheld to protect another group's small count"
    return out


def readable_estimates(table: pd.DataFrame, /) -> pd.DataFrame:
    """An :func:`extrapolate` table with plain column names, rounded for reading."""
    names = {
        "group": "Group",
        "survey_count": "Survey count",
        "survey_low": "Survey lower bound",
        "survey_high": "Survey upper bound",
        "records": "Records",
        "events_sexual": "In sexual exploitation",
        "events_labour": "In forced labour",
        "factor": "Factor",
        "estimate": "Estimate",
        "ci_low": "95% interval from",
        "ci_high": "95% interval to",
        "note": "Note",
    }
    out = table[[c for c in names if c in table.columns]].copy()
    for column in ("survey_low", "survey_high"):
        out[column] = pd.to_numeric(out[column], errors="coerce")
    # the ratio method keeps its column even when every group's count is withheld
    ratio = "method" in table.columns and bool((table["method"] == "ratio").any())
    if not ratio and out["events_labour"].isna().all():
        out = out.drop(columns=["events_labour"])
    out["factor"] = out["factor"].map(lambda v: float(f"{v:.4g}") if pd.notna(v) else v)
    for column in ("estimate", "ci_low", "ci_high"):
        out[column] = out[column].round(1)
    return out.rename(columns=names)


def withheld_caption(table: pd.DataFrame, /) -> str:
    """One sentence on the rows :func:`protect_estimates` withheld ('' when none).

    Examples
    --------
    >>> notes = ["withheld: fewer than 10 records", "withheld to protect another group", ""]
    >>> withheld_caption(pd.DataFrame({"note": notes}))
    '2 groups withheld, 1 of them to protect others; withheld cells are blank.'
    """
    notes = table["note"].astype(str)
    protecting = int(notes.str.startswith("withheld to protect").sum())
    count = int(notes.str.startswith("withheld").sum())
    if not count:
        return ""
    text = f"{count} group{'s' if count != 1 else ''} withheld"
    if protecting:
        text += f", {protecting} of them to protect others"
    return text + "; withheld cells are blank."
