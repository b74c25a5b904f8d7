"""Fuzzing every page under AppTest: seeded random settings of every widget (empty
multiselects, extreme sliders, zero and huge numbers, odd text), with zero exceptions.

Runs per page: ``FUZZ_RUNS`` (default 50). The seed is printed on failure so a run can
be replayed: ``FUZZ_SEED=... pytest tests/pages/test_fuzz_pages.py``.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.conftest import PAGE_FILES

RUNS = int(os.environ.get("FUZZ_RUNS", "50"))
SEED = int(os.environ.get("FUZZ_SEED", "20211025"))
RESTART_EVERY = 12  # a fresh session now and then, so that start states vary too
TEXTS = ["", " ", "0", "-1", "1e12", "abc", "=1+1", "10656", "5,361", "NaN", "💥", "9" * 40]
HUGE = 1e12


def _raw_option(widget: Any, label: str) -> Any:
    """The value behind a displayed option (widgets may format 'MDA' as 'Moldova (MDA)')."""
    fmt = widget.format_func
    candidates = [label]
    match = re.search(r"\(([^()]*)\)\s*$", label)
    if match:
        candidates.append(match.group(1))
    for candidate in candidates:
        try:
            if str(fmt(candidate)) == label:
                return candidate
        except Exception:
            continue
    raise LookupError(label)


def _send_labels(widget: Any, labels: list[str]) -> None:
    """Make the widget send these displayed options on the next run, as the browser does
    (it sends labels; AppTest's own setters need the raw values behind a format_func)."""
    kind = widget.type

    class _AsTheBrowserSends(type(widget)):  # type: ignore[misc]
        @property
        def _widget_state(self) -> WidgetState:
            state = WidgetState()
            state.id = self.id
            if kind == "multiselect":
                state.string_array_value.data[:] = labels
            else:
                state.string_value = labels[0]
            return state

    widget.__class__ = _AsTheBrowserSends


def _number(rng: random.Random, low: float | None, high: float | None, integer: bool) -> float:
    low = -HUGE if low is None else low
    high = HUGE if high is None else high
    choices = [low, high, rng.uniform(low, high), 0.0 if low <= 0 <= high else low]
    value = rng.choice(choices)
    value = min(max(value, low), high)
    return round(value) if integer else value


def _mutate(widget: Any, rng: random.Random) -> bool:
    """Give one widget a random value; False when the widget cannot take one."""
    kind = widget.type
    if getattr(widget, "disabled", False) or (
        hasattr(widget, "proto") and getattr(widget.proto, "disabled", False)
    ):
        return False
    if kind == "multiselect":
        if not widget.options:
            return False
        size = rng.choice([0, 0, 1, 1, 2, 3, len(widget.options)])
        _send_labels(widget, rng.sample(widget.options, min(size, len(widget.options))))
    elif kind in ("selectbox", "radio"):
        if not widget.options:
            return False
        _send_labels(widget, [rng.choice(widget.options)])
    elif kind == "slider":
        low, high = widget.min, widget.max
        integer = isinstance(low, int) and isinstance(high, int)
        if isinstance(widget.value, (tuple, list)):
            a = _number(rng, low, high, integer)
            b = _number(rng, low, high, integer)
            widget.set_range(min(a, b), max(a, b))
        elif isinstance(low, (int, float)):
            widget.set_value(_number(rng, low, high, integer))
        else:
            return False
    elif kind == "select_slider":
        options = list(widget.options)
        if isinstance(widget.value, (tuple, list)):
            i, j = sorted(rng.randrange(len(options)) for _ in range(2))
            widget.set_range(_raw_option(widget, options[i]), _raw_option(widget, options[j]))
        else:
            widget.set_value(_raw_option(widget, rng.choice(options)))
    elif kind == "number_input":
        integer = isinstance(widget.value, int) or (
            isinstance(widget.step, int)
            and float(widget.step).is_integer()
            and isinstance(widget.min, int)
        )
        widget.set_value(_number(rng, widget.min, widget.max, integer))
    elif kind in ("text_input", "text_area"):
        widget.input(rng.choice(TEXTS))
    elif kind in ("checkbox", "toggle"):
        widget.set_value(rng.random() < 0.5)
    elif kind == "button":
        if rng.random() < 0.3:
            widget.click()
        else:
            return False
    else:
        return False
    return True


def _widgets(at: Any) -> list[Any]:
    kinds = [
        "multiselect",
        "selectbox",
        "radio",
        "slider",
        "select_slider",
        "number_input",
        "text_input",
        "text_area",
        "checkbox",
        "toggle",
        "button",
    ]
    found: list[Any] = []
    for kind in kinds:
        try:
            found.extend(getattr(at, kind))
        except (AttributeError, KeyError):
            continue
    # the sidebar's "Reset" and upload controls are exercised elsewhere; keep them rarer
    return found


@pytest.mark.slow
@pytest.mark.parametrize("page", ["Home.py", *PAGE_FILES])
def test_fuzz_page(page: str, run_page: Callable[..., Any]) -> None:
    rng = random.Random(f"{SEED}:{page}")
    at = run_page(page)
    assert not at.exception, f"{page} fails before fuzzing: {at.exception[0].message}"
    history: list[str] = []
    done = 0
    while done < RUNS:
        if done and done % RESTART_EVERY == 0:
            at = run_page(page)
            history.append("-- restart --")
        widgets = _widgets(at)
        if not widgets:
            break
        widget = rng.choice(widgets)
        try:
            changed = _mutate(widget, rng)
        except Exception as exc:
            history.append(
                f"(refused by AppTest: {widget.type} {getattr(widget, 'key', '')}: {exc})"
            )
            continue
        if not changed:
            continue
        try:
            shown = widget._widget_state
        except Exception:
            shown = "?"
        history.append(
            f"{widget.type} key={getattr(widget, 'key', None)!r} "
            f"label={getattr(widget, 'label', '')!r} -> {str(shown).strip()[:120]!r}"
        )
        at.run()
        done += 1
        if at.exception:
            steps = "\n".join(history[-12:])
            pytest.fail(
                f"{page}: exception after {done} runs (FUZZ_SEED={SEED}):\n"
                f"{at.exception[0].message}\nlast steps:\n{steps}"
            )
