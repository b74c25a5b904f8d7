"""AppTest of pages/1_Explore.py on the demo and the real file, and on tiny slices.

Expected values come from the raw files or the loaded frame with plain pandas
(value_counts, groupby), not through core.explore.aggregates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from core.app import DEMO_LABEL
from tests.conftest import DEMO_FILE
from tests.helpers import each_text, url_of

PAGE = "pages/1_Explore.py"
TABS = [
    "1 · Flows between countries",
    "2 · Highest vs lowest volume",
    "3 · Tactics",
    "4 · Trends",
    "5 · Shifts toward groups",
    "6 · Data quality",
]
# chart name -> tab index: every section has at least one downloadable chart
CHARTS = {
    "explore_flows_heatmap": 0,
    "explore_flows_sankey": 0,
    "explore_profile_ageBroad": 1,
    "explore_profile_gender": 1,
    "explore_tactics_means": 2,
    "explore_tactics_recruiter": 2,
    "explore_tactics_exploitation": 2,
    "explore_trend_total": 3,
    "explore_trend_by_type": 3,
    "explore_shift_gender": 4,
    "explore_quality_missing": 5,
    "explore_quality_coverage": 5,
}


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def titles(node) -> list[str]:
    """Titles of the Altair and Plotly charts under ``node`` (the app or a tab)."""
    out = []
    for element in node.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        title = spec.get("title", {})
        out.append(one_line(title.get("text") if isinstance(title, dict) else title))
    for element in node.get("plotly_chart"):
        out.append(one_line(json.loads(element.proto.spec)["layout"]["title"]["text"]))
    return out


def one_line(title: object) -> str:
    """A chart title as one line: on screen long titles wrap (a list of lines in Altair,
    ``<br>`` in Plotly, core.palette.wrap_title)."""
    if isinstance(title, list):
        return " ".join(str(part) for part in title)
    return re.sub(r"<br\s*/?>", " ", str(title))


def chart_spec(at, title_start: str) -> dict:
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        if one_line(spec.get("title", {}).get("text", "")).startswith(title_start):
            return spec
    raise AssertionError(f"no chart titled {title_start!r}: {titles(at)}")


def download_keys(at) -> set[str]:
    return {b.key for b in at.get("download_button")}


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def year_counts(frame: pd.DataFrame) -> pd.Series:
    return frame["yearOfRegistration"].dropna().astype(int).value_counts().sort_index()


# ----------------------------------------------------------------------------- demo
class TestDemo:
    def test_six_sections_with_downloadable_charts(self, run_page: Callable[..., object]) -> None:
        at = run_page(PAGE)
        assert not at.exception
        assert DEMO_LABEL in texts(at.warning)
        assert [t.label for t in at.tabs] == TABS
        keys = download_keys(at)
        for name, tab in CHARTS.items():
            assert f"dl_csv_{name}" in keys, name
            assert {f"dl_png_{name}", f"dl_html_{name}"} & keys, name
            assert titles(at.tabs[tab]), TABS[tab]
        # the Sankey is Plotly (an HTML download), the other charts Altair (a PNG download)
        assert "dl_html_explore_flows_sankey" in keys
        assert "dl_png_explore_flows_sankey" not in keys
        assert "dl_png_explore_flows_heatmap" in keys
        assert "dl_html_explore_flows_heatmap" not in keys
        # every chart states a finding and rests on a stated number of records
        all_titles = titles(at)
        assert len(all_titles) >= len(CHARTS)
        assert all(t and len(t) > 20 for t in all_titles), all_titles
        based = [c.value for c in at.caption if c.value.startswith("Based on ")]
        assert len(based) >= len(all_titles)
        assert all("Identified cases, not prevalence" in c for c in based)

    def test_numbers_match_the_raw_file(self, run_page: Callable[..., object]) -> None:
        at = run_page(PAGE)
        raw = pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False)
        assert metric(at, "Records in view") == f"{len(raw):,}"
        years = pd.to_numeric(raw["yearOfRegistration"], errors="coerce").dropna().astype(int)
        counts = years.value_counts().sort_index()
        peak = int(counts.idxmax())
        yearly_title = one_line(chart_spec(at, "Registrations peaked")["title"]["text"])
        assert yearly_title.startswith(f"Registrations peaked in {peak} ({counts.max():,} records)")
        # the demo copies the reporting lag: 2020 and 2021 hold under half of 2017-2019's median
        reference = np.median(counts.loc[2017:2019])
        assert (counts.loc[[2020, 2021]] < 0.5 * reference).all()
        assert yearly_title.endswith("2020–2021 look incomplete")
        assert "2020–2021" in texts(at.warning)
        missing_year = (raw["yearOfRegistration"] == "").sum()
        assert f"{missing_year:,} records in view have no year" in texts(at.caption)

    def test_tactics_split_by_gender_and_age(self, run_page: Callable[..., object]) -> None:
        at = run_page(PAGE)
        at.selectbox(key="exp_split").set_value("gender").run()
        assert not at.exception
        tactics = titles(at.tabs[2])
        assert tactics and all(t.startswith("Widest gap:") for t in tactics), tactics
        spec = chart_spec(at, "Widest gap:")
        assert spec["encoding"]["yOffset"]["field"] == "gender"
        assert "Victims with gender unknown are left out." in texts(at.tabs[2].caption)
        at.selectbox(key="exp_split").set_value("ageBroad").run()
        assert not at.exception
        assert chart_spec(at, "Widest gap:")["layer"][0]["mark"]["type"] == "rect"

    def test_flows_scale_toggle(self, run_page: Callable[..., object]) -> None:
        at = run_page(PAGE)
        assert chart_spec(at, "Largest flow")["encoding"]["color"]["scale"]["type"] == "log"
        at.radio(key="exp_scale").set_value("Raw counts").run()
        assert not at.exception
        assert "type" not in chart_spec(at, "Largest flow")["encoding"]["color"]["scale"]
        at.slider(key="exp_top_n").set_value(5).run()
        assert len(chart_spec(at, "Largest flow")["encoding"]["y"]["sort"]) == 5

    def test_shift_by_majority_states_the_trend(self, run_page: Callable[..., object]) -> None:
        at = run_page(PAGE)
        at.selectbox(key="exp_shift_field").set_value("majorityStatusAtExploit").run()
        assert not at.exception
        text = texts(at.tabs[4].markdown)
        # wording changed (issue 14): "points per decade (95% CI ...)", fitted ends said so
        assert "The share of minors" in text and "points per decade (95% CI" in text
        assert "fitted " in text
        table = next(
            d.value for d in at.dataframe if "Change (points per decade)" in d.value.columns
        )
        assert table["Group"].tolist() == ["Adult", "Minor"]
        # two groups: their shares mirror each other, so the changes do too
        assert table["Change (points per decade)"].sum() == pytest.approx(0, abs=0.02)
        at.checkbox(key="exp_shift_skip").uncheck().run()
        assert not at.exception
        assert "Likely incomplete years are left out" not in texts(at.tabs[4].caption)

    def test_no_fitted_line_where_it_gives_back_a_withheld_year(
        self, run_page: Callable[..., object]
    ) -> None:
        """The test demo, exploitation in the USA, the minors' share: 2012 is withheld
        and lies inside the fit. The line's values at full precision, with the counts
        shown, gave back its 7 minors of 20 records (tests/unit/privacy_routes), so the
        chart draws no line there and says why; the adults' trend, fitted on the same
        years, neither."""
        from tests.conftest import DEMO_FILE

        at = run_page(
            PAGE,
            data=str(DEMO_FILE),
            query={"exp": "USA", "exp_shift_field": "Minor or adult", "exp_shift_focus": "Minor"},
        )
        assert not at.exception
        assert at.selectbox(key="exp_shift_focus").value == "Minor"
        element = next(
            e for e in at.tabs[4].get("vega_lite_chart") if "Share that are" in e.proto.spec
        )
        spec = json.loads(element.proto.spec)
        (line,) = [layer for layer in spec["layer"] if layer["mark"]["type"] == "line"]
        # Streamlit sends each named dataset beside the spec, as Arrow
        sent = {d.name: pa.ipc.open_stream(d.data.data).read_all() for d in element.proto.datasets}
        assert line["data"]["name"] in sent
        assert sent[line["data"]["name"]].num_rows == 0, "the fitted line's values left the app"
        assert "the fitted line is not drawn" in texts(at.tabs[4].caption)

    def test_the_view_lives_in_the_url(self, run_page: Callable[..., object]) -> None:
        # a bound choice with labels is written in the URL as its label
        at = run_page(
            PAGE,
            query={
                "exp_split": "Gender",
                "exp_top_n": "7",
                "exp_shift_field": "robot",
                "exp_tb_min": "-3",
            },
        )
        assert not at.exception
        assert at.selectbox(key="exp_split").value == "gender"
        assert at.slider(key="exp_top_n").value == 7
        assert at.selectbox(key="exp_shift_field").value == "gender"  # bad value: default
        assert at.number_input(key="exp_tb_min").value == 200
        assert len(chart_spec(at, "Largest flow")["encoding"]["y"]["sort"]) == 7
        at.selectbox(key="exp_shift_field").set_value("ageBroad").run()
        assert url_of(at)["exp_shift_field"] == "Age band"
        at.selectbox(key="exp_split").set_value(None).run()
        assert "exp_split" not in url_of(at)  # back to the default: off the URL

    def test_top_bottom_controls(
        self, run_page: Callable[..., object], demo_frame: pd.DataFrame
    ) -> None:
        at = run_page(PAGE)
        at.radio(key="exp_tb_by").set_value("CountryOfExploitation").run()
        assert not at.exception
        assert "(country of exploitation)" in texts(at.tabs[1].caption)
        biggest = int(demo_frame["CountryOfExploitation"].value_counts().max())
        at.number_input(key="exp_tb_min").set_value(biggest + 1).run()
        assert not at.exception
        assert f"No country has at least {biggest + 1:,} records" in texts(at.info)
        at.number_input(key="exp_tb_min").set_value(biggest).run()
        assert "no lowest-volume group" in texts(at.info)


# ----------------------------------------------------------------------------- slices
class TestSlices:
    def test_no_records(self, run_page: Callable[..., object]) -> None:
        at = run_page(
            PAGE, query={"cit": "USA", "exp": "RUS", "gender": "Transgender/NonConforming"}
        )
        assert not at.exception
        assert "No records match these filters" in texts(at.info)
        assert not titles(at)

    def test_one_record(self, run_page: Callable[..., object], demo_frame: pd.DataFrame) -> None:
        counts = demo_frame["citizenship"].value_counts()
        code = str(counts[counts == 1].index[0])
        at = run_page(PAGE, query={"cit": code})
        assert not at.exception
        assert metric(at, "Records in view") == "<10"  # a count below k is never shown
        assert "hidden to protect the people in them" in texts(at.info)
        # nothing that would show a count of one is drawn
        shown = titles(at)
        assert not any(
            t.startswith(("Largest flow", "Registrations peaked", "Widest gap")) for t in shown
        )

    def test_a_handful(
        self,
        run_page: Callable[..., object],
        demo_frame: pd.DataFrame,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # an operator who sets the floor to 1 (CTDC_MIN_K) lets a user show every count
        monkeypatch.setenv("CTDC_MIN_K", "1")
        counts = demo_frame["citizenship"].value_counts()
        code = str(counts[(counts >= 3) & (counts <= 9)].index[0])
        at = run_page(PAGE, query={"cit": code})
        assert not at.exception
        assert metric(at, "Records in view") == "<10"  # a count below k is never shown
        assert "hidden to protect the people in them" in texts(at.info)
        # lowering the threshold to 1 draws the charts; tiny years give "no trend" sentences
        at.sidebar.number_input(key="k").set_value(1).run()
        assert not at.exception
        assert "Registrations peaked" in " ".join(titles(at))
        for name in ("majorityStatusAtExploit", "ageBroad"):
            at.selectbox(key="exp_shift_field").set_value(name).run()
            assert not at.exception
            for split in ("gender", "majorityStatusAtExploit", "ageBroad"):
                at.selectbox(key="exp_split").set_value(split).run()
                assert not at.exception

    def test_only_undated_records(
        self, run_page: Callable[..., object], demo_frame: pd.DataFrame
    ) -> None:
        # a country with undated records and none registered in 2002: the years 2002-2002
        # plus "include records with no year" leave only its undated records
        year = demo_frame["yearOfRegistration"]
        undated = demo_frame[year.isna()]["citizenship"].value_counts()
        in_2002 = set(demo_frame[year == 2002]["citizenship"].dropna().astype(str))
        code = next(str(c) for c, n in undated.items() if n >= 10 and str(c) not in in_2002)
        at = run_page(PAGE, query={"cit": code, "years": "2002-2002"})
        assert not at.exception
        assert metric(at, "Records in view") == f"{undated[code]:,}"
        assert "No record in view has a year of registration" in texts(at.info)
        assert "No record in view has both a year and gender recorded" in texts(at.info)


# ----------------------------------------------------------------------------- other layouts
class TestOtherLayouts:
    def test_2024_layout(self, run_page: Callable[..., object], layout_2024_file) -> None:
        at = run_page(PAGE, data=str(layout_2024_file))
        assert not at.exception
        # the merged means columns of the 2024 codebook are ranked under their own names
        means = next(t for t in titles(at.tabs[2]) if "means of control" in t)
        labels = chart_spec(at, means)["layer"][0]["encoding"]["y"]["sort"]
        assert "Psychological, physical or sexual abuse" in labels
        assert "Debt bondage or takes earnings" in labels
        assert len(labels) == 8
        # and time trafficked has its three bands: the last one is "2+ years"
        duration = next(t for t in titles(at.tabs[1]) if "year" in t.split(":")[0])
        bands = chart_spec(at, duration)["spec"]["encoding"]["color"]["scale"]["domain"]
        assert bands == ["0–1 year", "1–2 years", "2+ years"]

    def test_older_layout(self, run_page: Callable[..., object], tmp_path) -> None:
        from tests.fileforms import to_bytes, to_layout_older

        raw = pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False)
        path = tmp_path / "ctdc_2019.csv"
        path.write_bytes(to_bytes(to_layout_older(raw), sep=";"))
        at = run_page(PAGE, data=str(path))
        assert not at.exception
        assert metric(at, "Records in view") == f"{len(raw):,}"


# ----------------------------------------------------------------------------- real
@pytest.mark.real
class TestReal:
    def test_real_release(self, run_page: Callable[..., object], real_frame: pd.DataFrame) -> None:
        at = run_page(PAGE, data="real")
        assert not at.exception
        assert DEMO_LABEL not in texts(at.warning)
        assert metric(at, "Records in view") == "193,025"
        # the schema notes: 27,840 records in 2019; 2020 and 2021 small (reporting lag)
        assert one_line(chart_spec(at, "Registrations peaked")["title"]["text"]) == (
            "Registrations peaked in 2019 (27,840 records); 2020–2021 look incomplete"
        )
        pairs = (
            real_frame.dropna(subset=["citizenship", "CountryOfExploitation"])
            .groupby(["citizenshipName", "CountryOfExploitationName"], observed=True)
            .size()
        )
        (cit, exp), n = pairs.idxmax(), int(pairs.max())
        assert one_line(chart_spec(at, "Largest flow")["title"]["text"]).startswith(
            f"Largest flow: citizens of {cit} exploited in {exp} ({n:,} records"
        )
        for name, tab in CHARTS.items():
            assert f"dl_csv_{name}" in download_keys(at), name
            assert titles(at.tabs[tab]), TABS[tab]

    def test_real_minor_rise_is_a_change_of_recording(
        self, run_page: Callable[..., object], real_frame: pd.DataFrame
    ) -> None:
        known = real_frame.dropna(subset=["majorityStatusAtExploit", "yearOfRegistration"])
        minor = (
            (known["majorityStatusAtExploit"] == "Minor")
            .groupby(known["yearOfRegistration"])
            .mean()
        )
        assert minor.loc[2017:2019].mean() > minor.loc[2002:2004].mean() + 0.2  # pooled rise
        # the figures: status given in the file covers none of the records before
        # 2007 and 42-64% in 2016-19, where it is 60-69% minors against 5-13% derived
        late = known[known["yearOfRegistration"].between(2016, 2019)]
        given = (late["majoritySource"] == "given").groupby(late["yearOfRegistration"]).mean()
        assert (known.loc[known["yearOfRegistration"] < 2007, "majoritySource"] != "given").all()
        assert given.round(2).between(0.42, 0.64).all()
        minor_share = (
            (late["majorityStatusAtExploit"] == "Minor")
            .groupby([late["majoritySource"].astype(str), late["yearOfRegistration"]])
            .mean()
        )
        assert minor_share["given"].round(2).between(0.60, 0.69).all()
        assert minor_share["derived from age"].round(2).between(0.05, 0.13).all()
        at = run_page(PAGE, data="real")
        at.selectbox(key="exp_shift_field").set_value("majorityStatusAtExploit").run()
        assert not at.exception
        shifts_tab = at.tabs[4]
        shift_titles = titles(shifts_tab)
        # issue 14: the pooled rise does not hold where status is derived from age, so the
        # headline does not claim it as a clear shift and the trend chart says so
        assert not any(t.startswith("Largest clear shift") for t in shift_titles), shift_titles
        assert (
            "No shift that holds within each way of recording: the rise in the share of "
            "minors (+19.8 points per decade) is a change of recording"
        ) in shift_titles
        text = texts(shifts_tab.markdown)
        # the pooled trend: t interval, fitted ends as fitted, observed ones as observed
        assert (
            "The share of minors rose: fitted 9.6% in 2002 to 43.3% in 2019, +19.8 points per "
            "decade (95% CI +15.4 to +24.3); observed 4.8% in 2002 and 43.2% in 2019."
        ) in text
        warning = texts(shifts_tab.warning)
        assert "is mostly a change of recording" in warning
        assert "derived from the age band -4.1 points per decade (95% CI -13.0 to +4.8)" in warning
        table = next(d.value for d in at.dataframe if "Recorded as" in d.value.columns)
        derived_row = table[
            (table["Group"] == "Minor") & (table["Recorded as"] == "derived from the age band")
        ].iloc[0]
        assert derived_row["Holds with the pooled trend"] == "no"

    def test_real_age_view_warns_of_changing_recording(
        self, run_page: Callable[..., object], real_frame: pd.DataFrame
    ) -> None:
        # issue 14: age band is one way of recording, but how often it is recorded moves
        dated = real_frame[real_frame["yearOfRegistration"].between(2002, 2019)]
        given = dated["ageBroad"].notna().groupby(dated["yearOfRegistration"]).mean()
        high, low = given.idxmax(), given.idxmin()
        assert (int(high), int(low)) == (2002, 2016)
        at = run_page(PAGE, data="real")
        at.selectbox(key="exp_shift_field").set_value("ageBroad").run()
        assert not at.exception
        assert (
            f"Age band is recorded for {given[high]:.0%} of the records in 2002 but "
            f"{given[low]:.0%} in 2016"
        ) in texts(at.tabs[4].info)

    def test_real_default_view_says_nothing_moved_much(
        self, run_page: Callable[..., object]
    ) -> None:
        # issue 14: the default (gender) view headlined a 0.3-point change as a shift
        at = run_page(PAGE, data="real")
        assert not at.exception
        shift_titles = titles(at.tabs[4])
        assert (
            "Nothing moved much: no group's share changed by 2 points per decade or more "
            "(2002–2019)"
        ) in shift_titles, shift_titles

    def test_real_one_and_few_records(
        self,
        run_page: Callable[..., object],
        real_frame: pd.DataFrame,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        pairs = real_frame.groupby(["citizenship", "CountryOfExploitation"], observed=True).size()
        one = pairs[pairs == 1].index[0]
        at = run_page(PAGE, data="real", query={"cit": str(one[0]), "exp": str(one[1])})
        assert not at.exception
        assert metric(at, "Records in view") == "<10"  # a count below k is never shown
        assert "hidden to protect the people in them" in texts(at.info)
        few = pairs[(pairs >= 2) & (pairs <= 9)].index[0]
        monkeypatch.setenv("CTDC_MIN_K", "1")  # only an operator's floor of 1 lets k = 1 in
        at = run_page(PAGE, data="real", query={"cit": str(few[0]), "exp": str(few[1]), "k": "1"})
        assert not at.exception
        assert metric(at, "Records in view") == f"{pairs[few]:,}"


# ----------------------------------------------------------------------------- words
#: Terms each tab explains in its "What the terms in this tab mean" list (a selection:
#: the ones issue 14 names for a newcomer).
TAB_TERMS = {
    0: ["flow", "Sankey diagram", "log colour scale", "world map", "hidden counts"],
    1: ["highest- and lowest-volume countries", "pooled", "share of known"],
    2: ["means of control", "recruiter relation", "unknown is not zero"],
    3: ["year of registration", "incomplete year"],
    4: [
        "shift",
        "percentage points",
        "points per decade",
        "fitted share",
        "observed share",
        "95% interval",
        "given majority status",
        "derived majority status",
        "change of recording",
    ],
    5: ["missing", "share given per year", "records a chart rests on"],
}
#: A number agreeing with its noun: "1 records", "1 countries" are wrong.
ONE_PLURAL = re.compile(r"(?<![\d,.<])1 (records|countries|victims|years|flows)\b")
#: A count of 10,000 or more written without its thousands separator.
NO_SEPARATOR = re.compile(r"(?<![\d,.])\d{5,}(?![\d,])")


def all_words(at) -> str:
    return "\n".join(each_text(at) + titles(at))


class TestWords:
    def test_each_tab_explains_its_terms(self, run_page: Callable[..., object]) -> None:
        from core.glossary import explain

        at = run_page(PAGE)
        assert not at.exception
        for tab, terms in TAB_TERMS.items():
            lists = [
                e for e in at.tabs[tab].expander if e.label == "What the terms in this tab mean"
            ]
            assert len(lists) == 1, TABS[tab]
            shown = texts(lists[0].markdown)
            for term in terms:
                assert f"**{term}**: {explain(term)}" in shown, (TABS[tab], term)
        # the controls whose words need it carry the explanation as a tooltip
        assert at.radio(key="exp_scale").help == explain("log colour scale")
        assert at.checkbox(key="exp_shift_skip").help == explain("incomplete year")
        # and the trend table's headers explain fitted, observed and the interval
        table = next(
            d for d in at.tabs[4].dataframe if "Change (points per decade)" in d.value.columns
        )
        helps = {c: v.get("help") for c, v in json.loads(table.proto.columns).items()}
        assert helps["Fitted at start (%)"] == explain("fitted share")
        assert helps["Observed at end (%)"] == explain("observed share")
        assert helps["95% CI low"] == explain("95% interval")

    def test_demo_sentences_have_separators_and_agree(
        self, run_page: Callable[..., object]
    ) -> None:
        raw = pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False)
        at = run_page(PAGE)
        for field in ("gender", "majorityStatusAtExploit"):
            at.selectbox(key="exp_shift_field").set_value(field).run()
            assert not at.exception
            words = all_words(at)
            assert not ONE_PLURAL.search(words), ONE_PLURAL.search(words)
            assert not NO_SEPARATOR.search(words), NO_SEPARATOR.search(words)
            assert f"Based on {len(raw):,} records. Identified cases" in words

    def test_one_country_left_reads_singular(
        self, run_page: Callable[..., object], demo_frame: pd.DataFrame
    ) -> None:
        at = run_page(PAGE)
        biggest = int(demo_frame["CountryOfExploitation"].value_counts().max())
        at.radio(key="exp_tb_by").set_value("CountryOfExploitation").run()
        at.number_input(key="exp_tb_min").set_value(biggest).run()
        assert not at.exception
        assert f"Only 1 country has at least {biggest:,} records, " in texts(at.info)
        at.number_input(key="exp_tb_min").set_value(1).run()
        at.number_input(key="exp_tb_n").set_value(1).run()
        assert not at.exception
        assert "at least 1 records" not in all_words(at)

    def test_a_small_slice_never_prints_its_count(
        self, run_page: Callable[..., object], demo_frame: pd.DataFrame
    ) -> None:
        counts = demo_frame["citizenship"].value_counts()
        code = str(counts[(counts >= 2) & (counts <= 9)].index[0])
        at = run_page(PAGE, query={"cit": code})
        assert not at.exception
        assert metric(at, "Records in view") == "<10"
        captions = texts(at.caption)
        assert "Based on <10 records. Identified cases, not prevalence." in captions
        assert not re.search(r"Based on [1-9] (record|victim)", captions), captions

    def test_counts_of_one_read_singular_at_k_1(
        self,
        run_page: Callable[..., object],
        demo_frame: pd.DataFrame,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # a pair of countries with exactly one record, and that one dated: every caption
        # rests on 1 record
        monkeypatch.setenv("CTDC_MIN_K", "1")
        by = ["citizenship", "CountryOfExploitation"]
        pairs = demo_frame.groupby(by, observed=True).size()
        dated = demo_frame[demo_frame["yearOfRegistration"].notna()].groupby(by, observed=True)
        ones = [p for p, n in dated.size().items() if n == 1 and pairs[p] == 1]
        cit, exp = ones[0]
        at = run_page(PAGE, query={"cit": str(cit), "exp": str(exp), "k": "1"})
        assert not at.exception
        words = all_words(at)
        assert "Based on 1 record. Identified cases, not prevalence." in words
        assert "Registrations peaked in" in words and "(1 record)" in words
        assert "Every record in view has a year." in words
        assert not ONE_PLURAL.search(words), ONE_PLURAL.search(words)


class TestBasesAndFragments:
    """The table of bases is drawn on full runs only; the Sankey's slider and the map's
    toggle rerun their fragment alone, so the table's rows must not depend on them."""

    @staticmethod
    def bases(at) -> pd.DataFrame:
        return next(
            d.value
            for d in at.tabs[5].dataframe
            if list(d.value.columns) == ["Section", "Chart", "Records"]
        )

    def test_rows_do_not_depend_on_the_fragments_controls(
        self, run_page: Callable[..., object], demo_frame: pd.DataFrame
    ) -> None:
        at = run_page(PAGE)
        before = self.bases(at)
        charts = before["Chart"].tolist()
        assert "World map (country of citizenship)" in charts
        assert "World map (country of exploitation)" in charts
        both = demo_frame["citizenship"].notna() & demo_frame["CountryOfExploitation"].notna()
        sankey = before[before["Chart"] == "Main flows (Sankey)"]["Records"].tolist()
        assert [int(str(n).replace(",", "")) for n in sankey] == [int(both.sum())]
        at.radio(key="map_by").set_value("exploitation").run()
        at.slider(key="exp_sankey_n").set_value(5).run()
        assert not at.exception
        pd.testing.assert_frame_equal(self.bases(at), before)
