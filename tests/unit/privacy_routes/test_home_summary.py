"""Home and 'python -m core summary': no small rest (records minus a shown count) follows
by subtraction from the records, which every page shows (issue 12).

Counts are made up; each case is checked by hand: records - known = the rest."""

from __future__ import annotations

from core.data.summary import Headline, headline_text


def _h(records: int, with_year: int, gender: int, majority: int) -> Headline:
    return Headline(
        records=records,
        year_min=2003,
        year_max=2019,
        records_with_year=with_year,
        countries_citizenship=3,
        countries_exploitation=2,
        share_female=0.5,
        gender_known=gender,
        share_minor=0.5,
        majority_known=majority,
    )


def test_a_small_unknown_gender_withholds_the_known_count_and_its_share():
    h = _h(500, 400, 496, 300)  # 500 - 496 = 4 records without a gender
    text = headline_text(h, k=10)
    assert text.gender_known == "withheld"
    assert "496" not in text.female_help and text.female == "withheld"
    out = h.as_dict(k=10)
    assert out["gender_known"] is None and out["share_female"] is None
    assert out["records"] == 500  # the records stay (they are in every header)


def test_a_small_unknown_majority_withholds_the_known_count():
    h = _h(500, 400, 300, 491)  # 9 without a majority status
    assert headline_text(h, k=10).majority_known == "withheld"
    assert h.as_dict(k=10)["majority_known"] is None


def test_a_small_count_with_a_year_withholds_the_count_without():
    h = _h(500, 6, 300, 300)  # 6 with a year, 494 without
    assert headline_text(h, k=10).no_year == "withheld"
    assert h.as_dict(k=10)["records_with_year"] is None


def test_rests_of_k_or_more_are_shown():
    h = _h(500, 490, 490, 480)  # rests 10, 10, 20
    text = headline_text(h, k=10)
    assert (text.no_year, text.gender_known, text.majority_known) == ("10", "490", "480")
    assert h.withheld(k=10) == set()
    out = h.as_dict(k=10)
    assert (out["records_with_year"], out["gender_known"], out["majority_known"]) == (490, 490, 480)


def test_a_small_count_reads_the_same_as_one_withheld_to_protect_it():
    h = _h(500, 496, 300, 300)  # 4 without a year (small), 496 with one withheld
    assert headline_text(h, k=10).no_year == "withheld"
    assert h.as_dict(k=10)["records_with_year"] is None


def test_a_small_known_count_and_its_protector_read_alike():
    # 6 records with the gender known (small), 494 without: both withheld, read the same
    text = headline_text(_h(500, 490, 6, 480), k=10)
    assert text.gender_known == "withheld" and "<" not in text.female_help
