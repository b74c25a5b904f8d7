"""A hidden-population brief as a Word document and as a PDF.

What the "Estimate hidden populations" page shows, on paper: the records and filters in
force, the survey counts typed (with their bounds and source), the method in plain
words (what the estimate is, what it assumes, that the records are identified cases,
not prevalence), the estimates with their 95% intervals, the withheld groups said as
withheld, the source line of the data and its release, and the citation. It is made of
the blocks of :mod:`core.brief.document` and rendered by the same two functions as the
country brief, so the two briefs look alike.

Every number comes from the protected table the page shows
(:func:`core.hidden.estimate.protect_estimates`): a withheld group's counts and numbers
are blank there and read "withheld" here, so no count below k is written.

Examples
--------
>>> import pandas as pd
>>> from core.hidden.survey import SurveyRow
>>> table = pd.DataFrame({"group": ["Women"], "gender": ["Female"],
...     "majority_status": ["Adult"], "survey_count": [5361.0], "survey_low": [None],
...     "survey_high": [None], "records": [1200.0], "events_sexual": [800.0],
...     "events_labour": [None], "method": ["published"], "factor": [2.0],
...     "factor_ci_low": [1.8], "factor_ci_high": [2.2], "estimate": [10722.0],
...     "ci_low": [9650.0], "ci_high": [11794.0], "note": [""]})
>>> brief = HiddenBrief(table=table, survey=(SurveyRow("Women", "Female", "Adult", 5361.0),),
...     unit="thousands", method="published", k=10, models="Model 1 on 1,200 records.",
...     total=(10722.0, 9650.0, 11794.0), filters_text="all records", link="Hidden?k=10",
...     release="2021-08-25 release")
>>> estimate_rows(brief)[1]
['Women', '1,200', '800', '2', '10,722', '9,650 to 11,794']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import pandas as pd

from core.brief.document import Block, citation_blocks, front_blocks, render_docx, render_pdf
from core.hidden.charts import estimate_chart
from core.hidden.estimate import (
    METHODS,
    ExtrapolationMethod,
    extrapolate,
    joint_counts,
    protect_estimates,
    total_estimate,
)
from core.hidden.survey import SurveyRow
from core.hidden.words import (
    INTERVAL_SCOPE,
    estimate_headline,
    estimate_sentences,
    total_caption,
    total_label,
    unit_text,
    withheld_caption,
)
from core.images import altair_png, source_line
from core.options import check_choice
from core.privacy import check_k, format_count
from core.risk.model import PUBLISHED_MODELS, fit_model
from core.risk.protect import withheld_groups
from core.risk.records import (
    DENOMINATOR_RULES,
    DenominatorRule,
    MajoritySource,
    ModelError,
    prepare_records,
)

__all__ = [
    "ASSUMPTION",
    "HIDDEN_TITLE",
    "WITHHELD",
    "HiddenBrief",
    "estimate_brief",
    "estimate_rows",
    "hidden_blocks",
    "hidden_docx",
    "hidden_image",
    "hidden_pdf",
    "survey_table_rows",
]

HIDDEN_TITLE = "Hidden-population estimate: forced commercial sexual exploitation"
#: What a withheld group's cells read.
WITHHELD = "withheld"
_NOT_ESTIMATED = "-"
_NOT_GIVEN = "not given"
#: What every estimate assumes, in plain words.
ASSUMPTION = (
    "It assumes that, within each group (girls, women, boys, men), the people the survey "
    "counted are split between sexual exploitation and other forced labour as the "
    "identified victims in the records are. The records are identified cases, not "
    "prevalence: people identified or assisted by CTDC partners, not a random sample of "
    "everyone exploited, so the split carries whatever shapes who is identified."
)


@dataclass(frozen=True)
class HiddenBrief:
    """Everything a hidden-population brief states.

    ``table`` is the protected estimates table the page shows
    (:func:`core.hidden.estimate.protect_estimates`); ``survey`` the rows typed
    (:func:`core.hidden.survey.survey_rows`), in the survey's ``unit``; ``method`` a key
    of :data:`core.hidden.estimate.METHODS`; ``models`` the sentence that names the
    models and the records they were fitted on; ``total`` the headline
    ``(total, low, high)`` (:func:`core.hidden.estimate.total_estimate`);
    ``survey_source`` where the survey counts come from (empty: not given); ``notes``
    lines put first under the title (e.g. that the data are a demo).
    """

    table: pd.DataFrame
    survey: tuple[SurveyRow, ...]
    unit: str
    method: str
    k: int
    models: str
    total: tuple[float, float, float]
    filters_text: str
    link: str
    release: str
    survey_source: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def estimable(self) -> bool:
        """Whether any group has an estimate shown."""
        return bool(self.table["estimate"].notna().any())


def _amount(value: object) -> str:
    """A survey count or bound as typed units: '5,361', '0.5'; 'not given' when absent."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _NOT_GIVEN
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.0f}" if number == int(number) else f"{number:,.6g}"


def survey_table_rows(brief: HiddenBrief, /) -> list[list[str]]:
    """The survey counts typed, as table rows (the first the header)."""
    header = ["Group", f"Survey count ({unit_text(brief.unit)})", "Lower bound", "Upper bound"]
    return [
        header,
        *(
            [row.group, _amount(row.count), _amount(row.low), _amount(row.high)]
            for row in brief.survey
        ),
    ]


def _withheld_rows(table: pd.DataFrame) -> pd.Series:
    """The rows :func:`core.hidden.estimate.protect_estimates` withheld: their records
    are blank (a group that cannot be estimated keeps its count of records)."""
    return pd.to_numeric(table["records"], errors="coerce").isna()


def estimate_rows(brief: HiddenBrief, /) -> list[list[str]]:
    """The estimates as table rows (the first the header): a withheld group reads
    "withheld" in every cell that derives from the records, one that cannot be
    estimated "-" in its factor and estimate."""
    ratio = brief.method == "ratio"
    units = unit_text(brief.unit)
    header = ["Group", "Records", "In sexual exploitation"]
    header += ["In forced labour"] if ratio else []
    header += ["Factor", f"Estimate ({units})", "95% interval"]
    rows = [header]
    withheld = _withheld_rows(brief.table)
    for (_, row), hidden in zip(brief.table.iterrows(), withheld, strict=True):
        if hidden:
            rows.append([str(row["group"]), *[WITHHELD] * (len(header) - 1)])
            continue
        counts = ["records", "events_sexual", *(["events_labour"] if ratio else [])]
        cells = [str(row["group"])]
        cells += [format_count(float(row[c]), brief.k) for c in counts]
        if pd.isna(row["estimate"]):
            cells += [_NOT_ESTIMATED] * 3
        else:
            cells += [
                f"{float(row['factor']):.4g}",
                f"{float(row['estimate']):,.0f}",
                f"{float(row['ci_low']):,.0f} to {float(row['ci_high']):,.0f}",
            ]
        rows.append(cells)
    return rows


def hidden_image(brief: HiddenBrief, /, *, scale: float = 1.5) -> bytes | None:
    """The estimates chart as a PNG with its source line and filters; None when no group
    has an estimate. Rendered by vl-convert: no browser needed."""
    if not brief.estimable:
        return None
    title = estimate_headline(brief.table, unit=brief.unit)
    chart = estimate_chart(brief.table, title=title, unit=brief.unit)
    return altair_png(
        chart,
        title=title,
        source=source_line(brief.release),
        filters=brief.filters_text,
        scale=scale,
    )


def hidden_blocks(brief: HiddenBrief, /, *, charted: bool = True) -> list[Block]:
    """The brief, block by block; ``charted``: a chart block where the image goes."""
    name, explanation = METHODS[brief.method]
    units = unit_text(brief.unit)
    out = front_blocks(
        HIDDEN_TITLE,
        k=brief.k,
        filters_text=brief.filters_text,
        link=brief.link,
        release=brief.release,
        notes=brief.notes,
    )
    source = brief.survey_source.strip() or (
        "not given (the counts were typed on the page without a source)"
    )
    out += [
        Block("heading1", "Survey counts used"),
        Block(
            "text",
            f"Counts of people in forced labour, in {units}, as typed; the bounds, where "
            "given, are read as the survey's 95% limits.",
        ),
        Block("table", rows=survey_table_rows(brief)),
        Block("text", f"Source of the survey counts: {source}"),
        Block("heading1", "Method"),
        Block("finding", f"{name}."),
        Block("text", explanation),
        Block("text", ASSUMPTION),
        Block("text", brief.models),
        Block("heading1", "Estimates"),
        Block("finding", estimate_headline(brief.table, unit=brief.unit) + "."),
    ]
    if brief.estimable:
        total, low, high = brief.total
        out.append(
            Block("text", f"{total_label(brief.table, unit=brief.unit)}: about {total:,.0f}.")
        )
        out.append(Block("caption", total_caption(brief.table, low, high, unit=brief.unit)))
        if charted:
            out.append(Block("chart"))
    else:
        out.append(Block("text", INTERVAL_SCOPE))
    out.append(Block("table", rows=estimate_rows(brief)))
    caption = (
        f"Estimates in {units}, like the survey counts; 95% intervals by the delta method "
        "on the log scale (model and survey error only)."
    )
    # the brief writes "withheld" in those cells, where the screen leaves them blank
    withheld = withheld_caption(brief.table, k=brief.k).replace("Withheld cells are blank.", "")
    out.append(Block("caption", f"{caption} {withheld}".strip()))
    out += [Block("bullet", s) for s in estimate_sentences(brief.table, unit=brief.unit)]
    return [*out, *citation_blocks()]


def _document(brief: HiddenBrief, image: bytes | None, *, pdf: bool) -> bytes:
    picture = image if image is not None else hidden_image(brief)
    blocks = hidden_blocks(brief, charted=picture is not None)
    render = render_pdf if pdf else render_docx
    return render(
        blocks,
        title=HIDDEN_TITLE,
        subject="CTDC Explorer hidden-population brief",
        images=[picture] if picture is not None else [],
    )


def hidden_docx(brief: HiddenBrief, /, *, image: bytes | None = None) -> bytes:
    """The brief as a Word document (.docx bytes); ``image`` from :func:`hidden_image`
    (rendered here when None)."""
    return _document(brief, image, pdf=False)


def hidden_pdf(brief: HiddenBrief, /, *, image: bytes | None = None) -> bytes:
    """The brief as a PDF (bytes); the same content as :func:`hidden_docx`."""
    return _document(brief, image, pdf=True)


#: How the records the models rest on read, per denominator rule.
_SPEC_WORDS = {
    "published": "as published, a missing flag counts as 0",
    "ctdc": "CTDC denominators, records with no exploitation type left out",
}


def estimate_brief(
    frame: pd.DataFrame,
    survey: Sequence[SurveyRow],
    /,
    *,
    method: str,
    k: int,
    unit: str,
    filters_text: str,
    link: str,
    release: str,
    denominators: str = "published",
    majority: str = "given",
    survey_source: str = "",
    notes: Sequence[str] = (),
) -> HiddenBrief:
    """The brief of ``survey`` on the records of ``frame``, made as the page makes its
    table: models 1 and 2 fitted on the prepared records, the estimates protected
    (withholding the groups the models' own protection withholds), the total.

    Raises
    ------
    ValueError
        With one sentence when an option is not allowed, ``survey`` is empty, or the
        models cannot be fitted on these records.
    """
    k = check_k(k)
    check_choice(method, METHODS, name="method")
    check_choice(denominators, DENOMINATOR_RULES, name="denominators")
    check_choice(majority, ("given", "derived"), name="majority")
    unit_text(unit)
    if not survey:
        raise ValueError("give a survey count for at least one group (girls, women, boys or men).")
    prepared = prepare_records(frame, majority=cast(MajoritySource, majority))
    spec = cast(DenominatorRule, denominators)
    try:
        sexual = fit_model(prepared.records, PUBLISHED_MODELS[0], denominators=spec)
        labour = fit_model(prepared.records, PUBLISHED_MODELS[1], denominators=spec)
    except ModelError as exc:
        raise ValueError(f"{exc} No estimate is possible on these records.") from exc
    joint = joint_counts(prepared.records, denominators=spec)
    ratio = method == "ratio"
    chosen = cast(ExtrapolationMethod, method)
    table = protect_estimates(
        extrapolate(list(survey), method=chosen, sexual=sexual, labour=labour, joint=joint),
        k=k,
        withheld=withheld_groups(sexual, labour if ratio else None, k=k),
    )
    total = total_estimate(table, sexual=sexual, labour=labour, joint=joint)
    models = (
        f"Model 1 ({PUBLISHED_MODELS[0].formula})"
        + (f" and model 2 ({PUBLISHED_MODELS[1].formula})" if ratio else "")
        + f", fitted on {format_count(sexual.n, k)} records ({_SPEC_WORDS[denominators]}; "
        + "majority status "
        + ("given or derived from age" if prepared.majority_source == "derived" else "as given")
        + ")."
    )
    return HiddenBrief(
        table=table,
        survey=tuple(survey),
        unit=unit,
        method=method,
        k=k,
        models=models,
        total=total,
        filters_text=filters_text,
        link=link,
        release=release,
        survey_source=survey_source,
        notes=tuple(notes),
    )
