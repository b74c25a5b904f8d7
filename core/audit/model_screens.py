"""The model pages (risk, hidden populations) and Clusters as an attacker sees them
(see :mod:`core.audit.collect`)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from core.audit.attack import FITTED, Screen, saturated_relations
from core.audit.cells import (
    _add_records,
    _equal,
    _export,
    _shown_count,
    _text,
    _value,
)


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
