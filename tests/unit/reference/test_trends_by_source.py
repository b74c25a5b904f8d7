"""Explore's source-aware share trends on the real release, pinned to R.

Expected values: tests/reference/explore_trends_by_source.csv, made by
``Rscript tests/reference/explore_trends_by_source.R`` (R's own quasibinomial glm on the
release, read by R itself; see the script's header). The minors trend pooled and within
each way minor/adult status is recorded (given in the file; derived from the age band),
with the t interval on years - 2 degrees of freedom, and the part of the records with a
status that is given in the file, per year. R is not needed; the tests that run the
project's functions skip where the release is absent.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from core.explore import headlines, recording, shifts

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "explore_trends_by_source.csv"
RTOL = 1e-6
FIELD = "majorityStatusAtExploit"
INCOMPLETE = [2020, 2021]  # test_against_r.py pins these as the likely incomplete years
QUANTITIES = (
    "first_year",
    "last_year",
    "n_years",
    "slope",
    "slope_se",
    "scale",
    "t_df",
    "start_share",
    "end_share",
    "change",
    "ci_low",
    "ci_high",
)


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE, keep_default_na=False, na_values=[""])


def expected(reference: pd.DataFrame, trend: str) -> dict[str, float]:
    rows = reference[reference["trend"] == trend]
    return dict(zip(rows["quantity"], rows["value"], strict=True))


def assert_matches(got: shifts.ShareTrend, want: dict[str, float]) -> None:
    assert got.ok, got.reason
    problems = [
        f"{q}: Python {getattr(got, q)!r}, R {want[q]!r}"
        for q in QUANTITIES
        if not math.isclose(float(getattr(got, q)), float(want[q]), rel_tol=RTOL)
    ]
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def pooled(real_frame: pd.DataFrame) -> list[shifts.ShareTrend]:
    shares = shifts.yearly_shares(real_frame, field=FIELD)
    return shifts.share_trends(shares, field=FIELD, exclude_years=INCOMPLETE)


@pytest.fixture(scope="module")
def checks(real_frame: pd.DataFrame, pooled) -> dict[str, recording.SourceCheck]:
    return recording.source_checks(real_frame, pooled, field=FIELD, exclude_years=INCOMPLETE)


class TestTheCsv:
    def test_no_count_and_one_withheld_share(self, reference: pd.DataFrame) -> None:
        assert set(reference["trend"]) == {"pooled", "given", "derived from age", "mix"}
        assert not reference["quantity"].str.contains("count|known|records").any()
        withheld = reference[reference["value"].isna()]
        assert withheld["quantity"].tolist() == ["given_share_2013"]
        assert withheld["note"].str.startswith("withheld").all()


@pytest.mark.real
class TestAgainstR:
    def test_pooled_trend_with_t_interval(self, pooled, reference) -> None:
        # R: glm(cbind(minors, others) ~ I((year - centre) / 10), family = quasibinomial),
        # change +/- qt(0.975, 16) x delta-method SE (explore_trends_by_source.R)
        minor = next(t for t in pooled if t.category == "Minor")
        want = expected(reference, "pooled")
        assert_matches(minor, want)
        assert (round(minor.ci_low, 1), round(minor.ci_high, 1)) == (15.4, 24.3)  # issue 14
        assert minor.observed_start == pytest.approx(want["observed_start"], rel=RTOL)
        assert minor.observed_end == pytest.approx(want["observed_end"], rel=RTOL)
        assert "observed 4.8% in 2002 and 43.2% in 2019" in minor.sentence()
        assert "fitted 9.6% in 2002 to 43.3% in 2019" in minor.sentence()

    @pytest.mark.parametrize("source", ["given", "derived from age"])
    def test_within_source(self, checks, reference, source) -> None:
        # R: the same quasibinomial fit on that source's records alone, in the years where
        # it holds at least 5% of the records with a status (explore_trends_by_source.R)
        by_source = dict(checks["Minor"].by_source)
        assert_matches(by_source[source], expected(reference, source))

    def test_source_mix(self, checks, reference) -> None:
        want = expected(reference, "mix")
        mix = checks["Minor"].mix
        given = mix[mix["source"] == "given"].set_index("year")["share"]
        compared = 0
        for quantity, value in want.items():
            if isinstance(value, float) and math.isnan(value):
                continue
            year = int(quantity.removeprefix("given_share_"))
            assert given[year] == pytest.approx(float(value), rel=RTOL, abs=1e-15), year
            compared += 1
        assert compared == 17

    def test_the_minors_rise_is_a_change_of_recording(self, checks, pooled) -> None:
        check = checks["Minor"]
        assert check.pooled.is_shift and not check.holds
        sentence = check.sentence(k=10)
        assert "is mostly a change of recording" in sentence
        assert "given in the file is 0% of the records with a status in 2002" in sentence
        assert "derived from the age band -4.1 points per decade (95% CI -13.0 to +4.8)" in (
            sentence
        )
        title = headlines.shares_headline(pooled, checks=checks)
        assert not title.startswith("Largest clear shift")
        assert title == (
            "No shift that holds within each way of recording: the rise in the share of minors "
            "(+19.8 points per decade) is a change of recording"
        )
