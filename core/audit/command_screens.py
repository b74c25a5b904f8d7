"""``python -m core forecast`` as an attacker reads its two files (see
:mod:`core.audit.collect`).

The cells are the observed counts of ``forecast.csv`` and the actuals of
``backtest.csv``; the relations are what the files let anyone write down:

- each year's count of all records is its groups of one field plus a rest
  (female + male + not recorded; adult + minor + not recorded);
- a backtest actual is the observed count of its segment and year;
- a naive forecast is the origin's count, and a drift forecast is linear in the
  origin's count and the window's first count (``y_o + h (y_o - y_s) / (o - s)``),
  both in the backtest rows and in ``forecast.csv``'s forecast years;
- the MASE ``scale`` of a window is its mean absolute yearly change, so the scales of
  two neighbouring origins give one year's change ``d``: the two counts differ by at
  most ``d`` (exactly ``d`` when only one way is at least 0; two ways both at least 0
  leave two candidates, which is no recovery by the harness's rule, though the command
  writes no scale of a window that holds a withheld count).

The forecasts of the smoothing methods (ETS, Theta) and the bands are non-linear in all
the counts and are not attacked (as on the page).
"""

from __future__ import annotations

import pandas as pd

from core.audit.attack import EXACT, Screen
from core.forecast.export import CommandRun, CommandTables, command_tables

#: Half a unit of the last decimal the files round to (0.1 forecasts, 0.01 backtest).
_FORECAST_ROUNDING = 0.05 + EXACT
_BACKTEST_ROUNDING = 0.005 + EXACT


def forecast_command_screen(frame: pd.DataFrame, k: int) -> Screen:
    """The forecast command run on ``frame`` as a file of its own, at its defaults."""
    from core.forecast.export import run_command
    from core.forecast.run import ForecastSettings
    from core.forecast.series import DEFAULT_SEGMENTS, available_segments

    segments = [s for s in DEFAULT_SEGMENTS if s in available_segments(frame)]
    if frame.empty or "yearOfRegistration" not in frame.columns:
        return Screen("forecast command")
    done = run_command(frame, segments=segments, settings=ForecastSettings(horizon=3))
    return command_cells(done, command_tables(done, k=1), command_tables(done, k=k))


def command_cells(run: CommandRun, truth: CommandTables, shown: CommandTables) -> Screen:
    """The screen of the two files: ``truth`` unprotected (k = 1), ``shown`` as written."""
    s = Screen("forecast command")
    t_fc, s_fc = truth.forecast.reset_index(drop=True), shown.forecast.reset_index(drop=True)
    observed = t_fc["y"].notna().to_numpy()
    keys = s.table("forecast.csv", s_fc[observed], t_fc[observed], ["y"])
    cell: dict[tuple[str, int], str] = {}
    for row, (segment, year) in zip(
        keys, zip(t_fc["segment"][observed], t_fc["year"][observed], strict=True), strict=True
    ):
        cell[(str(segment), int(year))] = row["y"]
    first = {seg: min(y for s_, y in cell if s_ == seg) for seg in {s_ for s_, _ in cell}}

    # a year's groups of one field, plus the records outside them
    for pair in (("female", "male"), ("adult", "minor")):
        for (segment, year), total in list(cell.items()):
            if segment != "all":
                continue
            parts = [cell[(p, year)] for p in pair if (p, year) in cell]
            if not parts:
                continue  # the file has neither group that year
            rest = s.hidden(
                f"forecast.csv · {year}: neither {pair[0]} nor {pair[1]}",
                s.truth[total] - sum(s.truth[p] for p in parts),
            )
            s.add_sum([*parts, rest], total, "groups within a year")

    # forecast.csv's forecast years
    future = t_fc["is_forecast"].astype(bool) & s_fc["yhat"].notna()
    for i in future[future].index:
        segment, h = str(s_fc["segment"].iloc[i]), s_fc["horizon"].iloc[i]
        if pd.isna(h):
            continue
        _model_value(
            s,
            cell,
            segment,
            str(s_fc["model"].iloc[i]),
            origin=int(s_fc["year"].iloc[i]) - int(h),
            start=first.get(segment, int(s_fc["year"].iloc[i]) - int(h)),
            h=int(h),
            value=float(s_fc["yhat"].iloc[i]),
            slack=_FORECAST_ROUNDING,
        )

    # backtest.csv
    t_bt, s_bt = truth.backtest.reset_index(drop=True), shown.backtest.reset_index(drop=True)
    for i in range(len(t_bt)):
        segment = str(t_bt["segment"].iloc[i])
        origin, h = int(t_bt["origin"].iloc[i]), int(t_bt["horizon"].iloc[i])
        target = cell.get((segment, origin + h))
        if pd.notna(t_bt["actual"].iloc[i]) and target is not None:
            actual = s.cell(
                f"backtest.csv | row {i + 1} | actual",
                float(t_bt["actual"].iloc[i]),
                None if pd.isna(s_bt["actual"].iloc[i]) else float(s_bt["actual"].iloc[i]),
            )
            s.relate({actual: 1.0, target: -1.0}, 0.0, "a backtest actual is the year's count")
        if pd.notna(s_bt["forecast"].iloc[i]):
            _model_value(
                s,
                cell,
                segment,
                str(t_bt["model"].iloc[i]),
                origin=origin,
                start=first.get(segment, origin),
                h=h,
                value=float(s_bt["forecast"].iloc[i]),
                slack=_BACKTEST_ROUNDING,
            )
    _scales(s, cell, first, s_bt)
    return s


def _model_value(
    s: Screen,
    cell: dict[tuple[str, int], str],
    segment: str,
    model: str,
    *,
    origin: int,
    start: int,
    h: int,
    value: float,
    slack: float,
) -> None:
    """A naive or drift forecast as an equation in the counts it starts from."""
    last = cell.get((segment, origin))
    if last is None:
        return
    if model == "naive":
        s.relate({last: 1.0}, value, "a naive forecast is the origin's count", rounding=slack)
    elif model == "drift" and origin > start and (segment, start) in cell and value > slack:
        # (a drift forecast below 0 is written as 0: then it only bounds the counts)
        step = h / (origin - start)
        s.relate(
            {last: 1.0 + step, cell[(segment, start)]: -step},
            value,
            "a drift forecast: the origin's count plus the change since the first year",
            rounding=slack,
        )


def _scales(
    s: Screen, cell: dict[tuple[str, int], str], first: dict[str, int], shown: pd.DataFrame
) -> None:
    """A window's MASE scale is its mean absolute yearly change: with the changes between
    shown counts subtracted (and, for neighbouring windows, the other window's), what is
    left is the change of the pairs that hold a withheld count."""
    if shown.empty:
        return
    rows = shown[shown["scale"].notna()].drop_duplicates(["segment", "origin"])
    scale_of = {
        (str(seg), int(o)): float(v)
        for seg, o, v in zip(rows["segment"], rows["origin"], rows["scale"], strict=True)
    }
    for (segment, origin), scale in scale_of.items():
        start = first.get(segment)
        if start is None or origin <= start:
            continue
        n = origin - start  # yearly changes in the window
        # the window alone, and the window less its neighbour ending a year earlier
        spans = [(start, scale * n, _BACKTEST_ROUNDING * n)]
        if (segment, origin - 1) in scale_of:
            spans.append(
                (
                    origin - 1,
                    scale * n - scale_of[(segment, origin - 1)] * (n - 1),
                    _BACKTEST_ROUNDING * (2 * n),
                )
            )
        for begin, total, slack in spans:
            _changes(s, cell, segment, begin, origin, total, slack)


def _changes(
    s: Screen,
    cell: dict[tuple[str, int], str],
    segment: str,
    begin: int,
    end: int,
    total: float,
    slack: float,
) -> None:
    """The absolute changes from ``begin`` to ``end`` add up to ``total``: with the known
    ones taken off, one pair holding a withheld count is pinned to the rest ``d`` (the
    two counts differ by at most ``d``; exactly ``d`` where only one way is at least 0)."""
    unknown: list[tuple[str, str]] = []
    for year in range(begin + 1, end + 1):
        a, b = cell.get((segment, year - 1)), cell.get((segment, year))
        if a is None or b is None:
            return
        va, vb = s.shown.get(a), s.shown.get(b)
        if va is not None and vb is not None:
            total -= abs(vb - va)
        else:
            unknown.append((a, b))
    if len(unknown) != 1:
        return
    a, b = unknown[0]
    change = max(total, 0.0)
    s.relate({b: 1.0, a: -1.0}, 0.0, "the scales bound a year's change", rounding=change + slack)
    for known, other in ((a, b), (b, a)):
        value = s.shown.get(known)
        if value is not None and s.shown.get(other) is None and value - change < -slack:
            s.relate(
                {other: 1.0}, value + change, "the scales give a year's change", rounding=slack
            )
