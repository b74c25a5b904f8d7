"""Trends and forecast: yearly registrations, a forecast by group picked by a rolling backtest, and how far to trust it."""

import pandas as pd
import streamlit as st

from core.app import bound, on_a_phone, setup_page, show_altair, show_table
from core.forecast.backtest import MIN_TRAIN_YEARS, backtest_rows, summarise
from core.forecast.charts import forecast_chart
from core.forecast.models import AUTO_POOL, MODEL_LABELS
from core.forecast.protect import hide_small_bases, protect_observed
from core.forecast.run import ForecastSettings, fit_series, forecast_segment
from core.forecast.series import (
    DEFAULT_SEGMENTS,
    MIN_FIT_YEARS,
    SEGMENTS,
    SegmentForecast,
    YearlyData,
    available_segments,
    prepare_segments,
)
from core.forecast.words import (
    basis_note,
    coverage_sentence,
    forecast_table,
    forecast_title,
    incomplete_sentence,
    pool_words,
    rolling_sentence,
    score_table,
    undated_note,
)
from core.glossary import glossary_markdown

ctx = setup_page(
    "Trends and forecast",
    icon="📈",
    intro=(
        "Is the number of identified victims rising, and for whom? This page counts "
        "registrations per year for the records in view, tests four quick forecasting "
        "methods on every past year it can, and forecasts the next years with the one that "
        "did best by a rule declared below (or with the last year's count if none did); "
        "Prophet can be picked and tested under Advanced. "
        "The counts are of victims identified by CTDC partners, not of all trafficking."
    ),
)

AUTO = "auto"
MODEL_CHOICES = {AUTO: "Chosen by the backtest (the declared rule)", **MODEL_LABELS}


@st.cache_data(show_spinner=False, max_entries=20)
def _yearly(
    _frame: pd.DataFrame, _full: pd.DataFrame, key: str, segments: tuple[str, ...]
) -> YearlyData:
    return prepare_segments(_frame, segments=segments, reference=_full)


@st.cache_data(show_spinner=False, max_entries=300)
def _forecast(
    _counts: pd.Series,
    key: str,
    segment: str,
    incomplete: tuple[int, ...],
    horizon: int,
    include_incomplete: bool,
    model: str,
    prior: float,
) -> SegmentForecast:
    settings = ForecastSettings(horizon=horizon, include_incomplete=include_incomplete)
    return forecast_segment(
        _counts, segment=segment, incomplete=incomplete, settings=settings, model=model, prior=prior
    )


@st.cache_data(show_spinner=False, max_entries=300)
def _backtest_rows(
    _counts: pd.Series,
    key: str,
    segment: str,
    incomplete: tuple[int, ...],
    horizon: int,
    include_incomplete: bool,
) -> pd.DataFrame:
    """One segment's rolling backtest (every model at every origin), cached per slice.

    Progress is shown per segment, outside: a cached function may not draw on elements
    made outside it (Streamlit replays what it draws).
    """
    train = fit_series(_counts, incomplete, include_incomplete=include_incomplete)
    return backtest_rows({segment: train}, horizon=horizon, models=AUTO_POOL)


@st.cache_data(show_spinner=False, max_entries=100)
def _picked_rows(
    _counts: pd.Series,
    key: str,
    segment: str,
    incomplete: tuple[int, ...],
    horizon: int,
    include_incomplete: bool,
    model: str,
) -> pd.DataFrame:
    """The rolling backtest of a picked model outside the pool (Prophet), cached per
    slice; run only when a user picks it under Advanced."""
    train = fit_series(_counts, incomplete, include_incomplete=include_incomplete)
    rows = backtest_rows({segment: train}, horizon=horizon, models=("naive", model))
    return rows[rows["model"] == model]


# --------------------------------------------------------------------------- the forecast
# Every choice below (groups, years, layout, the incomplete years, the method) changes
# only this section: the chart, its table and downloads, the backtest. So it runs as a
# fragment: a change reruns it alone, not the sidebar or the rest of the page. Each
# widget stays bound to its URL parameter, so a reload or a link reproduces the view.
@st.fragment
def forecast_section() -> None:
    """The choices, the fit, the chart and the backtest; reruns alone on a change."""
    # ----------------------------------------------------------------------- choices
    offered = available_segments(ctx.frame)
    left, middle, right = st.columns([4, 2, 2])
    chosen = left.multiselect(
        "Groups to forecast",
        offered,
        default=[s for s in DEFAULT_SEGMENTS if s in offered],
        format_func=lambda key: SEGMENTS[key].label,
        **bound("fc_segments", options=offered, keep_empty=True),
        help="Each group gets its own forecast. Gender, majority status and type of "
        "exploitation count only the records where that field is known.",
    )
    horizon = middle.slider(
        "Years to forecast", min_value=1, max_value=10, value=3, **bound("fc_horizon")
    )
    layout = right.radio(
        "Show groups", ["Side by side", "On one chart"], **bound("fc_layout"), horizontal=True
    )
    include_incomplete = st.toggle(
        "Use the incomplete recent years in the fit",
        value=False,
        **bound("fc_include_incomplete"),
        help="The last years hold fewer records because registration lags. Left out by "
        "default, since they would pull the trend down.",
    )
    with st.expander("Advanced"):
        picked = st.selectbox(
            "Forecasting method",
            list(MODEL_CHOICES),
            format_func=MODEL_CHOICES.get,
            **bound("fc_model"),
            help="By default the method the backtest below picks from naive, drift, damped "
            "exponential smoothing and Theta. Another one is drawn with the same kind of bands, "
            "and its backtest is shown beside repeating the last year (Prophet's takes a few "
            "seconds: it is fitted again from every past year).",
        )

    if not chosen:
        st.info("Pick at least one group above to see its trend and forecast.")
        return

    # ----------------------------------------------------------------------- fitting
    yearly = _yearly(ctx.frame, ctx.full, ctx.cache_key, tuple(chosen))
    total, incomplete, series = yearly.total, yearly.incomplete, yearly.series
    if total.empty:
        st.info(
            "None of the records in view has a year of registration, so there is no trend "
            "to show. Tick 'Include records with no year' off and widen the year range, or "
            "reset the filters in the sidebar."
        )
        return
    progress = st.progress(0.0, text="Testing the methods on past years…")
    parts = []
    for i, key in enumerate(chosen):
        progress.progress(
            i / len(chosen),
            text=f"Testing the methods on {SEGMENTS[key].label} "
            f"({i + 1} of {len(chosen)}): each one is fitted again from every past "
            "year…",
        )
        parts.append(
            _backtest_rows(
                series[key], ctx.cache_key, key, tuple(incomplete), horizon, include_incomplete
            )
        )
    if picked != AUTO and picked not in AUTO_POOL:
        with st.spinner(
            f"Testing {MODEL_LABELS[picked]} on every past year: it is fitted again from each "
            "year, for every group, which takes a few seconds…"
        ):
            for i, key in enumerate(chosen):
                progress.progress(
                    i / len(chosen),
                    text=f"Testing {MODEL_LABELS[picked]} on {SEGMENTS[key].label} "
                    f"({i + 1} of {len(chosen)})…",
                )
                parts.append(
                    _picked_rows(
                        series[key],
                        ctx.cache_key,
                        key,
                        tuple(incomplete),
                        horizon,
                        include_incomplete,
                        picked,
                    )
                )
    tested = summarise(pd.concat(parts, ignore_index=True), horizon=horizon, pool=AUTO_POOL)
    model = tested.chosen if picked == AUTO else picked
    progress.progress(1.0, text="Forecasting…")
    results: list[SegmentForecast] = hide_small_bases(
        [
            _forecast(
                series[key],
                ctx.cache_key,
                key,
                tuple(incomplete),
                horizon,
                include_incomplete,
                model,
                tested.prior,
            )
            for key in chosen
        ],
        k=ctx.k,
    )
    protected = protect_observed(results, total=total, records=len(ctx.frame), k=ctx.k)
    results = protected.results
    progress.empty()
    if incomplete:
        whole_file = len(ctx.frame) < len(ctx.full)
        st.info(
            incomplete_sentence(
                yearly.reference,
                incomplete,
                used=include_incomplete,
                k=ctx.k,
                where="Across the whole file" if whole_file else "",
                # the slice's own counts are this screen's: quoted only where its table
                # shows them (the whole file's are not counts of the slice)
                withheld=() if whole_file else protected.quiet_years,
            )
            + " Completing them (nowcasting) would need the counts of several CTDC releases, "
            "which a single file cannot give.",
            icon=":material/schedule:",
        )

    for result in results:
        if result.message:
            st.info(result.message)

    # ----------------------------------------------------------------------- chart
    drawable = [r for r in results if r.fitted or r.table["y"].notna().any()]
    basis = basis_note(protected, k=ctx.k)
    if drawable:
        chart = forecast_chart(
            drawable,
            k=ctx.k,
            layout="facet" if layout == "Side by side" else "overlay",
            columns=1 if on_a_phone() else 2,  # two panels are wider than a phone
            title=forecast_title(drawable, k=ctx.k),
        )
        key_text = (
            "Solid line and dots: records registered each year; dashed line: the forecast from "
            f"the last complete year, by {tested.label(model)}; shaded: 80% (darker) and 95% "
            "(lighter) bands"
            + (
                "; grey diamonds: incomplete years left out of the fit"
                if incomplete and not include_incomplete
                else ""
            )
            + f". Counts below {ctx.k} are not drawn. "
        )
        undated = undated_note(protected, k=ctx.k)
        undated = f" {undated}" if undated else ""
        table = forecast_table(drawable)
        show_altair(
            chart,
            table,
            name="fc_chart",
            caption=key_text + basis + undated,
            k=ctx.k,
            count_columns=["Observed"],
            dependent_columns=[],
            data_table=False,  # "The numbers behind the chart" below is its table
        )
        st.markdown(
            f"**How far to trust it.** {rolling_sentence(tested, model=None if picked == AUTO else picked)} "
            f"{coverage_sentence(tested, model=model)}"
        )
        with st.expander("The numbers behind the chart"):
            show_table(
                table,
                name="fc_table",
                k=ctx.k,
                count_columns=["Observed"],
                dependent_columns=[],
                caption="Forecast: the method's value for a year after the last complete "
                "year, with its 80% and 95% bands. " + basis,
            )

    # ----------------------------------------------------------------------- backtest
    st.header("Would this forecast have worked before?")
    st.markdown(
        f"From every year with at least {MIN_TRAIN_YEARS} complete years before it, each method "
        f"forecast the next 1 to {horizon} years, which were then compared with what was "
        "registered. Errors are scaled by each group's usual year-on-year change (MASE), so "
        f"the groups pool. **The declared rule:** of {pool_words(AUTO_POOL)} "
        "(declared in advance; Prophet is not among them), the methods whose scaled "
        "error is below that of repeating the last year with 95% confidence (a bootstrap over "
        "the years forecast from) qualify, and the one with the lowest pooled error makes the "
        "forecast; if none qualifies, the forecast repeats the last complete year. Prophet "
        "is tested only when picked under Advanced."
    )
    shown_models = list(dict.fromkeys([model, "naive"])) if picked != AUTO else None
    scores = score_table(tested, models=shown_models, shown=model)
    if not scores.empty:
        show_table(
            scores,
            name="fc_backtest",
            k=ctx.k,
            caption="Ratio to naive: the method's pooled scaled error divided by that of "
            "repeating the last year (below 1 is better), with its 95% interval. Mean "
            "error: the average gap between forecast and registered count, as a share "
            "of the count. " + basis,
        )
    else:
        st.markdown(f"- {rolling_sentence(tested)}")


forecast_section()

with st.expander("How the forecast works, and its limits"):
    st.markdown(
        f"""
- **The methods.** Repeating the last complete year (naive); a random walk with drift
  (the last year plus the average yearly change so far); damped-trend exponential
  smoothing and Theta (statsmodels). These four are tested on every view. Prophet, set
  up for one point a year with its trend flexibility (0.05 or 0.5) picked by the
  backtest, is offered under Advanced but left out of the automatic choice: on the
  2021-08-25 release it never beat repeating the last year by more than chance, and its
  backtest takes seconds (about a hundred fits).
- **Thin data.** About twenty yearly points, and fewer per group, can only support a
  rough trend; picking a method per group would chase noise, so one method is picked
  for all the groups shown, by the rule above.
- **Bands.** Around the forecast, on the log scale, as for a random walk whose yearly
  step varies as much as the last eight yearly changes did. Their coverage in the
  backtest is stated under the chart; the choice of eight changes was made on the
  same backtest of the 2021-08-25 release, so there that coverage is not an
  independent check (tuning it on the years up to 2013 alone picked four changes,
  whose bands then held too few of the later outcomes). They cover the ups and downs seen in the past,
  not sudden changes in how partners identify or record victims.
- **Incomplete years.** Years at the end that hold less than half the level of the
  years before are treated as not yet fully registered and left out; the forecast
  counts its years from the last complete one. Completing them (nowcasting) would need
  the counts of several CTDC releases, which a single file cannot give.
- **Groups.** A group counts the records where its field is known, so groups do not add
  up to all records. Counts cannot be negative: forecasts are held at 0 or above.
- **Identified cases, not prevalence.** A rising count can mean more trafficking, more
  identification, or more partners sharing data.
- At least {MIN_FIT_YEARS} complete years are needed to forecast and {MIN_TRAIN_YEARS + 1}
  to run the backtest.
"""
    )

with st.expander("What the terms mean"):
    st.markdown(
        glossary_markdown(
            [
                "forecast",
                "backtest",
                "naive forecast",
                "random walk with drift",
                "exponential smoothing",
                "Theta",
                "Prophet",
                "MASE",
                "ratio to naive",
                "80% and 95% bands",
                "coverage",
                "incomplete year",
            ]
        )
    )
