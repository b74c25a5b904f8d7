"""Trends and forecast, Home, the summary command and the Country brief as an attacker
sees them (see :mod:`core.audit.collect`)."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from core.audit.attack import Screen
from core.audit.cells import (
    _add_records,
    _aligned,
    _equal,
    _export,
    _text,
    _value,
)


# --------------------------------------------------------------------------- forecast
def forecast_screen(frame: pd.DataFrame, k: int, full: pd.DataFrame | None = None) -> Screen:
    """The trends-and-forecast table (observed counts of the default groups)."""
    from core.forecast.protect import hide_small_bases, protect_observed
    from core.forecast.run import ForecastSettings, forecast_segment
    from core.forecast.series import DEFAULT_SEGMENTS, prepare_segments
    from core.forecast.words import forecast_table

    s = Screen("Trends and forecast")
    records = _add_records(s, frame, k)
    yearly = prepare_segments(frame, segments=DEFAULT_SEGMENTS, reference=full)
    if yearly.total.empty:
        return s
    settings = ForecastSettings(horizon=3, include_incomplete=False)
    results = hide_small_bases(
        [
            forecast_segment(
                yearly.series[key],
                segment=key,
                incomplete=yearly.incomplete,
                settings=settings,
                model="naive",
            )
            for key in DEFAULT_SEGMENTS
        ],
        k=k,
    )
    truth_table = forecast_table(results)
    n_dated = int(yearly.total.sum())
    # the page protects its observed counts as one screen (issue 12)
    protected = protect_observed(results, total=yearly.total, records=len(frame), k=k)
    results = protected.results
    dated_shown, undated_shown = _text(protected.dated), _text(protected.undated)
    table = forecast_table(results)
    truth = truth_table.assign(Observed=pd.to_numeric(truth_table["Observed"], errors="coerce"))
    shown = _export(
        table.assign(Observed=pd.to_numeric(table["Observed"], errors="coerce")),
        ["Observed"],
        [],
        k,
    )
    keys = s.table("Forecast · table", shown, truth, ["Observed"])
    dated = s.number("Forecast: records with a year (caption)", n_dated, dated_shown)
    undated = s.number(
        "Forecast: records with no year (caption)", len(frame) - n_dated, undated_shown
    )
    s.add_sum([dated, undated], records, "with + without a year = records in view")
    cell: dict[tuple[str, int], str] = {}
    for i, (segment, year) in enumerate(zip(table["Segment"], table["Year"], strict=True)):
        if pd.notna(truth["Observed"].iloc[i]):
            cell[(str(segment), int(year))] = keys[i]["Observed"]
    labels = {r.segment: r.label for r in results}
    everyone = labels.get("all")
    if everyone:
        years = [key for key in cell if key[0] == everyone]
        s.add_sum([cell[key] for key in years], dated, "years add up to records with a year")
        for pair in (("female", "male"), ("adult", "minor")):
            for year in sorted({y for _, y in years}):
                parts = [cell.get((labels.get(p, ""), year)) for p in pair]
                total = cell.get((everyone, year))
                if total is None or any(p is None for p in parts):
                    continue
                rest = s.hidden(
                    f"Forecast · {year}: neither {pair[0]} nor {pair[1]}",
                    s.truth[total] - sum(s.truth[p] for p in parts if p),
                )
                s.add_sum([*[p for p in parts if p], rest], total, "groups within a year")
    return s


# --------------------------------------------------------------------------- home
def home_screen(frame: pd.DataFrame, k: int) -> Screen:
    """Home: the headline metrics and their help texts (shares are rounded to 0.1%
    there, so only the counts are used)."""
    from core.data.summary import headline, headline_text

    s = Screen("Home")
    h = headline(frame)
    text = headline_text(h, k=k)
    records = s.number("Home: records", h.records, _text(text.records))
    no_year = s.number(
        "Home: records with no year", h.records - h.records_with_year, _text(text.no_year)
    )
    with_year = s.hidden("Home: records with a year", h.records_with_year)
    s.add_sum([with_year, no_year], records, "with + without a year = records")
    for known, what in (("gender_known", "gender"), ("majority_known", "majority status")):
        total = getattr(h, known)
        cell = s.number(f"Home: records with the {what} known", total, _text(getattr(text, known)))
        s.add_rest(cell, records, "known + unknown = records")
    return s


def summary_screen(frame: pd.DataFrame, k: int) -> Screen:
    """``python -m core summary``: the headline numbers as exported (exact shares)."""
    from core.data.summary import headline

    s = Screen("summary command")
    h = headline(frame)
    shown = cast(dict[str, Any], h.as_dict(k=k))
    records = s.number("summary: records", h.records, shown["records"])
    with_year = s.number(
        "summary: records_with_year", h.records_with_year, shown["records_with_year"]
    )
    s.add_rest(with_year, records, "with + without a year = records")
    for share, known, what in (
        ("share_female", "gender_known", "female"),
        ("share_minor", "majority_known", "minors"),
    ):
        total = getattr(h, known)
        cell = s.number(f"summary: {known}", total, shown[known])
        s.add_rest(cell, records, "known + unknown = records")
        ratio = getattr(h, share)
        if ratio is None or total == 0:
            continue
        part = s.hidden(f"summary: {what}", round(ratio * total))
        s.add_rest(part, cell, f"{what} + the others = known")
        s.add_ratio(part, [cell], shown[share], "share x denominator")
    return s


# --------------------------------------------------------------------------- brief
def brief_screen(frame: pd.DataFrame, k: int) -> Screen:
    """The country brief of the country the page opens on (the most named one)."""
    from core.brief import country_profile, most_named

    s = Screen("Country brief")
    code = most_named(frame)
    if code is None:
        return s
    truth = country_profile(frame, country=code, k=1)
    shown = country_profile(frame, country=code, k=k)
    for true_p, shown_p in zip(truth.perspectives, shown.perspectives, strict=True):
        base = f"Brief · {true_p.role}"
        if true_p.records is None:
            continue
        total = s.number(
            f"{base}: records",
            true_p.records,
            None if shown_p.records is None else float(shown_p.records),
        )
        recorded: dict[str, str] = {}
        if len(shown_p.sections) != len(true_p.sections):
            continue  # the perspective is withheld whole (no sections shown)
        for true_s, shown_s in zip(true_p.sections, shown_p.sections, strict=True):
            name = f"{base} · {true_s.key}"
            columns = [c for c in true_s.count_columns if c in true_s.table.columns]
            t_table = true_s.table.reset_index(drop=True)
            s_table = _aligned(shown_s.table, t_table)
            if s_table is None:
                continue  # laid out differently at k (small partners pooled): not attacked
            keys = s.table(name, s_table, t_table, columns)
            if true_s.chart in ("years", "counts") and "count" in columns:
                parts = [r["count"] for r in keys]
                if true_s.key == "partners":
                    rest = s.hidden(
                        f"{name}: the country itself",
                        true_p.records - float(t_table["count"].sum()),
                    )
                    parts.append(rest)
                s.add_sum(parts, total, "rows add up to the country's records")
                kinds = t_table.get("kind", pd.Series([""] * len(t_table)))
                rec = [
                    r["count"] for r, kind in zip(keys, kinds, strict=True) if kind == "recorded"
                ]
                if rec:
                    hidden = s.hidden(
                        f"{name}: recorded", float(t_table.loc[kinds == "recorded", "count"].sum())
                    )
                    s.add_sum(rec, hidden, "recorded rows add up")
                    recorded[true_s.key] = hidden
                for i, row in enumerate(keys):
                    denominator = recorded.get(true_s.key)
                    share = _value(s_table, i, "share")
                    if denominator and share is not None and kinds.iloc[i] == "recorded":
                        s.add_ratio(row["count"], [denominator], share, "share x denominator")
            elif true_s.chart == "shares":
                for i, row in enumerate(keys):
                    s.add_rest(row["count"], row["known"], "with + without = known")
                    s.add_ratio(
                        row["count"],
                        [row["known"]],
                        _value(s_table, i, "share"),
                        "share x denominator",
                    )
                    s.add_rest(row["known"], total, "known + unknown = records")
                _equal(s, [r["known"] for r in keys], "one known repeated")
            elif true_s.chart == "completeness":
                for i, row in enumerate(keys):
                    s.add_sum(
                        [row["recorded"], row["not_recorded"]],
                        total,
                        "recorded + not recorded = records",
                    )
                    s.add_ratio(
                        row["recorded"], [total], _value(s_table, i, "share"), "share x records"
                    )
    return s
