"""core.brief.sections: the partner countries' "most often" claim with made-up counts.

A partner is named "most often" without qualification only when no withheld cell could
hold more: the withheld cells together hold the records not shown (n minus the shown
cells, all read off the table), and each count below is chosen by hand so that the
true largest country is, or is not, among the withheld cells.
"""

from __future__ import annotations

import numpy as np

from core.brief.protect import KNOWN, MISSING, OTHER
from core.brief.sections import partners_section

K = 10


def cells(
    rows: list[tuple[str, str, int, str]],
) -> tuple[list[str], list[str], list[int], list[str]]:
    labels, kinds, counts, codes = (list(column) for column in zip(*rows, strict=True))
    return labels, kinds, counts, codes


# Ukraine's citizens: 120 exploited in Ukraine itself, 40 in Poland, 25 in Germany,
# 5 in other countries, 3 with no country recorded (n = 193).
OWN_LARGEST = [
    ("Ukraine (own country)", KNOWN, 120, "UKR"),
    ("Poland", KNOWN, 40, "POL"),
    ("Germany", KNOWN, 25, "DEU"),
    ("Other countries", OTHER, 5, ""),
    ("Not recorded", MISSING, 3, ""),
]


def test_withheld_own_country_is_not_outranked_by_a_smaller_one() -> None:
    # the own-country cell is withheld because the other partner table withholds it
    own = np.array([code == "UKR" for *_, code in OWN_LARGEST], dtype=bool)
    n = sum(count for _, _, count, _ in OWN_LARGEST)
    section = partners_section(
        cells(OWN_LARGEST), n, K, "citizenship", "Ukraine", "UKR", also_primary=own
    )
    hidden = section.table.loc[section.table["count"].isna(), "category"].tolist()
    assert "Ukraine (own country)" in hidden
    # the shown largest is Poland (40), but the 120 withheld in Ukraine are more:
    # the false claim is gone, the true one says what it rests on
    assert not section.finding.startswith("Citizens of Ukraine were most often exploited in")
    assert section.finding.startswith(
        "Of the countries shown, citizens of Ukraine were most often exploited in Poland"
    )
    assert section.finding.endswith("; a country whose count is withheld may have more.")


def test_the_claim_stands_when_no_withheld_cell_can_be_larger() -> None:
    # Poland 200 is the largest; the withheld cells (the 5 others and what protects
    # them) hold n minus the cells shown, at most 287 - 200 = 87 < 200 records
    rows = [
        ("Poland", KNOWN, 200, "POL"),
        ("Germany", KNOWN, 12, "DEU"),
        ("Ukraine (own country)", KNOWN, 30, "UKR"),
        ("Other countries", OTHER, 5, ""),
        ("Not recorded", MISSING, 40, ""),
    ]
    n = sum(count for _, _, count, _ in rows)
    section = partners_section(cells(rows), n, K, "citizenship", "Ukraine", "UKR")
    assert section.table["count"].isna().sum() >= 2  # 5, and a cell that protects it
    assert section.finding.startswith("Citizens of Ukraine were most often exploited in Poland")
    assert "may have more" not in section.finding


def test_a_withheld_larger_country_of_citizenship() -> None:
    # victims exploited in Poland: 60 Ukrainians (withheld: their own-country twin is),
    # 45 Belarusians, 14 Moldovans, 4 others, 20 unrecorded
    rows = [
        ("Ukraine", KNOWN, 60, "UKR"),
        ("Belarus", KNOWN, 45, "BLR"),
        ("Moldova", KNOWN, 14, "MDA"),
        ("Other countries", OTHER, 4, ""),
        ("Not recorded", MISSING, 20, ""),
    ]
    ukraine = np.array([code == "UKR" for *_, code in rows], dtype=bool)
    n = sum(count for _, _, count, _ in rows)
    section = partners_section(
        cells(rows), n, K, "exploitation", "Poland", "POL", also_primary=ukraine
    )
    assert section.finding.startswith(
        "Of the countries shown, victims exploited in Poland were most often citizens of Belarus"
    )
    assert section.finding.endswith("may have more.")


def test_nothing_withheld_names_the_largest() -> None:
    rows = [
        ("Poland", KNOWN, 50, "POL"),
        ("Germany", KNOWN, 30, "DEU"),
        ("Not recorded", MISSING, 20, ""),
    ]
    section = partners_section(cells(rows), 100, K, "citizenship", "Ukraine", "UKR")
    assert section.finding == (
        "Citizens of Ukraine were most often exploited in Poland: 62% of the 80 records with "
        "a country of exploitation recorded."
    )
