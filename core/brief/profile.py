"""One country's profile: the sections of a country brief, protected, each with its finding.

:func:`country_profile` looks at a country twice: as the country of citizenship of the
records in view and as their country of exploitation. Each of the two
:class:`Perspective` has the same sections: records per year, girls / women / boys /
men, age bands, types of exploitation, means of control, recruiter relations, the main
partner countries, and data completeness; each :class:`Section` carries one finding
sentence, the protected table its chart is drawn from, and a caption.

How nothing withheld can be recovered (the rules of :mod:`core.privacy`):

- A perspective with fewer than k records shows only that ("fewer than k").
- Every table of counts has a "not recorded" cell, so its cells add up to the records
  of the perspective, which are shown; a count from 1 to k - 1 is withheld, and
  complementary suppression (:func:`core.privacy.suppress_complementary`) withholds the
  cells that would give it back by subtraction. When the records with the field
  recorded are themselves fewer than k, the whole table is withheld.
- Shares of a flag group use the CTDC denominator (records with any flag of the group
  set, :func:`core.explore.aggregates.tactic_shares`); a flag is withheld when the
  victims with it or those without it are fewer than k
  (:func:`core.explore.protect.protect_tactics`), and the whole group when the records
  with none of its flags set (the records shown minus the denominator) are.
- A share is quoted only beside a denominator that is shown, never for a withheld cell.
- Data completeness is made of the "not recorded" cells of the other sections, so it
  shows nothing that they withhold.
- The records of citizens exploited in their own country are a cell of both partner
  tables; withheld in one, they are withheld in the other.

Withheld cells are blank (NaN) in the tables and named in the captions; a chart simply
leaves them out. Differences between two different filter settings are out of scope
(see :func:`core.privacy.suppress_complementary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from core.data.denominators import group_columns
from core.data.schema import AGE_BANDS, FLAG_GROUPS, MINOR_AGE_BANDS
from core.explore.aggregates import categories_in_order, tactic_shares, yearly_totals
from core.explore.protect import protect_tactics, withhold_complementary
from core.privacy import Suppression, check_k, format_count, is_small, safe_share
from core.words import category_label, listed, share_text, year_span

__all__ = [
    "CITATION",
    "NOT_RECORDED",
    "ROLES",
    "CountryProfile",
    "Perspective",
    "Role",
    "Section",
    "country_choices",
    "country_profile",
    "most_named",
]

#: How the brief cites the data (the same words as the app's Home page).
CITATION = "Source: Counter-Trafficking Data Collaborative (CTDC). Global Synthetic Dataset."
Role = Literal["citizenship", "exploitation"]
#: The two ways a record names a country: role -> the frame's column.
ROLES: dict[Role, str] = {"citizenship": "citizenship", "exploitation": "CountryOfExploitation"}
#: The cell of each table that holds the records with the field not recorded.
NOT_RECORDED = "Not recorded"
OTHER_COUNTRIES = "Other countries"
TOP_PARTNERS = 10
_TOP_PARTNERS_WORDS = "ten"  # in words: a brief's numbers are counts of people only
INCOMPLETE = "Likely incomplete (reporting lag)"
COMPLETE = "Complete"
YEAR = "yearOfRegistration"

_KNOWN, _MISSING, _OTHER = "recorded", "not recorded", "other"
_SEX_AGE = (
    ("Girls", "Female", "Minor"),
    ("Women", "Female", "Adult"),
    ("Boys", "Male", "Minor"),
    ("Men", "Male", "Adult"),
)
_TRANS = "Transgender / non-conforming"
# section key, flag group, section title, its line in the completeness table
_FLAG_SECTIONS = (
    ("exploitation", "exploitation", "Types of exploitation", "Type of exploitation"),
    ("means", "means", "Means of control", "Means of control"),
    ("recruiter", "recruiter", "Recruiter relations", "Recruiter relation"),
)


@dataclass(frozen=True)
class Section:
    """One section of a brief: its finding, the protected table its chart is drawn from.

    ``table`` has the withheld cells blank (NaN); ``count_columns`` and
    ``dependent_columns`` name its counts and what derives from them (for a CSV through
    :func:`core.privacy.protect`). ``chart`` says how :mod:`core.brief.charts` draws it:
    ``"years"``, ``"counts"``, ``"shares"`` (a flag group) or ``"completeness"``.
    """

    key: str
    title: str
    finding: str
    table: pd.DataFrame
    caption: str
    chart: str
    count_columns: tuple[str, ...] = ()
    dependent_columns: tuple[str, ...] = ()
    withheld: Suppression | None = None

    @property
    def drawable(self) -> bool:
        """Whether the table has anything to draw (a visible count above 0)."""
        column = "share" if self.chart in ("shares", "completeness") else "count"
        if self.table.empty or column not in self.table.columns:
            return False
        values = pd.to_numeric(self.table[column], errors="coerce")
        if self.chart in ("years", "counts"):
            values = values[self.table["kind"] != _MISSING]
        return bool((values.fillna(0) > 0).any())


@dataclass(frozen=True)
class Perspective:
    """The country as country of citizenship (or of exploitation) of the records in view.

    ``records`` is None when they are fewer than k (then there are no sections).
    """

    role: Role
    heading: str
    summary: str
    records: int | None
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class CountryProfile:
    """A country's brief: both perspectives, the threshold, the years marked incomplete."""

    code: str
    name: str
    k: int
    citizenship: Perspective
    exploitation: Perspective
    incomplete_years: tuple[int, ...] = field(default=())

    @property
    def perspectives(self) -> tuple[Perspective, Perspective]:
        return (self.citizenship, self.exploitation)

    @property
    def title(self) -> str:
        return f"Country brief: {self.name}"

    def findings(self) -> list[str]:
        """Every sentence a brief states: each perspective's summary and each finding."""
        out: list[str] = []
        for perspective in self.perspectives:
            out.append(perspective.summary)
            out.extend(section.finding for section in perspective.sections)
        return out


# --------------------------------------------------------------------------- countries
def country_choices(frame: pd.DataFrame, /) -> dict[str, str]:
    """The countries of a frame, code -> name, by name: every code named in it as a
    country of citizenship or of exploitation (the code stands in for a missing name).

    Examples
    --------
    >>> df = pd.DataFrame({"citizenship": ["UKR", None], "citizenshipName": ["Ukraine", None],
    ...                    "CountryOfExploitation": ["POL", "XKX"],
    ...                    "CountryOfExploitationName": ["Poland", None]})
    >>> country_choices(df)
    {'POL': 'Poland', 'UKR': 'Ukraine', 'XKX': 'XKX'}
    """
    names: dict[str, str] = {}
    for column in ROLES.values():
        if column not in frame.columns:
            continue
        name_column = f"{column}Name"
        codes = frame[column].astype(object)
        has = codes.notna().to_numpy()
        pairs = pd.DataFrame(
            {
                "code": codes[has].astype(str).to_numpy(),
                "name": (
                    frame.loc[has, name_column].astype(object).to_numpy()
                    if name_column in frame.columns
                    else np.full(int(has.sum()), None, dtype=object)
                ),
            }
        ).drop_duplicates(subset=["code"])
        for code, name in zip(pairs["code"], pairs["name"], strict=True):
            if code not in names or names[code] == code:
                names[code] = str(name) if pd.notna(name) and str(name) else code
    return dict(sorted(names.items(), key=lambda item: (item[1].casefold(), item[0])))


def most_named(frame: pd.DataFrame, /) -> str | None:
    """The country most often named as citizenship (ties by code), else as country of
    exploitation; None when the frame names none. The page's first choice.

    Examples
    --------
    >>> most_named(pd.DataFrame({"citizenship": ["MDA", "UKR", "UKR", None],
    ...                          "CountryOfExploitation": ["RUS"] * 4}))
    'UKR'
    """
    for column in ROLES.values():
        if column in frame.columns:
            counts = frame[column].astype(object).dropna().astype(str).value_counts()
            if len(counts):
                top = counts[counts == counts.max()]
                return str(sorted(top.index)[0])
    return None


def _naming(frame: pd.DataFrame, column: str, code: str) -> pd.DataFrame:
    """The records whose ``column`` is ``code`` (a categorical compares without copying)."""
    return frame[frame[column].eq(code).fillna(False).to_numpy(dtype=bool)]


def _check_country(choices: dict[str, str], country: object) -> tuple[str, str]:
    code = country.strip().upper() if isinstance(country, str) else None
    if code is None or code not in choices:
        example = next(iter(choices), "UKR")
        raise ValueError(
            f"{country!r} is not a country in this data: give the ISO 3166-1 alpha-3 code "
            f"of a country of citizenship or of exploitation in the file (such as "
            f"{example!r}); `python -m core brief --data FILE --list-countries` lists them."
        )
    return code, choices[code]


# --------------------------------------------------------------------------- tables
def _protect_cells(
    categories: Sequence[str],
    kinds: Sequence[str],
    counts: Sequence[int],
    *,
    k: int,
    also_primary: np.ndarray | None = None,
    extra: dict[str, Sequence[object]] | None = None,
) -> tuple[pd.DataFrame, Suppression]:
    """A table of cells that add up to the records shown, protected; with shares of the
    recorded cells among the records with the field recorded.

    The shares are shown only when the "not recorded" cell is (the recorded total then
    follows from what is shown, so the share gives nothing more away).
    """
    table = pd.DataFrame(
        {"category": list(categories), "kind": list(kinds), "count": list(counts), **(extra or {})}
    )
    table["count"] = table["count"].astype(int)
    recorded_rows = (table["kind"] != _MISSING).to_numpy()
    recorded = int(table.loc[recorded_rows, "count"].sum())
    primary = (
        np.zeros(len(table), dtype=bool)
        if also_primary is None
        else np.asarray(also_primary, dtype=bool).copy()
    )
    if is_small(recorded, k):
        primary[:] = True  # the missing cell would give the few recorded back
    out, suppression = withhold_complementary(
        table.assign(_all=0), k=k, count_columns=["count"], groups=[["_all"]], also_primary=primary
    )
    out = out.drop(columns=["_all"])
    missing_shown = not out.loc[~recorded_rows, "count"].isna().any()
    shares = out["count"] / recorded if recorded > 0 and missing_shown else np.nan
    out["share"] = pd.Series(shares, index=out.index, dtype=float).where(recorded_rows)
    return out, suppression


def _caption(base: str, table: pd.DataFrame, suppression: Suppression | None) -> str:
    parts = [base]
    if suppression is not None and suppression.caption():
        hidden = table.loc[table["count"].isna(), "category"].astype(str).tolist()
        parts.append(suppression.caption())
        if hidden:
            parts.append(f"Not shown: {listed(hidden)}.")
    return " ".join(parts)


def _missing_count(table: pd.DataFrame) -> float:
    """The table's "not recorded" cell (NaN when withheld, 0 when the table has none)."""
    rows = table.loc[table["kind"] == _MISSING, "count"]
    return float(rows.iloc[0]) if len(rows) else 0.0


def _share_clause(count: float, recorded: float, k: int, what: str) -> str:
    """': 43% of the 1,234 records with X recorded' when that may be said, else ''."""
    if (
        pd.isna(count)
        or pd.isna(recorded)
        or recorded < max(k, 1)
        or not safe_share(int(count), int(recorded), k)
    ):
        return ""
    return f": {share_text(count / recorded)} of the {format_count(recorded, k)} records {what}"


def _largest(table: pd.DataFrame) -> pd.Series | None:
    visible = table[(table["kind"] == _KNOWN) & table["count"].notna() & (table["count"] > 0)]
    if visible.empty:
        return None
    order = visible.assign(_neg=-visible["count"]).sort_values(["_neg", "category"], kind="stable")
    return order.iloc[0]


# --------------------------------------------------------------------------- sections
def _years_section(
    sub: pd.DataFrame, n: int, k: int, incomplete: Sequence[int], subject: str
) -> Section:
    totals = yearly_totals(sub)
    years = totals.table["year"].astype(int).tolist()
    counts = totals.table["count"].astype(int).tolist()
    table, suppression = _protect_cells(
        [*(str(y) for y in years), "No year"],
        [_KNOWN] * len(years) + [_MISSING],
        [*counts, totals.no_year],
        k=k,
        extra={"year": [*years, pd.NA]},
    )
    table["year"] = table["year"].astype("Int64")
    table["status"] = np.where(table["year"].isin(list(incomplete)), INCOMPLETE, COMPLETE)
    table = table.drop(columns=["share"])
    visible = table[(table["kind"] == _KNOWN) & table["count"].notna()]
    if visible.empty or visible["count"].max() <= 0:
        finding = f"No single year has {k} or more registrations of {subject}, so none is shown."
    else:
        peak = visible.sort_values(["count", "year"], ascending=[False, True]).iloc[0]
        finding = (
            f"Registrations of {subject} peaked in {int(peak['year'])} "
            f"({format_count(peak['count'], k)} records)"
        )
        marked = [y for y in incomplete if y in set(visible["year"].astype(int))]
        if marked:
            verb = "looks" if len(marked) == 1 else "look"
            finding += f"; {year_span(marked)} {verb} incomplete (reporting lag)"
        finding += "."
    no_year = _missing_count(table)
    no_year_text = (
        "the number without a year is withheld"
        if pd.isna(no_year)
        else f"{format_count(no_year, k)} have no year of registration"
    )
    return Section(
        key="years",
        title="Records per year",
        finding=finding,
        table=table,
        caption=_caption(
            f"Based on {format_count(n, k)} records; {no_year_text}. Years marked likely "
            "incomplete are thin across the whole view (reporting lag).",
            table,
            suppression,
        ),
        chart="years",
        count_columns=("count",),
        withheld=suppression,
    )


def _sex_age_section(
    sub: pd.DataFrame, n: int, k: int, subject: str, age: Section | None = None
) -> Section:
    """Girls, women, boys, men. ``age``: the age bands' section, whose withheld minor
    (adult) band withholds girls or boys (women or men) too; see :func:`_age_section`."""
    gender = sub["gender"].astype(object)
    majority = sub["majorityStatusAtExploit"].astype(object)
    labels: list[str] = []
    counts: list[int] = []
    for label, sex, status in _SEX_AGE:
        labels.append(label)
        counts.append(int(((gender == sex) & (majority == status)).sum()))
    labels.append(_TRANS)
    counts.append(int((gender == "Transgender/NonConforming").sum()))
    cells = [*counts, n - sum(counts)]
    primary = np.zeros(len(cells), dtype=bool)
    if age is not None:
        hidden = age.table.loc[age.table["count"].isna(), "category"].astype(str)
        minor_labels = {category_label("ageBroad", b) for b in MINOR_AGE_BANDS}
        if set(hidden) & minor_labels:
            primary |= _shield(cells, [label in ("Girls", "Boys") for label in labels] + [False])
        if set(hidden) - minor_labels - {NOT_RECORDED}:
            primary |= _shield(cells, [label in ("Women", "Men") for label in labels] + [False])
    table, suppression = _protect_cells(
        [*labels, NOT_RECORDED],
        [_KNOWN] * len(labels) + [_MISSING],
        cells,
        k=k,
        also_primary=primary,
    )
    recorded = n - _missing_count(table)
    top = _largest(table)
    if top is None:
        finding = (
            f"Too few records of {subject} have sex and age recorded to show them without "
            "singling people out."
        )
    else:
        who = (
            "transgender or non-conforming victims"
            if top["category"] == _TRANS
            else str(top["category"]).lower()
        )
        clause = _share_clause(top["count"], recorded, k, "with sex and age recorded")
        finding = f"Among {subject}, {who} are the largest group{clause}."
    return Section(
        key="sex_age",
        title="Girls, women, boys and men",
        finding=finding,
        table=table,
        caption=_caption(
            f"Based on {format_count(n, k)} records. Girls and boys were minors when exploited "
            "(given in the data or derived from the age band); transgender or non-conforming "
            "victims of any age.",
            table,
            suppression,
        ),
        chart="counts",
        count_columns=("count",),
        dependent_columns=("share",),
        withheld=suppression,
    )


def _shield(counts: Sequence[int], rows: Sequence[bool]) -> np.ndarray:
    """The smallest non-zero cell among ``rows``, to withhold (none when all are 0)."""
    out = np.zeros(len(counts), dtype=bool)
    candidates = [i for i, (c, r) in enumerate(zip(counts, rows, strict=True)) if r and c > 0]
    if candidates:
        out[min(candidates, key=lambda i: counts[i])] = True
    return out


def _age_section(
    frame: pd.DataFrame, sub: pd.DataFrame, n: int, k: int, subject: str, sex_age: Section
) -> Section:
    """Age bands. Where every minor (or adult) has an age and a sex recorded, the minor
    bands add up to girls and boys (the adult bands to women and men): so when one of
    those is withheld, one band of the same side is withheld too."""
    bands = [str(b) for b in categories_in_order(frame["ageBroad"])] or list(AGE_BANDS)
    values = sub["ageBroad"].astype(object)
    counts = [int((values == band).sum()) for band in bands]
    cells = [*counts, n - sum(counts)]
    hidden = set(sex_age.table.loc[sex_age.table["count"].isna(), "category"].astype(str))
    minor = [b in MINOR_AGE_BANDS for b in bands] + [False]
    adult = [b not in MINOR_AGE_BANDS for b in bands] + [False]
    primary = np.zeros(len(cells), dtype=bool)
    if hidden & {"Girls", "Boys"}:
        primary |= _shield(cells, minor)
    if hidden & {"Women", "Men"}:
        primary |= _shield(cells, adult)
    table, suppression = _protect_cells(
        [*(category_label("ageBroad", b) for b in bands), NOT_RECORDED],
        [_KNOWN] * len(bands) + [_MISSING],
        cells,
        k=k,
        also_primary=primary,
    )
    recorded = n - _missing_count(table)
    top = _largest(table)
    if top is None:
        finding = (
            f"Too few records of {subject} have an age recorded to show them without "
            "singling people out."
        )
    else:
        clause = _share_clause(top["count"], recorded, k, "with an age recorded")
        finding = (
            f"Among {subject}, victims aged {top['category']} are the largest age group{clause}."
        )
    return Section(
        key="age",
        title="Age bands",
        finding=finding,
        table=table,
        caption=_caption(
            f"Based on {format_count(n, k)} records; age at registration in years.",
            table,
            suppression,
        ),
        chart="counts",
        count_columns=("count",),
        dependent_columns=("share",),
        withheld=suppression,
    )


def _flag_section(
    sub: pd.DataFrame, n: int, k: int, subject: str, *, key: str, group: str, title: str
) -> tuple[Section, float]:
    """A flag group's section and its records with none of the flags set (NaN: withheld)."""
    noun = FLAG_GROUPS[group].label.lower()
    columns = ["flag", "label", "count", "known", "share", "rank"]
    empty = pd.DataFrame(columns=columns)
    counts = ("count", "known")
    if not group_columns(sub, group):
        return Section(
            key, title, f"This file records no {noun}.", empty, "", "shares", counts, ("share",)
        ), float(n)
    shares = tactic_shares(sub, group=group)
    known = int(shares["known"].iloc[0]) if len(shares) else 0
    base = (
        f"Shares among the {format_count(known, k)} records of {subject} with any {noun} "
        "recorded (the CTDC's rule); a person can have several, so they can add up to more "
        "than 100%."
    )
    if known == 0:
        finding = f"No record of {subject} has any {noun} recorded."
        return Section(key, title, finding, empty, "", "shares", counts, ("share",)), float(n)
    if is_small(known, k) or is_small(n - known, k):
        withheld = shares.copy()
        for column in ("count", "known", "share"):
            withheld[column] = np.nan
        if is_small(known, k):
            finding = (
                f"Fewer than {k} records of {subject} have any {noun} recorded, too few to "
                "show without singling people out."
            )
        else:
            finding = (
                f"All but fewer than {k} records of {subject} have a {noun} recorded; the "
                "shares are withheld so that the few without one cannot be counted."
            )
        return Section(key, title, finding, withheld, "", "shares", counts, ("share",)), float(
            "nan"
        )
    table, suppression = protect_tactics(shares, k=k)
    top = shares.sort_values("rank", kind="stable").iloc[0]
    top_row = table.loc[table["flag"] == top["flag"]].iloc[0]
    if pd.isna(top_row["share"]):
        finding = (
            f"{top['label']} is the most reported {noun} for {subject} (its share is withheld "
            "to protect small counts)."
        )
    else:
        finding = (
            f"{top['label']} is the most reported {noun} for {subject}: "
            f"{share_text(float(top_row['share']))} of the {format_count(known, k)} records "
            f"with any {noun} recorded."
        )
    caption = base
    if suppression.caption():
        hidden = table.loc[table["share"].isna(), "label"].astype(str).tolist()
        caption += f" {suppression.caption()} Not shown: {listed(hidden)}."
    return Section(
        key, title, finding, table, caption, "shares", counts, ("share",), suppression
    ), float(n - known)


def _partner_cells(
    sub: pd.DataFrame, names: dict[str, str], role: Role, code: str, k: int
) -> tuple[list[str], list[str], list[int], list[str]]:
    other = ROLES["exploitation" if role == "citizenship" else "citizenship"]
    values = sub[other].astype(object).dropna().astype(str)
    counts = values.value_counts()
    ranked = sorted(counts.index, key=lambda c: (-int(counts[c]), names.get(c, c)))
    listed_codes = [c for c in ranked if counts[c] >= k][:TOP_PARTNERS]
    if code in counts.index and counts[code] >= k and code not in listed_codes:
        listed_codes.append(code)  # the own-country cell is in both partner tables
    rest = [c for c in ranked if c not in listed_codes]
    labels = [
        f"{names.get(c, c)} (own country)" if c == code else names.get(c, c) for c in listed_codes
    ]
    kinds = [_KNOWN] * len(listed_codes)
    cells = [int(counts[c]) for c in listed_codes]
    codes = list(listed_codes)
    if rest:
        labels.append(OTHER_COUNTRIES)
        kinds.append(_OTHER)
        cells.append(int(sum(int(counts[c]) for c in rest)))
        codes.append("")
    labels.append(NOT_RECORDED)
    kinds.append(_MISSING)
    cells.append(len(sub) - int(counts.sum()))
    codes.append("")
    return labels, kinds, cells, codes


def _partners_section(
    cells: tuple[list[str], list[str], list[int], list[str]],
    n: int,
    k: int,
    role: Role,
    name: str,
    code: str,
    also_primary: np.ndarray | None = None,
) -> Section:
    labels, kinds, counts, codes = cells
    table, suppression = _protect_cells(
        labels, kinds, counts, k=k, also_primary=also_primary, extra={"code": codes}
    )
    recorded = n - _missing_count(table)
    top = _largest(table)
    if role == "citizenship":
        title = "Where its citizens are exploited"
        what = "with a country of exploitation recorded"
        if top is None:
            finding = (
                f"No single country of exploitation has {k} or more records of citizens of "
                f"{name}, so none is named."
            )
        else:
            where = f"in {name} itself" if top["code"] == code else f"in {top['category']}"
            clause = _share_clause(top["count"], recorded, k, what)
            finding = f"Citizens of {name} were most often exploited {where}{clause}."
    else:
        title = "Where its victims come from"
        what = "with a citizenship recorded"
        if top is None:
            finding = (
                f"No single country of citizenship has {k} or more records of victims "
                f"exploited in {name}, so none is named."
            )
        else:
            whose = "its own citizens" if top["code"] == code else f"citizens of {top['category']}"
            clause = _share_clause(top["count"], recorded, k, what)
            finding = f"Victims exploited in {name} were most often {whose}{clause}."
    base = (
        f"Based on {format_count(n, k)} records; the largest partner countries (up to "
        f"{_TOP_PARTNERS_WORDS}) with at least {k} records each, the others together."
    )
    return Section(
        key="partners",
        title=title,
        finding=finding,
        table=table,
        caption=_caption(base, table, suppression),
        chart="counts",
        count_columns=("count",),
        dependent_columns=("share",),
        withheld=suppression,
    )


def _completeness_section(missing: dict[str, float], n: int, k: int, subject: str) -> Section:
    fields = list(missing)
    not_recorded = [missing[f] for f in fields]
    table = pd.DataFrame({"category": fields, "not_recorded": not_recorded}, dtype=object)
    table["not_recorded"] = pd.to_numeric(table["not_recorded"], errors="coerce").astype(float)
    table["recorded"] = n - table["not_recorded"]
    table["share"] = table["recorded"] / n
    visible = table.dropna(subset=["share"])
    if visible.empty:
        finding = f"How complete the records of {subject} are cannot be shown without singling people out."
    else:
        worst = visible.sort_values(["share", "category"], kind="stable").iloc[0]
        best = visible.sort_values(["share", "category"], ascending=[False, True]).iloc[0]
        finding = (
            f"For {subject}, {str(worst['category']).lower()} is the least often recorded "
            f"({share_text(float(worst['share']))} of the {format_count(n, k)} records), "
            f"{str(best['category']).lower()} the most often "
            f"({share_text(float(best['share']))})."
        )
    hidden = table.loc[table["share"].isna(), "category"].astype(str).tolist()
    caption = (
        f"Share of the {format_count(n, k)} records with each field recorded (for a group of "
        "flags: with any of them set)."
    )
    if hidden:
        caption += f" Withheld with the sections they come from: {listed(hidden)}."
    return Section(
        key="completeness",
        title="Data completeness",
        finding=finding,
        table=table,
        caption=caption,
        chart="completeness",
        count_columns=("not_recorded", "recorded"),
        dependent_columns=("share",),
    )


# --------------------------------------------------------------------------- profile
def _perspective(
    frame: pd.DataFrame,
    role: Role,
    code: str,
    name: str,
    k: int,
    incomplete: Sequence[int],
    partners: Section | None,
) -> Perspective:
    column = ROLES[role]
    sub = _naming(frame, column, code)
    n = len(sub)
    heading = f"{name} as country of {role}"
    subject = f"citizens of {name}" if role == "citizenship" else f"victims exploited in {name}"
    where = "citizenship" if role == "citizenship" else "exploitation"
    if n == 0:
        summary = f"No record in view names {name} as the country of {where}."
        return Perspective(role, heading, summary, None)
    if is_small(n, k):
        summary = (
            f"Fewer than {k} records in view name {name} as the country of {where}: nothing "
            "more is shown, to protect the people in them."
        )
        return Perspective(role, heading, summary, None)
    summary = f"{format_count(n, k)} records in view name {name} as the country of {where}."
    years = _years_section(sub, n, k, incomplete, subject)
    # Each may withhold a cell of the other (minor bands vs girls and boys): until stable.
    sex_age = _sex_age_section(sub, n, k, subject)
    age = _age_section(frame, sub, n, k, subject, sex_age)
    for _ in range(4):
        again = _sex_age_section(sub, n, k, subject, age)
        if again.table["count"].isna().equals(sex_age.table["count"].isna()):
            break
        sex_age = again
        age = _age_section(frame, sub, n, k, subject, sex_age)
    flags: list[Section] = []
    missing: dict[str, float] = {
        "Year of registration": _missing_count(years.table),
        "Sex and age group": _missing_count(sex_age.table),
        "Age band": _missing_count(age.table),
    }
    for key, group, title, line in _FLAG_SECTIONS:
        section, none_set = _flag_section(sub, n, k, subject, key=key, group=group, title=title)
        flags.append(section)
        missing[line] = none_set
    if partners is None:  # not reached from country_profile, which makes both first
        partners = _partners_section(
            _partner_cells(sub, country_choices(frame), role, code, k), n, k, role, name, code
        )
    other = "Country of exploitation" if role == "citizenship" else "Citizenship"
    missing[other] = _missing_count(partners.table)
    completeness = _completeness_section(missing, n, k, subject)
    sections = (years, sex_age, age, *flags, partners, completeness)
    return Perspective(role, heading, summary, n, sections)


def _own_country_withheld(section: Section, code: str) -> bool:
    rows = section.table.loc[section.table["code"] == code, "count"]
    return bool(len(rows)) and bool(rows.isna().any())


def country_profile(frame: pd.DataFrame, /, *, country: str, k: int) -> CountryProfile:
    """The brief of ``country`` for the records in ``frame`` (the slice in view).

    Parameters
    ----------
    frame
        The canonical frame, or the slice the filters select.
    country
        The ISO 3166-1 alpha-3 code as the data write it (any case), e.g. ``"UKR"``;
        a code the frame never names raises ``ValueError`` saying how to find one.
    k
        The small-cell threshold (a whole number from 1 to :data:`core.privacy.MAX_K`;
        anything else raises ``ValueError``). Callers take it through
        :func:`core.privacy.effective_k`, so it never goes below the operator's floor.

    Examples
    --------
    >>> df = pd.DataFrame({"yearOfRegistration": pd.array([2019] * 30, dtype="Int16"),
    ...     "gender": ["Female"] * 30, "ageBroad": ["18--20"] * 30,
    ...     "majorityStatusAtExploit": ["Adult"] * 30, "citizenship": ["UKR"] * 30,
    ...     "citizenshipName": ["Ukraine"] * 30, "CountryOfExploitation": ["POL"] * 30,
    ...     "CountryOfExploitationName": ["Poland"] * 30, "isSexualExploit": [True] * 30})
    >>> p = country_profile(df, country="ukr", k=10)
    >>> p.citizenship.summary, p.exploitation.summary
    ('30 records in view name Ukraine as the country of citizenship.', 'No record in view names Ukraine as the country of exploitation.')
    >>> p.citizenship.sections[-2].finding
    'Citizens of Ukraine were most often exploited in Poland: 100% of the 30 records with a country of exploitation recorded.'
    """
    k = check_k(k)
    required = [YEAR, "gender", "ageBroad", "majorityStatusAtExploit", *ROLES.values()]
    absent = [c for c in required if c not in frame.columns]
    if absent:
        raise ValueError(
            f"the frame lacks {listed(absent)}: load the file with core.data.load first."
        )
    names = country_choices(frame)
    code, name = _check_country(names, country)
    incomplete = tuple(yearly_totals(frame).incomplete)

    # The own-country cell is in both partner tables: withheld in one, withheld in both.
    subs = {role: _naming(frame, column, code) for role, column in ROLES.items()}
    cells = {role: _partner_cells(subs[role], names, role, code, k) for role in ROLES}
    partners: dict[Role, Section | None] = {}
    for role in ROLES:
        n = len(subs[role])
        partners[role] = _partners_section(cells[role], n, k, role, name, code) if n >= k else None
    for _ in range(2):
        hidden = any(s is not None and _own_country_withheld(s, code) for s in partners.values())
        if not hidden:
            break
        for role, section in partners.items():
            if section is None or _own_country_withheld(section, code):
                continue
            own = np.array([c == code for c in cells[role][3]], dtype=bool)
            partners[role] = _partners_section(
                cells[role], len(subs[role]), k, role, name, code, also_primary=own
            )
    cit, exp = (
        _perspective(frame, role, code, name, k, incomplete, partners[role]) for role in ROLES
    )
    return CountryProfile(
        code=code,
        name=name,
        k=k,
        citizenship=cit,
        exploitation=exp,
        incomplete_years=incomplete,
    )
