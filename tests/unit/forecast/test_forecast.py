"""Tests of core.forecast: counting, incomplete years, models, backtests, titles, options.

Expected values are counted by hand on small frames, taken from closed forms (an exact
straight line must be continued), or from the documented release counts
(ctdc-schema.md), never from the code under test.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.forecast.backtest import (
    MIN_TRAIN_YEARS,
    RollingBacktest,
    backtest_rows,
    choose_model,
    coverage_by_horizon,
    mase,
    mase_scale,
    ratio_interval,
    rolling_backtest,
    summarise,
)
from core.forecast.charts import LAYOUTS, SEGMENT_COLOURS, chart_frame, forecast_chart
from core.forecast.models import (
    AUTO_POOL,
    CANDIDATES,
    check_model,
    log_random_walk_bands,
    model_label,
    point_forecast,
    step_sd,
)
from core.forecast.run import (
    ForecastSettings,
    fit_series,
    forecast_segment,
    run_segments,
    slice_backtest,
)
from core.forecast.series import (
    DEFAULT_SEGMENTS,
    MIN_FIT_YEARS,
    SEGMENTS,
    SegmentForecast,
    available_segments,
    check_segments,
    detect_incomplete_years,
    prepare_segments,
    yearly_counts,
)
from core.forecast.words import (
    coverage_sentence,
    forecast_table,
    forecast_title,
    incomplete_sentence,
    rolling_sentence,
    score_table,
)
from core.palette import OKABE_ITO


def series(values: list[float], start: int = 2000) -> pd.Series:
    return pd.Series(values, index=range(start, start + len(values)), dtype=float)


def line(start: int, stop: int, *, at0: float = 1000.0, slope: float = 50.0) -> pd.Series:
    years = range(start, stop + 1)
    return pd.Series([at0 + slope * (y - start) for y in years], index=list(years), dtype=float)


# Prophet's time axis is in days and years have 365 or 366 days, so a line that is exact
# per year is off by at most ~1 day of slope (50/365 = 0.14) per point, plus the Stan
# optimiser's tolerance; 0.5 (1% of one year's step) leaves room for both.
LINE_TOLERANCE = 0.5


@pytest.fixture(scope="module")
def small_frame() -> pd.DataFrame:
    gender = pd.Categorical(
        ["Female", "Male", "Female", "Female", None, "Female", "Male"],
        categories=["Female", "Male", "Transgender/NonConforming"],
    )
    majority = pd.Categorical(
        ["Adult", "Minor", None, "Minor", "Adult", "Adult", "Adult"], categories=["Adult", "Minor"]
    )
    return pd.DataFrame(
        {
            "yearOfRegistration": pd.array(
                [2010, 2010, 2010, 2012, 2012, None, 2013], dtype="Int16"
            ),
            "gender": gender,
            "majorityStatusAtExploit": majority,
            "isSexualExploit": [True, False, True, False, False, True, False],
            "isForcedLabour": [False, True, False, False, True, False, True],
        }
    )


# --------------------------------------------------------------------------- counting
class TestYearlyCounts:
    # Counted by hand from small_frame (the record with no year is never counted).
    @pytest.mark.parametrize(
        ("segment", "expected"),
        [
            ("all", {2010: 3, 2011: 0, 2012: 2, 2013: 1}),
            ("female", {2010: 2, 2011: 0, 2012: 1, 2013: 0}),
            ("male", {2010: 1, 2011: 0, 2012: 0, 2013: 1}),
            ("adult", {2010: 1, 2011: 0, 2012: 1, 2013: 1}),
            ("minor", {2010: 1, 2011: 0, 2012: 1, 2013: 0}),
            ("sexual", {2010: 2, 2011: 0, 2012: 0, 2013: 0}),
            ("labour", {2010: 1, 2011: 0, 2012: 1, 2013: 1}),
        ],
    )
    def test_hand_counted(self, small_frame, segment, expected):
        counts = yearly_counts(small_frame, segment=segment, span=(2010, 2013))
        assert counts.to_dict() == expected
        assert counts.dtype == np.int64

    def test_leading_zeros_trimmed_trailing_kept(self, small_frame):
        # Male has no record in 2011-2012, but one in 2010: nothing trimmed inside.
        # Over a wider span, years before the first record go, years after stay.
        counts = yearly_counts(small_frame, segment="labour", span=(2005, 2015))
        assert counts.index.tolist() == list(range(2010, 2016))
        assert counts.loc[2014] == 0

    def test_no_year_at_all(self):
        frame = pd.DataFrame({"yearOfRegistration": pd.array([None, None], dtype="Int16")})
        assert yearly_counts(frame).empty

    def test_segment_without_records(self, small_frame):
        only_male = small_frame[small_frame["gender"] == "Male"]
        assert yearly_counts(only_male, segment="female", span=(2010, 2013)).empty

    def test_available_segments(self, small_frame):
        assert available_segments(small_frame) == list(SEGMENTS)
        assert available_segments(small_frame.drop(columns=["isForcedLabour"]))[-1] == "sexual"

    def test_prepare_segments_share_the_span(self, small_frame):
        data = prepare_segments(small_frame, segments=["male", "sexual"])
        assert data.total.to_dict() == {2010: 3, 2011: 0, 2012: 2, 2013: 1}
        assert data.series["sexual"].index.max() == 2013  # ends with the slice, zeros kept
        # 2013's 1 is not below half the median of (3, 0, 2), which is 1: not flagged.
        assert data.incomplete == []

    def test_incomplete_years_from_a_reference(self):
        # The whole file: 2000-2003 at 100, 2004 at 10 -> 2004 incomplete.
        years = [2000] * 100 + [2001] * 100 + [2002] * 100 + [2003] * 100 + [2004] * 10
        full = pd.DataFrame({"yearOfRegistration": pd.array(years, dtype="Int16")})
        # A slice whose own counts do not show the drop still gets 2004 flagged...
        small = full.iloc[[0, 100, 200, 300, 400]]
        assert prepare_segments(small, segments=["all"]).incomplete == []
        assert prepare_segments(small, segments=["all"], reference=full).incomplete == [2004]
        # ...but not a slice that ends before it.
        early = full.iloc[:300]
        assert prepare_segments(early, segments=["all"], reference=full).incomplete == []

    @pytest.mark.real
    def test_real_release_against_raw_file(self, real_file, real_frame):
        # A second reader of the raw file: plain pandas, no project code.
        raw = pd.read_csv(
            real_file,
            sep="\t",
            usecols=["yearOfRegistration", "gender"],
            dtype=str,
            keep_default_na=False,
        )
        raw = raw[raw["yearOfRegistration"] != ""]
        expected_all = raw["yearOfRegistration"].astype(int).value_counts().sort_index()
        expected_female = (
            raw.loc[raw["gender"] == "Female", "yearOfRegistration"]
            .astype(int)
            .value_counts()
            .sort_index()
        )
        assert yearly_counts(real_frame).to_dict() == expected_all.to_dict()
        assert yearly_counts(real_frame, segment="female").to_dict() == expected_female.to_dict()
        # ctdc-schema.md: 2020 and 2021 hold 4,120 and 2,060 against 27,840 in 2019.
        counts = yearly_counts(real_frame)
        assert (counts[2019], counts[2020], counts[2021]) == (27840, 4120, 2060)


# --------------------------------------------------------------------------- incomplete years
class TestDetectIncompleteYears:
    def test_release_shape(self):
        # The 2016-2021 counts of the 2021 release (ctdc-schema.md).
        s = series([24930, 17170, 26050, 27840, 4120, 2060], start=2016)
        assert detect_incomplete_years(s) == [2020, 2021]

    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            ([100, 100, 100, 100], []),  # level
            ([100, 120, 140, 160, 180], []),  # rising
            ([100, 100, 100, 40], [2003]),  # one low last year
            ([100, 100, 100, 0], [2003]),  # nothing registered yet
            ([100, 100, 100, 100, 10, 5], [2004, 2005]),
            ([100, 10, 100, 100, 100], []),  # a dip in the middle is not "at the end"
            ([100, 100, 100, 10, 100, 10], [2005]),  # a normal year breaks the run
            ([100, 100, 1], []),  # two reference years are not enough
            ([100, 100, 100, 1], [2003]),
            ([100, 100, 100, 10, 30, 25], [2003, 2004, 2005]),  # the run is judged as a whole
            ([100, 100, 100, 50], []),  # exactly half is not "below half"
            ([100, 100, 100, 49], [2003]),
            ([], []),
        ],
    )
    def test_constructed(self, values, expected):
        assert detect_incomplete_years(series(values)) == expected

    def test_median_ignores_one_odd_reference_year(self):
        # Reference for 2004 is the median of (100, 5, 100) = 100, not the mean 68.
        assert detect_incomplete_years(series([100, 100, 5, 100, 45])) == [2004]

    def test_ratio(self):
        s = series([100, 100, 100, 60])
        assert detect_incomplete_years(s, ratio=0.5) == []
        assert detect_incomplete_years(s, ratio=0.7) == [2003]

    @pytest.mark.real
    def test_real_release(self, real_frame):
        assert detect_incomplete_years(yearly_counts(real_frame)) == [2020, 2021]

    def test_demo(self, demo_frame):
        assert detect_incomplete_years(yearly_counts(demo_frame)) == [2020, 2021]

    def test_sentence(self):
        s = series([26050, 27840, 4120, 2060], start=2018)
        text = incomplete_sentence(s, [2020, 2021], used=False)
        assert text.startswith(
            "2020 and 2021 hold far fewer records (4,120 and 2,060) than 2019 (27,840)"
        )
        assert "left out of the fit" in text
        whole = incomplete_sentence(s, [2020, 2021], used=False, where="Across the whole file")
        assert whole.startswith("Across the whole file, 2020 and 2021 hold far fewer")
        one = incomplete_sentence(s, [2021], used=True)
        assert one.startswith("2021 holds far fewer records (2,060) than 2020 (4,120)")
        assert "keep them in the fit" in one
        assert incomplete_sentence(s, [], used=False) == ""

    def test_sentence_hides_small_counts(self):
        s = series([40, 35, 30, 3], start=2000)
        text = incomplete_sentence(s, [2003], used=False, k=10)
        assert text.startswith("2003 holds far fewer records (<10) than 2002 (30)")


# --------------------------------------------------------------------------- Prophet
class TestForecastSegment:
    # The forecast continues from the last complete year with the chosen model's point
    # forecast; the bands are log-scale random-walk intervals (issue 13). The old tests
    # pinned Prophet's fitted line and its own posterior bands, which are gone.
    def test_drift_continues_an_exact_line(self):
        result = forecast_segment(
            line(2000, 2015), settings=ForecastSettings(horizon=5), model="drift"
        )
        t = result.table
        assert result.fitted and result.model == "drift"
        assert t["year"].tolist() == list(range(2000, 2021))
        assert t["is_forecast"].tolist() == [False] * 16 + [True] * 5
        assert t.loc[t["is_forecast"], "y"].isna().all()
        # Closed form: 1000 + 50 * (year - 2000); the line starts at the last count.
        np.testing.assert_allclose(t["yhat"].iloc[15:], 1000 + 50 * (t["year"].iloc[15:] - 2000))
        assert t["yhat"].iloc[:15].isna().all()

    def test_prophet_continues_an_exact_line(self):
        t = forecast_segment(
            line(2000, 2015), settings=ForecastSettings(horizon=3), model="prophet"
        ).table
        future = t[t["is_forecast"]]
        np.testing.assert_allclose(
            future["yhat"], 1000 + 50 * (future["year"] - 2000), atol=LINE_TOLERANCE
        )

    def test_naive_is_the_default(self):
        t = forecast_segment(line(2000, 2015), settings=ForecastSettings(horizon=2)).table
        assert t.loc[t["is_forecast"], "yhat"].tolist() == [1750.0, 1750.0]

    def test_bands_are_log_random_walk_intervals(self):
        rng = np.random.default_rng(7)
        noisy = line(2000, 2019) + rng.normal(0, 80, 20)
        t = forecast_segment(noisy, settings=ForecastSettings(horizon=2)).table
        future = t[t["is_forecast"]]
        assert (future["yhat_lower"] <= future["yhat_lower_80"]).all()
        assert (future["yhat_lower_80"] < future["yhat_upper_80"]).all()
        assert (future["yhat_upper_80"] <= future["yhat_upper"]).all()
        # By hand: sd of the last 8 yearly changes of log(1 + y); h years ahead the 95%
        # band is log(1 + last) -/+ 1.96 * sd * sqrt(h).
        sd = np.std(np.diff(np.log1p(noisy.to_numpy()))[-8:], ddof=1)
        centre = np.log1p(noisy.iloc[-1])
        for h, row in enumerate(future.itertuples(), start=1):
            assert row.yhat_upper == pytest.approx(np.expm1(centre + 1.959964 * sd * np.sqrt(h)))
            assert row.yhat_lower_80 == pytest.approx(np.expm1(centre - 1.281552 * sd * np.sqrt(h)))

    def test_incomplete_years_left_out(self):
        tail = pd.Series([5.0, 2.0], index=[2014, 2015])
        s = pd.concat([line(2000, 2013), tail])
        out = forecast_segment(
            s, incomplete=[2014, 2015], settings=ForecastSettings(horizon=2), model="drift"
        )
        t = out.table.set_index("year")
        assert out.fit_years == list(range(2000, 2014))
        assert t.loc[[2014, 2015], "excluded_incomplete"].all()
        assert not t.loc[[2014, 2015], "in_fit"].any()
        # Horizons count from the last complete year (2013): the two incomplete years are
        # forecast as 1 and 2 years ahead, 1000 + 50 * 14 and + 50 * 15.
        assert t.index.tolist()[-1] == 2015
        assert t.loc[[2014, 2015], "is_forecast"].all()
        assert t.loc[[2014, 2015], "yhat"].tolist() == pytest.approx([1700, 1750])
        kept = forecast_segment(
            s,
            incomplete=[2014, 2015],
            model="drift",
            settings=ForecastSettings(horizon=2, include_incomplete=True),
        )
        k = kept.table.set_index("year")
        assert not k["excluded_incomplete"].any()
        assert k.loc[[2014, 2015], "in_fit"].all()
        assert k.loc[2017, "yhat"] < 1850 - 500  # the low years drag the trend down

    @pytest.mark.parametrize("n", [0, 1, 2, 3])
    def test_too_few_years_gives_a_sentence(self, n):
        s = line(2000, 2000 + n - 1) if n else pd.Series([], dtype=float)
        result = forecast_segment(s, segment="minor", settings=ForecastSettings(horizon=2))
        assert not result.fitted
        assert result.message.startswith("Minors: ")
        assert "forecast" in result.message
        assert result.table["yhat"].isna().all()
        assert len(result.table) == (n + 2 if n else 0)
        if n == 0:
            assert "no records with a year" in result.message
        else:
            assert f"only {n} complete year" in result.message
            assert f"at least {MIN_FIT_YEARS}" in result.message

    def test_three_complete_years_plus_incomplete_ones(self):
        s = series([100, 110, 120, 10, 5])
        result = forecast_segment(s, incomplete=[2003, 2004])
        assert not result.fitted
        assert "only 3 complete years of data (2000, 2001, 2002)" in result.message

    def test_four_years_fit(self):
        result = forecast_segment(
            line(2000, 2003), settings=ForecastSettings(horizon=1), model="drift"
        )
        assert result.fitted
        assert result.table["yhat"].iloc[-1] == pytest.approx(1200)

    def test_never_negative(self):
        # 1000 falling by 150 a year crosses 0 in 2006.67: 2007 onwards is held at 0.
        t = forecast_segment(
            line(2000, 2005, slope=-150), model="drift", settings=ForecastSettings(horizon=4)
        ).table.set_index("year")
        assert t.loc[2006, "yhat"] == pytest.approx(100)
        assert (t.loc[2007:, ["yhat", "yhat_lower", "yhat_lower_80"]] == 0).all().all()
        assert (t.loc[2006:, "yhat_upper"] >= 0).all()

    def test_reproducible(self):
        rng = np.random.default_rng(3)
        noisy = line(2000, 2012) + rng.normal(0, 40, 13)
        a = forecast_segment(noisy).table
        b = forecast_segment(noisy).table
        pd.testing.assert_frame_equal(a, b)

    def test_fit_series(self):
        s = series([1, 2, 3, 0])
        assert fit_series(s, [2003], include_incomplete=False).index.tolist() == [2000, 2001, 2002]
        assert fit_series(s, [2003], include_incomplete=True).index.tolist() == [
            2000,
            2001,
            2002,
            2003,
        ]


# --------------------------------------------------------------------------- title, chart, tables
def handmade(segment: str, *, last: float, end: float, low: float, high: float) -> SegmentForecast:
    """A fitted-looking result without Prophet: fit 2017-2019, forecast 2020-2021."""
    table = pd.DataFrame(
        {
            "year": [2017, 2018, 2019, 2020, 2021],
            "y": [last, last, last, np.nan, np.nan],
            "yhat": [last, last, last, (last + end) / 2, end],
            "yhat_lower": [last - 1, last - 1, last - 1, low, low],
            "yhat_upper": [last + 1, last + 1, last + 1, high, high],
            "yhat_lower_80": [last, last, last, low + 1, low + 1],
            "yhat_upper_80": [last, last, last, high - 1, high - 1],
            "is_forecast": [False, False, False, True, True],
            "excluded_incomplete": [False] * 5,
            "in_fit": [True, True, True, False, False],
        }
    )
    return SegmentForecast(
        segment, SEGMENTS[segment].label, table, fitted=True, fit_years=[2017, 2018, 2019]
    )


class TestTitle:
    # The headline compares with the last complete year and says "rises" or "falls" only
    # when the 80% band leaves that year's count out (issue 13; it used to compare with a
    # three-year mean and call any change above 5% a rise).
    def test_single_rising(self):
        title, sub = forecast_title([handmade("all", last=100, end=120, low=110, high=130)], k=10)
        assert title == "By 2021 the forecast rises for All records (+20%)"
        assert sub == (
            'Change from the last complete year (2019); "no clear change" where '
            "the 80% band still includes that year's count."
        )

    def test_base_is_the_last_complete_year(self):
        r = handmade("all", last=100, end=120, low=110, high=130)
        r.table.loc[0:2, "y"] = [60.0, 120.0, 80.0]  # 2019 holds 80 (the 3-year mean 86.7)
        title, _ = forecast_title([r], k=10)
        assert title == "By 2021 the forecast rises for All records (+50%)"

    def test_never_rises_when_the_80_band_includes_no_change(self):
        # +30%, but the 80% band (91-159) still holds 2019's 100.
        title, _ = forecast_title([handmade("all", last=100, end=130, low=90, high=160)], k=10)
        assert title == "By 2021 the forecast shows no clear change for All records (+30%)"

    def test_groups_and_uncertainty(self):
        results = [
            handmade("female", last=200, end=150, low=100, high=210),  # -25%, 80% band spans 200
            handmade("male", last=100, end=102, low=90, high=110),  # +2%, spans 100
            handmade("minor", last=50, end=60, low=55, high=65),  # +20%, band 56-64
            handmade("adult", last=100, end=70, low=60, high=80),  # -30%, band 61-79
        ]
        title, _ = forecast_title(results, k=10)
        assert title == (
            "By 2021 the forecast rises for Minors (+20%); falls for Adults (-30%); "
            "shows no clear change for Female (women and girls) (-25%) and "
            "Male (men and boys) (+2%)"
        )

    def test_small_counts_not_quoted(self):
        title, _ = forecast_title([handmade("all", last=5, end=8, low=1, high=12)], k=10)
        assert title == "The counts in this slice are too small (below 10) to state a trend"
        unfitted = forecast_segment(series([1, 2]))
        assert forecast_title([unfitted], k=10)[0] == "Too few years to forecast in this slice"

    @pytest.mark.slow
    def test_chart(self):
        results = [
            handmade("all", last=100, end=120, low=110, high=130),
            handmade("minor", last=5, end=8, low=1, high=12),
        ]
        data = chart_frame(results, k=10)
        assert data.loc[data["key"] == "minor", "y"].isna().all()  # 5 < k: not drawn
        assert data.loc[data["key"] == "all", "y"].notna().sum() == 3
        # Bands start at the last fitted year so they join the line.
        assert data.loc[data["band"], "year"].tolist() == [2019, 2020, 2021] * 2
        spec = forecast_chart(results, k=10, layout="overlay").to_dict()
        assert spec["title"]["text"] == "By 2021 the forecast rises for All records (+20%)"
        colours = spec["layer"][0]["encoding"]["color"]["scale"]["range"]
        assert colours == ["#0072B2", "#D55E00"]  # Okabe-Ito blue and vermillion
        facet_chart = forecast_chart(results, k=10, layout="facet")
        assert "facet" in facet_chart.to_dict()
        # The page's "Chart (PNG)" download renders through vl-convert.
        from core.export import altair_png

        assert altair_png(facet_chart)[:8] == b"\x89PNG\r\n\x1a\n"
        json.dumps(facet_chart.to_dict())

    def test_forecast_table(self):
        table = forecast_table([handmade("all", last=100, end=120, low=110, high=130)])
        assert table["Forecast"].notna().tolist() == [False, False, False, True, True]
        assert table["Model"].tolist()[-1] == "Naive (repeat the last year)"
        assert table["Forecast"].tolist()[-1] == 120
        assert table["Observed"].tolist()[:3] == [100, 100, 100]


# --------------------------------------------------------------------------- whole runs
class TestRunSegments:
    # run_segments now runs the rolling backtest and forecasts with the model the
    # declared rule picks (it used to fit Prophet and hold out 2017-2019).
    def test_demo(self, demo_frame):
        incomplete, forecasts, tested = run_segments(
            demo_frame, segments=["all", "minor"], settings=ForecastSettings(horizon=2)
        )
        assert incomplete == [2020, 2021]
        assert [f.segment for f in forecasts] == ["all", "minor"]
        assert all(f.fitted for f in forecasts)
        assert tested.chosen in CANDIDATES
        assert tested.chosen == choose_model(tested.scores)
        assert {f.model for f in forecasts} == {tested.chosen}
        # Horizons 1-2 from the last complete year, 2019: the forecast years are 2020-2021.
        t = forecasts[0].table
        assert t.loc[t["is_forecast"], "year"].tolist() == [2020, 2021]
        # The naive rows, recomputed from the frame: from origin 2016, 2017 is 2016's count.
        years = demo_frame["yearOfRegistration"].dropna().astype(int)
        c = years.value_counts()
        row = tested.rows.query(
            "segment == 'all' and model == 'naive' and origin == 2016 and horizon == 1"
        ).iloc[0]
        assert (row.forecast, row.actual) == (c[2016], c[2017])
        assert sorted(tested.rows["origin"].unique())[0] == (int(years.min()) + MIN_TRAIN_YEARS - 1)

    def test_defaults_cover_the_issue(self):
        assert set(DEFAULT_SEGMENTS) >= {"all", "female", "male", "adult", "minor"}


# --------------------------------------------------------------------------- rolling backtest
def random_walk(
    n: int, *, seed: int, sd: float = 0.1, start: float = 1000.0, first_year: int = 1960
) -> pd.Series:
    """Counts whose log follows a random walk with normal steps (no drift)."""
    steps = np.random.default_rng(seed).normal(0.0, sd, n - 1)
    values = start * np.exp(np.concatenate([[0.0], np.cumsum(steps)]))
    return pd.Series(values, index=range(first_year, first_year + n))


class TestMase:
    def test_by_hand(self):
        assert mase_scale([10, 14, 12]) == 3.0  # |4|, |-2|
        assert mase([10, 20], [12, 17], scale=2.5) == pytest.approx(1.0)  # (2 + 3) / 2 / 2.5
        assert np.isnan(mase([1], [1], scale=0.0))

    def test_straight_line_drift_is_exact(self):
        # 2000-2015, origins 2007-2014 (8 training years first). Horizons 1-3 while the
        # data last: 6 origins x 3 + 2 + 1 = 21 forecasts. Naive's error h * 50 over a
        # scale of 50 is h: (6 * (1 + 2 + 3) + (1 + 2) + 1) / 21 = 40 / 21.
        tested = rolling_backtest({"all": line(2000, 2015)}, horizon=3, models=("naive", "drift"))
        assert tested.score("drift", "mase") == pytest.approx(0.0, abs=1e-12)
        assert tested.score("naive", "mase") == pytest.approx(40 / 21)
        assert tested.score("naive", "forecasts") == 21
        assert (tested.score("drift", "ratio_low"), tested.score("drift", "ratio_high")) == (0, 0)
        assert tested.chosen == "drift"

    def test_random_walk_naive_wins(self):
        # On pure random walks no candidate can beat repeating the last value by more
        # than chance, so the rule keeps the naive forecast.
        walks = {f"s{i}": random_walk(30, seed=i) for i in range(4)}
        tested = rolling_backtest(walks, horizon=3, models=("naive", "drift", "theta"))
        assert tested.chosen == "naive"
        for model in ("drift", "theta"):
            assert tested.score(model, "ratio_high") >= 1

    def test_a_step(self):
        # 100 a year for 2000-2009, then 200 for 2010-2019. Origins before the step have
        # a flat history: their MASE scale is 0, so they are left out. From 2010 on,
        # naive repeats 200 and is exact, while drift keeps climbing by the step spread
        # over the training years, 100 / (n - 1) a year: an error of h scales, so the
        # ratio to naive is undefined (naive's error is 0) and the rule keeps naive.
        step = series([100.0] * 10 + [200.0] * 10)
        tested = rolling_backtest({"all": step}, horizon=2, models=("naive", "drift"))
        scored = tested.rows[tested.rows["actual"].notna() & (tested.rows["scale"] > 0)]
        assert scored["origin"].min() == 2010
        assert tested.score("naive", "mase") == 0
        # Origins 2010-2017 have both horizons, 2018 one: (8 * (1 + 2) + 1) / 17.
        assert tested.score("drift", "mase") == pytest.approx(25 / 17)
        assert tested.chosen == "naive"


class TestBootstrap:
    def test_two_origins_by_hand(self):
        # Resamples of origins {a, b}: aa 2/4, ab or ba 4/4, bb 6/4; a quarter each side.
        ratio, low, high = ratio_interval(np.array([1.0, 3.0]), np.array([2.0, 2.0]))
        assert (ratio, low, high) == (1.0, 0.5, 1.5)

    def test_constant_ratio(self):
        assert ratio_interval(np.array([1.0, 2, 3]), np.array([2.0, 4, 6])) == (0.5, 0.5, 0.5)

    def test_seeded(self):
        m, n = np.arange(1.0, 11), np.arange(2.0, 12)
        assert ratio_interval(m, n, seed=1) == ratio_interval(m, n, seed=1)


class TestChooseModel:
    @staticmethod
    def scores(mase, high):
        return pd.DataFrame(
            {"model": ["naive", "drift", "prophet", "theta"], "mase": mase, "ratio_high": high}
        )

    def test_lowest_sure_model(self):
        assert choose_model(self.scores([1.0, 0.9, 0.95, 0.97], [1, 0.98, 0.99, 0.99])) == "drift"

    def test_lowest_not_sure_next_is(self):
        # Prophet is lowest but its interval reaches 1: the next sure one, drift.
        assert choose_model(self.scores([1.0, 0.93, 0.92, 0.97], [1, 0.98, 1.02, 1.1])) == "drift"

    def test_none_sure(self):
        assert choose_model(self.scores([1.0, 0.9, 0.95, 0.97], [1, 1.0, 1.2, 1.01])) == "naive"

    def test_worse_than_naive(self):
        assert choose_model(self.scores([1.0, 1.2, 1.3, 1.1], [1, 1.3, 1.4, 1.2])) == "naive"

    def test_naive_alone(self):
        assert (
            choose_model(pd.DataFrame({"model": ["naive"], "mase": [1.0], "ratio_high": [1.0]}))
            == "naive"
        )


class TestPool:
    """The automatic choice picks from a pre-declared pool without Prophet (issue 13)."""

    def test_declared(self):
        assert AUTO_POOL == ("naive", "drift", "ets", "theta")
        assert set(AUTO_POOL) < set(CANDIDATES)
        assert set(CANDIDATES) - set(AUTO_POOL) == {"prophet"}

    def test_a_model_outside_the_pool_is_never_picked(self):
        # Prophet lowest and sure: with the whole list as the pool it would win.
        scores = TestChooseModel.scores([1.0, 0.95, 0.80, 0.97], [1, 0.99, 0.85, 1.1])
        assert choose_model(scores, pool=CANDIDATES) == "prophet"
        assert choose_model(scores) == "drift"
        assert choose_model(scores.assign(ratio_high=[1, 1.01, 0.85, 1.1])) == "naive"

    @pytest.mark.slow
    @pytest.mark.parametrize(("case", "expected"), [("line", "drift"), ("random_walks", "naive")])
    def test_choice_unchanged_where_prophet_does_not_win(self, case, expected):
        # Constructed series on which Prophet, backtested in the full list, does not win
        # (an exact line: drift is exact, Prophet within a day's slope; random walks:
        # nothing beats naive): the choice from the pool is the choice from all five.
        cases = {
            "line": {"all": line(2000, 2015)},
            "random_walks": {f"s{i}": random_walk(18, seed=20 + i) for i in range(3)},
        }
        full = rolling_backtest(cases[case], horizon=3, models=CANDIDATES, pool=CANDIDATES)
        pooled = rolling_backtest(cases[case], horizon=3)
        assert full.chosen != "prophet"
        assert set(pooled.scores["model"]) == set(AUTO_POOL)
        assert full.chosen == pooled.chosen == expected
        # The pool's scores do not depend on Prophet having been tested beside them.
        both = full.scores.set_index("model").loc[list(AUTO_POOL), ["mase", "ratio"]]
        pd.testing.assert_frame_equal(both, pooled.scores.set_index("model")[["mase", "ratio"]])

    @pytest.mark.slow
    def test_where_prophet_would_win_the_pool_does_not_pick_it(self):
        # A noisy straight line is Prophet's case (as configured it is close to an OLS
        # line, which averages the noise out; drift runs from the first to the last
        # noisy point): with Prophet in the pool it wins; the pool picks from the rest.
        noise = np.random.default_rng(7).normal(0, 40, 18)
        noisy = {"a": line(2000, 2017) + noise, "b": line(2000, 2017, at0=500) - noise}
        full = rolling_backtest(noisy, horizon=3, models=CANDIDATES, pool=CANDIDATES)
        pooled = rolling_backtest(noisy, horizon=3, models=CANDIDATES)
        assert full.chosen == "prophet"
        assert pooled.chosen in AUTO_POOL
        assert pooled.chosen == choose_model(full.scores)

    def test_real_release_choice_unchanged(self, real_frame):
        # On the 2021-08-25 release, with Prophet backtested beside the pool, the rule over
        # all five candidates picks what the pool picks: Prophet's interval reaches 1.
        data = prepare_segments(real_frame, segments=DEFAULT_SEGMENTS)
        series = {
            key: fit_series(data.series[key], data.incomplete, include_incomplete=False)
            for key in DEFAULT_SEGMENTS
        }
        rows = backtest_rows(series, horizon=3, models=CANDIDATES)
        full = summarise(rows, horizon=3, pool=CANDIDATES)
        pooled = summarise(rows, horizon=3)
        assert full.score("prophet", "ratio_high") >= 1
        assert full.chosen == pooled.chosen == "drift"
        assert pooled.score("drift", "ratio_high") < 1

    @pytest.mark.slow
    def test_picked_prophet_is_tested_beside_the_pool(self, small_frame):
        data = prepare_segments(small_frame, segments=["all"])
        series = {"all": line(2000, 2013)}
        tested = rolling_backtest(series, horizon=2, models=(*AUTO_POOL, "prophet"))
        assert set(tested.scores["model"]) == set(CANDIDATES)
        assert tested.chosen == "drift"  # an exact line; Prophet is exact too, but not pooled
        assert tested.pool == AUTO_POOL
        # slice_backtest adds the model of the settings when it is outside the pool.
        default = slice_backtest(data, settings=ForecastSettings(horizon=1))
        picked = slice_backtest(data, settings=ForecastSettings(horizon=1, model="prophet"))
        assert "prophet" not in set(default.rows["model"])
        assert "prophet" in set(picked.rows["model"]) or not picked.ran


class TestCoverage:
    def test_by_hand(self):
        rows = pd.DataFrame(
            {
                "model": "naive",
                "horizon": [1, 1, 2, 2],
                "actual": [5.0, 9.0, 5.0, np.nan],
                "lower_80": 4.0,
                "upper_80": 6.0,
                "lower_95": 3.0,
                "upper_95": 9.0,
            }
        )
        cov = coverage_by_horizon(rows).set_index("horizon")
        assert cov.loc[1, "coverage_80"] == 0.5 and cov.loc[1, "coverage_95"] == 1.0
        assert cov.loc[2, "forecasts"] == 1  # the future horizon has no outcome

    def test_simulated_random_walk_near_nominal(self):
        # Log-normal random walks: the naive forecast with log-scale random-walk bands
        # is the right model, so its coverage must land near 80% and 95% (the sd comes
        # from 8 changes, so a little under: a t with 7 degrees of freedom gives 76%, 92%).
        walks = {f"s{i}": random_walk(60, seed=100 + i) for i in range(6)}
        tested = rolling_backtest(walks, horizon=3, models=("naive",))
        cov = tested.coverage.set_index("horizon")
        for h in (1, 2, 3):
            assert cov.loc[h, "coverage_80"] == pytest.approx(0.80, abs=0.07)
            assert cov.loc[h, "coverage_95"] == pytest.approx(0.95, abs=0.05)

    def test_bands_by_hand(self):
        # 80 records: log(81) -/+ 1.2816 * 0.2 * sqrt(h).
        lo, hi = log_random_walk_bands(np.array([80.0, 80.0]), 0.2, level=80, n_train=10)
        assert hi[1] == pytest.approx(81 * np.exp(1.281552 * 0.2 * np.sqrt(2)) - 1)
        assert lo[0] == pytest.approx(81 * np.exp(-1.281552 * 0.2) - 1)
        # With drift the spread is h * (1 + h / (n - 1)): 2 * (1 + 2 / 9).
        _, hi_drift = log_random_walk_bands(
            np.array([80.0, 80.0]), 0.2, level=80, n_train=10, drift=True
        )
        assert hi_drift[1] == pytest.approx(81 * np.exp(1.281552 * 0.2 * np.sqrt(2 * 11 / 9)) - 1)

    def test_step_sd_uses_the_last_eight_changes(self):
        y = np.expm1(np.cumsum([0.0, 5, 5, 5, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2]))
        # The last eight log-changes alternate 0.1 / 0.2: sd (ddof 1) = 0.05 * sqrt(8/7).
        assert step_sd(y) == pytest.approx(0.05 * np.sqrt(8 / 7))


# --------------------------------------------------------------------------- options
class TestOptions:
    """Every public function that takes a choice refuses any other, naming the allowed ones."""

    SEGMENT_ERROR = (
        "unknown segment 'women'; choose from all, female, male, adult, minor, sexual, labour"
    )
    MODEL_ERROR = "unknown model 'arima'; choose from naive, drift, prophet, ets, theta"

    @staticmethod
    def backtested() -> RollingBacktest:
        return rolling_backtest({"all": line(2000, 2012)}, horizon=2, models=("naive", "drift"))

    def test_segments(self, small_frame):
        assert check_segments(("all", "labour")) == ["all", "labour"]
        with pytest.raises(ValueError, match=f"^{self.SEGMENT_ERROR}$"):
            check_segments(["all", "women"])
        with pytest.raises(ValueError, match=self.SEGMENT_ERROR):
            yearly_counts(small_frame, segment="women")
        with pytest.raises(ValueError, match=self.SEGMENT_ERROR):
            prepare_segments(small_frame, segments=["women"])
        with pytest.raises(ValueError, match=self.SEGMENT_ERROR):
            run_segments(small_frame, segments=["all", "women"])
        with pytest.raises(ValueError, match=self.SEGMENT_ERROR):
            forecast_segment(line(2000, 2010), segment="women")

    def test_segment_missing_from_the_slice(self, small_frame):
        data = prepare_segments(small_frame, segments=["all"])
        with pytest.raises(ValueError, match="no series for segment 'labour'; choose from all"):
            slice_backtest(data, segments=["labour"])

    def test_models(self, small_frame):
        assert check_model("ets") == "ets"
        with pytest.raises(ValueError, match=f"^{self.MODEL_ERROR}$"):
            check_model("arima")
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            ForecastSettings(model="arima")
        # It used to fall back to the naive forecast with a note, as for a failed fit.
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            forecast_segment(line(2000, 2010), model="arima")
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            point_forecast("arima", line(2000, 2010), horizon=1)
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            model_label("arima")
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            backtest_rows({"all": line(2000, 2012)}, models=("naive", "arima"))
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            rolling_backtest({"all": line(2000, 2012)}, models=("arima",))
        data = prepare_segments(small_frame, segments=["all"])
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            slice_backtest(data, models=("naive", "arima"))

    def test_models_in_the_words(self):
        tested = self.backtested()
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            rolling_sentence(tested, model="arima")
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            coverage_sentence(tested, model="arima")
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            score_table(tested, models=["naive", "arima"])
        with pytest.raises(ValueError, match=self.MODEL_ERROR):
            score_table(tested, shown="arima")
        # The allowed ones still work (a model the backtest did not score is left out).
        assert score_table(tested, models=["drift", "theta"])["Model"].tolist() == [
            "Drift (the last year plus the average yearly change)"
        ]

    def test_layout(self):
        results = [handmade("all", last=100, end=120, low=110, high=130)]
        assert LAYOUTS == ("overlay", "facet")
        with pytest.raises(
            ValueError, match=r"^unknown layout 'grid'; choose from overlay, facet$"
        ):
            forecast_chart(results, k=10, layout="grid")

    def test_small_multiples_stack_in_one_column_for_a_phone(self):
        results = [
            handmade("all", last=100, end=120, low=110, high=130),
            handmade("female", last=60, end=70, low=65, high=75),
        ]
        wide = forecast_chart(results, k=10, layout="facet").to_dict()
        phone = forecast_chart(results, k=10, layout="facet", columns=1).to_dict()
        assert (wide["columns"], phone["columns"]) == (2, 1)
        # a panel and its axis fit 390 px
        assert phone["spec"]["width"] < wide["spec"]["width"] <= 330
        for bad in (0, 5, 1.5, True):
            with pytest.raises(ValueError, match="columns must be a whole number from 1 to 4"):
                forecast_chart(results, k=10, layout="facet", columns=bad)

    def test_long_subtitle_wraps_on_screen(self):
        from core.palette import SUBTITLE_LINE, for_screen

        results = [handmade("all", last=100, end=120, low=110, high=130)]
        subtitle = "A subtitle of many words that would set the width of the chart " * 2
        chart = forecast_chart(results, k=10, title=("Short title", subtitle))
        lines = for_screen(chart).to_dict()["title"]["subtitle"]
        assert isinstance(lines, list) and len(lines) > 1
        assert all(len(line) <= SUBTITLE_LINE for line in lines)
        assert " ".join(lines) == " ".join(subtitle.split())


class TestPalette:
    def test_segment_colours_are_okabe_ito(self):
        # The hex values the chart used before core.palette was its one source.
        assert SEGMENT_COLOURS == {
            "all": "#0072B2",
            "female": "#E69F00",
            "male": "#56B4E9",
            "adult": "#009E73",
            "minor": "#D55E00",
            "sexual": "#CC79A7",
            "labour": "#000000",
        }
        assert set(SEGMENT_COLOURS.values()) <= set(OKABE_ITO)
