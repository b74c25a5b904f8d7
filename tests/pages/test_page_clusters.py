"""AppTest of pages/5_Clusters.py on the demo and the real file, including bad settings.

Expected counts are computed independently from the loaded frame with plain pandas
(dropna / drop_duplicates / isin), not through core.clusters.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pytest

from core.app import DEMO_LABEL
from core.clusters.disclosure import WITHHELD_PROFILE
from tests.helpers import each_text, texts

PAGE = "pages/5_Clusters.py"
DEFAULT = ["ageMid", "yearOfRegistration", "gender"]


def table(at, column: str) -> pd.DataFrame:
    """The first st.dataframe on the page that has ``column``."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column!r}")


def records_table(at) -> pd.DataFrame:
    """The record table (it has a Cluster column but no Description)."""
    for frame in at.dataframe:
        if "Cluster" in frame.value.columns and "Description" not in frame.value.columns:
            return frame.value
    raise AssertionError("no record table on the page")


def specs(at, kind: str) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get(kind)]


def one_line(title: object) -> str:
    """A chart's title as one line: on screen a long one wraps into a list of lines
    (``{"text": [...]}``, see :func:`core.palette.for_screen`)."""
    text = title.get("text", "") if isinstance(title, dict) else title
    return " ".join(text) if isinstance(text, list) else str(text)


def plot_title(plot: dict) -> str:
    """The 3D view's title as one line (the chart wraps it with <br>)."""
    return plot["layout"]["title"]["text"].replace("<br>", " ")


def clustered_count(at) -> int:
    match = re.search(r"Clustered \*\*([\d,]+)\*\*", texts(at.info))
    assert match, texts(at.info)
    return int(match.group(1).replace(",", ""))


def sizes_by_country(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    grouped = frame.groupby("citizenship", observed=True)
    return pd.DataFrame(
        {
            "n": grouped.size(),
            "complete": grouped.apply(lambda g: g[columns].notna().all(axis=1).sum()),
            **{c: grouped[c].count() for c in columns},
        }
    )


# ----------------------------------------------------------------------------- demo
class TestDefaults:
    def test_default_view(self, run_page: Callable, demo_frame: pd.DataFrame) -> None:
        at = run_page(PAGE)
        assert not at.exception
        assert at.title[0].value == "Clusters"
        assert [w.value for w in at.warning if DEMO_LABEL not in w.value] == []
        expected = len(demo_frame.dropna(subset=DEFAULT))
        assert clustered_count(at) == expected
        assert f"of the {len(demo_frame):,} records in view" in texts(at.info)
        profiles = table(at, "Description")
        assert profiles["Cluster"].tolist() == [1, 2, 3, 4]
        assert all(
            d.startswith(f"Cluster {i}: ")
            for i, d in zip(profiles["Cluster"], profiles["Description"], strict=True)
        )
        records = records_table(at)
        assert len(records) == expected
        assert set(records["Cluster"]) == {1, 2, 3, 4}
        (plot,) = specs(at, "plotly_chart")
        title = plot_title(plot)
        # The demo's default columns are all recorded in 35% of its records: the headline
        # says so before it describes the clusters.
        share = f"{expected / len(demo_frame):.0%}"
        assert title.startswith(
            f"Only {expected:,} of the {len(demo_frame):,} records in view ({share}) have "
            "every chosen column (age is missing in"
        ), title
        assert "so these clusters describe them, not the whole slice. The largest of 4 " in title
        assert sum(len(t["hovertext"]) for t in plot["data"]) == min(expected, 5000)
        assert "seed (42)" in texts(at.caption)
        keys = {b.key for b in at.get("download_button")}
        assert {"dl_html_cluster_3d", "dl_csv_cluster_profiles", "cl_dl_records"} <= keys

    def test_options_and_more_columns(self, run_page: Callable, demo_frame: pd.DataFrame) -> None:
        at = run_page(PAGE)
        at.slider(key="cl_k").set_value(6)
        at.radio(key="cl_encoding").set_value("onehot")
        at.checkbox(key="cl_scale").uncheck()
        at.checkbox(key="cl_jitter").uncheck()
        at.multiselect(key="cl_extra").set_value(["citizenship", "isSexualExploit"]).run()
        assert not at.exception
        columns = [*DEFAULT, "citizenship", "isSexualExploit"]
        assert clustered_count(at) == len(demo_frame.dropna(subset=columns))
        profiles = table(at, "Description")
        assert len(profiles) == 6
        assert "Citizenship: most common" in profiles.columns
        assert "Type of exploitation: Sexual exploitation: share with flag" in profiles.columns
        captions = texts(at.caption)
        assert "one-hot columns" in captions and "not scaled" in captions
        assert "Points are spread slightly" not in captions

    def test_label_codes_warn_about_countries(self, run_page: Callable) -> None:
        at = run_page(PAGE)
        at.selectbox(key="cl_z").set_value("CountryOfExploitation").run()
        assert not at.exception
        assert "Label codes number countries alphabetically" in texts(at.caption)


class TestRecordTable:
    def test_filter_by_citizenship_and_follow(
        self, run_page: Callable, demo_frame: pd.DataFrame
    ) -> None:
        at = run_page(PAGE)
        at.multiselect(key="cl_extra").set_value(["citizenship"]).run()
        columns = [*DEFAULT, "citizenship"]
        kept = demo_frame.dropna(subset=columns)
        country = kept["citizenship"].value_counts().index[0]
        expected = int((kept["citizenship"] == country).sum())
        at.multiselect(key="cl_t_citizenship").set_value([country]).run()
        assert not at.exception
        records = records_table(at)
        assert len(records) == expected
        assert set(records["Citizenship"]) == {country}
        assert f"{expected:,} of the {len(kept):,} clustered records match" in texts(at.caption)

        at.checkbox(key="cl_follow").check().run()
        assert not at.exception
        (plot,) = specs(at, "plotly_chart")
        assert "of the records matching the table's filters are in cluster" in plot_title(plot)
        assert sum(len(t["hovertext"]) for t in plot["data"]) == min(expected, 5000)

    def test_range_filter(self, run_page: Callable, demo_frame: pd.DataFrame) -> None:
        at = run_page(PAGE)
        at.slider(key="cl_t_ageMid").set_value((10.0, 20.0)).run()
        assert not at.exception
        kept = demo_frame.dropna(subset=DEFAULT)
        expected = int(kept["ageMid"].between(10, 20).sum())
        records = records_table(at)
        assert len(records) == expected
        assert records["Age (years, band midpoint)"].between(10, 20).all()

    def test_filters_survive_a_change_of_settings(self, run_page: Callable) -> None:
        at = run_page(PAGE)
        at.slider(key="cl_k").set_value(6).run()
        at.multiselect(key="cl_t_cluster").set_value([6]).run()
        assert set(records_table(at)["Cluster"]) == {6}
        at.slider(key="cl_t_yearOfRegistration").set_value((2005, 2019)).run()
        assert not at.exception
        # Fewer clusters and a slice without the early years: remembered choices that no
        # longer exist are dropped (cluster 6) or clipped (years), without an error.
        at.slider(key="cl_k").set_value(3)
        at.sidebar.slider(key="years").set_value((2016, 2021)).run()
        assert not at.exception
        assert at.multiselect(key="cl_t_cluster").value == []
        assert at.slider(key="cl_t_yearOfRegistration").value == (2016, 2019)
        low, high = 2016, 2019
        years = records_table(at)["Year of registration"]
        assert years.between(low, high).all()

    def test_filter_matching_nothing(self, run_page: Callable) -> None:
        at = run_page(PAGE)
        # No age band has its midpoint between 14 and 18 (9-17 -> 13, 18-20 -> 19).
        at.slider(key="cl_t_ageMid").set_value((14.0, 18.0))
        at.checkbox(key="cl_follow").check().run()
        assert not at.exception
        info = texts(at.info)
        assert "No record matches these table filters" in info
        assert "nothing to draw" in info
        assert not at.get("plotly_chart")


class TestChoosingK:
    def test_elbow_and_silhouette_on_request(self, run_page: Callable) -> None:
        at = run_page(PAGE)
        assert not at.get("vega_lite_chart")
        at.button(key="cl_diag_go").click().run()
        assert not at.exception
        titles = [one_line(s["title"]) for s in specs(at, "vega_lite_chart")]
        assert len(titles) == 2
        assert titles[0].startswith("Adding clusters beyond k = ")
        assert titles[1].startswith("Clusters are best separated at k = ")
        # Still there on the next interaction with the same settings ...
        at.checkbox(key="cl_jitter").uncheck().run()
        assert len(at.get("vega_lite_chart")) == 2
        # ... and gone when the columns change.
        at.selectbox(key="cl_z").set_value("majorityStatusAtExploit").run()
        assert not at.get("vega_lite_chart")


class TestBadSettings:
    def test_one_column_only(self, run_page: Callable) -> None:
        at = run_page(PAGE)
        at.selectbox(key="cl_y").set_value("ageMid")
        at.selectbox(key="cl_z").set_value("ageMid").run()
        assert not at.exception
        assert "Choose at least two different columns" in texts(at.warning)
        assert not at.get("plotly_chart")

    def test_more_clusters_than_distinct_points(
        self, run_page: Callable, demo_frame: pd.DataFrame
    ) -> None:
        columns = ["gender", "majorityStatusAtExploit"]
        distinct = len(demo_frame[columns].dropna().drop_duplicates())
        assert distinct < 10
        at = run_page(PAGE)
        at.selectbox(key="cl_x").set_value("gender")
        at.selectbox(key="cl_y").set_value("majorityStatusAtExploit")
        at.selectbox(key="cl_z").set_value("gender")
        at.slider(key="cl_k").set_value(10).run()
        assert not at.exception
        assert f"only {distinct} distinct combinations" in texts(at.warning)
        at.slider(key="cl_k").set_value(distinct).run()
        assert not at.exception
        assert len(table(at, "Description")) == distinct

    def test_column_entirely_missing_in_slice(
        self, run_page: Callable, demo_frame: pd.DataFrame
    ) -> None:
        sizes = sizes_by_country(demo_frame, ["ageMid", "monthsMid"])
        candidates = sizes[(sizes["ageMid"] > 0) & (sizes["monthsMid"] == 0)]
        assert len(candidates), "the demo should have a country with ages but no durations"
        country = candidates.index[0]
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value([country]).run()
        at.selectbox(key="cl_y").set_value("monthsMid")
        at.selectbox(key="cl_z").set_value("ageMid").run()
        assert not at.exception
        assert "No record in this slice has a value for Time trafficked" in texts(at.warning)

    def test_nothing_left_after_dropping(
        self, run_page: Callable, demo_frame: pd.DataFrame
    ) -> None:
        sizes = sizes_by_country(demo_frame, ["ageMid", "monthsMid"])
        candidates = sizes[
            (sizes["ageMid"] > 0) & (sizes["monthsMid"] > 0) & (sizes["complete"] == 0)
        ]
        assert len(candidates), "the demo should have a country with ages and durations apart"
        country = candidates.index[0]
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value([country]).run()
        at.selectbox(key="cl_y").set_value("monthsMid")
        at.selectbox(key="cl_z").set_value("ageMid").run()
        assert not at.exception
        # No count in the message: it is shown as it stands (counts go through the
        # small-cell rule), so it names the columns instead.
        assert (
            "None of the records in view has a value in every chosen column (some lack one "
            "of: Age (years, band midpoint), Time trafficked (months, band midpoint))"
        ) in texts(at.warning)
        (message,) = [w for w in each_text(at.warning) if "None of the records" in w]
        assert not re.search(r"\d", message)

    @pytest.mark.parametrize("size", [1, 2, 5])
    def test_tiny_slices(self, run_page: Callable, demo_frame: pd.DataFrame, size: int) -> None:
        counts = demo_frame["citizenship"].value_counts()
        near = counts[(counts >= size) & (counts <= size + 3)]
        country = near.index[0]
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value([country]).run()
        assert not at.exception
        shown = texts(at.warning) + texts(at.info)
        assert "Clustered" in shown or "Choose" in shown or "nothing to group" in shown

    def test_small_clusters_are_withheld(
        self, run_page: Callable, demo_frame: pd.DataFrame
    ) -> None:
        # The clusters do not depend on k: read their true sizes at the floor (k = 10),
        # where none of these is withheld, then raise k to 50.
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value(["USA"]).run()
        kept = demo_frame[demo_frame["citizenship"] == "USA"].dropna(subset=DEFAULT)
        at10 = table(at, "Description")
        true_sizes = records_table(at)["Cluster"].value_counts().reindex(at10["Cluster"]).tolist()
        assert sum(true_sizes) == len(kept)
        assert at10["Records"].astype(str).tolist() == [str(n) for n in true_sizes]

        at.sidebar.number_input(key="k").set_value(50).run()
        assert not at.exception
        assert clustered_count(at) == len(kept)
        profiles = table(at, "Description")
        assert any(0 < n < 50 for n in true_sizes), "the test needs a small cluster"
        shown = profiles["Records"].astype(str).tolist()
        # a withheld cluster's sentence says only that (its shares would give counts back),
        # in the same words for a small cluster and for one that protects it; the others
        # read as at k = 10, in the table and in the list above it
        sentences = texts(at.markdown)
        for number, text, before, size_text in zip(
            profiles["Cluster"], profiles["Description"], at10["Description"], shown, strict=True
        ):
            if size_text == "withheld":
                assert text == f"Cluster {number}: {WITHHELD_PROFILE}"
                assert before not in sentences
            else:
                assert text == before
            assert f"- {text}" in sentences
        shares = profiles["Share (%)"].astype(str).tolist()
        for size_text, share, size in zip(shown, shares, true_sizes, strict=True):
            if 0 < size < 50:
                assert size_text == "withheld"
            else:
                assert size_text in (str(size), "withheld")
            assert (share == "withheld") is (size_text == "withheld")
        hidden = [n for text, n in zip(shown, true_sizes, strict=True) if text == "withheld"]
        # None comes back as the clustered total minus the others: two or more withheld,
        # and their sum leaves freedom (not all of them 1).
        assert len(hidden) >= 2 and sum(hidden) > len(hidden)
        assert "cells withheld" in texts(at.caption)
        # Nor any other statistic of a withheld cluster (its shares would narrow its size).
        stats = [c for c in profiles.columns if ":" in c]
        assert stats and profiles.loc[
            profiles["Records"].astype(str) == "withheld", stats
        ].isna().all(axis=None)
        # The record table lists exactly the clusters whose size is shown, all of them.
        listed = records_table(at)["Cluster"].value_counts().to_dict()
        assert listed == {
            int(c): n
            for c, text, n in zip(profiles["Cluster"], shown, true_sizes, strict=True)
            if text != "withheld"
        }


# ----------------------------------------------------------------------------- real file
@pytest.mark.real
class TestRealFile:
    def test_default_and_heavy_settings(self, run_page: Callable, real_frame: pd.DataFrame) -> None:
        at = run_page(PAGE, data="real")
        assert not at.exception
        assert clustered_count(at) == len(real_frame.dropna(subset=DEFAULT))
        columns = ["ageMid", "gender", "citizenship", "CountryOfExploitation"]
        at.selectbox(key="cl_y").set_value("citizenship")
        at.selectbox(key="cl_z").set_value("CountryOfExploitation")
        at.multiselect(key="cl_extra").set_value(["gender"])
        at.radio(key="cl_encoding").set_value("onehot")
        at.slider(key="cl_k").set_value(8).run()
        assert not at.exception
        kept = real_frame.dropna(subset=columns)
        assert clustered_count(at) == len(kept)
        assert len(table(at, "Description")) == 8
        at.multiselect(key="cl_t_citizenship").set_value(["USA"]).run()
        assert not at.exception
        records = records_table(at)
        assert len(records) == int((kept["citizenship"] == "USA").sum())
        at.checkbox(key="cl_follow").check().run()
        assert not at.exception
        (plot,) = specs(at, "plotly_chart")
        assert sum(len(t["hovertext"]) for t in plot["data"]) == min(len(records), 5000)


# ----------------------------------------------------------------------------- disclosure
# Every count the page prints (issue 12), read the way an attacker reads the screen and
# the downloads: no count of records is 1..k-1, no complement of a shown pair (M - N) is,
# and no withheld cluster size follows from the total by subtraction.
_COUNT = r"(\d[\d,]*)"
COUNT_PATTERNS = (
    rf"{_COUNT}(?=\*{{0,2}} (?:clustered |sampled )?records)",  # "6,929 records"
    rf"of (?:the |these )?{_COUNT}(?=\*{{0,2}} (?:clustered |sampled )?records| in view)",
    rf"\*\*{_COUNT}\*\*",  # the bold number clustered
    rf"(?<![\d,.]){_COUNT}(?=\*{{0,2}} of (?:the |these )\d)",  # "3 of the 295"
    rf"missing in {_COUNT}",
    rf"{_COUNT} were left out",
    rf"Based on {_COUNT}",
)
PAIR = rf"{_COUNT}\*{{0,2}} of (?:the |these ){_COUNT}"
RECORD_FILES = ("cluster_records.csv", "cluster_3d.csv")  # one row per record


def as_int(text: str) -> int:
    return int(text.replace(",", ""))


@dataclass
class Screen:
    """What one run of the page shows, as an attacker reads it."""

    texts: list[str]  # text elements, chart titles, table cells
    info: str  # the info boxes (the coverage sentence)
    tables: list[pd.DataFrame]
    plots: list[dict]  # Plotly specs


def screen_of(at) -> Screen:
    plots = specs(at, "plotly_chart")
    tables = [frame.value for frame in at.dataframe]
    shown = each_text(at)
    shown += [plot_title(p) for p in plots]
    shown += [str(spec.get("title", "")) for spec in specs(at, "vega_lite_chart")]
    for frame in tables:
        shown += [str(v) for v in frame.astype(str).to_numpy().ravel()]
    return Screen(texts=shown, info=texts(at.info), tables=tables, plots=plots)


def disclosures(screen: Screen, downloads: dict[str, bytes], k: int) -> list[str]:
    """Every way the page (screen and downloads) gives away a count of 1..k-1."""
    found: list[str] = []
    for text in screen.texts:
        for pattern in COUNT_PATTERNS:
            found += [
                f"{n} in {text[:90]!r}" for n in re.findall(pattern, text) if 0 < as_int(n) < k
            ]
        for part, whole in re.findall(PAIR, text):
            rest = as_int(whole) - as_int(part)
            if 0 < rest < k:
                found.append(f"{whole} - {part} = {rest} in {text[:90]!r}")
    info = screen.info
    clustered = re.search(
        rf"Clustered \*\*{_COUNT}\*\* of the {_COUNT} records in view; {_COUNT}", info
    )
    in_view = re.search(rf"of (?:the )?{_COUNT}\*{{0,2}}(?: records)? in view", info)
    total = as_int(in_view.group(1)) if in_view else None
    if clustered:
        kept, whole, dropped = (as_int(g) for g in clustered.groups())
        assert kept + dropped == whole
        found += [
            f"{whole} - missing {n} = {whole - as_int(n)}"
            for n in re.findall(rf"missing in {_COUNT}", info)
            if 0 < whole - as_int(n) < k
        ]
    # Cluster sizes: the shown ones, the withheld ones and the records left out add up to
    # the records in view; a lone unknown, or unknowns that must all be 1, are pinned.
    profiles = next((f for f in screen.tables if "Description" in f.columns), None)
    if profiles is not None and total is not None:
        sizes = profiles["Records"].astype(str)
        withheld = int((sizes == "withheld").sum())
        shown_sum = sum(as_int(s) for s in sizes if s != "withheld")
        found += [f"cluster size {s}" for s in sizes if s != "withheld" and 0 < as_int(s) < k]
        unknowns = withheld + (0 if clustered else 1)
        left = total - shown_sum - (dropped if clustered else 0)
        if unknowns == 1 or (unknowns and left <= withheld):
            found.append(f"withheld sizes pinned: {unknowns} unknowns, sum {left}")
        listing = next(
            (f for f in screen.tables if "Cluster" in f.columns and "Description" not in f.columns),
            None,
        )
        if listing is not None:
            if 0 < len(listing) < k:
                found.append(f"a listing of {len(listing)} records")
            hidden = set(profiles.loc[sizes == "withheld", "Cluster"])
            found += [
                f"records of withheld cluster {c} listed" for c in set(listing["Cluster"]) & hidden
            ]
        for plot in screen.plots:
            points = [len(t["hovertext"]) for t in plot["data"]]
            if 0 < sum(points) < k:
                found.append(f"{sum(points)} points drawn")
            names = {int(t["name"].split()[-1]) for t in plot["data"]}
            found += [f"points of withheld cluster {c} drawn" for c in names & hidden]
    for name, data in downloads.items():
        if not name.endswith(".csv"):
            continue
        table_ = pd.read_csv(io.BytesIO(data))
        if name == "cluster_profiles.csv":
            counts = pd.to_numeric(table_["Records"], errors="coerce").dropna()
            found += [f"{name}: size {n}" for n in counts if 0 < n < k]
            if int(table_["Records"].isna().sum()) == 1 and clustered:
                found.append(f"{name}: one withheld size beside the clustered total")
        elif name in RECORD_FILES:
            if 0 < len(table_) < k:
                found.append(f"{name}: {len(table_)} records")
            if profiles is not None:
                hidden = set(profiles.loc[profiles["Records"].astype(str) == "withheld", "Cluster"])
                listed = set(table_["Cluster"])
                found += [f"{name}: records of withheld cluster {c}" for c in listed & hidden]
    return found


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The page's downloads by file name: bytes, or the callable that builds them."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: dict[str, object] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def capture(self, data, mimetype, coordinates, file_name=None, *args, **kwargs):
        if file_name:
            seen[file_name] = data
        return add(self, data, mimetype, coordinates, file_name, *args, **kwargs)

    def capture_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        if file_name:
            seen[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", capture)
    monkeypatch.setattr(MediaFileManager, "add_deferred", capture_deferred)
    return seen


def built(downloads: dict[str, object]) -> dict[str, bytes]:
    """The downloads as their bytes (deferred ones built now, as a click would)."""
    out = {}
    for name, data in downloads.items():
        value = data() if callable(data) else data
        out[name] = value.encode() if isinstance(value, str) else value
    return out


def country_near(frame: pd.DataFrame, low: int, high: int) -> str:
    counts = frame["citizenship"].value_counts()
    return str(counts[(counts >= low) & (counts <= high)].index[0])


def scan(at, downloads: dict[str, object], k: int) -> list[str]:
    assert not at.exception
    return disclosures(screen_of(at), built(downloads), k)


def clustered_count_leaks(screen: Screen, downloads: dict[str, bytes], n: int) -> list[str]:
    """Where the withheld number clustered ``n`` is printed: texts, table cells (text and
    counts), CSV cells of text, and the CSVs' counts and shares (a shown size over its
    share gives ``n`` back)."""
    number = re.compile(rf"(?<![\d,.]){n:,}(?![\d,]|\.\d)")
    found = [f"{text[:90]!r}" for text in screen.texts if number.search(text)]
    for name, data in downloads.items():
        if not name.endswith(".csv"):
            continue
        table_ = pd.read_csv(io.BytesIO(data))
        for column in table_.columns:
            values = table_[column]
            if values.dtype == object:
                found += [f"{name}: {v[:90]!r}" for v in values.dropna() if number.search(v)]
        if name == "cluster_profiles.csv":
            if int(pd.to_numeric(table_["Records"]).sum()) == n:
                found.append(f"{name}: the sizes add up to {n}")
            both = table_[["Records", "Share (%)"]].dropna()
            found += [
                f"{name}: {r} records are {p}%"
                for r, p in both.itertuples(index=False)
                if p and round(100 * r / p) == n
            ]
    profiles = next((f for f in screen.tables if "Description" in f.columns), None)
    if profiles is not None:
        shown = profiles[["Records", "Share (%)"]].astype(str)
        shown = shown[(shown["Records"] != "withheld") & (shown["Share (%)"] != "withheld")]
        found += [
            f"{r} records are {p}% on screen"
            for r, p in shown.itertuples(index=False)
            if float(p) and round(100 * float(r) / float(p)) == n
        ]
    return found


class TestDisclosure:
    @pytest.mark.parametrize(
        ("slice_", "k"),
        [("all", 10), ("USA", 50), ("small", 10), ("tiny", 10), ("USA", 100)],
    )
    def test_demo_slices(
        self, run_page: Callable, demo_frame: pd.DataFrame, downloads: dict, slice_: str, k: int
    ) -> None:
        at = run_page(PAGE)
        country = {
            "small": country_near(demo_frame, 20, 60),
            "tiny": country_near(demo_frame, 3, 9),
        }
        if slice_ != "all":
            at.sidebar.multiselect(key="cit").set_value([country.get(slice_, slice_)])
        at.sidebar.number_input(key="k").set_value(k)
        at.multiselect(key="cl_extra").set_value(["isSexualExploit"])
        at.slider(key="cl_k").set_value(6)
        downloads.clear()  # only this run's files
        at.run()
        assert scan(at, downloads, k) == []
        if not at.get("plotly_chart"):  # too few records to cluster: a warning, no count
            assert at.warning
            return
        # The same slice with the diagnostics and the 3D view following a table filter.
        at.button(key="cl_diag_go").click().run()
        if at.multiselect(key="cl_t_cluster").options:
            at.multiselect(key="cl_t_cluster").set_value([1])
        at.checkbox(key="cl_follow").check()
        downloads.clear()  # only this run's files
        at.run()
        assert scan(at, downloads, k) == []

    def test_the_scan_bites(self) -> None:
        # Frozen copies of what the page showed before issue 12 (k = 10): exact small
        # counts in the coverage sentence, a complement (300 - 295 = 5) and a lone
        # withheld cluster size ('<10' beside sizes that add up to the clustered total).
        before = Screen(
            texts=[
                "Clustered **295** of the 300 records in view; 5 were left out because a "
                "chosen column is missing (age missing in 5).",
                "Based on 295 records. Identified cases, not prevalence.",
                "3 of the 295 clustered records match. Identified cases, not prevalence.",
            ],
            info="Clustered **295** of the 300 records in view; 5 were left out because a "
            "chosen column is missing (age missing in 5).",
            tables=[
                pd.DataFrame(
                    {"Cluster": [1, 2, 3], "Records": ["200", "91", "withheld"], "Description": "x"}
                ),
                pd.DataFrame({"Cluster": [3, 3, 3, 1]}),
            ],
            plots=[{"data": [{"name": "Cluster 3", "hovertext": ["a", "b", "c", "d"]}]}],
        )
        old_csv = b"Cluster,Records\n1,200\n2,91\n3,\n"
        found = disclosures(before, {"cluster_profiles.csv": old_csv}, 10)
        for leak in (
            "5 in ",  # left out
            "300 - 295 = 5",
            "3 in ",  # records matching
            "withheld sizes pinned: 1 unknowns, sum 4",
            "a listing of 4 records",
            "records of withheld cluster 3 listed",
            "4 points drawn",
            "points of withheld cluster 3 drawn",
            "cluster_profiles.csv: one withheld size beside the clustered total",
        ):
            assert any(leak in f for f in found), (leak, found)

    @pytest.mark.parametrize("n_clusters", [2, 4])
    def test_withheld_clustered_count_printed_nowhere(
        self, run_page: Callable, demo_frame: pd.DataFrame, downloads: dict, n_clusters: int
    ) -> None:
        # A slice where the number clustered N is at least k but the number left out
        # (records in view - N) is 1..k-1: the coverage withholds N, so no sentence,
        # caption, table cell or CSV may print it (N and the records in view give the
        # number left out back, and N minus the shown sizes a withheld one).
        k = 10
        sizes = sizes_by_country(demo_frame, DEFAULT)
        left_out = sizes["n"] - sizes["complete"]
        candidates = sizes[(sizes["complete"] >= k) & (left_out > 0) & (left_out < k)]
        assert len(candidates), "the demo should have such a slice"
        country = str(candidates.index[0])
        n = int(candidates.loc[country, "complete"])
        at = run_page(PAGE)
        at.sidebar.multiselect(key="cit").set_value([country])
        at.slider(key="cl_k").set_value(n_clusters)
        at.run()
        at.button(key="cl_diag_go").click()
        downloads.clear()  # only this run's files
        at.run()
        assert not at.exception
        assert "the numbers clustered and left out are withheld" in texts(at.info)
        assert at.get("vega_lite_chart"), "the diagnostics should be on the page"
        assert scan(at, downloads, k) == []
        assert clustered_count_leaks(screen_of(at), built(downloads), n) == []

    @pytest.mark.real
    @pytest.mark.parametrize("slice_", ["all", "PHL", "small"])
    def test_real_slices(
        self, run_page: Callable, real_frame: pd.DataFrame, downloads: dict, slice_: str
    ) -> None:
        at = run_page(PAGE, data="real")
        if slice_ != "all":
            country = country_near(real_frame, 20, 60) if slice_ == "small" else slice_
            at.sidebar.multiselect(key="cit").set_value([country])
        at.slider(key="cl_k").set_value(8)
        downloads.clear()  # only this run's files
        at.run()
        assert scan(at, downloads, 10) == []
        at.multiselect(key="cl_extra").set_value(["citizenship", "isForcedLabour"])
        downloads.clear()  # only this run's files
        at.run()
        assert scan(at, downloads, 10) == []

    @pytest.mark.real
    def test_philippines_headline(self, run_page: Callable, real_frame: pd.DataFrame) -> None:
        # Citizens of the Philippines: 13,000 records, age missing in 12,690, so only 160
        # have the default columns (counted with pandas below): the headline says so.
        at = run_page(PAGE, data="real")
        at.sidebar.multiselect(key="cit").set_value(["PHL"]).run()
        assert not at.exception
        slice_ = real_frame[real_frame["citizenship"] == "PHL"]
        kept = len(slice_.dropna(subset=DEFAULT))
        age_missing = int(slice_["ageMid"].isna().sum())
        (plot,) = specs(at, "plotly_chart")
        lead = (
            f"Only {kept:,} of the {len(slice_):,} records in view "
            f"({kept / len(slice_):.0%}) have every chosen column (age is missing in "
            f"{age_missing:,}), so these clusters describe them, not the whole slice."
        )
        assert (kept, len(slice_), age_missing) == (160, 13_000, 12_690)
        assert plot_title(plot).startswith(lead)
        assert lead in texts(at.markdown)
