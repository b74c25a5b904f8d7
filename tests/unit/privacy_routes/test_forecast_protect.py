"""Trends and forecast: the caption's records with a year and the per-year groups are
protected like every count (issue 12). Counts are made up; each expected withholding is
worked out by hand in the comments (all = female + male + not recorded; records in view =
with a year + without)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.forecast.protect import protect_observed
from core.forecast.run import forecast_segment
from core.forecast.words import basis_note, undated_note

YEARS = list(range(2000, 2006))


def _results(groups: dict[str, list[float]]):
    return [
        forecast_segment(pd.Series(values, index=YEARS, dtype=float), segment=key)
        for key, values in groups.items()
    ]


def _y(p, key: str) -> list[float]:
    r = next(r for r in p.results if r.segment == key)
    return r.table.loc[r.table["y"].notna() | r.table["year"].isin(YEARS), "y"].tolist()[
        : len(YEARS)
    ]


def test_a_small_not_recorded_gender_withholds_the_smaller_group_and_its_forecast():
    every = [40.0, 42, 44, 46, 48, 50]
    female = [25.0, 26, 27, 28, 29, 30]
    male = [15.0, 16, 17, 18, 19, 15]  # 2005: 50 - 30 - 15 = 5 not recorded
    total = pd.Series(every, index=YEARS)
    p = protect_observed(
        _results({"all": every, "female": female, "male": male}),
        total=total,
        records=int(total.sum()),
        k=10,
    )
    assert np.isnan(_y(p, "male")[-1]) and _y(p, "male")[:-1] == male[:-1]
    assert _y(p, "female") == female and _y(p, "all") == every
    assert p.withheld == 1
    male_result = next(r for r in p.results if r.segment == "male")
    assert not male_result.fitted and male_result.table["yhat"].isna().all()
    assert "withheld" in male_result.message
    assert p.dated == f"{int(total.sum()):,}" and p.undated == "0"


def test_other_years_with_rests_of_k_or_more_are_untouched():
    every = [40.0] * 6
    female = [20.0] * 6
    male = [10.0] * 6  # 10 not recorded each year
    total = pd.Series(every, index=YEARS)
    p = protect_observed(
        _results({"all": every, "female": female, "male": male}),
        total=total,
        records=240,
        k=10,
    )
    assert p.withheld == 0
    assert all(r.fitted for r in p.results)


def test_a_small_count_without_a_year_withholds_the_records_with_one():
    every = [40.0, 42, 44, 46, 48, 50]  # 270 with a year
    adult = [20.0, 21, 22, 23, 24, 25]
    minor = [15.0, 16, 17, 18, 19, 20]  # 5 not recorded each year: adult withheld
    total = pd.Series(every, index=YEARS)
    p = protect_observed(
        _results({"all": every, "adult": adult, "minor": minor}),
        total=total,
        records=274,  # 4 without a year
        k=10,
    )
    # the small count and the one withheld to protect it read the same
    assert (p.dated, p.undated) == ("withheld", "withheld")
    note = basis_note(p, k=10)
    assert "270" not in note and "withheld" in note
    assert "274" not in undated_note(p, k=10)
    # the yearly counts of all records add up to the records with a year: one is withheld
    assert sum(np.isnan(_y(p, "all"))) == 1
    # every year's adults + minors fall short of all by 5: one of the three is withheld
    for year in range(len(YEARS)):
        assert any(np.isnan(_y(p, key)[year]) for key in ("all", "adult", "minor"))


def test_a_single_year_series_does_not_give_its_count_through_the_caption():
    # one year with 7 records (shown as '<10' in the table): the caption may not say 7
    total = pd.Series([7.0], index=[2010])
    res = [forecast_segment(pd.Series([7.0], index=[2010]), segment="all")]
    p = protect_observed(res, total=total, records=30, k=10)
    assert p.dated == "withheld" and p.undated == "withheld"  # which is small must not show
    assert "23" not in undated_note(p, k=10) and "7" not in basis_note(p, k=10)


def test_the_incomplete_years_sentence_never_quotes_a_protector():
    # 2005 holds 4 records: a small count, and the years add up to the records with a
    # year (in the caption), so another year's count is withheld to protect it. The
    # incomplete-years sentence quotes 2005 and 2004: it must quote neither number then.
    from core.forecast.words import incomplete_sentence

    every = [300.0, 320, 310, 330, 12, 4]
    total = pd.Series(every, index=YEARS)
    p = protect_observed(_results({"all": every}), total=total, records=1276, k=10)
    shown = _y(p, "all")
    protectors = [y for y, v, t in zip(YEARS, shown, every, strict=True) if np.isnan(v) and t >= 10]
    assert protectors  # something was withheld to protect the 4
    assert set(protectors) | {2005} <= p.quiet_years
    assert not {y for y, v in zip(YEARS, shown, strict=True) if not np.isnan(v)} & p.quiet_years
    text = incomplete_sentence(total, [2005], used=False, k=10, withheld=p.quiet_years)
    assert not any(ch.isdigit() for ch in text.replace("2004", "").replace("2005", ""))
    # and where no named year is withheld, the counts stay in the sentence
    plain = incomplete_sentence(total, [2001], used=False, k=10, withheld=p.quiet_years)
    assert "320" in plain and "300" in plain
