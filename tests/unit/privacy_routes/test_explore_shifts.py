"""Explore, shifts: the caption's records minus a trend's records must not give back a
small count of the years the trend leaves out (made-up counts)."""

from __future__ import annotations

import pandas as pd

from core.explore import shift_tables, shifts


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
