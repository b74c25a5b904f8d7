"""Trends and forecast: yearly registrations, a Prophet forecast by group, and how far to trust it."""

import pandas as pd
import streamlit as st

from core.app import data_note, setup_page, show_altair, show_table
from core.forecast import (
    DEFAULT_SEGMENTS,
    HOLDOUT_YEARS,
    MIN_BACKTEST_YEARS,
    MIN_FIT_YEARS,
    SEGMENTS,
    Backtest,
    ForecastSettings,
    SegmentForecast,
    YearlyData,
    available_segments,
    backtest,
    backtest_sentence,
    backtest_table,
    fit_series,
    forecast_chart,
    forecast_segment,
    forecast_table,
    forecast_title,
    incomplete_sentence,
    prepare_segments,
)

ctx = setup_page(
    "Trends and forecast",
    icon="📈",
    intro=(
        "Is the number of identified victims rising, and for whom? This page counts "
        "registrations per year for the records in view, forecasts the next years with "
        "Prophet, and tests how well that forecast would have done on recent years. "
        "The counts are of victims identified by CTDC partners, not of all trafficking."
    ),
)

FLEXIBILITY = {
    0.005: "very stiff (0.005)",
    0.01: "stiff (0.01)",
    0.05: "moderate (0.05, Prophet's default)",
    0.1: "flexible (0.1)",
    0.5: "very flexible (0.5)",
}


@st.cache_data(show_spinner=False, max_entries=20)
def _yearly(_frame: pd.DataFrame, _full: pd.DataFrame, key: str,
            segments: tuple[str, ...]) -> YearlyData:
    return prepare_segments(_frame, segments=segments, reference=_full)


@st.cache_data(show_spinner=False, max_entries=300)
def _forecast(_counts: pd.Series, key: str, segment: str, incomplete: tuple[int, ...],
              horizon: int, flexibility: float, include_incomplete: bool) -> SegmentForecast:
    settings = ForecastSettings(horizon=horizon, changepoint_prior_scale=flexibility,
                                include_incomplete=include_incomplete)
    return forecast_segment(_counts, segment=segment, incomplete=incomplete, settings=settings)


@st.cache_data(show_spinner=False, max_entries=300)
def _backtest(_counts: pd.Series, key: str, segment: str, incomplete: tuple[int, ...],
              flexibility: float, include_incomplete: bool, k: int) -> Backtest:
    train = fit_series(_counts, incomplete, include_incomplete=include_incomplete)
    return backtest(train, segment=segment, changepoint_prior_scale=flexibility, k=k)


# --------------------------------------------------------------------------- choices
offered = available_segments(ctx.frame)
left, middle, right = st.columns([4, 2, 2])
chosen = left.multiselect(
    "Groups to forecast", offered, default=[s for s in DEFAULT_SEGMENTS if s in offered],
    format_func=lambda key: SEGMENTS[key].label, key="fc_segments",
    help="Each group gets its own forecast. Gender, majority status and type of "
    "exploitation count only the records where that field is known.",
)
horizon = middle.slider("Years to forecast", min_value=1, max_value=10, value=3,
                        key="fc_horizon")
layout = right.radio("Show groups", ["Side by side", "On one chart"], key="fc_layout",
                     horizontal=True)
include_incomplete = st.toggle(
    "Use the incomplete recent years in the fit", value=False, key="fc_include_incomplete",
    help="The last years hold fewer records because registration lags. Left out by "
    "default, since they would pull the trend down.",
)
with st.expander("Advanced"):
    flexibility = st.select_slider(
        "How quickly the trend may change direction (Prophet's changepoint prior scale)",
        options=list(FLEXIBILITY), value=0.05, format_func=FLEXIBILITY.get,
        key="fc_changepoint",
        help="Stiffer gives a near-straight line; more flexible follows recent turns "
        "more closely but can overreact to one unusual year.",
    )

if not chosen:
    st.info("Pick at least one group above to see its trend and forecast.")
    st.stop()

# --------------------------------------------------------------------------- fitting
yearly = _yearly(ctx.frame, ctx.full, ctx.cache_key, tuple(chosen))
total, incomplete, series = yearly.total, yearly.incomplete, yearly.series
if total.empty:
    st.info(
        "None of the records in view has a year of registration, so there is no trend "
        "to show. Tick 'Include records with no year' off and widen the year range, or "
        "reset the filters in the sidebar."
    )
    st.stop()
if incomplete:
    whole_file = len(ctx.frame) < len(ctx.full)
    st.info(incomplete_sentence(yearly.reference, incomplete, used=include_incomplete, k=ctx.k,
                                where="Across the whole file" if whole_file else ""),
            icon=":material/schedule:")

results: list[SegmentForecast] = []
tests: list[Backtest] = []
progress = st.progress(0.0, text="Fitting the forecasts…")
for i, key in enumerate(chosen):
    progress.progress(i / len(chosen),
                      text=f"Fitting {SEGMENTS[key].label} ({i + 1} of {len(chosen)})…")
    results.append(_forecast(series[key], ctx.cache_key, key, tuple(incomplete), horizon,
                             flexibility, include_incomplete))
    tests.append(_backtest(series[key], ctx.cache_key, key, tuple(incomplete),
                           flexibility, include_incomplete, ctx.k))
progress.empty()

for result in results:
    if not result.fitted:
        st.info(result.message)

# --------------------------------------------------------------------------- chart
drawable = [r for r in results if r.fitted or r.table["y"].notna().any()]
n_dated = int(total.sum())
n_undated = len(ctx.frame) - n_dated
if drawable:
    chart = forecast_chart(drawable, k=ctx.k,
                           layout="facet" if layout == "Side by side" else "overlay",
                           title=forecast_title(drawable, k=ctx.k))
    key_text = (
        "Solid line and dots: records registered each year; dashed line: Prophet's fit and "
        "forecast; shaded: 80% (darker) and 95% (lighter) intervals"
        + ("; grey diamonds: incomplete years left out of the fit" if incomplete
           and not include_incomplete else "")
        + f". Counts below {ctx.k} are not drawn. "
    )
    undated = (f" {n_undated:,} records in view have no year and are not counted."
               if n_undated else "")
    table = forecast_table(drawable)
    show_altair(chart, table, name="fc_chart", caption=key_text + data_note(n_dated) + undated,
                k=ctx.k, count_columns=["Observed"],
                dependent_columns=["Fitted", "Forecast", "80% low", "80% high",
                                   "95% low", "95% high"])
    with st.expander("The numbers behind the chart"):
        show_table(table, name="fc_table", k=ctx.k, count_columns=["Observed"],
                   dependent_columns=["Fitted", "Forecast", "80% low", "80% high",
                                      "95% low", "95% high"],
                   caption="Fitted: the model's value for a year it was fitted on. Forecast: "
                   "its value for a year it did not see. " + data_note(n_dated))

# --------------------------------------------------------------------------- backtest
st.subheader("Would this forecast have worked before?")
st.markdown(
    f"Each model is fitted again without the last {HOLDOUT_YEARS} years in the fit and asked "
    "to forecast them. Prophet is compared with simply repeating the last year and with "
    "a straight line. Lower errors are better."
)
for test in tests:
    st.markdown(f"- {backtest_sentence(test)}")
scores = backtest_table(tests)
if not scores.empty:
    show_table(scores, name="fc_backtest", k=ctx.k,
               caption="Mean error: the average gap between forecast and observed count over "
               "the held-out years, in records and as a share of the observed count. "
               + data_note(n_dated))

with st.expander("How the forecast works, and its limits"):
    st.markdown(
        f"""
- **Yearly points.** Each year's count is one point dated 1 January; Prophet fits a trend
  that may bend at a few points in time, with no seasonal pattern (there is none in
  yearly totals).
- **Thin data.** About twenty yearly points, and fewer per group, can only support a
  rough trend. With the default flexibility Prophet stays close to a straight line,
  which the backtest shows.
- **Intervals.** The bands come from 1,000 simulated futures of the fitted model: 80%
  and 95% of them fall inside the darker and lighter band. They cover the ups and downs
  seen in the past, not sudden changes in how partners identify or record victims.
- **Incomplete years.** Years at the end that hold less than half the level of the
  years before are treated as not yet fully registered.
- **Groups.** A group counts the records where its field is known, so groups do not add
  up to all records. Counts cannot be negative: forecasts are held at 0 or above.
- **Identified cases, not prevalence.** A rising count can mean more trafficking, more
  identification, or more partners sharing data.
- At least {MIN_FIT_YEARS} complete years are needed to forecast and {MIN_BACKTEST_YEARS}
  to run the backtest.
"""
    )
