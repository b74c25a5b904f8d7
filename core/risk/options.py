"""Checking the option strings that public functions of the risk and hidden screens take.

An option outside its allowed values is refused at the public entry point with a
``ValueError`` naming them (as scikit-learn does), instead of silently falling back to
another rule: ``fit_model(denominators="CTDC")`` must not fit under the published rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.words import listed

__all__ = ["check_option"]


def check_option(value: object, allowed: Iterable[str], /, *, name: str) -> str:
    """``value`` when it is one of ``allowed``; otherwise a ``ValueError`` naming them.

    Parameters
    ----------
    value
        The option as passed by the caller.
    allowed
        The allowed values, in the order the message lists them.
    name
        The parameter's name, for the message.

    Returns
    -------
    str
        ``value``, unchanged.

    Raises
    ------
    ValueError
        When ``value`` is not one of ``allowed`` (the comparison is exact: case counts).

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
    if not isinstance(value, str) or value not in options:
        choices = listed([repr(option) for option in options], conjunction="or")
        raise ValueError(f"{name} must be {choices}, not {value!r}")
    return value
