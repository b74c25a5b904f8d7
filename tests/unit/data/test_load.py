"""The loader: every form a user brings is read to the same canonical frame, or refused
with one sentence."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data.load import DataError, load_cached, read_ctdc
from core.data.schema import RELEASE_2021, RELEASE_2024, RELEASE_2026, RELEASE_OLDER
from tests.conftest import DEMO_FILE, ROOT
from tests.fileforms import (
    SECTOR_NAMES_2026,
    to_bytes,
    to_layout_2024,
    to_layout_2026,
    to_layout_older,
)

COLUMNS_2021 = pd.read_csv(DEMO_FILE, sep="\t", nrows=0).columns.tolist()


def tiny_raw() -> pd.DataFrame:
    """Five hand-made records whose canonical values are known."""
    rows = [
        # year, gender, age, majority, months, citizenship, exploited, flags set
        ("2019", "Female", "09--17", "", "0--12 (0-1 yr)", "MDA", "RUS", ["isSexualExploit"]),
        (
            "2005",
            "Male",
            "30--38",
            "Adult",
            "61+ (5+ yrs)",
            "UKR",
            "USA",
            ["isForcedLabour", "meansOfControlDebtBondage"],
        ),
        ("", "Female", "", "Minor", "", "USA", "USA", []),
        ("abc", "", "48+", "", "", "", "", ["recruiterRelationFamily"]),
        (
            "2021",
            "Transgender/NonConforming",
            "0--8",
            "",
            "13--24 (1-2 yrs)",
            "PHL",
            "",
            ["isSexualExploit", "isForcedLabour"],
        ),
    ]
    frame = pd.DataFrame("", index=range(len(rows)), columns=COLUMNS_2021)
    for i, (year, gender, age, majority, months, cit, exp, flags) in enumerate(rows):
        frame.loc[
            i,
            [
                "yearOfRegistration",
                "gender",
                "ageBroad",
                "majorityStatusAtExploit",
                "traffickMonths",
                "citizenship",
                "CountryOfExploitation",
            ],
        ] = [year, gender, age, majority, months, cit, exp]
        for flag in flags:
            frame.loc[i, flag] = "1"
    return frame


@pytest.fixture(scope="module")
def raw_demo() -> pd.DataFrame:
    return pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False)


class TestCanonicalValues:
    def test_tiny_table_by_hand(self) -> None:
        result = read_ctdc(to_bytes(tiny_raw()))
        f = result.frame
        assert result.release == RELEASE_2021
        assert result.rows == 5
        assert f["yearOfRegistration"].tolist() == [2019, 2005, pd.NA, pd.NA, 2021]
        assert str(f["yearOfRegistration"].dtype) == "Int16"
        assert f["gender"].tolist()[:3] == ["Female", "Male", "Female"]
        assert pd.isna(f["gender"][3])
        assert f["ageMid"].tolist()[:2] == [13.0, 34.0]
        assert f["ageMid"][3] == 55.0 and f["ageMid"][4] == 4.0
        # majority: derived from the age band where missing, given where present
        assert f["majorityStatusAtExploit"].tolist() == [
            "Minor",
            "Adult",
            "Minor",
            "Adult",
            "Minor",
        ]
        assert f["majoritySource"].tolist() == [
            "derived from age",
            "given",
            "given",
            "derived from age",
            "derived from age",
        ]
        assert f["monthsMid"].tolist()[:2] == [6.0, 78.5]
        assert f["citizenshipName"].tolist()[:3] == ["Moldova", "Ukraine", "United States"]
        assert f["CountryOfExploitationName"][0] == "Russian Federation"
        assert f["isSexualExploit"].tolist() == [True, False, False, False, True]
        assert f["isForcedLabour"].dtype == bool
        assert f["ageBroad"].cat.ordered
        assert any("could not be read as a year" in w and "'abc'" in w for w in result.warnings)

    def test_unrecognised_values_are_missing_with_a_warning(self) -> None:
        raw = tiny_raw()
        raw.loc[0, "gender"] = "Alien"
        raw.loc[1, "ageBroad"] = "100--200"
        result = read_ctdc(to_bytes(raw))
        assert pd.isna(result.frame["gender"][0])
        assert pd.isna(result.frame["ageBroad"][1])
        assert any("gender" in w and "'Alien'" in w for w in result.warnings)
        assert any("ageBroad" in w for w in result.warnings)


def _same_canonical(a: pd.DataFrame, b: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        left = a[column].astype(object).where(a[column].notna(), None).tolist()
        right = b[column].astype(object).where(b[column].notna(), None).tolist()
        assert left == right, column


CORE = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatusAtExploit",
    "majoritySource",
    "traffickMonths",
    "citizenship",
    "CountryOfExploitation",
    "isSexualExploit",
    "meansOfControlThreats",
    "recruiterRelationFamily",
]


class TestForms:
    @pytest.mark.parametrize(
        ("name", "options"),
        [
            ("comma", {"sep": ","}),
            ("semicolon", {"sep": ";"}),
            ("gzip", {"gz": True}),
            ("bom", {"bom": True}),
            ("crlf", {"line_end": "\r\n"}),
            ("bom_crlf_semicolon_gz", {"bom": True, "line_end": "\r\n", "sep": ";", "gz": True}),
        ],
    )
    def test_same_frame_as_plain_tsv(
        self, raw_demo: pd.DataFrame, name: str, options: dict
    ) -> None:
        plain = read_ctdc(to_bytes(raw_demo)).frame
        other = read_ctdc(to_bytes(raw_demo, **options))
        assert other.rows == len(raw_demo) == 20_000
        assert other.release == RELEASE_2021
        _same_canonical(plain, other.frame, CORE)

    def test_trailing_blank_lines(self, raw_demo: pd.DataFrame) -> None:
        data = to_bytes(raw_demo.head(50)) + b"\n\n\n"
        assert read_ctdc(data).rows == 50

    def test_reordered_extra_and_missing_optional_columns(self, raw_demo: pd.DataFrame) -> None:
        plain = read_ctdc(to_bytes(raw_demo)).frame
        shuffled = raw_demo[list(reversed(raw_demo.columns))].drop(columns=["traffickMonths"])
        shuffled["notes"] = "x"
        result = read_ctdc(to_bytes(shuffled, sep=","))
        _same_canonical(plain, result.frame, [c for c in CORE if c != "traffickMonths"])
        assert result.frame["traffickMonths"].isna().all()
        assert result.columns_ignored == ["notes"]
        assert any("traffickMonths" in w for w in result.warnings)

    def test_flags_as_zero_one(self, raw_demo: pd.DataFrame) -> None:
        plain = read_ctdc(to_bytes(raw_demo)).frame
        zero_one = raw_demo.copy()
        zero_one["isSexualExploit"] = zero_one["isSexualExploit"].replace("", "0")
        _same_canonical(plain, read_ctdc(to_bytes(zero_one)).frame, CORE)

    def test_older_layout(self, raw_demo: pd.DataFrame) -> None:
        plain = read_ctdc(to_bytes(raw_demo)).frame
        result = read_ctdc(to_bytes(to_layout_older(raw_demo), sep=";"))
        assert result.release == RELEASE_OLDER
        assert result.rows == 20_000
        _same_canonical(plain, result.frame, CORE)
        assert "Datasource" in result.columns_ignored

    def test_layout_2024(self, raw_demo: pd.DataFrame) -> None:
        plain = read_ctdc(to_bytes(raw_demo)).frame
        result = read_ctdc(to_bytes(to_layout_2024(raw_demo), sep=","))
        f = result.frame
        assert result.release == RELEASE_2024
        _same_canonical(plain, f, ["yearOfRegistration", "gender", "ageBroad", "isSexualExploit"])
        # no majority column: all derived from age, unknown where age is missing
        assert set(f["majoritySource"].unique()) <= {"derived from age", "unknown"}
        assert (f["majorityStatusAtExploit"].isna() == f["ageBroad"].isna()).all()
        merged = (
            raw_demo[["meansOfControlDebtBondage", "meansOfControlTakesEarnings"]]
            .eq("1")
            .any(axis=1)
        )
        assert f["meansDebtBondageEarnings"].tolist() == merged.tolist()
        assert set(f["traffickMonths"].dropna().unique()) <= {
            "0--12 (0-1 yr)",
            "13--24 (1-2 yrs)",
            "25+ (2+ yrs)",
        }
        assert any("majority status derived from the age band" in w for w in result.warnings)
        assert not any("shown as unknown" in w for w in result.warnings)

    def test_layout_2024_with_2026_names(self, raw_demo: pd.DataFrame) -> None:
        named_2024 = read_ctdc(to_bytes(to_layout_2024(raw_demo), sep=","))
        result = read_ctdc(to_bytes(to_layout_2026(raw_demo), sep=","))
        assert result.release == RELEASE_2026
        assert result.columns_ignored == []
        for canonical in SECTOR_NAMES_2026:
            assert canonical in result.columns_recognised
            # counted in the demo file itself, and the same records as the 2024-named file
            assert int(result.frame[canonical].sum()) == int((raw_demo[canonical] == "1").sum()) > 0
            assert result.frame[canonical].tolist() == named_2024.frame[canonical].tolist()
        pd.testing.assert_frame_equal(result.frame, named_2024.frame)
        assert result.warnings == named_2024.warnings

    def test_column_names_in_any_case_or_spacing(self, raw_demo: pd.DataFrame) -> None:
        named_2026 = to_layout_2026(raw_demo.head(200))
        plain = read_ctdc(to_bytes(named_2026, sep=","))
        shouted = named_2026.rename(
            columns={
                "yearOfRegistration": "Year of registration",
                "gender": "GENDER",
                "sectorOfSexPornography": "sectorofsexpornography",
                "isForcedLabour": "IS_FORCED_LABOUR",
            }
        )
        result = read_ctdc(to_bytes(shouted, sep=","))
        assert result.release == RELEASE_2026 and result.columns_ignored == []
        pd.testing.assert_frame_equal(result.frame, plain.frame)

    def test_without_age_band_majority_given_age_unknown(self, raw_demo: pd.DataFrame) -> None:
        result = read_ctdc(to_bytes(raw_demo.drop(columns=["ageBroad"]), sep=","))
        assert any("shown as unknown: ageBroad" in w for w in result.warnings)
        assert not any("derived from the age band" in w for w in result.warnings)


class TestRefusals:
    @pytest.mark.parametrize(
        ("data", "phrase"),
        [
            (b"", "empty"),
            (b"   \n\n", "empty"),
            (bytes(range(256)) * 40, "binary"),
            (b'{"records": [1, 2]}', "JSON"),
            (b"<html><body>Not found</body></html>", "web page"),
            (b"PK\x03\x04rest-of-zip", "ZIP"),
            (b"just one line of words\nand another", "not a table"),
            (b"name,city\nAda,London\n", "lacks the columns"),
            (b"yearOfRegistration\tgender\tageBroad\n", "no records"),
            (
                b"yearOfRegistration,gender,ageBroad\nsoon,Female,18--20\nlater,Male,\n",
                "No row has a readable year",
            ),
        ],
    )
    def test_refused_with_a_sentence(self, data: bytes, phrase: str) -> None:
        with pytest.raises(DataError, match=phrase) as info:
            read_ctdc(data)
        message = str(info.value)
        assert "\n" not in message and message.endswith(".")

    def test_truncated_gzip(self, raw_demo: pd.DataFrame) -> None:
        data = to_bytes(raw_demo.head(500), gz=True)
        with pytest.raises(DataError, match="truncated"):
            read_ctdc(data[: len(data) // 2])

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(DataError, match="No file"):
            read_ctdc(tmp_path / "nope.tsv")

    def test_latin1_is_read_with_a_warning(self) -> None:
        data = "yearOfRegistration;gender;ageBroad;citizenship\n2019;Female;18--20;CÔTE\n".encode(
            "cp1252"
        )
        result = read_ctdc(data)
        assert result.rows == 1
        assert any("not UTF-8" in w for w in result.warnings)


class TestCache:
    def test_second_load_reads_the_cache_and_is_identical(
        self, raw_demo: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CTDC_CACHE_DIR", str(tmp_path / "cache"))
        source = tmp_path / "ctdc.tsv"
        source.write_bytes(to_bytes(raw_demo.head(300)))
        first = load_cached(source)
        entries = list((tmp_path / "cache").glob("*/frame.arrow"))
        assert len(entries) == 1
        second = load_cached(source)
        pd.testing.assert_frame_equal(first.frame, second.frame)
        assert second.summary() == first.summary()
        # the second load came from the entry: a changed entry changes what is read
        meta_path = entries[0].parent / "meta.json"
        meta = json.loads(meta_path.read_text())
        meta["result"]["warnings"] = ["from the cache"]
        meta_path.write_text(json.dumps(meta))
        assert load_cached(source).warnings == ["from the cache"]

    def test_damaged_cache_is_rebuilt(
        self, raw_demo: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CTDC_CACHE_DIR", str(tmp_path / "cache"))
        source = tmp_path / "ctdc.tsv"
        source.write_bytes(to_bytes(raw_demo.head(100)))
        load_cached(source)
        next((tmp_path / "cache").glob("*/frame.arrow")).write_bytes(b"garbage")
        assert load_cached(source).rows == 100

    def test_bytes_are_not_cached(
        self, raw_demo: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CTDC_CACHE_DIR", str(tmp_path / "cache"))
        assert load_cached(to_bytes(raw_demo.head(100)), label="upload.tsv").rows == 100
        assert not (tmp_path / "cache").exists()


@pytest.mark.real
class TestRealRelease:
    def test_counts(self, real_frame: pd.DataFrame) -> None:
        # From the file itself: `wc -l` minus the header; years, genders as in ctdc-schema.md
        assert len(real_frame) == 193_025
        years = real_frame["yearOfRegistration"]
        assert int(years.isna().sum()) == 39_285
        assert int((years == 2019).sum()) == 27_840
        assert int((years == 2020).sum()) == 4_120
        assert int((years == 2021).sum()) == 2_060
        assert int((real_frame["gender"] == "Female").sum()) == 105_990
        assert int((real_frame["gender"] == "Male").sum()) == 39_530
        given = real_frame["majoritySource"] == "given"
        assert int(given.sum()) == 20_660 + 19_620
        assert int(real_frame["isSexualExploit"].sum()) == 63_280

    def test_release_forms(self, real_file: Path, tmp_path: Path) -> None:
        raw = pd.read_csv(real_file, sep="\t", dtype=str, keep_default_na=False)
        gz = tmp_path / "ctdc.csv.gz"
        gz.write_bytes(to_bytes(raw, sep=",", gz=True, bom=True))
        assert read_ctdc(gz).rows == 193_025
        newer = read_ctdc(to_bytes(to_layout_2024(raw), sep=","))
        assert newer.release == RELEASE_2024 and newer.rows == 193_025
        renamed = read_ctdc(to_bytes(to_layout_2026(raw), sep=","))
        assert renamed.release == RELEASE_2026 and renamed.rows == 193_025
        assert (
            int(renamed.frame["typeOfSexProstitution"].sum())
            == int(newer.frame["typeOfSexProstitution"].sum())
            == int((raw["typeOfSexProstitution"] == "1").sum())
        )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class TestCommandLine:
    def test_validate_demo_json(self) -> None:
        out = _cli("validate", "--json", str(DEMO_FILE))
        assert out.returncode == 0, out.stderr
        info = json.loads(out.stdout.strip().splitlines()[-1])
        assert info["ok"] is True and info["rows"] == 20_000 and info["release"] == RELEASE_2021
        assert isinstance(info["warnings"], list)

    def test_validate_rejects_with_one_line(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.tsv.gz"
        bad.write_bytes(gzip.compress(b"yearOfRegistration\tgender\n2019\tFemale\n")[:15])
        out = _cli("validate", str(bad))
        assert out.returncode == 2
        lines = out.stdout.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "truncated" in lines[0]
        assert "Traceback" not in out.stderr

    def test_validate_json_refusal(self, tmp_path: Path) -> None:
        bad = tmp_path / "empty.csv"
        bad.write_bytes(b"")
        out = _cli("validate", "--json", str(bad))
        assert out.returncode == 2
        assert json.loads(out.stdout.strip().splitlines()[0])["ok"] is False

    def test_summary_demo(self) -> None:
        out = _cli("summary", "--data", str(DEMO_FILE), "--json")
        assert out.returncode == 0, out.stderr
        info = json.loads(out.stdout.strip().splitlines()[-1])
        frame = pd.read_csv(DEMO_FILE, sep="\t", dtype=str, keep_default_na=False)
        assert info["records"] == len(frame)
        assert info["share_female"] == pytest.approx(
            (frame["gender"] == "Female").sum() / (frame["gender"] != "").sum()
        )

    @pytest.mark.real
    def test_summary_real(self, real_file: Path) -> None:
        out = _cli("summary", "--data", str(real_file))
        assert out.returncode == 0, out.stderr
        assert "records: 193,025" in out.stdout
        assert "years covered: 2002-2021" in out.stdout

    def test_summary_missing_file(self, tmp_path: Path) -> None:
        out = _cli("summary", "--data", str(tmp_path / "none.tsv"))
        assert out.returncode == 2 and out.stdout.startswith("error: ")


def test_flags_are_never_true_without_a_one(raw_demo: pd.DataFrame) -> None:
    frame = read_ctdc(to_bytes(raw_demo)).frame
    for column in ["isSexualExploit", "meansOfControlOther", "typeOfSexPornography"]:
        assert np.array_equal(frame[column].to_numpy(), (raw_demo[column] == "1").to_numpy())
