"""Tests of the seeded demo-data generator (core.demo.generate) and its calibration.

Most run on the 20,000-record draws of the test fixture (fast); the app's default demo of
193,025 records is tested in ``test_full_demo.py``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.demo.calibrate import MIN_CELL, compute_calibration, read_raw, suppress
from core.demo.columns import (
    COLUMNS_2021,
    EXPLOIT_FLAGS,
    LABOUR_FLAGS,
    MEANS_FLAGS,
    SEX_FLAGS,
    period_of,
)
from core.demo.generate import (
    CALIBRATION_TABLES,
    DEFAULT_CALIBRATION_PATH,
    SMALL_N,
    SUPPRESSED_FILL,
    generate_demo,
    load_calibration,
)
from core.privacy import DEFAULT_K
from tests.conftest import DEMO_FILE

REPO = Path(__file__).resolve().parents[3]

REAL_FILE = REPO / ".." / "shared" / "data" / "CTDC_synthetic_20210825.tsv"
MINOR_BANDS = {"0--8", "09--17"}


@pytest.fixture(scope="module")
def calibration() -> dict:
    return load_calibration()


@pytest.fixture(scope="module")
def demo(calibration: dict) -> pd.DataFrame:
    """The test fixture's frame: 20,000 records, default seed, suppressed counts at 0."""
    return generate_demo(calibration, n=SMALL_N, fill_suppressed=0)


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    if not REAL_FILE.is_file():
        pytest.skip("real CTDC file not present at ../shared/data")
    return read_raw(REAL_FILE)


def _any(frame: pd.DataFrame, columns) -> pd.Series:
    return (frame[list(columns)] == "1").any(axis=1)


def _headline(frame: pd.DataFrame) -> dict[str, float]:
    """Shares compared between real and demo data."""
    any_exploit = _any(frame, EXPLOIT_FLAGS)
    known_majority = frame["majorityStatusAtExploit"] != ""
    return {
        "female": float((frame["gender"] == "Female").mean()),
        "minor_of_known": float(
            (frame.loc[known_majority, "majorityStatusAtExploit"] == "Minor").mean()
        ),
        "sexual_of_any": float((frame.loc[any_exploit, "isSexualExploit"] == "1").mean()),
        "forced_labour_of_any": float((frame.loc[any_exploit, "isForcedLabour"] == "1").mean()),
        "missing_majority": float((~known_majority).mean()),
        "missing_age": float((frame["ageBroad"] == "").mean()),
    }


# ----------------------------------------------------------------- layout and seeds


def test_columns_are_the_2021_layout(demo: pd.DataFrame) -> None:
    assert len(COLUMNS_2021) == 37
    assert len(set(COLUMNS_2021)) == 37
    assert list(demo.columns) == list(COLUMNS_2021)
    assert len(demo) == 20_000


@pytest.mark.real
def test_columns_match_real_header() -> None:
    if not REAL_FILE.is_file():
        pytest.skip("real CTDC file not present at ../shared/data")
    with open(REAL_FILE, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
    assert header == list(COLUMNS_2021)


def test_values_are_raw_strings(demo: pd.DataFrame) -> None:
    for column in demo.columns:
        values = demo[column].tolist()
        assert all(isinstance(v, str) for v in values), column
    flags = [*MEANS_FLAGS, *EXPLOIT_FLAGS, *LABOUR_FLAGS, *SEX_FLAGS]
    flags += [c for c in COLUMNS_2021 if c.startswith("recruiterRelation")]
    for column in flags:
        assert set(demo[column].unique()) <= {"", "1"}, column
    assert set(demo["gender"].unique()) <= {"", "Female", "Male", "Transgender/NonConforming"}
    assert set(demo["majorityStatusAtExploit"].unique()) <= {"", "Adult", "Minor"}
    years = {int(y) for y in demo["yearOfRegistration"].unique() if y}
    assert years <= set(range(2002, 2022))


def test_same_seed_same_frame_other_seed_other_frame(calibration: dict) -> None:
    a = generate_demo(calibration, n=3000, seed=7)
    b = generate_demo(calibration, n=3000, seed=7)
    c = generate_demo(calibration, n=3000, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert (a != c).any(axis=1).mean() > 0.5


def test_n_zero_and_negative(calibration: dict) -> None:
    empty = generate_demo(calibration, n=0)
    assert empty.shape == (0, 37)
    with pytest.raises(ValueError, match="n must be"):
        generate_demo(calibration, n=-1)


class TestOptions:
    """Options of the wrong kind raise ValueError naming what is allowed."""

    @pytest.mark.parametrize("n", [-1, 2.5, "10", True, None])
    def test_n(self, calibration: dict, n: object) -> None:
        with pytest.raises(ValueError, match=r"n must be a whole number of at least 0"):
            generate_demo(calibration, n=n)  # type: ignore[arg-type]  # the wrong kind on purpose

    @pytest.mark.parametrize("seed", [-5, 1.0, "7", False])
    def test_seed(self, calibration: dict, seed: object) -> None:
        with pytest.raises(ValueError, match=r"seed must be a whole number of at least 0"):
            generate_demo(calibration, n=10, seed=seed)  # type: ignore[arg-type]  # on purpose

    def test_numpy_integers_are_whole_numbers(self, calibration: dict) -> None:
        pd.testing.assert_frame_equal(
            generate_demo(calibration, n=np.int64(50), seed=np.int32(3)),  # type: ignore[arg-type]  # numpy ints are whole numbers too
            generate_demo(calibration, n=50, seed=3),
        )

    @pytest.mark.parametrize("fill", [-1, 9.5, "3", True, None, float("nan")])
    def test_fill_suppressed(self, calibration: dict, fill: object) -> None:
        with pytest.raises(ValueError, match=r"fill_suppressed must be a number from 0 to 9"):
            generate_demo(calibration, n=10, fill_suppressed=fill)  # type: ignore[arg-type]  # on purpose

    def test_a_calibration_without_its_tables(self, calibration: dict) -> None:
        partial = {k: v for k, v in calibration.items() if k not in ("pairs", "year")}
        with pytest.raises(ValueError, match=r"lacks the tables year, pairs"):
            generate_demo(partial, n=10)

    def test_every_table_is_in_the_committed_calibration(self, calibration: dict) -> None:
        assert set(CALIBRATION_TABLES) <= set(calibration)

    @pytest.mark.parametrize("min_cell", [0, -1, 2.0, "10", True])
    def test_min_cell(self, min_cell: object) -> None:
        with pytest.raises(ValueError, match=r"min_cell must be a whole number of at least 1"):
            compute_calibration(_tiny_raw(), min_cell=min_cell)  # type: ignore[arg-type]  # on purpose

    def test_the_calibration_threshold_is_the_apps(self) -> None:
        assert MIN_CELL == DEFAULT_K == 10
        assert suppress({"a": [9, 10, 0, 1]}) == {"a": [0, 10, 0, 0]}


def test_records_are_coherent(demo: pd.DataFrame) -> None:
    minor = demo["majorityStatusAtExploit"] == "Minor"
    adult = demo["majorityStatusAtExploit"] == "Adult"
    assert set(demo.loc[minor, "ageBroad"].unique()) <= MINOR_BANDS | {""}
    assert not demo.loc[adult, "ageBroad"].isin(MINOR_BANDS).any()
    assert not (_any(demo, LABOUR_FLAGS) & (demo["isForcedLabour"] != "1")).any()
    assert not (_any(demo, SEX_FLAGS) & (demo["isSexualExploit"] != "1")).any()


# ------------------------------------------------------------------- the story


def test_story_girls_sexual_men_labour(demo: pd.DataFrame) -> None:
    any_exploit = _any(demo, EXPLOIT_FLAGS)
    girls = (
        any_exploit & (demo["gender"] == "Female") & (demo["majorityStatusAtExploit"] == "Minor")
    )
    men = any_exploit & (demo["gender"] == "Male") & (demo["majorityStatusAtExploit"] == "Adult")
    assert girls.sum() > 800
    assert men.sum() > 150
    # real data: 93% of girls with a known type in sexual exploitation, 97% of men in labour
    assert (demo.loc[girls, "isSexualExploit"] == "1").mean() > 0.85
    assert (demo.loc[girls, "isForcedLabour"] == "1").mean() < 0.20
    assert (demo.loc[men, "isForcedLabour"] == "1").mean() > 0.90
    assert (demo.loc[men, "isSexualExploit"] == "1").mean() < 0.10


def test_story_usa_largest_and_rising(demo: pd.DataFrame) -> None:
    country = demo["CountryOfExploitation"]
    known = country[country != ""]
    counts = known.value_counts()
    assert counts.index[0] == "USA"
    assert counts.iloc[0] > 4 * counts.iloc[1]  # real: USA 65,880 vs RUS 11,210
    assert 0.45 < counts.iloc[0] / len(known) < 0.60  # real: 52%
    period = pd.Series(period_of(demo["yearOfRegistration"]), index=demo.index)
    usa = {
        p: float((known[period[known.index] == p] == "USA").mean())
        for p in ("2002-2010", "2011-2015", "2016-2019")
    }
    # real: 0% before 2011, 28% 2011-2015, 81% 2016-2019
    assert usa["2002-2010"] < 0.05
    assert 0.20 < usa["2011-2015"] < 0.40
    assert usa["2016-2019"] > 0.70


def test_story_years_peak_2016_2019(demo: pd.DataFrame) -> None:
    years = demo.loc[demo["yearOfRegistration"] != "", "yearOfRegistration"].value_counts()
    assert set(years.index[:4]) == {"2016", "2017", "2018", "2019"}
    assert years["2020"] < 0.25 * years["2019"]  # real: 4,120 vs 27,840
    assert years["2021"] < 0.15 * years["2019"]  # real: 2,060
    assert years["2021"] < years["2020"]


def test_story_missingness(demo: pd.DataFrame) -> None:
    missing = (demo == "").mean()
    # real shares: 79.1%, 47.0%, 20.4%, 24.4%, 89.3%, 45.8%, 34.9%
    expected = {
        "majorityStatusAtExploit": 0.791,
        "ageBroad": 0.470,
        "yearOfRegistration": 0.204,
        "gender": 0.244,
        "traffickMonths": 0.893,
        "citizenship": 0.458,
        "CountryOfExploitation": 0.349,
    }
    for column, share in expected.items():
        assert abs(missing[column] - share) < 0.02, (column, missing[column])


def test_demo_matches_committed_summary(demo: pd.DataFrame, calibration: dict) -> None:
    """Headline shares of the demo are within 3 points of the calibrated ones."""
    summary = calibration["summary"]
    got = _headline(demo)
    assert abs(got["female"] - summary["share_female_of_all"]) < 0.03
    assert abs(got["minor_of_known"] - summary["share_minor_of_known_majority"]) < 0.03
    assert abs(got["sexual_of_any"] - summary["share_sexual_of_any_exploit"]) < 0.03
    assert abs(got["forced_labour_of_any"] - summary["share_forced_labour_of_any_exploit"]) < 0.03
    assert summary["largest_country_of_exploitation"] == "USA"


# ------------------------------------------------------------- committed files


def test_committed_fixture_rebuilds(demo: pd.DataFrame) -> None:
    """tests/fixtures/demo_20k_2021layout.tsv.gz is the generator's 20,000 records
    (`python -m core demo --n 20000 --fill-suppressed 0 --out ...`)."""
    raw_bytes = gzip.decompress(DEMO_FILE.read_bytes())
    assert b"\r" not in raw_bytes
    text = raw_bytes.decode("utf-8")
    assert text.split("\n", 1)[0] == "\t".join(COLUMNS_2021)
    committed = read_raw(DEMO_FILE)
    pd.testing.assert_frame_equal(committed, demo)


def test_committed_calibration_is_suppressed(calibration: dict) -> None:
    assert calibration["meta"]["min_cell"] == 10

    def walk(obj: object) -> None:
        if isinstance(obj, dict):
            for value in obj.values():
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)
        elif isinstance(obj, int) and not isinstance(obj, bool):
            assert obj == 0 or obj >= 10, obj
        elif isinstance(obj, str):
            assert not obj.startswith("/"), obj
            assert "\\" not in obj, obj

    walk({k: v for k, v in calibration.items() if k != "meta"})
    text = DEFAULT_CALIBRATION_PATH.read_text(encoding="utf-8")
    assert text.count("\n") < 10_000  # aggregates, not rows


@pytest.mark.real
def test_committed_calibration_matches_real_file(real: pd.DataFrame, calibration: dict) -> None:
    fresh = json.loads(json.dumps(compute_calibration(real)))
    assert fresh == calibration


@pytest.mark.real
def test_demo_close_to_real(real: pd.DataFrame, demo: pd.DataFrame) -> None:
    want, got = _headline(real), _headline(demo)
    for key in (
        "female",
        "minor_of_known",
        "sexual_of_any",
        "forced_labour_of_any",
        "missing_majority",
        "missing_age",
    ):
        assert abs(got[key] - want[key]) < 0.03, (key, got[key], want[key])


# -------------------------------------------------------- calibration by hand


def _tiny_raw() -> pd.DataFrame:
    """Six hand-made records in the raw 2021 layout."""
    rows = [
        {
            "yearOfRegistration": "2016",
            "gender": "Female",
            "ageBroad": "09--17",
            "majorityStatusAtExploit": "Minor",
            "CountryOfExploitation": "USA",
            "isSexualExploit": "1",
            "typeOfSexProstitution": "1",
            "meansOfControlThreats": "1",
        },
        {
            "yearOfRegistration": "2017",
            "gender": "Female",
            "majorityStatusAtExploit": "Minor",
            "CountryOfExploitation": "USA",
            "isSexualExploit": "1",
        },
        {
            "yearOfRegistration": "2005",
            "gender": "Female",
            "ageBroad": "24--26",
            "citizenship": "UKR",
            "CountryOfExploitation": "RUS",
            "isForcedLabour": "1",
            "typeOfLabourDomesticWork": "1",
            "recruiterRelationFriend": "1",
        },
        {
            "gender": "Male",
            "ageBroad": "30--38",
            "majorityStatusAtExploit": "Adult",
            "citizenship": "UKR",
            "CountryOfExploitation": "RUS",
            "isForcedLabour": "1",
            "traffickMonths": "13--24 (1-2 yrs)",
            "meansOfControlDebtBondage": "1",
            "meansOfControlThreats": "1",
        },
        {"yearOfRegistration": "2020", "gender": "Male", "majorityStatusAtExploit": "Adult"},
        {},
    ]
    return pd.DataFrame([{c: r.get(c, "") for c in COLUMNS_2021} for r in rows])


def test_calibration_of_tiny_frame_by_hand() -> None:
    cal = compute_calibration(_tiny_raw(), min_cell=1)
    assert cal["meta"]["rows"] == 6
    assert cal["gender_majority"] == {"Female|": 1, "Female|Minor": 2, "Male|Adult": 2, "|": 1}
    assert cal["year"] == {"": 2, "2005": 1, "2016": 1, "2017": 1, "2020": 1}
    assert cal["gender_majority_given_period"] == {
        "": {"Male|Adult": 1, "|": 1},
        "2002-2010": {"Female|": 1},
        "2016-2019": {"Female|Minor": 2},
        "2020-2021": {"Male|Adult": 1},
    }
    assert cal["age_given_gender_majority"]["Female|Minor"] == {"": 1, "09--17": 1}
    assert cal["missing"]["majorityStatusAtExploit"] == 2
    assert cal["missing"]["ageBroad"] == 3
    assert cal["missing"]["isForcedLabour"] == 4
    assert cal["exploit_given_gender_majority"] == {
        "Female|": {"ForcedLabour": 1},
        "Female|Minor": {"SexualExploit": 2},
        "Male|Adult": {"ForcedLabour": 1, "none": 1},
        "|": {"none": 1},
    }
    assert cal["labour_subtypes_given_gender"] == {
        "Female": {"DomesticWork": 1},
        "Male": {"none": 1},
    }
    assert cal["sex_subtypes_given_gender"] == {"Female": {"Prostitution": 1, "none": 1}}
    fl = cal["means_given_exploit"]["ForcedLabour"]
    assert (fl["rows"], fl["any_known"]) == (2, 1)
    assert fl["flags"]["meansOfControlDebtBondage"] == 1
    assert fl["flags"]["meansOfControlThreats"] == 1
    assert cal["means_given_exploit"]["SexualExploit"]["any_known"] == 1
    assert cal["means_given_exploit"]["none"]["any_known"] == 0
    # stage: majority if known, else from the age band (row 3: 24--26 -> Adult)
    assert cal["recruiter_given_gender_stage"] == {
        "Female|Adult": {"Friend": 1},
        "Female|Minor": {"none": 2},
        "Male|Adult": {"none": 2},
        "|": {"none": 1},
    }
    assert cal["traffick_months_given_exploit"]["ForcedLabour"] == {
        "": 1,
        "13--24 (1-2 yrs)": 1,
    }
    assert set(cal["pairs"]["top"]) == {"|USA", "UKR|RUS", "|"}
    assert cal["pairs"]["overall"] == {"UKR|RUS": 2, "|": 2, "|USA": 2, "other": 0}
    summary = cal["summary"]
    assert summary["share_female_of_all"] == 0.5
    assert summary["share_minor_of_known_majority"] == 0.5
    assert summary["share_sexual_of_any_exploit"] == 0.5
    assert summary["share_missing_age"] == 0.5
    assert summary["largest_country_of_exploitation"] in {"USA", "RUS"}
    json.dumps(cal)  # serialisable


def test_calibration_suppresses_small_cells() -> None:
    cal = compute_calibration(_tiny_raw())  # default min_cell=10
    assert cal["meta"]["rows"] == 6
    assert set(cal["gender_majority"].values()) == {0}
    assert set(cal["year"].values()) == {0}
    assert cal["means_given_exploit"]["ForcedLabour"]["rows"] == 0


def test_calibration_rejects_other_layout() -> None:
    with pytest.raises(ValueError, match="missing columns"):
        compute_calibration(pd.DataFrame({"gender": ["Female"]}))
    with pytest.raises(ValueError, match=r"missing columns: yearOfRegistration, ageBroad"):
        compute_calibration(pd.DataFrame({"gender": ["Female"]}))


# ------------------------------------------------------------ suppressed counts


def _one_table_calibration(year: dict[str, int]) -> dict:
    cal = compute_calibration(_tiny_raw(), min_cell=1)
    cal["year"] = year
    return cal


def test_a_suppressed_count_is_drawn_with_the_fill_weight() -> None:
    """Years {2016: 97, 2017: 0 (suppressed)}: with weight w, 2017 has probability
    w / (97 + w); over 4,000 draws the share is within 5 binomial standard errors (at
    w = 3 that is 3.0% +- 1.4 points, so weights 0 and 5 would both fail)."""
    cal = _one_table_calibration({"2016": 97, "2017": 0})
    n = 4_000
    for fill in (SUPPRESSED_FILL, 5.0, 9.0):
        frame = generate_demo(cal, n=n, seed=3, fill_suppressed=fill)
        share = float((frame["yearOfRegistration"] == "2017").mean())
        p = fill / (97 + fill)
        assert abs(share - p) < 5 * (p * (1 - p) / n) ** 0.5, (fill, share, p)
    never = generate_demo(cal, n=n, seed=3, fill_suppressed=0)
    assert set(never["yearOfRegistration"]) == {"2016"}


def test_a_value_not_listed_is_never_drawn() -> None:
    """Only a listed 0 is a suppressed count; a value the cell does not list has none."""
    cal = _one_table_calibration({"2016": 97, "2017": 0})
    frame = generate_demo(cal, n=2_000, seed=4, fill_suppressed=9)
    assert set(frame["yearOfRegistration"]) == {"2016", "2017"}


def test_the_default_fill_is_the_mean_of_one_to_nine_under_one_over_c() -> None:
    """9 / H(9) = 3.18: the mean count of 1..9 when a count c is 1/c as common as 1."""
    weights = 1 / np.arange(1, 10)
    mean = float((np.arange(1, 10) * weights).sum() / weights.sum())
    assert mean == pytest.approx(9 / sum(1 / c for c in range(1, 10)))
    assert round(mean) == SUPPRESSED_FILL == 3


def test_generate_from_tiny_calibration() -> None:
    cal = compute_calibration(_tiny_raw(), min_cell=1)
    frame = generate_demo(cal, n=500, seed=1)
    assert list(frame.columns) == list(COLUMNS_2021)
    assert set(frame["gender"].unique()) <= {"Female", "Male", ""}
    assert set(frame["CountryOfExploitation"].unique()) <= {"USA", "RUS", ""}
    assert set(frame["yearOfRegistration"].unique()) <= {"", "2005", "2016", "2017", "2020"}
    minor = frame["majorityStatusAtExploit"] == "Minor"
    assert set(frame.loc[minor, "ageBroad"].unique()) <= MINOR_BANDS | {""}
    assert np.isin(frame["isOtherExploit"].unique(), [""]).all()
