"""core.words: the one home of a word agreeing with a number, of counts with their noun
and of the sentence Home writes about a file's release layout."""

from __future__ import annotations

import pytest

from core.data.layouts import LAYOUT_2021, LAYOUTS
from core.words import counted, plural, release_sentence


class TestPlural:
    @pytest.mark.parametrize(
        ("n", "expected"), [(0, "records"), (1, "record"), (2, "records"), (1.0, "record")]
    )
    def test_regular(self, n: float, expected: str) -> None:
        assert plural(n, "record") == expected

    def test_irregular_and_verbs(self) -> None:
        assert [plural(n, "country", "countries") for n in (0, 1, 2)] == [
            "countries",
            "country",
            "countries",
        ]
        assert [plural(n, "has", "have") for n in (1, 2)] == ["has", "have"]


class TestCounted:
    @pytest.mark.parametrize(
        ("n", "k", "expected"),
        [
            (0, 10, "0 records"),
            (1, 1, "1 record"),
            (2, 1, "2 records"),
            (1, 10, "<10 records"),  # withheld: the plural, never "<10 record"
            (9, 10, "<10 records"),
            (10, 10, "10 records"),
            (193025, 10, "193,025 records"),  # thousands separated
        ],
    )
    def test_count_and_noun(self, n: int, k: int, expected: str) -> None:
        assert counted(n, "record", k=k) == expected

    def test_irregular(self) -> None:
        assert counted(1, "country", "countries") == "1 country"
        assert counted(1200, "country", "countries") == "1,200 countries"


class TestReleaseSentence:
    def test_the_2021_release_lacks_nothing(self) -> None:
        text = release_sentence(LAYOUT_2021.release, LAYOUT_2021.lacks, base=LAYOUT_2021.release)
        assert text == (
            "This file is read as the 2021-08-25 release, the layout every page is built on."
        )

    @pytest.mark.parametrize("layout", LAYOUTS[:-1], ids=[x.key for x in LAYOUTS[:-1]])
    def test_other_layouts_name_every_lack(self, layout) -> None:
        text = release_sentence(layout.release, layout.lacks, base=LAYOUT_2021.release)
        assert text.startswith(f"This file is read as the {layout.release}. Compared with ")
        for lack in layout.lacks:
            assert lack in text
        assert text.endswith(".") and text.count(". ") <= 1  # one or two sentences

    def test_two_lacks_read_as_a_list(self) -> None:
        assert release_sentence("X layout", ["no a", "no b", "no c"], base="Y") == (
            "This file is read as the X layout. Compared with the Y, it has no a, no b and no c."
        )
