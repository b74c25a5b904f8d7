"""Headline numbers of a (filtered) canonical frame, as shown on Home."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

__all__ = ["Headline", "headline"]


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

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


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
