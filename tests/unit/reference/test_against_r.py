"""The app's statistics on the real release, pinned to R.

The expected values are the CSVs in tests/reference/, made by the R scripts beside them
(``Rscript tests/reference/<script>.R`` from the repository root; see the README there),
which read the release, select the records and fit the models themselves. R is not
needed to run these tests. The tests that run the project's functions need the release and
skip where ../shared/data/CTDC_synthetic_20210825.tsv is absent; the few that check the CSVs
alone run anyway.

Tolerances (relative):

* ``RTOL = 1e-6`` for every estimate, standard error, z, interval, probability, factor
  and estimate of people (the largest difference seen is below 1e-8);
* ``RTOL_P = 1e-5`` for Wald p-values, which are 2 Phi(-|z|): far in the tail they
  multiply z's relative error by about z^2 (up to ~1,300 here); a p-value below the
  smallest normal double (2.2e-308, where digits are lost or it underflows to 0) must be
  below it on both sides.

A value R withheld (a committed number must not give away a count of 1 to 9; the note
column says so) is not compared.
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

from core.data.years import incomplete_years
from core.explore.shifts import share_trend, yearly_shares
from core.hidden.estimate import extrapolate, joint_counts, total_estimate
from core.hidden.survey import SurveyRow
from core.risk.model import PUBLISHED_MODELS, fit_model, prepare_records
from core.risk.tables import coefficient_table, group_table

REFERENCE = Path(__file__).resolve().parents[2] / "reference"
RTOL = 1e-6
RTOL_P = 1e-5
TINY_P = sys.float_info.min  # below it a double has lost digits: such p-values count as 0
RULES = ("published", "ctdc")
PREPARATIONS = ("given", "derived")  # majority status as written, or derived from age too
OUTCOMES = tuple(spec.outcome for spec in PUBLISHED_MODELS)
GROUP_KEYS = {
    "Girls": ("Female", "Minor"),
    "Women": ("Female", "Adult"),
    "Boys": ("Male", "Minor"),
    "Men": ("Male", "Adult"),
}


def read_reference(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name, keep_default_na=False, na_values=[""])


def mismatches(expected: pd.DataFrame, got: dict[tuple, float], keys: list[str]) -> list[str]:
    """Rows of ``expected`` (key columns, quantity, value) that ``got`` does not match."""
    out = []
    for row in expected.itertuples(index=False):
        key = tuple(getattr(row, k) for k in keys)
        r_value = float(row.value)
        py_value = got.get(key)
        rtol = RTOL_P if row.quantity == "p_value" else RTOL
        if row.quantity == "p_value" and py_value is not None and r_value < TINY_P:
            if not float(py_value) < TINY_P:
                out.append(f"{key}: Python {py_value!r}, R {r_value!r} (R below {TINY_P})")
            continue
        if py_value is None or not math.isclose(
            float(py_value), r_value, rel_tol=rtol, abs_tol=0.0
        ):
            rel = (
                None
                if py_value is None
                else abs(float(py_value) - r_value) / abs(r_value)
                if r_value
                else math.inf
            )
            out.append(f"{key}: Python {py_value!r}, R {r_value!r} (relative difference {rel})")
    return out


class TestMismatches:
    """The comparison itself: what it lets through and what it catches."""

    EXPECTED = pd.DataFrame(
        {"model": ["m", "m"], "quantity": ["estimate", "p_value"], "value": [2.0, 1e-200]}
    )

    def test_within_tolerance(self):
        got = {("m", "estimate"): 2.0 * (1 + 9e-7), ("m", "p_value"): 1e-200 * (1 + 9e-6)}
        assert mismatches(self.EXPECTED, got, ["model", "quantity"]) == []

    def test_beyond_tolerance_missing_or_nan(self):
        got = {("m", "estimate"): 2.0 * (1 + 2e-6), ("m", "p_value"): math.nan}
        assert len(mismatches(self.EXPECTED, got, ["model", "quantity"])) == 2
        assert len(mismatches(self.EXPECTED, {}, ["model", "quantity"])) == 2

    def test_zero_must_be_zero(self):
        expected = self.EXPECTED.assign(value=[0.0, 0.0])
        got = {("m", "estimate"): 1e-300, ("m", "p_value"): 0.0}
        assert len(mismatches(expected, got, ["model", "quantity"])) == 1

    def test_p_values_beyond_double_precision_count_as_zero(self):
        expected = self.EXPECTED.assign(value=[2.0, 3.1e-321])
        assert (
            mismatches(
                expected, {("m", "estimate"): 2.0, ("m", "p_value"): 0.0}, ["model", "quantity"]
            )
            == []
        )
        got = {("m", "estimate"): 2.0, ("m", "p_value"): 1e-300}
        assert len(mismatches(expected, got, ["model", "quantity"])) == 1


# --------------------------------------------------------------------------- risk models
# Main effects only, and a cell with 1..9 records, events or non-events: every number of
# this model depends on that cell, so risk_models.R withholds all of them.
WITHHELD_MODELS = ("recruiterRelationIntimatePartner",)


@pytest.fixture(scope="module")
def risk_reference() -> pd.DataFrame:
    return read_reference("risk_models.csv")


@pytest.fixture(scope="module")
def records(real_frame: pd.DataFrame) -> pd.DataFrame:
    return prepare_records(real_frame).records


@pytest.fixture(scope="module")
def risk_values(real_frame: pd.DataFrame, records: pd.DataFrame) -> dict[tuple, float]:
    """Every number of risk_models.csv, from the project's functions, keyed like the CSV."""
    values: dict[tuple, float] = {}
    groups = pd.DataFrame(
        [{"group": g, "gender": s, "majority": m} for g, (s, m) in GROUP_KEYS.items()]
    )
    prepared = {
        "given": records,
        "derived": prepare_records(real_frame, majority="derived").records,
    }
    for majority, rule, spec in itertools.product(PREPARATIONS, RULES, PUBLISHED_MODELS):
        for method in ("ml", "firth"):
            if method == "firth" and spec.outcome in WITHHELD_MODELS:
                continue  # nothing of it to compare
            fit = fit_model(prepared[majority], spec, denominators=rule, method=method)
            key = (majority, rule, method, spec.outcome)
            if method == "ml":
                values[(*key, "(model)", "n_records")] = fit.n
            for row in coefficient_table(fit).itertuples(index=False):
                for quantity in ("estimate", "std_error", "z", "p_value", "ci_low", "ci_high"):
                    values[(*key, row.term, quantity)] = getattr(row, quantity)
            table = group_table(fit).set_index("group")
            _eta, se = fit.linear_predictor(groups)
            for i, group in enumerate(groups["group"]):
                values[(*key, group, "log_odds_se")] = se[i]
                for quantity in (
                    "log_odds",
                    "probability",
                    "probability_ci_low",
                    "probability_ci_high",
                ):
                    values[(*key, group, quantity)] = table.loc[group, quantity]
    return values


RISK_KEYS = ["majority", "rule", "method", "model", "term", "quantity"]


def risk_cases() -> list:
    return [
        pytest.param(majority, rule, outcome, id=f"{majority}-{rule}-{outcome}")
        for majority, rule, outcome in itertools.product(PREPARATIONS, RULES, OUTCOMES)
        if outcome not in WITHHELD_MODELS
    ]


@pytest.mark.real
class TestRiskModels:
    def test_the_reference_covers_every_published_model(self, risk_reference):
        for (_majority, _rule, _method), rows in risk_reference.groupby(
            ["majority", "rule", "method"]
        ):
            assert set(rows["model"]) == set(OUTCOMES)
        assert risk_reference.groupby(["majority", "rule", "method"]).ngroups == 8
        compared = risk_reference[risk_reference["quantity"] != "n_records"]
        fully_withheld = compared.groupby("model")["value"].apply(lambda v: v.isna().all())
        assert fully_withheld[fully_withheld].index.tolist() == list(WITHHELD_MODELS)
        # the isSexualExploit model pinned by hand in tests/unit/risk/test_logit.py
        estimate = risk_reference.set_index(RISK_KEYS)["value"]
        key = (
            "given",
            "published",
            "ml",
            "isSexualExploit",
            "gender[Male]:majority[Minor]",
            "estimate",
        )
        assert round(float(estimate[key]), 5) == 3.19678

    def test_records_per_model(self, risk_reference, risk_values):
        expected = risk_reference[risk_reference["quantity"] == "n_records"]
        assert len(expected) == 20
        assert (expected["value"] >= 10).all()
        assert not mismatches(expected, risk_values, RISK_KEYS)

    @pytest.mark.parametrize(("majority", "rule", "outcome"), risk_cases())
    def test_maximum_likelihood(self, risk_reference, risk_values, majority, rule, outcome):
        # R: glm(y ~ gender * majority, family = binomial) per model (risk_models.R)
        expected = self._expected(risk_reference, majority, rule, "ml", outcome)
        assert len(expected) > 0
        problems = mismatches(expected, risk_values, RISK_KEYS)
        assert not problems, "\n".join(problems)

    @pytest.mark.parametrize(("majority", "rule", "outcome"), risk_cases())
    def test_firth_estimates(self, risk_reference, risk_values, majority, rule, outcome):
        # R: glm(..., method = brglm2::brglmFit, type = "AS_mean") (risk_models.R)
        expected = self._expected(risk_reference, majority, rule, "firth", outcome)
        expected = expected[~expected["quantity"].isin(["ci_low", "ci_high", "p_value"])]
        assert len(expected) > 0
        problems = mismatches(expected, risk_values, RISK_KEYS)
        assert not problems, "\n".join(problems)

    @pytest.mark.parametrize(("majority", "rule", "outcome"), risk_cases())
    def test_firth_profile_intervals_and_p_values(
        self, risk_reference, risk_values, majority, rule, outcome
    ):
        # R: profile penalised likelihood with the full model's penalty (firth.R). Found
        # here: firth_logit's p-value of majority[Minor] (given, published,
        # recruiterRelationFriend) was NaN (R: 4.87728688565041e-77); fixed in 43035cf.
        expected = self._expected(risk_reference, majority, rule, "firth", outcome)
        expected = expected[expected["quantity"].isin(["ci_low", "ci_high", "p_value"])]
        assert len(expected) > 0
        problems = mismatches(expected, risk_values, RISK_KEYS)
        assert not problems, "\n".join(problems)

    def test_withheld_values_are_blank_and_said_so(self, risk_reference):
        withheld = risk_reference["value"].isna()
        assert withheld.any()
        assert risk_reference.loc[withheld, "note"].str.startswith("withheld").all()
        assert risk_reference.loc[~withheld, "note"].isna().all()
        # a withheld term or group is withheld for both methods and in every quantity
        by_term = withheld.groupby(
            [risk_reference[c] for c in ("majority", "rule", "model", "term")]
        )
        assert (by_term.all() == by_term.any()).all()

    @staticmethod
    def _expected(
        reference: pd.DataFrame, majority: str, rule: str, method: str, outcome: str
    ) -> pd.DataFrame:
        rows = reference[
            (reference["majority"] == majority)
            & (reference["rule"] == rule)
            & (reference["method"] == method)
            & (reference["model"] == outcome)
            & (reference["quantity"] != "n_records")
        ]
        return rows[rows["value"].notna()]


# --------------------------------------------------------------------------- hidden populations
HIDDEN_KEYS = ["scenario", "rule", "method", "group", "quantity"]


@pytest.fixture(scope="module")
def hidden_reference() -> pd.DataFrame:
    return read_reference("hidden_estimates.csv")


@pytest.fixture(scope="module")
def hidden_fits(records: pd.DataFrame) -> dict[str, tuple]:
    return {
        rule: (
            fit_model(records, PUBLISHED_MODELS[0], denominators=rule),
            fit_model(records, PUBLISHED_MODELS[1], denominators=rule),
            joint_counts(records, denominators=rule),
        )
        for rule in RULES
    }


def survey_of(reference: pd.DataFrame) -> list[SurveyRow]:
    """The survey inputs the R script used (its survey_* rows), in group order."""
    inputs = reference[reference["quantity"].str.startswith("survey_")]
    table = inputs.pivot_table(index="group", columns="quantity", values="value", dropna=False)
    rows = []
    for group in GROUP_KEYS:
        if group in table.index:
            row = table.loc[group]
            gender, majority = GROUP_KEYS[group]

            def bound(value: float) -> float | None:
                return None if pd.isna(value) else float(value)

            rows.append(
                SurveyRow(
                    group,
                    gender,
                    majority,
                    float(row["survey_count"]),
                    bound(row.get("survey_low")),
                    bound(row.get("survey_high")),
                )
            )
    return rows


def hidden_cases() -> list:
    return [
        pytest.param(s, r, m, id=f"{s}-{r}-{m}")
        for s in ("example", "bounds", "four_groups", "edges")
        for r in RULES
        for m in ("published", "ratio")
    ]


@pytest.mark.real
class TestHiddenEstimates:
    @pytest.mark.parametrize(("scenario", "rule", "method"), hidden_cases())
    def test_groups_and_total(self, hidden_reference, hidden_fits, scenario, rule, method):
        # R: survey count x odds (published) or x p1/p2 (ratio) from the glm fits, delta
        # method with vcov(m1) or the joint sandwich of m1 and m2 (hidden_estimates.R)
        reference = hidden_reference[
            (hidden_reference["scenario"] == scenario)
            & (hidden_reference["rule"] == rule)
            & (hidden_reference["method"] == method)
        ]
        sexual, labour, joint = hidden_fits[rule]
        survey = survey_of(reference)
        assert len(survey) == {"four_groups": 4, "edges": 3}.get(scenario, 2)
        table = extrapolate(survey, method=method, sexual=sexual, labour=labour, joint=joint)
        assert (table["note"] == "").all()
        got: dict[tuple, float] = {}
        for row in table.itertuples(index=False):
            for quantity in (
                "factor",
                "factor_ci_low",
                "factor_ci_high",
                "estimate",
                "ci_low",
                "ci_high",
            ):
                got[(scenario, rule, method, row.group, quantity)] = getattr(row, quantity)
        total = total_estimate(table, sexual=sexual, labour=labour, joint=joint)
        for quantity, value in zip(("estimate", "ci_low", "ci_high"), total, strict=True):
            got[(scenario, rule, method, "Total", quantity)] = value
        expected = reference[~reference["quantity"].str.startswith("survey_")]
        assert len(expected) == 6 * len(survey) + 3
        problems = mismatches(expected, got, HIDDEN_KEYS)
        assert not problems, "\n".join(problems)

    def test_the_pre_filled_example(self, hidden_reference):
        # the page's example (women 5,361 and men 10,656 thousand): about 6,484 and 119
        ref = hidden_reference.set_index(HIDDEN_KEYS)["value"]
        assert round(ref[("example", "published", "published", "Women", "estimate")]) == 6484
        assert round(ref[("example", "published", "published", "Men", "estimate")]) == 119


# --------------------------------------------------------------------------- share trends
TREND_KEYS = ["trend", "quantity"]


@pytest.fixture(scope="module")
def trend_reference() -> pd.DataFrame:
    return read_reference("share_trends.csv")


@pytest.fixture(scope="module")
def incomplete(real_frame: pd.DataFrame) -> list[int]:
    """The years Explore leaves out of its trends by default (records per year, every record)."""
    years = real_frame["yearOfRegistration"].dropna().astype(int)
    return incomplete_years(years.value_counts())


@pytest.mark.real
class TestShareTrends:
    def test_incomplete_years(self, incomplete):
        # R: the trailing years below half the median of the three before (share_trends.R)
        assert incomplete == [2020, 2021]

    @pytest.mark.parametrize("trend", ["minors", "minors_all_years", "women", "age_09_17"])
    def test_trend(self, real_frame, trend_reference, incomplete, trend):
        # R: glm(cbind(count, known - count) ~ I((year - centre) / 10), binomial), dispersion
        # from quasibinomial, change per decade by the delta method (share_trends.R)
        expected = trend_reference[trend_reference["trend"] == trend]
        field, category = expected["field"].iloc[0], expected["category"].iloc[0]
        shares = yearly_shares(real_frame, field=field)
        exclude = () if trend.endswith("all_years") else incomplete
        result = share_trend(shares, field=field, category=category, exclude_years=exclude)
        assert result.ok, result.reason
        got = {(trend, q): getattr(result, q) for q in expected["quantity"]}
        assert len(expected) == 14
        problems = mismatches(expected, got, TREND_KEYS)
        assert not problems, "\n".join(problems)
