"""The app's default demo: as many records as the release, every flagship figure shown.

``data/demo_ctdc_2021layout.tsv.gz`` (193,025 records, generated from the committed
calibration's aggregate figures) is what a fresh machine shows. At 20,000 records the
Hidden populations page's own example withheld the men's estimate; these tests check that
the default demo gives both estimates, and that the published models have no separation
(no cell where nobody, or everybody, has the outcome) on it.

The values are pinned to independent references: the record count to the calibration's
``meta.rows`` (the release's size), each estimate to the closed form of the saturated
model (survey count x events / non-events, counted from the raw text with pandas) and,
where the real file is present, to the real file's own estimate and interval.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from core.data.load import load_cached
from core.data.sources import FULL_DEMO_FILE, chosen_demo, resolve_source
from core.demo.calibrate import read_raw
from core.demo.generate import DEFAULT_N, generate_demo, load_calibration
from core.hidden.estimate import extrapolate, joint_counts, protect_estimates
from core.hidden.survey import EXAMPLE_SURVEY, EXAMPLE_UNIT, SURVEY_GROUPS, survey_rows
from core.privacy import DEFAULT_K
from core.risk.model import PUBLISHED_MODELS, fit_model
from core.risk.protect import withheld_groups
from core.risk.records import prepare_records
from tests.conftest import DEMO_FILE, ROOT
from tests.helpers import texts

RELEASE_ROWS = 193_025  # the 2021-08-25 release (README, calibration meta.rows)


@pytest.fixture(scope="module")
def full_raw() -> pd.DataFrame:
    return read_raw(FULL_DEMO_FILE)


@pytest.fixture(scope="module")
def full_frame() -> pd.DataFrame:
    return load_cached(FULL_DEMO_FILE, use_disk=False).frame


def _example_table(frame: pd.DataFrame, *, spec: str = "published") -> pd.DataFrame:
    """The Hidden populations page's first view: the example survey, published method,
    majority status as given, threshold at its default."""
    prepared = prepare_records(frame, majority="given")
    sexual = fit_model(prepared.records, PUBLISHED_MODELS[0], denominators=spec)
    labour = fit_model(prepared.records, PUBLISHED_MODELS[1], denominators=spec)
    rows, errors = survey_rows({g: (EXAMPLE_SURVEY.get(g, ""), "", "") for g in SURVEY_GROUPS})
    assert not errors
    table = extrapolate(
        rows,
        method="published",
        sexual=sexual,
        labour=labour,
        joint=joint_counts(prepared.records, denominators=spec),
    )
    return protect_estimates(
        table, k=DEFAULT_K, withheld=withheld_groups(sexual, None, k=DEFAULT_K)
    ).set_index("group")


def _closed_form(raw: pd.DataFrame, gender: str, survey: float) -> float:
    """survey x events / non-events among records of ``gender``, majority Adult as
    given, year known (the published preparation; a missing flag counts as 0). The
    gender x majority model is saturated, so its fitted odds are exactly these."""
    cell = raw[
        (raw["gender"] == gender)
        & (raw["majorityStatusAtExploit"] == "Adult")
        & (raw["yearOfRegistration"] != "")
    ]
    events = int((cell["isSexualExploit"] == "1").sum())
    return survey * events / (len(cell) - events)


# ------------------------------------------------------------------- size and choice


def test_the_default_demo_is_release_size() -> None:
    """Records in the committed file (lines of the gzipped text less the header) are
    within 1% of the release's 193,025, and the generator's default is the release's."""
    text = gzip.decompress(FULL_DEMO_FILE.read_bytes())
    records = text.count(b"\n") - 1
    assert abs(records - RELEASE_ROWS) <= 0.01 * RELEASE_ROWS, records
    assert DEFAULT_N == load_calibration()["meta"]["rows"] == RELEASE_ROWS
    assert FULL_DEMO_FILE.stat().st_size < 2 * 2**20  # what the repository carries


def test_the_app_falls_back_on_the_default_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset (a fresh machine) or ``full``: the default file; ``small``: the fixture."""
    monkeypatch.delenv("CTDC_DEMO", raising=False)
    source = resolve_source(setting="", data_dir=ROOT / "no-such-folder")
    assert source.is_demo and source.path == FULL_DEMO_FILE
    monkeypatch.setenv("CTDC_DEMO", "full")
    assert resolve_source(setting="", data_dir=ROOT / "no-such-folder").path == FULL_DEMO_FILE
    monkeypatch.setenv("CTDC_DEMO", "small")
    small = resolve_source(setting="", data_dir=ROOT / "no-such-folder")
    assert small.path.resolve() == DEMO_FILE.resolve()
    assert small.label.startswith("Embedded demo data")


def test_an_unknown_or_absent_choice_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path, label = chosen_demo("tiny")
    assert path == FULL_DEMO_FILE
    assert "CTDC_DEMO='tiny' is not 'full' or 'small', so the full demo is used" in label
    monkeypatch.setattr(
        "core.data.sources.DEMO_CHOICES", {"full": FULL_DEMO_FILE, "small": tmp_path / "gone"}
    )
    path, label = chosen_demo("small")
    assert path == FULL_DEMO_FILE
    assert "the small demo of CTDC_DEMO=small is not in this copy of the app" in label


@pytest.mark.slow
def test_the_default_demo_rebuilds(full_raw: pd.DataFrame) -> None:
    """`python -m core demo` (no options) gives the committed file's records."""
    pd.testing.assert_frame_equal(full_raw, generate_demo(load_calibration()))


# ------------------------------------------------------- the flagship figures shown


@pytest.mark.slow
def test_the_hidden_example_gives_both_estimates(
    full_raw: pd.DataFrame, full_frame: pd.DataFrame
) -> None:
    table = _example_table(full_frame)
    assert list(table.index) == ["Women", "Men"]
    for group, gender in (("Women", "Female"), ("Men", "Male")):
        row = table.loc[group]
        assert row["note"] == "", (group, row["note"])  # not withheld
        survey = float(EXAMPLE_SURVEY[group].replace(",", ""))
        assert row["estimate"] == pytest.approx(_closed_form(full_raw, gender, survey), rel=1e-6)
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
        assert min(row["records"], row["events_sexual"]) >= DEFAULT_K


@pytest.mark.real
def test_the_hidden_example_is_near_the_real_files(
    real_file: Path, full_frame: pd.DataFrame
) -> None:
    """Each demo estimate lies within the real file's 95% interval for it."""
    real = _example_table(load_cached(real_file).frame)
    demo = _example_table(full_frame)
    for group in ("Women", "Men"):
        low, high = real.loc[group, "ci_low"], real.loc[group, "ci_high"]
        assert low < demo.loc[group, "estimate"] < high, (group, demo.loc[group, "estimate"])


def _separated(frame: pd.DataFrame) -> dict[tuple[str, str, str], bool]:
    """Whether each published model separates, per denominator rule and majority source."""
    out = {}
    for majority in ("given", "derived"):
        records = prepare_records(frame, majority=majority).records
        for spec in ("published", "ctdc"):
            for model in PUBLISHED_MODELS:
                fit = fit_model(records, model, denominators=spec)
                out[(majority, spec, model.outcome)] = bool(fit.separation.detected)
    return out


@pytest.mark.slow
def test_no_published_model_separates_on_the_default_demo(full_frame: pd.DataFrame) -> None:
    """Five models x two denominator rules x two majority sources: no separation (at
    20,000 records, men and boys had no record recruited by an intimate partner)."""
    separated = _separated(full_frame)
    assert len(separated) == 20
    assert not any(separated.values()), [k for k, v in separated.items() if v]


@pytest.mark.real
def test_the_real_file_has_no_separation_either(real_file: Path) -> None:
    """The reference for the test above: the real release separates in none of them."""
    assert not any(_separated(load_cached(real_file).frame).values())


@pytest.mark.slow
def test_yearly_volumes_follow_the_calibration(full_raw: pd.DataFrame) -> None:
    """Each year's records (what the forecast fits) within 5 binomial standard errors
    of the calibration's count for that year, for years of at least 1,000 records."""
    want = load_calibration()["year"]
    got = full_raw["yearOfRegistration"].value_counts()
    total = sum(want.values())
    checked = 0
    for year, count in want.items():
        if count < 1_000:
            continue
        p = count / total
        se = (len(full_raw) * p * (1 - p)) ** 0.5
        assert abs(int(got.get(year, 0)) - len(full_raw) * p) < 5 * se, year
        checked += 1
    assert checked >= 10


# ---------------------------------------------------------------- on a fresh machine


@pytest.mark.slow
def test_the_page_on_a_fresh_machine_shows_both_estimates(
    run_page, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No CTDC_DATA, no CTDC_DEMO: the Hidden populations page on the default demo,
    labelled as illustrative, shows the example's estimate for women and for men."""
    if any(ROOT.glob("data/CTDC_*")):  # an operator's file in data/ wins over the demo
        pytest.skip("a CTDC file in data/ would be shown instead of the demo")
    monkeypatch.delenv("CTDC_DEMO", raising=False)
    at = run_page("pages/3_Hidden_populations.py")
    assert not at.exception
    warnings = texts(at, "warning")
    assert "Illustrative demo data, not real records" in warnings
    assert "These 193,025 records were generated" in warnings
    sentences = texts(at, "markdown")
    assert "Women: in these records" in sentences
    assert "Men: in these records" in sentences
    assert "withheld" not in sentences
    assert at.session_state["hid_unit"] == EXAMPLE_UNIT
