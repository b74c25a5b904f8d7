"""Attack check for the Explore page: can a withheld count be recovered from an export?

For every single-country filter (each country of citizenship and of exploitation with at
least 20 records), the attacker reads each protected Explore table as its CSV export
(withheld cells empty) and writes every linear relation inside it:

- a group's cells add up to its total: the denominator shown beside them (``known``,
  ``records``) or, where no denominator is shown, a total taken as known (the attacker
  is given the true sum, which is stronger than what the page shows);
- where the cells need not exhaust the total (tactics, missing values), the rest
  ``total - cells`` is an unknown too, and a small rest is a disclosure as well;
- a share beside a visible denominator gives its count back (share x denominator).

Each withheld cell is at least 1 (zeros are shown), each rest at least 0. A withheld
count is recovered when linear programming pins it to a single integer in 1..k-1. The
check must find none on the protected tables (demo and real file), and must find the
leak of a frozen copy of the unprotected shifts export (country of exploitation Serbia,
2004: known 20, adults 18 shown, minors '<10', so minors = 2).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from core.explore import aggregates, countries, quality, shifts
from core.explore.protect import (
    protect_by_type,
    protect_flows,
    protect_missing,
    protect_profile,
    protect_tactics,
    protect_yearly,
)
from core.explore.shift_protect import protect_shifts
from core.privacy import protect, suppression_caption
from core.suppression import Suppression, suppress_complementary
from tests.helpers import texts

K = 10
MIN_RECORDS = 20


@dataclass
class Table:
    """One export as the attacker sees it (NaN = withheld) and the relations it carries."""

    name: str
    export: pd.DataFrame
    truth: pd.Series  # the true cell counts, only to report what was recovered
    groups: Sequence[Sequence[str]]
    total_column: str | None = None
    exhaustive: bool = True


def recoveries(table: Table, *, k: int = K) -> list[tuple[int, int]]:
    """Rows (position, value) whose withheld count, or small rest, the relations pin."""
    export = table.export.reset_index(drop=True)
    truth = np.asarray(table.truth, dtype=float)
    counts = pd.to_numeric(export["count"], errors="coerce").to_numpy(dtype=float).copy()
    if "share" in export.columns and table.total_column is not None:
        share = pd.to_numeric(export["share"], errors="coerce").to_numpy(dtype=float)
        denominator = pd.to_numeric(export[table.total_column], errors="coerce").to_numpy(float)
        from_share = np.isnan(counts) & ~np.isnan(share) & ~np.isnan(denominator)
        counts[from_share] = np.round(share[from_share] * denominator[from_share])
    unknown = np.flatnonzero(np.isnan(counts))
    index = {row: i for i, row in enumerate(unknown)}
    equations: list[tuple[dict[int, float], float]] = []
    lower = [1.0] * len(unknown)
    targets = list(range(len(unknown)))  # which variables are counts to protect
    found: list[tuple[int, int]] = []
    for columns in table.groups:
        codes = export.groupby(list(columns), sort=False, dropna=False).ngroup().to_numpy()
        for code in np.unique(codes):
            rows = np.flatnonzero(codes == code)
            if table.total_column is None:
                if all(r in index for r in rows):
                    continue  # every cell withheld: nothing shows the group's total
                total = float(truth[rows].sum())
            else:
                shown = pd.to_numeric(
                    export.loc[rows, table.total_column], errors="coerce"
                ).dropna()
                if shown.empty:
                    continue  # the group's total is withheld with it
                total = float(shown.iloc[0])
            terms = {index[r]: 1.0 for r in rows if r in index}
            rhs = total - float(np.nansum(counts[rows][~np.isnan(counts[rows])]))
            if not table.exhaustive:
                if not terms:
                    if 0 < rhs < k:
                        found.append((int(rows[0]), round(rhs)))
                    continue
                terms[len(lower)] = 1.0
                lower.append(0.0)
                targets.append(len(lower) - 1)
            if terms and len(table.groups) == 1:
                # one grouping: each unknown is in one equation, solved in closed form
                cells = [j for j in terms if j < len(unknown)]
                has_rest = len(terms) > len(cells)
                pinned = (len(cells) == 1 and not has_rest) or round(rhs) == len(cells)
                if pinned and cells and 1 <= round(rhs) - len(cells) + 1 < k:
                    found += [(int(unknown[j]), round(rhs) - len(cells) + 1) for j in cells]
            elif terms:
                equations.append((terms, rhs))
    if not equations:
        return found
    n = len(lower)
    a_eq = np.zeros((len(equations), n))
    b_eq = np.zeros(len(equations))
    for i, (terms, rhs) in enumerate(equations):
        for j, coefficient in terms.items():
            a_eq[i, j] = coefficient
        b_eq[i] = rhs
    bounds = [(low, None) for low in lower]
    for j in targets:
        if not a_eq[:, j].any():
            continue
        c = np.zeros(n)
        c[j] = 1.0
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status != 0 or high.status != 0:
            continue
        least, most = math.ceil(low.fun - 1e-6), math.floor(-high.fun + 1e-6)
        if least == most and 1 <= least < k:
            found.append((int(unknown[j]) if j < len(unknown) else -1, least))
    return found


# --------------------------------------------------------------------------- the views
def _shifts(frame: pd.DataFrame, k: int) -> Iterator[Table]:
    for field in aggregates.SHIFT_FIELDS:
        shares = shifts.yearly_shares(frame, field=field)
        if shares.empty:
            continue
        drawn, _ = protect_shifts(shares, k=k)
        export = protect(
            drawn,
            count_columns=["count", "known"],
            k=k,
            dependent_columns=["share"],
            for_export=True,
        )
        yield Table(f"shifts {field}", export, shares["count"], [["year"]], "known")
        # the caption's records with a year and the field known add up the years' known
        shown = pd.to_numeric(export["known"], errors="coerce").groupby(export["year"]).max()
        truth = shares.groupby("year")["known"].first()
        yield Table(
            f"shifts {field}, years",
            pd.DataFrame({"count": shown.to_numpy(), "_all": 0}),
            truth.reset_index(drop=True),
            [["_all"]],
        )


def _tactics(frame: pd.DataFrame, k: int) -> Iterator[Table]:
    for group in ("means", "recruiter", "exploitation", "labour", "sex"):
        for by in (None, "gender"):
            table = aggregates.tactic_shares(frame, group=group, by=by)
            if table.empty:
                continue
            drawn, _ = protect_tactics(table, k=k, by=by)
            export = protect(
                drawn,
                count_columns=["count", "known"],
                k=k,
                dependent_columns=["share"],
                for_export=True,
            )
            export = export.assign(_cell=np.arange(len(export)))
            yield Table(
                f"tactics {group} by {by}",
                export,
                table["count"],
                [["_cell"]],
                "known",
                exhaustive=False,
            )


def _missing(frame: pd.DataFrame, k: int) -> Iterator[Table]:
    missing = quality.missing_by_field(frame)
    drawn, _ = protect_missing(missing, k=k)
    export = protect(
        drawn, count_columns=["missing"], k=k, dependent_columns=["missing_share"], for_export=True
    )
    export = export.rename(columns={"missing": "count"}).assign(_cell=np.arange(len(export)))
    yield Table(
        "data quality", export, missing["missing"], [["_cell"]], "records", exhaustive=False
    )


def _yearly(frame: pd.DataFrame, k: int) -> Iterator[Table]:
    yearly = aggregates.yearly_totals(frame)
    if len(yearly.table):
        drawn, _ = protect_yearly(yearly.table, k=k)
        yield Table(
            "registrations per year", drawn.assign(_all=0), yearly.table["count"], [["_all"]]
        )
    types = aggregates.yearly_by_flag(frame, group="exploitation")
    if len(types):
        drawn, _ = protect_by_type(types, k=k)
        yield Table("registrations per year by type", drawn, types["count"], [["year"]])


def _flows(frame: pd.DataFrame, k: int) -> Iterator[Table]:
    flows = countries.country_flows(frame, top_n=15)
    if len(flows.table):
        drawn, _ = protect_flows(flows.table, k=k)
        yield Table(
            "flows heatmap", drawn, flows.table["count"], [["citizenship"], ["exploitation"]]
        )
    links = countries.sankey_links(frame, top_n=12)
    if len(links):
        drawn, _ = protect_flows(links, k=k)
        yield Table("flows sankey", drawn, links["count"], [["citizenship"], ["exploitation"]])


def _profiles(frame: pd.DataFrame, k: int) -> Iterator[Table]:
    # within a single-country filter, the other country field ranks the countries
    by = "CountryOfExploitation" if frame["citizenship"].nunique() == 1 else "citizenship"
    chosen = countries.top_bottom_countries(frame, by=by, n=5, min_records=MIN_RECORDS)
    if chosen.empty:
        return
    for field in countries.PROFILE_FIELDS:
        table = countries.profile_with_pooled(frame, chosen, by=by, field=field)
        drawn, _ = protect_profile(table, k=k)
        export = protect(
            drawn,
            count_columns=["count", "known"],
            k=k,
            dependent_columns=["share"],
            for_export=True,
        )
        yield Table(f"profile {field}", export, table["count"], [["country"]], "known")
        # a group's countries add up, category by category, to its pooled row
        members = ~table["country"].astype(str).str.startswith("All ")
        yield Table(
            f"profile {field}, across countries",
            export.loc[members].reset_index(drop=True),
            table.loc[members, "count"].reset_index(drop=True),
            [["group", "category"]],
        )


def explore_tables(frame: pd.DataFrame, k: int = K) -> Iterator[Table]:
    """Every protected Explore table of one slice, as its export."""
    yield from _shifts(frame, k)
    yield from _tactics(frame, k)
    yield from _missing(frame, k)
    yield from _yearly(frame, k)
    yield from _flows(frame, k)
    yield from _profiles(frame, k)


def single_country_slices(frame: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    for column in countries.COUNTRY_FIELDS:
        sizes = frame[column].value_counts()
        for code in sizes[sizes >= MIN_RECORDS].index:
            yield f"{column}={code}", frame[frame[column] == code]


def attack(frame: pd.DataFrame) -> tuple[int, list[str]]:
    slices, found = 0, []
    for name, part in single_country_slices(frame):
        slices += 1
        for table in explore_tables(part):
            found += [f"{name} {table.name} row {row}: {value}" for row, value in recoveries(table)]
    return slices, found


# --------------------------------------------------------------------------- the tests
def leaky_shifts_export() -> Table:
    """A frozen copy of the unprotected shifts export (one cell withheld at a time)."""
    shares = pd.DataFrame(
        {
            "year": [2004, 2004, 2005, 2005],
            "category": ["Minor", "Adult", "Minor", "Adult"],
            "count": [2, 18, 15, 35],
            "known": [20, 20, 50, 50],
        }
    )
    shares["share"] = shares["count"] / shares["known"]
    export = protect(
        shares, count_columns=["count", "known"], k=K, dependent_columns=["share"], for_export=True
    )
    return Table("leaky shifts", export, shares["count"], [["year"]], "known")


class TestAttack:
    def test_finds_the_leak_of_the_frozen_unprotected_table(self):
        assert recoveries(leaky_shifts_export()) == [(0, 2)]

    def test_finds_nothing_once_protected(self):
        leaky = leaky_shifts_export()
        shares = leaky.export.assign(count=leaky.truth, known=[20, 20, 50, 50])
        drawn, suppression = protect_shifts(shares, k=K)
        table = Table("protected", drawn, leaky.truth, [["year"]], "known")
        assert recoveries(table) == []
        assert suppression.caption() == (
            "2 cells withheld: each holds a small count (fewer than 10 records) or would "
            "reveal one."
        )

    def test_finds_a_small_rest(self):
        # 95 of 100 with the tactic, beside the 100: 5 without it
        export = pd.DataFrame({"count": [95.0], "known": [100.0], "_cell": [0]})
        table = Table("rest", export, pd.Series([95]), [["_cell"]], "known", exhaustive=False)
        assert recoveries(table) == [(0, 5)]

    def test_finds_two_ones(self):
        # two withheld cells whose sum is 2: both are 1
        export = pd.DataFrame({"g": [0, 0, 0], "count": [np.nan, np.nan, 30.0]})
        table = Table("ones", export, pd.Series([1, 1, 30]), [["g"]])
        assert len(recoveries(table)) == 2


class TestSuppressComplementary:
    def test_lone_small_cell_gets_a_partner(self):
        t = pd.DataFrame({"g": [0, 0, 0], "count": [3, 40, 12]})
        s = suppress_complementary(t, count_column="count", groups=[["g"]], k=K)
        assert s.withheld.tolist() == [True, False, True]  # the smallest other cell
        assert (s.primary, s.secondary) == (1, 1)

    def test_two_ones_get_a_third(self):
        t = pd.DataFrame({"g": [0, 0, 0, 0], "count": [1, 1, 40, 12]})
        s = suppress_complementary(t, count_column="count", groups=[["g"]], k=K)
        assert s.withheld.tolist() == [True, True, False, True]

    def test_two_way_table_is_protected_in_rows_and_columns(self):
        t = pd.DataFrame({"r": [0, 0, 1, 1], "c": [0, 1, 0, 1], "count": [3, 40, 20, 50]})
        s = suppress_complementary(t, count_column="count", groups=[["r"], ["c"]], k=K)
        assert s.withheld.tolist() == [True, True, True, True]
        table = Table(
            "2x2", t.assign(count=t["count"].where(~s.withheld)), t["count"], [["r"], ["c"]]
        )
        assert recoveries(table) == []

    def test_small_rest_is_withheld(self):
        t = pd.DataFrame({"cell": [0, 1], "count": [95, 50], "known": [100, 100]})
        s = suppress_complementary(
            t, count_column="count", groups=[["cell"]], k=K, total_column="known", exhaustive=False
        )
        assert s.withheld.tolist() == [True, False]

    def test_nothing_small_nothing_withheld(self):
        t = pd.DataFrame({"g": [0, 0], "count": [0, 40]})
        s = suppress_complementary(t, count_column="count", groups=[["g"]], k=K)
        assert not s.withheld.any() and s.caption() == ""

    def test_caption(self):
        assert suppression_caption(3, k=K) == (
            "3 cells withheld: each holds a small count (fewer than 10 records) or would "
            "reveal one."
        )
        assert suppression_caption(1, k=K) == (
            "1 cell withheld: it holds a small count (fewer than 10 records) or would reveal one."
        )
        assert suppression_caption(1_200, k=K).startswith("1,200 cells withheld: each")

    def test_caption_does_not_tell_small_cells_from_their_protectors(self):
        # 3 withheld cells read the same whether 1, 2 or 3 of them are the small ones:
        # knowing which is small would tell that the others are at least k
        captions = {
            Suppression(np.ones(3, dtype=bool), primary, 3 - primary, K).caption()
            for primary in (1, 2, 3)
        }
        assert len(captions) == 1
        assert not re.search(r"protect|\d+ of them", captions.pop())

    def test_protectors_at_exactly_k(self):
        # a cell of exactly k is not small, and it is the one chosen to protect a lone
        # small cell when it is the smallest other one; k - 1 is small
        t = pd.DataFrame({"g": [0, 0, 0], "count": [K - 1, K, 50]})
        s = suppress_complementary(t, count_column="count", groups=[["g"]], k=K)
        assert s.withheld.tolist() == [True, True, False]
        assert (s.primary, s.secondary) == (1, 1)
        # the two withheld add up to 2k - 1: from the total alone each could be any of
        # 1..2k-2, so neither is pinned
        table = Table("at k", t.assign(count=t["count"].where(~s.withheld)), t["count"], [["g"]])
        assert recoveries(table) == []
        # cells of exactly k need no protection
        t = pd.DataFrame({"g": [0, 0, 0], "count": [K, K, 50]})
        assert not suppress_complementary(
            t, count_column="count", groups=[["g"]], k=K
        ).withheld.any()
        # a rest of exactly k is not small; k - 1 is, and withholds the smallest cell
        for rest, withheld in ((K, [False, False]), (K - 1, [True, False])):
            t = pd.DataFrame({"g": [0, 0], "count": [20, 40], "known": [60 + rest] * 2})
            s = suppress_complementary(
                t, count_column="count", groups=[["g"]], k=K, total_column="known", exhaustive=False
            )
            assert s.withheld.tolist() == withheld, rest


class TestNoOutputTellsWhichIsSmall:
    """A withheld small cell and the cell withheld to protect it look the same in every
    output: the caption, the table and its CSV (else the protector is known to be at
    least k, which narrows or pins the small one)."""

    def shifts(self, counts: list[int]) -> pd.DataFrame:
        known = sum(counts)
        return pd.DataFrame(
            {
                "year": [2004] * len(counts),
                "category": ["Minor", "Adult", "Unknown"][: len(counts)],
                "count": counts,
                "known": [known] * len(counts),
                "share": [c / known for c in counts],
            }
        )

    def test_primary_and_secondary_cells_read_the_same(self):
        # 2 small (primary) and 12 withheld to protect it (secondary), beside 40 shown
        table = self.shifts([2, 12, 40])
        drawn, suppression = protect_shifts(table, k=K)
        assert (suppression.primary, suppression.secondary) == (1, 1)
        lines = drawn.to_csv(index=False).splitlines()[1:]
        small, protector = (line.split(",", 2)[2] for line in lines[:2])
        assert small == protector == ",,"  # count, known and share all empty alike
        # the caption is the one two small cells would get
        both_small = self.shifts([2, 3, 40])
        _, two_primaries = protect_shifts(both_small.assign(known=45), k=K)
        assert two_primaries.withheld.sum() == 2 and two_primaries.secondary == 0
        assert suppression.caption() == two_primaries.caption()
        assert not re.search(r"protect|of them|\bsmall ones?\b", suppression.caption())


@pytest.mark.slow
@pytest.mark.parametrize("data", ["demo", "real"])
def test_no_withheld_count_is_recoverable(data, request):
    frame = request.getfixturevalue(f"{data}_frame")
    slices, found = attack(frame)
    assert slices >= 20
    assert found == [], f"{len(found)} recoveries, e.g. {found[:5]}"


@pytest.mark.slow
def test_page_caption_says_what_is_withheld(run_page, demo_frame):
    """On a single-country view with a lone small cell in a year, the shifts caption says
    how many cells were withheld (a second one protects it), and nothing on which."""
    sizes = demo_frame["citizenship"].value_counts()
    for code in sizes[sizes >= MIN_RECORDS].index:
        shares = shifts.yearly_shares(demo_frame[demo_frame["citizenship"] == code], field="gender")
        _, suppression = protect_shifts(shares, k=K)
        if suppression.secondary:
            break
    else:
        pytest.skip("no demo country needs a complementary cell in its gender shifts")
    at = run_page("pages/1_Explore.py", query={"cit": str(code)})
    assert not at.exception
    captions = texts(at, "caption")
    assert suppression.caption() in captions
