"""Shared fixtures: where the real file is, loaded frames, and AppTest runners.

The real CTDC release is read from ../shared/data (never copied into the project);
tests that need it skip with a clear reason where it is absent.

The tests run on the 20,000-record demo (``tests/fixtures/demo_20k_2021layout.tsv.gz``),
not on the app's default demo of 193,025 records: many pin values from it, and it is
ten times lighter. ``CTDC_DEMO=small`` is set below, before anything imports ``core``,
so that every page run (AppTest) and every process the tests start (the browser tests'
server, the command-line runs) falls back on the same file. The tests of the default
demo itself (``tests/unit/demo/``) name its file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_FILE = ROOT.parent / "shared" / "data" / "CTDC_synthetic_20210825.tsv"
#: The demo of the tests: the app's ``CTDC_DEMO=small`` (core.data.sources.SMALL_DEMO_FILE).
DEMO_FILE = ROOT / "tests" / "fixtures" / "demo_20k_2021layout.tsv.gz"
#: The app's default demo (193,025 records); only tests/unit/demo reads it.
FULL_DEMO_FILE = ROOT / "data" / "demo_ctdc_2021layout.tsv.gz"
os.environ["CTDC_DEMO"] = "small"  # inherited by os.environ copies (subprocesses)
REAL_MISSING = "real CTDC file not present at ../shared/data/CTDC_synthetic_20210825.tsv"
# Home runs through the entry point (its page links need the navigation); the other
# pages also run on their own, as the page tests do.
PAGE_FILES = [
    "Home.py",
    *sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "pages").glob("*.py")
        if p.name != "0_Home_page.py"
    ),
]


TIERS = {
    ROOT / "tests" / "unit": "unit",
    ROOT / "core": "unit",  # the doctests
    ROOT / "tests" / "pages": "page",
    ROOT / "tests" / "browser": "browser",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its tier from the folder it lives in (`pytest -m unit`).

    A test that runs a page (it asks for ``run_page``) is a page test wherever it lives,
    so the unit tier never waits on AppTest. A test on the real release (marked ``real``,
    or asking for ``real_file`` or ``real_frame``) is also ``slow``: it reads 193,025
    records, so the fast tier (``-m "unit and not slow"``) leaves it out. A test outside
    the tier folders is an error, so that no test drops out of every tier.
    """
    for item in items:
        path = Path(item.path).resolve()
        tier = next((t for folder, t in TIERS.items() if path.is_relative_to(folder)), None)
        if tier is None:
            raise pytest.UsageError(
                f"{item.nodeid}: tests live under tests/unit/, tests/pages/ or tests/browser/ "
                "(the folder sets the tier: unit, page, browser)"
            )
        fixtures = set(getattr(item, "fixturenames", ()))
        if tier == "unit" and "run_page" in fixtures:
            tier = "page"
        item.add_marker(tier)
        if item.get_closest_marker("real") or fixtures & {"real_file", "real_frame"}:
            item.add_marker("slow")


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the parquet cache of test runs out of the user's home folder."""
    old = os.environ.get("CTDC_CACHE_DIR")
    os.environ["CTDC_CACHE_DIR"] = str(tmp_path_factory.mktemp("ctdc-cache"))
    os.environ.pop("CTDC_DATA", None)
    yield
    if old is None:
        os.environ.pop("CTDC_CACHE_DIR", None)
    else:
        os.environ["CTDC_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def real_file() -> Path:
    if not REAL_FILE.exists():
        pytest.skip(REAL_MISSING)
    return REAL_FILE


@pytest.fixture(scope="session")
def real_frame(real_file: Path) -> pd.DataFrame:
    from core.data.load import load_cached

    return load_cached(real_file).frame


@pytest.fixture(scope="session")
def demo_frame() -> pd.DataFrame:
    from core.data.load import load_cached

    if not DEMO_FILE.exists():
        pytest.fail("the test demo file tests/fixtures/demo_20k_2021layout.tsv.gz is missing")
    return load_cached(DEMO_FILE).frame


@pytest.fixture(scope="session")
def demo_raw() -> pd.DataFrame:
    """The test demo file as it is written: every column text, nothing parsed.

    Shared by every test in the session: take a ``.copy()`` before changing it.
    """
    if not DEMO_FILE.exists():
        pytest.fail("the test demo file tests/fixtures/demo_20k_2021layout.tsv.gz is missing")
    return pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False)


@pytest.fixture
def run_page(monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """Run a page under AppTest on the demo (default) or the real file.

    ``run_page("pages/1_Explore.py", data="real", query={"gender": "Male"})``
    returns the AppTest after its first run.
    """
    from streamlit.testing.v1 import AppTest

    def _run(
        page: str, *, data: str = "demo", query: dict[str, str] | None = None, timeout: float = 180
    ) -> AppTest:
        if data == "real":
            if not REAL_FILE.exists():
                pytest.skip(REAL_MISSING)
            monkeypatch.setenv("CTDC_DATA", str(REAL_FILE))
        elif data == "demo":
            monkeypatch.delenv("CTDC_DATA", raising=False)
        else:
            monkeypatch.setenv("CTDC_DATA", data)
        at = AppTest.from_file(str(ROOT / page), default_timeout=timeout)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        return at.run()

    return _run


@pytest.fixture
def layout_2024_file(tmp_path: Path, demo_raw: pd.DataFrame) -> Path:
    """The demo records written in the 2024-and-later layout (CSV, merged means columns)."""
    from tests.fileforms import to_bytes, to_layout_2024

    path = tmp_path / "ctdc_2024.csv"
    path.write_bytes(to_bytes(to_layout_2024(demo_raw.copy()), sep=","))
    return path
