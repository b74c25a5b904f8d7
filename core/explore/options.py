"""Checking the options that the Explore functions take (group names, fields, columns).

An option outside its allowed values is refused at the public entry point with a
``ValueError`` naming them (as scikit-learn does), instead of failing later with a
``KeyError`` deep inside pandas or, worse, returning a table of the wrong field.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.words import listed

__all__ = ["check_choice", "check_column"]


def check_choice(value: object, allowed: Iterable[object], /, *, name: str) -> None:
    """Refuse ``value`` unless it is one of ``allowed`` (exactly: case counts).

    Parameters
    ----------
    value
        The option as passed by the caller.
    allowed
        The allowed values, in the order the message lists them.
    name
        The parameter's name, for the message.

    Raises
    ------
    ValueError
        When ``value`` is not one of ``allowed``.

    Examples
    --------
    >>> check_choice("gender", ["gender", "ageBroad"], name="field")
    >>> check_choice("Gender", ["gender", "ageBroad"], name="field")
    Traceback (most recent call last):
    ...
    ValueError: field must be 'gender' or 'ageBroad', not 'Gender'
    """
    options = list(allowed)
    # a string equal to an allowed one (numpy's str_ included), or None when allowed
    if not any(
        value is option or (isinstance(value, str) and value == option) for option in options
    ):
        choices = listed([repr(option) for option in options], conjunction="or")
        raise ValueError(f"{name} must be {choices}, not {value!r}")


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
