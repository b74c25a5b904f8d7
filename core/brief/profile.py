"""One country's profile: the sections of a country brief, protected, each with its finding.

:func:`country_profile` looks at a country twice: as the country of citizenship of the
records in view and as their country of exploitation. Each of the two
:class:`Perspective` has the same sections: records per year, girls / women / boys /
men, age bands, types of exploitation, means of control, recruiter relations, the main
partner countries, and data completeness; each :class:`Section` carries one finding
sentence, the protected table its chart is drawn from, and a caption.

How nothing withheld can be recovered (the rules of :mod:`core.privacy`):

- A perspective with fewer than k records shows only that ("fewer than k"). So does one
  whose country the world map withholds to protect a smaller one (the rule of
  :func:`core.explore.world_map.map_cells`): the map's grey countries add up to a public
  sum, so a total shown here would give the small one back by subtraction. The two say
  the same sentence, so that which is which cannot be told.
- Every table of counts has a "not recorded" cell, so its cells add up to the records
  of the perspective, which are shown; a count from 1 to k - 1 is withheld, and
  complementary suppression (:func:`core.suppression.suppress_complementary`) withholds the
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
(see :func:`core.suppression.suppress_complementary`).

Each section is built in :mod:`core.brief.sections`, its table protected with the steps
of :mod:`core.brief.protect`; this module puts them together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.brief.protect import missing_count
from core.brief.sections import (
    FLAG_SECTIONS,
    ROLES,
    Role,
    Section,
    age_section,
    completeness_section,
    flag_section,
    partner_cells,
    partners_section,
    sex_age_section,
    years_section,
)
from core.explore.aggregates import yearly_totals
from core.explore.world_map import country_counts, map_cells
from core.privacy import check_k, format_count, is_small
from core.words import listed

__all__ = [
    "CITATION",
    "MAX_LINK_ROUNDS",
    "CountryProfile",
    "LinkingError",
    "Perspective",
    "country_choices",
    "country_profile",
    "linked_sex_age",
    "most_named",
]

#: How the brief cites the data (the same words as the app's Home page).
CITATION = "Source: Counter-Trafficking Data Collaborative (CTDC). Global Synthetic Dataset."
YEAR = "yearOfRegistration"


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


# --------------------------------------------------------------------------- profile
#: The most rounds :func:`linked_sex_age` runs: the tables settle in two or three rounds
#: on real data; the cap guards against a defect that would never settle.
MAX_LINK_ROUNDS = 50


class LinkingError(RuntimeError):
    """The age bands and girls / women / boys / men did not settle (a defect, not data)."""


def linked_sex_age(
    frame: pd.DataFrame,
    sub: pd.DataFrame,
    n: int,
    k: int,
    subject: str,
    *,
    max_rounds: int = MAX_LINK_ROUNDS,
    sex_age_builder: Callable[..., Section] = sex_age_section,
    age_builder: Callable[..., Section] = age_section,
) -> tuple[Section, Section]:
    """The sections of girls / women / boys / men and of age bands, protected together.

    Each may withhold a cell of the other (a withheld minor band withholds girls or boys,
    a withheld girls or boys cell a minor band, and so on), so the two are rebuilt in
    turn until a round changes neither: a fixed point, where each table withholds what
    the other requires. ``max_rounds`` is a safety cap whose breach raises
    :class:`LinkingError` rather than returning tables that might not protect each
    other. (The builders are parameters for tests.)
    """
    sex_age = sex_age_builder(sub, n, k, subject)
    age = age_builder(frame, sub, n, k, subject, sex_age)
    for _ in range(max_rounds):
        sex_again = sex_age_builder(sub, n, k, subject, age)
        age_again = age_builder(frame, sub, n, k, subject, sex_again)
        settled = _same_withheld(sex_again, sex_age) and _same_withheld(age_again, age)
        sex_age, age = sex_again, age_again
        if settled:
            return sex_age, age
    raise LinkingError(
        f"the age bands and girls / women / boys / men of {subject} did not settle in "
        f"{max_rounds} rounds; please report this."
    )


def _same_withheld(a: Section, b: Section) -> bool:
    """Whether two versions of a section withhold the same cells."""
    return bool(
        a.table["count"].isna().to_numpy().tolist() == b.table["count"].isna().to_numpy().tolist()
    )


def _perspective(
    frame: pd.DataFrame,
    role: Role,
    code: str,
    name: str,
    k: int,
    incomplete: Sequence[int],
    partners: Section | None,
    withheld: bool = False,
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
    if is_small(n, k) or withheld:
        # one sentence for a small count and for a count withheld to protect one
        summary = (
            f"Fewer than {k} records in view name {name} as the country of {where}, or "
            "their count is withheld so that such a count cannot be worked out: nothing "
            "more is shown, to protect the people in them."
        )
        return Perspective(role, heading, summary, None)
    summary = f"{format_count(n, k)} records in view name {name} as the country of {where}."
    years = years_section(sub, n, k, incomplete, subject)
    sex_age, age = linked_sex_age(frame, sub, n, k, subject)
    flags: list[Section] = []
    missing: dict[str, float] = {
        "Year of registration": missing_count(years.table),
        "Sex and age group": missing_count(sex_age.table),
        "Age band": missing_count(age.table),
    }
    for key, group, title, line in FLAG_SECTIONS:
        section, none_set = flag_section(sub, n, k, subject, key=key, group=group, title=title)
        flags.append(section)
        missing[line] = none_set
    if partners is None:  # not reached from country_profile, which makes both first
        partners = partners_section(
            partner_cells(sub, country_choices(frame), role, code, k), n, k, role, name, code
        )
    other = "Country of exploitation" if role == "citizenship" else "Citizenship"
    missing[other] = missing_count(partners.table)
    completeness = completeness_section(missing, n, k, subject)
    sections = (years, sex_age, age, *flags, partners, completeness)
    return Perspective(role, heading, summary, n, sections)


def _withheld_on_map(frame: pd.DataFrame, role: Role, code: str, k: int) -> bool:
    """Whether the world map withholds ``code`` as a country of ``role`` (too small, or
    withheld to protect a smaller one): then the brief shows no total for it either."""
    cells = map_cells(country_counts(frame, by=role), k=k)
    status = cells.loc[cells["code"] == code, "status"]
    return bool(len(status)) and bool((status != "shown").any())


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
    cells = {role: partner_cells(subs[role], names, role, code, k) for role in ROLES}
    # A country's total is shown only where the world map shows it (same rule, same set).
    withheld = {role: _withheld_on_map(frame, role, code, k) for role in ROLES}
    partners: dict[Role, Section | None] = {}
    for role in ROLES:
        n = len(subs[role])
        shown = n >= k and not withheld[role]
        partners[role] = partners_section(cells[role], n, k, role, name, code) if shown else None
    for _ in range(2):
        hidden = any(s is not None and _own_country_withheld(s, code) for s in partners.values())
        if not hidden:
            break
        for role, section in partners.items():
            if section is None or _own_country_withheld(section, code):
                continue
            own = np.array([c == code for c in cells[role][3]], dtype=bool)
            partners[role] = partners_section(
                cells[role], len(subs[role]), k, role, name, code, also_primary=own
            )
    cit, exp = (
        _perspective(frame, role, code, name, k, incomplete, partners[role], withheld[role])
        for role in ROLES
    )
    return CountryProfile(
        code=code,
        name=name,
        k=k,
        citizenship=cit,
        exploitation=exp,
        incomplete_years=incomplete,
    )
