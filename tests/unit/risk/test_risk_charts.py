"""The risk and hidden-population charts take their colours from core.palette."""

from __future__ import annotations

import pandas as pd

from core.hidden.charts import estimate_chart
from core.palette import OKABE_ITO
from core.risk.charts import GROUP_COLOURS, INTERVAL_COLOUR, probability_chart


def overview() -> pd.DataFrame:
    """Two groups of one outcome; the men's 4 events are below k = 10."""
    return pd.DataFrame(
        {
            "outcome": ["Sexual exploitation"] * 2,
            "model": ["isSexualExploit"] * 2,
            "group": ["Women", "Men"],
            "n": [100, 100],
            "events": [40, 4],
            "non_events": [60, 96],
            "probability": [0.4, 0.04],
            "probability_ci_low": [0.3, 0.01],
            "probability_ci_high": [0.5, 0.1],
        }
    )


def layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]


class TestColours:
    def test_the_groups_keep_their_okabe_ito_colours(self):
        # the hex values the screens showed before the palette was shared
        assert GROUP_COLOURS == {
            "Girls": "#E69F00",
            "Women": "#D55E00",
            "Boys": "#56B4E9",
            "Men": "#0072B2",
        }
        assert set(GROUP_COLOURS.values()) <= set(OKABE_ITO)
        assert INTERVAL_COLOUR == "#000000" == OKABE_ITO[-1]


class TestProbabilityChart:
    def test_small_groups_are_left_out_and_colours_follow_the_groups(self):
        bars, rules = layers(probability_chart(overview(), title="t", k=10))
        scale = bars["encoding"]["color"]["scale"]
        assert scale == {"domain": ["Women"], "range": ["#D55E00"]}
        assert rules["mark"]["color"] == "#000000"

    def test_with_k_1_both_groups_are_drawn(self):
        bars, _ = layers(probability_chart(overview(), title="t", k=1))
        assert bars["encoding"]["color"]["scale"]["range"] == ["#D55E00", "#0072B2"]


class TestEstimateChart:
    def test_bars_take_the_group_colours_and_black_whiskers(self):
        table = pd.DataFrame(
            {
                "group": ["Women", "Men"],
                "survey_count": [5361.0, 10656.0],
                "factor": [1.2, float("nan")],
                "estimate": [6433.2, float("nan")],
                "ci_low": [5000.0, float("nan")],
                "ci_high": [8000.0, float("nan")],
            }
        )
        bars, whiskers = layers(estimate_chart(table, title="t", unit="thousands"))
        assert bars["encoding"]["color"]["scale"] == {"domain": ["Women"], "range": ["#D55E00"]}
        assert bars["encoding"]["y"]["title"] == "Estimate (thousand people)"
        assert whiskers["mark"]["color"] == "#000000"
