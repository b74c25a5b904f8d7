"""Every number each screen shows or exports for one slice, as an attacker sees it.

Each ``*_screen`` function takes a slice (the filtered frame) and the threshold ``k``,
calls the same core functions as its page (with the page's default widget settings),
and returns a :class:`~core.audit.attack.Screen`: every count of the screen's tables
and captions as a cell (true value from the unprotected table, shown value from the
protected one, withheld = missing), and every relation between them that an attacker
can write down from the screen itself (see :mod:`core.audit.attack`).

The true values never leave this package: a report names cells, not values. The
collectors live by page: :mod:`core.audit.explore_screen`, :mod:`core.audit.model_screens`
and :mod:`core.audit.summary_screens`, on the helpers of :mod:`core.audit.cells`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd

from core.audit.attack import Screen
from core.audit.command_screens import forecast_command_screen
from core.audit.explore_screen import explore_screen
from core.audit.model_screens import _model_cells, clusters_screen, hidden_screen, risk_screen
from core.audit.summary_screens import brief_screen, forecast_screen, home_screen, summary_screen
from core.privacy import format_count

__all__ = [
    "SCREENS",
    "brief_screen",
    "clusters_screen",
    "explore_screen",
    "forecast_command_screen",
    "forecast_screen",
    "hidden_screen",
    "home_screen",
    "risk_screen",
    "screens",
    "summary_screen",
]
_ = _model_cells  # kept importable from here (the risk page's route tests use it)


# --------------------------------------------------------------------------- all
SCREENS: dict[str, Callable[..., Screen]] = {
    "Home": home_screen,
    "summary command": summary_screen,
    "Explore": explore_screen,
    "Who is most at risk": risk_screen,
    "Estimate hidden populations": hidden_screen,
    "Trends and forecast": forecast_screen,
    "Clusters": clusters_screen,
    "Country brief": brief_screen,
    "forecast command": forecast_command_screen,
}


def screens(
    frame: pd.DataFrame, k: int, full: pd.DataFrame | None = None, *, commands: bool = True
) -> Iterator[Screen]:
    """Every screen of one slice (the ``full`` file gives the share of all records).

    ``commands`` adds the forecast command's two files, run on the slice as a file of
    its own (a data owner's whole file, or one country's or one group's records).
    """
    if frame.empty:
        return
    yield home_screen(frame, k)
    yield summary_screen(frame, k)
    yield explore_screen(frame, k, full)
    yield risk_screen(frame, k)
    yield hidden_screen(frame, k)
    yield forecast_screen(frame, k, full)
    yield clusters_screen(frame, k)
    yield brief_screen(frame, k)
    if commands:
        yield forecast_command_screen(frame, k)


def format_shown(n: float, k: int) -> str:
    """A count as the screen prints it (kept for reports that quote shown numbers)."""
    return format_count(n, k)
