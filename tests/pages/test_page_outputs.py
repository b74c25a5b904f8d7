"""Every chart's downloads, through core.app.outputs, on the pages (demo data, AppTest).

- every page runs from a fresh session with no exception, and each Altair chart has its
  PNG download;
- a Plotly chart (the Sankey, the map, the 3D scatter) has "Prepare PNG", which renders
  the PNG on the server and then offers it; where no Chromium exists, its place says so
  in one sentence instead;
- the Explore page's world map, by citizenship and by exploitation, shows no count
  below k in its words, its figure's hover texts or its CSV.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import plotly.graph_objects as go
import pytest

from core import images
from core.app import outputs
from core.app.sidebar import filters_in_words
from core.data.filters import Filters
from core.explore.world_map import WITHHELD_HOVER
from tests.conftest import PAGE_FILES
from tests.helpers import texts

EXPLORE = "pages/1_Explore.py"
CLUSTERS = "pages/5_Clusters.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
needs_chromium = pytest.mark.skipif(
    not images.png_available(), reason=images.png_unavailable_reason() or "no Chromium"
)


def download_keys(at: Any) -> set[str]:
    return {b.key for b in at.get("download_button")}


def button_keys(at: Any) -> set[str]:
    return {b.key for b in at.button}


def plotly_specs(at: Any) -> list[dict[str, Any]]:
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def one_line(title: str) -> str:
    """A chart title as one line (on screen it wraps with <br>, see core.palette.for_screen)."""
    return " ".join(title.replace("<br>", " ").split())


def map_spec(at: Any) -> dict[str, Any]:
    found = [s for s in plotly_specs(at) if any(t.get("name") == "records" for t in s["data"])]
    assert len(found) == 1, [s["layout"]["title"]["text"] for s in plotly_specs(at)]
    return found[0]


# --------------------------------------------------------------------------- units
class TestLabels:
    def test_filters_in_words(self) -> None:
        assert filters_in_words(Filters()) == "all records; counts below 10 withheld"
        words = filters_in_words(Filters(years=(2015, 2019), genders=("Female",), small_cell=12))
        assert words == "years 2015-2019; gender: Female; counts below 12 withheld"

    def test_chart_title_plain_words(self) -> None:
        figure = go.Figure(layout={"title": {"text": "Ukraine &amp; Moldova<br><b>lead</b>"}})
        assert outputs.chart_title(figure) == "Ukraine & Moldova lead"
        chart = alt.Chart(pd.DataFrame({"a": [1]})).mark_bar().encode(x="a:Q")
        assert outputs.chart_title(chart) == ""
        titled = chart.properties(title=alt.TitleParams(["Peak in", "2016"], subtitle="x"))
        assert outputs.chart_title(titled) == "Peak in 2016"
        assert outputs.chart_title(chart.properties(title="Women lead")) == "Women lead"


# --------------------------------------------------------------------------- pages
@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_runs_with_png_downloads(page: str, run_page: Callable[..., Any]) -> None:
    at = run_page(page)
    assert not at.exception, at.exception[0].message if at.exception else ""
    keys = download_keys(at)
    # every Altair chart has its PNG download right away
    n_altair = len(at.get("vega_lite_chart"))
    assert len({key for key in keys if key.startswith("dl_png_")}) >= n_altair
    # every Plotly chart has its PNG on request (or the sentence saying why not)
    n_plotly = len(at.get("plotly_chart"))
    prepare = {key for key in button_keys(at) if key and key.startswith("png_prepare_")}
    if images.png_available():
        assert len(prepare) == n_plotly
    else:
        assert not prepare
        assert texts(at, "caption").count(images.png_unavailable_reason()) == n_plotly


@needs_chromium
def test_plotly_charts_offer_prepare_png(run_page: Callable[..., Any]) -> None:
    at = run_page(EXPLORE)
    assert {"png_prepare_explore_flows_sankey", "png_prepare_explore_map_citizenship"} <= (
        button_keys(at)
    )
    # nothing is rendered until the user asks
    assert "dl_png_explore_flows_sankey" not in download_keys(at)
    assert "dl_html_explore_flows_sankey" in download_keys(at)


@needs_chromium
def test_clusters_3d_offers_prepare_png(run_page: Callable[..., Any]) -> None:
    at = run_page(CLUSTERS)
    assert not at.exception
    if at.get("plotly_chart"):
        assert "png_prepare_cluster_3d" in button_keys(at)


@needs_chromium
def test_prepare_png_renders_the_sankey_with_its_labels(
    run_page: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[tuple[str, str, str, bytes]] = []
    real = images.plotly_png

    def recording(figure: Any, /, **labels: Any) -> bytes:
        png = real(figure, **labels)
        rendered.append((labels["title"], labels["source"], labels["filters"], png))
        return png

    monkeypatch.setattr(images, "plotly_png", recording)
    outputs._plotly_png_bytes.clear()
    at = run_page(EXPLORE, query={"gender": "Female"})
    at.button(key="png_prepare_explore_flows_sankey").click().run()
    assert not at.exception
    assert "dl_png_explore_flows_sankey" in download_keys(at)
    assert len(rendered) == 1
    title, source, filters, png = rendered[0]
    sankey = next(s for s in plotly_specs(at) if s["data"][0]["type"] == "sankey")
    assert one_line(title) == one_line(sankey["layout"]["title"]["text"])
    assert source.startswith("Source: Counter-Trafficking Data Collaborative (CTDC), Global")
    assert "release" in source
    assert filters == "gender: Female; counts below 10 withheld"
    assert png.startswith(PNG_SIGNATURE)
    # the next run serves the same PNG from the cache: no second render
    at.run()
    assert "dl_png_explore_flows_sankey" in download_keys(at)
    assert len(rendered) == 1


def test_no_browser_says_so_in_one_sentence(
    run_page: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(images, "png_unavailable_reason", lambda: images.PNG_UNAVAILABLE)
    at = run_page(EXPLORE)
    assert not at.exception
    assert not {key for key in button_keys(at) if key and key.startswith("png_prepare_")}
    sentences = [c for c in texts(at, "caption").splitlines() if c == images.PNG_UNAVAILABLE]
    assert len(sentences) == len(at.get("plotly_chart")) >= 2  # the Sankey and the map
    # the Altair charts still download as PNG (vl-convert needs no browser)
    assert "dl_png_explore_flows_heatmap" in download_keys(at)


# --------------------------------------------------------------------------- the map
def _record_counts(text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"(\d[\d,]*) records", text)]


@pytest.mark.parametrize(
    ("by", "k", "data"),
    [
        ("citizenship", 10, "demo"),
        ("exploitation", 10, "demo"),
        ("citizenship", 40, "demo"),
        pytest.param("exploitation", 10, "real", marks=pytest.mark.real),
    ],
)
def test_map_shows_no_count_below_k(
    by: str, k: int, data: str, run_page: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    exported: list[pd.DataFrame] = []
    real_csv = outputs.csv_bytes

    def recording(frame: pd.DataFrame) -> bytes:
        exported.append(frame.copy())
        return real_csv(frame)

    monkeypatch.setattr(outputs, "csv_bytes", recording)
    at = run_page(EXPLORE, data=data, query={"k": str(k)})
    if by == "exploitation":
        exported.clear()
        at.radio(key="map_by").set_value("exploitation").run()
    assert not at.exception
    assert at.radio(key="map_by").value == by
    spec = map_spec(at)
    title = one_line(spec["layout"]["title"]["text"])
    words = {"citizenship": "country of citizenship", "exploitation": "country of exploitation"}
    assert f"is the most frequent {words[by]}" in title
    assert f"explore_map_{by}" in {key.removeprefix("dl_csv_") for key in download_keys(at)}

    # the figure: hover texts and title give counts of k or more only
    hover = "\n".join(
        str(text) for trace in spec["data"] for text in trace.get("hovertext", []) or []
    )
    counts = _record_counts(hover + "\n" + title)
    assert counts and min(counts) >= k

    # the words of the map's tab: no "n records" below k anywhere
    assert min(_record_counts(texts(at.tabs[0])), default=k) >= k

    # the CSV: shown counts are k or more; the rest are withheld, with no count
    csv = next(f for f in exported if {"code", "status", "on_map"} <= set(f.columns))
    again = pd.read_csv(io.BytesIO(real_csv(csv)), encoding="utf-8-sig")
    shown = again[again["status"] == "shown"]
    assert (shown["count"] >= k).all()
    assert again.loc[again["status"] != "shown", "count"].isna().all()
    # one status and one hover sentence for every grey country: a small count and its
    # protector cannot be told apart (the grey sum is public by subtraction)
    assert set(again["status"]) <= {"shown", "withheld"}
    withheld_on_map = (again["status"] == "withheld") & again["on_map"]
    grey = next(t for t in spec["data"] if t.get("name") == "protected")
    sentence = WITHHELD_HOVER.format(k=k)
    assert [str(text).split("<br>", 1)[1] for text in grey["hovertext"]] == [sentence] * len(
        grey["hovertext"]
    )
    assert set(grey["locations"]) == set(again.loc[withheld_on_map, "code"])
    if data == "demo":  # the demo has small countries: the test would be idle without them
        assert withheld_on_map.any()
    # the figure shows the same countries as the CSV
    records = next(t for t in spec["data"] if t.get("name") == "records")
    assert set(records["locations"]) == set(shown.loc[shown["on_map"], "code"])


# --------------------------------------------------------------------------- text alternative
#: Charts whose page shows the same numbers as a table of its own right beside them, so
#: they offer no second one: the forecast ("The numbers behind the chart"), the survey
#: estimates (the estimates' table) and the clusters' 3D view (the record table).
OWN_TABLE = {
    "pages/3_Hidden_populations.py": 1,
    "pages/4_Trends_and_forecast.py": 1,
    "pages/5_Clusters.py": 1,
}
AS_TABLE = "The chart as a table"
COUNT_NAMES = {
    "count",
    "known",
    "missing",
    "records",
    "n",
    "events",
    "non_events",
    "Records",
    "recorded",
    "not_recorded",
}
K = 10  # the default threshold, which run_page leaves as it is


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_chart_has_its_data_one_click_away(page: str, run_page: Callable[..., Any]) -> None:
    """The text alternative of a chart (issue 17): its data as a table behind one click,
    with small counts shown as '<k' like everywhere else."""
    at = run_page(page)
    assert not at.exception
    n_charts = len(at.get("vega_lite_chart")) + len(at.get("plotly_chart"))
    as_table = [e for e in at.expander if e.label == AS_TABLE]
    expected = n_charts - (OWN_TABLE.get(page, 0) if n_charts else 0)
    assert len(as_table) == expected, (page, n_charts, len(as_table))
    withheld = checked = 0
    for box in as_table:
        (frame,) = box.dataframe
        table = frame.value
        assert len(table) > 0
        for column in COUNT_NAMES & set(table.columns):
            text = table[column].astype(object).map(lambda v: str(v).replace(",", ""))
            numbers = pd.to_numeric(text.where(~text.str.startswith("<")), errors="coerce")
            withheld += int(numbers.isna().sum())  # '<k', or blank: withheld
            checked += int(numbers.notna().sum())
            small = numbers[(numbers >= 1) & (numbers < K)]
            assert small.empty, (page, column, small.tolist())
    if page == EXPLORE:  # the demo's Explore has small cells: the check above has bitten
        assert withheld > 0 and checked > 100
