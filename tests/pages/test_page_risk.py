"""The 'Who is most at risk' page under AppTest: what a user sees, and every input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.risk.records import prepare_records
from tests.helpers import texts, url_of

PAGE = "pages/2_Who_is_most_at_risk.py"


def one_line(title: object) -> str:
    """A chart's title as one line: on screen a long one wraps into a list of lines
    (``{"text": [...]}``, see :func:`core.palette.for_screen`)."""
    text = title.get("text", "") if isinstance(title, dict) else title
    return " ".join(text) if isinstance(text, list) else str(text)


def chart_titles(at) -> list[str]:
    return [one_line(json.loads(c.proto.spec).get("title")) for c in at.get("vega_lite_chart")]


def numbers(column: pd.Series) -> pd.Series:
    """A displayed column as numbers: '1,211' -> 1211, '<10' -> NaN."""
    return pd.to_numeric(column.astype(str).str.replace(",", ""), errors="coerce")


def group_frames(at) -> list[pd.DataFrame]:
    """Group tables as numbers ('<k' cells, which make a column text, become NaN)."""
    frames = []
    for element in at.dataframe:
        frame = element.value
        if "Group" in frame.columns:
            for column in frame.columns[1:]:
                frame[column] = numbers(frame[column])
            frames.append(frame)
    return frames


class TestDemo:
    def test_published_preset_shows_five_models(self, run_page, demo_frame):
        at = run_page(PAGE)
        assert not at.exception
        assert at.title[0].value == "Who is most at risk"
        assert [t.label for t in at.tabs] == [
            "Sexual exploitation",
            "Forced labour",
            "Intimate partner",
            "Friend",
            "Family",
        ]
        # the first group table rests on the published selection, counted here with pandas
        records = prepare_records(demo_frame).records
        expected = pd.crosstab(
            [records["gender"].astype(str), records["majority"].astype(str)],
            records["isSexualExploit"],
        )
        table = group_frames(at)[0].set_index("Group")
        assert table.loc["Women", "Records"] == expected.loc[("Female", "Adult")].sum()
        assert table.loc["Girls", "With the outcome"] == expected.loc[("Female", "Minor"), True]
        women = expected.loc[("Female", "Adult")]
        assert table.loc["Women", "Probability (%)"] == pytest.approx(
            100 * women[True] / women.sum(), abs=0.006
        )
        captions = texts(at.caption)
        assert f"Based on {len(records):,} records" in captions
        assert "not prevalence" in captions
        title = chart_titles(at)[0]
        assert title.startswith("Girls are the most likely to be in sexual exploitation")
        # the coefficients open with what a reader looks for; the model's code comes last
        coefficients = [df for df in at.dataframe if "Code" in df.value.columns]
        assert coefficients
        for df in coefficients:
            order = list(df.proto.column_order)
            assert order[:2] == ["Term", "Change in odds (%)"] and order[-1] == "Code"

    def test_separation_is_explained_and_firth_offered(self, run_page):
        at = run_page(PAGE)
        warnings = texts(at.warning)
        assert "Separation in the model(s) for intimate partner, friend" in warnings
        assert "Firth" in warnings
        pytest.importorskip("firthmodels", reason="firthmodels not installed")
        at.checkbox(key="risk_firth").check().run()
        assert not at.exception
        assert "Firth-penalised" in texts(at.markdown)
        coefficient_tables = [d.value for d in at.dataframe if "Term" in d.value.columns]
        partner = numbers(coefficient_tables[2]["Estimate (log-odds)"])
        assert partner.notna().all()
        assert partner.abs().max() < 15
        # the friend model rests on men with 1 non-event (demo): its Firth estimates, which
        # depend on every group, are all withheld
        friend = coefficient_tables[3]
        assert (friend["Estimate (log-odds)"].astype(str) == "").all()
        assert "every model estimate and coefficient of this model" in texts(at.caption)

    def test_ctdc_preset_and_derived_status(self, run_page, demo_frame):
        at = run_page(PAGE)
        published_n = group_frames(at)[0]["Records"].sum()
        at.radio(key="risk_preset").set_value("ctdc").run()
        assert not at.exception
        assert "records with no flag in the group are left out" in texts(at.markdown)
        at.checkbox(key="risk_derived").check().run()
        assert not at.exception
        derived = prepare_records(demo_frame, majority="derived").records
        assert f"{len(derived):,} of {len(demo_frame):,} records in view are used" in " ".join(
            e.label for e in at.expander
        )
        assert len(derived) > published_n

    def test_custom_model_with_age_band(self, run_page):
        at = run_page(PAGE)
        at.radio(key="risk_preset").set_value("custom").run()
        at.selectbox(key="risk_outcome").set_value("isForcedLabour").run()
        at.multiselect(key="risk_predictors").set_value(["age"]).run()
        assert not at.exception
        assert [t.label for t in at.tabs] == ["Forced labour"]
        assert "`isForcedLabour ~ age`" in texts(at.markdown)
        terms = next(d.value for d in at.dataframe if "Term" in d.value.columns)["Term"].tolist()
        assert terms[0].startswith("Baseline: age")
        at.toggle(key="risk_interaction").set_value(False).run()
        at.multiselect(key="risk_predictors").set_value([]).run()
        assert not at.exception
        assert "Choose at least one predictor" in texts(at.info)
        # the emptied choice survives a reload (a new session on the same URL)
        url = url_of(at)
        assert url.get("risk_predictors_cleared") == "1"
        again = run_page(PAGE, query=url)
        assert again.multiselect(key="risk_predictors").value == []
        assert "Choose at least one predictor" in texts(again.info)

    def test_custom_interaction_with_empty_combinations_is_explained(self, run_page):
        at = run_page(PAGE)
        at.radio(key="risk_preset").set_value("custom").run()
        at.selectbox(key="risk_outcome").set_value("typeOfSexPornography").run()
        at.multiselect(key="risk_predictors").set_value(["gender", "majority", "age"]).run()
        assert not at.exception
        assert "Some combinations of the predictors have no records in view" in texts(at, "info")


class TestSlices:
    def test_no_records(self, run_page, demo_frame):
        single = demo_frame["citizenship"].value_counts()
        code = str(single[single == 1].index[0])
        gender = (
            "Male"
            if demo_frame.loc[demo_frame["citizenship"] == code, "gender"].iloc[0] != "Male"
            else "Female"
        )
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value([code]).run()
        at.sidebar.multiselect(key="gender").set_value([gender]).run()
        assert not at.exception
        assert "No records match these filters" in texts(at.info)

    def test_one_record(self, run_page, demo_frame):
        counts = demo_frame["citizenship"].value_counts()
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value([str(counts[counts == 1].index[0])]).run()
        assert not at.exception
        assert at.info  # no usable records: said in words

    def test_a_handful_of_records(self, run_page, demo_frame):
        counts = demo_frame["citizenship"].value_counts()
        code = str(counts[(counts >= 20) & (counts <= 40)].index[0])
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value([code]).run()
        assert not at.exception
        assert at.get("vega_lite_chart")
        assert "No records in view can be used for intimate partner" in texts(at, "info")
        for element in at.dataframe:
            frame = element.value
            # no count between 1 and k - 1 is shown
            for column in ("Records", "With the outcome", "Without", "records"):
                if column in frame.columns:
                    shown = numbers(frame[column]).dropna()
                    assert not ((shown > 0) & (shown < 10)).any()

    def test_only_women_cannot_compare_gender(self, run_page):
        at = run_page(PAGE)
        at.sidebar.multiselect(key="gender").set_value(["Female"]).run()
        assert not at.exception
        assert "same gender (Female)" in texts(at.info)


class TestProtection:
    def test_demo_men_are_withheld_with_a_second_group(self, run_page):
        at = run_page(PAGE)
        assert not at.exception
        sexual = group_frames(at)[0].set_index("Group")
        # demo: adult men have 7 events of sexual exploitation; boys are withheld with them
        # so that the model's totals minus the shown groups do not give the men away
        assert (
            sexual.loc[
                ["Men", "Boys"], ["Records", "With the outcome", "Without", "Probability (%)"]
            ]
            .isna()
            .all()
            .all()
        )
        assert sexual.loc["Women", "Records"] > 0
        captions = texts(at.caption)
        # one wording for the small group and the one withheld to protect it
        assert (
            "2 groups withheld: each holds a small count (fewer than 10 records, events or "
            "non-events) or would reveal one." in captions
        )
        assert "of them to protect" not in captions
        coefficients = next(d.value for d in at.dataframe if "Term" in d.value.columns)
        shown = numbers(coefficients["Estimate (log-odds)"])
        # intercept (women) and majority (girls - women) stay; the men's terms are blank
        assert shown.notna().tolist() == [True, False, True, False]


@pytest.mark.real
class TestRealRelease:
    def test_intimate_partner_men_are_withheld(self, run_page):
        at = run_page(PAGE, data="real")
        assert not at.exception
        partner = group_frames(at)[2].set_index("Group")
        # 216 records, 1 with an intimate-partner recruiter: no count of men is shown, and
        # neither is any estimate of this main-effects model
        assert partner.loc["Men", ["Records", "With the outcome", "Without"]].isna().all()
        assert partner["Probability (%)"].isna().all()
        friend = group_frames(at)[3].set_index("Group")
        assert (
            friend.loc[["Boys", "Men"], ["Records", "With the outcome", "Without"]]
            .isna()
            .all()
            .all()
        )
        family = group_frames(at)[4].set_index("Group")
        assert (
            family.loc[["Boys", "Girls"], ["Records", "With the outcome", "Without"]]
            .isna()
            .all()
            .all()
        )
        assert family.loc["Men", "Records"] == 216
        for frame in group_frames(at):
            for column in ("Records", "With the outcome", "Without"):
                shown = frame[column].dropna()
                assert not ((shown > 0) & (shown < 10)).any()

    def test_published_numbers_on_screen(self, run_page):
        at = run_page(PAGE, data="real")
        assert not at.exception
        table = group_frames(at)[0].set_index("Group")
        # adult women: 4,608 of 8,418 in sexual exploitation (published selection)
        assert (table.loc["Women", "Records"], table.loc["Women", "With the outcome"]) == (
            8418,
            4608,
        )
        assert table.loc["Women", "Probability (%)"] == pytest.approx(100 * 4608 / 8418, abs=0.006)
        coefficients = next(d.value for d in at.dataframe if "Term" in d.value.columns)
        # R: glm(isSexualExploit ~ gender * majorityStatusAtExploit, family = binomial)
        assert coefficients["Estimate (log-odds)"].tolist() == [0.19016, -4.68387, 1.89411, 3.19678]
        assert chart_titles(at)[0] == (
            "Girls are the most likely to be in sexual exploitation "
            "(89%), men in forced labour (80%)"
        )
        # a ratio of two model probabilities, written as a ratio (it was "For every 100
        # women in forced labour in these records, about 191 are in sexual exploitation.",
        # which reads as a share of the women in forced labour)
        markdown = texts(at.markdown)
        assert (
            "About 191 women in sexual exploitation for every 100 women in forced labour in "
            "these records; a person can be in both." in markdown
        )
        # men: 42 of 3,799 in sexual exploitation over P(forced labour) = 1.38 per 100
        assert (
            "About 1.4 men in sexual exploitation for every 100 men in forced labour in "
            "these records; a person can be in both." in markdown
        )


class TestOtherLayouts:
    def test_2024_layout_falls_back_to_the_derived_status_with_a_note(
        self, run_page, layout_2024_file
    ):
        at = run_page(PAGE, data=str(layout_2024_file))
        assert not at.exception
        assert "cannot run exactly as published" in texts(at.warning)
        assert "derived from the age band is used instead" in texts(at.warning)
        assert len(group_frames(at)) == 5


def test_terms_are_explained_on_the_page(run_page):
    from core.glossary import explain

    at = run_page(PAGE)
    assert not at.exception
    glossary = next(e for e in at.expander if e.label == "What the terms mean")
    shown = texts(glossary.markdown)
    for term in (
        "log-odds",
        "odds ratio",
        "p-value",
        "z",
        "Wald interval",
        "delta method",
        "Firth",
    ):
        assert f"**{term}**: {explain(term)}" in shown
    assert "**Female**: Women and girls together" in shown
    # the coefficient captions say what the standard errors are
    assert "Standard errors: the inverse Fisher information at the maximum-likelihood" in texts(
        at.caption
    )
