"""Explore, shifts: the caption's records minus a trend's records must not give back a
small count of the years the trend leaves out (made-up counts)."""

from __future__ import annotations

import pandas as pd

from core.explore import shift_protect, shift_tables, shifts


def _shares(last_known: int) -> pd.DataFrame:
    rows = []
    for year in range(2010, 2017):
        known = last_known if year == 2016 else 50
        female = known // 2 + (year % 3)
        for category, count in (("Female", female), ("Male", known - female)):
            rows.append({"year": year, "category": category, "count": count, "known": known})
    out = pd.DataFrame(rows)
    out["share"] = out["count"] / out["known"]
    return out


def test_records_of_a_trend_do_not_reveal_a_left_out_year() -> None:
    shares = _shares(last_known=4)  # 2016 left out as incomplete, with 4 records
    caption = int(shares.drop_duplicates("year")["known"].sum())
    trends = shifts.share_trends(shares, field="gender", exclude_years=[2016], k=10)
    table = shift_tables.trends_table(trends)
    for trend, records in zip(trends, table["Records"], strict=True):
        assert not trend.ok
        assert trend.records_withheld
        assert pd.isna(records)
    assert caption - 300 == 4  # what the old table let anyone compute


def test_records_shown_when_the_left_out_years_are_not_small() -> None:
    shares = _shares(last_known=40)
    trends = shifts.share_trends(shares, field="gender", exclude_years=[2016], k=10)
    table = shift_tables.trends_table(trends)
    assert all(t.ok for t in trends)
    assert table["Records"].tolist() == [300, 300]


def _recover(observed: pd.DataFrame, curve: dict[int, float], year: int) -> list[tuple[int, int]]:
    """The attack on a fitted line: a binomial fit makes the sum of ``count - known *
    fitted`` over its years zero, so the shown years give the withheld one's
    ``count - known * fitted``; the (known, count) pairs of whole numbers that fit it."""
    shown = observed.dropna(subset=["count"])
    rest = -sum(r["count"] - r["known"] * curve[int(r["year"])] for _, r in shown.iterrows())
    p = curve[year]
    return [
        (n, round(rest + n * p))
        for n in range(1, 500)
        if abs(rest + n * p - round(rest + n * p)) < 1e-6 and 0 <= round(rest + n * p) <= n
    ]


def test_a_fitted_line_over_a_withheld_year_is_not_drawn() -> None:
    """The fitted values at full precision give back a withheld year inside the fit
    exactly; the screen's rule (fitted_years_withheld) then keeps the line off it."""
    rows = []
    for year, known, minors in zip(
        range(2010, 2016), [120, 150, 90, 6, 140, 160], [30, 45, 30, 2, 60, 75], strict=True
    ):
        rows += [
            {"year": year, "category": "Minor", "count": minors, "known": known},
            {"year": year, "category": "Adult", "count": known - minors, "known": known},
        ]
    shares = pd.DataFrame(rows).assign(share=lambda d: d["count"] / d["known"])
    minor = shifts.share_trend(shares, field="majorityStatusAtExploit", category="Minor")
    assert minor.ok
    # 2013 withheld whole, its protector outside the fit (as in the test demo's case)
    observed = shares[shares["category"] == "Minor"].copy()
    observed.loc[observed["year"] == 2013, ["count", "known", "share"]] = float("nan")
    curve = shift_tables.trend_curve(minor)
    values = dict(zip(curve["year"].astype(int), curve["fitted"], strict=True))
    assert _recover(observed, values, 2013) == [(6, 2)]  # what the line would give away
    years = shift_protect.fitted_years_withheld(
        observed, first_year=minor.first_year, last_year=minor.last_year
    )
    assert 2013 in years
    # left out of the fit (as likely incomplete), the year is not in the line's sums
    assert 2013 not in shift_protect.fitted_years_withheld(
        observed, first_year=minor.first_year, last_year=minor.last_year, exclude_years=[2013]
    )
