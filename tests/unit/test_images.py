"""Unit tests of core.images and core.chromium: the text every chart image carries, and where PNG export works.

The text is checked in the figure (or the Vega-Lite spec) before export; one Plotly render
runs where Chromium exists (each start of kaleido's browser takes seconds), and Altair
renders through vl-convert, which needs no browser.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from pathlib import Path

import altair as alt
import plotly.graph_objects as go
import pytest

from core import chromium, images
from core.chromium import browser_path
from core.images import (
    CAVEAT,
    PNG_FAILED,
    PNG_UNAVAILABLE,
    PngExportError,
    PngUnavailableError,
    altair_for_export,
    altair_png,
    plotly_for_export,
    plotly_png,
    plotly_pngs,
    png_available,
    png_unavailable_reason,
    source_line,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SOURCE = "Source: Counter-Trafficking Data Collaborative (CTDC), Global Synthetic Dataset, release 2021-08-25"
FILTERS = "Women; registered 2015-2020; counts below 10 shown as <10"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (bytes 16-24)."""
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def bar_figure() -> go.Figure:
    figure = go.Figure(go.Bar(x=["Ukraine", "Moldova"], y=[400, 90]))
    figure.update_layout(title="Own title", width=600, height=400)
    return figure


def bar_chart() -> alt.Chart:
    data = alt.Data(values=[{"country": "Ukraine", "n": 400}, {"country": "Moldova", "n": 90}])
    return (
        alt.Chart(data, title=alt.TitleParams("Own title", subtitle="Own subtitle"))
        .mark_bar()
        .encode(x="n:Q", y="country:N", color="country:N")
        .properties(width=300, autosize=alt.AutoSizeParams(type="fit-x"))
        .configure_view(stroke=None)
    )


class TestSourceLine:
    def test_release(self) -> None:
        assert source_line("2021-08-25") == SOURCE

    def test_loader_release_name_not_doubled(self) -> None:
        # core.data.layouts names the 2021 file "2021-08-25 release"
        assert source_line("2021-08-25 release") == SOURCE

    def test_no_release(self) -> None:
        assert source_line("  ") == (
            "Source: Counter-Trafficking Data Collaborative (CTDC), Global Synthetic Dataset"
        )


class TestBrowserPath:
    def test_browser_path_variable_wins(self, tmp_path: Path) -> None:
        exe = tmp_path / "my-chromium"
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
        found = browser_path(environ={"BROWSER_PATH": str(exe)}, which=lambda name: "/usr/bin/x")
        assert found == str(exe)

    def test_browser_path_naming_nothing_is_no_browser(self, tmp_path: Path) -> None:
        missing = tmp_path / "nothing-here"
        assert browser_path(environ={"BROWSER_PATH": str(missing)}, which=lambda n: "/x") is None

    def test_path_search_in_order(self) -> None:
        on_path = {"chromium-browser": "/usr/bin/chromium-browser", "chrome": "/opt/chrome"}
        assert browser_path(environ={}, which=on_path.get) == "/usr/bin/chromium-browser"

    def test_none_found(self) -> None:
        assert browser_path(environ={}, which=lambda name: None) is None


class TestNoBrowser:
    @pytest.fixture
    def no_browser(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("BROWSER_PATH", raising=False)
        monkeypatch.setattr(chromium.shutil, "which", lambda name: None)

    @pytest.mark.usefixtures("no_browser")
    def test_png_unavailable_with_sentence(self) -> None:
        assert png_available() is False
        assert png_unavailable_reason() == PNG_UNAVAILABLE
        assert PNG_UNAVAILABLE == (
            "PNG export needs Chromium on the server; use the chart's camera icon instead."
        )

    @pytest.mark.usefixtures("no_browser")
    def test_plotly_png_raises_clear_error(self) -> None:
        with pytest.raises(PngUnavailableError, match="needs Chromium on the server"):
            plotly_png(bar_figure(), title="T", source=SOURCE, filters=FILTERS)

    @pytest.mark.usefixtures("no_browser")
    def test_altair_png_needs_no_browser(self) -> None:
        data = altair_png(bar_chart(), title="Ukraine leads", source=SOURCE, filters=FILTERS)
        assert data.startswith(PNG_SIGNATURE)

    def test_no_kaleido(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(chromium, "kaleido_installed", lambda: False)
        assert png_available() is False
        assert "kaleido" in png_unavailable_reason()


class TestRenderFailure:
    """A render that fails shows one plain sentence; the detail goes to the log only."""

    DETAIL = "Chromium crashed, see /srv/app/profile-1234/crash.log"

    @pytest.fixture(autouse=True)
    def chromium_found(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(images, "png_unavailable_reason", lambda: "")

    def crash(self, calls: list[str], name: str) -> Callable[[object, object], list[bytes]]:
        def render(specs: object, options: object) -> list[bytes]:
            calls.append(name)
            raise RuntimeError(self.DETAIL)

        return render

    def test_failure_is_one_sentence_and_the_detail_is_logged(
        self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        calls: list[str] = []
        monkeypatch.setattr(chromium, "render_kept", self.crash(calls, "kept"))
        monkeypatch.setattr(chromium, "render_once", self.crash(calls, "once"))
        with (
            caplog.at_level(logging.WARNING, logger="core.images"),
            pytest.raises(PngExportError) as caught,
        ):
            plotly_png(bar_figure(), title="T", source=SOURCE, filters=FILTERS)
        assert str(caught.value) == PNG_FAILED
        assert PNG_FAILED == (
            "The PNG could not be made on the server; the chart's own camera icon still works."
        )
        assert "/srv" not in str(caught.value) and "Chromium crashed" not in str(caught.value)
        assert self.DETAIL in caplog.text
        assert calls == ["kept", "once"]  # the kept browser first, then a fresh one

    def test_kept_browser_failure_falls_back_to_a_fresh_one(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        calls: list[str] = []

        def once(specs: list[object], options: object) -> list[bytes]:
            calls.append("once")
            return [b"png %d" % i for i in range(len(specs))]

        monkeypatch.setattr(chromium, "render_kept", self.crash(calls, "kept"))
        monkeypatch.setattr(chromium, "render_once", once)
        assert plotly_pngs([bar_figure(), bar_figure()]) == [b"png 0", b"png 1"]
        assert calls == ["kept", "once"]

    def test_without_keeping_the_browser_is_started_for_the_call(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        calls: list[str] = []
        monkeypatch.setattr(chromium, "render_kept", self.crash(calls, "kept"))
        monkeypatch.setattr(chromium, "render_once", self.crash(calls, "once"))
        with pytest.raises(PngExportError, match="camera icon still works"):
            plotly_pngs([bar_figure()], keep_browser=False)
        assert calls == ["once"]


class TestPlotlyForExport:
    def test_title_and_footer_lines(self) -> None:
        out = plotly_for_export(bar_figure(), title="Ukraine leads", source=SOURCE, filters="All")
        assert out.layout.title.text == "Ukraine leads"
        # a 600 px wide image wraps the source line; the words are all there, in order
        texts = {a.name: a.text.replace("<br>", " ") for a in out.layout.annotations}
        assert texts == {"source": SOURCE, "filters": "Filters: All", "caveat": CAVEAT}

    def test_source_on_one_line_at_default_width(self) -> None:
        figure = go.Figure(go.Bar(x=["Ukraine"], y=[400]))  # no size: 1100 x 600
        out = plotly_for_export(figure, title="T", source=SOURCE, filters="All")
        assert out.layout.width == 1100 and out.layout.annotations[0].text == SOURCE

    def test_caveat_is_small_print(self) -> None:
        out = plotly_for_export(bar_figure(), title="T", source=SOURCE, filters="All")
        sizes = {a.name: a.font.size for a in out.layout.annotations}
        assert sizes["caveat"] < sizes["source"] == sizes["filters"]

    def test_footer_below_the_plot_in_the_grown_margin(self) -> None:
        figure = bar_figure()  # 600 x 400, Plotly's default margins (b = 80)
        out = plotly_for_export(figure, title="T", source=SOURCE, filters="All")
        footer = [a for a in out.layout.annotations if a.name in {"source", "filters", "caveat"}]
        assert all(a.yref == "paper" and a.y == 0 and a.yanchor == "top" for a in footer)
        # stacked downwards from below the axis labels, each under the one before
        shifts = [a.yshift for a in footer]
        assert shifts[0] <= -80 and shifts == sorted(shifts, reverse=True)
        # the figure grows by the footer (and no more), so the plot keeps its 400 px
        grown = out.layout.height - 400
        assert out.layout.margin.b - 80 == grown
        assert out.layout.margin.b >= -shifts[-1] + 10

    def test_filters_text_is_escaped(self) -> None:
        out = plotly_for_export(bar_figure(), title="<10 withheld", source=SOURCE, filters="<10")
        texts = {a.name: a.text for a in out.layout.annotations}
        assert texts["filters"] == "Filters: &lt;10"
        assert out.layout.title.text == "&lt;10 withheld"

    def test_long_text_wraps(self) -> None:
        long_filters = "; ".join(f"filter number {i}" for i in range(20))
        out = plotly_for_export(bar_figure(), title="T", source=SOURCE, filters=long_filters)
        filters = next(a for a in out.layout.annotations if a.name == "filters")
        assert filters.text.count("<br>") >= 2
        assert filters.text.replace("<br>", " ") == f"Filters: {long_filters}"

    def test_original_figure_untouched(self) -> None:
        figure = bar_figure()
        plotly_for_export(figure, title="T", source=SOURCE, filters="All")
        assert figure.layout.title.text == "Own title"
        assert not figure.layout.annotations
        assert figure.layout.height == 400

    def test_own_annotations_kept(self) -> None:
        figure = bar_figure()
        figure.add_annotation(text="a note", x=0, y=0, name="mine")
        out = plotly_for_export(figure, title="T", source=SOURCE, filters="All")
        assert [a.name for a in out.layout.annotations] == ["mine", "source", "filters", "caveat"]


class TestAltairForExport:
    def test_title_footer_and_subtitle(self) -> None:
        spec = altair_for_export(bar_chart(), title="Ukraine leads", source=SOURCE, filters="All")
        spec = spec.to_dict()
        assert spec["title"]["text"] == ["Ukraine leads"]
        assert spec["title"]["subtitle"] == "Own subtitle"
        footer = spec["vconcat"][0]["title"]
        assert footer["orient"] == "bottom"
        assert footer["text"] == [SOURCE, "Filters: All"]
        assert footer["subtitle"] == [CAVEAT]
        assert footer["subtitleFontSize"] < footer["fontSize"]

    def test_top_level_settings_lifted(self) -> None:
        spec = altair_for_export(bar_chart(), title="T", source=SOURCE, filters="All").to_dict()
        assert spec["config"]["view"]["stroke"] is None
        assert "autosize" not in spec["vconcat"][0]
        assert "config" not in spec["vconcat"][0]

    def test_png(self) -> None:
        data = altair_png(bar_chart(), title="Ukraine leads", source=SOURCE, filters="All")
        assert data.startswith(PNG_SIGNATURE)
        width, height = png_size(data)
        # scale 2 of a 300 px wide chart with its axis, title and footer lines
        assert width > 600 and height > 200


@pytest.mark.slow
@pytest.mark.skipif(
    not png_available(), reason=f"no Chromium for kaleido here: {png_unavailable_reason()}"
)
class TestPlotlyRender:
    def test_png_signature_and_size(self) -> None:
        data = plotly_png(
            bar_figure(), title="Ukraine leads", source=SOURCE, filters="All", scale=1
        )
        assert data.startswith(PNG_SIGNATURE)
        labelled = plotly_for_export(
            bar_figure(), title="Ukraine leads", source=SOURCE, filters="All"
        )
        assert png_size(data) == (600, labelled.layout.height)

    def test_browser_kept_between_renders_and_replaced_after_a_failure(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        labelled = plotly_for_export(
            bar_figure(), title="Ukraine leads", source=SOURCE, filters="All"
        )
        fresh = plotly_pngs([labelled], scale=1, keep_browser=False)[0]
        first = plotly_pngs([labelled], scale=1)[0]
        kept = chromium._kept
        second = plotly_pngs([labelled], scale=1)[0]
        assert kept is not None and chromium._kept is kept  # one browser for both renders
        assert png_size(first) == png_size(second) == png_size(fresh)

        def broken(self: object, specs: object) -> list[bytes]:
            raise RuntimeError("the kept browser died")

        monkeypatch.setattr(chromium._KeptBrowser, "render", broken)
        third = plotly_pngs([labelled], scale=1)[0]  # rendered by a fresh browser
        assert png_size(third) == png_size(fresh)
        assert chromium._kept is None  # the broken one was closed, not reused
