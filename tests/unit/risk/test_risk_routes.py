"""Disclosure routes on the risk page (issue 12), with made-up counts.

Each test fails on the earlier protection: the selection steps' lone partner of a small
step was a withheld 0 step; the family model's adults' cell followed as the header's
events minus the minor groups; the audit's collector built an equation from a term resting
on a cell with no events (and raised).
"""

from __future__ import annotations

import math

import pandas as pd

from core.audit.attack import Screen, attack_screen
from core.audit.collect import _model_cells
from core.risk.model import ModelSpec, fit_model
from core.risk.protect import protect_model
from core.risk.records import RiskRecords
from tests.unit.risk.test_logit import cells_frame


def test_a_small_step_is_protected_by_a_non_zero_step():
    # 500 in view, 400 used; left out 94, 6 and 0 (the steps add up: 500 - 94 - 6 - 0 = 400)
    prepared = RiskRecords(pd.DataFrame({"a": range(400)}), "given", 500, {"x": 94, "y": 6, "z": 0})
    steps = prepared.steps_table(k=10)["records"].tolist()
    assert steps[0] == 500 and steps[-1] == 400  # shown in the header and the title
    assert math.isnan(steps[1]) and math.isnan(steps[2]) and steps[3] == 0
    # the withheld pair sums to 100: the small step may be anything from 0 to 100
    s = Screen("selection")
    keys = [
        s.cell(f"c{i}", t, None if math.isnan(v) else v)
        for i, (t, v) in enumerate(zip([500, 94, 6, 0, 400], steps, strict=True))
    ]
    s.add_sum(keys[1:], keys[0], "adds up")
    assert attack_screen(s, k=10)[0] == []


def test_the_family_models_small_adult_cell_is_not_the_total_minus_the_minors():
    # adults: women 3 events of 40, men 0 of 25 (the adults' cell: 3 events); minors large
    fit = fit_model(
        cells_frame(
            {
                ("Female", "Adult"): (3, 37),
                ("Female", "Minor"): (120, 60),
                ("Male", "Adult"): (0, 25),
                ("Male", "Minor"): (30, 15),
            }
        ),
        ModelSpec("isSexualExploit", ("majority",)),
    )
    protected = protect_model(fit, k=10)
    groups = protected.groups.set_index("group")
    # a minor group is withheld too, so header events - minors' events is not the cell's
    assert groups.loc[["Girls", "Boys"], "events"].isna().any()
    s = Screen("family")
    _model_cells(s, "Risk · family", fit, protected, 10)
    assert attack_screen(s, k=10)[0] == []


def test_the_collector_on_a_cell_with_no_events_builds_true_equations():
    # the adults' cell has no events (separation): its term is not the closed form
    fit = fit_model(
        cells_frame(
            {
                ("Female", "Adult"): (0, 20),
                ("Female", "Minor"): (30, 14),
                ("Male", "Adult"): (0, 1),
                ("Male", "Minor"): (3, 0),
            }
        ),
        ModelSpec("isSexualExploit", ("majority",)),
    )
    s = Screen("separated")
    _model_cells(s, "Risk · family", fit, protect_model(fit, k=10), 10)
    found, _ = attack_screen(s, k=10)  # raised ValueError (a wrong equation) before
    assert found == []
