"""The 'Estimate hidden populations' page under AppTest: inputs, link, refusals, numbers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.hidden.estimate import METHODS
from core.risk.records import prepare_records
from tests.helpers import texts, url_of

PAGE = "pages/3_Hidden_populations.py"


def one_line(title: object) -> str:
    """A chart's title as one line: on screen a long one wraps into a list of lines
    (``{"text": [...]}``, see :func:`core.palette.for_screen`)."""
    text = title.get("text", "") if isinstance(title, dict) else title
    return " ".join(text) if isinstance(text, list) else str(text)


def estimates(at) -> pd.DataFrame:
    frame = next(d.value for d in at.dataframe if "Estimate" in d.value.columns)
    for column in frame.columns:
        if column not in ("Group", "Note"):  # '6,484' -> 6484, '<10' or '' -> NaN
            frame[column] = pd.to_numeric(
                frame[column].astype(str).str.replace(",", ""), errors="coerce"
            )
    return frame.set_index("Group")


def odds_by_hand(frame: pd.DataFrame, gender: str, majority: str) -> float:
    records = prepare_records(frame).records
    cell = records[(records["gender"] == gender) & (records["majority"] == majority)]
    events = int(cell["isSexualExploit"].sum())
    return events / (len(cell) - events)


class TestDemo:
    def test_prefilled_example_and_its_source(self, run_page, demo_frame, monkeypatch):
        monkeypatch.setenv("CTDC_MIN_K", "1")  # the operator allows k = 1 (see below)
        at = run_page(PAGE)
        assert not at.exception
        assert at.title[0].value == "Estimate hidden populations"
        assert at.text_input(key="hid_men").value == "10,656"
        assert at.text_input(key="hid_women").value == "5,361"
        assert at.radio(key="hid_unit").value == "thousands"
        assert "Global Estimates of Modern Slavery 2022" in texts(at.caption)
        table = estimates(at)
        women = 5361 * odds_by_hand(demo_frame, "Female", "Adult")
        assert table.loc["Women", "Estimate"] == pytest.approx(women, rel=2e-4, abs=0.051)
        # the demo has fewer than 10 adult men in sexual exploitation: withheld, not shown
        assert pd.isna(table.loc["Men", "Estimate"])
        assert table.loc["Men", "Note"].startswith("withheld: holds a small count (fewer than 10")
        # ... and so are their records and events (records minus events would give the rest)
        assert table.loc["Men", ["Records", "In sexual exploitation"]].isna().all()
        assert (
            "1 group withheld: it holds a small count (fewer than 10 records, events or "
            "non-events) or would reveal one. Withheld cells are blank." in texts(at.caption)
        )
        assert at.metric[0].value == f"{women:,.0f}"
        # the headline number says whom it covers, and what it leaves out
        assert at.metric[0].label == "Women estimated in sexual exploitation (thousand people)"
        assert (
            "Covers women only; not included: men (withheld or not estimable, see the notes "
            "below); girls and boys (no survey count typed)." in texts(at.caption)
        )
        assert "not whether identified victims represent the hidden population" in texts(at.caption)
        title = one_line(json.loads(at.get("vega_lite_chart")[0].proto.spec)["title"])
        assert (
            title == f"Women: about {women:,.0f} thousand people estimated in sexual exploitation"
        )
        # the inputs are in the link
        assert url_of(at)["hid_men"] == "10,656"
        # with the threshold at 1 the men appear
        at.sidebar.number_input(key="k").set_value(1).run()
        men = 10656 * odds_by_hand(demo_frame, "Male", "Adult")
        assert estimates(at).loc["Men", "Estimate"] == pytest.approx(men, rel=2e-4, abs=0.051)
        assert at.metric[0].value == f"{men + women:,.0f}"
        assert at.metric[0].label == (
            "Total of women and men estimated in sexual exploitation (thousand people)"
        )
        assert "Adds up women and men; not included: girls and boys (no survey count typed)." in (
            texts(at.caption)
        )

    def test_ratio_method_bounds_and_derived_status(self, run_page):
        at = run_page(PAGE)
        at.checkbox(key="hid_derived").check().run()
        assert not at.exception
        assert "majority status given or derived from age" in texts(at.markdown)
        published = estimates(at).loc["Men", "Estimate"]
        at.radio(key="hid_method").set_value("ratio").run()
        assert not at.exception
        assert "model 2 `isForcedLabour ~ gender * majority`" in texts(at.markdown)
        ratio = estimates(at)
        assert ratio.loc["Men", "Estimate"] != pytest.approx(published)
        narrow = ratio.loc["Men", "95% interval to"] - ratio.loc["Men", "95% interval from"]
        at.text_input(key="hid_men_low").input("9000").run()
        at.text_input(key="hid_men_high").input("12,500").run()
        wide = estimates(at)
        assert wide.loc["Men", "Estimate"] == pytest.approx(ratio.loc["Men", "Estimate"])
        assert wide.loc["Men", "95% interval to"] - wide.loc["Men", "95% interval from"] > narrow
        assert url_of(at)["hid_derived"] == "true"

    @pytest.mark.parametrize(
        ("text", "words"),
        [
            ("-5", "negative"),
            ("abc", "not a number"),
            ("1e999", "not a finite number"),
        ],
    )
    def test_bad_counts_are_refused_in_words(self, run_page, text, words):
        at = run_page(PAGE)
        at.text_input(key="hid_men").input(text).run()
        assert not at.exception
        assert words in texts(at.error)
        assert "Men" not in estimates(at).index  # women still estimated

    def test_bound_on_the_wrong_side(self, run_page):
        at = run_page(PAGE)
        at.text_input(key="hid_women_low").input("6000").run()
        assert not at.exception
        assert "lower bound for women" in texts(at.error)

    def test_empty_inputs_and_restoring_the_example(self, run_page):
        at = run_page(PAGE)
        at.button(key="hid_clear").click().run()
        assert not at.exception
        assert "Type a survey count for at least one group" in texts(at.info)
        assert "hid_men" not in url_of(at)
        at.button(key="hid_example").click().run()
        assert not at.exception
        assert at.text_input(key="hid_men").value == "10,656"
        assert len(estimates(at)) == 2

    def test_a_link_reproduces_the_estimate(self, run_page, demo_frame):
        # a bound choice is written in the URL as the label the user sees
        at = run_page(
            PAGE,
            query={
                "hid_girls": "7",
                "hid_unit": "People",
                "hid_method": METHODS["published"][0],
                "hid_spec": "nonsense",
            },
        )
        assert not at.exception
        assert at.text_input(key="hid_girls").value == "7"
        assert at.text_input(key="hid_men").value == ""
        assert at.radio(key="hid_spec").value == "published"  # unknown value: the default
        girls = 7 * odds_by_hand(demo_frame, "Female", "Minor")
        assert estimates(at).loc["Girls", "Estimate"] == pytest.approx(girls, rel=2e-4, abs=0.051)
        assert "7 people" in texts(at.markdown)

    def test_persons_unit(self, run_page):
        at = run_page(PAGE)
        at.radio(key="hid_unit").set_value("persons").run()
        assert not at.exception
        assert "(people)" in at.metric[0].label


class TestSlices:
    def test_a_group_absent_from_the_data_is_not_estimable(self, run_page, demo_frame):
        f = demo_frame
        used = (
            f["yearOfRegistration"].notna()
            & f["gender"].isin(["Female", "Male"])
            & (f["majoritySource"] == "given")
        ).to_numpy()
        records = prepare_records(f).records.assign(cit=f.loc[used, "citizenship"].to_numpy())
        table = pd.crosstab(
            records["cit"].astype(str),
            [records["gender"].astype(str), records["majority"].astype(str)],
        )
        no_boys = table[
            (table[("Male", "Minor")] == 0)
            & (table[("Female", "Adult")] > 0)
            & (table[("Female", "Minor")] > 0)
            & (table[("Male", "Adult")] > 0)
        ]
        events = records.groupby(records["cit"].astype(str))["isSexualExploit"].agg(["sum", "size"])
        events = events.loc[no_boys.index]
        usable = events[(events["sum"] > 0) & (events["sum"] < events["size"])]
        code = str(usable["size"].idxmax())
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value([code]).run()
        at.text_input(key="hid_boys").input("100").run()
        assert not at.exception
        shown = estimates(at)
        assert pd.isna(shown.loc["Boys", "Estimate"])
        assert shown.loc["Boys", "Note"] == "not estimable: no boys among the records in view"
        assert "Boys: not estimable" in texts(at.markdown)

    def test_one_record_and_no_records(self, run_page, demo_frame):
        counts = demo_frame["citizenship"].value_counts()
        code = str(counts[counts == 1].index[0])
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value([code]).run()
        assert not at.exception
        assert "No estimate is possible" in texts(at.info)
        at.sidebar.multiselect(key="gender").set_value(["Male"]).run()
        assert not at.exception
        assert at.info

    def test_a_handful_of_records(self, run_page, demo_frame):
        counts = demo_frame["citizenship"].value_counts()
        code = str(counts[(counts >= 20) & (counts <= 40)].index[0])
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value([code]).run()
        assert not at.exception
        assert "None of the groups you typed can be estimated" in texts(at, "info")


@pytest.mark.real
def test_real_release_example(run_page):
    at = run_page(PAGE, data="real")
    assert not at.exception
    table = estimates(at)
    # 10,656 thousand x 42/3,757 and 5,361 thousand x 4,608/3,810 (odds of sexual
    # exploitation of adult men and women in the published selection)
    assert table.loc["Men", "Estimate"] == pytest.approx(10656 * 42 / 3757, rel=2e-4, abs=0.051)
    assert table.loc["Women", "Estimate"] == pytest.approx(5361 * 4608 / 3810, rel=2e-4, abs=0.051)
    assert at.metric[0].value == "6,603"


@pytest.mark.real
def test_real_release_men_only_show_one_interval(run_page):
    # with only men typed the page showed 83-155 (the total) and 88-161 (the men): one now.
    # R: tests/reference/hidden_total_log.csv, men_only: 119.12 (87.89 to 161.46)
    at = run_page(PAGE, data="real", query={"hid_men": "10,656"})
    assert not at.exception
    assert at.text_input(key="hid_women").value == ""
    assert at.metric[0].value == "119"
    assert at.metric[0].label == "Men estimated in sexual exploitation (thousand people)"
    caption = texts(at.caption)
    assert "95% interval 88 to 161 thousand people. Covers men only; not included:" in caption
    assert "83" not in caption and "155" not in caption
    sentences = texts(at.markdown)
    assert "about 119 thousand people (95% interval 88 to 161 thousand people)" in sentences
    assert "about 1.1 men in sexual exploitation for every 100 men not in it" in sentences


def test_2024_layout(run_page, layout_2024_file):
    at = run_page(PAGE, data=str(layout_2024_file))
    assert not at.exception
    assert "cannot run exactly as published" in texts(at.warning)
    assert "majority status given or derived from age" in texts(at.markdown)
    assert estimates(at)["Estimate"].notna().any()


def test_terms_are_explained_on_the_page(run_page):
    from core.glossary import explain

    at = run_page(PAGE)
    assert not at.exception
    glossary = next(e for e in at.expander if e.label == "What the terms mean")
    shown = texts(glossary.markdown)
    for term in ("odds", "95% interval", "delta method", "log scale"):
        assert f"**{term}**: {explain(term)}" in shown
    assert at.metric[0].help.startswith(explain("95% interval"))
