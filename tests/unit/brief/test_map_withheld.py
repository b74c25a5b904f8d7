"""core.brief.profile shows a country's total only where the world map does.

Hand-built frame: by citizenship UKR 30, MDA 10, BLR 1 (41 records, all exploited in
Poland). At k = 10 the map withholds BLR (1, fewer than k) and MDA (10, its protector:
the grey sum 41 - 30 = 11 would otherwise give BLR back as 11 - 10). The brief must not
print MDA's 10 either, nor any section of it (their cells add up to it).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from core.brief import country_profile
from core.brief import profile as profile_module
from core.explore.world_map import country_counts, map_cells

K = 10
CITIZENS = {"UKR": ("Ukraine", 30), "MDA": ("Moldova", 10), "BLR": ("Belarus", 1)}


def hand_frame() -> pd.DataFrame:
    codes = [code for code, (_, n) in CITIZENS.items() for _ in range(n)]
    n = len(codes)
    return pd.DataFrame(
        {
            "yearOfRegistration": pd.array(
                [2018, 2019] * (n // 2) + [2019] * (n % 2), dtype="Int16"
            ),
            "gender": (["Female", "Male"] * n)[:n],
            "ageBroad": ["18--20"] * n,
            "majorityStatusAtExploit": ["Adult"] * n,
            "citizenship": codes,
            "citizenshipName": [CITIZENS[c][0] for c in codes],
            "CountryOfExploitation": ["POL"] * n,
            "CountryOfExploitationName": ["Poland"] * n,
            "isSexualExploit": ([True, False] * n)[:n],
        }
    )


def test_the_map_withholds_the_protector() -> None:
    cells = map_cells(country_counts(hand_frame(), by="citizenship"), k=K)
    status = dict(zip(cells["code"], cells["status"], strict=True))
    assert status == {"UKR": "shown", "MDA": "withheld", "BLR": "withheld"}


def test_protector_brief_shows_no_number_and_no_sections() -> None:
    profile = country_profile(hand_frame(), country="MDA", k=K)
    withheld = profile.citizenship
    assert withheld.records is None
    assert withheld.sections == ()
    # the only number is k itself, in "Fewer than k": not the count (10), nor the small
    # one (1), nor the grey sum (11)
    text = " ".join(profile.findings())
    assert re.findall(r"\d+", text) == [str(K)]
    assert f"Fewer than {K} records" in text and "withheld" in text
    # the same words as the small country's: the two cannot be told apart
    small = country_profile(hand_frame(), country="BLR", k=K)
    assert small.citizenship.records is None and small.citizenship.sections == ()
    assert withheld.summary.replace("Moldova", "X") == small.citizenship.summary.replace(
        "Belarus", "X"
    )
    assert profile.exploitation.summary.replace("Moldova", "X") == (
        small.exploitation.summary.replace("Belarus", "X")
    )


def test_shown_country_brief_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = hand_frame()
    shown = country_profile(frame, country="UKR", k=K)
    assert shown.citizenship.records == 30
    assert shown.citizenship.summary == (
        "30 records in view name Ukraine as the country of citizenship."
    )
    assert shown.citizenship.sections
    # the same brief as without the map's rule
    monkeypatch.setattr(profile_module, "_withheld_on_map", lambda *args: False)
    before = country_profile(frame, country="UKR", k=K)
    assert shown.findings() == before.findings()
    for now, then in zip(shown.citizenship.sections, before.citizenship.sections, strict=True):
        pd.testing.assert_frame_equal(now.table, then.table)
    # and without it, the protector's total would have been printed: the test can fail
    leaked = country_profile(frame, country="MDA", k=K)
    assert leaked.citizenship.records == 10
