"""The ``validate`` command: ``python -m core validate FILE [--json]``.

Says whether a file can be used, which release it is, how many records it holds and
what the loader warns about. An unusable file prints one line ``error: ...`` (with
``--json``: one JSON line on stdout, the error line on stderr) and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from core.data.load import DataError, load_cached

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core validate``."""
    parser.description = "Check a CTDC data file: its release, records and warnings."
    parser.add_argument("file", help="a CTDC data file (TSV, CSV, .gz; any release)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    try:
        result = load_cached(args.file)
    except DataError as exc:
        if args.json:
            print(
                json.dumps(
                    {"ok": False, "error": str(exc), "rows": 0, "release": None, "warnings": []}
                )
            )
        print(f"error: {exc}", file=sys.stdout if not args.json else sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                {
                    "ok": True,
                    "rows": result.rows,
                    "release": result.release,
                    "columns_recognised": result.columns_recognised,
                    "columns_ignored": result.columns_ignored,
                    "warnings": result.warnings,
                }
            )
        )
    else:
        print(f"ok: {result.rows:,} records")
        print(f"release: {result.release}")
        print(
            f"columns recognised: {len(result.columns_recognised)}"
            + (f"; ignored: {', '.join(result.columns_ignored)}" if result.columns_ignored else "")
        )
        for warning in result.warnings:
            print(f"warning: {warning}")
    return 0
