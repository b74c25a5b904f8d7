"""core.brief.profile: a country's sections on the demo and the real file, protected.

Expected values come from the loaded frame with plain pandas (boolean masks, sums,
value_counts), not through core.explore; the protection is checked by trying to get
each withheld count back from what the section shows.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from core.brief import CITATION, CountryProfile, Section, country_choices, country_profile
from core.brief.sections import NOT_RECORDED

K = 10
SECTION_KEYS = [
    "years",
    "sex_age",
    "age",
    "exploitation",
    "means",
    "recruiter",
    "partners",
    "completeness",
]


def records(frame: pd.DataFrame, column: str, code: str) -> pd.DataFrame:
    return frame[frame[column].astype(object) == code]


def section(profile: CountryProfile, role: str, key: str) -> Section:
    perspective = profile.citizenship if role == "citizenship" else profile.exploitation
    return next(s for s in perspective.sections if s.key == key)


def visible_counts(s: Section) -> list[float]:
    columns = [c for c in s.count_columns if c in s.table.columns]
    values = s.table[columns].apply(pd.to_numeric, errors="coerce").to_numpy().ravel()
    return [float(v) for v in values if not np.isnan(v)]


def cell_sections(profile: CountryProfile) -> list[tuple[int, Section]]:
    """(records of the perspective, section) for the tables whose cells add up to them."""
    out = []
    for perspective in profile.perspectives:
        for s in perspective.sections:
            if s.chart in ("years", "counts") and perspective.records is not None:
                out.append((perspective.records, s))
    return out


@pytest.fixture(scope="module")
def ukraine(demo_frame: pd.DataFrame) -> CountryProfile:
    return country_profile(demo_frame, country="UKR", k=K)


class TestCountryProfile:
    def test_both_perspectives_and_every_section(self, ukraine: CountryProfile) -> None:
        assert ukraine.code == "UKR"
        assert ukraine.name == "Ukraine"
        for perspective in ukraine.perspectives:
            assert [s.key for s in perspective.sections] == SECTION_KEYS

    def test_records_hand_counted(self, demo_frame: pd.DataFrame, ukraine: CountryProfile) -> None:
        citizens = records(demo_frame, "citizenship", "UKR")
        exploited = records(demo_frame, "CountryOfExploitation", "UKR")
        assert ukraine.citizenship.records == len(citizens)
        assert ukraine.exploitation.records == len(exploited)
        assert ukraine.citizenship.summary.startswith(f"{len(citizens):,} records in view")

    def test_years_hand_counted(self, demo_frame: pd.DataFrame, ukraine: CountryProfile) -> None:
        citizens = records(demo_frame, "citizenship", "UKR")
        expected = citizens["yearOfRegistration"].dropna().astype(int).value_counts()
        table = section(ukraine, "citizenship", "years").table
        shown = table[(table["kind"] == "recorded") & table["count"].notna()]
        assert len(shown) > 5
        for year, count in zip(shown["year"], shown["count"], strict=True):
            assert count == expected.get(int(year), 0)
        no_year = table.loc[table["category"] == "No year", "count"].iloc[0]
        assert no_year == citizens["yearOfRegistration"].isna().sum()

    def test_incomplete_years_are_the_views(
        self, demo_frame: pd.DataFrame, ukraine: CountryProfile
    ) -> None:
        # the demo's last two years are thin (reporting lag), as in the real release
        per_year = demo_frame["yearOfRegistration"].dropna().astype(int).value_counts()
        last = int(per_year.index.max())
        assert last in ukraine.incomplete_years
        assert per_year[last] < 0.5 * per_year[[last - 5, last - 4, last - 3]].median()
        table = section(ukraine, "citizenship", "years").table
        marked = set(table.loc[table["status"] != "Complete", "year"].dropna().astype(int))
        assert marked == set(ukraine.incomplete_years) & set(table["year"].dropna().astype(int))

    def test_women_hand_counted(self, demo_frame: pd.DataFrame, ukraine: CountryProfile) -> None:
        citizens = records(demo_frame, "citizenship", "UKR")
        women = (citizens["gender"].astype(object) == "Female") & (
            citizens["majorityStatusAtExploit"].astype(object) == "Adult"
        )
        table = section(ukraine, "citizenship", "sex_age").table.set_index("category")
        assert table.loc["Women", "count"] == women.sum()
        missing = table.loc[NOT_RECORDED, "count"]
        assert table.loc["Women", "share"] == pytest.approx(women.sum() / (len(citizens) - missing))

    def test_means_ctdc_denominator(
        self, demo_frame: pd.DataFrame, ukraine: CountryProfile
    ) -> None:
        citizens = records(demo_frame, "citizenship", "UKR")
        means = [c for c in citizens.columns if c.startswith("meansOfControl")]
        known = citizens[means].to_numpy(dtype=bool).any(axis=1)
        threats = citizens["meansOfControlThreats"].to_numpy(dtype=bool)
        table = section(ukraine, "citizenship", "means").table.set_index("flag")
        row = table.loc["meansOfControlThreats"]
        assert row["known"] == known.sum()
        assert row["count"] == threats.sum()  # a record with threats has a means known
        assert row["share"] == pytest.approx(threats.sum() / known.sum())

    def test_partners_hand_counted(self, demo_frame: pd.DataFrame, ukraine: CountryProfile) -> None:
        citizens = records(demo_frame, "citizenship", "UKR")
        top = citizens["CountryOfExploitation"].astype(object).value_counts()
        s = section(ukraine, "citizenship", "partners")
        first = s.table.iloc[0]
        assert first["code"] == top.index[0]
        assert first["count"] == top.iloc[0]
        assert s.table["count"].sum() == len(citizens)  # nothing withheld here, all add up
        name = demo_frame.loc[
            demo_frame["CountryOfExploitation"].astype(object) == top.index[0],
            "CountryOfExploitationName",
        ].iloc[0]
        assert s.finding.startswith(f"Citizens of Ukraine were most often exploited in {name}")

    def test_one_finding_sentence_per_section(self, ukraine: CountryProfile) -> None:
        findings = ukraine.findings()
        assert len(findings) == 2 + 2 * len(SECTION_KEYS)
        for finding in findings:
            assert finding.endswith(".")
            assert not re.search(r"\.\s+[A-Z]", finding), finding  # one sentence
            assert "nan" not in finding

    def test_citation_is_the_apps(self) -> None:
        from core.app.page import CITATION as APP_CITATION

        assert CITATION == APP_CITATION


class TestProtection:
    @pytest.mark.parametrize("code", ["UKR", "USA", "BLR", "KHM", "MEX"])
    def test_no_visible_count_below_k(self, demo_frame: pd.DataFrame, code: str) -> None:
        profile = country_profile(demo_frame, country=code, k=K)
        for perspective in profile.perspectives:
            for s in perspective.sections:
                for value in visible_counts(s):
                    assert value == 0 or value >= K, (code, s.key, value)

    @pytest.mark.parametrize("code", ["UKR", "USA", "BLR", "KHM", "MEX"])
    def test_withheld_cells_not_recoverable(self, demo_frame: pd.DataFrame, code: str) -> None:
        """The cells of a table add up to the records shown: one withheld cell alone, or
        several whose sum leaves each only the value 1, would come back by subtraction."""
        profile = country_profile(demo_frame, country=code, k=K)
        for n, s in cell_sections(profile):
            hidden = s.table["count"].isna()
            if not hidden.any():
                continue
            rest = n - s.table.loc[~hidden, "count"].sum()
            assert hidden.sum() >= 2, (code, s.key)
            assert rest > hidden.sum(), (code, s.key)

    @pytest.mark.parametrize("code", ["UKR", "BLR", "KHM"])
    def test_shares_only_beside_safe_counts(self, demo_frame: pd.DataFrame, code: str) -> None:
        profile = country_profile(demo_frame, country=code, k=K)
        for perspective in profile.perspectives:
            for s in perspective.sections:
                if s.chart != "shares" or s.table.empty:
                    continue
                shown = s.table.dropna(subset=["share"])
                assert (shown["count"] >= K).all()
                assert (
                    (shown["known"] - shown["count"] >= K) | (shown["known"] == shown["count"])
                ).all()

    def test_withheld_values_are_the_small_ones(self, demo_frame: pd.DataFrame) -> None:
        """Against the same profile at k = 1 (nothing withheld): every cell below k is
        withheld at k, and every cell shown has its true value."""
        open_profile = country_profile(demo_frame, country="BLR", k=1)
        protected = country_profile(demo_frame, country="BLR", k=K)
        assert open_profile.citizenship.sections[0].withheld is not None
        assert open_profile.citizenship.sections[0].withheld.caption() == ""
        small = 0
        for p_open, p_safe in zip(open_profile.perspectives, protected.perspectives, strict=True):
            for s_open, s_safe in zip(p_open.sections, p_safe.sections, strict=True):
                if s_safe.key not in ("years", "sex_age", "age"):
                    continue  # the partner table lists other countries at another k
                truth = s_open.table["count"].to_numpy(dtype=float)
                shown = s_safe.table["count"].to_numpy(dtype=float)
                small_cells = (truth > 0) & (truth < K)
                small += int(small_cells.sum())
                assert np.isnan(shown[small_cells]).all()
                visible = ~np.isnan(shown)
                assert (shown[visible] == truth[visible]).all()
        assert small > 0  # the check bites: Belarus has small cells

    @pytest.mark.slow
    def test_own_country_withheld_in_both_or_neither(self, demo_frame: pd.DataFrame) -> None:
        for code in ["USA", "UKR", "PHL", "IDN", "RUS"]:
            profile = country_profile(demo_frame, country=code, k=K)
            states = []
            for role in ("citizenship", "exploitation"):
                if getattr(profile, role).records is None:
                    continue
                table = section(profile, role, "partners").table
                own = table.loc[table["code"] == code, "count"]
                if len(own):
                    states.append(bool(own.isna().iloc[0]))
            assert len(set(states)) <= 1, code

    def test_completeness_follows_the_sections(self, ukraine: CountryProfile) -> None:
        perspective = ukraine.exploitation
        table = perspective.sections[-1].table.set_index("category")
        years = perspective.sections[0].table
        no_year = years.loc[years["category"] == "No year", "count"].iloc[0]
        if pd.isna(no_year):
            assert pd.isna(table.loc["Year of registration", "not_recorded"])
        else:
            assert table.loc["Year of registration", "not_recorded"] == no_year

    def test_few_records_show_nothing_more(self, demo_frame: pd.DataFrame) -> None:
        counts = demo_frame["CountryOfExploitation"].astype(object).value_counts()
        small = [c for c, n in counts.items() if 0 < n < K]
        citizens = demo_frame["citizenship"].astype(object).value_counts()
        code = next(c for c in small if citizens.get(c, 0) == 0 or citizens.get(c, 0) >= K)
        profile = country_profile(demo_frame, country=code, k=K)
        assert profile.exploitation.records is None
        assert profile.exploitation.sections == ()
        assert profile.exploitation.summary.startswith(f"Fewer than {K} records")
        assert str(counts[code]) not in re.findall(r"\d+", profile.exploitation.summary)


class TestOptions:
    def test_unknown_country(self, demo_frame: pd.DataFrame) -> None:
        with pytest.raises(ValueError, match=r"not a country in this data.*--list-countries"):
            country_profile(demo_frame, country="XYZ", k=K)
        with pytest.raises(ValueError, match="not a country"):
            country_profile(demo_frame, country=None, k=K)  # type: ignore[arg-type]

    def test_code_in_any_case(self, demo_frame: pd.DataFrame) -> None:
        assert country_profile(demo_frame, country=" ukr ", k=K).code == "UKR"

    @pytest.mark.parametrize("k", [0, -1, 1.5, "10", True])
    def test_bad_k(self, demo_frame: pd.DataFrame, k: object) -> None:
        with pytest.raises(ValueError, match="k must be a whole number"):
            country_profile(demo_frame, country="UKR", k=k)  # type: ignore[arg-type]

    def test_frame_without_the_columns(self) -> None:
        with pytest.raises(ValueError, match="lacks"):
            country_profile(pd.DataFrame({"citizenship": ["UKR"]}), country="UKR", k=K)

    def test_choices_by_name(self, demo_frame: pd.DataFrame) -> None:
        choices = country_choices(demo_frame)
        assert choices["UKR"] == "Ukraine"
        names = list(choices.values())
        assert names == sorted(names, key=str.casefold)
        codes = set(demo_frame["citizenship"].dropna().astype(str)) | set(
            demo_frame["CountryOfExploitation"].dropna().astype(str)
        )
        assert set(choices) == codes


@pytest.mark.real
class TestRealFile:
    def test_philippines(self, real_frame: pd.DataFrame) -> None:
        profile = country_profile(real_frame, country="PHL", k=K)
        citizens = records(real_frame, "citizenship", "PHL")
        assert profile.citizenship.records == len(citizens)
        for perspective in profile.perspectives:
            if perspective.records is None:
                continue
            assert [s.key for s in perspective.sections] == SECTION_KEYS
            for s in perspective.sections:
                for value in visible_counts(s):
                    assert value == 0 or value >= K
        for n, s in cell_sections(profile):
            hidden = s.table["count"].isna()
            if hidden.any():
                assert hidden.sum() >= 2
                assert n - s.table.loc[~hidden, "count"].sum() > hidden.sum()

    def test_every_finding_is_a_sentence(self, real_frame: pd.DataFrame) -> None:
        for code in ["UKR", "MDA", "USA"]:
            for finding in country_profile(real_frame, country=code, k=K).findings():
                assert finding.endswith(".") and "nan" not in finding


class TestAcrossSections:
    @staticmethod
    def frame_of(groups: list[tuple[str, str, str, int]]) -> pd.DataFrame:
        rows = [(g, a, m) for g, a, m, n in groups for _ in range(n)]
        frame = pd.DataFrame(rows, columns=["gender", "ageBroad", "majorityStatusAtExploit"])
        frame["yearOfRegistration"] = pd.array([2019] * len(frame), dtype="Int16")
        frame["citizenship"], frame["citizenshipName"] = "AAA", "Aland"
        frame["CountryOfExploitation"], frame["CountryOfExploitationName"] = "BBB", "Bland"
        frame["isForcedLabour"] = True
        return frame

    def test_girls_and_boys_do_not_give_a_minor_band_back(self) -> None:
        """0-8 (3) is withheld with 30-38 (the smallest other band); with girls and boys
        both shown, 0-8 = girls + boys - 9-17 would come back."""
        frame = self.frame_of(
            [
                ("Female", "0--8", "Minor", 3),
                ("Female", "09--17", "Minor", 30),
                ("Male", "09--17", "Minor", 40),
                ("Female", "30--38", "Adult", 20),
                ("Male", "39--47", "Adult", 100),
            ]
        )
        profile = country_profile(frame, country="AAA", k=K)
        ages = section(profile, "citizenship", "age").table.set_index("category")["count"]
        assert pd.isna(ages["0–8"])
        sexes = section(profile, "citizenship", "sex_age").table.set_index("category")["count"]
        if not pd.isna(ages["9–17"]):
            assert pd.isna(sexes["Girls"]) or pd.isna(sexes["Boys"])

    def test_minor_bands_do_not_give_boys_back(self) -> None:
        """Every victim has a sex and an age: the 9-17 band equals girls + boys, so with
        boys withheld (3) and girls shown (30) the band must be withheld too."""
        groups = [  # (gender, age band, majority, records)
            ("Female", "09--17", "Minor", 30),
            ("Male", "09--17", "Minor", 3),
            ("Female", "30--38", "Adult", 40),
            ("Male", "30--38", "Adult", 27),
        ]
        profile = country_profile(self.frame_of(groups), country="AAA", k=K)
        sexes = section(profile, "citizenship", "sex_age").table.set_index("category")["count"]
        assert pd.isna(sexes["Boys"])
        assert sexes["Girls"] == 30
        ages = section(profile, "citizenship", "age").table.set_index("category")["count"]
        assert pd.isna(ages["9–17"])


class TestLinking:
    """Girls / women / boys / men and the age bands are rebuilt in turn until neither
    withholds anything new, however many rounds that takes (no fixed count of rounds)."""

    @staticmethod
    def builders(cells: int):
        """Two toy builders of 12-cell tables: each withholds one cell more than the
        other does (the first cells), so they settle only when both withhold all 12.
        From 1 and 2 withheld, each round adds two to each: seven rounds."""
        from core.brief.sections import Section

        def section(hidden: int) -> Section:
            counts = [np.nan] * hidden + [50.0] * (cells - hidden)
            table = pd.DataFrame({"category": [f"c{i}" for i in range(cells)], "count": counts})
            return Section("toy", "Toy", "", table, "", "counts")

        def withheld(s: Section | None) -> int:
            return 0 if s is None else int(s.table["count"].isna().sum())

        calls = {"rounds": 0}

        def sex_age(sub, n, k, subject, age=None):
            calls["rounds"] += age is not None
            return section(min(withheld(age) + 1, cells))

        def age(frame, sub, n, k, subject, sex_age):
            return section(min(withheld(sex_age) + 1, cells))

        return sex_age, age, calls

    def test_settles_after_more_than_four_rounds(self) -> None:
        from core.brief.profile import linked_sex_age

        sex_builder, age_builder, calls = self.builders(12)
        frame = pd.DataFrame()
        sex_age, age = linked_sex_age(
            frame, frame, 100, K, "x", sex_age_builder=sex_builder, age_builder=age_builder
        )
        # the fixed point: both tables withhold all 12 cells (a stop after 4 rounds
        # would leave 9 and 10 withheld, each table short of what the other requires)
        assert sex_age.table["count"].isna().all() and age.table["count"].isna().all()
        assert calls["rounds"] > 4

    def test_the_cap_raises_rather_than_returning_unsettled_tables(self) -> None:
        from core.brief.profile import LinkingError, linked_sex_age

        sex_builder, age_builder, _ = self.builders(12)
        frame = pd.DataFrame()
        with pytest.raises(LinkingError, match="did not settle in 4 rounds"):
            linked_sex_age(
                frame,
                frame,
                100,
                K,
                "x",
                max_rounds=4,
                sex_age_builder=sex_builder,
                age_builder=age_builder,
            )

    def test_real_sections_settle(self, demo_frame: pd.DataFrame) -> None:
        from core.brief.profile import linked_sex_age
        from core.brief.sections import age_section, sex_age_section

        sub = records(demo_frame, "citizenship", "BLR")
        sex_age, age = linked_sex_age(demo_frame, sub, len(sub), K, "citizens of Belarus")
        # a fixed point: one more round changes neither table
        again = sex_age_section(sub, len(sub), K, "citizens of Belarus", age)
        assert again.table["count"].isna().tolist() == sex_age.table["count"].isna().tolist()
        age_again = age_section(demo_frame, sub, len(sub), K, "citizens of Belarus", again)
        assert age_again.table["count"].isna().tolist() == age.table["count"].isna().tolist()
