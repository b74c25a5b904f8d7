"""The demo-data commands: ``python -m core demo`` and ``python -m core calibrate``.

``python -m core demo [--out PATH] [--n N] [--seed S] [--fill-suppressed W]
[--calibration JSON]`` rebuilds the seeded demo records
(``data/demo_ctdc_2021layout.tsv.gz`` by default, 193,025 records) from the committed
calibration; the 20,000-record test fixture is ``--n 20000 --fill-suppressed 0 --out
tests/fixtures/demo_20k_2021layout.tsv.gz``. ``python -m core calibrate RAW_TSV [--out
JSON] [--min-cell N]`` rebuilds that calibration (``data/demo_calibration.json``) from
the real release, e.g. ``../shared/data/CTDC_synthetic_20210825.tsv``. Every failure a
user can cause prints one line ``error: ...`` and exits 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.demo.calibrate import MIN_CELL, compute_calibration, read_raw, write_calibration
from core.demo.generate import (
    DEFAULT_CALIBRATION_PATH,
    DEFAULT_DEMO_PATH,
    DEFAULT_N,
    DEFAULT_SEED,
    SUPPRESSED_FILL,
    load_calibration,
    write_demo,
)

__all__ = ["configure_calibrate", "configure_demo", "run_calibrate", "run_demo"]


def _fail(message: str) -> int:
    print(f"error: {message}")
    return 2


def configure_demo(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core demo``."""
    parser.description = "Write seeded CTDC demo records (2021 layout) as a gzipped TSV."
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_DEMO_PATH, help="the .tsv.gz file to write"
    )
    parser.add_argument(
        "--n", type=int, default=DEFAULT_N, help=f"records (default {DEFAULT_N:,}, the release's)"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--fill-suppressed",
        type=float,
        default=SUPPRESSED_FILL,
        help=f"weight of a suppressed count (1 to 9, written as 0) when drawing, 0 to 9 "
        f"(default {SUPPRESSED_FILL:g}; 0 for the 20,000-record test fixture)",
    )
    parser.add_argument(
        "--calibration",
        type=Path,
        default=DEFAULT_CALIBRATION_PATH,
        help="calibration JSON (default: the committed data/demo_calibration.json)",
    )


def run_demo(args: argparse.Namespace) -> int:
    """Generate and write the demo records; returns the exit code."""
    path: Path = args.calibration
    try:
        calibration = load_calibration(path)
    except FileNotFoundError:
        return _fail(
            f"No calibration file at {path}; give one with --calibration or rebuild it "
            "with `python -m core calibrate`."
        )
    except json.JSONDecodeError as exc:
        return _fail(f"The calibration file {path} is not valid JSON ({exc.msg}).")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"The calibration file {path} cannot be read ({_reason(exc)}).")
    try:
        target = write_demo(
            args.out,
            calibration=calibration,
            n=args.n,
            seed=args.seed,
            fill_suppressed=args.fill_suppressed,
        )
    except ValueError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"Cannot write {args.out} ({_reason(exc)}).")
    print(f"wrote {args.n:,} demo records to {target}")
    return 0


def configure_calibrate(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core calibrate``."""
    parser.description = "Compute demo-generator calibration counts from a raw CTDC 2021 TSV."
    parser.add_argument(
        "raw", type=Path, help="raw CTDC 2021 TSV, e.g. ../shared/data/CTDC_synthetic_20210825.tsv"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_CALIBRATION_PATH, help="the JSON file to write"
    )
    parser.add_argument(
        "--min-cell",
        type=int,
        default=MIN_CELL,
        help=f"counts below this are written as 0 (default {MIN_CELL})",
    )


def run_calibrate(args: argparse.Namespace) -> int:
    """Compute and write the calibration; returns the exit code."""
    raw_path: Path = args.raw
    try:
        raw = read_raw(raw_path)
    except FileNotFoundError:
        return _fail(f"No file at {raw_path}; check the path and try again.")
    except IsADirectoryError:
        return _fail(f"{raw_path} is a folder, not a file; point to the data file in it.")
    except OSError as exc:
        return _fail(f"The file {raw_path} cannot be read ({_reason(exc)}).")
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' parser errors are ValueErrors
        return _fail(f"The file {raw_path} is not a readable TSV table ({_first_line(exc)}).")
    try:
        calibration = compute_calibration(raw, min_cell=args.min_cell)
    except ValueError as exc:
        return _fail(str(exc))
    try:
        write_calibration(calibration, args.out)
    except OSError as exc:
        return _fail(f"Cannot write {args.out} ({_reason(exc)}).")
    print(f"wrote calibration of {calibration['meta']['rows']} rows to {args.out}")
    return 0


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
