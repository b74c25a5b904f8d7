"""Unit tests of core.explore (aggregates, shifts, quality, headlines, protect, charts) against hand-derived values.

Each small frame is written out in a comment beside the test, with the counts the
expected numbers come from. The binomial trend is checked against a closed form (a
saturated two-year fit) and against statsmodels' row-level Logit on expanded records.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from contextlib import AbstractContextManager

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from core.data.schema import AGE_BANDS, DURATION_BANDS
from core.data.years import incomplete_years
from core.explore import (
    aggregates,
    charts,
    countries,
    country_charts,
    headlines,
    protect,
    quality,
    shift_charts,
    shift_tables,
    shifts,
)
from core.privacy import format_count
from core.words import category_label, share_text, year_span

NAMES = {
    "UKR": "Ukraine",
    "RUS": "Russian Federation",
    "MDA": "Moldova",
    "PHL": "Philippines",
    "POL": "Poland",
}
Z95 = 1.959963984540054


def country_frame(
    pairs: list[tuple[str | None, str | None]], **extra: list[object]
) -> pd.DataFrame:
    """A canonical-like frame of (citizenship, exploitation) codes with their names."""
    cit = [p[0] for p in pairs]
    exp = [p[1] for p in pairs]
    frame = pd.DataFrame(
        {
            "citizenship": pd.Categorical(cit),
            "citizenshipName": pd.Categorical([NAMES.get(c) if c else None for c in cit]),
            "CountryOfExploitation": pd.Categorical(exp),
            "CountryOfExploitationName": pd.Categorical([NAMES.get(c) if c else None for c in exp]),
        }
    )
    for name, values in extra.items():
        frame[name] = values
    return frame


def ages(values: list[str | None]) -> pd.Categorical:
    return pd.Categorical(values, categories=list(AGE_BANDS), ordered=True)


# ------------------------------------------------------------------------ helpers
class TestHelpers:
    def test_format_count_withholds_small(self) -> None:
        assert format_count(9, 10) == "<10"
        assert format_count(10, 10) == "10"
        assert format_count(0, 10) == "0"
        assert format_count(12345, 1) == "12,345"

    def test_year_span(self) -> None:
        assert year_span([2021, 2020, 2019]) == "2019–2021"
        assert year_span([2005, 2007]) == "2005, 2007"

    def test_category_labels(self) -> None:
        assert [category_label("ageBroad", b) for b in AGE_BANDS[:3]] == ["0–8", "9–17", "18–20"]
        assert [category_label("traffickMonths", d) for d in DURATION_BANDS] == [
            "0–1 year",
            "1–2 years",
            "2–5 years",
            "2+ years",
            "5+ years",
        ]
        assert category_label("majorityStatusAtExploit", "Minor") == "Minor"

    def test_withhold_small_blanks_counts_and_dependents(self) -> None:
        t = pd.DataFrame(
            {"c": [0, 1, 9, 10], "known": [20, 20, 20, 5], "share": [0, 0.05, 0.45, 1]}
        )
        out = protect.withhold_small(
            t, k=10, count_columns=["c", "known"], dependent_columns=["share"]
        )
        # rows 1, 2 (c in 1..9) and 3 (known 5) are withheld; row 0 (zero) is not
        assert out["c"].isna().tolist() == [False, True, True, True]
        assert out["share"].isna().tolist() == [False, True, True, True]
        assert out["c"].dtype == float

    def test_visible_row_count(self) -> None:
        assert protect.visible_row_count(pd.DataFrame({"count": [0, 1, 9, 10, 11]}), k=10) == 2
        assert protect.visible_row_count(pd.DataFrame({"count": [0, 1]}), k=1) == 1
        assert protect.visible_row_count(pd.DataFrame({"count": []}), k=1) == 0

    def test_records_behind(self) -> None:
        t = pd.DataFrame({"g": ["a", "a", "b", "b"], "known": [7, 7, 5, 5]})
        assert aggregates.records_behind(t, by="g") == 12
        assert aggregates.records_behind(t) == 7
        assert aggregates.records_behind(t.iloc[:0]) == 0

    def test_chart_bases(self) -> None:
        out = quality.chart_bases([("A", "x", 3), ("B", "y", 40)])
        assert out.columns.tolist() == ["Section", "Chart", "Records"]
        assert out["Records"].sum() == 43


# ------------------------------------------------------------------------ flows
def flows_frame() -> pd.DataFrame:
    # UKR->RUS x3, UKR->POL x1, MDA->RUS x2, PHL->PHL x1, one row without citizenship,
    # one without exploitation country: 7 records with both known.
    # Citizenship totals: UKR 4, MDA 2, PHL 1. Exploitation: RUS 5, POL 1, PHL 1.
    pairs = (
        [("UKR", "RUS")] * 3
        + [("UKR", "POL")]
        + [("MDA", "RUS")] * 2
        + [("PHL", "PHL"), (None, "RUS"), ("UKR", None)]
    )
    return country_frame(pairs)


class TestCountryFlows:
    def test_top_countries_and_pairs(self) -> None:
        flows = countries.country_flows(flows_frame(), top_n=2)
        # top 2 citizenship: UKR (4), MDA (2); top 2 exploitation: RUS (5), then POL and PHL
        # tie at 1 and the name decides: "Philippines" < "Poland".
        assert flows.citizenship_order == ["Ukraine", "Moldova"]
        assert flows.exploitation_order == ["Russian Federation", "Philippines"]
        assert flows.table[["citizenship", "exploitation", "count"]].values.tolist() == [
            ["Ukraine", "Russian Federation", 3],
            ["Moldova", "Russian Federation", 2],
        ]
        assert flows.both_known == 7
        assert flows.shown == 5
        assert flows.table["log10_count"].tolist() == pytest.approx([math.log10(3), math.log10(2)])

    def test_all_pairs_when_top_n_is_large(self) -> None:
        flows = countries.country_flows(flows_frame(), top_n=10)
        assert flows.shown == 7
        assert len(flows.table) == 4

    def test_no_pair_known(self) -> None:
        flows = countries.country_flows(country_frame([("UKR", None), (None, "RUS")]))
        assert flows.both_known == 0
        assert flows.table.empty
        assert headlines.flows_headline(flows) == "No record in view has both countries known"

    def test_headline(self) -> None:
        flows = countries.country_flows(flows_frame(), top_n=2)
        assert headlines.flows_headline(flows) == (
            "Largest flow: citizens of Ukraine exploited in Russian Federation "
            "(3 records, 60% of the flows shown)"
        )  # 3 of the 5 shown
        assert "(<10 records" in headlines.flows_headline(flows, k=10)


class TestSankeyLinks:
    def test_largest_flows_and_shares(self) -> None:
        links = countries.sankey_links(flows_frame(), top_n=2)
        assert links.values.tolist() == [
            ["Ukraine", "Russian Federation", 3, pytest.approx(3 / 7)],
            ["Moldova", "Russian Federation", 2, pytest.approx(2 / 7)],
        ]
        assert headlines.sankey_headline(links) == (
            "The 2 largest flows carry 71% of records with both countries known"
        )  # 5/7

    def test_ties_broken_by_name(self) -> None:
        links = countries.sankey_links(flows_frame(), top_n=4)
        # the two single-record flows: Philippines->Philippines before Ukraine->Poland
        assert links["citizenship"].tolist()[2:] == ["Philippines", "Ukraine"]


# ------------------------------------------------------------------------ top vs bottom
class TestTopBottomCountries:
    def frame(self) -> pd.DataFrame:
        # A 10, B 8, C 8, D 5, E 3, F 1 records
        codes = list("A" * 10 + "B" * 8 + "C" * 8 + "D" * 5 + "E" * 3 + "F")
        return pd.DataFrame({"citizenship": pd.Categorical(codes)})

    def test_top_and_bottom_with_minimum(self) -> None:
        out = countries.top_bottom_countries(self.frame(), n=2, min_records=3)
        # top: A (10), then B/C tie at 8 -> B by name; bottom among C, D, E (F has < 3):
        # E (3), D (5)
        assert out[["code", "records", "group"]].values.tolist() == [
            ["A", 10, countries.TOP_LABEL],
            ["B", 8, countries.TOP_LABEL],
            ["E", 3, countries.BOTTOM_LABEL],
            ["D", 5, countries.BOTTOM_LABEL],
        ]

    def test_no_country_in_both_groups(self) -> None:
        out = countries.top_bottom_countries(self.frame(), n=5, min_records=5)
        # only A, B, C, D have >= 5: all go to the top, none is left for the bottom
        assert out["code"].tolist() == ["A", "B", "C", "D"]
        assert set(out["group"]) == {countries.TOP_LABEL}

    def test_none_eligible(self) -> None:
        assert countries.top_bottom_countries(self.frame(), n=2, min_records=11).empty

    def test_by_country_of_exploitation_uses_names(self) -> None:
        out = countries.top_bottom_countries(
            flows_frame(), by="CountryOfExploitation", n=1, min_records=1
        )
        assert out["country"].tolist() == ["Russian Federation", "Philippines"]


class TestProfileShares:
    def frame(self) -> pd.DataFrame:
        # UKR: ages 9-17, 9-17, 30-38, unknown;  MDA: 30-38;  PHL: 0-8, 0-8
        return country_frame(
            [("UKR", None)] * 4 + [("MDA", None)] + [("PHL", None)] * 2,
            ageBroad=ages(["09--17", "09--17", "30--38", None, "30--38", "0--8", "0--8"]),
        )

    def chosen(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "code": ["UKR", "MDA", "PHL"],
                "country": ["Ukraine", "Moldova", "Philippines"],
                "records": [4, 1, 2],
                "group": [countries.TOP_LABEL, countries.BOTTOM_LABEL, countries.BOTTOM_LABEL],
            }
        )

    def test_per_country_by_hand(self) -> None:
        out = countries.profile_shares(
            self.frame(), self.chosen(), by="citizenship", field="ageBroad"
        )
        ukr = out[out["country"] == "Ukraine"]
        # bands seen anywhere: 0-8, 9-17, 30-38 (band order); UKR knows 3 ages
        assert ukr["category"].tolist() == ["0–8", "9–17", "30–38"]
        assert ukr["count"].tolist() == [0, 2, 1]
        assert ukr["known"].tolist() == [3, 3, 3]
        assert ukr["share"].tolist() == pytest.approx([0, 2 / 3, 1 / 3])
        assert out["country"].drop_duplicates().tolist() == ["Ukraine", "Moldova", "Philippines"]

    def test_pooled_by_hand(self) -> None:
        out = countries.profile_shares(
            self.frame(), self.chosen(), by="citizenship", field="ageBroad", pooled=True
        )
        low = out[out["group"] == countries.BOTTOM_LABEL]
        # MDA + PHL pooled: 0-8 x2, 30-38 x1 of 3 known
        assert low["count"].tolist() == [2, 0, 1]
        assert low["share"].tolist() == pytest.approx([2 / 3, 0, 1 / 3])

    def test_with_pooled_puts_group_first(self) -> None:
        out = countries.profile_with_pooled(
            self.frame(), self.chosen(), by="citizenship", field="ageBroad"
        )
        assert out["country"].drop_duplicates().tolist() == [
            "All highest volume (1)",
            "Ukraine",
            "All lowest volume (2)",
            "Moldova",
            "Philippines",
        ]

    def test_headline_largest_gap(self) -> None:
        pooled = countries.profile_shares(
            self.frame(), self.chosen(), by="citizenship", field="ageBroad", pooled=True
        )
        # gaps (low - high): 0-8 2/3-0, 9-17 0-2/3, 30-38 1/3-1/3 -> 0-8 comes first
        assert headlines.profile_headline(pooled, field="ageBroad") == (
            "Age 0–8: 67% in the lowest-volume countries vs 0% in the highest-volume ones"
        )
        # with k = 4 neither group has enough known records (3 each)
        assert headlines.profile_headline(pooled, field="ageBroad", k=4).startswith("Too few")

    def test_headline_does_not_quote_a_small_count(self) -> None:
        # the highest group's C is 2 of 100 (hidden on the chart at k = 10): its 2% must
        # not reach the title, where the visible denominator would give the count away
        pooled = pd.DataFrame(
            {
                "group": [countries.TOP_LABEL] * 3 + [countries.BOTTOM_LABEL] * 3,
                "category": ["A", "B", "C"] * 2,
                "count": [50, 48, 2, 45, 15, 40],
                "known": [100] * 6,
            }
        )
        pooled["share"] = pooled["count"] / pooled["known"]
        assert headlines.profile_headline(pooled, field="gender", k=10) == (
            "B: 15% in the lowest-volume countries vs 48% in the highest-volume ones"
        )

    def test_empty_selection(self) -> None:
        out = countries.profile_shares(
            self.frame(), self.chosen().iloc[:0], by="citizenship", field="ageBroad"
        )
        assert out.empty


# ------------------------------------------------------------------------ tactics
def tactics_frame() -> pd.DataFrame:
    # columns D (debt bondage), T (threats), P (physical abuse)
    #  r1 F: D,T   r2 M: T   r3 F: D,P   r4 F: -   r5 ?: P
    #  r6 M: T     r7 F: T,P r8 M: P     r9 ?: T
    # known (any flag): all but r4 -> 8; D 2, T 5, P 4
    # by gender: F known r1 r3 r7 = 3 (D 2, T 2, P 2); M known r2 r6 r8 = 3 (D 0, T 2, P 1)
    d = [1, 0, 1, 0, 0, 0, 0, 0, 0]
    t = [1, 1, 0, 0, 0, 1, 1, 0, 1]
    p = [0, 0, 1, 0, 1, 0, 1, 1, 0]
    return pd.DataFrame(
        {
            "gender": pd.Categorical(
                ["Female", "Male", "Female", "Female", None, "Male", "Female", "Male", None],
                categories=["Female", "Male", "Transgender/NonConforming"],
            ),
            "meansOfControlDebtBondage": np.array(d, dtype=bool),
            "meansOfControlThreats": np.array(t, dtype=bool),
            "meansOfControlPhysicalAbuse": np.array(p, dtype=bool),
        }
    )


class TestTacticShares:
    def test_overall_denominator_rule(self) -> None:
        out = aggregates.tactic_shares(tactics_frame(), group="means").set_index("label")
        assert out.loc["Threats", ["count", "known", "rank"]].tolist() == [5, 8, 1]
        assert out.loc["Physical abuse", ["count", "known", "rank"]].tolist() == [4, 8, 2]
        assert out.loc["Debt bondage", ["count", "known", "rank"]].tolist() == [2, 8, 3]
        # r4 (no flag) is unknown, not "no means": 8 in the denominator, not 9
        assert out.loc["Threats", "share"] == pytest.approx(5 / 8)

    def test_split_keeps_overall_rank_and_groups(self) -> None:
        out = aggregates.tactic_shares(tactics_frame(), group="means", by="gender")
        assert out["gender"].drop_duplicates().tolist() == ["Female", "Male"]  # no empty group
        male = out[out["gender"] == "Male"].set_index("label")
        assert male["known"].tolist() == [3, 3, 3]
        assert male.loc["Threats", "share"] == pytest.approx(2 / 3)
        assert male.loc["Debt bondage", "count"] == 0
        assert out[out["gender"] == "Female"]["label"].tolist() == [
            "Threats",
            "Physical abuse",
            "Debt bondage",
        ]  # overall order within each group
        assert aggregates.records_behind(out, by="gender") == 6

    def test_headlines(self) -> None:
        frame = tactics_frame()
        overall = aggregates.tactic_shares(frame, group="means")
        assert headlines.tactics_headline(overall, group="means") == (
            f"Most reported means of control: Threats ({5 / 8:.0%} of victims with any known)"
        )
        split = aggregates.tactic_shares(frame, group="means", by="gender")
        # spreads F - M: D 2/3 - 0, T 2/3 - 2/3, P 2/3 - 1/3 -> debt bondage
        assert headlines.tactics_headline(split, group="means", by="gender") == (
            "Widest gap: Debt bondage, 67% for Female vs 0% for Male"
        )
        assert headlines.tactics_headline(split, group="means", by="gender", k=4).startswith(
            "Too few"
        )
        # one group in view: no comparison, its leading item (men: T 2 of 3, P 1, D 0)
        men = aggregates.tactic_shares(frame[frame["gender"] == "Male"], group="means", by="gender")
        assert headlines.tactics_headline(men, group="means", by="gender") == (
            "Most reported means of control for Male: Threats (67% of victims with any known)"
        )

    def test_split_headline_does_not_quote_a_small_count(self) -> None:
        # Female debt bondage is 2 of 100 (hidden at k = 10): not quoted in the title
        split = pd.DataFrame(
            {
                "gender": ["Female"] * 2 + ["Male"] * 2,
                "label": ["Threats", "Debt bondage"] * 2,
                "count": [50, 2, 48, 40],
                "known": [100] * 4,
                "rank": [1, 2] * 2,
            }
        )
        split["share"] = split["count"] / split["known"]
        assert headlines.tactics_headline(split, group="means", by="gender", k=10) == (
            "Widest gap: Threats, 50% for Female vs 48% for Male"
        )

    def test_no_flag_known(self) -> None:
        frame = tactics_frame()
        frame[
            ["meansOfControlDebtBondage", "meansOfControlThreats", "meansOfControlPhysicalAbuse"]
        ] = False
        out = aggregates.tactic_shares(frame, group="means")
        assert out["known"].eq(0).all()
        assert headlines.tactics_headline(out, group="means") == (
            "No record in view has any means of control recorded"
        )

    def test_group_absent_from_file(self) -> None:
        assert aggregates.tactic_shares(tactics_frame(), group="labour").empty


# ------------------------------------------------------------------------ trends
class TestIncompleteYears:
    def test_release_2021_counts(self) -> None:
        # counts from the schema notes: 2020 and 2021 hold 4,120 and 2,060 records.
        # Run 2020-21 vs median(2017..2019) = 26,050: both < 13,025. 2019 is not thin.
        s = pd.Series([24930, 17170, 26050, 27840, 4120, 2060], index=range(2016, 2022))
        assert incomplete_years(s) == [2020, 2021]

    def test_a_run_is_judged_against_the_years_before_it(self) -> None:
        # each of the last three is < 50 = half of 100; comparing the last year only with
        # its own predecessors (median 40) would miss it
        s = pd.Series([100, 100, 100, 40, 40, 40], index=range(2010, 2016))
        assert incomplete_years(s) == [2013, 2014, 2015]

    def test_not_thin_and_middle_dips(self) -> None:
        assert incomplete_years(pd.Series([100, 100, 100, 60], index=range(2000, 2004))) == []
        assert incomplete_years(pd.Series([100, 100, 100, 10, 100], index=range(2000, 2005))) == []

    def test_ratio(self) -> None:
        s = pd.Series([100, 100, 100, 60], index=range(2000, 2004))
        assert incomplete_years(s, ratio=0.7) == [2003]

    def test_short_series_and_empty(self) -> None:
        assert incomplete_years(pd.Series([100, 100, 1], index=[2000, 2001, 2002])) == []
        assert incomplete_years(pd.Series([], dtype=float)) == []

    def test_unsorted_index_and_gaps(self) -> None:
        # 2018 missing -> 0 records; run 2018-19 vs median(100, 100, 100)
        s = pd.Series({2019: 10, 2015: 100, 2017: 100, 2016: 100})
        assert incomplete_years(s) == [2018, 2019]


class TestYearlyTotals:
    def frame(self) -> pd.DataFrame:
        # 2015 x5, 2016 x6, 2017 x5, 2018 x0, 2019 x1, two without year
        years = [2015] * 5 + [2016] * 6 + [2017] * 5 + [2019] + [None, None]
        return pd.DataFrame({"yearOfRegistration": pd.array(years, dtype="Int16")})

    def test_counts_zero_filled_with_status(self) -> None:
        out = aggregates.yearly_totals(self.frame())
        assert out.table[["year", "count"]].values.tolist() == [
            [2015, 5],
            [2016, 6],
            [2017, 5],
            [2018, 0],
            [2019, 1],
        ]
        # run 2018-19 vs median(5, 6, 5) = 5: 0 and 1 < 2.5
        assert out.incomplete == [2018, 2019]
        assert out.table["status"].tolist()[-2:] == ["Likely incomplete (reporting lag)"] * 2
        assert out.no_year == 2
        assert out.with_year == 17

    def test_headline(self) -> None:
        out = aggregates.yearly_totals(self.frame())
        assert headlines.yearly_headline(out) == (
            "Registrations peaked in 2016 (6 records); 2018–2019 look incomplete"
        )
        assert "(<10 records)" in headlines.yearly_headline(out, k=10)

    def test_no_year_at_all(self) -> None:
        out = aggregates.yearly_totals(
            pd.DataFrame({"yearOfRegistration": pd.array([None], dtype="Int16")})
        )
        assert out.table.empty and out.no_year == 1
        assert headlines.yearly_headline(out) == "No record in view has a year of registration"


class TestYearlyByFlag:
    def test_by_hand(self) -> None:
        # 2010: FL+SE, FL;  2012: none;  no year: FL
        frame = pd.DataFrame(
            {
                "yearOfRegistration": pd.array([2010, 2010, 2012, None], dtype="Int16"),
                "isForcedLabour": [True, True, False, True],
                "isSexualExploit": [True, False, False, False],
            }
        )
        out = aggregates.yearly_by_flag(frame).set_index(["type", "year"])["count"]
        assert out[("Forced labour", 2010)] == 2
        assert out[("Sexual exploitation", 2010)] == 1
        assert out[("Forced labour", 2011)] == 0  # gap year filled
        assert out[("Type not recorded", 2012)] == 1
        assert out.sum() == 4  # the undated record is not counted

    def test_headline_skips_incomplete_and_unrecorded(self) -> None:
        t = pd.DataFrame(
            {
                "year": [2018, 2018, 2018, 2019],
                "type": ["A", "B", "Type not recorded", "A"],
                "count": [3, 7, 50, 9],
            }
        )
        assert headlines.type_trend_headline(t, incomplete=[2019]) == (
            "B was the most recorded type in 2018, the last complete year (7 records)"
        )

    def test_headline_withholds_a_small_count(self) -> None:
        t = pd.DataFrame({"year": [2018, 2018], "type": ["A", "B"], "count": [3, 7]})
        assert headlines.type_trend_headline(t, k=10) == (
            "B was the most recorded type in 2018, the last complete year (<10 records)"
        )


# ------------------------------------------------------------------------ shifts
class TestYearlyShares:
    def test_by_hand(self) -> None:
        frame = pd.DataFrame(
            {
                "yearOfRegistration": pd.array([2010, 2010, 2010, 2011, 2011, None], dtype="Int16"),
                "majorityStatusAtExploit": pd.Categorical(
                    ["Minor", "Adult", "Adult", "Adult", None, "Minor"],
                    categories=["Adult", "Minor"],
                ),
            }
        )
        out = shifts.yearly_shares(frame, field="majorityStatusAtExploit")
        # 2010: 1 minor of 3; 2011: 0 minors of 1 (the unknown and the undated are out)
        assert out[["year", "category", "count", "known"]].values.tolist() == [
            [2010, "Adult", 2, 3],
            [2010, "Minor", 1, 3],
            [2011, "Adult", 1, 1],
            [2011, "Minor", 0, 1],
        ]
        assert out["share"].tolist() == pytest.approx([2 / 3, 1 / 3, 1, 0])

    def test_nothing_known(self) -> None:
        frame = pd.DataFrame(
            {
                "yearOfRegistration": pd.array([2010], dtype="Int16"),
                "gender": pd.Categorical([None], categories=["Female"]),
            }
        )
        assert shifts.yearly_shares(frame, field="gender").empty


def shares_table(
    years: list[int], successes: list[int], totals: list[int], category: str = "Minor"
) -> pd.DataFrame:
    return pd.DataFrame({"year": years, "category": category, "count": successes, "known": totals})


def logit_rows(years: list[int], successes: list[int], totals: list[int]):
    """statsmodels' row-level Logit on the expanded records (an independent fit)."""
    y, x = [], []
    for year, s, n in zip(years, successes, totals, strict=True):
        y += [1] * s + [0] * (n - s)
        x += [year] * n
    x_arr = (np.array(x, dtype=float) - 2000) / 10
    return sm.Logit(np.array(y), sm.add_constant(x_arr)).fit(disp=0)


class TestShareTrend:
    def test_two_years_closed_form(self) -> None:
        # Saturated: fitted = observed (20/100 in 2010, 45/150 in 2016); the delta-method
        # variance of p1 - p0 is then p0 q0 / n0 + p1 q1 / n1.
        t = shifts.share_trend(
            shares_table([2010, 2016], [20, 45], [100, 150]),
            field="majorityStatusAtExploit",
            category="Minor",
            min_years=2,
        )
        assert t.ok
        assert (t.start_share, t.end_share) == (pytest.approx(0.2), pytest.approx(0.3))
        change = 1000 * (0.3 - 0.2) / 6
        se = 1000 / 6 * math.sqrt(0.2 * 0.8 / 100 + 0.3 * 0.7 / 150)
        assert t.change == pytest.approx(change, rel=1e-6)
        assert t.ci_low == pytest.approx(change - Z95 * se, rel=1e-5)
        assert t.ci_high == pytest.approx(change + Z95 * se, rel=1e-5)

        # slope per decade = difference in log odds x 10 / 6
        def logit(p):
            return math.log(p / (1 - p))

        assert t.slope == pytest.approx((logit(0.3) - logit(0.2)) * 10 / 6, rel=1e-6)

    def test_matches_row_level_logit(self) -> None:
        years, succ, tot = (
            [2005, 2007, 2010, 2013, 2016],
            [10, 14, 30, 33, 60],
            [80, 70, 110, 90, 120],
        )
        t = shifts.share_trend(
            shares_table(years, succ, tot),
            field="majorityStatusAtExploit",
            category="Minor",
            overdispersion=False,
        )
        ref = logit_rows(years, succ, tot)  # Logit(y ~ 1 + (year - 2000) / 10)
        assert t.slope == pytest.approx(ref.params[1], rel=1e-6)
        assert t.slope_se == pytest.approx(ref.bse[1], rel=1e-5)
        p = ref.predict(sm.add_constant((np.array([2005.0, 2016.0]) - 2000) / 10))
        assert (t.start_share, t.end_share) == (
            pytest.approx(p[0], rel=1e-6),
            pytest.approx(p[1], rel=1e-6),
        )
        assert t.change == pytest.approx(1000 * (p[1] - p[0]) / 11, rel=1e-6)

        # the interval: numerical delta method on the reference fit's covariance
        def change_of(params: np.ndarray) -> float:
            xs = (np.array([2005.0, 2016.0]) - 2000) / 10
            q = 1 / (1 + np.exp(-(params[0] + params[1] * xs)))
            return 1000 * (q[1] - q[0]) / 11

        eps = 1e-6
        grad = np.array(
            [
                (change_of(ref.params + eps * e) - change_of(ref.params - eps * e)) / (2 * eps)
                for e in np.eye(2)
            ]
        )
        se = math.sqrt(grad @ ref.cov_params() @ grad)
        assert t.ci_high - t.ci_low == pytest.approx(2 * Z95 * se, rel=1e-4)

    def test_overdispersion_widens_by_pearson_scale(self) -> None:
        # shares swinging far more than binomial sampling allows
        years, succ, tot = [2010, 2011, 2012, 2013, 2014, 2015], [50, 10, 70, 20, 90, 40], [100] * 6
        t = shifts.share_trend(shares_table(years, succ, tot), field="gender", category="Minor")
        ref = logit_rows(years, succ, tot)
        p = ref.predict(sm.add_constant((np.array(years, dtype=float) - 2000) / 10))
        n, s = np.array(tot), np.array(succ)
        pearson = float(np.sum((s - n * p) ** 2 / (n * p * (1 - p))))
        scale = pearson / (len(years) - 2)
        assert scale > 1
        assert t.scale == pytest.approx(scale, rel=1e-5)
        assert t.slope_se == pytest.approx(ref.bse[1] * math.sqrt(scale), rel=1e-5)

    def test_underdispersion_never_narrows(self) -> None:
        # exactly linear-in-logit shares: Pearson X2 ~ 0 -> scale stays 1
        years = [2010, 2012, 2014, 2016]
        p = 1 / (1 + np.exp(-(-1 + 0.2 * (np.array(years) - 2010))))
        tot = [1000] * 4
        succ = [round(v * 1000) for v in p]
        t = shifts.share_trend(shares_table(years, succ, tot), field="gender", category="Minor")
        assert t.scale == 1.0
        assert t.slope_se == pytest.approx(logit_rows(years, succ, tot).bse[1], rel=1e-5)

    def test_excluded_years_are_left_out(self) -> None:
        years, succ, tot = (
            [2010, 2012, 2014, 2016, 2020],
            [10, 20, 30, 35, 1],
            [100, 100, 100, 100, 10],
        )
        with_excl = shifts.share_trend(
            shares_table(years, succ, tot), field="gender", category="Minor", exclude_years=[2020]
        )
        without = shifts.share_trend(
            shares_table(years[:-1], succ[:-1], tot[:-1]), field="gender", category="Minor"
        )
        assert with_excl.last_year == 2016
        assert with_excl.change == pytest.approx(without.change)
        assert with_excl.n_records == 400

    def test_no_estimate_cases(self) -> None:
        zero = shifts.share_trend(
            shares_table([2010, 2011, 2012], [0, 0, 0], [5, 6, 7]),
            field="majorityStatusAtExploit",
            category="Minor",
        )
        assert not zero.ok and "0% in every year" in zero.reason
        full = shifts.share_trend(
            shares_table([2010, 2011, 2012], [5, 6, 7], [5, 6, 7]),
            field="majorityStatusAtExploit",
            category="Minor",
        )
        assert not full.ok and "100%" in full.reason
        jump = shifts.share_trend(
            shares_table([2010, 2011, 2012, 2013], [0, 3, 9, 9], [9, 9, 9, 9]),
            field="majorityStatusAtExploit",
            category="Minor",
        )
        assert not jump.ok and "jumps between 0% and 100%" in jump.reason
        few = shifts.share_trend(
            shares_table([2010, 2011], [1, 2], [9, 9]),
            field="majorityStatusAtExploit",
            category="Minor",
        )
        assert not few.ok and "fewer than 3 years" in few.reason
        assert few.sentence() == "No trend for minors: fewer than 3 years with known values."

    def test_separation_needs_a_clean_split(self) -> None:
        # 0% before 2011, 100% after it, 2011 mixed: quasi-separation, no finite slope
        quasi = shifts.share_trend(
            shares_table([2010, 2011, 2012, 2013], [0, 5, 100, 100], [100] * 4),
            field="majorityStatusAtExploit",
            category="Minor",
        )
        assert not quasi.ok
        # 2011 and 2012 both mixed: the slope is finite (and steep)
        mixed = shifts.share_trend(
            shares_table([2010, 2011, 2012, 2013], [0, 5, 80, 100], [100] * 4),
            field="majorityStatusAtExploit",
            category="Minor",
        )
        assert mixed.ok and mixed.change > 0

    def test_sentences(self) -> None:
        base = {"first_year": 2005, "last_year": 2019, "start_share": 0.2, "end_share": 0.35}
        rose = shifts.ShareTrend(
            "majorityStatusAtExploit", "Minor", True, change=10.7, ci_low=9.9, ci_high=11.5, **base
        )
        # wording changed (issue 14): fitted ends said to be fitted, observed ones observed
        assert rose.sentence() == (
            "The share of minors rose: fitted 20.0% in 2005 to 35.0% in 2019, "
            "+10.7 points per decade (95% CI +9.9 to +11.5)."
        )
        seen = dataclasses.replace(rose, observed_start=0.048, observed_end=0.432)
        assert seen.sentence().endswith("; observed 4.8% in 2005 and 43.2% in 2019.")
        flat = shifts.ShareTrend(
            "gender", "Female", True, change=1.0, ci_low=-2.0, ci_high=4.0, **base
        )
        assert flat.sentence().startswith("The share of women and girls shows no clear trend")
        fell = shifts.ShareTrend(
            "ageBroad", "09--17", True, change=-3.0, ci_low=-4.0, ci_high=-2.0, **base
        )
        assert fell.sentence().startswith("The share of victims aged 9–17 fell: fitted 20.0%")
        # a clear change below MIN_CHANGE (2 points per decade) is not called a rise
        small = shifts.ShareTrend(
            "gender", "Male", True, change=0.3, ci_low=0.1, ci_high=0.5, **base
        )
        assert small.clear and not small.is_shift
        assert small.sentence().startswith(
            "The share of men and boys changed little (less than 2 points per decade): "
        )
        assert small.headline().startswith("Men and boys: little change, +0.3")
        edge = dataclasses.replace(small, change=2.0, ci_low=0.5, ci_high=3.5)
        assert edge.is_shift and edge.sentence().startswith("The share of men and boys rose")

    def test_share_trends_and_table(self) -> None:
        shares = pd.concat(
            [
                shares_table([2010, 2012, 2014], [10, 20, 30], [100] * 3, "Minor"),
                shares_table([2010, 2012, 2014], [90, 80, 70], [100] * 3, "Adult"),
            ]
        )
        trends = shifts.share_trends(shares, field="majorityStatusAtExploit")
        assert [t.category for t in trends] == ["Minor", "Adult"]
        # with two groups, the two shares mirror each other
        assert trends[0].change == pytest.approx(-trends[1].change, rel=1e-6)
        table = shift_tables.trends_table(trends)
        assert table["Change (points per decade)"].iloc[0] == pytest.approx(
            round(trends[0].change, 2)
        )
        assert table["Records"].tolist() == [300, 300]
        # the headline quotes the fitted ends (a logit line through 10%, 20%, 30%)
        minor = trends[0]
        assert 0.09 < minor.start_share < 0.12 and 0.28 < minor.end_share < 0.32
        # wording changed (issue 14): the change per decade, and the ends said to be fitted
        assert headlines.shares_headline(trends) == (
            f"Largest clear shift: minors rose, {minor.change:+.1f} points per decade (fitted "
            f"{100 * minor.start_share:.1f}% in 2010 to {100 * minor.end_share:.1f}% in 2014)"
        )
        assert table["Observed at start (%)"].tolist() == [10.0, 90.0]
        assert table["Fitted at start (%)"].iloc[0] == round(100 * minor.start_share, 1)

    def test_curve_passes_through_fitted_ends(self) -> None:
        t = shifts.share_trend(
            shares_table([2010, 2012, 2014, 2016], [10, 25, 30, 50], [100] * 4),
            field="gender",
            category="Minor",
        )
        curve = shift_tables.trend_curve(t)
        assert curve["year"].tolist() == [2010, 2011, 2012, 2013, 2014, 2015, 2016]
        assert curve["fitted"].iloc[0] == pytest.approx(t.start_share)
        assert curve["fitted"].iloc[-1] == pytest.approx(t.end_share)
        assert shift_tables.trend_curve(shifts.ShareTrend("gender", "x", False)).empty

    def test_shares_headline_when_nothing_clear(self) -> None:
        flat = shifts.ShareTrend(
            "gender",
            "Female",
            True,
            first_year=2002,
            last_year=2019,
            change=1.0,
            ci_low=-2.0,
            ci_high=4.0,
        )
        assert (
            headlines.shares_headline([flat])
            == "No group's share changed clearly between 2002 and 2019"
        )
        assert headlines.shares_headline([]) == "Too few years or records to estimate a shift"


# ------------------------------------------------------------------------ data quality
class TestMissingByField:
    def test_by_hand(self) -> None:
        frame = pd.DataFrame(
            {
                "yearOfRegistration": pd.array([2010, None, None, 2012], dtype="Int16"),
                "gender": pd.Categorical(["Female", None, "Male", "Male"]),
                "majorityStatusAtExploit": pd.Categorical(["Minor", "Adult", None, None]),
                "majoritySource": pd.Categorical(
                    ["given", "derived from age", "unknown", "unknown"]
                ),
                "isForcedLabour": [True, False, False, False],
                "isSexualExploit": [False, False, True, False],
                "meansOfControlThreats": [False, False, False, False],
            }
        )
        out = quality.missing_by_field(frame).set_index("field")
        assert out.loc["Year of registration", "missing"] == 2
        assert out.loc["Gender", "missing"] == 1
        assert out.loc["Minor or adult (given or derived from age)", "missing"] == 2
        assert out.loc["Minor or adult, as given in the file", "missing"] == 3
        assert out.loc["Type of exploitation", "missing"] == 2  # rows 2 and 4 have no flag
        assert out.loc["Means of control", "missing_share"] == 1.0
        assert "Age band" not in out.index  # absent column, not reported as missing
        assert headlines.missing_headline(out.reset_index()) == (
            "Means of control is missing for 100% of the records in view"
        )

    def test_complete(self) -> None:
        out = quality.missing_by_field(pd.DataFrame({"gender": pd.Categorical(["Male"])}))
        assert headlines.missing_headline(out) == "Every field is filled in for all records in view"


# ------------------------------------------------------------------------ options
GROUPS = "'exploitation', 'means', 'recruiter', 'labour' or 'sex'"
SPLITS = "None, 'gender', 'majorityStatusAtExploit' or 'ageBroad'"
COUNTRY_COLUMNS = "'citizenship' or 'CountryOfExploitation'"
PROFILES = "'ageBroad', 'gender' or 'traffickMonths'"
SHIFTS = "'gender', 'majorityStatusAtExploit' or 'ageBroad'"


def refused(message: str) -> AbstractContextManager[pytest.ExceptionInfo[ValueError]]:
    """A ValueError whose whole message is ``message``."""
    return pytest.raises(ValueError, match=f"^{re.escape(message)}$")


class TestOptionsAreChecked:
    """A wrong option is refused at the entry point, naming the allowed values."""

    def test_top_bottom_countries_by(self) -> None:
        with refused(f"by must be {COUNTRY_COLUMNS}, not 'nationality'"):
            countries.top_bottom_countries(flows_frame(), by="nationality")

    def test_profile_shares_by(self) -> None:
        frame, chosen = TestProfileShares().frame(), TestProfileShares().chosen()
        with refused(f"by must be {COUNTRY_COLUMNS}, not 'CountryOfCitizenship'"):
            countries.profile_shares(frame, chosen, by="CountryOfCitizenship", field="ageBroad")

    def test_profile_shares_field(self) -> None:
        frame, chosen = TestProfileShares().frame(), TestProfileShares().chosen()
        with refused(f"field must be {PROFILES}, not 'age'"):
            countries.profile_shares(frame, chosen, by="citizenship", field="age")
        # checked before the early return on no countries too
        with refused(f"field must be {PROFILES}, not 'age'"):
            countries.profile_shares(frame, chosen.iloc[:0], by="citizenship", field="age")

    def test_profile_with_pooled_by_and_field(self) -> None:
        frame, chosen = TestProfileShares().frame(), TestProfileShares().chosen()
        with refused(f"by must be {COUNTRY_COLUMNS}, not 'exploitation'"):
            countries.profile_with_pooled(frame, chosen, by="exploitation", field="gender")
        with refused(f"field must be {PROFILES}, not 'Gender'"):
            countries.profile_with_pooled(frame, chosen, by="citizenship", field="Gender")

    def test_tactic_shares_group(self) -> None:
        with refused(f"group must be {GROUPS}, not 'tactics'"):
            aggregates.tactic_shares(tactics_frame(), group="tactics")

    def test_tactic_shares_by(self) -> None:
        with refused(f"by must be {SPLITS}, not 'sex'"):
            aggregates.tactic_shares(tactics_frame(), group="means", by="sex")

    def test_yearly_by_flag_group(self) -> None:
        frame = pd.DataFrame({"yearOfRegistration": pd.array([2010], dtype="Int16")})
        with refused(f"group must be {GROUPS}, not 'type'"):
            aggregates.yearly_by_flag(frame, group="type")

    def test_records_behind_by(self) -> None:
        t = pd.DataFrame({"g": ["a", "b"], "known": [7, 5]})
        with refused("by must be a column of the table ('g' or 'known'), not 'gender'"):
            aggregates.records_behind(t, by="gender")

    def test_yearly_shares_field(self) -> None:
        frame = pd.DataFrame({"yearOfRegistration": pd.array([2010], dtype="Int16")})
        with refused(f"field must be {SHIFTS}, not 'traffickMonths'"):
            shifts.yearly_shares(frame, field="traffickMonths")

    def test_share_trend_field(self) -> None:
        shares = shares_table([2010, 2011, 2012], [1, 2, 3], [9, 9, 9])
        with refused(f"field must be {SHIFTS}, not 'minor'"):
            shifts.share_trend(shares, field="minor", category="Minor")

    def test_share_trends_field(self) -> None:
        shares = shares_table([2010, 2011, 2012], [1, 2, 3], [9, 9, 9])
        with refused(f"field must be {SHIFTS}, not 'age'"):
            shifts.share_trends(shares, field="age")

    def test_profile_headline_field(self) -> None:
        pooled = pd.DataFrame(columns=["group", "category", "count", "known", "share"])
        with refused(f"field must be {PROFILES}, not 'sex'"):
            headlines.profile_headline(pooled, field="sex")

    def test_tactics_headline_group_and_by(self) -> None:
        table = aggregates.tactic_shares(tactics_frame(), group="means")
        with refused(f"group must be {GROUPS}, not 'Means'"):
            headlines.tactics_headline(table, group="Means")
        with refused(f"by must be {SPLITS}, not 'age'"):
            headlines.tactics_headline(table, group="means", by="age")

    def test_protect_tactics_by(self) -> None:
        table = aggregates.tactic_shares(tactics_frame(), group="means", by="gender")
        with refused(f"by must be {SPLITS}, not 'Gender'"):
            protect.protect_tactics(table, k=10, by="Gender")

    def test_protect_flows_columns(self) -> None:
        table = countries.sankey_links(flows_frame())
        columns = "'citizenship', 'exploitation', 'count' or 'share'"
        with refused(f"source must be a column of the table ({columns}), not 'from'"):
            protect.protect_flows(table, k=10, source="from")
        with refused(f"target must be a column of the table ({columns}), not 'to'"):
            protect.protect_flows(table, k=10, target="to")

    def test_visible_row_count_column(self) -> None:
        with refused("column must be a column of the table ('count'), not 'n'"):
            protect.visible_row_count(pd.DataFrame({"count": [10]}), k=10, column="n")


# ------------------------------------------------------------------------ charts
def spec(chart) -> dict:
    return json.loads(chart.to_json())


def title_of(chart) -> str:
    return spec(chart)["title"]["text"]


class TestCharts:
    def test_heatmap_log_toggle_and_labels(self) -> None:
        flows = countries.country_flows(flows_frame())
        log = spec(country_charts.flows_heatmap(flows, title="T", log=True))
        raw = spec(country_charts.flows_heatmap(flows, title="T", log=False))
        assert log["encoding"]["color"]["scale"]["type"] == "log"
        assert "type" not in raw["encoding"]["color"]["scale"]
        assert log["encoding"]["color"]["scale"]["scheme"] == "viridis"
        assert log["encoding"]["x"]["title"] == "Country of exploitation"
        assert log["encoding"]["y"]["sort"] == flows.citizenship_order
        assert log["title"]["text"] == "T"

    def test_withheld_rows_are_not_drawn(self) -> None:
        flows = countries.country_flows(flows_frame())
        drawn = protect.withhold_small(flows.table, k=3, count_columns=["count"])
        chart = country_charts.flows_heatmap(flows.with_table(drawn), title="T")
        assert chart.data["count"].tolist() == [3]  # 2 and 1 are below k = 3

    def test_sankey_links_follow_the_table(self) -> None:
        links = countries.sankey_links(flows_frame(), top_n=3)
        figure = country_charts.flows_sankey(links, title="Flows")
        sankey = figure.data[0]
        assert list(sankey.link.value) == links["count"].tolist()
        assert list(sankey.node.label)[:2] == ["Ukraine (citizens)", "Moldova (citizens)"]
        assert figure.layout.title.text == "Flows"

    def test_tactics_chart_forms(self) -> None:
        frame = tactics_frame()
        one = charts.tactics_chart(
            aggregates.tactic_shares(frame, group="means"), title="A", axis_title="S"
        )
        assert title_of(one) == "A"
        split = aggregates.tactic_shares(frame, group="means", by="gender")
        grouped = spec(charts.tactics_chart(split, title="B", axis_title="S", by="gender"))
        assert grouped["encoding"]["yOffset"]["field"] == "gender"
        assert grouped["encoding"]["color"]["scale"]["range"] == list(charts.OKABE_ITO[:2])
        many = split.assign(gender=[f"g{i % 6}" for i in range(len(split))])
        heat = spec(charts.tactics_chart(many, title="C", axis_title="S", by="gender"))
        assert heat["title"]["text"] == "C"
        assert heat["layer"][0]["mark"]["type"] == "rect"

    def test_nominal_palette_falls_back_to_viridis(self) -> None:
        assert charts.nominal_scale(list("abcdefghi")).scheme == "viridis"

    def test_every_chart_has_its_title_and_draws(self) -> None:
        yearly = aggregates.yearly_totals(TestYearlyTotals().frame())
        by_type = aggregates.yearly_by_flag(
            pd.DataFrame(
                {
                    "yearOfRegistration": pd.array([2010, 2011, 2012, 2013], dtype="Int16"),
                    "isForcedLabour": [True, False, True, True],
                }
            )
        )
        shares = shares_table([2010, 2012, 2014, 2016], [10, 25, 30, 50], [100] * 4).assign(
            share=lambda d: d["count"] / d["known"], label="Minor"
        )
        trend = shifts.share_trend(shares, field="majorityStatusAtExploit", category="Minor")
        missing = quality.missing_by_field(tactics_frame())
        built = {
            "yearly": charts.yearly_chart(yearly.table, title="Y"),
            "by type": charts.yearly_by_type_chart(by_type, title="B", incomplete=[2013]),
            "shares": shift_charts.shares_chart(
                shares,
                title="S",
                field_label="Minor or adult",
                labels=["Minor"],
                ordered=False,
                incomplete=[2016],
            ),
            "trend": shift_charts.trend_chart(
                shares, shift_tables.trend_curve(trend), title="T", label="minors"
            ),
            "missing": charts.missing_chart(missing, title="M"),
        }
        for name, chart in built.items():
            assert title_of(chart) == name[0].upper(), name
        assert spec(built["yearly"])["encoding"]["color"]["scale"]["range"] == [
            charts.OKABE_ITO[4],
            charts.OKABE_ITO[0],
        ]

    def test_profile_chart_facets_by_group(self) -> None:
        chosen = TestProfileShares().chosen()
        table = countries.profile_with_pooled(
            TestProfileShares().frame(), chosen, by="citizenship", field="ageBroad"
        )
        chart = spec(
            country_charts.profile_chart(
                table,
                title="P",
                field_label="Age band",
                categories=["0–8", "9–17", "30–38"],
                ordered=True,
            )
        )
        assert chart["title"]["text"] == "P"
        assert chart["facet"]["row"]["field"] == "group"
        assert chart["spec"]["encoding"]["color"]["scale"]["scheme"] == "viridis"


# ------------------------------------------------------------------------ the real release
@pytest.mark.real
class TestRealRelease:
    def test_incomplete_years_are_2020_and_2021(self, real_frame: pd.DataFrame) -> None:
        # the schema notes: 2020 and 2021 are small (4,120 and 2,060 vs 27,840 in 2019)
        yearly = aggregates.yearly_totals(real_frame)
        assert yearly.incomplete == [2020, 2021]
        counts = yearly.table.set_index("year")["count"]
        assert counts[[2019, 2020, 2021]].tolist() == [27840, 4120, 2060]
        assert yearly.no_year + yearly.with_year == 193_025

    def test_flows_are_the_pairs_of_known_countries(self, real_frame: pd.DataFrame) -> None:
        flows = countries.country_flows(real_frame, top_n=500)
        both = real_frame["citizenship"].notna() & real_frame["CountryOfExploitation"].notna()
        assert flows.both_known == int(both.sum()) == flows.shown

    def test_minor_share_trend_agrees_with_row_level_logit(self, real_frame: pd.DataFrame) -> None:
        shares = shifts.yearly_shares(real_frame, field="majorityStatusAtExploit")
        t = shifts.share_trend(
            shares,
            field="majorityStatusAtExploit",
            category="Minor",
            exclude_years=[2020, 2021],
            overdispersion=False,
        )
        rows = real_frame[
            real_frame["yearOfRegistration"].between(2002, 2019)
            & real_frame["majorityStatusAtExploit"].notna()
        ]
        y = (rows["majorityStatusAtExploit"] == "Minor").to_numpy(dtype=float)
        x = (rows["yearOfRegistration"].to_numpy(dtype=float) - 2000) / 10
        ref = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
        assert t.slope == pytest.approx(ref.params[1], rel=1e-6)
        assert t.slope_se == pytest.approx(ref.bse[1], rel=1e-4)


class TestShareWording:
    def test_share_text_keeps_small_shares_visible(self) -> None:
        assert [share_text(v) for v in (0.0, 0.004, 0.5, 0.996, 1.0)] == [
            "0%",
            "0.4%",
            "50%",
            "99.6%",
            "100%",
        ]

    def test_headline_titles(self) -> None:
        falling = shifts.ShareTrend("gender", "Male", True, change=-2.5, ci_low=-3.0, ci_high=-2.0)
        assert falling.headline() == (
            "Men and boys: falling, -2.5 points per decade (95% CI -3.0 to -2.0)"
        )
        none = shifts.ShareTrend(
            "ageBroad", "48+", False, reason="fewer than 3 years with known values"
        )
        assert (
            none.headline() == "Victims aged 48+: no trend (fewer than 3 years with known values)"
        )

    def test_tiny_shares_are_not_rounded_to_zero(self) -> None:
        t = shifts.ShareTrend(
            "gender",
            "Transgender/NonConforming",
            True,
            first_year=2002,
            last_year=2019,
            start_share=0.0004,
            end_share=0.003,
            change=0.2,
            ci_low=0.1,
            ci_high=0.2,
        )
        # wording changed (issue 14): a tiny share reads "<0.1%", and a 0.2-point change
        # is below MIN_CHANGE, so the headline says nothing moved much
        assert "fitted <0.1% in 2002 to 0.3% in 2019" in t.sentence()
        assert headlines.shares_headline([t]) == (
            "Nothing moved much: no group's share changed by 2 points per decade or more "
            "(2002–2019)"
        )


class TestNeverColourAlone:
    """WCAG 1.4.1: the heatmaps write their values in the cells, not only in colour."""

    def test_flows_heatmap_writes_each_count(self) -> None:
        flows = countries.country_flows(flows_frame())
        layers = spec(country_charts.flows_heatmap(flows, title="T"))["layer"]
        marks = [layer["mark"]["type"] for layer in layers]
        assert marks == ["rect", "text"]
        assert layers[1]["encoding"]["text"]["field"] == "count"

    def test_coverage_heatmap_writes_each_share(self) -> None:
        table = pd.DataFrame(
            {
                "year": [2010, 2010, 2011, 2011],
                "field": ["Gender"] * 4,
                "category": ["given", "missing", "given", "missing"],
                "count": [30, 70, 90, 10],
                "known": [100, 100, 100, 100],
                "share": [0.3, 0.7, 0.9, 0.1],
            }
        )
        chart = charts.coverage_chart(table, title="T")
        layers = spec(chart)["layer"]
        assert [layer["mark"]["type"] for layer in layers] == ["rect", "text"]
        text = layers[1]
        assert text["encoding"]["text"]["field"] == "percent"
        assert {"calculate": "round(datum.share * 100)", "as": "percent"} in text["transform"]

    def test_a_withheld_cell_gets_no_label(self) -> None:
        """Rendered (vl-convert): the shares shown are written in their cells, a withheld
        one (NaN) leaves its cell empty and writes nothing."""
        import vl_convert as vlc

        table = pd.DataFrame(
            {
                "year": [2010, 2011, 2012],
                "field": ["Gender"] * 3,
                "category": ["given"] * 3,
                "count": [30.0, np.nan, 90.0],
                "known": [100.0, np.nan, 100.0],
                "share": [0.3, np.nan, 0.9],
            }
        )
        svg = vlc.vegalite_to_svg(charts.coverage_chart(table, title="T").to_json())
        written = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
        assert "30" in written and "90" in written
        assert not any("NaN" in w or w == "0" for w in written)
