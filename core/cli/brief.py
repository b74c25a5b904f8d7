"""The ``brief`` command: a country brief, or a hidden-population brief, as Word and PDF.

``python -m core brief --data FILE --country ISO --out DIR [--format docx|pdf|both] [--k K]``
writes ``ctdc_brief_ISO.docx`` and/or ``ctdc_brief_ISO.pdf`` into DIR: the same files as
the Country brief page's downloads, for all the records of the file. A shell loop makes
briefs for many countries; ``--list-countries`` prints the codes the file names, one
``CODE<TAB>Name`` a line.

``python -m core brief --data FILE --hidden SURVEY.csv --out DIR [--method published|ratio]
[--unit thousands|persons] [--survey-source TEXT]`` writes ``ctdc_hidden_brief.docx`` and/or
``.pdf`` instead: the Hidden populations page's brief for the survey counts in the CSV
(columns ``gender``, ``majority_status``, ``forced_labour`` and optionally
``forced_labour_low``, ``forced_labour_high``, as for ``python -m core models --survey``).

Counts below k are withheld, with the cells that would give them back
(:func:`core.brief.country_profile`). ``--k`` defaults to the operator's floor
(``CTDC_MIN_K``, 10 by default); a lower value is raised to it with one ``note:`` line
on stderr. Every failure a user can cause prints one line ``error: ...`` and exits 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd

from core.brief import country_choices, country_profile
from core.brief.document import brief_images, country_docx, country_pdf
from core.brief.hidden import HiddenBrief, estimate_brief, hidden_docx, hidden_image, hidden_pdf
from core.cli import threshold_in_force
from core.cli.models import _read_survey
from core.data.load import load_cached
from core.data.sources import DEMO_FILE
from core.hidden.estimate import METHODS
from core.hidden.survey import UNITS, SurveyInputError, SurveyRow, survey_from_table

__all__ = ["FORMATS", "configure", "run"]

FORMATS = ("docx", "pdf", "both")
_DEMO_NOTE = "Illustrative demo data, not real records."


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core brief``."""
    parser.description = "A country brief (Word and/or PDF) from a CTDC data file."
    parser.add_argument("--data", required=True, help="a CTDC data file")
    parser.add_argument("--country", help="the country's ISO 3166-1 alpha-3 code, e.g. UKR")
    parser.add_argument("--out", help="the folder to write the brief into")
    parser.add_argument(
        "--format", choices=FORMATS, default="both", help="docx, pdf or both (default)"
    )
    parser.add_argument(
        "--k",
        type=int,
        default=None,
        help="hide counts below k (default and minimum: CTDC_MIN_K, else 10)",
    )
    parser.add_argument(
        "--link",
        default="",
        help="the app's address, for the link in the brief (e.g. https://ctdc.example.org)",
    )
    parser.add_argument(
        "--hidden",
        metavar="SURVEY_CSV",
        help="a hidden-population brief from the survey counts in this CSV (instead of "
        "--country): columns gender, majority_status, forced_labour",
    )
    parser.add_argument(
        "--method",
        choices=list(METHODS),
        default="published",
        help="with --hidden: published (odds, default) or ratio",
    )
    parser.add_argument(
        "--unit",
        choices=list(UNITS),
        default="thousands",
        help="with --hidden: the unit of the survey counts (default thousands)",
    )
    parser.add_argument(
        "--survey-source", default="", help="with --hidden: where the survey counts come from"
    )
    parser.add_argument(
        "--list-countries",
        action="store_true",
        help="print the country codes and names the file holds, and stop",
    )


def _link(base: str, country_name: str, k: int) -> str:
    query = urlencode({"country": country_name, "k": str(k)})
    base = base.strip().rstrip("/")
    return f"{base}/Country_brief?{query}" if base else f"Country_brief?{query}"


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    result = load_cached(args.data)
    frame = result.frame
    if args.list_countries:
        for code, name in country_choices(frame).items():
            print(f"{code}\t{name}")
        return 0
    hidden = getattr(args, "hidden", None)
    if hidden and args.country:
        print("error: give --country ISO or --hidden SURVEY_CSV, not both.")
        return 2
    if not (args.country or hidden) or not args.out:
        print("error: name the country (--country ISO) and the folder to write to (--out DIR).")
        return 2
    k = threshold_in_force(args.k)
    filters_text = f"all records of the file; counts below {k} withheld"
    is_demo = Path(args.data).resolve() == DEMO_FILE.resolve()
    notes = [_DEMO_NOTE] if is_demo else []
    if hidden:
        return _hidden(args, frame, k, filters_text, notes, result.release)
    try:
        profile = country_profile(frame, country=args.country, k=k)
    except ValueError as exc:
        return _refused(exc)
    out = _out_folder(args.out)
    if out is None:
        return 2
    link = _link(args.link, profile.name, k)
    images = brief_images(profile, filters_text=filters_text, release=result.release)
    builders = {"docx": country_docx, "pdf": country_pdf}
    chosen = ["docx", "pdf"] if args.format == "both" else [args.format]
    for kind in chosen:
        content = builders[kind](
            profile,
            filters_text=filters_text,
            link=link,
            release=result.release,
            images=images,
            notes=notes,
        )
        if not _write(out / f"ctdc_brief_{profile.code}.{kind}", content):
            return 2
    return 0


def _refused(exc: Exception) -> int:
    """Print why the input was refused (``error: ...``) and give the exit code 2."""
    print(f"error: {exc}")
    return 2


def _out_folder(name: str) -> Path | None:
    """The output folder, made if need be; None (and one line) when it cannot be."""
    out = Path(name)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: the output folder {out} cannot be created ({exc.strerror}).")
        return None
    return out


def _write(path: Path, content: bytes) -> bool:
    try:
        path.write_bytes(content)
    except OSError as exc:
        print(f"error: {path} cannot be written ({exc.strerror}).")
        return False
    print(f"wrote {path}")
    return True


def _hidden_link(base: str, survey: list[SurveyRow], method: str, unit: str, k: int) -> str:
    """The Hidden populations page with these counts, method, unit and k (the widgets'
    URL parameters, each choice written as its label)."""

    def typed(value: float) -> str:
        return f"{value:,.0f}" if value == int(value) else str(value)

    query: dict[str, str] = {}
    for row in survey:
        key = f"hid_{row.group.lower()}"
        query[key] = typed(row.count)
        if row.low is not None:
            query[f"{key}_low"] = typed(row.low)
        if row.high is not None:
            query[f"{key}_high"] = typed(row.high)
    query |= {"hid_method": METHODS[method][0], "hid_unit": UNITS[unit].capitalize(), "k": str(k)}
    base = base.strip().rstrip("/")
    page = f"Hidden_populations?{urlencode(query)}"
    return f"{base}/{page}" if base else page


def _hidden(
    args: argparse.Namespace,
    frame: pd.DataFrame,
    k: int,
    filters_text: str,
    notes: list[str],
    release: str,
) -> int:
    """The hidden-population brief of ``--hidden``'s survey counts."""
    try:
        survey = survey_from_table(_read_survey(args.hidden))
    except SurveyInputError as exc:
        return _refused(exc)
    try:
        brief: HiddenBrief = estimate_brief(
            frame,
            survey,
            method=args.method,
            k=k,
            unit=args.unit,
            filters_text=filters_text,
            link=_hidden_link(args.link, survey, args.method, args.unit, k),
            release=release,
            survey_source=args.survey_source,
            notes=notes,
        )
    except ValueError as exc:
        return _refused(exc)
    out = _out_folder(args.out)
    if out is None:
        return 2
    image = hidden_image(brief)
    builders = {"docx": hidden_docx, "pdf": hidden_pdf}
    chosen = ["docx", "pdf"] if args.format == "both" else [args.format]
    for kind in chosen:
        if not _write(out / f"ctdc_hidden_brief.{kind}", builders[kind](brief, image=image)):
            return 2
    return 0
