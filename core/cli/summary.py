"""The ``summary`` command: ``python -m core summary --data FILE [--json] [--k K]``.

The headline numbers of Home, protected like the screen: a count below k shows as
"<k" (None in JSON) and a share that would give one back is withheld. ``--k`` defaults
to the operator's floor (``CTDC_MIN_K``, 10 by default); a lower value is raised to it
with one ``note:`` line on stderr. An unusable file prints ``error: ...`` and exits 2
(through :func:`core.cli.main.main`).
"""

from __future__ import annotations

import argparse
import json

from core.cli import threshold_in_force
from core.data.load import load_cached
from core.data.summary import headline, headline_text

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core summary``."""
    parser.description = "The headline numbers of Home for a CTDC data file."
    parser.add_argument("--data", required=True, help="a CTDC data file")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument(
        "--k",
        type=int,
        default=None,
        help="hide counts below k (default and minimum: CTDC_MIN_K, else 10)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    k = threshold_in_force(args.k)
    result = load_cached(args.data)
    h = headline(result.frame)
    if args.json:
        print(json.dumps({"release": result.release, "k": k, **h.as_dict(k=k)}))
        return 0
    shown = headline_text(h, k=k)
    print(f"release: {result.release}")
    print(f"records: {shown.records}")
    years = f"{h.year_min}-{h.year_max}" if h.year_min is not None else "none"
    print(f"years covered: {years} ({shown.no_year} records without a year)")
    print(
        f"countries: {h.countries_citizenship} of citizenship, "
        f"{h.countries_exploitation} of exploitation"
    )
    if h.share_female is not None:
        print(f"share female: {shown.female} of {shown.gender_known} with known gender")
    if h.share_minor is not None:
        print(f"share minors: {shown.minors} of {shown.majority_known} with known majority status")
    return 0
