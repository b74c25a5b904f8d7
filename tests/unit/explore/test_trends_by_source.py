"""Source-aware share trends (issue 14): the t interval, observed vs fitted ends, the
minimum effect size, and the check within each way minor/adult status is recorded.

Expected values are derived by hand or from an independent fit (statsmodels' GLM with
SciPy's t quantile); the real release is pinned to R in tests/unit/reference.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import t as student_t

from core.explore import headlines, recording, shift_tables, shifts

Z95 = 1.959963984540054
FIELD = "majorityStatusAtExploit"


def shares_table(years, successes, totals, category="Minor") -> pd.DataFrame:
    return pd.DataFrame({"year": years, "category": category, "count": successes, "known": totals})


def records(rows: list[tuple[int, str, str, int]]) -> pd.DataFrame:
    """Records from (year, status, source, how many) rows."""
    years, status, source = [], [], []
    for year, value, src, n in rows:
        years += [year] * n
        status += [value] * n
        source += [src] * n
    return pd.DataFrame(
        {
            "yearOfRegistration": pd.array(years, dtype="Int16"),
            FIELD: pd.Categorical(status, categories=["Adult", "Minor"]),
            "majoritySource": pd.Categorical(
                source, categories=["given", "derived from age", "unknown"]
            ),
        }
    )


class TestTInterval:
    YEARS = (2010, 2011, 2012, 2013, 2014, 2015)
    SUCC = (50, 10, 70, 20, 90, 40)
    TOT = (100,) * 6

    def test_quasi_binomial_uses_t_on_years_minus_two(self) -> None:
        t = shifts.share_trend(
            shares_table(self.YEARS, self.SUCC, self.TOT), field="gender", category="Minor"
        )
        binomial = shifts.share_trend(
            shares_table(self.YEARS, self.SUCC, self.TOT),
            field="gender",
            category="Minor",
            overdispersion=False,
        )
        assert t.scale > 1 and t.t_df == 4 and binomial.t_df == 0
        # same point estimate; half-width = qt(0.975, 4) x sqrt(scale) x the binomial SE
        se_binomial = (binomial.ci_high - binomial.ci_low) / (2 * Z95)
        half = student_t.ppf(0.975, 4) * math.sqrt(t.scale) * se_binomial
        assert t.change == pytest.approx(binomial.change, rel=1e-9)
        assert (t.ci_high - t.ci_low) / 2 == pytest.approx(half, rel=1e-6)

    def test_against_statsmodels_glm(self) -> None:
        # independent: statsmodels' binomial GLM, its Pearson X2 / df_resid as the dispersion
        # (its scale="X2" rescales two-column endog differently, so it is computed here)
        x = (np.array(self.YEARS, dtype=float) - 2012.5) / 10
        endog = np.column_stack([self.SUCC, np.array(self.TOT) - np.array(self.SUCC)])
        fit = sm.GLM(endog, sm.add_constant(x), family=sm.families.Binomial()).fit()
        scale = fit.pearson_chi2 / fit.df_resid
        t = shifts.share_trend(
            shares_table(self.YEARS, self.SUCC, self.TOT), field="gender", category="Minor"
        )
        assert t.slope == pytest.approx(fit.params[1], rel=1e-6)
        assert t.scale == pytest.approx(scale, rel=1e-6)
        assert t.slope_se == pytest.approx(fit.bse[1] * math.sqrt(scale), rel=1e-6)

    def test_no_estimated_dispersion_keeps_the_normal(self) -> None:
        # two years (saturated, df 0): the binomial variance, z
        t = shifts.share_trend(
            shares_table([2010, 2016], [20, 45], [100, 150]),
            field=FIELD,
            category="Minor",
            min_years=2,
        )
        assert t.t_df == 0
        se = 1000 / 6 * math.sqrt(0.2 * 0.8 / 100 + 0.3 * 0.7 / 150)
        assert t.ci_high - t.ci_low == pytest.approx(2 * Z95 * se, rel=1e-5)


class TestObservedAndFitted:
    def test_observed_ends_are_the_first_and_last_years_shares(self) -> None:
        t = shifts.share_trend(
            shares_table([2010, 2012, 2014], [5, 20, 30], [100, 100, 60]),
            field=FIELD,
            category="Minor",
        )
        assert (t.observed_start, t.observed_end) == (0.05, 0.5)
        assert t.start_share != pytest.approx(0.05)  # the fitted end is not the observed one
        assert "; observed 5.0% in 2010 and 50.0% in 2014." in t.sentence()
        assert "fitted " in t.sentence()

    def test_quote_observed_drops_withheld_ends(self) -> None:
        t = shifts.share_trend(
            shares_table([2010, 2012, 2014], [5, 20, 30], [100, 100, 60]),
            field=FIELD,
            category="Minor",
        )
        drawn = shares_table([2010, 2012, 2014], [5, 20, 30], [100, 100, 60]).assign(
            share=[np.nan, 0.2, 0.5]
        )
        (hidden,) = shift_tables.quote_observed([t], drawn)
        assert math.isnan(hidden.observed_start) and math.isnan(hidden.observed_end)
        assert "observed" not in hidden.sentence()
        (kept,) = shift_tables.quote_observed([t], drawn.assign(share=[0.05, 0.2, 0.5]))
        assert (kept.observed_start, kept.observed_end) == (0.05, 0.5)

    def test_pct(self) -> None:
        assert [shifts.pct(v) for v in (0.0483, 0.0004, 0.0, 1.0, 0.99996)] == [
            "4.8%",
            "<0.1%",
            "0%",
            "100%",
            ">99.9%",
        ]


class TestMinimumEffect:
    def test_a_small_clear_change_is_not_news(self) -> None:
        small = shifts.ShareTrend(
            "gender",
            "Transgender/NonConforming",
            True,
            first_year=2002,
            last_year=2019,
            change=0.3,
            ci_low=0.2,
            ci_high=0.4,
        )
        big = shifts.ShareTrend(
            "gender",
            "Female",
            True,
            first_year=2002,
            last_year=2019,
            start_share=0.5,
            end_share=0.2,
            change=-17.6,
            ci_low=-20.0,
            ci_high=-15.0,
        )
        assert shifts.MIN_CHANGE == 2.0
        assert headlines.shares_headline([small]) == (
            "Nothing moved much: no group's share changed by 2 points per decade or more "
            "(2002–2019)"
        )
        assert headlines.shares_headline([small, big]).startswith(
            "Largest clear shift: women and girls fell, -17.6 points per decade (fitted 50.0%"
        )


# Given records: 70% minors every year and a growing part of the records; derived: 10%
# minors every year. Pooled, minors rise; within each source, nothing moves.
RECORDING = [
    row
    for year, given in zip(range(2010, 2016), [0, 100, 200, 400, 600, 800], strict=True)
    for row in (
        (year, "Minor", "given", given * 7 // 10),
        (year, "Adult", "given", given * 3 // 10),
        (year, "Minor", "derived from age", 100),
        (year, "Adult", "derived from age", 900),
    )
]


def checked(frame: pd.DataFrame):
    shares = shifts.yearly_shares(frame, field=FIELD)
    trends = shifts.share_trends(shares, field=FIELD)
    return trends, recording.source_checks(frame, trends, field=FIELD)


class TestSourceChecks:
    def test_a_change_of_recording(self) -> None:
        trends, checks = checked(records(RECORDING))
        minor = next(t for t in trends if t.category == "Minor")
        assert minor.is_shift and minor.change > 0
        check = checks["Minor"]
        by_source = dict(check.by_source)
        # within each source the share is constant: the fitted change is 0
        assert by_source["derived from age"].change == pytest.approx(0, abs=1e-9)
        assert by_source["given"].change == pytest.approx(0, abs=1e-9)
        # 2010 has no given record (0% of 1,000 < 5%): the given trend starts in 2011
        assert by_source["given"].first_year == 2011
        assert not check.holds
        assert check.sentence() == (
            f"The pooled rise in the share of minors ({minor.change:+.1f} points per decade) is "
            "mostly a change of recording: status given in the file is 0% of the records with "
            "a status in 2010 and 44.4% in 2015, and 70.0% of those given in the file against "
            "10.0% of those derived from the age band are minors; within each: given in the "
            f"file {by_source['given'].interval_text()}; derived from the age band "
            f"{by_source['derived from age'].interval_text()}."
        )
        assert headlines.shares_headline(trends, checks=checks) == (
            "No shift that holds within each way of recording: the rise in the share of minors "
            f"({minor.change:+.1f} points per decade) is a change of recording"
        )
        assert check.title().startswith("Minors: +")
        assert "a change of recording: no clear trend where the status is" in check.title()
        table = recording.source_trends_table(checks)
        assert table["Holds with the pooled trend"].unique().tolist() == ["no"]
        assert "Records" not in table.columns

    def test_small_counts_are_not_quoted(self) -> None:
        _, checks = checked(records(RECORDING))
        # k above every given count of 2011 (70 and 30): that year's mix is not quoted
        sentence = checks["Minor"].sentence(k=71)
        assert "in 2011" not in sentence
        # k above the pooled given minors (1,470): the sources' shares are not quoted
        assert "are minors" not in checks["Minor"].sentence(k=5000)

    def test_a_shift_that_holds_within_sources(self) -> None:
        rows = [
            row
            for year, minors in zip(range(2010, 2016), [100, 150, 200, 250, 300, 350], strict=True)
            for row in (
                (year, "Minor", "given", minors),
                (year, "Adult", "given", 1000 - minors),
                (year, "Minor", "derived from age", minors // 2),
                (year, "Adult", "derived from age", 1000 - minors // 2),
            )
        ]
        trends, checks = checked(records(rows))
        assert checks["Minor"].holds
        assert (
            checks["Minor"]
            .sentence()
            .startswith(
                "The rise in the share of minors holds within each way the status is recorded"
            )
        )
        assert headlines.shares_headline(trends, checks=checks).startswith(
            "Largest clear shift: minors rose"
        )

    def test_one_source_or_no_source_column_means_nothing_to_check(self) -> None:
        one = records(
            [(y, v, "derived from age", 50) for y in (2010, 2011, 2012) for v in ("Minor", "Adult")]
        )
        assert checked(one)[1] == {}
        assert checked(one.drop(columns="majoritySource"))[1] == {}
