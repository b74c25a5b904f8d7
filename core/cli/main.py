"""Command-line interface of CTDC Explorer (``python -m core``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from core.data.load import DataError, LoadResult, load_cached
from core.data.summary import headline, headline_text
from core.privacy import effective_k, floor_k, format_count

__all__ = ["main", "register"]

_COMMANDS: dict[
    str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
] = {}


def register(
    name: str,
    configure: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], int],
) -> None:
    """Add a sub-command (used by the analysis modules' CLI functions)."""
    _COMMANDS[name] = (configure, run)


def _load(path: str) -> LoadResult:
    return load_cached(path)


def _configure_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a CTDC data file (TSV, CSV, .gz; any release)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")


def _run_validate(args: argparse.Namespace) -> int:
    try:
        result = _load(args.file)
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


def _configure_summary(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="a CTDC data file")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument(
        "--k",
        type=int,
        default=None,
        help="hide counts below k (default and minimum: CTDC_MIN_K, else 10)",
    )


def _run_summary(args: argparse.Namespace) -> int:
    k, raised = effective_k(args.k, floor_k())
    if raised:
        print(
            f"note: counts below {k} are never shown; --k {args.k} was raised to {k}.",
            file=sys.stderr,
        )
    result = _load(args.data)
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
        print(
            f"share female: {shown.female} of {format_count(h.gender_known, k)} with known gender"
        )
    if h.share_minor is not None:
        print(
            f"share minors: {shown.minors} of {format_count(h.majority_known, k)} with known "
            "majority status"
        )
    return 0


register("validate", _configure_validate, _run_validate)
register("summary", _configure_summary, _run_summary)


def _discover() -> None:
    """Import the analysis modules that register further commands, if present."""
    import importlib

    for module in ("core.cli.models", "core.cli.forecast"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def main(argv: Sequence[str] | None = None) -> int:
    _discover()
    parser = argparse.ArgumentParser(prog="python -m core", description="CTDC Explorer, headless.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (configure, _run) in _COMMANDS.items():
        configure(sub.add_parser(name))
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command][1](args)
    except DataError as exc:
        print(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        print("error: interrupted")
        return 2
