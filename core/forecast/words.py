"""The forecast in words: its sentences, the chart's title and the tables' columns.

Every sentence is computed from the results it describes, so that what the screen (or
the command line) says cannot drift from the numbers. Counts from 1 to k - 1 are
written as "<k" (:func:`core.privacy.format_count`); shares, lists and spans of years
read as everywhere else (:mod:`core.words`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

from core.forecast.backtest import MIN_TRAIN_YEARS, RollingBacktest
from core.forecast.models import STEP_WINDOW, check_model, model_label
from core.forecast.protect import ProtectedObserved
from core.forecast.series import MIN_FIT_YEARS, SegmentForecast
from core.privacy import format_count, small_mask, suppression_caption, withheld_reason
from core.words import listed, share_text, year_span

__all__ = [
    "COVERAGE_TOLERANCE",
    "basis_note",
    "coverage_sentence",
    "forecast_table",
    "forecast_title",
    "incomplete_sentence",
    "pool_words",
    "rolling_sentence",
    "rule_words",
    "score_table",
    "too_few_sentence",
    "undated_note",
]


def basis_note(protected: ProtectedObserved, /, *, k: int) -> str:
    """The caption fragment saying how many records the forecast rests on (those with a
    year), protected like every count of the screen (:func:`~core.forecast.protect.protect_observed`),
    and how many yearly counts are withheld.

    Examples
    --------
    >>> p = ProtectedObserved([], 0, "1,234", "0")
    >>> basis_note(p, k=10)
    'Based on 1,234 records. Identified cases, not prevalence.'
    >>> basis_note(ProtectedObserved([], 2, "withheld", "<10"), k=10)  # doctest: +NORMALIZE_WHITESPACE
    'Based on the records with a year (their number is withheld: it holds a small count
    (fewer than 10 records) or would reveal one). Identified cases, not prevalence. 2 yearly
    counts withheld: each holds a small count (fewer than 10 records) or would reveal one.'
    """
    if protected.dated == "withheld":
        based = (
            f"Based on the records with a year (their number is withheld: it {withheld_reason(k)})."
        )
    else:
        noun = "record" if protected.dated == "1" else "records"
        based = f"Based on {protected.dated} {noun}."
    withheld = suppression_caption(protected.withheld, k=k, noun="yearly count")
    return f"{based} Identified cases, not prevalence." + (f" {withheld}" if withheld else "")


def undated_note(protected: ProtectedObserved, /, *, k: int) -> str:
    """The caption sentence on the records in view with no year ('' when there is none).

    Examples
    --------
    >>> undated_note(ProtectedObserved([], 0, "20", "<10"), k=10)
    '<10 records in view have no year and are not counted.'
    >>> undated_note(ProtectedObserved([], 0, "20", "1"), k=1)
    '1 record in view has no year and is not counted.'
    >>> undated_note(ProtectedObserved([], 0, "<10", "withheld"), k=10)
    'The records in view with no year are not counted (their number is withheld: it holds a small count (fewer than 10 records) or would reveal one).'
    >>> undated_note(ProtectedObserved([], 0, "20", "0"), k=10)
    ''
    """
    n = protected.undated
    if n == "0":
        return ""
    if n == "withheld":
        return (
            "The records in view with no year are not counted (their number is withheld: "
            f"it {withheld_reason(k)})."
        )
    if n == "1":
        return "1 record in view has no year and is not counted."
    return f"{n} records in view have no year and are not counted."


# --------------------------------------------------------------------------- the series
def incomplete_sentence(
    counts: pd.Series,
    incomplete: Sequence[int],
    /,
    *,
    used: bool,
    k: int = 1,
    where: str = "",
    withheld: Collection[int] = (),
) -> str:
    """One sentence saying which years look incomplete, why, and what is done with them.

    Parameters
    ----------
    counts
        The series the years were detected on.
    incomplete
        The incomplete years (ascending).
    used
        Whether the user kept them in the fit.
    k
        Counts from 1 to ``k - 1`` are written as "<k".
    where
        Opens the sentence (e.g. "Across the whole file") when ``counts`` is not the
        slice on screen.
    withheld
        Years whose count the screen withholds (small, or to protect another): when one
        of the years named is, the sentence quotes no count (a protector written out
        would undo the protection).

    Examples
    --------
    >>> s = pd.Series([26050, 27840, 4120, 2060], index=range(2018, 2022))
    >>> print(incomplete_sentence(s, [2020, 2021], used=False))
    2020 and 2021 hold far fewer records (4,120 and 2,060) than 2019 (27,840), most likely because registration lags behind; they are left out of the fit and shown in grey.
    >>> print(incomplete_sentence(s, [2020, 2021], used=False, withheld=[2019]))
    2020 and 2021 hold far fewer records than 2019, most likely because registration lags behind; they are left out of the fit and shown in grey.
    """
    if not incomplete:
        return ""
    years = [int(y) for y in incomplete]

    def n(year: int) -> str:
        return format_count(int(counts.loc[year]), k)

    named = listed([str(y) for y in years])
    held = listed([n(y) for y in years])
    before = years[0] - 1
    verb = "holds" if len(years) == 1 else "hold"
    quiet = any(y in withheld for y in [*years, before])
    reference = ""
    if before in counts.index:
        reference = f" than {before}" + ("" if quiet else f" ({n(before)})")
    what = (
        "you chose to keep them in the fit, so the trend bends down at the end"
        if used
        else "they are left out of the fit and shown in grey"
    )
    opening = f"{where}, {named}" if where else named
    return (
        f"{opening} {verb} far fewer records{'' if quiet else f' ({held})'}{reference}, "
        "most likely because "
        f"registration lags behind; {what}."
    )


def too_few_sentence(label: str, n: int, /, *, years: Sequence[int], excluded: int) -> str:
    """Why a segment gets no forecast: no dated record, or fewer than
    :data:`core.forecast.series.MIN_FIT_YEARS` complete years.

    Parameters
    ----------
    label
        The segment's plain words.
    n
        Complete years available.
    years
        Those years.
    excluded
        Years left out as incomplete.

    Examples
    --------
    >>> print(too_few_sentence("Minors", 2, years=[2019, 2020], excluded=1))
    Minors: only 2 complete years of data (2019, 2020); a trend needs at least 4, so no forecast is drawn. Widen the year range or the other filters in the sidebar.
    """
    if n == 0 and excluded == 0:
        return (
            f"{label}: no records with a year of registration in this slice, so there "
            "is nothing to forecast. Widen the sidebar filters to include some."
        )
    named = ", ".join(str(y) for y in years)
    have = f"only {n} complete year{'s' if n != 1 else ''} of data" + (f" ({named})" if n else "")
    return (
        f"{label}: {have}; a trend needs at least {MIN_FIT_YEARS}, so no forecast is "
        "drawn. Widen the year range or the other filters in the sidebar."
    )


# --------------------------------------------------------------------------- the backtest
COVERAGE_TOLERANCE = 0.10  # issue 13: bands within 10 points of nominal count as calibrated

_SHORT = {
    "naive": "repeating the last year",
    "drift": "drift",
    "prophet": "Prophet",
    "ets": "damped-trend exponential smoothing",
    "theta": "Theta",
}


def pool_words(pool: Sequence[str], /) -> str:
    """The methods of ``pool`` the rule can pick (naive, the yardstick, left out), in words.

    Examples
    --------
    >>> pool_words(("naive", "drift", "ets", "theta"))
    'drift, damped-trend exponential smoothing and Theta'
    """
    return listed([_SHORT[check_model(m)] for m in pool if m != "naive"])


def rule_words(pool: Sequence[str], /) -> str:
    """The declared rule in words, naming the pool the automatic choice picks from.

    Examples
    --------
    >>> print(rule_words(("naive", "drift", "theta")))
    the declared rule: of drift and Theta, those whose interval stays below 1, and of them the one with the lowest pooled MASE
    """
    return (
        f"the declared rule: of {pool_words(pool)}, those whose interval stays below 1, and of "
        "them the one with the lowest pooled MASE"
    )


def rolling_sentence(result: RollingBacktest, /, *, model: str | None = None) -> str:
    """The rolling backtest and the declared choice in plain words.

    Parameters
    ----------
    result
        The slice's rolling backtest.
    model
        A model the user picked instead of the rule's choice (None: the rule's).

    Raises
    ------
    ValueError
        ``model`` is neither None nor a candidate.
    """
    if model is not None:
        check_model(model)
    if not result.ran:
        return (
            f"Too few complete years to test the forecast: each test needs at least "
            f"{MIN_TRAIN_YEARS} years before the year it forecasts, so the forecast "
            "simply repeats the last complete year (the naive forecast)."
        )
    origins = sorted(int(o) for o in result.rows["origin"].unique())
    horizons = f"1 to {result.horizon} years" if result.horizon > 1 else "1 year"
    groups = result.rows["segment"].nunique()
    n = int(result.score("naive", "forecasts"))
    opening = (
        f"Tested by forecasting {horizons} ahead from every year {year_span(origins)} "
        f"({n:,} forecasts across {groups} group{'s' if groups != 1 else ''})"
    )
    naive_mape = result.score("naive", "mape")
    shown = model or result.chosen

    def versus(key: str) -> str:
        ratio, low, high = (result.score(key, c) for c in ("ratio", "ratio_low", "ratio_high"))
        return (
            f"{result.label(key)} was off by {result.score(key, 'mape'):.0f}% on average "
            f"against {naive_mape:.0f}% for repeating the last year; its scaled error "
            f"(MASE) was {ratio:.2f} times as large (95% CI {low:.2f}-{high:.2f})"
        )

    others = result.scores[
        (result.scores["model"] != "naive") & result.scores["model"].isin(list(result.pool))
    ]
    best = str(others.set_index("model")["mase"].idxmin()) if len(others) else "naive"
    if shown == "naive":
        if result.chosen == "naive" and best != "naive":
            ratio, low, high = (result.score(best, c) for c in ("ratio", "ratio_low", "ratio_high"))
            return (
                f"{opening}, no model beat simply repeating the last complete year "
                f"reliably: the best, {result.label(best)}, had {ratio:.2f} times its "
                f"scaled error (MASE; 95% CI {low:.2f}-{high:.2f}), an interval that "
                "reaches 1. So the forecast repeats the last complete year (the naive "
                f"forecast), which was off by {naive_mape:.0f}% on average."
            )
        return f"{opening}, repeating the last year was off by {naive_mape:.0f}% on average."
    if shown == result.chosen:
        return (
            f"{opening}, {versus(shown)}: it beat repeating the last year by more "
            f"than chance, so it makes the forecast ({rule_words(result.pool)})."
        )
    chosen = "repeating the last year" if result.chosen == "naive" else result.label(result.chosen)
    return (
        f"{opening}, {versus(shown)}. You picked it under Advanced; the declared rule "
        f"would use {chosen}."
    )


def coverage_sentence(result: RollingBacktest, /, *, model: str) -> str:
    """How often the bands held the outcome in the rolling backtest, per horizon.

    Raises
    ------
    ValueError
        ``model`` is not a candidate.

    Examples
    --------
    >>> from core.forecast.backtest import RollingBacktest
    >>> cov = pd.DataFrame({"model": "naive", "horizon": [1, 2], "coverage_80": [0.8, 0.75],
    ...                     "coverage_95": [0.95, 0.9], "forecasts": [20, 18]})
    >>> bt = RollingBacktest(pd.DataFrame(), pd.DataFrame({"model": ["naive"]}), cov,
    ...                      "naive", 0.05, {}, 2, ["all"])
    >>> print(coverage_sentence(bt, model="naive"))
    In the same test the 80% band held 80% and 75% of the outcomes 1 and 2 years ahead, and the 95% band 95% and 90%: all within 10 points of the 80% and 95% they aim for. The bands' width (the spread of the last 8 yearly changes) was itself tuned on this test of the 2021-08-25 CTDC release, so on that release these shares are not an independent check.
    """
    check_model(model)
    if not result.ran:
        return ""
    cov = result.coverage[result.coverage["model"] == model].sort_values("horizon")
    if cov.empty:
        return ""
    hs = [str(int(h)) for h in cov["horizon"]]
    unit = "year" if hs == ["1"] else "years"
    off = max(
        float((cov["coverage_80"] - 0.80).abs().max()),
        float((cov["coverage_95"] - 0.95).abs().max()),
    )
    points = round(COVERAGE_TOLERANCE * 100)
    verdict = (
        f"all within {points} points of the 80% and 95% they aim for"
        if off <= COVERAGE_TOLERANCE + 1e-9
        else f"more than {points} points from the aim at some horizon, so read the bands with care"
    )
    return (
        f"In the same test the 80% band held {listed([share_text(v) for v in cov['coverage_80']])} "
        f"of the outcomes {listed(hs)} {unit} ahead, and the 95% band "
        f"{listed([share_text(v) for v in cov['coverage_95']])}: {verdict}. The bands' width "
        f"(the spread of the last {STEP_WINDOW} yearly changes) was itself tuned on this "
        "test of the 2021-08-25 CTDC release, so on that release these shares are not an "
        "independent check."
    )


def score_table(
    result: RollingBacktest, /, *, models: Sequence[str] | None = None, shown: str | None = None
) -> pd.DataFrame:
    """The backtest's scores in plain-word columns, one row per model.

    Parameters
    ----------
    result
        The slice's rolling backtest.
    models
        The models to list, in this order (default every model scored); those the
        backtest did not score are left out.
    shown
        The model of the forecast on screen (default the rule's choice).

    Raises
    ------
    ValueError
        A model in ``models``, or ``shown``, is not a candidate.
    """
    for model in [*(models or ()), *([shown] if shown else [])]:
        check_model(model)
    if not result.ran:
        return pd.DataFrame()
    scores = result.scores.set_index("model")
    keys = [m for m in (models or list(scores.index)) if m in scores.index]
    shown = shown or result.chosen
    return pd.DataFrame(
        {
            "Model": [result.label(str(m)) for m in keys],
            "Scaled error (MASE)": scores.loc[keys, "mase"].round(2).to_numpy(),
            "Ratio to naive": scores.loc[keys, "ratio"].round(3).to_numpy(),
            "95% CI from": scores.loc[keys, "ratio_low"].round(3).to_numpy(),
            "95% CI to": scores.loc[keys, "ratio_high"].round(3).to_numpy(),
            "Mean error (%)": scores.loc[keys, "mape"].round(1).to_numpy(),
            "Forecasts tested": scores.loc[keys, "forecasts"].to_numpy(),
            "Makes the forecast": [m == shown for m in keys],
        }
    )


# --------------------------------------------------------------------------- the forecast
def forecast_table(results: Sequence[SegmentForecast], /) -> pd.DataFrame:
    """The download table: observed counts, forecasts with both intervals, the model.

    ``Forecast`` holds the model's value for the years after the last complete year
    (incomplete years left out, and the future).
    """
    rows = []
    for r in results:
        t = r.table
        rows.append(
            pd.DataFrame(
                {
                    "Segment": r.label,
                    "Year": t["year"].to_numpy(),
                    "Observed": t["y"].astype("Int64").to_numpy(),
                    "Forecast": t["yhat"].where(t["is_forecast"]).round(0).to_numpy(),
                    "80% low": t["yhat_lower_80"].where(t["is_forecast"]).round(0).to_numpy(),
                    "80% high": t["yhat_upper_80"].where(t["is_forecast"]).round(0).to_numpy(),
                    "95% low": t["yhat_lower"].where(t["is_forecast"]).round(0).to_numpy(),
                    "95% high": t["yhat_upper"].where(t["is_forecast"]).round(0).to_numpy(),
                    "Model": np.where(
                        t["is_forecast"] & r.fitted,
                        model_label(
                            r.model or "naive", prior=r.prior if r.model == "prophet" else None
                        ),
                        "",
                    ),
                    "Future year": t["is_forecast"].to_numpy(),
                    "Left out as incomplete": t["excluded_incomplete"].to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _change(result: SegmentForecast, k: int) -> tuple[float, int, int, bool] | None:
    """(relative change, base year, end year, 80% band includes the base level).

    The base is the count of the last complete year (the last year of the fit). None
    when there is no fit, the base is 0, or the base count is below ``k`` (it would be
    revealed).
    """
    t = result.table
    fitted = t[t["in_fit"] & t["y"].notna()]
    if not result.fitted or fitted.empty or not t["is_forecast"].any():
        return None
    base_row = fitted.iloc[-1]
    if small_mask(np.array([base_row["y"]]), k).any():
        return None
    base = float(base_row["y"])
    if base <= 0:
        return None
    end = t[t["is_forecast"]].iloc[-1]  # an incomplete year after it is not forecast
    change = float(end["yhat"] / base - 1)
    spans = bool(end["yhat_lower_80"] <= base <= end["yhat_upper_80"])
    return change, int(base_row["year"]), int(end["year"]), spans


def forecast_title(results: Sequence[SegmentForecast], /, *, k: int) -> tuple[str, str]:
    """Title and subtitle stating what the forecast says, computed from the results.

    Each group's forecast for the last year shown is compared with its count in the
    last complete year. A group "rises" or "falls" only when the 80% band of that
    forecast leaves out the last complete year's level; otherwise it shows "no clear
    change". Groups whose base count is below ``k`` are not quoted (small counts).

    Returns
    -------
    tuple of str
        ("By 2022 the forecast rises for Female (women and girls) (+12%) ...", "Change from ...").
    """
    quoted = []
    for r in results:
        c = _change(r, k)
        if c is not None:
            quoted.append((r.label, *c))
    if not quoted:
        if any(r.fitted for r in results):
            return (
                f"The counts in this slice are too small (below {k}) to state a trend",
                "See the notes below the chart.",
            )
        return ("Too few years to forecast in this slice", "See the notes below the chart.")
    end_year = max(q[3] for q in quoted)
    groups: dict[str, list[str]] = {"rises": [], "falls": [], "shows no clear change": []}
    for label, change, _base, _end, spans in quoted:
        key = "shows no clear change" if spans else "rises" if change > 0 else "falls"
        groups[key].append(f"{label} ({change:+.0%})")
    parts = [f"{verb} for {listed(items)}" for verb, items in groups.items() if items]
    title = f"By {end_year} the forecast {'; '.join(parts)}"
    bases = sorted({str(q[2]) for q in quoted})
    sub = (
        f'Change from the last complete year ({" or ".join(bases)}); "no clear change" '
        "where the 80% band still includes that year's count."
    )
    return title, sub
