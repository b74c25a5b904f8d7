"""Tests of core.hidden (survey, estimate, words): input parsing, both extrapolation methods
against closed forms, the joint covariance, survey bounds, the total (checked by simulation),
protection."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.hidden.estimate import (
    extrapolate,
    joint_counts,
    joint_covariance,
    protect_estimates,
    total_estimate,
)
from core.hidden.survey import (
    SurveyInputError,
    SurveyRow,
    parse_number,
    survey_from_table,
    survey_rows,
)
from core.hidden.words import (
    estimate_headline,
    estimate_sentences,
    readable_estimates,
    withheld_caption,
)
from core.risk.model import PUBLISHED_MODELS, ModelSpec, fit_model
from core.risk.records import prepare_records

Z = 1.959963984540054

# (gender, majority) -> records with: sexual only, labour only, both, neither
CELLS = {
    ("Female", "Adult"): (300, 150, 30, 120),
    ("Female", "Minor"): (500, 40, 20, 40),
    ("Male", "Adult"): (15, 600, 5, 80),
    ("Male", "Minor"): (60, 90, 10, 40),
}


def records_from(cells: dict[tuple[str, str], tuple[int, int, int, int]]) -> pd.DataFrame:
    rows = []
    for (gender, majority), (sexual, labour, both, neither) in cells.items():
        for flags, count in (
            ((True, False), sexual),
            ((False, True), labour),
            ((True, True), both),
            ((False, False), neither),
        ):
            rows += [
                {
                    "gender": gender,
                    "majority": majority,
                    "isSexualExploit": flags[0],
                    "isForcedLabour": flags[1],
                    "isOtherExploit": False,
                }
            ] * count
    frame = pd.DataFrame(rows)
    frame["gender"] = pd.Categorical(frame["gender"], categories=["Female", "Male"])
    frame["majority"] = pd.Categorical(frame["majority"], categories=["Adult", "Minor"])
    return frame


@pytest.fixture(scope="module")
def models():
    records = records_from(CELLS)
    sexual = fit_model(records, PUBLISHED_MODELS[0])
    labour = fit_model(records, PUBLISHED_MODELS[1])
    return records, sexual, labour, joint_counts(records)


def counts(cell):
    sexual, labour, both, neither = CELLS[cell]
    n = sexual + labour + both + neither
    return n, sexual + both, labour + both, both


class TestParseNumber:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("10,656", 10656.0),
            ("10 656", 10656.0),
            ("5361", 5361.0),
            ("1e3", 1000.0),
            (" 0 ", 0.0),
            ("2.5", 2.5),
            (7, 7.0),
            ("1,234,567", 1234567.0),
        ],
    )
    def test_numbers(self, text, value):
        assert parse_number(text, what="men") == value

    @pytest.mark.parametrize("text", ["", "   ", None])
    def test_empty_is_none(self, text):
        assert parse_number(text, what="men") is None

    @pytest.mark.parametrize(
        ("text", "words"),
        [
            ("abc", "not a number"),
            ("-3", "negative"),
            ("inf", "not a number"),
            ("nan", "not a number"),
            ("12,34", "not a number"),
            ("=1+1", "not a number"),
            (float("inf"), "not a finite number"),
        ],
    )
    def test_refusals_are_sentences(self, text, words):
        with pytest.raises(SurveyInputError, match=words):
            parse_number(text, what="men")

    @pytest.mark.parametrize(
        "text", ["5.361,000", "1.234,567", "0,361", "10.656 000", "5,361.123,4"]
    )
    def test_decimal_commas_are_refused_not_misread(self, text):
        # these were read as 5.361, 1.234567, 361, 10.656 and 5361.1234
        with pytest.raises(SurveyInputError, match="not a number"):
            parse_number(text, what="women")

    @pytest.mark.parametrize(
        ("text", "value"),
        [
            (" 5 361 ", 5361.0),
            ("5\u202f361", 5361.0),
            ("5\u00a0361", 5361.0),
            ("10_656", 10656.0),
            ("5'361", 5361.0),
            ("5,361.5", 5361.5),
            ("-0", 0.0),
        ],
    )
    def test_grouped_whole_parts(self, text, value):
        assert parse_number(text, what="women") == value

    @pytest.mark.parametrize("text", ["1e308", "1e200", "10000000001", 1e300])
    def test_huge_counts_are_refused(self, text):
        # such counts made the interval arithmetic overflow (OverflowError on the page)
        with pytest.raises(SurveyInputError, match="10 billion"):
            parse_number(text, what="men")

    def test_largest_plausible_count_is_accepted_and_estimated(self, models):
        _, sexual, _, _ = models
        assert parse_number("8,100,000,000", what="men") == 8.1e9
        rows, errors = survey_rows({"Girls": ("8,100,000,000", "", "")})
        table = extrapolate(rows, method="published", sexual=sexual)
        total, low, high = total_estimate(table, sexual=sexual)
        assert errors == []
        assert 0 < low < total < high < math.inf


class TestSurveyRows:
    def test_collects_every_problem(self):
        rows, errors = survey_rows(
            {
                "Girls": ("", "1", ""),  # bounds without a count
                "Women": ("5,361", "6000", ""),  # lower bound above the count
                "Boys": ("10", "", "5"),  # upper bound below the count
                "Men": ("10,656", "9000", "12000"),
            }
        )
        assert [r.group for r in rows] == ["Men"]
        assert rows[0] == SurveyRow("Men", "Male", "Adult", 10656.0, 9000.0, 12000.0)
        assert len(errors) == 3
        assert all(e.endswith(".") for e in errors)

    def test_empty_groups_are_skipped(self):
        rows, errors = survey_rows(dict.fromkeys(("Girls", "Women", "Boys", "Men"), ("", "", "")))
        assert rows == []
        assert errors == []


class TestSurveyFromTable:
    def test_reads_groups_and_bounds(self):
        table = pd.DataFrame(
            {
                "gender": ["Male", "female"],
                "majority_status": ["Adult", "adult"],
                "forced_labour": [10656, 5361],
                "forced_labour_low": [9000, None],
                "forced_labour_high": [12000, None],
            }
        )
        rows = survey_from_table(table)
        assert [(r.group, r.count, r.low, r.high) for r in rows] == [
            ("Women", 5361.0, None, None),
            ("Men", 10656.0, 9000.0, 12000.0),
        ]

    @pytest.mark.parametrize(
        ("table", "words"),
        [
            (pd.DataFrame({"gender": ["Male"], "forced_labour": [1]}), "majority_status"),
            (
                pd.DataFrame(
                    {"gender": ["Robot"], "majority_status": ["Adult"], "forced_labour": [1]}
                ),
                "Female or Male",
            ),
            (
                pd.DataFrame(
                    {
                        "gender": ["Male", "Male"],
                        "majority_status": ["Adult", "Adult"],
                        "forced_labour": [1, 2],
                    }
                ),
                "twice",
            ),
            (
                pd.DataFrame(
                    {"gender": ["Male"], "majority_status": ["Adult"], "forced_labour": [-4]}
                ),
                "negative",
            ),
            (
                pd.DataFrame(
                    {"gender": ["Male"], "majority_status": ["Adult"], "forced_labour": [None]}
                ),
                "no forced_labour",
            ),
        ],
    )
    def test_refusals(self, table, words):
        with pytest.raises(SurveyInputError, match=words):
            survey_from_table(table)


class TestJointCounts:
    def test_counts_per_cell(self, models):
        records, *_ = models
        joint = joint_counts(records).set_index(["gender", "majority"])
        for cell in CELLS:
            n, a, b, ab = counts(cell)
            assert tuple(joint.loc[cell, ["n", "first", "second", "both"]]) == (n, a, b, ab)

    def test_ctdc_rule_leaves_out_records_without_a_type(self, models):
        records, *_ = models
        joint = joint_counts(records, denominators="ctdc").set_index(["gender", "majority"])
        sexual, labour, both, _neither = CELLS["Male", "Adult"]
        assert joint.loc[("Male", "Adult"), "n"] == sexual + labour + both


class TestPublishedMethod:
    def test_estimate_and_interval_match_the_closed_form(self, models):
        _, sexual, _, _ = models
        table = extrapolate(
            [SurveyRow("Men", "Male", "Adult", 10656.0)], method="published", sexual=sexual
        )
        row = table.iloc[0]
        n, a, _, _ = counts(("Male", "Adult"))
        odds = a / (n - a)
        assert row["factor"] == pytest.approx(odds)
        assert row["estimate"] == pytest.approx(10656 * odds)
        se = math.sqrt(1 / a + 1 / (n - a))  # Woolf, for the log odds of one cell
        assert row["ci_low"] == pytest.approx(10656 * odds * math.exp(-Z * se))
        assert row["ci_high"] == pytest.approx(10656 * odds * math.exp(Z * se))
        assert row["note"] == ""

    def test_survey_bounds_widen_the_interval(self, models):
        _, sexual, _, _ = models
        row = extrapolate(
            [SurveyRow("Women", "Female", "Adult", 5361.0, 5000.0, 6000.0)],
            method="published",
            sexual=sexual,
        ).iloc[0]
        n, a, _, _ = counts(("Female", "Adult"))
        se = math.sqrt(1 / a + 1 / (n - a))
        se_low, se_high = math.log(5361 / 5000) / Z, math.log(6000 / 5361) / Z
        estimate = 5361 * a / (n - a)
        assert row["ci_low"] == pytest.approx(estimate * math.exp(-Z * math.hypot(se, se_low)))
        assert row["ci_high"] == pytest.approx(estimate * math.exp(Z * math.hypot(se, se_high)))

    def test_zero_count_and_zero_lower_bound(self, models):
        _, sexual, _, _ = models
        table = extrapolate(
            [
                SurveyRow("Men", "Male", "Adult", 0.0, None, 100.0),
                SurveyRow("Women", "Female", "Adult", 50.0, 0.0, None),
            ],
            method="published",
            sexual=sexual,
        )
        assert table["estimate"].iloc[0] == 0
        assert table["ci_low"].iloc[0] == 0
        assert table["ci_high"].iloc[0] == pytest.approx(100 * table["factor_ci_high"].iloc[0])
        assert table["ci_low"].iloc[1] == 0.0

    def test_groups_the_data_cannot_estimate_say_so(self):
        cells = {
            ("Female", "Adult"): (30, 10, 0, 5),
            ("Female", "Minor"): (20, 5, 0, 1),
            ("Male", "Adult"): (0, 50, 0, 10),
            ("Male", "Minor"): (3, 8, 0, 1),
        }
        records = records_from(cells)
        records = records[~((records["gender"] == "Male") & (records["majority"] == "Minor"))]
        spec = ModelSpec("isSexualExploit", ("gender", "majority"))  # boys absent: additive
        sexual = fit_model(records, spec)
        table = extrapolate(
            [SurveyRow("Men", "Male", "Adult", 100.0), SurveyRow("Boys", "Male", "Minor", 100.0)],
            method="published",
            sexual=sexual,
        )
        assert table["estimate"].isna().all()
        assert table["note"].tolist() == [
            "not estimable: none of the men in view is in sexual exploitation",
            "not estimable: no boys among the records in view",
        ]
        assert estimate_sentences(table, unit="persons")[1] == (
            "Boys: not estimable: no boys among the records in view."
        )


class TestRatioMethod:
    def test_joint_covariance_blocks_equal_each_models_covariance(self, models):
        _, sexual, labour, joint = models
        cov = joint_covariance(sexual, labour, joint)
        np.testing.assert_allclose(cov[:4, :4], sexual.cov, rtol=1e-8)
        np.testing.assert_allclose(cov[4:, 4:], labour.cov, rtol=1e-8)

    def test_interval_matches_the_multinomial_delta_method(self, models):
        _, sexual, labour, joint = models
        row = extrapolate(
            [SurveyRow("Boys", "Male", "Minor", 200.0)],
            method="ratio",
            sexual=sexual,
            labour=labour,
            joint=joint,
        ).iloc[0]
        n, a, b, ab = counts(("Male", "Minor"))
        assert row["factor"] == pytest.approx(a / b)  # saturated: P1 / P2 = a / b
        p1, p2, p12 = a / n, b / n, ab / n
        var = (p1 * (1 - p1) / p1**2 + p2 * (1 - p2) / p2**2 - 2 * (p12 - p1 * p2) / (p1 * p2)) / n
        assert row["ci_low"] == pytest.approx(200 * a / b * math.exp(-Z * math.sqrt(var)))
        assert row["ci_high"] == pytest.approx(200 * a / b * math.exp(Z * math.sqrt(var)))

    def test_needs_the_labour_model(self, models):
        _, sexual, _, _ = models
        with pytest.raises(ValueError, match="ratio"):
            extrapolate([SurveyRow("Men", "Male", "Adult", 1.0)], method="ratio", sexual=sexual)


class TestTotal:
    @pytest.mark.parametrize("method", ["published", "ratio"])
    def test_interval_agrees_with_a_simulation(self, models, method):
        _, sexual, labour, joint = models
        survey = [
            SurveyRow("Women", "Female", "Adult", 5361.0, 5000.0, 5800.0),
            SurveyRow("Men", "Male", "Adult", 10656.0),
            SurveyRow("Girls", "Female", "Minor", 300.0),
        ]
        table = extrapolate(survey, method=method, sexual=sexual, labour=labour, joint=joint)
        total, low, high = total_estimate(table, sexual=sexual, labour=labour, joint=joint)
        assert total == pytest.approx(table["estimate"].sum())
        # simulate: parameters from their (joint) normal, survey counts from normals
        rng = np.random.default_rng(2024)
        cov = sexual.cov if method == "published" else joint_covariance(sexual, labour, joint)
        mean = sexual.params if method == "published" else np.r_[sexual.params, labour.params]
        draws = rng.multivariate_normal(mean, cov, size=40000)
        sims = np.zeros(len(draws))
        for row in survey:
            cell = pd.DataFrame({"gender": [row.gender], "majority": [row.majority]})
            eta1 = draws[:, :4] @ sexual.design.matrix(cell)[0]
            if method == "published":
                factor = np.exp(eta1)
            else:
                eta2 = draws[:, 4:] @ labour.design.matrix(cell)[0]
                factor = 1 / (1 + np.exp(-eta1)) * (1 + np.exp(-eta2))
            sd = (row.high - row.low) / (2 * Z) if row.low is not None else 0.0
            sims += (row.count + sd * rng.standard_normal(len(draws))) * factor
        assert (high - low) / 2 / Z == pytest.approx(sims.std(), rel=0.05)

    def test_nothing_estimable(self, models):
        _, sexual, _, _ = models
        table = extrapolate(
            [SurveyRow("Men", "Male", "Adult", 1.0)], method="published", sexual=sexual
        )
        table.loc[:, "estimate"] = np.nan
        assert all(math.isnan(v) for v in total_estimate(table, sexual=sexual))


class TestProtectionAndWords:
    def test_small_groups_are_withheld(self, models):
        _, sexual, _, _ = models
        table = extrapolate(
            [SurveyRow("Men", "Male", "Adult", 100.0)], method="published", sexual=sexual
        )
        assert table["events_sexual"].iloc[0] == 20
        withheld = protect_estimates(table, k=21)
        assert withheld["estimate"].isna().all()
        assert withheld["note"].iloc[0].startswith("withheld")
        assert protect_estimates(table, k=20)["estimate"].notna().all()

    def test_a_row_withheld_for_its_non_events_shows_no_count(self):
        # citizens of Russia, girls (real release): 12 records, 11 in sexual exploitation;
        # records and events shown beside each other gave 12 - 11 = 1
        table = pd.DataFrame(
            {
                "group": ["Girls", "Women", "Men"],
                "method": ["published"] * 3,
                "records": [12, 400, 300],
                "events_sexual": [11, 200, 30],
                "events_labour": [None] * 3,
                "factor": [11.0, 1.0, 0.11],
                "factor_ci_low": [5.0, 0.8, 0.07],
                "factor_ci_high": [20.0, 1.2, 0.15],
                "estimate": [110.0, 10.0, 1.1],
                "ci_low": [50.0, 8.0, 0.7],
                "ci_high": [200.0, 12.0, 1.5],
                "note": [""] * 3,
            }
        )
        out = protect_estimates(table, k=10).set_index("group")
        assert out.loc["Girls", ["records", "events_sexual", "factor", "estimate"]].isna().all()
        # the only withheld group: the smallest other group is withheld too, so that the
        # model's total records minus the shown groups do not give the girls away
        assert out.loc["Men", ["records", "events_sexual", "estimate"]].isna().all()
        # the same note on both: which of them is the small one must not show
        assert (
            out.loc["Men", "note"]
            == out.loc["Girls", "note"]
            == (
                "withheld: holds a small count (fewer than 10 records, events or non-events) or "
                "would reveal one"
            )
        )
        assert out.loc["Women", "records"] == 400
        assert withheld_caption(out, k=10) == (
            "2 groups withheld: each holds a small count (fewer than 10 records, events or "
            "non-events) or would reveal one. Withheld cells are blank."
        )
        # with the models' own choice (the risk page's), the same groups as there
        chosen = protect_estimates(table, k=10, withheld=("Girls", "Women")).set_index("group")
        assert chosen.loc["Women", ["records", "estimate"]].isna().all()
        assert chosen.loc["Men", "records"] == 300

    def test_no_output_tells_the_small_group_from_its_protector(self):
        # Girls small (12 records, 1 not in sexual exploitation), Men withheld to protect
        # them: the table, its CSV and the caption read the same for both, and the caption
        # is the one two small groups would get
        def table(records: list[int], events: list[int]) -> pd.DataFrame:
            return pd.DataFrame(
                {
                    "group": ["Girls", "Women", "Men"],
                    "method": ["published"] * 3,
                    "survey_count": [100.0, 200.0, 300.0],
                    "survey_low": [np.nan] * 3,
                    "survey_high": [np.nan] * 3,
                    "records": records,
                    "events_sexual": events,
                    "events_labour": [None] * 3,
                    "factor": [11.0, 1.0, 0.11],
                    "factor_ci_low": [5.0, 0.8, 0.07],
                    "factor_ci_high": [20.0, 1.2, 0.15],
                    "estimate": [110.0, 10.0, 1.1],
                    "ci_low": [50.0, 8.0, 0.7],
                    "ci_high": [200.0, 12.0, 1.5],
                    "note": [""] * 3,
                }
            )

        one_small = protect_estimates(table([12, 400, 300], [11, 200, 30]), k=10)
        withheld = one_small["note"].str.startswith("withheld")
        assert withheld.tolist() == [True, False, True]  # Men protect the girls
        csv = readable_estimates(one_small).drop(columns=["Group", "Survey count"])
        rows = csv.to_csv(index=False).splitlines()[1:]
        assert rows[0] == rows[2]  # the girls' row and the men's row are the same text
        two_small = protect_estimates(table([12, 400, 8], [11, 200, 3]), k=10)
        assert two_small["note"].str.startswith("withheld").tolist() == [True, False, True]
        assert withheld_caption(one_small, k=10) == withheld_caption(two_small, k=10)
        assert set(one_small.loc[withheld, "note"]) == set(two_small.loc[withheld, "note"])
        assert "protect" not in withheld_caption(one_small, k=10)

    def test_the_page_withholds_what_the_risk_page_withholds(self, models):
        from core.risk.protect import protect_model, withheld_groups

        _, sexual, labour, _ = models
        assert withheld_groups(sexual, labour, k=21) == tuple(
            dict.fromkeys(
                protect_model(sexual, k=21).withheld + protect_model(labour, k=21).withheld
            )
        )

    def test_headline_states_total_and_largest_group(self):
        table = pd.DataFrame(
            {"group": ["Women", "Men", "Boys"], "estimate": [600.0, 300.0, np.nan]}
        )
        assert estimate_headline(table, unit="persons") == (
            "Women and men: about 900 people estimated in sexual exploitation, 67% of them women"
        )


@pytest.mark.real
class TestRealRelease:
    def test_published_example_by_hand(self, real_frame):
        records = prepare_records(real_frame).records
        sexual = fit_model(records, PUBLISHED_MODELS[0])
        rows, _errors = survey_rows({"Women": ("5,361", "", ""), "Men": ("10,656", "", "")})
        table = extrapolate(rows, method="published", sexual=sexual).set_index("group")
        # odds of sexual exploitation among adult women 4608/3810 and adult men 42/3757
        assert table.loc["Women", "estimate"] == pytest.approx(5361 * 4608 / 3810)
        assert table.loc["Men", "estimate"] == pytest.approx(10656 * 42 / 3757)
        assert round(table.loc["Women", "estimate"], 1) == 6483.9
        assert round(table.loc["Men", "estimate"], 1) == 119.1


def test_ratio_table_keeps_its_labour_column_when_every_group_is_withheld():
    from core.hidden.words import readable_estimates

    # used to drop the column, and the page then asked to protect a column it no longer had
    table = pd.DataFrame(
        {
            "group": ["Men"],
            "survey_count": [5.0],
            "survey_low": [None],
            "survey_high": [None],
            "records": [np.nan],
            "events_sexual": [np.nan],
            "events_labour": [np.nan],
            "method": ["ratio"],
            "factor": [np.nan],
            "estimate": [np.nan],
            "ci_low": [np.nan],
            "ci_high": [np.nan],
            "note": ["withheld: fewer than 10"],
        }
    )
    assert "In forced labour" in readable_estimates(table).columns
    assert "In forced labour" not in readable_estimates(table.assign(method="published")).columns


def test_readable_estimates_put_the_answer_first() -> None:
    """Key columns first (issue 17): on a phone the estimate and its interval are in view
    without scrolling sideways."""
    t = pd.DataFrame(
        {
            "group": ["Men"],
            "survey_count": [10656.0],
            "survey_low": [None],
            "survey_high": [None],
            "records": [500],
            "events_sexual": [40],
            "events_labour": [None],
            "method": ["published"],
            "factor": [0.0869565],
            "estimate": [926.61],
            "ci_low": [650.04],
            "ci_high": [1300.96],
            "note": [""],
        }
    )
    columns = list(readable_estimates(t).columns)
    assert columns[:4] == ["Group", "Estimate", "95% interval from", "95% interval to"]
    assert columns[4] == "Survey count"
