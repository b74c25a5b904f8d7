"""Command-line interface of CTDC Explorer: ``python -m core COMMAND ...``.

:data:`COMMANDS` is the whole table: each command's name, its line in ``--help`` and
where its code lives. A command's module (its options in ``configure``, its work in
``run``) is imported only when that command runs, so that ``validate`` does not wait
for the forecasting libraries. Every failure a user can cause prints one line
``error: ...`` and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.data.load import DataError

__all__ = ["COMMANDS", "Command", "main"]


@dataclass(frozen=True)
class Command:
    """A sub-command: what adds its options to its parser, and what runs it."""

    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _validate() -> Command:
    from core.cli import validate

    return Command(validate.configure, validate.run)


def _summary() -> Command:
    from core.cli import summary

    return Command(summary.configure, summary.run)


def _models() -> Command:
    from core.cli import models

    return Command(models.configure, models.run)


def _forecast() -> Command:
    from core.cli import forecast

    return Command(forecast.configure, forecast.run)


def _brief() -> Command:
    from core.cli import brief

    return Command(brief.configure, brief.run)


def _audit() -> Command:
    from core.cli import audit

    return Command(audit.configure, audit.run)


def _demo() -> Command:
    from core.cli import demo

    return Command(demo.configure_demo, demo.run_demo)


def _calibrate() -> Command:
    from core.cli import demo

    return Command(demo.configure_calibrate, demo.run_calibrate)


#: Command name -> (its line in ``--help``, the function that imports it).
COMMANDS: dict[str, tuple[str, Callable[[], Command]]] = {
    "validate": ("check a data file: release, records, warnings", _validate),
    "summary": ("the headline numbers of Home", _summary),
    "models": ("the published logit models (and survey extrapolation) as CSV", _models),
    "forecast": ("yearly forecasts by segment, with their backtest, as CSV", _forecast),
    "brief": ("a country brief as Word and PDF", _brief),
    "audit": ("attack every screen: can a withheld count be recovered?", _audit),
    "demo": ("rebuild the seeded demo records (gzipped TSV)", _demo),
    "calibrate": ("rebuild the demo generator's calibration from a raw 2021 file", _calibrate),
}


def _chosen(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``: its first word that is not an option (the main
    parser has no option that takes a value)."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m core`` with ``argv`` (``sys.argv[1:]`` by default).

    Returns the exit code; a command line argparse cannot read exits 2 with its usage
    and one ``error:`` sentence (a wrong command's sentence lists the commands).
    """
    words = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m core", description="CTDC Explorer, headless.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = _chosen(words)
    command: Command | None = None
    for name, (summary, load) in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=summary, description=summary)
        if name == chosen:
            command = load()
            command.configure(sub_parser)
    args = parser.parse_args(words)
    if command is None:  # not reached: parse_args exits unless a known command is named
        parser.error("name a command")
    try:
        return command.run(args)
    except DataError as exc:
        print(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        print("error: interrupted")
        return 2
