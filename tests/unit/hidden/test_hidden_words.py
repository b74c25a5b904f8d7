"""Sentences of core.hidden.words: ratios read as ratios, whom a total covers, singular
and plural, and what the intervals cover."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.hidden.words import (
    INTERVAL_SCOPE,
    estimate_headline,
    estimate_sentences,
    total_caption,
    total_label,
)


def table(**columns) -> pd.DataFrame:
    base = {
        "group": ["Men"],
        "survey_count": [10656.0],
        "method": ["published"],
        "factor": [0.01118],
        "estimate": [119.1],
        "ci_low": [87.9],
        "ci_high": [161.46],
        "note": [""],
    }
    base.update(columns)
    return pd.DataFrame(base)


class TestSentences:
    def test_published_odds_as_a_ratio(self):
        assert estimate_sentences(table(), unit="thousands") == [
            "Men: in these records, about 1.1 men in sexual exploitation for every 100 men "
            "not in it (read as forced labour), so 10,656 thousand people x 0.0112 = about "
            "119 thousand people (95% interval 88 to 161 thousand people)."
        ]

    def test_ratio_method_says_a_person_can_be_in_both(self):
        # P(sexual) / P(forced labour) = 1.38 per 100 among men (issue 14)
        out = estimate_sentences(table(method=["ratio"], factor=[0.0138]), unit="thousands")
        assert out[0].startswith(
            "Men: in these records, about 1.4 men in sexual exploitation for every 100 men in "
            "forced labour (a person can be in both), so"
        )

    def test_one_per_100_is_singular(self):
        out = estimate_sentences(table(group=["Women"], factor=[0.0101]), unit="thousands")
        assert "about 1 woman in sexual exploitation for every 100 women not in it" in out[0]

    def test_large_ratios_are_whole(self):
        out = estimate_sentences(table(group=["Girls"], factor=[8.52]), unit="thousands")
        assert "about 852 girls in sexual exploitation for every 100 girls" in out[0]

    def test_one_person(self):
        out = estimate_sentences(
            table(survey_count=[1.0], estimate=[1.2], ci_low=[0.6], ci_high=[2.1]),
            unit="persons",
        )
        assert "so 1 person x 0.0112 = about 1 person (95% interval 1 to 2 people)." in out[0]

    def test_a_note_replaces_the_numbers(self):
        out = estimate_sentences(
            table(estimate=[np.nan], note=["withheld: fewer than 10 records"]), unit="persons"
        )
        assert out == ["Men: withheld: fewer than 10 records."]


class TestTotal:
    def test_one_group_is_named_not_called_a_total(self):
        assert total_label(table(), unit="thousands") == (
            "Men estimated in sexual exploitation (thousand people)"
        )
        caption = total_caption(table(), 87.9, 161.46, unit="thousands")
        assert caption == (
            "95% interval 88 to 161 thousand people. Covers men only; not included: girls, "
            "women and boys (no survey count typed). " + INTERVAL_SCOPE
        )

    def test_several_groups_name_what_they_add(self):
        two = table(
            group=["Women", "Men"],
            survey_count=[5361.0, 10656.0],
            method=["published"] * 2,
            factor=[1.209, 0.01118],
            estimate=[6483.9, 119.1],
            ci_low=[6210.0, 87.9],
            ci_high=[6770.0, 161.46],
            note=["", ""],
        )
        assert total_label(two, unit="thousands") == (
            "Total of women and men estimated in sexual exploitation (thousand people)"
        )
        assert total_caption(two, 6328.2, 6889.6, unit="thousands").startswith(
            "95% interval 6,328 to 6,890 thousand people. Adds up women and men; not "
            "included: girls and boys (no survey count typed). "
        )
        assert estimate_headline(two, unit="thousands") == (
            "Women and men: about 6,603 thousand people estimated in sexual exploitation, "
            "98% of them women"
        )

    def test_all_four_typed_says_nothing_left_out(self):
        four = pd.DataFrame(
            {"group": ["Girls", "Women", "Boys", "Men"], "estimate": [1.0, 2.0, 3.0, 4.0]}
        )
        assert total_caption(four, 5.0, 15.0, unit="persons") == (
            "95% interval 5 to 15 people. Adds up girls, women, boys and men. " + INTERVAL_SCOPE
        )

    def test_the_scope_is_said(self):
        assert "not whether identified victims represent the hidden population" in INTERVAL_SCOPE

    def test_unit_is_checked(self):
        with pytest.raises(ValueError, match="unit"):
            total_label(table(), unit="millions")
