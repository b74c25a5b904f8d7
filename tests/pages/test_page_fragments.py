"""URL round trips through the sections that run as fragments (issue 11, partial reruns).

A control inside an ``st.fragment`` reruns only its section in the browser; AppTest runs
the whole script, so what is checked here is what must not change with the fragment: the
choice is written to the URL, the sidebar's filters stay in it, and a new session opened
on that URL (a reload, a copied link) shows the same view. The browser test
(tests/browser/test_fragments.py) checks the partial rerun itself.

Expected values come from the demo frame with plain pandas, from the choice itself (a
horizon of 5 gives 5 future years per group) or from the first session's own screen,
never from the page's functions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from core.forecast.series import SEGMENTS
from tests.helpers import each_text, texts, url_of

TRENDS = "pages/4_Trends_and_forecast.py"
CLUSTERS = "pages/5_Clusters.py"
EXPLORE = "pages/1_Explore.py"
HIDDEN = "pages/3_Hidden_populations.py"
SIDEBAR = {"gender": "Female"}  # a sidebar filter set before the section's control


def reopen(run_page: Callable[..., Any], page: str, url: dict[str, Any]) -> Any:
    """A new session on ``url``, as a reload or a copied link opens it."""
    at = run_page(page, query=url)
    assert not at.exception
    return at


def screen(at: Any) -> tuple[str, list[pd.DataFrame]]:
    """What a user reads on the main area: its words and its tables."""
    return texts(at.main), [d.value.reset_index(drop=True) for d in at.main.dataframe]


def assert_same_screen(first: Any, second: Any) -> None:
    words, tables = screen(first)
    words_again, tables_again = screen(second)
    assert words_again == words
    assert len(tables_again) == len(tables)
    for table, again in zip(tables, tables_again, strict=True):
        pd.testing.assert_frame_equal(again, table)


def future_rows(at: Any) -> pd.Series:
    table = at.dataframe[0].value
    return table[table["Future year"]].groupby("Segment").size()


def chart_spec(at: Any) -> dict:
    (chart,) = at.get("vega_lite_chart")
    return json.loads(chart.proto.spec)


def records_table(at: Any) -> pd.DataFrame:
    for frame in at.dataframe:
        if "Cluster" in frame.value.columns and "Description" not in frame.value.columns:
            return frame.value
    raise AssertionError("no record table on the page")


# ------------------------------------------------------------------ Trends and forecast
class TestTrendsForecastSection:
    def test_choices_round_trip(self, run_page: Callable[..., Any]) -> None:
        at = run_page(TRENDS, query=SIDEBAR)
        at.multiselect(key="fc_segments").set_value(["all", "minor"]).run()
        at.slider(key="fc_horizon").set_value(5).run()
        at.radio(key="fc_layout").set_value("On one chart").run()
        at.toggle(key="fc_include_incomplete").set_value(True).run()
        assert not at.exception
        url = url_of(at)
        assert url["gender"] == "Female"  # the sidebar's filter is still in the link
        # the link names the groups as the widget shows them
        assert url["fc_segments"] == [SEGMENTS["all"].label, SEGMENTS["minor"].label]
        assert url["fc_horizon"] == "5"
        assert url["fc_layout"] == "On one chart"
        assert url["fc_include_incomplete"] == "true"
        # the choices act: 5 future years for each of the 2 groups, one chart (no facets)
        assert future_rows(at).tolist() == [5, 5]
        assert "facet" not in chart_spec(at)

        again = reopen(run_page, TRENDS, url)
        assert again.multiselect(key="fc_segments").value == ["all", "minor"]
        assert again.slider(key="fc_horizon").value == 5
        assert again.radio(key="fc_layout").value == "On one chart"
        assert again.toggle(key="fc_include_incomplete").value is True
        assert again.sidebar.multiselect(key="gender").value == ["Female"]
        assert_same_screen(at, again)
        assert chart_spec(again) == chart_spec(at)

    def test_no_group(self, run_page: Callable[..., Any]) -> None:
        at = run_page(TRENDS)
        at.multiselect(key="fc_segments").set_value([]).run()
        assert not at.exception
        assert "Pick at least one group above" in texts(at.info)
        assert not at.get("vega_lite_chart")
        # the section ends there; the page's notes below it are still drawn
        labels = [e.label for e in at.expander]
        assert "How the forecast works, and its limits" in labels
        assert "What the terms mean" in labels

    def test_no_group_round_trip(self, run_page: Callable[..., Any]) -> None:
        """Emptied is a choice: Streamlit writes no parameter for it, so without the
        marker a reload would bring the default groups back."""
        at = run_page(TRENDS, query=SIDEBAR)
        at.multiselect(key="fc_segments").set_value([]).run()
        url = url_of(at)
        assert url.get("fc_segments_cleared") == "1"
        again = reopen(run_page, TRENDS, url)
        assert again.multiselect(key="fc_segments").value == []
        assert "Pick at least one group above" in texts(again.info)
        assert_same_screen(at, again)
        # a group chosen again takes the marker away
        again.multiselect(key="fc_segments").set_value(["all"]).run()
        assert "fc_segments_cleared" not in url_of(again)


# ------------------------------------------------------------------ Clusters
class TestClustersRecordTable:
    @pytest.mark.parametrize("follow", [False, True])
    def test_table_filters_round_trip(
        self, run_page: Callable[..., Any], demo_frame: pd.DataFrame, follow: bool
    ) -> None:
        at = run_page(CLUSTERS, query=SIDEBAR)
        if follow:  # the 3D view follows the table: the table then runs with the page
            at.checkbox(key="cl_follow").check().run()
        at.multiselect(key="cl_extra").set_value(["citizenship"]).run()
        columns = ["ageMid", "yearOfRegistration", "gender", "citizenship"]
        kept = demo_frame[demo_frame["gender"] == "Female"].dropna(subset=columns)
        country = kept["citizenship"].value_counts().index[0]
        expected = int((kept["citizenship"] == country).sum())
        at.multiselect(key="cl_t_citizenship").set_value([country]).run()
        assert not at.exception
        records = records_table(at)
        assert len(records) == expected
        assert set(records["Citizenship"]) == {country}
        assert f"{expected:,} of the {len(kept):,} clustered records match" in texts(at.caption)

        url = url_of(at)
        assert url["gender"] == "Female"
        assert country in url["cl_t_citizenship"]  # the label names the code
        assert (url.get("cl_follow") == "true") is follow
        again = reopen(run_page, CLUSTERS, url)
        assert again.multiselect(key="cl_t_citizenship").value == [country]
        assert again.checkbox(key="cl_follow").value is follow
        assert_same_screen(at, again)
        if follow:  # the view follows the table's filters in the new session too
            (plot,) = again.get("plotly_chart")
            title = json.loads(plot.proto.spec)["layout"]["title"]["text"]
            assert "matching the table's filters" in title.replace("<br>", " ")

    def test_nothing_matching_round_trip(self, run_page: Callable[..., Any]) -> None:
        at = run_page(CLUSTERS)
        # No age band has its midpoint between 14 and 18 (9-17 -> 13, 18-20 -> 19).
        at.slider(key="cl_t_ageMid").set_value((14.0, 18.0)).run()
        url = url_of(at)
        again = reopen(run_page, CLUSTERS, url)
        assert "No record matches these table filters" in texts(again.info)
        (button,) = [
            b for b in again.get("download_button") if b.proto.id.endswith("cl_dl_records")
        ]
        assert button.proto.disabled
        assert_same_screen(at, again)


# ------------------------------------------------------------------ Explore
class TestExploreFragments:
    def test_sankey_and_map_round_trip(self, run_page: Callable[..., Any]) -> None:
        at = run_page(EXPLORE, query=SIDEBAR)
        at.slider(key="exp_sankey_n").set_value(20).run()
        at.radio(key="map_by").set_value("exploitation").run()
        url = url_of(at)
        assert url["gender"] == "Female"
        assert url["exp_sankey_n"] == "20"
        assert url["map_by"] == "Country of exploitation"  # the label, as the widget shows it
        again = reopen(run_page, EXPLORE, url)
        assert again.slider(key="exp_sankey_n").value == 20
        assert again.radio(key="map_by").value == "exploitation"
        assert each_text(again.tabs[0]) == each_text(at.tabs[0])


# ------------------------------------------------------------------ Hidden populations
class TestHiddenSurveySection:
    def test_survey_inputs_round_trip(self, run_page: Callable[..., Any]) -> None:
        # a sidebar setting that keeps both models fittable (Female alone leaves no men)
        at = run_page(HIDDEN, query={"k": "11"})
        at.text_input(key="hid_men").input("12,000").run()
        at.radio(key="hid_method").set_value("ratio").run()
        at.text_input(key="hid_source").input("A survey of 2026").run()
        assert not at.exception
        url = url_of(at)
        assert url["k"] == "11"
        assert url["hid_men"] == "12,000"
        assert url["hid_source"] == "A survey of 2026"
        assert "hid_method" in url  # off its default
        again = reopen(run_page, HIDDEN, url)
        assert again.text_input(key="hid_men").value == "12,000"
        assert again.radio(key="hid_method").value == "ratio"
        assert again.text_input(key="hid_source").value == "A survey of 2026"
        assert_same_screen(at, again)
        # the brief's downloads are drawn with the inputs they are built from
        keys = {b.proto.id.rsplit("-", 1)[-1] for b in again.get("download_button")}
        assert {"hid_brief_docx", "hid_brief_pdf"} <= keys
