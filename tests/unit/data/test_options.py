"""Options of the data layer's public functions: a wrong value raises ValueError naming
what is allowed (never a silent fallback), and the one home of each rule is used."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data.denominators import (
    DENOMINATOR_RULES,
    check_rule,
    flag_shares,
    known_mask,
    rule_mask,
    with_unknowns,
)
from core.data.filters import QUERY_KEYS, FilterOptions, Filters, from_query, to_query
from core.data.load import DataError, load_cached, read_ctdc
from core.data.schema import FLAG_GROUPS, flag_columns
from core.data.summary import Headline, headline_text
from core.data.uploads import UploadRegistry
from core.data.years import incomplete_years
from core.privacy import DEFAULT_K, MAX_K, check_k, is_small
from tests.conftest import DEMO_FILE


def flags() -> pd.DataFrame:
    # r0: FL, r1: SE, r2: nothing known
    return pd.DataFrame(
        {
            "gender": ["Female", "Male", "Female"],
            "isForcedLabour": [True, False, False],
            "isSexualExploit": [False, True, False],
        }
    )


class TestDenominatorRule:
    def test_the_two_names(self) -> None:
        assert list(DENOMINATOR_RULES) == ["published", "ctdc"]
        assert check_rule("published") == "published"
        assert check_rule("ctdc") == "ctdc"

    @pytest.mark.parametrize("rule", ["CTDC", "Published", "", "ctdc ", None, 1, "known"])
    def test_any_other_name_is_refused_not_read_as_the_other_rule(self, rule: object) -> None:
        with pytest.raises(ValueError, match=r"must be 'published' or 'ctdc', not "):
            check_rule(rule)
        with pytest.raises(ValueError, match=r"must be 'published' or 'ctdc'"):
            rule_mask(flags(), "exploitation", rule)  # type: ignore[arg-type]  # on purpose

    def test_rule_mask_by_hand(self) -> None:
        # published: every record counts; ctdc: only r0 and r1 have an exploitation flag
        assert rule_mask(flags(), "exploitation", "published").tolist() == [True, True, True]
        assert rule_mask(flags(), "exploitation", "ctdc").tolist() == [True, True, False]
        assert (
            rule_mask(flags(), "exploitation", "ctdc").tolist()
            == known_mask(flags(), "exploitation").tolist()
        )

    @pytest.mark.parametrize("group", ["exploitations", "Exploitation", ""])
    def test_an_unknown_group_names_the_groups(self, group: str) -> None:
        for call in (
            lambda: known_mask(flags(), group),
            lambda: with_unknowns(flags(), group),
            lambda: flag_shares(flags(), group),
            lambda: flag_columns(flags().columns, group),
        ):
            with pytest.raises(ValueError, match=r"group must be one of 'exploitation'") as info:
                call()
            for key in FLAG_GROUPS:
                assert repr(key) in str(info.value)

    def test_by_must_be_a_column(self) -> None:
        with pytest.raises(
            ValueError, match=r"by must be None or a column of the frame, not 'sex'"
        ):
            flag_shares(flags(), "exploitation", by="sex")
        out = flag_shares(flags(), "exploitation", by="gender").set_index(["gender", "flag"])
        assert out.loc[("Female", "isForcedLabour"), "known"] == 1  # r2 is unknown, not 0


class TestFilters:
    def test_the_default_threshold_is_the_privacy_default(self) -> None:
        assert Filters().small_cell == DEFAULT_K == 10
        assert "k" not in to_query(Filters())
        assert to_query(Filters(small_cell=20))["k"] == "20"

    def test_the_url_keys_have_one_home(self) -> None:
        assert set(QUERY_KEYS) == {
            "years",
            "include_unknown_year",
            "genders",
            "majority",
            "age_bands",
            "citizenship",
            "exploitation_country",
            "small_cell",
        }
        filters = Filters(
            years=(2010, 2012),
            include_unknown_year=False,
            genders=("Male",),
            majority=("Adult",),
            age_bands=("18--20",),
            citizenship=("UKR",),
            exploitation_country=("USA",),
            small_cell=15,
        )
        assert set(to_query(filters)) == set(QUERY_KEYS.values())

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"years": (2019, 2010)}, r"years must be None or a \(first, last\) pair"),
            ({"years": (2010,)}, r"years must be None or a \(first, last\) pair"),
            ({"years": [2010, 2019]}, r"years must be None or a \(first, last\) pair"),
            ({"years": (2010.0, 2019)}, r"years must be None or a \(first, last\) pair"),
            ({"include_unknown_year": "no"}, r"include_unknown_year must be True or False"),
            ({"include_unknown_year": 0}, r"include_unknown_year must be True or False"),
            ({"genders": "Female"}, r"genders must be a tuple of values such as"),
            ({"citizenship": ["UKR"]}, r"citizenship must be a tuple of values"),
            ({"age_bands": (9, 17)}, r"age_bands must be a tuple of values"),
            ({"small_cell": 0}, rf"small_cell must be a whole number from 1 to {MAX_K}, not 0"),
            ({"small_cell": MAX_K + 1}, r"small_cell must be a whole number from 1 to"),
            ({"small_cell": 10.0}, r"small_cell must be a whole number from 1 to"),
            ({"small_cell": "10"}, r"small_cell must be a whole number from 1 to"),
        ],
    )
    def test_wrong_values_are_refused(self, options: dict[str, object], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            Filters(**options)  # type: ignore[arg-type]  # the wrong kinds on purpose

    def test_right_values_of_numpy_kinds(self) -> None:
        filters = Filters(
            years=(np.int64(2010), np.int16(2019)),  # type: ignore[arg-type]  # numpy ints
            include_unknown_year=np.bool_(False),  # type: ignore[arg-type]  # numpy bool
            small_cell=np.int64(12),  # type: ignore[arg-type]  # numpy int
        )
        assert filters.years == (2010, 2019)
        assert filters.small_cell == 12

    def test_a_damaged_link_still_opens(self) -> None:
        # from_query stays forgiving: what does not fit is dropped, never raised
        opts = FilterOptions(2002, 2021, ("Female", "Male"), ("Adult",), (), ("UKR",), ())
        got = from_query({"years": "x-y", "noyear": "maybe", "gender": "Robot", "k": "0"}, opts)
        assert got == Filters()
        assert from_query({"k": str(MAX_K)}, opts).small_cell == MAX_K
        assert from_query({"k": str(MAX_K + 1)}, opts).small_cell == DEFAULT_K


class TestLoadOptions:
    def test_a_path_and_bytes_are_sources(self) -> None:
        by_path = load_cached(DEMO_FILE, use_disk=False)
        by_bytes = load_cached(DEMO_FILE.read_bytes(), label="demo")
        assert by_path.rows == by_bytes.rows == 20_000
        assert by_bytes.source_label == "demo"
        assert read_ctdc(str(DEMO_FILE)).rows == 20_000

    @pytest.mark.parametrize("source", [12, None, bytearray(b"a\tb\n"), ["x.tsv"]])
    def test_another_source_is_a_value_error_not_a_data_error(self, source: object) -> None:
        for call in (read_ctdc, load_cached):
            with pytest.raises(
                ValueError, match=r"source must be the file's bytes or its path"
            ) as info:
                call(source)  # type: ignore[operator]  # the wrong kind on purpose
            assert not isinstance(info.value, DataError)  # never shown as a file's fault

    def test_label_and_use_disk(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match=r"label must be a str"):
            read_ctdc(DEMO_FILE, label=None)  # type: ignore[arg-type]  # on purpose
        with pytest.raises(ValueError, match=r"use_disk must be True or False, not 'no'"):
            load_cached(DEMO_FILE, use_disk="no")  # type: ignore[arg-type]  # on purpose
        with pytest.raises(ValueError, match=r"use_disk must be True or False, not 0"):
            load_cached(DEMO_FILE, use_disk=0)  # type: ignore[arg-type]  # on purpose


class TestSummaryK:
    HEADLINE = Headline(
        records=104,
        year_min=2003,
        year_max=2019,
        records_with_year=100,
        countries_citizenship=3,
        countries_exploitation=2,
        share_female=0.95,
        gender_known=100,
        share_minor=0.5,
        majority_known=40,
    )

    @pytest.mark.parametrize("k", [0, -10, MAX_K + 1, 10.5, "10", None, True])
    def test_a_wrong_k_is_refused(self, k: object) -> None:
        with pytest.raises(ValueError, match=rf"k must be a whole number from 1 to {MAX_K}"):
            headline_text(self.HEADLINE, k=k)  # type: ignore[arg-type]  # on purpose
        with pytest.raises(ValueError, match=rf"k must be a whole number from 1 to {MAX_K}"):
            self.HEADLINE.as_dict(k=k)  # type: ignore[arg-type]  # on purpose

    def test_the_numbers_by_hand(self) -> None:
        # 4 records without a year: below 10, so withheld (read as one withheld to protect
        # another is), and records_with_year withheld in the export (104 - 100 gives 4)
        assert headline_text(self.HEADLINE, k=10).no_year == "withheld"
        out = self.HEADLINE.as_dict(k=10)
        assert out["records"] == 104
        assert out["records_with_year"] is None
        assert out["share_female"] is None  # 95 of 100: the 5 others are a small count
        assert out["share_minor"] == 0.5
        assert self.HEADLINE.as_dict(k=1)["records_with_year"] == 100
        assert self.HEADLINE.as_dict(k=np.int64(5))["records_with_year"] is None  # type: ignore[arg-type]  # numpy int


class TestPrivacyHelpers:
    def test_is_small(self) -> None:
        assert [is_small(n, 10) for n in (0, 1, 9, 10, 11)] == [False, True, True, False, False]

    def test_check_k(self) -> None:
        assert check_k(1) == 1
        assert check_k(MAX_K) == MAX_K
        assert type(check_k(np.int32(7))) is int


class TestYearsAndUploads:
    @pytest.mark.parametrize("ratio", [0, -0.5, 1.5, float("nan"), "0.5", None, True])
    def test_a_wrong_ratio_is_refused(self, ratio: object) -> None:
        counts = pd.Series({2016: 100, 2017: 120, 2018: 110, 2019: 40, 2020: 10})
        with pytest.raises(ValueError, match=r"ratio must be a number above 0 and at most 1"):
            incomplete_years(counts, ratio=ratio)  # type: ignore[arg-type]  # on purpose

    def test_right_ratios(self) -> None:
        # reference median of 2016-2018 is 110: 2019 (40) and 2020 (10) are below 0.5 x 110
        counts = pd.Series({2016: 100, 2017: 120, 2018: 110, 2019: 40, 2020: 10})
        assert incomplete_years(counts) == [2019, 2020]
        assert incomplete_years(counts, ratio=1) == [2019, 2020]
        # at 0.2: 2019 (40) is not below 0.2 x 110 = 22; 2020 (10) is below 0.2 x the
        # median of 2017-2019 (110)
        assert incomplete_years(counts, ratio=np.float64(0.2)) == [2020]

    @pytest.mark.parametrize("capacity", [0, -1, 2.0, "4", None, True])
    def test_a_wrong_capacity_is_refused(self, capacity: object) -> None:
        with pytest.raises(ValueError, match=r"capacity must be a whole number of at least 1"):
            UploadRegistry(capacity=capacity)  # type: ignore[arg-type]  # on purpose
