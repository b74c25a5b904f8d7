"""The hidden-population total: one interval on the log scale, like the groups'.

Pinned to a closed form (a saturated model's log-odds are independent, with variance
1/e + 1/(n - e), Woolf), to each group's own interval when one group is typed, and by a
seeded simulation of its coverage (95% with both tails near 2.5%; a symmetric interval on
the absolute scale, the former method, misses almost only above).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from core.hidden.estimate import extrapolate, joint_counts, total_estimate, total_groups
from core.hidden.survey import SURVEY_GROUPS, SurveyRow
from core.risk.model import PUBLISHED_MODELS, Design, LogitFit, fit_model
from core.risk.records import prepare_records
from core.risk.separation import Separation
from tests.unit.hidden.test_hidden import CELLS, records_from

Z = 1.959963984540054
LEVELS = {"gender": ("Female", "Male"), "majority": ("Adult", "Minor")}
KEYS = [("Female", "Adult"), ("Female", "Minor"), ("Male", "Adult"), ("Male", "Minor")]


def saturated_fit(counts: dict[tuple[str, str], tuple[int, int]]) -> LogitFit:
    """Model 1 (gender * majority) fitted in closed form on (records, events) per cell."""
    cells = pd.DataFrame(
        [
            {"gender": g, "majority": m, "n": counts[g, m][0], "events": counts[g, m][1]}
            for g, m in KEYS
        ]
    )
    design = Design(("gender", "majority"), True, LEVELS)
    X = design.matrix(cells)
    n, e = cells["n"].to_numpy(float), cells["events"].to_numpy(float)
    params = np.linalg.solve(X, logit(e / n))
    p = expit(X @ params)
    cov = np.linalg.inv(X.T @ (X * (n * p * (1 - p))[:, None]))
    return LogitFit(
        spec=PUBLISHED_MODELS[0],
        design=design,
        cells=cells,
        groups=cells,
        params=params,
        cov=cov,
        method="ml",
        converged=True,
        separation=Separation(False),
    )


COUNTS = {
    ("Female", "Adult"): (800, 440),
    ("Female", "Minor"): (600, 480),
    ("Male", "Adult"): (3800, 42),
    ("Male", "Minor"): (400, 120),
}


def woolf(cell: tuple[str, str]) -> float:
    n, e = COUNTS[cell]
    return 1 / e + 1 / (n - e)


def odds(cell: tuple[str, str]) -> float:
    n, e = COUNTS[cell]
    return e / (n - e)


@pytest.fixture(scope="module")
def models():
    records = records_from(CELLS)
    sexual = fit_model(records, PUBLISHED_MODELS[0])
    labour = fit_model(records, PUBLISHED_MODELS[1])
    return sexual, labour, joint_counts(records)


class TestClosedForm:
    def test_two_groups_with_bounds(self):
        # published method on a saturated model: log factor_i = log odds_i, independent,
        # var = 1/e + 1/(n - e); survey log-sd below log(c / L) / z, above log(U / c) / z
        fit = saturated_fit(COUNTS)
        survey = [
            SurveyRow("Women", "Female", "Adult", 5361.0, 5000.0, 5800.0),
            SurveyRow("Men", "Male", "Adult", 10656.0, 9000.0, 12000.0),
        ]
        table = extrapolate(survey, method="published", sexual=fit)
        total, low, high = total_estimate(table, sexual=fit)
        e_w = 5361 * odds(("Female", "Adult"))
        e_m = 10656 * odds(("Male", "Adult"))
        t = e_w + e_m
        model = e_w**2 * woolf(("Female", "Adult")) + e_m**2 * woolf(("Male", "Adult"))
        below = (e_w * math.log(5361 / 5000) / Z) ** 2 + (e_m * math.log(10656 / 9000) / Z) ** 2
        above = (e_w * math.log(5800 / 5361) / Z) ** 2 + (e_m * math.log(12000 / 10656) / Z) ** 2
        assert total == pytest.approx(t, rel=1e-12)
        assert low == pytest.approx(t * math.exp(-Z * math.sqrt(model + below) / t), rel=1e-10)
        assert high == pytest.approx(t * math.exp(Z * math.sqrt(model + above) / t), rel=1e-10)
        # skewed like the groups' intervals: further above the total than below
        assert high - total > total - low

    def test_a_lower_bound_of_zero_takes_the_total_down_to_zero(self):
        fit = saturated_fit(COUNTS)
        survey = [
            SurveyRow("Women", "Female", "Adult", 5361.0, 0.0, None),
            SurveyRow("Men", "Male", "Adult", 10656.0),
        ]
        table = extrapolate(survey, method="published", sexual=fit)
        total, low, high = total_estimate(table, sexual=fit)
        assert low == 0.0
        assert total < high < math.inf

    def test_a_zero_count_adds_its_upper_end_only(self):
        fit = saturated_fit(COUNTS)
        survey = [
            SurveyRow("Women", "Female", "Adult", 5361.0),
            SurveyRow("Boys", "Male", "Minor", 0.0, None, 50.0),
        ]
        table = extrapolate(survey, method="published", sexual=fit).set_index("group")
        total, low, high = total_estimate(table.reset_index(), sexual=fit)
        women = table.loc["Women"]
        assert total == pytest.approx(women["estimate"])
        assert low == pytest.approx(women["ci_low"])
        # boys: 0 .. 50 x the upper end of their odds
        boys_high = 50 * math.exp(
            math.log(odds(("Male", "Minor"))) + Z * math.sqrt(woolf(("Male", "Minor")))
        )
        assert table.loc["Boys", "ci_high"] == pytest.approx(boys_high)
        assert high == pytest.approx(women["ci_high"] + boys_high)


class TestOneInterval:
    @pytest.mark.parametrize("method", ["published", "ratio"])
    @pytest.mark.parametrize(
        ("low", "high"), [(None, None), (9000.0, 12000.0), (None, 11000.0), (10000.0, None)]
    )
    def test_one_group_total_is_that_groups_interval(self, models, method, low, high):
        # with only men typed the page showed 83-155 (total) and 88-161 (men): now one
        sexual, labour, joint = models
        survey = [SurveyRow("Men", "Male", "Adult", 10656.0, low, high)]
        table = extrapolate(survey, method=method, sexual=sexual, labour=labour, joint=joint)
        total = total_estimate(table, sexual=sexual, labour=labour, joint=joint)
        row = table.iloc[0]
        assert total == pytest.approx((row["estimate"], row["ci_low"], row["ci_high"]), rel=1e-12)

    def test_total_groups_names_what_it_adds(self, models):
        sexual, _, _ = models
        survey = [
            SurveyRow("Women", "Female", "Adult", 5361.0),
            SurveyRow("Men", "Male", "Adult", 10.0),
        ]
        table = extrapolate(survey, method="published", sexual=sexual)
        table.loc[1, "estimate"] = np.nan  # as protect_estimates leaves a withheld group
        assert total_groups(table) == (["Women"], ["Men"])


def _symmetric_total(table: pd.DataFrame, fit: LogitFit) -> tuple[float, float]:
    """The former total: symmetric absolute errors (model by delta, survey as normal)."""
    grad = np.zeros(len(fit.params))
    survey_var = 0.0
    for _, row in table.iterrows():
        x = fit.design.matrix(
            pd.DataFrame({"gender": [row["gender"]], "majority": [row["majority_status"]]})
        )[0]
        grad += row["estimate"] * x
        survey_var += (row["factor"] * (row["survey_high"] - row["survey_low"]) / (2 * Z)) ** 2
    total = float(table["estimate"].sum())
    half = Z * math.sqrt(float(grad @ fit.cov @ grad) + survey_var)
    return max(total - half, 0.0), total + half


class TestCoverage:
    @pytest.mark.slow
    def test_coverage_is_95_percent_with_balanced_tails(self):
        # Truth: counts of adults in forced labour (the published example), the records'
        # odds of sexual exploitation as COUNTS gives them. Each replicate draws the
        # records' events (binomial) and a survey count with log-scale error sd 0.35 whose
        # bounds are its 95% limits, as a survey would publish them.
        rng = np.random.default_rng(20261202)
        truth = {("Female", "Adult"): 5361.0, ("Male", "Adult"): 10656.0}
        target = sum(c * odds(cell) for cell, c in truth.items())
        sd = 0.35
        replicates = 1000
        below = above = old_below = old_above = 0
        started = time.perf_counter()
        for _ in range(replicates):
            counts = {
                cell: (n, max(1, min(n - 1, int(rng.binomial(n, e / n)))))
                for cell, (n, e) in COUNTS.items()
            }
            fit = saturated_fit(counts)
            survey = []
            for (gender, majority), c in truth.items():
                seen = c * math.exp(sd * rng.standard_normal())
                name = "Women" if gender == "Female" else "Men"
                survey.append(
                    SurveyRow(
                        name,
                        gender,
                        majority,
                        seen,
                        seen * math.exp(-Z * sd),
                        seen * math.exp(Z * sd),
                    )
                )
            table = extrapolate(survey, method="published", sexual=fit)
            _total, low, high = total_estimate(table, sexual=fit)
            below += target < low
            above += target > high
            old_low, old_high = _symmetric_total(table, fit)
            old_below += target < old_low
            old_above += target > old_high
        assert time.perf_counter() - started < 120
        miss_below, miss_above = below / replicates, above / replicates
        # seed 20261202: misses 2.4% below and 2.9% above; the former total 0.0% and 6.1%
        # binomial sd over 1,000 replicates: 0.7 points for the coverage, 0.5 for a tail
        assert 1 - miss_below - miss_above == pytest.approx(0.95, abs=0.015)
        assert miss_below == pytest.approx(0.025, abs=0.012)
        assert miss_above == pytest.approx(0.025, abs=0.012)
        # the former symmetric total fails the same check: it misses almost only above
        assert old_below / replicates < 0.005
        assert old_above / replicates > 0.045


REFERENCE = Path(__file__).parents[2] / "reference" / "hidden_total_log.csv"
SCENARIOS = {
    "example": [("Women", 5361.0, None, None), ("Men", 10656.0, None, None)],
    "bounds": [("Women", 5361.0, 5000.0, 5800.0), ("Men", 10656.0, 9000.0, 12000.0)],
    "four_groups": [
        ("Girls", 1000.0, 800.0, None),
        ("Women", 5361.0, None, None),
        ("Boys", 1000.0, None, 1300.0),
        ("Men", 10656.0, 9000.0, 12000.0),
    ],
    "men_only": [("Men", 10656.0, None, None)],
}


@pytest.fixture(scope="module")
def real_models(real_frame):
    records = prepare_records(real_frame).records
    out = {}
    for rule in ("published", "ctdc"):
        sexual = fit_model(records, PUBLISHED_MODELS[0], denominators=rule)
        labour = fit_model(records, PUBLISHED_MODELS[1], denominators=rule)
        out[rule] = (sexual, labour, joint_counts(records, denominators=rule))
    return out


@pytest.mark.real
@pytest.mark.slow
class TestAgainstR:
    @pytest.mark.parametrize("scenario", list(SCENARIOS))
    @pytest.mark.parametrize("rule", ["published", "ctdc"])
    @pytest.mark.parametrize("method", ["published", "ratio"])
    def test_total_on_the_log_scale(self, real_models, scenario, rule, method):
        # R: tests/reference/hidden_total_log.R (delta method on log T, written out)
        reference = pd.read_csv(REFERENCE).set_index(
            ["scenario", "rule", "method", "group", "quantity"]
        )
        sexual, labour, joint = real_models[rule]
        survey = [
            SurveyRow(group, *SURVEY_GROUPS[group], count, low, high)
            for group, count, low, high in SCENARIOS[scenario]
        ]
        table = extrapolate(survey, method=method, sexual=sexual, labour=labour, joint=joint)
        total = total_estimate(table, sexual=sexual, labour=labour, joint=joint)
        for quantity, value in zip(("estimate", "ci_low", "ci_high"), total, strict=True):
            expected = reference.loc[(scenario, rule, method, "Total", quantity), "value"]
            assert value == pytest.approx(expected, rel=1e-6), quantity
        if scenario == "men_only":
            men = table.set_index("group").loc["Men"]
            for quantity in ("estimate", "ci_low", "ci_high"):
                expected = reference.loc[(scenario, rule, method, "Men", quantity), "value"]
                assert men[quantity] == pytest.approx(expected, rel=1e-6), quantity
