"""Checking the options that public functions take: one home for the scikit-learn habit.

An option outside its allowed values is refused at the public entry point with a
``ValueError`` naming them, instead of failing later with a ``KeyError`` deep inside
pandas or, worse, silently using another rule: ``fit_model(denominators="CTDC")`` must not
fit under the published rule, and a wrong field must not return a table of another one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from core.words import listed

__all__ = ["check_choice", "check_column", "check_option"]

T = TypeVar("T")


def check_choice(value: T, allowed: Iterable[object], /, *, name: str) -> T:
    """``value`` when it is one of ``allowed`` (exactly: case counts); else a ``ValueError``.

    Parameters
    ----------
    value
        The option as passed by the caller.
    allowed
        The allowed values, in the order the message lists them (``None`` may be one).
    name
        The parameter's name, for the message.

    Returns
    -------
    The value, unchanged.

    Raises
    ------
    ValueError
        When ``value`` is not one of ``allowed``.

    Examples
    --------
    >>> check_choice("gender", ["gender", "ageBroad"], name="field")
    'gender'
    >>> check_choice("Gender", ["gender", "ageBroad"], name="field")
    Traceback (most recent call last):
    ...
    ValueError: field must be 'gender' or 'ageBroad', not 'Gender'
    >>> check_choice(1, ["1", "2"], name="field")
    Traceback (most recent call last):
    ...
    ValueError: field must be '1' or '2', not 1
    """
    options = list(allowed)
    # a string equal to an allowed one (numpy's str_ included), or the very object (None)
    if not any(
        value is option or (isinstance(value, str) and value == option) for option in options
    ):
        choices = listed([repr(option) for option in options], conjunction="or")
        raise ValueError(f"{name} must be {choices}, not {value!r}")
    return value


def check_option(value: object, allowed: Iterable[str], /, *, name: str) -> str:
    """An option string that must be one of ``allowed`` (see :func:`check_choice`).

    Examples
    --------
    >>> check_option("ctdc", ("published", "ctdc"), name="denominators")
    'ctdc'
    >>> check_option("CTDC", ("published", "ctdc"), name="denominators")
    Traceback (most recent call last):
    ...
    ValueError: denominators must be 'published' or 'ctdc', not 'CTDC'
    """
    options = tuple(allowed)
    if not isinstance(value, str):
        choices = listed([repr(option) for option in options], conjunction="or")
        raise ValueError(f"{name} must be {choices}, not {value!r}")
    return check_choice(value, options, name=name)


def check_column(value: object, columns: Iterable[object], /, *, name: str) -> None:
    """Refuse ``value`` unless it names one of the table's ``columns``.

    Examples
    --------
    >>> check_column("count", ["year", "count"], name="column")
    >>> check_column("n", ["year", "count"], name="column")
    Traceback (most recent call last):
    ...
    ValueError: column must be a column of the table ('year' or 'count'), not 'n'
    """
    options = list(columns)
    if value not in options:
        choices = listed([repr(option) for option in options], conjunction="or")
        raise ValueError(f"{name} must be a column of the table ({choices}), not {value!r}")
