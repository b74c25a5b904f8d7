"""The Clusters screen's sentences: coverage, its headline lead, and plain-language help.

Counts reach these sentences only through :mod:`core.clusters.disclosure` (and so through
:mod:`core.privacy`). The technical terms the screen shows (:data:`TERMS`) are explained
by the shared :mod:`core.glossary`.
"""

from __future__ import annotations

from core.clusters.disclosure import Coverage
from core.clusters.prepare import column_label
from core.glossary import explain
from core.privacy import format_count
from core.words import listed, share_text

__all__ = [
    "LOW_COVERAGE",
    "TERMS",
    "coverage_lead",
    "coverage_sentence",
    "glossary_help",
    "records_note",
]

#: The technical terms the Clusters screen explains, in the order it lists them; their
#: sentences live in :data:`core.glossary.GLOSSARY` (one vocabulary for every page).
TERMS: tuple[str, ...] = (
    "K-means",
    "k-means++",
    "restarts",
    "standardised",
    "label codes",
    "one-hot",
    "inertia",
    "silhouette",
    "jitter",
)

#: Below this share of the records in view clustered, the headline says so.
LOW_COVERAGE = 0.5


def glossary_help(*terms: str) -> str:
    """The glossary entries of ``terms`` as help text (one paragraph each, term in bold).

    Raises
    ------
    ValueError
        A term not in :data:`core.glossary.GLOSSARY`.

    Examples
    --------
    >>> glossary_help("one-hot").startswith("**one-hot**: A category becomes")
    True
    """
    return "\n\n".join(f"**{term}**: {explain(term)}" for term in terms)


def records_note(n: int | None, /, *, k: int, what: str = "records") -> str:
    """The caption fragment saying how many records an output rests on (count protected).

    ``n`` None: the number is withheld (the coverage withholds the number clustered, see
    :class:`core.clusters.disclosure.Coverage`), and the note names no number at all.

    Examples
    --------
    >>> records_note(1234, k=10), records_note(4, k=10)
    ('Based on 1,234 records. Identified cases, not prevalence.', 'Based on <10 records. Identified cases, not prevalence.')
    >>> records_note(None, k=10, what="clustered records")
    'Based on the clustered records (their number is withheld). Identified cases, not prevalence.'
    """
    if n is None:
        return f"Based on the {what} (their number is withheld). Identified cases, not prevalence."
    return f"Based on {format_count(n, k)} {what}. Identified cases, not prevalence."


def _missing_part(cover: Coverage) -> str:
    """Which chosen columns are missing, with their counts when these may be shown."""
    if not cover.missing:
        return "no chosen column is missing anywhere"
    names = [column_label(c).split(" (")[0].lower() for c in cover.missing]
    if cover.missing_withheld:
        return f"{listed(names)} missing in some (counts withheld to protect small numbers)"
    return "; ".join(
        f"{name} missing in {n}" for name, n in zip(names, cover.missing.values(), strict=True)
    )


def coverage_sentence(cover: Coverage, /) -> str:
    """The box above the clusters: how many records were clustered, and why not the rest.

    Examples
    --------
    >>> c = Coverage(total="13,000", kept="160", dropped="12,840",
    ...              missing={"ageMid": "12,690", "gender": "748"}, share_kept=160 / 13000)
    >>> coverage_sentence(c)
    'Clustered **160** of the 13,000 records in view; 12,840 were left out because a chosen column is missing (age missing in 12,690; gender missing in 748).'
    >>> c = Coverage(total="35", kept=None, dropped=None, missing={"ageMid": None},
    ...              share_kept=30 / 35)
    >>> coverage_sentence(c)
    'Clustered the records in view that have every chosen column (of 35 in view; the numbers clustered and left out are withheld because one of them is below the small-cell threshold); age missing in some (counts withheld to protect small numbers).'
    """
    if cover.kept is None:
        text = (
            f"Clustered the records in view that have every chosen column (of {cover.total} "
            "in view; the numbers clustered and left out are withheld because one of them "
            "is below the small-cell threshold)"
        )
        return f"{text}; {_missing_part(cover)}."
    if cover.dropped == "0":
        return f"Clustered all **{cover.kept}** records in view (no chosen column is missing)."
    return (
        f"Clustered **{cover.kept}** of the {cover.total} records in view; {cover.dropped} "
        f"were left out because a chosen column is missing ({_missing_part(cover)})."
    )


def coverage_lead(cover: Coverage, /) -> str:
    """The words that open the headline when the clusters rest on a small share of the
    records in view ('' when at least :data:`LOW_COVERAGE` of them were clustered).

    Names the column missing most often (the first of ``cover.missing``).

    Examples
    --------
    >>> c = Coverage(total="13,000", kept="160", dropped="12,840",
    ...              missing={"ageMid": "12,690", "yearOfRegistration": "213"},
    ...              share_kept=160 / 13000)
    >>> coverage_lead(c)
    'Only 160 of the 13,000 records in view (1%) have every chosen column (age is missing in 12,690), so these clusters describe them, not the whole slice. '
    >>> coverage_lead(Coverage(total="20", kept=None, dropped=None,
    ...                        missing={"ageMid": None}, share_kept=4 / 20))
    'Only a few of the 20 records in view have every chosen column (age is missing most often), so these clusters describe them, not the whole slice. '
    """
    if cover.share_kept >= LOW_COVERAGE or not cover.missing:
        return ""
    column = next(iter(cover.missing))  # the one missing most often
    name = column_label(column).split(" (")[0].lower()
    reason = (
        f"{name} is missing most often"
        if cover.missing_withheld
        else f"{name} is missing in {cover.missing[column]}"
    )
    count = (
        f"a few of the {cover.total}"
        if cover.kept is None
        else f"{cover.kept} of the {cover.total}"
    )
    share = "" if cover.kept is None else f" ({share_text(cover.share_kept)})"
    return (
        f"Only {count} records in view{share} have every chosen column ({reason}), so "
        "these clusters describe them, not the whole slice. "
    )
