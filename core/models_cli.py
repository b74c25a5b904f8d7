"""The ``models`` command: the published logit models and survey extrapolation, headless.

``python -m core models --data FILE --out DIR [--spec published|ctdc] [--survey CSV]``
writes ``logit_coefficients.csv``, ``logit_cells.csv`` and, with ``--survey``,
``extrapolation.csv`` into DIR. Every failure a user can cause prints one line
``error: ...`` and exits 2; problems with single models print ``warning: ...``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from core.cli import register
from core.export import csv_bytes
from core.hidden import SurveyInputError, extrapolate, joint_counts, survey_from_table
from core.load import load_cached
from core.logit import (
    PUBLISHED_MODELS,
    FirthUnavailable,
    LogitFit,
    ModelError,
    coefficient_table,
    fit_model,
    group_table,
    prepare_records,
)

__all__ = ["CELL_COLUMNS", "COEFFICIENT_COLUMNS", "EXTRAPOLATION_COLUMNS", "configure", "run"]

COEFFICIENT_COLUMNS = ["model", "term", "estimate", "std_error", "z", "p_value", "ci_low",
                       "ci_high"]
CELL_COLUMNS = ["model", "gender", "majority_status", "n", "events", "log_odds", "odds",
                "probability", "probability_ci_low", "probability_ci_high"]
EXTRAPOLATION_COLUMNS = ["gender", "majority_status", "survey_count", "method", "estimate",
                         "ci_low", "ci_high"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core models``."""
    parser.description = "Fit the published logit models; optionally extrapolate survey counts."
    parser.add_argument("--data", required=True, help="a CTDC data file (any release)")
    parser.add_argument("--out", required=True, help="folder for the CSV files (created)")
    parser.add_argument("--spec", choices=["published", "ctdc"], default="published",
                        help="published: a missing flag counts as 0; ctdc: records with no "
                        "flag in the outcome's group are left out")
    parser.add_argument("--survey", help="CSV with columns gender, majority_status, "
                        "forced_labour (optional forced_labour_low, forced_labour_high)")
    parser.add_argument("--derived-majority", action="store_true",
                        help="use majority status derived from the age band where missing")
    parser.add_argument("--firth", action="store_true",
                        help="Firth-penalised estimates for models with separation")


def _fit_all(records: pd.DataFrame, spec: str, firth: bool) -> list[LogitFit]:
    fits = []
    for model in PUBLISHED_MODELS:
        try:
            fit = fit_model(records, model, denominators=spec)
        except ModelError as exc:
            print(f"warning: {model.outcome}: {exc}")
            continue
        if fit.separation.detected:
            words = " ".join(fit.separation.sentences(model.outcome))
            if firth:
                try:
                    fit = fit_model(records, model, denominators=spec, method="firth")
                    words += " Firth-penalised estimates written."
                except FirthUnavailable as exc:
                    words += f" {exc}"
            print(f"warning: {model.outcome}: {words}")
        fits.append(fit)
    return fits


def _read_survey(path: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError as exc:
        raise SurveyInputError(f"No survey file at {path}; check the path.") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SurveyInputError(f"The survey file {path} is not a readable CSV table; save it "
                               "as CSV with a header line.") from exc
    except OSError as exc:  # a folder, no permission, ...
        raise SurveyInputError(f"The survey file {path} cannot be read ({exc.strerror}); "
                               "give the path of a CSV file.") from exc


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
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
    prepared = prepare_records(result.frame,
                               majority="derived" if args.derived_majority else "given")
    if prepared.note:
        print(f"note: {prepared.note}")
    print(f"records used: {len(prepared.records):,} of {prepared.total:,}")
    fits = _fit_all(prepared.records, args.spec, args.firth)

    coefficients = [coefficient_table(fit).assign(model=fit.spec.outcome) for fit in fits]
    cells = [group_table(fit).assign(model=fit.spec.outcome) for fit in fits]
    files = {
        "logit_coefficients.csv": pd.concat(coefficients, ignore_index=True)[COEFFICIENT_COLUMNS]
        if coefficients else pd.DataFrame(columns=COEFFICIENT_COLUMNS),
        "logit_cells.csv": pd.concat(cells, ignore_index=True)[CELL_COLUMNS]
        if cells else pd.DataFrame(columns=CELL_COLUMNS),
    }
    if survey is not None:
        by_outcome = {fit.spec.outcome: fit for fit in fits}
        sexual, labour = by_outcome.get("isSexualExploit"), by_outcome.get("isForcedLabour")
        tables = []
        if sexual is not None:
            tables.append(extrapolate(survey, method="published", sexual=sexual))
        if sexual is not None and labour is not None:
            joint = joint_counts(prepared.records, denominators=args.spec)
            tables.append(extrapolate(survey, method="ratio", sexual=sexual, labour=labour,
                                      joint=joint))
        table = (pd.concat(tables, ignore_index=True) if tables
                 else pd.DataFrame(columns=[*EXTRAPOLATION_COLUMNS, "note"]))
        for _, row in table[table["note"] != ""].iterrows():
            print(f"warning: {row['method']}: {row['group']}: {row['note']}")
        files["extrapolation.csv"] = table[EXTRAPOLATION_COLUMNS]
    for name, frame in files.items():
        (out / name).write_bytes(csv_bytes(frame))
        print(f"wrote {out / name} ({len(frame)} rows)")
    return 0


register("models", configure, run)
