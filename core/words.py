"""Shared wording: how a share, a list, a span of years and a category read on screen.

One home for the words every screen uses, so "9–17" is written the same way on Explore
and on Clusters, and a share reads the same in a headline and in a brief. How a count is
shown depends on the small-cell rule, whose one home is :func:`core.privacy.format_count`;
:func:`counted` puts the noun beside it that agrees with it ("1 record", "2,345 records",
"<10 records"), and :func:`plural` is the one place a word agrees with a number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.privacy import format_count, is_small

__all__ = [
    "age_band",
    "category_label",
    "counted",
    "listed",
    "months_band",
    "plural",
    "release_sentence",
    "share_text",
    "year_span",
]


def plural(n: float, one: str, many: str | None = None, /) -> str:
    """The word that agrees with ``n``: ``one`` for exactly 1, else ``many`` (default
    ``one + "s"``). Works for verbs too: ``plural(n, "has", "have")``.

    Examples
    --------
    >>> plural(1, "record"), plural(0, "record"), plural(2, "country", "countries")
    ('record', 'records', 'countries')
    >>> plural(1, "looks", "look"), plural(3, "looks", "look")
    ('looks', 'look')
    """
    return one if n == 1 else (many if many is not None else one + "s")


def counted(n: float, one: str, many: str | None = None, /, *, k: int = 1) -> str:
    """A count with its noun: thousands separated, ``"<k"`` (and the plural) when the
    count is withheld (1 to k - 1), so a withheld 1 never reads "<10 record".

    Examples
    --------
    >>> counted(1, "record"), counted(2345, "record"), counted(0, "country", "countries")
    ('1 record', '2,345 records', '0 countries')
    >>> counted(1, "record", k=10), counted(1, "year", k=1)
    ('<10 records', '1 year')
    """
    if is_small(n, k):
        return f"{format_count(n, k)} {many if many is not None else one + 's'}"
    return f"{format_count(n, k)} {plural(n, one, many)}"


def share_text(share: float, /) -> str:
    """A share as a percentage: whole numbers, one decimal near 0% and 100%.

    Examples
    --------
    >>> share_text(0.4349), share_text(0.0031), share_text(0.9987), share_text(0.0)
    ('43%', '0.3%', '99.9%', '0%')
    """
    if share == 0 or share == 1 or 0.01 <= share <= 0.99:
        return f"{share:.0%}"
    return f"{share:.1%}"


def listed(items: Sequence[str], /, *, conjunction: str = "and") -> str:
    """Items joined for a sentence: "a", "a and b", "a, b and c".

    Examples
    --------
    >>> listed(["women"]), listed(["women", "men"]), listed(["girls", "boys", "men"])
    ('women', 'women and men', 'girls, boys and men')
    >>> listed([])
    ''
    """
    items = [str(item) for item in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def year_span(years: Sequence[int], /) -> str:
    """Years as short text: consecutive runs become ranges (with an en dash).

    Examples
    --------
    >>> year_span([2020, 2021]), year_span([2015]), year_span([2010, 2012, 2013])
    ('2020–2021', '2015', '2010, 2012–2013')
    """
    ordered = sorted(int(y) for y in years)
    runs: list[list[int]] = []
    for year in ordered:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def age_band(band: object, /) -> str:
    """A CTDC age band in plain writing.

    Examples
    --------
    >>> [age_band(b) for b in ("0--8", "09--17", "48+")]
    ['0–8', '9–17', '48+']
    """
    text = str(band)
    match = re.fullmatch(r"0*(\d+)--0*(\d+)", text)
    return f"{match.group(1)}–{match.group(2)}" if match else text


def months_band(band: object, /) -> str:
    """A CTDC time-trafficked band in plain writing (the years in its brackets).

    Examples
    --------
    >>> [months_band(b) for b in ("0--12 (0-1 yr)", "13--24 (1-2 yrs)", "61+ (5+ yrs)")]
    ['0–1 year', '1–2 years', '5+ years']
    """
    text = str(band)
    match = re.search(r"\((\d+)([-+])(\d*)\s*yrs?\)", text)
    if match is None:
        return text
    lo, sign, hi = match.groups()
    if sign == "+":
        return f"{lo}+ years"
    return f"{lo}–{hi} year" if hi == "1" else f"{lo}–{hi} years"


def category_label(field: str, value: object, /) -> str:
    """Plain words for a category of a canonical field (age and duration bands, gender).

    Examples
    --------
    >>> category_label("ageBroad", "09--17"), category_label("ageBroad", "48+")
    ('9–17', '48+')
    >>> category_label("traffickMonths", "13--24 (1-2 yrs)")
    '1–2 years'
    >>> category_label("gender", "Transgender/NonConforming")
    'Transgender / non-conforming'
    """
    if field == "ageBroad":
        return age_band(value)
    if field == "traffickMonths":
        return months_band(value)
    text = str(value)
    if field == "gender" and text == "Transgender/NonConforming":
        return "Transgender / non-conforming"
    return text


def release_sentence(release: str, lacks: Sequence[str], /, *, base: str) -> str:
    """What Home says of the file in view: the release detected and what its layout lacks
    compared with ``base`` (the release every page is built on).

    Examples
    --------
    >>> release_sentence("2021-08-25 release", [], base="2021-08-25 release")
    'This file is read as the 2021-08-25 release, the layout every page is built on.'
    >>> print(release_sentence("2024/2025 layout", ["no majority status (derived from the "
    ...     "age band)", "one duration band for 25 months and more (25+)"],
    ...     base="2021-08-25 release"))  # doctest: +NORMALIZE_WHITESPACE
    This file is read as the 2024/2025 layout. Compared with the 2021-08-25 release, it has
    no majority status (derived from the age band) and one duration band for 25 months and
    more (25+).
    """
    if release == base or not lacks:
        return f"This file is read as the {release}, the layout every page is built on."
    return (
        f"This file is read as the {release}. Compared with the {base}, it has "
        f"{listed(list(lacks))}."
    )
