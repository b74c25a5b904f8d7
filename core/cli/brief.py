"""The ``brief`` command: a country brief as Word and PDF, headless.

``python -m core brief --data FILE --country ISO --out DIR [--format docx|pdf|both] [--k K]``
writes ``ctdc_brief_ISO.docx`` and/or ``ctdc_brief_ISO.pdf`` into DIR: the same files as
the Country brief page's downloads, for all the records of the file. A shell loop makes
briefs for many countries; ``--list-countries`` prints the codes the file names, one
``CODE<TAB>Name`` a line.

Counts below k are withheld, with the cells that would give them back
(:func:`core.brief.country_profile`). ``--k`` defaults to the operator's floor
(``CTDC_MIN_K``, 10 by default); a lower value is raised to it with one ``note:`` line
on stderr. Every failure a user can cause prints one line ``error: ...`` and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlencode

from core.brief import country_choices, country_profile
from core.brief.document import brief_images, country_docx, country_pdf
from core.data.load import load_cached
from core.data.sources import DEMO_FILE
from core.privacy import effective_k, floor_k

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
    if not args.country or not args.out:
        print("error: name the country (--country ISO) and the folder to write to (--out DIR).")
        return 2
    k, raised = effective_k(args.k, floor_k())
    if raised:
        print(
            f"note: counts below {k} are never shown; --k {args.k} was raised to {k}.",
            file=sys.stderr,
        )
    try:
        profile = country_profile(frame, country=args.country, k=k)
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: the output folder {out} cannot be created ({exc.strerror}).")
        return 2
    filters_text = f"all records of the file; counts below {k} withheld"
    link = _link(args.link, profile.name, k)
    is_demo = Path(args.data).resolve() == DEMO_FILE.resolve()
    notes = [_DEMO_NOTE] if is_demo else []
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
        path = out / f"ctdc_brief_{profile.code}.{kind}"
        try:
            path.write_bytes(content)
        except OSError as exc:
            print(f"error: {path} cannot be written ({exc.strerror}).")
            return 2
        print(f"wrote {path}")
    return 0
