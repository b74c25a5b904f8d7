"""The sections of a country brief: each one's finding, protected table and caption.

A :class:`Section` is built by one function per section: :func:`years_section` (records
per year), :func:`sex_age_section` (girls / women / boys / men), :func:`age_section` (age
bands), :func:`flag_section` (types of exploitation, means of control, recruiter
relations), :func:`partners_section` (the main partner countries, from
:func:`partner_cells`) and :func:`completeness_section` (data completeness). The tables
are protected with :mod:`core.brief.protect`; :func:`core.brief.profile.country_profile`
puts the sections together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from core.brief.protect import (
    KNOWN,
    MISSING,
    OTHER,
    largest_cell,
    missing_count,
    protect_cells,
    share_clause,
    smallest_shield,
    table_caption,
)
from core.data.denominators import group_columns
from core.data.schema import AGE_BANDS, FLAG_GROUPS, MINOR_AGE_BANDS
from core.explore.aggregates import categories_in_order, tactic_shares, yearly_totals
from core.explore.protect import protect_tactics
from core.privacy import format_count, is_small
from core.suppression import Suppression
from core.words import category_label, listed, share_text, year_span

__all__ = [
    "COMPLETE",
    "FLAG_SECTIONS",
    "INCOMPLETE",
    "NOT_RECORDED",
    "OTHER_COUNTRIES",
    "ROLES",
    "TOP_PARTNERS",
    "Role",
    "Section",
    "age_section",
    "completeness_section",
    "flag_section",
    "partner_cells",
    "partners_section",
    "sex_age_section",
    "years_section",
]

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

_SEX_AGE = (
    ("Girls", "Female", "Minor"),
    ("Women", "Female", "Adult"),
    ("Boys", "Male", "Minor"),
    ("Men", "Male", "Adult"),
)
_TRANS = "Transgender / non-conforming"
# section key, flag group, section title, its line in the completeness table
FLAG_SECTIONS = (
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
            values = values[self.table["kind"] != MISSING]
        return bool((values.fillna(0) > 0).any())


def _protected_counts(
    labels: Sequence[str], cells: Sequence[int], n: int, k: int, primary: np.ndarray
) -> tuple[pd.DataFrame, Suppression, float, pd.Series | None]:
    """The cells of ``labels`` and a last "not recorded" cell (``cells``, adding up to
    the ``n`` records), protected: the table, what was withheld, the records with the
    field recorded (NaN when withheld) and the largest cell shown (None when none is)."""
    table, suppression = protect_cells(
        [*labels, NOT_RECORDED],
        [KNOWN] * len(labels) + [MISSING],
        cells,
        k=k,
        also_primary=primary,
    )
    return table, suppression, n - missing_count(table), largest_cell(table)


def _counts_section(
    key: str, title: str, finding: str, table: pd.DataFrame, base: str, suppression: Suppression
) -> Section:
    """A section of counts and their shares, captioned ``base`` and what was withheld."""
    return Section(
        key=key,
        title=title,
        finding=finding,
        table=table,
        caption=table_caption(base, table, suppression),
        chart="counts",
        count_columns=("count",),
        dependent_columns=("share",),
        withheld=suppression,
    )


def _too_few(subject: str, what: str) -> str:
    """The finding of a table too thin to show: 'Too few records of X have Y recorded ...'."""
    return (
        f"Too few records of {subject} have {what} recorded to show them without singling "
        "people out."
    )


def years_section(
    sub: pd.DataFrame, n: int, k: int, incomplete: Sequence[int], subject: str
) -> Section:
    """Records per year of ``sub`` (``n`` records), the years in ``incomplete`` marked as
    likely incomplete; ``subject`` names the records in the finding."""
    totals = yearly_totals(sub)
    years = totals.table["year"].astype(int).tolist()
    counts = totals.table["count"].astype(int).tolist()
    table, suppression = protect_cells(
        [*(str(y) for y in years), "No year"],
        [KNOWN] * len(years) + [MISSING],
        [*counts, totals.no_year],
        k=k,
        extra={"year": [*years, pd.NA]},
    )
    table["year"] = table["year"].astype("Int64")
    table["status"] = np.where(table["year"].isin(list(incomplete)), INCOMPLETE, COMPLETE)
    table = table.drop(columns=["share"])
    visible = table[(table["kind"] == KNOWN) & table["count"].notna()]
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
    no_year = missing_count(table)
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
        caption=table_caption(
            f"Based on {format_count(n, k)} records; {no_year_text}. Years marked likely "
            "incomplete are thin across the whole view (reporting lag).",
            table,
            suppression,
        ),
        chart="years",
        count_columns=("count",),
        withheld=suppression,
    )


def sex_age_section(
    sub: pd.DataFrame, n: int, k: int, subject: str, age: Section | None = None
) -> Section:
    """Girls, women, boys, men. ``age``: the age bands' section, whose withheld minor
    (adult) band withholds girls or boys (women or men) too; see :func:`age_section`."""
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
            primary |= smallest_shield(
                cells, [label in ("Girls", "Boys") for label in labels] + [False]
            )
        if set(hidden) - minor_labels - {NOT_RECORDED}:
            primary |= smallest_shield(
                cells, [label in ("Women", "Men") for label in labels] + [False]
            )
    table, suppression, recorded, top = _protected_counts(labels, cells, n, k, primary)
    if top is None:
        finding = _too_few(subject, "sex and age")
    else:
        who = (
            "transgender or non-conforming victims"
            if top["category"] == _TRANS
            else str(top["category"]).lower()
        )
        clause = share_clause(top["count"], recorded, k, "with sex and age recorded")
        finding = f"Among {subject}, {who} are the largest group{clause}."
    return _counts_section(
        "sex_age",
        "Girls, women, boys and men",
        finding,
        table,
        f"Based on {format_count(n, k)} records. Girls and boys were minors when exploited "
        "(given in the data or derived from the age band); transgender or non-conforming "
        "victims of any age.",
        suppression,
    )


def age_section(
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
        primary |= smallest_shield(cells, minor)
    if hidden & {"Women", "Men"}:
        primary |= smallest_shield(cells, adult)
    labels = [category_label("ageBroad", b) for b in bands]
    table, suppression, recorded, top = _protected_counts(labels, cells, n, k, primary)
    if top is None:
        finding = _too_few(subject, "an age")
    else:
        clause = share_clause(top["count"], recorded, k, "with an age recorded")
        finding = (
            f"Among {subject}, victims aged {top['category']} are the largest age group{clause}."
        )
    return _counts_section(
        "age",
        "Age bands",
        finding,
        table,
        f"Based on {format_count(n, k)} records; age at registration in years.",
        suppression,
    )


def flag_section(
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


def partner_cells(
    sub: pd.DataFrame, names: dict[str, str], role: Role, code: str, k: int
) -> tuple[list[str], list[str], list[int], list[str]]:
    """The partner-country cells of ``sub``: ``(labels, kinds, counts, codes)``, the
    countries (at most :data:`TOP_PARTNERS`) with at least ``k`` records each, the own
    country ``code`` among them when it has, then the other countries and the records
    with none recorded."""
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
    kinds = [KNOWN] * len(listed_codes)
    cells = [int(counts[c]) for c in listed_codes]
    codes = list(listed_codes)
    if rest:
        labels.append(OTHER_COUNTRIES)
        kinds.append(OTHER)
        cells.append(int(sum(int(counts[c]) for c in rest)))
        codes.append("")
    labels.append(NOT_RECORDED)
    kinds.append(MISSING)
    cells.append(len(sub) - int(counts.sum()))
    codes.append("")
    return labels, kinds, cells, codes


_MAYBE_MORE = "; a country whose count is withheld may have more."


def _surely_largest(table: pd.DataFrame, top: pd.Series, n: int) -> bool:
    """Whether the largest cell shown is the largest of all, withheld cells included,
    judged from what the table shows (so the judgement gives nothing away).

    The withheld cells together hold the ``n`` records minus those shown; when that sum
    is below the largest cell shown, no withheld country can be larger. Nor can one
    counted in "Other countries": it falls there only when it is smaller than every
    country named, bar the own country (see :func:`partner_cells`), which can be the
    largest shown only when every larger one is withheld, and then the withheld sum
    is at least as large.
    """
    hidden = table["count"].isna()
    if not (hidden & (table["kind"] == KNOWN)).any():
        return True
    withheld_total = n - float(table.loc[~hidden, "count"].sum())
    return withheld_total < float(top["count"])


def partners_section(
    cells: tuple[list[str], list[str], list[int], list[str]],
    n: int,
    k: int,
    role: Role,
    name: str,
    code: str,
    also_primary: np.ndarray | None = None,
) -> Section:
    """The main partner countries from :func:`partner_cells`; ``also_primary`` marks
    further cells to withhold (the own-country cell withheld in the other table)."""
    labels, kinds, counts, codes = cells
    table, suppression = protect_cells(
        labels, kinds, counts, k=k, also_primary=also_primary, extra={"code": codes}
    )
    recorded = n - missing_count(table)
    top = largest_cell(table)
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
            clause = share_clause(top["count"], recorded, k, what)
            finding = f"Citizens of {name} were most often exploited {where}{clause}."
            if not _surely_largest(table, top, n):
                finding = (
                    f"Of the countries shown, {finding[0].lower()}{finding[1:-1]}{_MAYBE_MORE}"
                )
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
            clause = share_clause(top["count"], recorded, k, what)
            finding = f"Victims exploited in {name} were most often {whose}{clause}."
            if not _surely_largest(table, top, n):
                finding = (
                    f"Of the countries shown, {finding[0].lower()}{finding[1:-1]}{_MAYBE_MORE}"
                )
    base = (
        f"Based on {format_count(n, k)} records; the largest partner countries (up to "
        f"{_TOP_PARTNERS_WORDS}) with at least {k} records each, the others together."
    )
    return _counts_section("partners", title, finding, table, base, suppression)


def completeness_section(missing: dict[str, float], n: int, k: int, subject: str) -> Section:
    """Data completeness: ``missing`` is each field's "not recorded" cell of the other
    sections (NaN where withheld there), ``n`` the records."""
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
