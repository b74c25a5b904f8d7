"""Unit tests of the foundation's small functions, against hand-derived values."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data.denominators import flag_shares, known_mask, with_unknowns
from core.data.filters import (
    FilterOptions,
    Filters,
    apply_filters,
    filter_options,
    from_query,
    to_query,
)
from core.data.load import DataError
from core.data.schema import flag_columns, flag_label, is_flag_column
from core.data.sources import resolve_source
from core.data.summary import headline
from core.export import csv_bytes, neutralise_formulas
from core.privacy import protect, small_mask


def flags_frame() -> pd.DataFrame:
    # Six records, exploitation flags (FL, SE, OE) and gender:
    #   r0 F: FL        r1 F: SE        r2 F: SE+FL
    #   r3 M: FL        r4 M: (none)    r5 -: (none)
    return pd.DataFrame(
        {
            "gender": pd.Categorical(["Female", "Female", "Female", "Male", "Male", None]),
            "isForcedLabour": [True, False, True, True, False, False],
            "isSexualExploit": [False, True, True, False, False, False],
            "isOtherExploit": [False] * 6,
        }
    )


class TestDenominatorRule:
    def test_known_mask(self) -> None:
        assert known_mask(flags_frame(), "exploitation").tolist() == [
            True,
            True,
            True,
            True,
            False,
            False,
        ]

    def test_unknown_is_na_not_zero(self) -> None:
        out = with_unknowns(flags_frame(), "exploitation")
        assert out["isSexualExploit"].tolist() == [False, True, True, False, pd.NA, pd.NA]

    def test_overall_shares_by_hand(self) -> None:
        out = flag_shares(flags_frame(), "exploitation").set_index("flag")
        # 4 records have any exploitation flag; FL in 3 of them, SE in 2, OE in 0
        assert out.loc["isForcedLabour", ["count", "known"]].tolist() == [3, 4]
        assert out.loc["isForcedLabour", "share"] == pytest.approx(0.75)
        assert out.loc["isSexualExploit", "share"] == pytest.approx(0.5)
        assert out.loc["isOtherExploit", "share"] == 0.0
        # shares can add up to more than 100% (r2 has two flags)
        assert out["share"].sum() == pytest.approx(1.25)
        assert out.index[0] == "isForcedLabour"  # sorted by share

    def test_split_by_gender_by_hand(self) -> None:
        out = flag_shares(flags_frame(), "exploitation", by="gender")
        fem = out[out["gender"] == "Female"].set_index("flag")
        male = out[out["gender"] == "Male"].set_index("flag")
        assert fem.loc["isSexualExploit", "share"] == pytest.approx(2 / 3)
        assert fem.loc["isForcedLabour", "known"] == 3
        # the male record with no flag is not in the denominator: 1 of 1, not 1 of 2
        assert male.loc["isForcedLabour", ["count", "known"]].tolist() == [1, 1]
        assert set(out["gender"]) == {"Female", "Male"}

    def test_no_columns_of_the_group(self) -> None:
        assert flag_shares(pd.DataFrame({"x": [1]}), "recruiter").empty
        assert known_mask(pd.DataFrame({"x": [1, 2]}), "recruiter").tolist() == [False, False]


class TestSchema:
    def test_groups(self) -> None:
        cols = [
            "meansOfControlThreats",
            "meansDrugsAlcohol",
            "recruiterRelationUnknown",
            "recruiterRelationFriend",
            "isAbduction",
            "typeOfSexOther",
            "gender",
        ]
        assert flag_columns(cols, "means") == ["meansOfControlThreats", "meansDrugsAlcohol"]
        assert flag_columns(cols, "recruiter") == ["recruiterRelationFriend"]
        assert not is_flag_column("isAbduction") and not is_flag_column("gender")

    @pytest.mark.parametrize(
        ("column", "label"),
        [
            ("meansOfControlRestrictsMovement", "Restricts movement"),
            ("typeOfLabourDomesticWork", "Domestic work"),
            ("recruiterRelationIntimatePartner", "Intimate partner"),
            ("meansOfControlWithholdsDocuments", "Withholds documents"),
        ],
    )
    def test_labels(self, column: str, label: str) -> None:
        assert flag_label(column) == label


def filter_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "yearOfRegistration": pd.array([2002, 2010, 2019, None, 2021], dtype="Int16"),
            "gender": pd.Categorical(["Female", "Male", "Female", "Male", None]),
            "majorityStatusAtExploit": pd.Categorical(["Minor", "Adult", None, "Adult", "Minor"]),
            "ageBroad": pd.Categorical(["09--17", "30--38", None, None, "0--8"]),
            "citizenship": pd.Categorical(["UKR", "USA", "UKR", None, "PHL"]),
            "CountryOfExploitation": pd.Categorical(["RUS", "USA", None, "USA", "USA"]),
        }
    )


class TestFilters:
    def test_default_keeps_everything(self) -> None:
        frame = filter_frame()
        assert apply_filters(frame, Filters()) is frame

    def test_year_range_and_unknown_year(self) -> None:
        frame = filter_frame()
        assert len(apply_filters(frame, Filters(years=(2005, 2019)))) == 3  # 2010, 2019, unknown
        assert (
            len(apply_filters(frame, Filters(years=(2005, 2019), include_unknown_year=False))) == 2
        )
        assert len(apply_filters(frame, Filters(include_unknown_year=False))) == 4

    def test_lists_exclude_unknowns(self) -> None:
        frame = filter_frame()
        out = apply_filters(frame, Filters(genders=("Male",), exploitation_country=("USA",)))
        assert out.index.tolist() == [1, 3]
        assert apply_filters(frame, Filters(citizenship=("UKR",), majority=("Adult",))).empty

    def test_options(self) -> None:
        opts = filter_options(filter_frame())
        assert (opts.year_min, opts.year_max) == (2002, 2021)
        assert opts.citizenship == ("PHL", "UKR", "USA")
        assert opts.majority == ("Adult", "Minor")

    def test_query_round_trip(self) -> None:
        opts = filter_options(filter_frame())
        filters = Filters(
            years=(2005, 2019),
            include_unknown_year=False,
            genders=("Female",),
            citizenship=("UKR", "USA"),
            small_cell=20,
        )
        query = to_query(filters)
        assert query == {
            "years": "2005-2019",
            "noyear": "0",
            "gender": "Female",
            "cit": "UKR,USA",
            "k": "20",
        }
        assert from_query(query, opts) == filters

    @pytest.mark.parametrize(
        "query",
        [
            {"years": "abc-def"},
            {"years": "1800-1900"},
            {"k": "-4"},
            {"k": "lots"},
            {"gender": ",,,"},
            {"cit": "ATL,XXX"},
            {"years": "2021-2002"},
        ],
    )
    def test_damaged_links_open_safely(self, query: dict[str, str]) -> None:
        opts = filter_options(filter_frame())
        filters = from_query(query, opts)
        assert filters.citizenship == () and filters.genders == ()
        assert filters.small_cell == 10
        assert filters.years in (None, (2002, 2002))
        assert apply_filters(filter_frame(), filters) is not None

    def test_describe(self) -> None:
        assert Filters().describe() == "all records"
        assert (
            Filters(years=(2010, 2012), genders=("Male",)).describe()
            == "years 2010-2012; gender: Male"
        )

    def test_empty_options(self) -> None:
        empty = FilterOptions(None, None, (), (), (), (), ())
        assert from_query({"years": "2000-2010"}, empty).years is None


class TestPrivacy:
    def test_mask(self) -> None:
        assert small_mask(np.array([0, 1, 9, 10]), 10).tolist() == [False, True, True, False]

    def test_display_and_export(self) -> None:
        table = pd.DataFrame(
            {"group": ["a", "b", "c"], "count": [0, 7, 30], "share": [0.0, 0.2, 0.8]}
        )
        shown = protect(table, count_columns=["count"], k=10, dependent_columns=["share"])
        assert shown["count"].tolist() == [0, "<10", 30]
        assert shown["share"].tolist() == [0.0, "<10", 0.8]
        exported = protect(
            table, count_columns=["count"], k=10, dependent_columns=["share"], for_export=True
        )
        assert pd.isna(exported.loc[1, "count"]) and pd.isna(exported.loc[1, "share"])
        assert b"7" not in csv_bytes(exported).split(b"\n", 1)[1].replace(b"0.8", b"")
        assert table["count"].tolist() == [0, 7, 30]  # input untouched


class TestExport:
    def test_formulas_neutralised(self) -> None:
        frame = pd.DataFrame(
            {
                "name": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "plain", "a=b"],
                "n": [-1, 2, 3, 4, 5, 6],
            }
        )
        text = csv_bytes(frame).decode("utf-8-sig")
        read = pd.read_csv(io.StringIO(text))
        assert read["name"].tolist() == [
            '\'=HYPERLINK("x")',
            "'+1",
            "'-2",
            "'@SUM(A1)",
            "plain",
            "a=b",
        ]
        assert read["n"].tolist() == [-1, 2, 3, 4, 5, 6]

    def test_categorical_and_header(self) -> None:
        frame = pd.DataFrame({"=bad": pd.Categorical(["=x", "ok"])})
        out = neutralise_formulas(frame)
        assert out.columns.tolist() == ["'=bad"] and out.iloc[0, 0] == "'=x"

    def test_png_of_an_altair_chart(self) -> None:
        import altair as alt

        from core.export import altair_png

        chart = (
            alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_bar().encode(x="x:O", y="y:Q")
        )
        assert altair_png(chart)[:8] == b"\x89PNG\r\n\x1a\n"


class TestSources:
    def test_demo_when_nothing_set(self, tmp_path: Path) -> None:
        source = resolve_source(setting="", data_dir=tmp_path, demo_file=tmp_path / "demo.tsv.gz")
        assert source.is_demo and source.kind == "demo"

    def test_official_name_in_data_dir(self, tmp_path: Path) -> None:
        (tmp_path / "CTDC_synthetic_20210825.tsv").write_text("x")
        source = resolve_source(setting="", data_dir=tmp_path)
        assert source.kind == "data-dir" and source.path.name == "CTDC_synthetic_20210825.tsv"

    def test_setting_wins(self, tmp_path: Path) -> None:
        (tmp_path / "CTDC_synthetic_20210825.tsv").write_text("x")
        mine = tmp_path / "mine.csv"
        mine.write_text("x")
        source = resolve_source(setting=str(mine), data_dir=tmp_path)
        assert source.kind == "env" and source.path == mine

    def test_bad_setting_is_a_sentence(self, tmp_path: Path) -> None:
        with pytest.raises(DataError, match="not a file"):
            resolve_source(setting=str(tmp_path / "missing.tsv"), data_dir=tmp_path)

    def test_env_variable(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        mine = tmp_path / "mine.tsv"
        mine.write_text("x")
        monkeypatch.setenv("CTDC_DATA", str(mine))
        assert resolve_source(data_dir=tmp_path).path == mine

    def test_url_download_failure_is_a_sentence(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CTDC_CACHE_DIR", str(tmp_path))
        # port 9 on loopback: nothing listens, the connection is refused at once
        with pytest.raises(DataError, match="Downloading CTDC_DATA failed"):
            resolve_source(setting="http://127.0.0.1:9/ctdc.tsv", data_dir=tmp_path)


class TestHeadline:
    def test_by_hand(self) -> None:
        h = headline(filter_frame())
        assert h.records == 5
        assert (h.year_min, h.year_max, h.records_with_year) == (2002, 2021, 4)
        assert h.share_female == pytest.approx(2 / 4) and h.gender_known == 4
        assert h.share_minor == pytest.approx(2 / 4)
        assert (h.countries_citizenship, h.countries_exploitation) == (3, 2)

    @pytest.mark.real
    def test_real_release(self, real_frame: pd.DataFrame) -> None:
        h = headline(real_frame)
        assert h.records == 193_025
        # ctdc-schema.md: 105,990 Female of 145,930 with a known gender
        assert h.share_female == pytest.approx(105_990 / (105_990 + 39_530 + 410))
        assert h.countries_exploitation == real_frame["CountryOfExploitation"].nunique()


class TestDisplayCells:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (10980.4, "10,980"),
            (9.1736, "9.174"),
            (0.5, "0.5"),
            (12345, "12,345"),
            ("<10", "<10"),
            (float("nan"), ""),
            (None, ""),
        ],
    )
    def test_cells(self, value: object, text: str) -> None:
        from core.app.outputs import _display_cell

        assert _display_cell(value) == text
