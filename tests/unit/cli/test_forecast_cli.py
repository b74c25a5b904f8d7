"""Tests of ``python -m core forecast``: the two files, their contents, the refusals.

Observed counts are checked against the raw file read with plain pandas (no project
code); the naive backtest rows are recomputed by hand from those counts. The command
used to back-test Prophet on one hold-out (2017-2019) and write its errors; it now
writes every forecast of the rolling backtest (issue 13), which the tests check instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli.main import main
from core.forecast.backtest import ratio_interval
from tests.conftest import DEMO_FILE, ROOT

FORECAST_HEADER = [
    "segment",
    "year",
    "y",
    "yhat",
    "yhat_lower",
    "yhat_upper",
    "is_forecast",
    "excluded_incomplete",
]
BACKTEST_HEADER = [
    "segment",
    "model",
    "origin",
    "horizon",
    "actual",
    "forecast",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "scale",
]


def raw_year_counts(path: Path, *, gender: str | None = None) -> pd.Series:
    raw = pd.read_csv(
        path, sep="\t", usecols=["yearOfRegistration", "gender"], dtype=str, keep_default_na=False
    )
    raw = raw[raw["yearOfRegistration"] != ""]
    if gender is not None:
        raw = raw[raw["gender"] == gender]
    return raw["yearOfRegistration"].astype(int).value_counts().sort_index()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, pd.DataFrame, pd.DataFrame]:
    out = tmp_path_factory.mktemp("fc-demo")
    code = main(["forecast", "--data", str(DEMO_FILE), "--horizon", "2", "--out", str(out)])
    return (
        code,
        pd.read_csv(out / "forecast.csv", encoding="utf-8-sig"),
        pd.read_csv(out / "backtest.csv", encoding="utf-8-sig"),
    )


class TestForecastFiles:
    def test_columns_and_segments(self, demo_run):
        code, forecast, backtests = demo_run
        assert code == 0
        assert forecast.columns.tolist()[:8] == FORECAST_HEADER
        assert {"model", "coverage", "coverage_95", "horizon"} <= set(forecast.columns)
        assert backtests.columns.tolist() == BACKTEST_HEADER
        assert forecast["segment"].unique().tolist() == ["all", "female", "male", "adult", "minor"]

    def test_rows_per_segment(self, demo_run):
        _, forecast, _ = demo_run
        for _segment, rows in forecast.groupby("segment"):
            future = rows[rows["is_forecast"]]
            # Horizons 1 and 2 from the last complete year (2019).
            assert future["year"].tolist() == [2020, 2021]
            assert future["horizon"].tolist() == [1, 2]
            assert future["model"].nunique() == 1
            assert future[["coverage", "coverage_95"]].notna().all().all()
            # 2020 and 2021 are the incomplete years: forecast, their low counts shown.
            assert future["excluded_incomplete"].all()
            assert future[["yhat", "yhat_lower", "yhat_upper"]].notna().all().all()
            assert (future["yhat_lower"] <= future["yhat"]).all()
            assert (future["yhat"] <= future["yhat_upper"]).all()
            assert rows.loc[rows["excluded_incomplete"], "year"].tolist() == [2020, 2021]

    @pytest.mark.parametrize(("segment", "gender"), [("all", None), ("female", "Female")])
    def test_observed_counts_match_the_raw_file(self, demo_run, segment, gender):
        _, forecast, _ = demo_run
        expected = raw_year_counts(DEMO_FILE, gender=gender)
        rows = forecast[(forecast["segment"] == segment) & forecast["year"].isin(expected.index)]
        got = rows.set_index("year")["y"]
        for year, count in expected.items():
            if count >= 10:
                assert got[year] == count
            else:  # small counts are withheld, with the model values of that year
                assert np.isnan(got[year])

    def test_backtest_naive_by_hand(self, demo_run):
        _, _, backtests = demo_run
        c = raw_year_counts(DEMO_FILE)
        naive = backtests[(backtests["segment"] == "all") & (backtests["model"] == "naive")]
        row = naive[(naive["origin"] == 2016) & (naive["horizon"] == 2)].iloc[0]
        assert (row["actual"], row["forecast"]) == (c[2018], c[2016])
        # MASE scale: mean |yearly change| of the training years up to 2016.
        train = c.loc[:2016]
        assert row["scale"] == pytest.approx(np.mean(np.abs(np.diff(train.to_numpy()))), abs=0.005)
        assert row["lower_80"] < row["forecast"] < row["upper_80"] < row["upper_95"]
        # The pre-declared pool; Prophet is backtested only with --model prophet.
        assert set(backtests["model"]) == {"naive", "drift", "ets", "theta"}
        # The last origin is 2018 (2019 is the last complete year); 2019 has no horizon 2.
        assert naive["origin"].max() == 2018
        last = naive[naive["origin"] == 2018]
        assert last.dropna(subset=["actual"])["horizon"].tolist() == [1]
        assert last["horizon"].tolist() == [1, 2]  # --horizon 2; 2020 is a forecast only

    def test_coverage_recomputed_from_the_backtest(self, demo_run):
        # The coverage column is the share of every backtest outcome inside the band. The
        # file withholds the rows fitted on a withheld count (issue 12), so the share is
        # recomputed from the same run unprotected (k = 1), and the file must equal that
        # run except in the withheld rows.
        from core.data.load import load_cached
        from core.forecast.export import command_tables, run_command
        from core.forecast.run import ForecastSettings
        from core.forecast.series import DEFAULT_SEGMENTS

        _, forecast, backtests = demo_run
        done = run_command(
            load_cached(DEMO_FILE).frame,
            segments=DEFAULT_SEGMENTS,
            settings=ForecastSettings(horizon=2),
        )
        every = command_tables(done, k=1).backtest
        chosen = forecast.loc[forecast["is_forecast"], "model"].iloc[0]
        rows = every[(every["model"] == chosen) & every["actual"].notna()]
        h1 = rows[rows["horizon"] == 1]
        inside = ((h1["lower_80"] <= h1["actual"]) & (h1["actual"] <= h1["upper_80"])).mean()
        got = forecast.loc[forecast["is_forecast"] & (forecast["horizon"] == 1), "coverage"]
        assert got.iloc[0] == pytest.approx(inside, abs=0.0005)
        shown = backtests["forecast"].notna().to_numpy()
        assert shown.any()
        for column in ("forecast", "lower_80", "upper_80", "scale"):
            assert backtests[column][shown].to_numpy() == pytest.approx(
                every[column][shown].to_numpy(), abs=0.005
            )

    def test_small_cells_withheld(self, tmp_path):
        code = main(
            [
                "forecast",
                "--data",
                str(DEMO_FILE),
                "--horizon",
                "1",
                "--out",
                str(tmp_path),
                "--segments",
                "all",
                "--k",
                "300",
            ]
        )
        assert code == 0
        forecast = pd.read_csv(tmp_path / "forecast.csv", encoding="utf-8-sig")
        c = raw_year_counts(DEMO_FILE)
        small = [y for y, n in c.items() if 0 < n < 300]
        assert small  # the demo has years under 300 records
        rows = forecast.set_index("year").loc[small]
        assert rows[["y", "yhat", "yhat_lower", "yhat_upper"]].isna().all().all()
        backtests = pd.read_csv(tmp_path / "backtest.csv", encoding="utf-8-sig")
        assert not backtests["actual"].between(1, 299).any()
        # A naive forecast from a small origin year would repeat it: withheld too.
        naive = backtests[backtests["model"] == "naive"]
        assert not naive["forecast"].between(1, 299).any()

    def test_include_incomplete(self, tmp_path, capsys):
        code = main(
            [
                "forecast",
                "--data",
                str(DEMO_FILE),
                "--horizon",
                "1",
                "--out",
                str(tmp_path),
                "--segments",
                "all",
                "--include-incomplete",
            ]
        )
        assert code == 0
        assert "2020, 2021 (kept in the fit)" in capsys.readouterr().out
        forecast = pd.read_csv(tmp_path / "forecast.csv", encoding="utf-8-sig")
        assert not forecast["excluded_incomplete"].any()
        backtests = pd.read_csv(tmp_path / "backtest.csv", encoding="utf-8-sig")
        assert backtests["origin"].max() == 2020  # 2021 is in the fit, the last actual

    @pytest.mark.slow
    def test_model_prophet(self, tmp_path, capsys):
        # Prophet is outside the automatic pool but can still be chosen: it is then
        # backtested beside the pool, and the rule's own choice is named.
        code = main(
            [
                "forecast",
                "--data",
                str(DEMO_FILE),
                "--horizon",
                "1",
                "--out",
                str(tmp_path),
                "--segments",
                "all",
                "--model",
                "prophet",
            ]
        )
        assert code == 0
        assert "You picked it under Advanced; the declared rule would use" in (
            capsys.readouterr().out
        )
        forecast = pd.read_csv(tmp_path / "forecast.csv", encoding="utf-8-sig")
        assert set(forecast.loc[forecast["is_forecast"], "model"]) == {"prophet"}
        assert forecast.loc[forecast["is_forecast"], "coverage"].notna().all()
        backtests = pd.read_csv(tmp_path / "backtest.csv", encoding="utf-8-sig")
        assert set(backtests["model"]) == {"naive", "drift", "ets", "theta", "prophet"}


class TestRefusals:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--horizon", "0"], "--horizon must be between 1 and 10"),
            (["--horizon", "11"], "--horizon must be between 1 and 10"),
            (["--segments", "all,teens"], "unknown segment(s) teens"),
            (["--changepoint-prior-scale", "0"], "--changepoint-prior-scale must be above 0"),
        ],
    )
    def test_bad_options(self, tmp_path, capsys, args, message):
        base = ["forecast", "--data", str(DEMO_FILE), "--horizon", "3", "--out", str(tmp_path)]
        assert main(base + args) == 2
        out = capsys.readouterr().out
        assert out.startswith("error: ")
        assert message in out
        assert not (tmp_path / "forecast.csv").exists()

    def test_missing_file(self, tmp_path, capsys):
        code = main(
            [
                "forecast",
                "--data",
                str(tmp_path / "nope.tsv"),
                "--horizon",
                "3",
                "--out",
                str(tmp_path),
            ]
        )
        assert code == 2
        assert capsys.readouterr().out.startswith("error: ")

    def test_too_few_years_is_a_note_not_a_crash(self, tmp_path, capsys):
        # Three years of records: every segment gets a sentence, the files still appear.
        data = tmp_path / "three.tsv"
        data.write_text(
            "yearOfRegistration\tgender\tageBroad\n2019\tFemale\t18--20\n"
            "2019\tMale\t18--20\n2020\tFemale\t48+\n2021\tMale\t0--8\n",
            encoding="utf-8",
        )
        code = main(
            [
                "forecast",
                "--data",
                str(data),
                "--horizon",
                "2",
                "--out",
                str(tmp_path / "out"),
                "--segments",
                "all,female",
                "--k",
                "1",
            ]
        )
        out = capsys.readouterr().out
        assert code == 0
        # --k 1 is below the operator's floor (10 unless set): raised, with one note line.
        assert (
            sum(line.startswith("note: --k 1 is below the floor") for line in out.splitlines()) == 1
        )
        assert "note: All records: only 3 complete years of data" in out
        forecast = pd.read_csv(tmp_path / "out" / "forecast.csv", encoding="utf-8-sig")
        assert forecast["yhat"].isna().all()
        # The counts (2, 1, 1) are below the floor of 10: withheld.
        assert forecast.loc[forecast["segment"] == "all", "y"].isna().all()


@pytest.mark.slow
def test_module_entry_point(tmp_path):
    """The real command line: ``python -m core forecast`` finds the sub-command."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "forecast",
            "--data",
            str(DEMO_FILE),
            "--horizon",
            "1",
            "--out",
            str(tmp_path),
            "--segments",
            "all",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cmdstanpy - INFO" not in done.stdout + done.stderr
    assert (tmp_path / "forecast.csv").exists()
    assert (tmp_path / "backtest.csv").exists()


@pytest.mark.real
def test_real_release(real_file, tmp_path, capsys):
    code = main(["forecast", "--data", str(real_file), "--horizon", "3", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    forecast = pd.read_csv(tmp_path / "forecast.csv", encoding="utf-8-sig")
    backtests = pd.read_csv(tmp_path / "backtest.csv", encoding="utf-8-sig")
    for _segment, rows in forecast.groupby("segment"):
        assert rows.loc[rows["excluded_incomplete"], "year"].tolist() == [2020, 2021]
        assert rows.loc[rows["is_forecast"], "yhat"].notna().sum() == 3
    # ctdc-schema.md: 27,840 records in 2019.
    assert forecast.set_index(["segment", "year"]).loc[("all", 2019), "y"] == 27840
    assert set(backtests["segment"]) == {"all", "female", "male", "adult", "minor"}
    # Issue 13's done-when: a model picked by the rule, with calibrated bands.
    future = forecast[forecast["is_forecast"]]
    assert future["model"].nunique() == 1 and future["model"].iloc[0] != "naive"
    assert ((future["coverage"] - 0.80).abs() <= 0.10).all()
    assert ((future["coverage_95"] - 0.95).abs() <= 0.10).all()
    assert sorted(backtests["origin"].unique()) == list(range(2009, 2019))
    assert future["horizon"].tolist()[:3] == [1, 2, 3]
    # The declared rule, recomputed from backtest.csv: pooled MASE over the scored
    # forecasts; the chosen model has the lowest among the pool's models whose ratio
    # to naive has a bootstrap upper bound below 1 (origins resampled; the project's
    # ratio_interval is that bootstrap, fed the sums computed here).
    assert set(backtests["model"]) == {"naive", "drift", "ets", "theta"}
    scored = backtests[backtests["actual"].notna() & (backtests["scale"] > 0)].copy()
    scored["scaled"] = (scored["actual"] - scored["forecast"]).abs() / scored["scale"]
    by_origin = scored.pivot_table(index="origin", columns="model", values="scaled", aggfunc="sum")
    pooled = scored.groupby("model")["scaled"].mean()
    upper = {
        m: ratio_interval(by_origin[m].to_numpy(), by_origin["naive"].to_numpy())[2]
        for m in ("drift", "ets", "theta")
    }
    sure = [m for m, high in upper.items() if high < 1]
    chosen = future["model"].iloc[0]
    assert sure and chosen == min(sure, key=pooled.get)
    assert upper[chosen] < 1
    # The coverage of the chosen model's bands, recomputed from the rows, per horizon.
    rows = backtests[(backtests["model"] == chosen) & backtests["actual"].notna()]
    for h, part in rows.groupby("horizon"):
        in80 = ((part["lower_80"] <= part["actual"]) & (part["actual"] <= part["upper_80"])).mean()
        in95 = ((part["lower_95"] <= part["actual"]) & (part["actual"] <= part["upper_95"])).mean()
        assert abs(in80 - 0.80) <= 0.10 and abs(in95 - 0.95) <= 0.10, h
    # ... and said in words.
    assert "it beat repeating the last year by more than chance" in out
    said = re.search(r"\(95% CI (\d\.\d\d)-(\d\.\d\d)\): it beat", out)
    assert said, out
    assert float(said.group(2)) < 1
    assert float(said.group(2)) == pytest.approx(upper[chosen], abs=0.006)  # csv rounding
    assert "all within 10 points of the 80% and 95% they aim for" in out
    assert "nowcasting" in out and "several CTDC releases" in out
