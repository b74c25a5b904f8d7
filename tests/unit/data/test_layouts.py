"""The layout table (core.data.layouts): one case per release, built from the demo records
written in that release's layout, read back with the right release named, the six
sector flags mapped and the majority status said to be derived where the file has none."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from core.data.layouts import (
    LAYOUT_2021,
    LAYOUT_2024,
    LAYOUT_2026,
    LAYOUT_OLDER,
    LAYOUTS,
    Layout,
    detect_layout,
)
from core.data.load import LoadResult, read_ctdc
from core.demo.columns import COLUMNS_2021
from tests.conftest import DEMO_FILE
from tests.fileforms import to_bytes, to_layout_2024, to_layout_2026, to_layout_older

SECTOR_FLAGS = [
    "typeOfLabourAgriculture",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfSexProstitution",
    "typeOfSexPornography",
]
DERIVED = "majority status derived from the age band"


def _as_2021(raw: pd.DataFrame) -> pd.DataFrame:
    return raw


@pytest.fixture(scope="module")
def raw_demo() -> pd.DataFrame:
    return pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def read_2024(raw_demo: pd.DataFrame) -> LoadResult:
    return read_ctdc(to_bytes(to_layout_2024(raw_demo), sep=","))


# One entry per layout in core.data.layouts: its writer, separator, and whether the file
# carries a majority-status column. A layout added without a case fails test_every_layout_has_a_case.
CASES: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str, bool]] = {
    "2021": (_as_2021, "\t", True),
    "2024": (to_layout_2024, ",", False),
    "2026": (to_layout_2026, ",", False),
    "older": (to_layout_older, ";", True),
}
EXPECTED_RELEASE = {
    "2021": "2021-08-25 release",
    "2024": "2024/2025 layout",
    "2026": "2024/2025 layout with 2026 naming (sectorOf*)",
    "older": "older Global / k-anonymised layout (2017-2020)",
}


def test_every_layout_has_a_case() -> None:
    assert sorted(layout.key for layout in LAYOUTS) == sorted(CASES) == sorted(EXPECTED_RELEASE)
    assert LAYOUTS[-1] is LAYOUT_2021  # the default


@pytest.mark.parametrize("layout", LAYOUTS, ids=[layout.key for layout in LAYOUTS])
class TestEachLayout:
    def test_written_columns_are_the_layouts(self, layout: Layout, raw_demo: pd.DataFrame) -> None:
        writer, _, _ = CASES[layout.key]
        written = writer(raw_demo.head(50))
        if layout is LAYOUT_OLDER:  # real older files have up to 63 columns
            assert set(layout.columns) <= set(written.columns)
        else:
            assert tuple(written.columns) == layout.columns

    def test_read_back(self, layout: Layout, raw_demo: pd.DataFrame, read_2024: LoadResult) -> None:
        writer, sep, has_majority = CASES[layout.key]
        result = read_ctdc(to_bytes(writer(raw_demo), sep=sep))
        assert result.release == layout.release == EXPECTED_RELEASE[layout.key]
        assert result.rows == len(raw_demo) == 20_000
        frame = result.frame
        # the six sector flags, counted in the demo file itself, and as the 2024-named file reads them
        for flag in SECTOR_FLAGS:
            expected = int((raw_demo[flag] == "1").sum())
            assert expected > 0, flag
            assert int(frame[flag].sum()) == expected == int(read_2024.frame[flag].sum()), flag
            assert frame[flag].tolist() == read_2024.frame[flag].tolist(), flag
        assert not any("sectorOf" in c for c in result.columns_ignored)
        assert not any("sectorOf" in c for c in frame.columns)
        derived = [w for w in result.warnings if DERIVED in w]
        assert not any("shown as unknown" in w and "majorityStatus" in w for w in result.warnings)
        if has_majority:
            assert derived == []
            assert (frame["majoritySource"] == "given").any()
        else:
            assert len(derived) == 1
            assert set(frame["majoritySource"].unique()) <= {"derived from age", "unknown"}
            minors = raw_demo["ageBroad"].isin(["0--8", "09--17"])
            assert int((frame["majorityStatusAtExploit"] == "Minor").sum()) == int(minors.sum())


class TestTable:
    def test_the_2021_columns_are_the_demo_files(self) -> None:
        assert LAYOUT_2021.columns == COLUMNS_2021

    def test_2026_is_2024_with_six_sector_renames(self) -> None:
        renamed = dict(LAYOUT_2026.renames)
        assert sorted(renamed.values()) == sorted(SECTOR_FLAGS)
        assert tuple(renamed.get(c, c) for c in LAYOUT_2026.columns) == LAYOUT_2024.columns

    def test_renames_are_case_insensitive_and_never_overwrite(self) -> None:
        assert LAYOUT_2026.renaming(["SECTOROFSEXPORNOGRAPHY"]) == {
            "SECTOROFSEXPORNOGRAPHY": "typeOfSexPornography"
        }
        assert LAYOUT_OLDER.renaming(["majorityStatus", "majorityStatusAtExploit"]) == {}

    @pytest.mark.parametrize(
        ("columns", "genders", "key"),
        [
            (["gender", "sectorOfLabourAgriculture", "meansThreats"], {"woman"}, "2026"),
            (["gender", "meansThreats"], {"female"}, "2024"),
            (["gender", "isForcedLabour"], {"woman", "man"}, "2024"),
            (["Datasource", "gender"], {"female"}, "older"),
            (["gender", "isForcedLabour"], {"female"}, "2021"),
        ],
    )
    def test_detection_order(self, columns: list[str], genders: set[str], key: str) -> None:
        def values(column: str) -> set[str]:
            return genders if column == "gender" else {"1"}

        assert detect_layout(columns, values).key == key

    def test_flags_zero_and_minus_99_mark_the_older_layout(self) -> None:
        def values(column: str) -> set[str]:
            return {"female"} if column == "gender" else {"0", "1"}

        assert detect_layout(["gender", "isForcedLabour"], values) is LAYOUT_OLDER

    def test_lacks(self) -> None:
        assert LAYOUT_2021.lacks == ()
        for layout in (LAYOUT_2024, LAYOUT_2026):
            text = " ".join(layout.lacks)
            for phrase in ("no majority status", "merged means", "25+", "suppressed countries"):
                assert phrase in text
