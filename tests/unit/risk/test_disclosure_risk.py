"""Attack check for the risk models: can a withheld count be recovered from what is shown?

For every view (a slice of the data, a model), the attacker sees the protected group
table (records, events, non-events, log-odds, odds, probability), the model's totals
(records and events, shown above each model on the page) and the coefficient table
(estimates and standard errors). Every shown number gives a linear equation in the
unknown events and non-events of the groups:

- records: e + ne = n; events: e = v; non-events: ne = v;
- probability p, odds o, log-odds L: e - p (e + ne) = 0, e - o ne = 0, e - exp(L) ne = 0;
- totals: sum of n = N, sum of e = E;
- saturated maximum-likelihood logit (closed form): the estimates are b = X^-1 logit_c
  and the variances SE_t^2 = sum_c X^-1[t, c]^2 (1/e_c + 1/ne_c), so the shown terms pin
  some cells' log-odds L_c and variances V_c; with rho = exp(L_c) the cell has
  e_c = (1 + rho) / V_c events and ne_c = e_c / rho non-events.

A withheld count is recovered when these equations pin it to one value that rounds to
its true count in 1..k-1. The check must find nothing on the protected outputs (demo
and real file), and must find the leaks of a frozen copy of the unprotected tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from core.cli.main import main
from core.risk.model import PUBLISHED_MODELS, LogitFit, ModelError, fit_model
from core.risk.protect import protect_model
from core.risk.records import prepare_records
from core.risk.tables import group_table
from tests.conftest import DEMO_FILE, REAL_FILE, REAL_MISSING

K = 10


@dataclass
class View:
    """What one model shows: group rows, totals, coefficients (NaN = withheld)."""

    rows: pd.DataFrame  # group, gender, majority_status, n, events, non_events, odds, ...
    total_n: float | None = None
    total_events: float | None = None
    coefficients: pd.DataFrame | None = None  # term, estimate, std_error
    X: np.ndarray | None = None  # design matrix of the model's cells (saturated fits)
    members: list[np.ndarray] | None = None  # per cell: which rows it holds


def _value(row: pd.Series, column: str) -> float | None:
    if column not in row.index:
        return None
    value = pd.to_numeric(pd.Series([row[column]]), errors="coerce").iloc[0]
    return None if pd.isna(value) else float(value)


def _closed_form(view: View) -> list[tuple[np.ndarray, float]]:
    """Equations from a saturated logit's estimates and SEs (e and ne per cell)."""
    if view.coefficients is None or view.X is None or view.members is None:
        return []
    X = view.X
    if X.shape[0] != X.shape[1]:
        return []
    inverse = np.linalg.inv(X)
    cells = X.shape[0]
    estimates = pd.to_numeric(view.coefficients["estimate"], errors="coerce").to_numpy()
    errors = pd.to_numeric(view.coefficients["std_error"], errors="coerce").to_numpy()
    l_rows, l_rhs, v_rows, v_rhs = [], [], [], []
    for t in range(cells):
        if np.isfinite(estimates[t]):
            l_rows.append(inverse[t])
            l_rhs.append(estimates[t])
        if np.isfinite(errors[t]):
            v_rows.append(inverse[t] ** 2)
            v_rhs.append(errors[t] ** 2)
    # a row's log-odds is its cell's log-odds
    for c, member in enumerate(view.members):
        for r in np.flatnonzero(member):
            value = _value(view.rows.iloc[r], "log_odds")
            if value is not None:
                l_rows.append(np.eye(cells)[c])
                l_rhs.append(value)
    logits = _determined(l_rows, l_rhs, cells)
    variances = _determined(v_rows, v_rhs, cells)
    equations = []
    unknowns = 2 * len(view.rows)
    for c, member in enumerate(view.members):
        if logits[c] is None or not np.isfinite(logits[c]) or abs(logits[c]) > 30:
            continue
        rho = math.exp(logits[c])
        e_row, ne_row = np.zeros(unknowns), np.zeros(unknowns)
        e_row[0::2] = member
        ne_row[1::2] = member
        equations.append((e_row - rho * ne_row, 0.0))
        if variances[c] is not None and variances[c] > 0:
            events = (1 + rho) / variances[c]
            equations += [(e_row, events), (ne_row, events / rho)]
    return equations


def _determined(rows: list, rhs: list, size: int) -> list[float | None]:
    """Per unknown: its value if the equations pin it, else None."""
    out: list[float | None] = [None] * size
    if not rows:
        return out
    A, b = np.array(rows, float), np.array(rhs, float)
    solution = np.linalg.lstsq(A, b, rcond=None)[0]
    for i in range(size):
        if _in_row_space(A, np.eye(size)[i]):
            out[i] = float(solution[i])
    return out


def _in_row_space(A: np.ndarray, target: np.ndarray) -> bool:
    scale = np.linalg.norm(A, axis=1, keepdims=True)
    A = A / np.where(scale > 0, scale, 1)
    rank = np.linalg.matrix_rank(A, tol=1e-9)
    return np.linalg.matrix_rank(np.vstack([A, target / np.linalg.norm(target)]), tol=1e-9) == rank


def recoveries(view: View, truth: pd.DataFrame, *, k: int = K) -> list[tuple[str, str, float]]:
    """Withheld counts (1..k-1) that the shown numbers pin to their true value."""
    R = len(view.rows)
    equations: list[tuple[np.ndarray, float]] = []

    def unit(*pairs: tuple[int, float]) -> np.ndarray:
        row = np.zeros(2 * R)
        for index, weight in pairs:
            row[index] += weight
        return row

    # A fitted probability is an observed share only in a saturated model, and then of
    # the row's whole cell (a majority-only model gives girls the minors' share).
    cell_of = (
        [np.flatnonzero(m) for m in view.members]
        if view.members is not None
        else [np.array([r]) for r in range(R)]
    )
    ratios = view.members is None or view.X is not None
    for r in range(R):
        row = view.rows.iloc[r]
        e, ne = 2 * r, 2 * r + 1
        n, events, non_events = (_value(row, c) for c in ("n", "events", "non_events"))
        if n is not None:
            equations.append((unit((e, 1), (ne, 1)), n))
        if events is not None:
            equations.append((unit((e, 1)), events))
        if non_events is not None:
            equations.append((unit((ne, 1)), non_events))
        cell = next((c for c in cell_of if r in c), None)
        if not ratios or cell is None:
            continue
        p = _value(row, "probability")
        if p is not None:
            equations.append(
                (unit(*[(2 * i, 1 - p) for i in cell], *[(2 * i + 1, -p) for i in cell]), 0.0)
            )
        for column in ("odds", "log_odds"):
            value = _value(row, column)
            if value is None:
                continue
            odds = math.exp(value) if column == "log_odds" else value
            if odds > 0 and abs(math.log(odds)) < 30:
                equations.append(
                    (unit(*[(2 * i, 1) for i in cell], *[(2 * i + 1, -odds) for i in cell]), 0.0)
                )
    if view.total_n is not None:
        equations.append((np.ones(2 * R), view.total_n))
    if view.total_events is not None:
        equations.append((unit(*[(2 * r, 1) for r in range(R)]), view.total_events))
    equations += _closed_form(view)
    if not equations:
        return []
    A = np.array([q for q, _ in equations])
    b = np.array([v for _, v in equations])
    solution = np.linalg.lstsq(A, b, rcond=None)[0]
    found = []
    for r in range(R):
        true = truth.iloc[r]
        targets = {
            "events": unit((2 * r, 1)),
            "non_events": unit((2 * r + 1, 1)),
            "n": unit((2 * r, 1), (2 * r + 1, 1)),
        }
        for what, target in targets.items():
            value = float(true[what])
            if not 0 < value < k or _value(view.rows.iloc[r], what) is not None:
                continue  # not a withheld small count
            if _in_row_space(A, target) and abs(float(target @ solution) - value) < 0.5:
                found.append((str(true["group"]), what, value))
    return found


def _members(fit: LogitFit, rows: pd.DataFrame) -> list[np.ndarray]:
    columns = {"gender": "gender", "majority": "majority_status", "age": "age"}
    out = []
    for _, cell in fit.cells.iterrows():
        member = np.ones(len(rows), dtype=bool)
        for predictor in fit.design.predictors:
            column = columns[predictor] if columns[predictor] in rows.columns else predictor
            member &= rows[column].astype(str).to_numpy() == str(cell[predictor])
        out.append(member)
    return out


def view_of(fit: LogitFit, rows: pd.DataFrame, coefficients: pd.DataFrame | None) -> View:
    saturated = len(fit.terms) == len(fit.cells) and fit.method == "ml"
    return View(
        rows=rows.reset_index(drop=True),
        total_n=fit.n,
        total_events=fit.events,
        coefficients=coefficients,
        X=fit.design.matrix(fit.cells) if saturated else None,
        members=_members(fit, rows.reset_index(drop=True)),
    )


def slices(frame: pd.DataFrame, countries: int) -> list[tuple[str, pd.DataFrame]]:
    out = [("all records", frame)]
    top = frame["citizenship"].value_counts()
    for code in [c for c in top.index if top[c] >= 20][:countries]:
        out.append((f"citizens of {code}", frame[frame["citizenship"] == code]))
    for year in sorted(frame["yearOfRegistration"].dropna().unique())[-4:]:
        out.append((f"year {year}", frame[frame["yearOfRegistration"] == year]))
    return out


def attack_frame(frame: pd.DataFrame, countries: int) -> tuple[int, list]:
    """Views attacked and recoveries over slices x rules x majority sources x models."""
    views, found = 0, []
    for name, part in slices(frame, countries):
        for majority in ("given", "derived"):
            records = prepare_records(part, majority=majority).records
            for rule in ("published", "ctdc"):
                for spec in PUBLISHED_MODELS:
                    try:
                        fit = fit_model(records, spec, denominators=rule)
                    except ModelError:
                        continue
                    protected = protect_model(fit, k=K)
                    views += 1
                    hits = recoveries(
                        view_of(fit, protected.groups, protected.coefficients), group_table(fit)
                    )
                    found += [(name, majority, rule, spec.outcome, *h) for h in hits]
    return views, found


# --------------------------------------------------------------------------- the check bites
def _friend_fit() -> LogitFit:
    """The real release's friend model cells (published selection), as counts."""
    cells = {
        ("Female", "Adult"): (1218, 437),
        ("Female", "Minor"): (2402, 235),
        ("Male", "Minor"): (382, 1),
        ("Male", "Adult"): (216, 215),
    }
    rows = [
        {"gender": g, "majority": m, "recruiterRelationFriend": i < e}
        for (g, m), (n, e) in cells.items()
        for i in range(n)
    ]
    spec = PUBLISHED_MODELS[3]
    return fit_model(
        pd.DataFrame(rows), spec.__class__(spec.outcome, spec.predictors, spec.interaction)
    )


class TestTheCheckBites:
    def test_frozen_leaky_row_is_found(self):
        # the intimate-partner model's men as the page showed them before: 216 / <10 / 215
        shown = pd.DataFrame({"group": ["Men"], "n": [216], "events": ["<10"], "non_events": [215]})
        truth = pd.DataFrame({"group": ["Men"], "n": [216], "events": [1], "non_events": [215]})
        assert recoveries(View(rows=shown), truth) == [("Men", "events", 1.0)]

    def test_frozen_leaky_total_is_found(self):
        # one group withheld, the others and the total shown: total minus the others
        truth = pd.DataFrame(
            {
                "group": ["Girls", "Women", "Men"],
                "n": [2402, 1218, 216],
                "events": [522, 742, 1],
                "non_events": [1880, 476, 215],
            }
        )
        shown = truth.astype(object).copy()
        shown.loc[2, ["n", "events", "non_events"]] = np.nan
        view = View(rows=shown, total_n=3836, total_events=1265)
        assert ("Men", "events", 1.0) in recoveries(view, truth)

    def test_probability_times_records_is_found(self):
        truth = pd.DataFrame({"group": ["Boys"], "n": [382], "events": [381], "non_events": [1]})
        shown = pd.DataFrame(
            {
                "group": ["Boys"],
                "n": [382],
                "events": [np.nan],
                "non_events": [np.nan],
                "probability": [381 / 382],
            }
        )
        assert recoveries(View(rows=shown), truth) == [("Boys", "non_events", 1.0)]

    def test_saturated_closed_form_is_found(self):
        fit = _friend_fit()
        coefficients = pd.DataFrame(
            {"term": list(fit.terms), "estimate": fit.params, "std_error": fit.bse}
        )
        # pinned to the closed form: intercept = log(437 / 781), SE^2 = 1/437 + 1/781;
        # gender[Male] = log(215 / 1) - log(437 / 781), SE^2 = 1/215 + 1/1 + 1/437 + 1/781
        assert coefficients.loc[0, "estimate"] == pytest.approx(math.log(437 / 781))
        assert coefficients.loc[0, "std_error"] == pytest.approx(math.sqrt(1 / 437 + 1 / 781))
        male = coefficients.set_index("term").loc["gender[Male]"]
        assert male["estimate"] == pytest.approx(math.log(215) - math.log(437 / 781), abs=1e-6)
        assert male["std_error"] == pytest.approx(
            math.sqrt(1 / 215 + 1 + 1 / 437 + 1 / 781), rel=1e-6
        )
        truth = group_table(fit)
        # the coefficients alone (every group row withheld) give men 1 non-event, boys 1 event
        blank = truth.copy()
        blank[["n", "events", "non_events", "log_odds", "odds", "probability"]] = np.nan
        found = recoveries(
            View(
                rows=blank,
                coefficients=coefficients,
                X=fit.design.matrix(fit.cells),
                members=_members(fit, blank),
            ),
            truth,
        )
        assert ("Men", "non_events", 1.0) in found
        assert ("Boys", "events", 1.0) in found

    def test_the_unprotected_page_tables_leak(self):
        # today's tables without protect_model: the check finds the leaks
        fit = _friend_fit()
        truth = group_table(fit)
        shown = truth.copy().astype(object)
        small = (truth[["events", "non_events"]] < K) & (truth[["events", "non_events"]] > 0)
        for column in ("events", "non_events"):
            shown.loc[small[column], column] = f"<{K}"
        coefficients = pd.DataFrame(
            {"term": list(fit.terms), "estimate": fit.params, "std_error": fit.bse}
        )
        assert len(recoveries(view_of(fit, shown, coefficients), truth)) >= 2

    def test_the_protected_friend_model_leaks_nothing(self):
        fit = _friend_fit()
        protected = protect_model(fit, k=K)
        assert set(protected.primary) == {"Boys", "Men"}
        assert (
            recoveries(view_of(fit, protected.groups, protected.coefficients), group_table(fit))
            == []
        )


def _saturated_fit(cells: dict[tuple[str, str], tuple[int, int]]) -> LogitFit:
    """A saturated gender x majority model of the given (records, events) per cell."""
    rows = [
        {"gender": g, "majority": m, "isSexualExploit": i < e}
        for (g, m), (n, e) in cells.items()
        for i in range(n)
    ]
    spec = PUBLISHED_MODELS[0]
    return fit_model(pd.DataFrame(rows), spec.__class__(spec.outcome, spec.predictors, True))


_ONE_SMALL = {
    ("Female", "Adult"): (60, 40),
    ("Female", "Minor"): (200, 30),
    ("Male", "Minor"): (40, 15),
    ("Male", "Adult"): (216, 1),  # men: 1 event, so boys protect them
}


class TestNoOutputTellsWhichIsSmall:
    """The small group and the group withheld to protect it read the same: the caption,
    the group table (and so its CSV) and the order in which they are named."""

    def test_primary_and_secondary_groups_read_the_same(self):
        one_small = protect_model(_saturated_fit(_ONE_SMALL), k=K)
        assert (one_small.primary, one_small.secondary) == (("Men",), ("Boys",))
        both = protect_model(_saturated_fit({**_ONE_SMALL, ("Male", "Minor"): (40, 3)}), k=K)
        assert set(both.primary) == {"Men", "Boys"} and both.secondary == ()
        # the caption is the one two small groups get, and names no split
        assert one_small.caption() == both.caption()
        assert "protect" not in one_small.caption()
        # the two rows are blank in the same columns (the CSV is this table)
        rows = one_small.groups.set_index("group").loc[["Men", "Boys"]]
        assert rows.isna().loc["Men"].tolist() == rows.isna().loc["Boys"].tolist()
        csv = rows.drop(columns=[c for c in ("gender", "majority_status") if c in rows])
        men, boys = (line.split(",", 1)[1] for line in csv.to_csv(header=False).splitlines())
        assert men == boys
        assert one_small.withheld == both.withheld  # named in the table's order


# --------------------------------------------------------------------------- demo and real
class TestProtectedOutputs:
    @pytest.mark.slow
    def test_demo_views_leak_nothing(self, demo_frame):
        views, found = attack_frame(demo_frame, countries=6)
        assert views >= 100
        assert found == []

    @pytest.mark.real
    def test_real_views_leak_nothing(self, real_frame):
        views, found = attack_frame(real_frame, countries=15)
        assert views >= 150  # 168 in the 2021 release (some slices cannot fit a model)
        assert found == []


def _command_views(data: str, out, spec: str) -> tuple[int, list]:
    assert main(["models", "--data", data, "--out", str(out), "--spec", spec]) == 0
    cells = pd.read_csv(out / "logit_cells.csv")
    coefficients = pd.read_csv(out / "logit_coefficients.csv")
    from core.data.load import load_cached

    records = prepare_records(load_cached(data).frame).records
    views, found = 0, []
    for model in PUBLISHED_MODELS:
        try:
            fit = fit_model(records, model, denominators=spec)
        except ModelError:
            continue
        rows = cells[cells["model"] == model.outcome].reset_index(drop=True)
        rows = rows.assign(non_events=np.nan)  # not in the file
        truth = group_table(fit).reset_index(drop=True)
        assert rows["gender"].tolist() == truth["gender"].tolist()
        terms = coefficients[coefficients["model"] == model.outcome].reset_index(drop=True)
        views += 1
        found += recoveries(view_of(fit, rows, terms), truth)
    return views, found


class TestModelsCommand:
    @pytest.mark.parametrize("spec", ["published", "ctdc"])
    def test_demo_files_leak_nothing(self, tmp_path, capsys, spec):
        views, found = _command_views(str(DEMO_FILE), tmp_path, spec)
        assert views == 5
        assert found == []

    @pytest.mark.real
    @pytest.mark.parametrize("spec", ["published", "ctdc"])
    def test_real_files_leak_nothing(self, tmp_path, capsys, spec):
        if not REAL_FILE.exists():
            pytest.skip(REAL_MISSING)
        views, found = _command_views(str(REAL_FILE), tmp_path, spec)
        assert views == 5
        assert found == []


# --------------------------------------------------------------------------- the page itself
def _page_views(at, frame: pd.DataFrame) -> tuple[int, list]:
    """Attack what the risk page displays (rounded as on screen)."""
    import re

    from core.risk.records import GROUPS

    names = {
        "Group": "group",
        "Records": "n",
        "With the outcome": "events",
        "Without": "non_events",
        "Log-odds": "log_odds",
        "Odds": "odds",
        "Probability (%)": "probability",
    }
    groups = [d.value for d in at.dataframe if "Group" in d.value.columns]
    terms = [d.value for d in at.dataframe if "Term" in d.value.columns]
    headers = [m.value for m in at.markdown if "` · " in m.value]
    records = prepare_records(frame).records
    by_name = {name: key for key, name in GROUPS.items()}
    views, found = 0, []
    for spec, shown, coefficients, header in zip(
        PUBLISHED_MODELS, groups, terms, headers, strict=True
    ):
        fit = fit_model(records, spec)
        rows = shown.rename(columns=names)[list(names.values())].copy()
        for column in list(names.values())[1:]:
            rows[column] = pd.to_numeric(
                rows[column].astype(str).str.replace(",", ""), errors="coerce"
            )
        rows["probability"] = rows["probability"] / 100
        rows["gender"] = [by_name[g][0] for g in rows["group"]]
        rows["majority_status"] = [by_name[g][1] for g in rows["group"]]
        table = pd.DataFrame(
            {
                "term": coefficients["Code"],
                "estimate": pd.to_numeric(coefficients["Estimate (log-odds)"], errors="coerce"),
                "std_error": pd.to_numeric(coefficients["Std. error"], errors="coerce"),
            }
        )
        view = view_of(fit, rows, table)
        total = re.search(r"· ([\d,]+) records, ([\d,]+) with", header)
        assert total, header
        view.total_n, view.total_events = (float(v.replace(",", "")) for v in total.groups())
        truth = group_table(fit)
        views += 1
        found += [(spec.outcome, *h) for h in recoveries(view, truth)]
    return views, found


@pytest.mark.slow
class TestThePage:
    def test_demo_page_leaks_nothing(self, run_page, demo_frame):
        at = run_page("pages/2_Who_is_most_at_risk.py")
        assert not at.exception
        views, found = _page_views(at, demo_frame)
        assert views == 5
        assert found == []

    @pytest.mark.real
    def test_real_page_leaks_nothing(self, run_page, real_frame):
        at = run_page("pages/2_Who_is_most_at_risk.py", data="real")
        assert not at.exception
        views, found = _page_views(at, real_frame)
        assert views == 5
        assert found == []


# --------------------------------------------------------------------------- hidden populations
def _hidden_views(frame: pd.DataFrame, countries: int) -> tuple[int, list]:
    """Attack the hidden-populations table (all four groups typed) over country filters."""
    from core.hidden.survey import SurveyRow
    from core.risk.records import GROUPS

    survey = [SurveyRow(name, g, m, 1000.0) for (g, m), name in GROUPS.items()]
    views, found = 0, []
    for column in ("citizenship", "CountryOfExploitation"):
        for code in list(frame[column].value_counts().index[:countries]):
            for majority in ("given", "derived"):
                part = frame[frame[column] == code]
                records = prepare_records(part, majority=majority).records
                try:
                    sexual = fit_model(records, PUBLISHED_MODELS[0])
                except ModelError:
                    continue
                views += 1
                found += [(column, code, majority, *h) for h in _hidden_attack(sexual, survey)]
    return views, found


def _hidden_attack(sexual: LogitFit, survey: list) -> list:
    from core.hidden.estimate import extrapolate, protect_estimates
    from core.risk.protect import withheld_groups

    table = protect_estimates(
        extrapolate(survey, method="published", sexual=sexual),
        k=K,
        withheld=withheld_groups(sexual, k=K),
    )
    # the published factor is the group's odds of sexual exploitation
    rows = pd.DataFrame(
        {
            "group": table["group"],
            "n": table["records"],
            "events": table["events_sexual"],
            "odds": table["factor"],
        }
    )
    truth = group_table(sexual).set_index("group").loc[rows["group"]].reset_index()
    return recoveries(View(rows=rows, total_n=sexual.n), truth)


class TestHiddenPopulations:
    def test_frozen_leaky_row_is_found(self):
        # citizens of Russia, girls, as the table showed them: 12 records, 11 in sexual
        # exploitation, the rest withheld
        rows = pd.DataFrame({"group": ["Girls"], "n": [12], "events": [11], "odds": [np.nan]})
        truth = pd.DataFrame({"group": ["Girls"], "n": [12], "events": [11], "non_events": [1]})
        assert recoveries(View(rows=rows), truth) == [("Girls", "non_events", 1.0)]

    @pytest.mark.slow
    def test_demo_leaks_nothing(self, demo_frame):
        views, found = _hidden_views(demo_frame, countries=30)
        assert views >= 10
        assert found == []

    @pytest.mark.real
    def test_real_top_60_countries_leak_nothing(self, real_frame):
        views, found = _hidden_views(real_frame, countries=60)
        assert views >= 30
        assert found == []
