"""Country names people type: the labels and order of every country picker.

A picker keeps the ISO 3166-1 alpha-3 code as its value (the URL and the filters use it,
so links keep working) and shows :func:`country_label`: the name used on every chart,
then, in brackets, the other names someone may type to find it: the official name
(pycountry), common short forms ("USA", "UK", "Russia", ...) and the code. Streamlit's
pickers search the label, so all of these find the country. :func:`by_name` puts the
codes in the order of their names, as a person reads a list.

>>> country_label("USA", "United States")
'United States (United States of America, USA)'
>>> country_label("GBR", "United Kingdom")
'United Kingdom (United Kingdom of Great Britain and Northern Ireland, UK, England, GBR)'
>>> country_label("XKX", "XKX")
'XKX'
>>> by_name(["USA", "ALB", "CIV"], {"USA": "United States", "ALB": "Albania", "CIV": "Côte d'Ivoire"})
['ALB', 'CIV', 'USA']
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

import pycountry

__all__ = ["SHORT_FORMS", "by_name", "country_label", "other_names", "sort_key"]

#: Names in everyday use that neither pycountry's name nor its official name contains.
#: Only what a person would type to find the country; a form already contained in the
#: label (such as "America" inside "United States of America") is left out of it.
SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "ARE": ("UAE", "Emirates"),
    "BOL": ("Bolivia",),
    "BRN": ("Brunei",),
    "CIV": ("Ivory Coast",),
    "COD": ("DR Congo", "DRC", "Congo-Kinshasa"),
    "COG": ("Congo-Brazzaville",),
    "CPV": ("Cape Verde",),
    "CZE": ("Czech Republic",),
    "FSM": ("Micronesia",),
    "GBR": ("UK", "Britain", "Great Britain", "England"),
    "IRN": ("Iran",),
    "KOR": ("South Korea",),
    "LAO": ("Laos",),
    "MDA": ("Moldova",),
    "MKD": ("Macedonia",),
    "MMR": ("Burma",),
    "NLD": ("Holland",),
    "PRK": ("North Korea",),
    "PSE": ("Palestine",),
    "RUS": ("Russia",),
    "SWZ": ("Swaziland",),
    "SYR": ("Syria",),
    "TLS": ("East Timor",),
    "TUR": ("Turkey",),
    "TWN": ("Taiwan",),
    "TZA": ("Tanzania",),
    "USA": ("America", "United States"),
    "VAT": ("Vatican",),
    "VEN": ("Venezuela",),
    "VNM": ("Vietnam",),
}


def sort_key(name: str) -> str:
    """How a name sorts: case and accents ignored ("Côte d'Ivoire" among the C's)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=1024)
def other_names(code: str) -> tuple[str, ...]:
    """The names of ``code`` besides its common one: pycountry's name and official name,
    then the short forms of :data:`SHORT_FORMS` (unknown codes: none)."""
    record = pycountry.countries.get(alpha_3=code.strip().upper()) if len(code) == 3 else None
    names: list[str] = []
    if record is not None:
        official = getattr(record, "official_name", None)
        if official:
            names.append(str(official))
        if "," not in record.name:  # "Korea, Republic of" reads badly inside brackets
            names.append(str(record.name))
    names.extend(SHORT_FORMS.get(code.strip().upper(), ()))
    return tuple(names)


def country_label(code: str, name: str | None = None) -> str:
    """``name`` (the common name, as charts show it), then in brackets the other names
    the label does not already contain (each once) and the code."""
    code = code.strip()
    main = (name or "").strip() or code
    extras: list[str] = []
    seen = sort_key(main)
    for candidate in other_names(code):
        key = sort_key(candidate)
        if key in seen:
            continue
        extras.append(candidate)
        seen += " | " + key
    if code and code != main:  # the code last, always: it is what links and tables show
        extras.append(code)
    return f"{main} ({', '.join(extras)})" if extras else main


def by_name(codes: Iterable[str], names: Mapping[str, str] | Callable[[str], str]) -> list[str]:
    """``codes`` in the order of their names (then of the codes, for equal names)."""
    name_of = names.get if isinstance(names, Mapping) else names

    def key(code: str) -> tuple[str, str]:
        return sort_key(str(name_of(code) or code)), code

    return sorted(codes, key=key)
