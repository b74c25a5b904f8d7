"""Routes across the tables of one Explore tab, attacked with the audit's own harness.

Each case is a table whose old protection left a withheld count that follows from what
the tab shows: the records without a year (header's records in view minus the years
shown), and a year of the shifts tab (caption's total, other years, the trend table's
records over its fitted years). The screens are written out here as the page draws
them, then attacked by :func:`core.audit.attack.attack_screen` (linear programming).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.audit.attack import Screen, attack_screen
from core.explore import shifts
from core.explore.protect import protect_profile, protect_yearly
from core.explore.shift_protect import protect_shifts

pytestmark = pytest.mark.unit
K = 10


def _value(x: float) -> float | None:
    return None if pd.isna(x) else float(x)


def _yearly_screen(years: list[int], counts: list[int], records: int) -> Screen:
    table = pd.DataFrame({"year": years, "count": counts})
    drawn, _ = protect_yearly(table, k=K, records=records)
    s = Screen("registrations")
    n = s.number("records in view", records, float(records))
    no_year = records - sum(counts)
    # the caption names the records without a year (and with one) only when both are safe
    safe = not (0 < no_year < K)
    with_year = s.number("with a year", sum(counts), float(sum(counts)) if safe else None)
    without = s.number("without a year", no_year, float(no_year) if safe else None)
    s.add_sum([with_year, without], n, "with + without = records in view")
    cells = [
        s.cell(f"year {y}", c, _value(d))
        for y, c, d in zip(years, counts, drawn["count"], strict=True)
    ]
    s.add_sum(cells, with_year, "years add up to records with a year")
    return s


@pytest.mark.parametrize(
    ("counts", "records"),
    [([50, 60], 113), ([50, 60, 70], 181), ([4, 50, 60], 117), ([12, 11, 40], 64)],
)
def test_records_without_a_year_stay_withheld(counts, records):
    screen = _yearly_screen(list(range(2010, 2010 + len(counts))), counts, records)
    found, checked = attack_screen(screen, k=K)
    assert checked >= 1  # the small count without a year is there to attack
    assert found == []


def test_without_records_in_view_the_old_rule_is_kept():
    table = pd.DataFrame({"year": [2010, 2011], "count": [50, 60]})
    drawn, withheld = protect_yearly(table, k=K)
    assert drawn["count"].tolist() == [50.0, 60.0]
    assert withheld.primary + withheld.secondary == 0


def test_a_year_the_old_rule_left_open_comes_back_without_records():
    # the harness bites: the old protection (no records in view) leaves 3 recoverable
    table = pd.DataFrame({"year": [2010, 2011], "count": [50, 60]})
    drawn, _ = protect_yearly(table, k=K)
    s = Screen("old")
    n = s.number("records in view", 113, 113.0)
    without = s.number("without a year", 3, None)
    cells = [
        s.cell(f"y{i}", c, _value(d))
        for i, (c, d) in enumerate(zip([50, 60], drawn["count"], strict=True))
    ]
    s.add_sum([*cells, without], n, "years + without = records in view")
    found, _ = attack_screen(s, k=K)
    assert [r.cell for r in found] == ["without a year"]


def _shares(knowns: dict[int, int]) -> pd.DataFrame:
    rows = []
    for year, known in knowns.items():
        minors = known // 2
        for category, count in (("Minor", minors), ("Adult", known - minors)):
            rows.append(
                {
                    "year": year,
                    "category": category,
                    "label": category,
                    "count": count,
                    "known": known,
                    "share": count / known,
                }
            )
    return pd.DataFrame(rows)


def _shifts_screen(shares: pd.DataFrame, exclude: list[int], *, with_trends: bool) -> Screen:
    trends = shifts.share_trends(
        shares, field="majorityStatusAtExploit", exclude_years=exclude, k=K
    )
    years = shifts.shown_trend_years(trends, shares, exclude_years=exclude)
    drawn, _ = protect_shifts(shares, k=K, trend_years=years if with_trends else ())
    s = Screen("shifts")
    known_of: dict[int, str] = {}
    for year, rows in shares.groupby("year").indices.items():
        cells = [
            s.cell(
                f"{year} {shares['category'].iloc[i]}",
                shares["count"].iloc[i],
                _value(drawn["count"].iloc[i]),
            )
            for i in rows
        ]
        shown_known = [_value(drawn["known"].iloc[i]) for i in rows]
        visible = [v for v in shown_known if v is not None]
        known_of[int(year)] = s.cell(
            f"{year} known", shares["known"].iloc[rows[0]], visible[0] if visible else None
        )
        s.add_sum(cells, known_of[int(year)], "a year's categories add up to its known")
    total = int(shares.drop_duplicates("year")["known"].sum())
    caption = s.number("caption", total, float(total))
    s.add_sum(list(known_of.values()), caption, "years add up to the caption")
    for i, (trend, chosen) in enumerate(
        zip([t for t in trends if t.n_records > 0 and not t.records_withheld], years, strict=True)
    ):
        cell = s.cell(f"trend {i}", trend.n_records, float(trend.n_records))
        s.add_sum([known_of[y] for y in sorted(chosen)], cell, "trend records = fitted years")
    return s


# 2012 is small and left out of the trends with 2013; the smallest other year (2011) lies
# inside the trends' years, so the trends' records (90 = 2010 + 2011) give 2011 back,
# and with it 2012 from the caption
KNOWNS = {2009: 45, 2010: 50, 2011: 25, 2012: 4, 2013: 30}
EXCLUDE = [2012, 2013]


def test_a_small_year_beside_the_trend_records_stays_withheld():
    found, checked = attack_screen(_shifts_screen(_shares(KNOWNS), EXCLUDE, with_trends=True), k=K)
    assert checked >= 1
    assert found == []


def test_the_harness_finds_the_year_when_the_trends_are_left_out_of_the_protection():
    found, _ = attack_screen(_shifts_screen(_shares(KNOWNS), EXCLUDE, with_trends=False), k=K)
    assert any(r.cell == "2012 known" for r in found)


def test_profile_cells_pinned_only_by_the_bounds_are_protected():
    # two countries and their pooled row: every withheld cell must keep room to move
    rng = np.random.default_rng(3)
    rows = []
    for _ in range(30):
        a = rng.integers(0, 14, size=3)
        b = rng.integers(0, 14, size=3)
        rows.append((a, b))
    for a, b in rows:
        table = _profile(a, b)
        drawn, _ = protect_profile(table, k=K)
        s = _profile_screen(table, drawn)
        found, _ = attack_screen(s, k=K)
        assert found == [], (a.tolist(), b.tolist())


def _profile(a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    cats = ["x", "y", "z"]
    rows = []
    pooled = a + b
    for name, counts in (("All highest volume (2)", pooled), ("A", a), ("B", b)):
        known = int(counts.sum())
        for cat, c in zip(cats, counts, strict=True):
            rows.append(
                {
                    "group": "Highest volume",
                    "country": name,
                    "category": cat,
                    "count": int(c),
                    "known": known,
                    "share": c / known if known else 0.0,
                }
            )
    return pd.DataFrame(rows)


def _profile_screen(table: pd.DataFrame, drawn: pd.DataFrame) -> Screen:
    s = Screen("profile")
    keys = [
        s.cell(f"row {i}", table["count"].iloc[i], _value(drawn["count"].iloc[i]))
        for i in range(len(table))
    ]
    for country, rows in table.groupby("country").indices.items():
        shown = [_value(drawn["known"].iloc[i]) for i in rows]
        visible = [v for v in shown if v is not None]
        known = s.cell(
            f"{country} known", table["known"].iloc[rows[0]], visible[0] if visible else None
        )
        s.add_sum([keys[i] for i in rows], known, "a country's cells add up to its known")
    pooled = table["country"].str.startswith("All ").to_numpy()
    for _, rows in table.groupby("category").indices.items():
        s.add_sum(
            [keys[i] for i in rows if not pooled[i]],
            next(keys[i] for i in rows if pooled[i]),
            "countries add up to the pooled row",
        )
    return s


def test_a_small_year_is_protected_by_another_year_not_by_the_caption():
    # the caption shows the 22 records without a year whatever the chart withholds
    table = pd.DataFrame({"year": [2010, 2011, 2012], "count": [355, 122, 1]})
    drawn, _ = protect_yearly(table, k=K, records=500)
    assert drawn["count"].isna().sum() == 2
    found, checked = attack_screen(_yearly_screen([2010, 2011, 2012], [355, 122, 1], 500), k=K)
    assert checked == 1
    assert found == []
