"""Unit tests of the Clusters screen's small-cell protection and words (issues 12 and 14).

Expected values are counted by hand on small frames; "pinned" means an attacker who sees
the shown counts, the records in view and the withheld marks can solve for a withheld
count (one unknown left in a sum, or unknowns that must all be 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.clusters.disclosure import (
    WITHHELD,
    WITHHELD_PROFILE,
    coverage,
    listable_records,
    protect_profiles,
    protect_view,
    size_suppression,
    withhold_descriptions,
)
from core.clusters.kmeans import fit_kmeans
from core.clusters.prepare import prepare
from core.clusters.profiles import cluster_profiles, scatter_title
from core.clusters.table import display_records
from core.clusters.words import TERMS, coverage_lead, coverage_sentence, glossary_help
from core.glossary import GLOSSARY


def frame(ages: list[float | None], genders: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame({"ageMid": ages, "gender": genders or ["Male"] * len(ages)})


def pinned(shown_sum: int, total: int, withheld: int, dropped_withheld: bool) -> bool:
    """Whether the withheld sizes (and the records left out) follow from the total."""
    unknowns = withheld + int(dropped_withheld)
    left = total - shown_sum
    return unknowns == 1 or (unknowns > 0 and left <= withheld)


class TestCoverage:
    def test_all_shown(self) -> None:
        # 40 with age, 20 without: nothing is 1..9.
        c = coverage(prepare(frame([19.0] * 40 + [None] * 20), columns=["ageMid", "gender"]), k=10)
        assert (c.total, c.kept, c.dropped, c.missing) == ("60", "40", "20", {"ageMid": "20"})
        assert coverage_sentence(c) == (
            "Clustered **40** of the 60 records in view; 20 were left out because a chosen "
            "column is missing (age missing in 20)."
        )

    def test_small_left_out_withholds_both(self) -> None:
        # 3 left out: clustered = 60 - 3 would give it back, so both go, and the missing
        # count (3 = left out) too.
        c = coverage(prepare(frame([19.0] * 57 + [None] * 3), columns=["ageMid", "gender"]), k=10)
        assert (c.kept, c.dropped, c.missing) == (None, None, {"ageMid": None})
        sentence = coverage_sentence(c)
        assert "57" not in sentence and " 3" not in sentence and "(of 60 in view;" in sentence

    def test_small_complement_of_a_missing_count(self) -> None:
        # Gender missing in 55 of 60: only 5 have it, so 55 is not shown (60 - 55 = 5).
        genders = ["Male"] * 5 + [None] * 55
        ages = [19.0] * 5 + [30.0] * 55
        p = prepare(frame(ages, genders), columns=["ageMid", "gender"])
        c = coverage(p, k=10)
        assert c.kept is None and c.missing == {"gender": None}
        assert "gender missing in some" in coverage_sentence(c)

    def test_everything_shown_at_k_1(self) -> None:
        p = prepare(frame([19.0] * 57 + [None] * 3), columns=["ageMid", "gender"])
        assert coverage(p, k=1).missing == {"ageMid": "3"}


class TestSizes:
    @pytest.mark.parametrize(
        ("sizes", "expected"),
        [
            ([500, 300, 40, 4], [False, False, True, True]),
            ([500, 300], [False, False]),
            ([500, 4, 3], [False, True, True]),  # two small ones protect each other
            ([500, 1, 1], [True, True, True]),  # 1 + 1 would be pinned: all go
        ],
    )
    def test_complementary(self, sizes: list[int], expected: list[bool]) -> None:
        s = size_suppression(np.array(sizes), k=10)
        assert s.withheld.tolist() == expected
        shown = sum(n for n, w in zip(sizes, s.withheld, strict=True) if not w)
        assert not pinned(shown, sum(sizes), int(s.withheld.sum()), False)

    def test_left_out_joins_the_sizes(self) -> None:
        # 70 clustered (30 + 40) and 5 left out of 75 in view: the 5 is protected by
        # withholding the smallest cluster (30), and so the clustered number too.
        ages = [19.0] * 30 + [34.0] * 40 + [None] * 5
        p = prepare(frame(ages), columns=["ageMid", "gender"])
        view = protect_view(p, [30, 40], k=10)
        assert view.sizes.withheld.tolist() == [True, False]
        assert view.coverage.kept is None and view.coverage.dropped is None
        assert not pinned(40, 75, 1, True)

    def test_profiles_marks_and_export(self) -> None:
        prof = pd.DataFrame(
            {"Cluster": [1, 2, 3], "Records": [500, 40, 4], "Share (%)": [91.9, 7.4, 0.7]}
        )
        s = size_suppression(prof["Records"], k=10)
        shown = protect_profiles(prof, s, k=10)
        assert shown["Records"].tolist() == [500, WITHHELD, WITHHELD]
        assert shown["Share (%)"].tolist() == [91.9, WITHHELD, WITHHELD]
        export = protect_profiles(prof, s, k=10, for_export=True)
        assert export["Records"].isna().tolist() == [False, True, True]
        assert int(export["Records"].iloc[0]) == 500

    def test_shares_withheld_with_the_number_clustered(self) -> None:
        # A shown size over its share gives the number clustered back: when that number
        # is withheld, so is every share (screen and export).
        prof = pd.DataFrame({"Cluster": [1, 2], "Records": [20, 10], "Share (%)": [66.7, 33.3]})
        s = size_suppression(prof["Records"], k=10)
        shown = protect_profiles(prof, s, k=10, clustered_withheld=True)
        assert shown["Share (%)"].tolist() == [WITHHELD, WITHHELD]
        assert shown["Records"].tolist() == [20, 10]
        export = protect_profiles(prof, s, k=10, for_export=True, clustered_withheld=True)
        assert export["Share (%)"].isna().all() and export["Records"].tolist() == [20, 10]

    def test_withheld_cluster_statistics_left_out(self) -> None:
        # Cluster 2 (4 records) is withheld: its mean, most common value (with share) and
        # flag share would narrow its size down, so none is shown or exported.
        df = pd.DataFrame(
            {
                "ageMid": [19.0] * 30 + [60.0] * 4,
                "gender": ["Male"] * 30 + ["Female", "Female", "Female", "Male"],
                "isSexualExploit": [1] * 10 + [0] * 20 + [1, 1, 0, 0],
            }
        )
        p = prepare(df, columns=["ageMid", "gender", "isSexualExploit"], scale=False)
        fit = fit_kmeans(p, n_clusters=2)
        prof = cluster_profiles(p, fit, k=2)
        assert prof["Records"].tolist() == [30, 4]
        stats = [
            c for c in prof.columns if c not in ("Cluster", "Records", "Share (%)", "Description")
        ]
        assert len(stats) == 3 and prof.loc[1, stats].notna().all()
        s = size_suppression(prof["Records"], k=10)
        for for_export in (False, True):
            out = protect_profiles(prof, s, k=10, for_export=for_export)
            assert out.loc[s.withheld, stats].isna().all(axis=None)
            assert out.loc[~s.withheld, stats].equals(prof.loc[~s.withheld, stats])
            assert out["Cluster"].tolist() == [1, 2]

    def test_listing_hides_withheld_clusters_and_short_lists(self) -> None:
        records = pd.DataFrame({"cluster": [1] * 30 + [2] * 12 + [3] * 4})
        s = size_suppression(np.array([30, 12, 4]), k=10)
        listed = listable_records(records, s, k=10)
        assert listed["cluster"].value_counts().to_dict() == {1: 30}
        assert listable_records(records.iloc[:5], size_suppression([5], k=2), k=10).empty


class TestWithheldDescriptions:
    """A withheld cluster's sentence gave its shares as whole percentages: with its size
    (or the total and the other sizes) they give a small count back. It is withheld like
    the rest of its profile, in the same words for a small cluster and its protector."""

    def profiles(self) -> pd.DataFrame:
        # ages 19 (30 records), 40 (12) and 60 (4), half of the last two with the flag
        df = pd.DataFrame(
            {
                "ageMid": [19.0] * 30 + [40.0] * 12 + [60.0] * 4,
                "gender": ["Male"] * 30 + ["Female"] * 16,
                "isSexualExploit": [1] * 10 + [0] * 20 + [1, 0] * 6 + [1, 1, 0, 0],
            }
        )
        p = prepare(df, columns=["ageMid", "gender", "isSexualExploit"], scale=False)
        prof = cluster_profiles(p, fit_kmeans(p, n_clusters=3), k=2)
        return prof.sort_values("Records", ascending=False, ignore_index=True)

    def test_withheld_sentences_name_no_number_and_read_alike(self) -> None:
        prof = self.profiles()
        assert prof["Records"].tolist() == [30, 12, 4]
        # at k = 2 the sentences give the flag's share: 50% of 12 and of 4
        assert all("(50%)" in text for text in prof["Description"].iloc[1:])
        s = size_suppression(prof["Records"], k=10)
        assert s.withheld.tolist() == [False, True, True]  # 4 small, 12 protects it
        assert (s.primary, s.secondary) == (1, 1)
        for for_export in (False, True):
            out = protect_profiles(prof, s, k=10, for_export=for_export)
            assert out.loc[0, "Description"] == prof.loc[0, "Description"]
            numbers = out["Cluster"].tolist()
            for i in (1, 2):
                assert out.loc[i, "Description"] == f"Cluster {numbers[i]}: {WITHHELD_PROFILE}"
            # the two withheld rows are the same text but for the cluster's number
            small, protector = (
                line.split(",", 1)[1].replace(str(n), "#", 1)
                for line, n in zip(
                    out.iloc[1:].to_csv(index=False, header=False).splitlines(),
                    numbers[1:],
                    strict=True,
                )
            )
            assert small == protector
        # the caption is the one two small clusters get
        assert s.caption() == size_suppression([30, 5, 4], k=10).caption()
        assert "protect" not in s.caption()

    def test_the_page_path_and_the_title(self) -> None:
        prof = self.profiles()
        s = size_suppression(prof["Records"], k=10)
        out = withhold_descriptions(prof, s)
        assert out["Description"].tolist()[0] == prof["Description"].tolist()[0]
        assert not any("%" in text for text in out["Description"].iloc[1:])
        assert prof["Description"].iloc[1] != out["Description"].iloc[1]  # a copy, not in place
        # the largest cluster shown: the title describes it
        assert scatter_title(out, k=10, withheld=s.withheld) == (
            "The largest of 3 clusters holds 65% of the records: "
            + prof["Description"].iloc[0].split(": ", 1)[1]
        )
        # two clusters, 30 and 4: the 30 protects the 4, and the title does not describe it
        two = prof.iloc[[0, 2]].reset_index(drop=True)
        both = size_suppression(two["Records"], k=10)
        assert both.withheld.tolist() == [True, True]
        assert scatter_title(withhold_descriptions(two, both), k=10, withheld=both.withheld) == (
            "The largest of 2 clusters holds most of the records (its profile is withheld)"
        )


class TestSharesInsideClusters:
    def test_flag_and_mode_shares_withheld_when_small(self) -> None:
        # Age 19: 20 men, all with the flag. Age 34: 17 men and 3 women, 18 with the flag
        # and 2 without. At k = 10 the age-34 cluster's shares would give back 3 and 2
        # (the rest), so they are left out; the age-19 ones (20 of 20, rest 0) stay.
        df = pd.DataFrame(
            {
                "ageMid": [19.0] * 20 + [34.0] * 20,
                "gender": ["Male"] * 37 + ["Female"] * 3,
                "isForcedLabour": [True] * 38 + [False] * 2,
            }
        )
        p = prepare(df, columns=["ageMid", "gender", "isForcedLabour"])
        fit = fit_kmeans(p, n_clusters=2)
        by_age = lambda t: t.set_index("Age (years, band midpoint): mean")  # noqa: E731
        plain = by_age(cluster_profiles(p, fit))
        protected = by_age(cluster_profiles(p, fit, k=10))
        gender = "Gender: most common"
        flag = "Type of exploitation: Forced labour: share with flag"
        assert plain.loc[34.0, gender] == "Male (85%)" and plain.loc[34.0, flag] == 0.9
        assert protected.loc[34.0, gender] == "Male" and np.isnan(protected.loc[34.0, flag])
        assert protected.loc[19.0, gender] == "Male (100%)" and protected.loc[19.0, flag] == 1.0
        assert "forced labour (90%)" in plain.loc[34.0, "Description"]
        assert "%" not in protected.loc[34.0, "Description"]
        assert "forced labour (100%)" in protected.loc[19.0, "Description"]

    def test_title_without_a_withheld_largest_share(self) -> None:
        prof = pd.DataFrame(
            {
                "Cluster": [1, 2],
                "Records": [30, 4],
                "Share (%)": [88.2, 11.8],
                "Description": ["Cluster 1: mostly men", "Cluster 2: mostly women"],
            }
        )
        assert (
            scatter_title(prof) == "The largest of 2 clusters holds 88% of the records: mostly men"
        )
        assert scatter_title(prof, k=10, withheld=[True, True]) == (
            "The largest of 2 clusters holds most of the records: mostly men"
        )


class TestWords:
    def test_headline_lead_only_when_few_are_clustered(self) -> None:
        half = prepare(frame([19.0] * 30 + [None] * 30), columns=["ageMid", "gender"])
        assert coverage_lead(coverage(half, k=10)) == ""
        few = prepare(frame([19.0] * 20 + [None] * 80), columns=["ageMid", "gender"])
        assert coverage_lead(coverage(few, k=10)) == (
            "Only 20 of the 100 records in view (20%) have every chosen column (age is "
            "missing in 80), so these clusters describe them, not the whole slice. "
        )

    def test_age_bands_as_on_every_screen(self) -> None:
        r = pd.DataFrame(
            {
                "cluster": [1, 1],
                "ageBroad": ["09--17", "0--8"],
                "traffickMonths": ["13--24 (1-2 yrs)", "61+ (5+ yrs)"],
            }
        )
        shown = display_records(r)
        assert shown["Age band"].tolist() == ["9–17", "0–8"]
        assert shown["Time trafficked (band)"].tolist() == ["1–2 years", "5+ years"]

    def test_every_term_is_in_the_shared_glossary(self) -> None:
        for term in ("K-means", "k-means++", "standardised", "one-hot", "silhouette"):
            assert term in TERMS
        assert set(TERMS) <= set(GLOSSARY)
        assert glossary_help("silhouette") == f"**silhouette**: {GLOSSARY['silhouette']}"
