"""Explore's world map: the records with the country not recorded are one more cell of
the row of countries that adds up to the records in view (issue 12). Counts are made up:
with every country shown, records in view - the countries = the not-recorded count."""

from __future__ import annotations

import pickle

import pandas as pd

from core.explore.world_map import country_counts, map_cells


def _frame(counts: dict[str | None, int]) -> pd.DataFrame:
    codes = [code for code, n in counts.items() for _ in range(n)]
    return pd.DataFrame({"CountryOfExploitation": codes})


def test_a_small_not_recorded_count_gets_a_withheld_country_beside_it():
    frame = _frame({"UKR": 40, "MDA": 25, "RUS": 30, None: 4})
    table = country_counts(frame, by="exploitation")
    assert table.attrs["not_recorded"] == 4
    cells = map_cells(table, k=10)
    assert (cells["status"] == "withheld").sum() >= 1
    # the shown countries no longer add up to records in view minus a known number
    assert cells["count"].sum() < 95


def test_a_not_recorded_count_of_k_or_more_changes_nothing():
    frame = _frame({"UKR": 40, "MDA": 25, "RUS": 30, None: 10})
    cells = map_cells(country_counts(frame, by="exploitation"), k=10)
    assert (cells["status"] == "shown").all()


def test_every_country_recorded_changes_nothing():
    frame = _frame({"UKR": 40, "MDA": 25, "RUS": 30})
    cells = map_cells(country_counts(frame, by="exploitation"), k=10)
    assert (cells["status"] == "shown").all()


def test_the_count_survives_the_page_cache():
    # the page caches country_counts (st.cache_data pickles its result)
    table = country_counts(_frame({"UKR": 40, None: 3}), by="exploitation")
    assert pickle.loads(pickle.dumps(table)).attrs["not_recorded"] == 3
