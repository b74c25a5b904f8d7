"""core.countries: the country pickers find what people type and list countries by name.

The references are pycountry's own records (official names) and what a person types,
written out by hand below; Streamlit's pickers search the option label, so a typed form
is found when the label contains it (ignoring case).
"""

from __future__ import annotations

import pycountry
import pytest

from core.countries import SHORT_FORMS, by_name, country_label, other_names, sort_key
from core.data.clean import country_name

ALL_CODES = [c.alpha_3 for c in pycountry.countries]


def label(code: str) -> str:
    """The label the sidebar shows: the name the data and charts use, then the rest."""
    return country_label(code, country_name(code))


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("America", "USA"),
        ("USA", "USA"),
        ("United States", "USA"),
        ("united states of america", "USA"),
        ("Russia", "RUS"),
        ("Russian Federation", "RUS"),
        ("UK", "GBR"),
        ("Britain", "GBR"),
        ("Great Britain", "GBR"),
        ("England", "GBR"),
        ("Ivory Coast", "CIV"),
        ("Burma", "MMR"),
        ("Myanmar", "MMR"),
        ("Turkey", "TUR"),
        ("Czech Republic", "CZE"),
        ("Czechia", "CZE"),
        ("Holland", "NLD"),
        ("South Korea", "KOR"),
        ("North Korea", "PRK"),
        ("Vietnam", "VNM"),
        ("Viet Nam", "VNM"),
        ("Moldova", "MDA"),
        ("Republic of Moldova", "MDA"),
        ("DR Congo", "COD"),
        ("UAE", "ARE"),
        ("Laos", "LAO"),
        ("Syria", "SYR"),
        ("Iran", "IRN"),
        ("Bolivia", "BOL"),
        ("Tanzania", "TZA"),
        ("Ukraine", "UKR"),
        ("ukr", "UKR"),
    ],
)
def test_what_people_type_finds_the_country(typed: str, code: str) -> None:
    assert typed.casefold() in label(code).casefold(), label(code)


def test_america_does_not_find_unrelated_countries() -> None:
    found = {code for code in ALL_CODES if "america" in label(code).casefold()}
    assert "USA" in found
    # Only the United States and territories named after America (American Samoa).
    assert found <= {"USA", "ASM"}, found


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_label_starts_with_the_chart_name_and_carries_official_name_and_code(
    code: str,
) -> None:
    record = pycountry.countries.get(alpha_3=code)
    text = label(code)
    assert text.startswith(country_name(code))
    official = getattr(record, "official_name", None)
    if official:
        assert official in text
    assert text.endswith(f"{code})")


def test_labels_are_unique_and_read_without_repeats() -> None:
    labels = [label(code) for code in ALL_CODES]
    assert len(set(labels)) == len(labels)
    for text in labels:
        inside = text[text.index("(") + 1 : -1].split(", ") if "(" in text else []
        assert len(inside) == len(set(inside)), text


def test_united_states_reads_as_a_person_would_write_it() -> None:
    assert label("USA") == "United States (United States of America, USA)"
    assert label("GBR") == (
        "United Kingdom (United Kingdom of Great Britain and Northern Ireland, UK, England, GBR)"
    )


def test_unknown_codes_keep_their_code_and_no_other_name() -> None:
    assert other_names("XKX") == ()
    assert country_label("XKX", "XKX") == "XKX"
    assert country_label("XKX", "Kosovo") == "Kosovo (XKX)"
    assert country_label("XKX") == "XKX"


def test_short_forms_name_real_codes() -> None:
    assert set(SHORT_FORMS) <= set(ALL_CODES)


def test_sorted_by_name_not_by_code() -> None:
    names = {
        "USA": "United States",
        "ALB": "Albania",
        "CIV": "Côte d'Ivoire",
        "AUT": "Austria",
        "ZAF": "South Africa",
        "CZE": "Czechia",
    }
    assert by_name(["USA", "ALB", "CIV", "AUT", "ZAF", "CZE"], names) == [
        "ALB",
        "AUT",
        "CIV",
        "CZE",
        "ZAF",
        "USA",
    ]
    assert by_name(names, lambda code: names[code])[0] == "ALB"


def test_sort_key_ignores_case_and_accents() -> None:
    assert sort_key("Côte d'Ivoire") == sort_key("cote d'ivoire")
    assert sort_key("Åland Islands") < sort_key("Albania") < sort_key("Bahamas")
