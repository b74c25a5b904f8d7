"""Coverage per year (core.explore.quality): the share of each year's records with a field
given, its protection and its headline, against hand counts (issue 14: a field whose
recording changes over the years)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.explore import charts, quality


def frame() -> pd.DataFrame:
    # 2010: 12 records, gender on 10, status given on 0 (derived from age on 12);
    # 2011: 20 records, gender on 20, status given on 15
    return pd.DataFrame(
        {
            "yearOfRegistration": pd.array([2010] * 12 + [2011] * 20 + [None], dtype="Int16"),
            "gender": pd.Categorical(["Female"] * 10 + [None] * 2 + ["Male"] * 20 + ["Male"]),
            "majorityStatusAtExploit": pd.Categorical(["Adult"] * 33),
            "majoritySource": pd.Categorical(
                ["derived from age"] * 12 + ["given"] * 15 + ["derived from age"] * 5 + ["given"],
                categories=["given", "derived from age", "unknown"],
            ),
        }
    )


class TestCoverageByYear:
    def test_by_hand(self) -> None:
        out = quality.coverage_by_year(frame())
        given = out[out["category"] == "given"].set_index(["field", "year"])
        assert given.loc[("Gender", 2010), "count"] == 10
        assert given.loc[("Gender", 2010), "known"] == 12
        assert given.loc[("Gender", 2011), "share"] == 1.0
        status = "Minor or adult, as given in the file"
        assert given.loc[(status, 2010), "share"] == 0.0
        assert given.loc[(status, 2011), "share"] == pytest.approx(15 / 20)
        # each year's two cells add up to its records (the undated record is out)
        sums = out.groupby(["field", "year"])["count"].sum()
        assert set(sums.xs(2010, level="year")) == {12}
        assert set(sums.xs(2011, level="year")) == {20}
        assert out["field"].drop_duplicates().tolist() == [
            "Gender",
            "Minor or adult (given or derived from age)",
            status,
        ]

    def test_no_year(self) -> None:
        df = frame().assign(yearOfRegistration=pd.array([None] * 33, dtype="Int16"))
        assert quality.coverage_by_year(df).empty


class TestProtectAndHeadline:
    def test_small_cells_withheld_per_field(self) -> None:
        out = quality.coverage_by_year(frame())
        drawn, withheld = quality.protect_coverage(out, k=3)
        gender = drawn[drawn["field"] == "Gender"]
        # 2 records without gender in 2010: withheld with its complement
        assert gender.loc[gender["year"] == 2010, "count"].isna().all()
        assert withheld.primary >= 1 and len(withheld.withheld) == len(out)
        assert np.isnan(gender.loc[gender["year"] == 2010, "share"]).all()

    def test_headline_quotes_only_shown_shares(self) -> None:
        out = quality.coverage_by_year(frame())
        assert quality.coverage_headline(out) == (
            "Recording changed most for minor or adult, as given in the file: recorded for 0% "
            "of the records in 2010 and 75% in 2011"
        )
        drawn, _ = quality.protect_coverage(out, k=6)  # the 5 derived of 2011 withheld
        assert "75%" not in quality.coverage_headline(drawn)

    def test_chart(self) -> None:
        drawn, _ = quality.protect_coverage(quality.coverage_by_year(frame()), k=1)
        spec = charts.coverage_chart(drawn, title="T").to_dict()
        assert spec["title"]["text"] == "T"
        assert spec["encoding"]["color"]["scale"]["scheme"] == "viridis"
        assert {r["category"] for r in spec["datasets"][next(iter(spec["datasets"]))]} == {"given"}


class TestCoverageNote:
    def test_moves_enough(self) -> None:
        out = quality.coverage_by_year(frame())
        # gender: 10 of 12 (83%) in 2010, 20 of 20 (100%) in 2011: a 17-point move
        assert quality.coverage_note(out, column="gender", first=2010, last=2011) == ""
        assert quality.coverage_note(
            out, column="gender", first=2010, last=2011, min_spread=0.1
        ) == (
            "Gender is recorded for 83% of the records in 2010 but 100% in 2011: a change in "
            "its shares can come from which records carry it, not only from who was identified."
        )

    def test_withheld_shares_are_not_quoted(self) -> None:
        drawn, _ = quality.protect_coverage(quality.coverage_by_year(frame()), k=3)
        # the 2010 gender cells are withheld: one year left, nothing to compare
        assert (
            quality.coverage_note(drawn, column="gender", first=2010, last=2011, min_spread=0) == ""
        )
