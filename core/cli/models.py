"""The ``models`` command: the published logit models and survey extrapolation, headless.

``python -m core models --data FILE --out DIR [--spec published|ctdc] [--survey CSV] [--k K]``
writes ``logit_coefficients.csv`` (with ``p_value_method`` and ``ci_method`` saying how
each p-value and interval was computed), ``logit_cells.csv`` and, with ``--survey``,
``extrapolation.csv`` into DIR, and prints one ``estimate:`` line per method with the
estimate of the groups added up (their names, the 95% interval on the log scale, and
what it does not cover), as the page's headline number. Every failure a user can cause prints one line
``error: ...`` and exits 2; problems with single models print ``warning: ...``.

The files are protected like the app's downloads (:func:`core.risk.protect.protect_model`):
a group with records, events or non-events between 1 and k - 1 is written empty, with a
second group that would give it away through the totals, and so are the coefficients
and estimates from which those counts follow. ``--k`` defaults to the operator's floor
(``CTDC_MIN_K``, 10 by default); a lower value is raised to it with one ``note:`` line
on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from core.data.load import load_cached
from core.export import csv_bytes
from core.hidden.estimate import (
    extrapolate,
    joint_counts,
    protect_estimates,
    total_estimate,
    total_groups,
)
from core.hidden.survey import SurveyInputError, survey_from_table
from core.hidden.words import INTERVAL_SCOPE
from core.privacy import effective_k, floor_k, format_count
from core.risk.firth import FirthUnavailable
from core.risk.model import PUBLISHED_MODELS, LogitFit, ModelError, fit_model
from core.risk.protect import (
    COEFFICIENT_STATS,
    ESTIMATE_COLUMNS,
    ProtectedModel,
    protect_model,
    safe_separation_sentences,
    withheld_groups,
)
from core.risk.records import DenominatorRule, prepare_records
from core.risk.tables import coefficient_caption
from core.words import listed

__all__ = ["CELL_COLUMNS", "COEFFICIENT_COLUMNS", "EXTRAPOLATION_COLUMNS", "configure", "run"]

COEFFICIENT_COLUMNS = [
    "model",
    "term",
    *COEFFICIENT_STATS,
    "p_value_method",
    "ci_method",
]
CELL_COLUMNS = [
    "model",
    "gender",
    "majority_status",
    "n",
    "events",
    *ESTIMATE_COLUMNS,
]
EXTRAPOLATION_COLUMNS = [
    "gender",
    "majority_status",
    "survey_count",
    "method",
    "estimate",
    "ci_low",
    "ci_high",
]


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core models``."""
    parser.description = "Fit the published logit models; optionally extrapolate survey counts."
    parser.add_argument("--data", required=True, help="a CTDC data file (any release)")
    parser.add_argument("--out", required=True, help="folder for the CSV files (created)")
    parser.add_argument(
        "--spec",
        choices=["published", "ctdc"],
        default="published",
        help="published: a missing flag counts as 0; ctdc: records with no "
        "flag in the outcome's group are left out",
    )
    parser.add_argument(
        "--survey",
        help="CSV with columns gender, majority_status, "
        "forced_labour (optional forced_labour_low, forced_labour_high)",
    )
    parser.add_argument(
        "--derived-majority",
        action="store_true",
        help="use majority status derived from the age band where missing",
    )
    parser.add_argument(
        "--firth", action="store_true", help="Firth-penalised estimates for models with separation"
    )
    parser.add_argument(
        "--k",
        default=None,
        help="withhold counts below k and what would reveal them (default "
        "and minimum: the operator's floor CTDC_MIN_K, 10 unless set)",
    )


def _fit_all(
    records: pd.DataFrame, spec: DenominatorRule, firth: bool, k: int
) -> list[ProtectedModel]:
    fits = []
    for model in PUBLISHED_MODELS:
        try:
            fit = fit_model(records, model, denominators=spec)
        except ModelError as exc:
            print(f"warning: {model.outcome}: {exc}")
            continue
        if fit.separation.detected:
            words = " ".join(safe_separation_sentences(protect_model(fit, k=k)))
            if firth:
                try:
                    fit = fit_model(records, model, denominators=spec, method="firth")
                    words += " Firth-penalised estimates written."
                except FirthUnavailable as exc:
                    words += f" {exc}"
            print(f"warning: {model.outcome}: {words}")
        protected = protect_model(fit, k=k)
        if protected.caption():
            print(f"note: {model.outcome}: {protected.caption()}")
        if fit.method == "firth":
            shown = [t for t in fit.terms if t not in protected.terms_withheld]
            print(f"note: {model.outcome}: {coefficient_caption(fit, shown=shown)}")
        fits.append(protected)
    return fits


def _print_total(
    table: pd.DataFrame,
    *,
    sexual: LogitFit,
    labour: LogitFit | None = None,
    joint: pd.DataFrame | None = None,
) -> None:
    """One line with the estimate of the groups added (the page's headline number)."""
    added, left_out = total_groups(table)
    if not added:
        return
    total, low, high = total_estimate(table, sexual=sexual, labour=labour, joint=joint)
    method = str(table["method"].iloc[0])
    who = listed([g.lower() for g in added])
    what = "total of " + who if len(added) > 1 else who
    rest = f"; not included: {listed([g.lower() for g in left_out])}" if left_out else ""
    print(
        f"estimate: {method}: {what}: {total:,.1f} (95% interval {low:,.1f} to {high:,.1f}, "
        f"in the survey's units{rest}). {INTERVAL_SCOPE}"
    )


def _read_survey(path: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError as exc:
        raise SurveyInputError(f"No survey file at {path}; check the path.") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SurveyInputError(
            f"The survey file {path} is not a readable CSV table; save it "
            "as CSV with a header line."
        ) from exc
    except OSError as exc:  # a folder, no permission, ...
        raise SurveyInputError(
            f"The survey file {path} cannot be read ({exc.strerror}); give the path of a CSV file."
        ) from exc


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    floor = floor_k()
    k, raised = effective_k(getattr(args, "k", None), floor)
    if raised:
        print(
            f"note: --k {args.k} is below the floor {floor} (CTDC_MIN_K) or not a whole "
            f"number; {k} is used.",
            file=sys.stderr,
        )
    out = Path(args.out)
    try:
        survey = survey_from_table(_read_survey(args.survey)) if args.survey else None
    except SurveyInputError as exc:
        print(f"error: {exc}")
        return 2
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: the output folder {out} cannot be created ({exc.strerror}).")
        return 2
    result = load_cached(args.data)
    prepared = prepare_records(
        result.frame, majority="derived" if args.derived_majority else "given"
    )
    if prepared.note:
        print(f"note: {prepared.note}")
    print(
        f"records used: {format_count(len(prepared.records), k)} of "
        f"{format_count(prepared.total, k)}"
    )
    models = _fit_all(prepared.records, args.spec, args.firth, k)
    fits = [model.fit for model in models]

    coefficients = [m.coefficients.assign(model=m.fit.spec.outcome) for m in models]
    cells = [m.groups.assign(model=m.fit.spec.outcome) for m in models]
    files = {
        "logit_coefficients.csv": pd.concat(coefficients, ignore_index=True)[COEFFICIENT_COLUMNS]
        if coefficients
        else pd.DataFrame(columns=COEFFICIENT_COLUMNS),
        "logit_cells.csv": pd.concat(cells, ignore_index=True)[CELL_COLUMNS]
        if cells
        else pd.DataFrame(columns=CELL_COLUMNS),
    }
    if survey is not None:
        by_outcome = {fit.spec.outcome: fit for fit in fits}
        sexual, labour = by_outcome.get("isSexualExploit"), by_outcome.get("isForcedLabour")
        tables = []
        if sexual is not None:
            tables.append(
                protect_estimates(
                    extrapolate(survey, method="published", sexual=sexual),
                    k=k,
                    withheld=withheld_groups(sexual, k=k),
                )
            )
            _print_total(tables[-1], sexual=sexual)
        if sexual is not None and labour is not None:
            joint = joint_counts(prepared.records, denominators=args.spec)
            tables.append(
                protect_estimates(
                    extrapolate(survey, method="ratio", sexual=sexual, labour=labour, joint=joint),
                    k=k,
                    withheld=withheld_groups(sexual, labour, k=k),
                )
            )
            _print_total(tables[-1], sexual=sexual, labour=labour, joint=joint)
        table = (
            pd.concat(tables, ignore_index=True)
            if tables
            else pd.DataFrame(columns=[*EXTRAPOLATION_COLUMNS, "note"])
        )
        for _, row in table[table["note"] != ""].iterrows():
            print(f"warning: {row['method']}: {row['group']}: {row['note']}")
        files["extrapolation.csv"] = table[EXTRAPOLATION_COLUMNS]
    for name, frame in files.items():
        frame = frame.copy()
        for column in ("n", "events"):  # whole numbers; withheld ones empty
            if column in frame.columns:
                frame[column] = pd.to_numeric(frame[column]).round().astype("Int64")
        (out / name).write_bytes(csv_bytes(frame))
        print(f"wrote {out / name} ({len(frame)} rows)")
    return 0
