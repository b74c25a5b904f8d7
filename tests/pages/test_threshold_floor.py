"""The small-cell threshold: the operator's floor holds on every route, and the numbers
that sum up a slice (Home, the page captions, ``summary``) never show a count below k."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pandas as pd
import pytest

from core.data.summary import headline, headline_text
from core.privacy import effective_k, floor_k, format_count, safe_share
from tests.conftest import DEMO_FILE, ROOT
from tests.helpers import url_of

HOME = "Home.py"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


class TestFloorRule:
    def test_floor_from_environment_beats_secrets(self) -> None:
        assert floor_k(environ={"CTDC_MIN_K": "25"}, secrets={"CTDC_MIN_K": "5"}) == 25
        assert floor_k(environ={}, secrets={"CTDC_MIN_K": 5}) == 5

    @pytest.mark.parametrize(
        ("asked", "floor", "expected"),
        [
            (3, 10, (10, True)),
            (10, 10, (10, False)),
            (11, 10, (11, False)),
            ("-1", 10, (10, True)),
            ("1e3", 10, (10, True)),
            (5000, 10, (1000, False)),
        ],
    )
    def test_effective_k(self, asked: object, floor: int, expected: tuple[int, bool]) -> None:
        assert effective_k(asked, floor) == expected

    def test_share_that_gives_a_count_back_is_unsafe(self) -> None:
        # 9 of 100: the share x 100 is the withheld 9; 91 of 100: 100 - 91 = 9
        assert not safe_share(9, 100, 10) and not safe_share(91, 100, 10)
        assert safe_share(10, 100, 10) and safe_share(90, 100, 10)


class TestApp:
    def test_a_link_below_the_floor_is_raised(self, run_page: Callable[..., object]) -> None:
        at = run_page(HOME, query={"k": "3"})
        assert not at.exception
        assert at.sidebar.number_input(key="k").value == 10
        assert any("never shows counts below 10" in c.value for c in at.sidebar.caption)

    def test_operator_floor_raises_the_default_and_the_link(
        self, run_page: Callable[..., object], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CTDC_MIN_K", "25")
        at = run_page(HOME, query={"k": "12"})
        assert at.sidebar.number_input(key="k").value == 25
        assert any("never shows counts below 25" in c.value for c in at.sidebar.caption)
        at = run_page(HOME, query={"k": "40"})  # raising it is the user's right
        assert at.sidebar.number_input(key="k").value == 40

    def test_raised_k_lives_in_the_url_and_survives_a_page_change(
        self, run_page: Callable[..., object]
    ) -> None:
        at = run_page(HOME)
        at.sidebar.number_input(key="k").set_value(30).run()
        assert url_of(at)["k"] == "30"
        at.switch_page("pages/1_Explore.py").run()
        assert not at.exception
        assert at.sidebar.number_input(key="k").value == 30
        assert at.sidebar.checkbox(key="noyear").value is True

    def test_home_hides_the_count_of_a_tiny_slice(
        self, run_page: Callable[..., object], demo_frame: pd.DataFrame
    ) -> None:
        counts = demo_frame["citizenship"].value_counts()
        code = str(counts[(counts >= 2) & (counts <= 9)].index[0])
        at = run_page(HOME, query={"cit": code})
        assert not at.exception
        metrics = _metrics(at)
        assert metrics["Records"] == "<10"
        assert metrics["Female"] in ("withheld", "unknown")
        captions = " ".join(c.value for c in at.caption)
        assert f"{counts[code]} of" not in captions and "<10 of" in captions


class TestSummary:
    def test_headline_text_matches_the_rule(self, demo_frame: pd.DataFrame) -> None:
        small = demo_frame.head(7)
        shown = headline_text(headline(small), k=10)
        assert shown.records == "<10" and shown.female in ("withheld", "unknown")
        big = headline_text(headline(demo_frame), k=10)
        assert big.records == format_count(len(demo_frame), 10) == f"{len(demo_frame):,}"

    def test_summary_command_protects_a_small_file(self, tmp_path) -> None:
        raw = pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False).head(8)
        path = tmp_path / "small.tsv"
        raw.to_csv(path, sep="\t", index=False)
        out = subprocess.run(
            [sys.executable, "-m", "core", "summary", "--data", str(path), "--json", "--k", "3"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        assert "raised to 10" in out.stderr
        info = json.loads(out.stdout.strip().splitlines()[-1])
        assert info["k"] == 10 and info["records"] is None and info["share_female"] is None
        text = subprocess.run(
            [sys.executable, "-m", "core", "summary", "--data", str(path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert "records: <10" in text.stdout and " 8 " not in text.stdout


class TestUploadsInMemory:
    """Uploads are held in their session only, and at most CTDC_MAX_UPLOADS at once."""

    def _upload(self, at, rows: int) -> None:
        raw = pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False).head(rows)
        data = raw.to_csv(sep="\t", index=False).encode()
        at.sidebar.file_uploader[0].set_value((f"mine{rows}.tsv", data, "text/plain")).run()

    def test_the_oldest_upload_is_let_go_with_a_sentence(
        self, run_page: Callable[..., object], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import streamlit as st

        from core.data.uploads import max_uploads

        monkeypatch.setenv("CTDC_MAX_UPLOADS", "1")
        assert max_uploads() == 1
        st.cache_resource.clear()  # a fresh registry with this capacity
        # AppTest hands no file to the entry point's uploader: the page runs on its own
        first = run_page("pages/0_Home_page.py")
        self._upload(first, 300)
        assert _metrics(first)["Records"] == "300"
        second = run_page("pages/0_Home_page.py")
        self._upload(second, 400)
        assert _metrics(second)["Records"] == "400"
        first.run()  # the first session's next run: its file was let go
        assert not first.exception
        assert _metrics(first)["Records"] == "20,000"
        assert any("let go to free memory" in w.value for w in first.sidebar.warning)
        st.cache_resource.clear()
