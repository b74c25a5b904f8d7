"""Headline numbers of a (filtered) canonical frame, as shown on Home."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from core.privacy import check_k, format_count, is_small, safe_share
from core.suppression import protect_linear

__all__ = ["Headline", "HeadlineText", "headline", "headline_text"]


@dataclass(frozen=True)
class Headline:
    """Records, years covered, countries, and the shares of women/girls and minors.

    Shares use the records where the field is known as the denominator.
    """

    records: int
    year_min: int | None
    year_max: int | None
    records_with_year: int
    countries_citizenship: int
    countries_exploitation: int
    share_female: float | None
    gender_known: int
    share_minor: float | None
    majority_known: int

    def as_dict(self, *, k: int) -> dict[str, object]:
        """The numbers for an export: a count below ``k`` (and a share that would give one
        back) is None.

        Raises ``ValueError`` unless ``k`` is a whole number from 1 to
        :data:`core.privacy.MAX_K`."""
        k = check_k(k)
        out: dict[str, object] = asdict(self)
        withheld = self.withheld(k=k)
        for name in ("records", "records_with_year", "gender_known", "majority_known"):
            if is_small(getattr(self, name), k) or name in withheld:
                out[name] = None
        if self.share_female is not None and (
            "gender_known" in withheld
            or not safe_share(round(self.share_female * self.gender_known), self.gender_known, k)
        ):
            out["share_female"] = None
        if self.share_minor is not None and (
            "majority_known" in withheld
            or not safe_share(round(self.share_minor * self.majority_known), self.majority_known, k)
        ):
            out["share_minor"] = None
        return out

    def withheld(self, *, k: int) -> set[str]:
        """The counts withheld at ``k``: each small one, and each that the records
        (shown everywhere) would turn into a small one by subtraction.

        The records with a year and those without (``"records_with_year"`` stands for
        both), with the gender known and with the majority status known: when the rest
        (records minus the count) is 1..k-1, the count is withheld too
        (:func:`core.suppression.protect_linear`).

        Examples
        --------
        >>> h = Headline(records=104, year_min=2003, year_max=2019, records_with_year=100,
        ...              countries_citizenship=3, countries_exploitation=2, share_female=0.5,
        ...              gender_known=98, share_minor=0.5, majority_known=40)
        >>> sorted(h.withheld(k=10))
        ['gender_known', 'records_with_year']
        """
        k = check_k(k)
        names = ("records_with_year", "gender_known", "majority_known")
        values = [float(self.records)]
        relations = []
        for name in names:
            part = float(getattr(self, name))
            i = len(values)
            values += [part, float(self.records) - part]
            relations.append({0: 1.0, i: -1.0, i + 1: -1.0})
        shown = [True] + [True, False] * len(names)
        fixed = [True] + [False] * (2 * len(names))
        mask = protect_linear(values, relations, k=k, shown=shown, fixed=fixed)
        return {name for j, name in enumerate(names) if mask[1 + 2 * j]}


@dataclass(frozen=True)
class HeadlineText:
    """The headline numbers as they are shown: withheld counts (small ones and those
    protecting them alike) and unsafe shares read "withheld"."""

    records: str
    years: str
    countries: str
    countries_help: str
    female: str
    female_help: str
    minors: str
    minors_help: str
    no_year: str
    gender_known: str = ""
    majority_known: str = ""


def headline_text(h: Headline, /, *, k: int) -> HeadlineText:
    """What Home (and ``python -m core summary``) show for ``h`` at threshold ``k``.

    Raises ``ValueError`` unless ``k`` is a whole number from 1 to
    :data:`core.privacy.MAX_K`.

    Examples
    --------
    >>> h = Headline(records=104, year_min=2003, year_max=2019, records_with_year=100,
    ...              countries_citizenship=3, countries_exploitation=2, share_female=0.95,
    ...              gender_known=100, share_minor=0.5, majority_known=40)
    >>> t = headline_text(h, k=10)
    >>> t.records, t.female, t.minors, t.no_year
    ('104', 'withheld', '50.0%', 'withheld')
    """
    k = check_k(k)
    withheld = "withheld"
    hidden = h.withheld(k=k)

    def count(name: str, n: int) -> str:
        # a small count and one withheld to protect it read the same (which is which
        # must not show)
        return withheld if name in hidden or is_small(n, k) else format_count(n, k)

    female = minors = "unknown"
    if h.share_female is not None:
        safe = "gender_known" not in hidden and safe_share(
            round(h.share_female * h.gender_known), h.gender_known, k
        )
        female = f"{h.share_female:.1%}" if safe else withheld
    if h.share_minor is not None:
        safe = "majority_known" not in hidden and safe_share(
            round(h.share_minor * h.majority_known), h.majority_known, k
        )
        minors = f"{h.share_minor:.1%}" if safe else withheld
    why = f" Withheld where it would show a count below {k}."
    gender_known = count("gender_known", h.gender_known)
    majority_known = count("majority_known", h.majority_known)
    return HeadlineText(
        records=format_count(h.records, k),
        years=f"{h.year_min}–{h.year_max}" if h.year_min is not None else "none",
        countries=f"{h.countries_exploitation:,}",
        countries_help=(
            f"Countries of exploitation; {h.countries_citizenship:,} countries of citizenship."
        ),
        female=female,
        female_help=(
            f"Share of the {gender_known} records whose gender "
            "is known." + (why if female == withheld else "")
        ),
        minors=minors,
        minors_help=(
            f"Share of the {majority_known} records whose "
            "majority status is known (given, or derived from the age band)."
            + (why if minors == withheld else "")
        ),
        no_year=count("records_with_year", h.records - h.records_with_year),
        gender_known=gender_known,
        majority_known=majority_known,
    )


def _share(series: pd.Series, value: str) -> tuple[float | None, int]:
    known = int(series.notna().sum())
    if known == 0:
        return None, 0
    return float((series == value).sum() / known), known


def headline(frame: pd.DataFrame, /) -> Headline:
    """Headline numbers.

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "yearOfRegistration": pd.array([2003, 2019, None], dtype="Int16"),
    ...     "gender": ["Female", "Male", None],
    ...     "majorityStatusAtExploit": ["Minor", None, None],
    ...     "citizenship": ["UKR", "UKR", None],
    ...     "CountryOfExploitation": ["RUS", "USA", "USA"]})
    >>> h = headline(df)
    >>> (h.records, h.year_min, h.year_max, h.countries_exploitation, h.share_female, h.share_minor)
    (3, 2003, 2019, 2, 0.5, 1.0)
    """
    years = frame["yearOfRegistration"].dropna()
    share_female, gender_known = _share(frame["gender"], "Female")
    share_minor, majority_known = _share(frame["majorityStatusAtExploit"], "Minor")
    return Headline(
        records=len(frame),
        year_min=int(years.min()) if len(years) else None,
        year_max=int(years.max()) if len(years) else None,
        records_with_year=len(years),
        countries_citizenship=int(frame["citizenship"].dropna().nunique()),
        countries_exploitation=int(frame["CountryOfExploitation"].dropna().nunique()),
        share_female=share_female,
        gender_known=gender_known,
        share_minor=share_minor,
        majority_known=majority_known,
    )
