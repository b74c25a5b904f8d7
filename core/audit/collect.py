"""Every number each screen shows or exports for one slice, as an attacker sees it.

Each ``*_screen`` function takes a slice (the filtered frame) and the threshold ``k``,
calls the same core functions as its page (with the page's default widget settings),
and returns a :class:`~core.audit.attack.Screen`: every count of the screen's tables
and captions as a cell (true value from the unprotected table, shown value from the
protected one, withheld = missing), and every relation between them that an attacker
can write down from the screen itself (see :mod:`core.audit.attack`).

The true values never leave this package: a report names cells, not values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from core.audit.attack import FITTED, Screen, saturated_relations
from core.privacy import format_count, is_small, protect, safe_share

__all__ = [
    "SCREENS",
    "brief_screen",
    "clusters_screen",
    "explore_screen",
    "forecast_screen",
    "hidden_screen",
    "home_screen",
    "risk_screen",
    "screens",
    "summary_screen",
]


def _shown_count(n: float, k: int) -> float | None:
    """A count as :func:`core.privacy.format_count` shows it (None when withheld)."""
    return None if is_small(n, k) else float(n)


def _value(table: pd.DataFrame, i: int, column: str) -> float | None:
    if column not in table.columns:
        return None
    number = pd.to_numeric(pd.Series([table[column].iloc[i]]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


def _export(table: pd.DataFrame, counts: Sequence[str], dependent: Sequence[str], k: int):
    """The CSV form of a table as :mod:`core.app.outputs` writes it (small counts empty)."""
    return protect(
        table,
        count_columns=[c for c in counts if c in table.columns],
        k=k,
        dependent_columns=[c for c in dependent if c in table.columns],
        for_export=True,
    )


def _add_records(screen: Screen, frame: pd.DataFrame, k: int) -> str:
    """The page header's "records in view"."""
    return screen.number("records in view", len(frame), _shown_count(len(frame), k))


def _equal(screen: Screen, keys: Sequence[str], kind: str) -> None:
    """The cells ``keys`` hold one number (a denominator repeated on every row)."""
    for other in keys[1:]:
        screen.relate({keys[0]: 1.0, other: -1.0}, 0.0, kind)


def _cells_of_total(
    screen: Screen,
    keys: Sequence[dict[str, str]],
    rows: Iterable[int],
    shown: pd.DataFrame,
    *,
    repeated: str,
    adds_up: str,
) -> str:
    """One group of a table's rows: its ``known`` repeated on each row (``repeated``),
    its counts adding up to it (``adds_up``), each share times it; returns its key."""
    rows = [int(i) for i in rows]
    knowns = [keys[i]["known"] for i in rows]
    _equal(screen, knowns, repeated)
    screen.add_sum([keys[i]["count"] for i in rows], knowns[0], adds_up)
    for i in rows:
        screen.add_ratio(
            keys[i]["count"], [keys[i]["known"]], _value(shown, i, "share"), "share x denominator"
        )
    return knowns[0]


# --------------------------------------------------------------------------- Explore
def _countries_module() -> Any:
    """Where the flows and profiles live (``core.explore.countries``, formerly
    ``core.explore.aggregates``)."""
    try:
        from core.explore import countries

        return countries
    except ImportError:  # an older layout
        from core.explore import aggregates

        return aggregates


def explore_screen(frame: pd.DataFrame, k: int, full: pd.DataFrame | None = None) -> Screen:
    """The Explore page at its default settings: every tab's tables, captions, metrics."""
    from core.explore import aggregates, quality, shifts, world_map
    from core.explore import protect as ep

    places = _countries_module()
    s = Screen("Explore")
    records = _add_records(s, frame, k)
    n = len(frame)
    if full is not None and len(full):
        whole = s.number("records in the file", len(full), float(len(full)))
        if safe_share(n, len(full), k):
            s.add_ratio(records, [whole], n / len(full), "share of all records x file size")

    # 4. trends: registrations per year, with and without a year
    yearly = aggregates.yearly_totals(frame)
    with_year = s.number(
        "records with a year",
        yearly.with_year,
        float(yearly.with_year) if safe_share(yearly.with_year, n, k) else None,
    )
    drawn_years = yearly.with_year > 0 and ep.visible_row_count(yearly.table, k=k) > 0
    no_year = s.number(
        "records with no year",
        yearly.no_year,
        float(yearly.no_year) if drawn_years and safe_share(yearly.with_year, n, k) else None,
    )
    s.add_sum([with_year, no_year], records, "records in view = with a year + without")
    year_cell: dict[int, str] = {}
    if drawn_years:
        drawn, _ = ep.protect_yearly(yearly.table, k=k, records=n)
        shown = _export(drawn, ["count"], [], k)
        keys = s.table("Explore · registrations per year", shown, yearly.table, ["count"])
        s.add_sum([r["count"] for r in keys], with_year, "years add up to records with a year")
        year_cell = {int(y): r["count"] for y, r in zip(yearly.table["year"], keys, strict=True)}
        types = aggregates.yearly_by_flag(frame, group="exploitation")
        if len(types):
            drawn, _ = ep.protect_by_type(types, k=k)
            keys = s.table(
                "Explore · registrations per year by type",
                _export(drawn, ["count"], [], k),
                types,
                ["count"],
            )
            for year, row in zip(types["year"], keys, strict=True):
                if int(year) in year_cell:
                    s.add_rest(
                        row["count"], year_cell[int(year)], "a type within its year", attack=False
                    )

    # 5. shifts, default field (the first)
    field = next(iter(aggregates.SHIFT_FIELDS))
    share_table = shifts.yearly_shares(frame, field=field)
    if (
        len(share_table)
        and aggregates.records_behind(share_table, by="year") > 0
        and ep.visible_row_count(share_table, k=k) > 0
    ):
        exclude = tuple(yearly.incomplete)
        trends = shifts.share_trends(share_table, field=field, exclude_years=exclude, k=k)
        drawn, _ = ep.protect_shifts(
            share_table,
            k=k,
            trend_years=shifts.shown_trend_years(trends, share_table, exclude_years=exclude),
        )
        name = f"Explore · shifts by {field}"
        keys = s.table(
            name, _export(drawn, ["count", "known"], ["share"], k), share_table, ["count", "known"]
        )
        shown = _export(drawn, ["count", "known"], ["share"], k)
        known_of_year: dict[int, str] = {}
        for year, rows in share_table.groupby("year", sort=False).indices.items():
            known_of_year[int(cast(int, year))] = _cells_of_total(
                s,
                keys,
                rows,
                shown,
                repeated="one year's known repeated",
                adds_up="a year's categories add up to its known",
            )
        n_known = aggregates.records_behind(share_table, by="year")
        caption = s.number(f"{name}: records in the caption", n_known, float(n_known))
        s.add_sum(list(known_of_year.values()), caption, "years' known add up to the caption")
        table = shifts.trends_table(trends)
        shown_t = _export(table, ["Records"], [], k)
        for i, trend in enumerate(trends):
            if not trend.ok:
                continue
            cell = s.cell(
                f"{name} · trend table | row {i + 1} | Records",
                trend.n_records,
                _value(shown_t, i, "Records"),
            )
            years = [
                y
                for y in known_of_year
                if trend.first_year <= y <= trend.last_year and y not in exclude
            ]
            s.add_sum([known_of_year[y] for y in years], cell, "trend records = fitted years")

    # 3. tactics, no split
    for group in ("means", "recruiter", "exploitation", "labour", "sex"):
        table = aggregates.tactic_shares(frame, group=group, by=None)
        if (
            table.empty
            or aggregates.records_behind(table, by=None) == 0
            or ep.visible_row_count(table, k=k) == 0
        ):
            continue
        drawn, _ = ep.protect_tactics(table, k=k, by=None)
        shown = _export(drawn, ["count", "known"], ["share"], k)
        name = f"Explore · tactics {group}"
        keys = s.table(name, shown, table, ["count", "known"])
        n_known = aggregates.records_behind(table, by=None)
        caption = s.number(f"{name}: records in the caption", n_known, float(n_known))
        _equal(s, [caption, *[r["known"] for r in keys]], "caption = each row's known")
        for i, row in enumerate(keys):
            s.add_rest(row["count"], row["known"], "with + without a tactic = known")
            s.add_ratio(
                row["count"], [row["known"]], _value(shown, i, "share"), "share x denominator"
            )

    # 6. data quality: missing per field, coverage per year
    missing = quality.missing_by_field(frame)
    drawn, _ = ep.protect_missing(missing, k=k)
    shown = _export(drawn, ["missing"], ["missing_share"], k)
    keys = s.table("Explore · missing per field", shown, missing, ["missing"])
    missing_of: dict[str, str] = {}
    for i, (label, row) in enumerate(zip(missing["field"], keys, strict=True)):
        s.add_rest(row["missing"], records, "missing + known = records in view")
        s.add_ratio(
            row["missing"], [records], _value(shown, i, "missing_share"), "share x records in view"
        )
        missing_of[str(label)] = row["missing"]
    coverage = quality.coverage_by_year(frame)
    if not coverage.empty and ep.visible_row_count(coverage, k=k) > 0:
        hidden_years = ep.withheld_years(yearly.table, k=k, records=n) if drawn_years else set()
        drawn, _ = quality.protect_coverage(coverage, k=k, hidden_years=hidden_years)
        shown = _export(drawn, ["count", "known"], ["share"], k)
        keys = s.table("Explore · share given per year", shown, coverage, ["count", "known"])
        for group_key, rows in coverage.groupby(["field", "year"], sort=False).indices.items():
            year = cast(tuple[str, int], group_key)[1]
            known = _cells_of_total(
                s,
                keys,
                rows,
                shown,
                repeated="one year's known repeated",
                adds_up="given + not given = known",
            )
            if int(year) in year_cell:
                _equal(s, [year_cell[int(year)], known], "coverage known = year's records")

    # 1. flows: heatmap, Sankey, world map (both ways)
    flows = places.country_flows(frame, top_n=15)
    heatmap = flows.both_known > 0 and ep.visible_row_count(flows.table, k=k) > 0
    both = s.number(
        "records with both countries known",
        flows.both_known,
        float(flows.both_known) if heatmap else None,
    )
    if heatmap:
        drawn, _ = ep.protect_flows(flows.table, k=k)
        keys = s.table(
            "Explore · flows heatmap", _export(drawn, ["count"], [], k), flows.table, ["count"]
        )
        rest = s.hidden(
            "flows outside the heatmap",
            flows.both_known - float(flows.table["count"].sum()),
            attack=False,
        )
        s.add_sum([*[r["count"] for r in keys], rest], both, "heatmap cells + rest = both known")
    links = places.sankey_links(frame, top_n=12)
    if len(links) and ep.visible_row_count(links, k=k) > 0:
        drawn, _ = ep.protect_flows(links, k=k)
        shown = _export(drawn, ["count"], ["share"], k)
        keys = s.table("Explore · flows Sankey", shown, links, ["count"])
        rest = s.hidden(
            "flows outside the Sankey", flows.both_known - float(links["count"].sum()), attack=False
        )
        s.add_sum([*[r["count"] for r in keys], rest], both, "Sankey links + rest = both known")
        for i, row in enumerate(keys):
            s.add_ratio(row["count"], [both], _value(shown, i, "share"), "share x both known")
    for by, label in (
        ("citizenship", "Country of citizenship"),
        ("exploitation", "Country of exploitation"),
    ):
        table = world_map.country_counts(frame, by=by)
        if table.empty:
            continue
        on_map = world_map.map_cells(table, k=k)
        if not (on_map["status"] == "shown").any():
            continue
        truth = on_map[["code"]].merge(table[["code", "count"]], on="code", how="left")
        shown = on_map.assign(
            count=pd.to_numeric(on_map["count"], errors="coerce").where(on_map["status"] == "shown")
        )
        keys = s.table(f"Explore · world map by {by}", shown, truth, ["count"])
        if label in missing_of:
            known = s.hidden(f"records with the {label.lower()} known", float(table["count"].sum()))
            s.add_sum([r["count"] for r in keys], known, "map countries add up to known")
            s.add_sum([known, missing_of[label]], records, "known + missing = records in view")

    # 2. highest vs lowest volume: profiles of the chosen countries
    by = next(iter(places.COUNTRY_FIELDS))
    chosen = places.top_bottom_countries(frame, by=by, n=5, min_records=200)
    if not chosen.empty:
        for field in places.PROFILE_FIELDS:
            table = places.profile_with_pooled(frame, chosen, by=by, field=field)
            if table.empty or ep.visible_row_count(table, k=k) == 0:
                continue
            drawn, _ = ep.protect_profile(table, k=k)
            shown = _export(drawn, ["count", "known"], ["share"], k)
            name = f"Explore · profile {field}"
            keys = s.table(name, shown, table, ["count", "known"])
            for _, rows in table.groupby("country", sort=False).indices.items():
                _cells_of_total(
                    s,
                    keys,
                    rows,
                    shown,
                    repeated="one country's known repeated",
                    adds_up="a country's categories add up to its known",
                )
            pooled = table["country"].astype(str).str.startswith("All ").to_numpy()
            for _, rows in table.groupby(["group", "category"], sort=False).indices.items():
                members = [keys[i]["count"] for i in rows if not pooled[i]]
                total = [keys[i]["count"] for i in rows if pooled[i]]
                if total:
                    s.add_sum(members, total[0], "countries add up to the pooled row")
    return s


# --------------------------------------------------------------------------- risk
def _model_cells(s: Screen, name: str, fit, protected, k: int) -> None:
    """One model's header, group table and coefficients (saturated closed forms)."""
    from core.risk.tables import group_table

    truth = group_table(fit).reset_index(drop=True)
    shown = protected.groups.reset_index(drop=True)
    keys = s.table(f"{name} · groups", shown, truth, ["n", "events", "non_events"])
    n = s.number(f"{name}: records in the header", fit.n, _shown_count(fit.n, k))
    events = s.number(
        f"{name}: with the outcome in the header", fit.events, _shown_count(fit.events, k)
    )
    s.add_sum([r["n"] for r in keys], n, "groups add up to the model's records")
    s.add_sum([r["events"] for r in keys], events, "groups add up to the model's events")
    for row in keys:
        s.add_sum([row["events"], row["non_events"]], row["n"], "events + non-events = records")
    if not (len(fit.terms) == len(fit.cells) and fit.method == "ml"):
        return  # not saturated: its estimates are withheld whole when any cell is
    # saturated: a group's log-odds, odds and probability are its model cell's, so each
    # gives an equation in the cell's events and non-events (the sum of its groups')
    coefficients = protected.coefficients.reset_index(drop=True)
    matrix = fit.design.matrix(fit.cells)
    if matrix.shape[0] != matrix.shape[1]:
        return
    cell_e, cell_ne = [], []
    for _, cell in fit.cells.reset_index(drop=True).iterrows():
        label = " ".join(str(cell[p]) for p in fit.design.predictors)
        e = s.hidden(f"{name} · model cell {label} | events", float(cell["events"]))
        ne = s.hidden(
            f"{name} · model cell {label} | non-events", float(cell["n"] - cell["events"])
        )
        cell_e.append(e)
        cell_ne.append(ne)
        members = _members(truth, fit, cell)
        s.add_sum([keys[i]["events"] for i in members], e, "groups of a model cell")
        s.add_sum([keys[i]["non_events"] for i in members], ne, "groups of a model cell")
        for i in members:
            odds = _value(shown, i, "odds")
            log_odds = _value(shown, i, "log_odds")
            if odds is None and log_odds is not None and abs(log_odds) < 30:
                odds = float(np.exp(log_odds))
            if odds is not None and odds > 0 and abs(np.log(odds)) < 30:
                s.relate({e: 1.0, ne: -odds}, 0.0, "odds x non-events", FITTED)
            p = _value(shown, i, "probability")
            if p is not None:
                s.relate({e: 1.0 - p, ne: -p}, 0.0, "probability x records", FITTED)
    # a cell with no events (or all) has no finite log-odds: the terms resting on it are
    # the fit's last iterate, not the closed form (the page says so in its separation
    # sentences), so they give no equation
    inverse = np.linalg.inv(matrix)
    cells = fit.cells.reset_index(drop=True)
    edge = ((cells["events"] == 0) | (cells["events"] == cells["n"])).to_numpy()
    closed = [not bool(row.any()) for row in np.abs(inverse[:, edge]) > 1e-9]
    saturated_relations(
        s,
        inverse=inverse,
        estimates=[
            _value(coefficients, t, "estimate") if closed[t] else None
            for t in range(len(fit.terms))
        ],
        std_errors=[
            _value(coefficients, t, "std_error") if closed[t] else None
            for t in range(len(fit.terms))
        ],
        events=cell_e,
        non_events=cell_ne,
    )


def _members(rows: pd.DataFrame, fit, cell: pd.Series) -> list[int]:
    columns = {"gender": "gender", "majority": "majority_status", "age": "age"}
    mask = np.ones(len(rows), dtype=bool)
    for predictor in fit.design.predictors:
        column = columns.get(predictor, predictor)
        if column not in rows.columns:
            return []
        mask &= rows[column].astype(str).to_numpy() == str(cell[predictor])
    return [int(i) for i in np.flatnonzero(mask)]


def risk_screen(
    frame: pd.DataFrame, k: int, rule: Literal["published", "ctdc"] = "published"
) -> Screen:
    """ "Who is most at risk" at its defaults (the published models, majority as given),
    with the coefficient CSVs (the same numbers as the coefficient tables)."""
    from core.risk.model import PUBLISHED_MODELS, fit_model
    from core.risk.protect import protect_model
    from core.risk.records import ModelError, prepare_records

    s = Screen(f"Who is most at risk ({rule})")
    records = _add_records(s, frame, k)
    prepared = prepare_records(frame, majority="given")
    steps = prepared.steps_table(k=1)
    shown_steps = _export(prepared.steps_table(k=k), ["records"], [], k)  # as show_table
    keys = s.table("Risk · how the records were selected", shown_steps, steps, ["records"])
    if len(keys) >= 2:
        _equal(s, [records, keys[0]["records"]], "first step = records in view")
        s.add_sum(
            [r["records"] for r in keys[1:]],
            keys[0]["records"],
            "left out + used = records in view",
        )
    for spec in PUBLISHED_MODELS:
        try:
            fit = fit_model(prepared.records, spec, denominators=rule)
        except ModelError:
            continue
        _model_cells(s, f"Risk · {spec.outcome}", fit, protect_model(fit, k=k), k)
    return s


# --------------------------------------------------------------------------- hidden
def hidden_screen(frame: pd.DataFrame, k: int) -> Screen:
    """The hidden-populations table for the page's default survey example."""
    from core.hidden.estimate import extrapolate, protect_estimates
    from core.hidden.survey import EXAMPLE_SURVEY, survey_rows
    from core.risk.model import PUBLISHED_MODELS, fit_model
    from core.risk.protect import withheld_groups
    from core.risk.records import ModelError, prepare_records
    from core.risk.tables import group_table

    s = Screen("Estimate hidden populations")
    _add_records(s, frame, k)
    rows, _ = survey_rows({g: (v, "", "") for g, v in EXAMPLE_SURVEY.items()})
    prepared = prepare_records(frame, majority="given")
    try:
        sexual = fit_model(prepared.records, PUBLISHED_MODELS[0], denominators="published")
    except ModelError:
        return s
    table = protect_estimates(
        extrapolate(rows, method="published", sexual=sexual),
        k=k,
        withheld=withheld_groups(sexual, k=k),
    ).reset_index(drop=True)
    groups = group_table(sexual).set_index("group")
    n = s.number("Hidden: model records", sexual.n, _shown_count(sexual.n, k))
    del n  # the header's n covers all four groups; the table shows only the typed ones
    survey = {r.group: r.count for r in rows}
    for i, group in enumerate(table["group"]):
        if group not in groups.index:
            continue
        truth = groups.loc[group]
        base = f"Hidden · table | {group}"
        records = s.cell(f"{base} | records", truth["n"], _value(table, i, "records"))
        events = s.cell(
            f"{base} | in sexual exploitation", truth["events"], _value(table, i, "events_sexual")
        )
        rest = s.hidden(f"{base} | not in sexual exploitation", truth["non_events"])
        s.add_sum([events, rest], records, "in + not in sexual exploitation = records")
        factor = _value(table, i, "factor")
        estimate = _value(table, i, "estimate")
        if factor is None and estimate is not None and survey.get(group):
            factor = estimate / float(survey[group])
        if factor is not None and factor > 0:
            s.relate({events: 1.0, rest: -factor}, 0.0, "odds x non-events")
    return s


# --------------------------------------------------------------------------- clusters
def clusters_screen(frame: pd.DataFrame, k: int) -> Screen:
    """The clusters page at its defaults: coverage numbers and the profile table."""
    from core.clusters.disclosure import protect_profiles, protect_view
    from core.clusters.kmeans import fit_kmeans
    from core.clusters.prepare import ClusterError, prepare
    from core.clusters.profiles import cluster_profiles

    s = Screen("Clusters")
    records = _add_records(s, frame, k)
    try:
        prepared = prepare(
            frame, columns=("ageMid", "yearOfRegistration", "gender"), encoding="label", scale=True
        )
        clustering = fit_kmeans(prepared, n_clusters=4)
    except ClusterError:
        return s
    profiles = cluster_profiles(prepared, clustering, k=k)
    view = protect_view(prepared, profiles["Records"], k=k)
    cover, sizes = view.coverage, view.sizes
    kept = s.number("clustered", prepared.kept, _text(cover.kept))
    dropped = s.number("left out", prepared.dropped, _text(cover.dropped))
    s.add_sum([kept, dropped], records, "clustered + left out = records in view")
    shown = protect_profiles(
        profiles, sizes, k=k, for_export=True, clustered_withheld=cover.kept is None
    ).reset_index(drop=True)
    keys = s.table("Clusters · profiles", shown, profiles, ["Records"])
    s.add_sum([r["Records"] for r in keys], kept, "cluster sizes add up to clustered")
    for column, count in prepared.missing.items():
        shown_count = cover.missing.get(column)
        if count:
            cell = s.number(f"missing {column}", count, _text(shown_count))
            s.add_rest(cell, records, "missing + known = records in view")
    return s


def _text(value: str | None) -> float | None:
    if value is None:
        return None
    number = pd.to_numeric(pd.Series([str(value).replace(",", "")]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


# --------------------------------------------------------------------------- forecast
def forecast_screen(frame: pd.DataFrame, k: int, full: pd.DataFrame | None = None) -> Screen:
    """The trends-and-forecast table (observed counts of the default groups)."""
    from core.forecast.run import ForecastSettings, forecast_segment
    from core.forecast.series import (
        DEFAULT_SEGMENTS,
        hide_small_bases,
        prepare_segments,
        protect_observed,
    )
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
    protected = protect_observed(results, total=yearly.total, records=len(frame), k=k)
    n_dated = int(yearly.total.sum())
    dated_shown: float | None = float(n_dated)
    undated_shown: float | None = float(len(frame) - n_dated)
    truth_table = forecast_table(results)
    try:  # the page protects its observed counts as one screen (issue 12)
        from core.forecast.series import protect_observed

        protected = protect_observed(results, total=yearly.total, records=len(frame), k=k)
        results = protected.results
        dated_shown, undated_shown = _text(protected.dated), _text(protected.undated)
    except ImportError:  # an older layout: the counts one at a time, the caption plain
        pass
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


def _aligned(shown: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame | None:
    """The shown table in the row order of the true one (matched by its label column);
    None when the two do not hold the same rows."""
    shown = shown.reset_index(drop=True)
    if len(shown) != len(truth):
        return None
    for column in ("flag", "category"):
        if column in truth.columns and column in shown.columns:
            order = {str(v): i for i, v in enumerate(shown[column])}
            found = [order.get(str(v)) for v in truth[column]]
            positions = [p for p in found if p is not None]
            if len(positions) != len(found) or len(set(positions)) != len(positions):
                return None
            return shown.iloc[positions].reset_index(drop=True)
    return shown


# --------------------------------------------------------------------------- all
SCREENS: dict[str, Callable[..., Screen]] = {
    "Home": home_screen,
    "summary command": summary_screen,
    "Explore": explore_screen,
    "Who is most at risk": risk_screen,
    "Estimate hidden populations": hidden_screen,
    "Trends and forecast": forecast_screen,
    "Clusters": clusters_screen,
    "Country brief": brief_screen,
}


def screens(frame: pd.DataFrame, k: int, full: pd.DataFrame | None = None) -> Iterator[Screen]:
    """Every screen of one slice (the ``full`` file gives the share of all records)."""
    if frame.empty:
        return
    yield home_screen(frame, k)
    yield summary_screen(frame, k)
    yield explore_screen(frame, k, full)
    yield risk_screen(frame, k)
    yield hidden_screen(frame, k)
    yield forecast_screen(frame, k, full)
    yield clusters_screen(frame, k)
    yield brief_screen(frame, k)


def format_shown(n: float, k: int) -> str:
    """A count as the screen prints it (kept for reports that quote shown numbers)."""
    return format_count(n, k)
