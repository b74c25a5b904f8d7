"""Option strings of the risk models are checked where they enter: a value outside the
allowed ones raises ValueError naming them, instead of silently running another rule."""

from __future__ import annotations

import pandas as pd
import pytest

from core.options import check_option
from core.risk.model import ModelError, ModelSpec, fit_model
from core.risk.records import model_records, prepare_records

SPEC = ModelSpec("isSexualExploit", ("gender", "majority"), interaction=True)


def records() -> pd.DataFrame:
    """Sixteen prepared records; only the first four have an exploitation flag set."""
    gender = ["Female", "Female", "Male", "Male"] * 4
    majority = ["Adult", "Minor"] * 8
    sexual = [True, False, False, True] + [False] * 12
    labour = [False, True, True, False] + [False] * 12
    return pd.DataFrame(
        {
            "gender": gender,
            "majority": majority,
            "isSexualExploit": sexual,
            "isForcedLabour": labour,
        }
    )


def raw_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "yearOfRegistration": pd.array([2010, 2011], dtype="Int16"),
            "gender": ["Female", "Male"],
            "ageBroad": ["09--17", "30--38"],
            "majorityStatusAtExploit": ["Minor", "Adult"],
            "majoritySource": ["given", "given"],
            "isSexualExploit": [True, False],
        }
    )


def raises_plain_value_error(match: str):
    """A ValueError that is not a ModelError: a caller's mistake, not the data's."""
    return pytest.raises(ValueError, match=match)


class TestCheckOption:
    def test_an_allowed_value_is_returned(self):
        assert check_option("ctdc", ("published", "ctdc"), name="denominators") == "ctdc"

    def test_the_message_names_every_allowed_value(self):
        with pytest.raises(ValueError, match=r"^rule must be 'a', 'b' or 'c', not 'd'$"):
            check_option("d", ("a", "b", "c"), name="rule")

    def test_case_counts_and_non_strings_are_refused(self):
        for value in ("CTDC", " ctdc", None, 1):
            with pytest.raises(ValueError, match="'published' or 'ctdc'"):
                check_option(value, {"published": "", "ctdc": ""}, name="denominators")


class TestFitModelOptions:
    def test_denominators_in_capitals_is_refused(self):
        # before: "CTDC" silently fitted under the published rule
        with raises_plain_value_error(
            "denominators must be 'published' or 'ctdc', not 'CTDC'"
        ) as info:
            fit_model(records(), SPEC, denominators="CTDC")
        assert not isinstance(info.value, ModelError)

    def test_method_in_capitals_is_refused(self):
        # before: "Firth" fitted the plain model and recorded "Firth" as its method
        with raises_plain_value_error("method must be 'ml' or 'firth', not 'Firth'") as info:
            fit_model(records(), SPEC, method="Firth")
        assert not isinstance(info.value, ModelError)

    def test_the_allowed_values_still_fit(self):
        published = fit_model(records(), SPEC, denominators="published")
        ctdc = fit_model(records(), SPEC, denominators="ctdc")
        assert (published.n, ctdc.n) == (16, 4)
        assert published.method == "ml"


class TestModelRecordsOptions:
    def test_unknown_denominators_are_refused(self):
        with raises_plain_value_error("denominators must be 'published' or 'ctdc', not 'known'"):
            model_records(records(), SPEC, denominators="known")

    def test_the_ctdc_rule_keeps_records_with_a_flag(self):
        assert len(model_records(records(), SPEC, denominators="ctdc")) == 4


class TestPrepareRecordsOptions:
    def test_unknown_majority_source_is_refused(self):
        with raises_plain_value_error("majority must be 'given' or 'derived', not 'Given'"):
            prepare_records(raw_frame(), majority="Given")

    def test_both_sources_run(self):
        assert len(prepare_records(raw_frame(), majority="given").records) == 2
        assert len(prepare_records(raw_frame(), majority="derived").records) == 2


class TestModelSpecPredictors:
    def test_unknown_predictor_is_refused(self):
        with raises_plain_value_error("predictor must be 'gender', 'majority' or 'age', not 'sex'"):
            ModelSpec("isSexualExploit", ("gender", "sex"))

    def test_known_predictors_make_a_formula(self):
        spec = ModelSpec("isForcedLabour", ("gender", "age"), interaction=True)
        assert spec.formula == "isForcedLabour ~ gender * age"
        assert spec.predictors == ("gender", "age")
