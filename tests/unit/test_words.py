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


# ---------------------------------------------------------- Explore's sentence builders
# Each builder is driven with counts of 0, 1 and more than 1; the expected words are
# written out by hand (singular for exactly 1, plural otherwise, thousands separated).


def _flows(counts: list[int]):
    import pandas as pd

    from core.explore import headlines

    table = pd.DataFrame(
        {
            "citizenship": [f"C{i}" for i in range(len(counts))],
            "exploitation": ["E"] * len(counts),
            "count": counts,
        }
    )
    return headlines.Flows(table, list(table["citizenship"]), ["E"], sum(counts))


class TestExploreSentences:
    @pytest.mark.parametrize(
        ("counts", "k", "expected"),
        [
            ([1], 1, "(1 record, 100% of the flows shown)"),
            ([1200, 800], 1, "(1,200 records, 60% of the flows shown)"),
            ([3, 20], 10, "(<10 records, 13% of the flows shown)"),
        ],
    )
    def test_flows(self, counts: list[int], k: int, expected: str) -> None:
        from core.explore.headlines import flows_headline

        assert flows_headline(_flows(counts), k=k).endswith(expected)

    def test_flows_none(self) -> None:
        from core.explore.headlines import flows_headline

        assert flows_headline(_flows([])) == "No record in view has both countries known"

    @pytest.mark.parametrize(
        ("n", "expected"),
        [
            (0, "No record in view has both countries known"),
            (1, "The largest flow carries 10% of records with both countries known"),
            (3, "The 3 largest flows carry 30% of records with both countries known"),
        ],
    )
    def test_sankey(self, n: int, expected: str) -> None:
        import pandas as pd

        from core.explore.headlines import sankey_headline

        links = pd.DataFrame(
            {
                "citizenship": ["A"] * n,
                "exploitation": ["B"] * n,
                "count": [10] * n,
                "share": [0.1] * n,
            }
        )
        assert sankey_headline(links) == expected

    @pytest.mark.parametrize(
        ("counts", "incomplete", "k", "expected"),
        [
            ([1, 0], [], 1, "Registrations peaked in 2010 (1 record)"),
            ([5, 1], [], 10, "Registrations peaked in 2010 (<10 records)"),
            (
                [1500, 20],
                [2011],
                1,
                "Registrations peaked in 2010 (1,500 records); 2011 looks incomplete",
            ),
            (
                [1500, 20, 3],
                [2011, 2012],
                1,
                "Registrations peaked in 2010 (1,500 records); 2011–2012 look incomplete",
            ),
        ],
    )
    def test_yearly(self, counts: list[int], incomplete: list[int], k: int, expected: str) -> None:
        import pandas as pd

        from core.explore import headlines

        table = pd.DataFrame(
            {"year": range(2010, 2010 + len(counts)), "count": counts, "status": "Complete"}
        )
        yearly = headlines.YearlyTotals(table, incomplete, 0)
        assert headlines.yearly_headline(yearly, k=k) == expected

    @pytest.mark.parametrize(
        ("count", "k", "expected"),
        [(1, 1, "(1 record)"), (2400, 10, "(2,400 records)"), (4, 10, "(<10 records)")],
    )
    def test_type_trend(self, count: int, k: int, expected: str) -> None:
        import pandas as pd

        from core.explore.headlines import type_trend_headline

        table = pd.DataFrame({"year": [2018], "type": ["Forced labour"], "count": [count]})
        assert type_trend_headline(table, k=k) == (
            f"Forced labour was the most recorded type in 2018, the last complete year {expected}"
        )

    @pytest.mark.parametrize(
        ("shown", "withheld", "expected"),
        [
            (1, 0, "; 1 country shown with its count"),
            (2, 0, "; 2 countries shown with their counts"),
            (
                1,
                1,
                "; 1 country shown with its count; 1 more withheld (fewer than 10 records, "
                "or hidden to protect one that has)",
            ),
            (1200, 3, "; 1,200 countries shown with their counts; 3 more withheld"),
        ],
    )
    def test_map(self, shown: int, withheld: int, expected: str) -> None:
        import pandas as pd

        from core.explore.headlines import map_headline

        cells = pd.DataFrame(
            {
                "name": [f"N{i}" for i in range(shown + withheld)],
                "count": [1000.0 - i for i in range(shown)] + [float("nan")] * withheld,
                "status": ["shown"] * shown + ["withheld"] * withheld,
            }
        )
        text = map_headline(cells, placed_by="country of citizenship", k=10)
        assert text.startswith("N0 is the most frequent country of citizenship (1,000 records)")
        assert expected in text

    def test_map_nothing_shown(self) -> None:
        import pandas as pd

        from core.explore.headlines import map_headline

        cells = pd.DataFrame({"name": ["A"], "count": [float("nan")], "status": ["withheld"]})
        assert map_headline(cells, placed_by="x", k=10) == (
            "No country in view is large enough to map"
        )

    @pytest.mark.parametrize(
        ("share", "expected"),
        [(0.0, "0%"), (0.003, "0.3%"), (0.5, "50%"), (0.9987, "99.9%"), (1.0, "100%")],
    )
    def test_missing_share_reads_as_share_text(self, share: float, expected: str) -> None:
        import pandas as pd

        from core.explore.headlines import missing_headline

        table = pd.DataFrame(
            {
                "field": ["Gender"],
                "missing": [share * 10_000],
                "records": [10_000],
                "missing_share": [share],
            }
        )
        text = missing_headline(table)
        if share == 0:
            assert text == "Every field is filled in for all records in view"
        else:
            assert text == f"Gender is missing for {expected} of the records in view"
