"""The Explore page as an attacker sees it (see :mod:`core.audit.collect`)."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from core.audit.attack import Screen
from core.audit.cells import (
    _add_records,
    _cells_of_total,
    _equal,
    _export,
    _value,
)
from core.privacy import safe_share


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
    from core.explore import aggregates, quality, shift_protect, shift_tables, shifts, world_map
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
        drawn, _ = shift_protect.protect_shifts(
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
        table = shift_tables.trends_table(trends)
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
