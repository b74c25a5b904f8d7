"""Sentences of core.risk.words and core.risk.separation: ratios read as ratios, and
singular or plural as the number asks."""

from __future__ import annotations

import pandas as pd
import pytest

from core.risk.separation import Separation
from core.risk.words import per_100_text, probability_sentences, ratio_sentence


def group(name: str, n: int, events: int, p: float) -> pd.DataFrame:
    edge = events in (0, n)  # the model's interval then spans (nearly) everything
    return pd.DataFrame(
        {
            "group": [name],
            "n": [n],
            "events": [events],
            "probability": [p],
            "probability_ci_low": [0.0 if edge else p / 2],
            "probability_ci_high": [1.0 if edge else min(1.0, p * 2)],
        }
    )


class TestPer100:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (1.38, "1.4"),  # one decimal below 10
            (9.94, "9.9"),
            (9.96, "10"),  # rounds up to 10: whole from there
            (191.2, "191"),
            (1.0, "1"),  # no trailing .0
            (2.04, "2"),
            (0.3, "0.3"),
            (0.04, "under 0.1"),
        ],
    )
    def test_decimals(self, value, text):
        assert per_100_text(value) == text


class TestRatioSentence:
    def test_a_ratio_is_written_as_a_ratio_and_the_overlap_said(self):
        # P(sexual) / P(forced labour) among men = 1.38 per 100 (issue 14): not "of every
        # 100 men in forced labour, 1 is in sexual exploitation" (that share is 0.2%)
        assert ratio_sentence("men", "in sexual exploitation", "in forced labour", 1.38) == (
            "About 1.4 men in sexual exploitation for every 100 men in forced labour in "
            "these records; a person can be in both."
        )

    @pytest.mark.parametrize(
        ("group", "single"),
        [("girls", "girl"), ("women", "woman"), ("boys", "boy"), ("men", "man")],
    )
    def test_one_is_singular(self, group, single):
        text = ratio_sentence(group, "in sexual exploitation", "in forced labour", 0.97)
        assert text.startswith(f"About 1 {single} in sexual exploitation for every 100 {group} ")

    def test_other_amounts_are_plural(self):
        text = ratio_sentence("boys", "in sexual exploitation", "in forced labour", 1.5)
        assert text.startswith("About 1.5 boys in sexual exploitation")


class TestProbabilitySentences:
    def test_with_the_forced_labour_reference(self):
        sexual = group("Men", 3799, 42, 42 / 3799)
        labour = group("Men", 3799, 3039, 0.8)
        out = probability_sentences(sexual, "isSexualExploit", reference=labour)
        assert out[1] == (
            "About 1.4 men in sexual exploitation for every 100 men in forced labour in "
            "these records; a person can be in both."
        )
        assert "1 are" not in " ".join(out)

    def test_a_single_record_is_singular(self):
        none = probability_sentences(group("Boys", 1, 0, 1e-9), "isSexualExploit")
        assert none == ["The only boy in these records is not in sexual exploitation."]
        every = probability_sentences(group("Women", 1, 1, 1 - 1e-9), "isSexualExploit")
        assert every == ["The only woman in these records is in sexual exploitation."]

    def test_several_records_are_plural(self):
        out = probability_sentences(group("Boys", 12, 0, 1e-9), "isSexualExploit")
        assert out == ["None of the 12 boys in these records are in sexual exploitation."]

    def test_a_withheld_count_stays_plural(self):
        out = probability_sentences(group("Boys", 1, 0, 1e-9), "isSexualExploit", k=10)
        assert out == ["None of the <10 boys in these records are in sexual exploitation."]


class TestSeparationSentences:
    def test_one_record(self):
        words = Separation(True, edge_cells=(("boys", 1, "none"),)).sentences("isSexualExploit")
        assert words == ["The only record of boys is not in sexual exploitation."]

    def test_one_infinite_estimate_is_singular(self):
        words = Separation(True, infinite_labels=("Male: men and boys",)).sentences(
            "isSexualExploit"
        )
        assert words == [
            "The maximum-likelihood estimate of Male: men and boys is infinite (separation); "
            "the numbers shown for it are meaningless."
        ]

    def test_several_infinite_estimates_are_plural(self):
        words = Separation(True, infinite_labels=("a", "b")).sentences("isSexualExploit")
        assert words == [
            "The maximum-likelihood estimates of a and b are infinite (separation); the "
            "numbers shown for them are meaningless."
        ]
