"""Estimate hidden populations: survey counts of forced labour x what the records imply."""

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.app import DEMO_LABEL, bound, data_note, setup_page, show_altair, show_table
from core.brief.hidden import HiddenBrief, hidden_docx, hidden_image, hidden_pdf
from core.glossary import explain, glossary_markdown
from core.hidden.charts import estimate_chart
from core.hidden.estimate import (
    METHODS,
    extrapolate,
    joint_counts,
    protect_estimates,
    total_estimate,
)
from core.hidden.survey import (
    EXAMPLE_SOURCE,
    EXAMPLE_SURVEY,
    EXAMPLE_UNIT,
    SURVEY_GROUPS,
    UNITS,
    survey_rows,
)
from core.hidden.words import (
    estimate_headline,
    estimate_sentences,
    readable_estimates,
    total_caption,
    total_label,
    withheld_caption,
)
from core.privacy import format_count
from core.risk.model import PUBLISHED_MODELS, LogitFit, fit_model
from core.risk.protect import blank_withheld, withheld_groups
from core.risk.records import ModelError, RiskRecords, prepare_records

SPECS = {
    "published": "As published: a missing flag counts as 0",
    "ctdc": "CTDC denominators: records with no exploitation type left out",
}
FIELDS = {
    group: (f"hid_{group.lower()}", f"hid_{group.lower()}_low", f"hid_{group.lower()}_high")
    for group in SURVEY_GROUPS
}
TEXT_KEYS = [key for keys in FIELDS.values() for key in keys]


def use_example() -> None:
    for group, (count, low, high) in FIELDS.items():
        st.session_state[count] = EXAMPLE_SURVEY.get(group, "")
        st.session_state[low] = st.session_state[high] = ""
    st.session_state["hid_unit"] = EXAMPLE_UNIT


def clear_counts() -> None:
    for key in TEXT_KEYS:
        st.session_state[key] = ""


def start_with_the_example() -> None:
    """A first visit without survey counts in the link starts from the example.

    The counts' widgets default to empty, so the URL always carries the counts in use and
    a link keeps meaning the same numbers even if the example changes.
    """
    state = st.session_state
    if state.get("hid_started"):
        return
    state["hid_started"] = True
    if not any(str(key).startswith("hid_") for key in st.query_params):
        use_example()


@st.cache_data(show_spinner=False, max_entries=20)
def _models(
    _frame: pd.DataFrame, key: str, majority: str, spec: str
) -> tuple[RiskRecords, LogitFit | None, LogitFit | None, pd.DataFrame | None, str | None]:
    prepared = prepare_records(_frame, majority=majority)
    try:
        sexual = fit_model(prepared.records, PUBLISHED_MODELS[0], denominators=spec)
        labour = fit_model(prepared.records, PUBLISHED_MODELS[1], denominators=spec)
    except ModelError as exc:
        return prepared, None, None, None, str(exc)
    joint = joint_counts(prepared.records, denominators=spec)
    return prepared, sexual, labour, joint, None


start_with_the_example()
ctx = setup_page(
    "Estimate hidden populations",
    icon="🔭",
    intro=(
        "Surveys count people in forced labour; identified victims show how often each group "
        "is in sexual exploitation instead. Type survey counts per group to estimate how many "
        "people are in forced commercial sexual exploitation."
    ),
)


# Not an st.fragment, although the survey inputs change only what follows them: the
# example's counts are put in Session State, and Streamlit writes such values into the
# URL on a full run only. As a fragment, typing one count left the example's others out
# of the link, so a copied link gave another estimate (tests/browser/test_browser_app.py).
def survey_and_estimates() -> None:
    """The survey inputs, the estimates and the brief."""
    st.header("Survey counts of people in forced labour")
    unit = st.radio(
        "Unit of the counts",
        list(UNITS),
        format_func=lambda u: UNITS[u].capitalize(),
        horizontal=True,
        **bound("hid_unit"),
    )
    for group, (count, low, high) in FIELDS.items():
        c1, c2, c3 = st.columns([2, 1, 1])
        c1.text_input(
            f"{group}: survey count ({UNITS[unit]})",
            max_chars=40,
            placeholder="empty: not estimated",
            **bound(count),
        )
        c2.text_input(f"{group}: lower bound (optional)", max_chars=40, **bound(low))
        c3.text_input(f"{group}: upper bound (optional)", max_chars=40, **bound(high))
    if (
        all(st.session_state.get(FIELDS[g][0], "") == EXAMPLE_SURVEY.get(g, "") for g in FIELDS)
        and unit == EXAMPLE_UNIT
    ):
        st.caption(EXAMPLE_SOURCE)
    b1, b2, _ = st.columns([1, 1, 4])
    b1.button("Restore the example", on_click=use_example, key="hid_example")
    b2.button("Clear all counts", on_click=clear_counts, key="hid_clear")

    st.header("Method")
    method = st.radio(
        "Method",
        list(METHODS),
        format_func=lambda m: METHODS[m][0],
        label_visibility="collapsed",
        **bound("hid_method"),
    )
    for name, text in METHODS.values():
        st.markdown(f"**{name}.** {text}")
    left, right = st.columns(2)
    spec = left.radio("Models fitted on", list(SPECS), format_func=SPECS.get, **bound("hid_spec"))
    derived = right.checkbox(
        "Use majority status derived from age where missing",
        **bound("hid_derived"),
        help="The published analysis used majority status only where the file gives it.",
    )

    rows, errors = survey_rows(
        {g: tuple(st.session_state.get(k, "") for k in keys) for g, keys in FIELDS.items()}
    )
    for error in errors:
        st.error(error)
    if not rows:
        st.info(
            "Type a survey count for at least one group (girls, women, boys or men) to get "
            "an estimate, or press 'Restore the example'."
        )
        return

    with st.spinner("Fitting the models on the records in view…"):
        prepared, sexual, labour, joint, problem = _models(
            ctx.frame, ctx.cache_key, "derived" if derived else "given", spec
        )
    if prepared.note:
        st.warning(prepared.note)
    if problem:
        st.info(f"{problem} No estimate is possible on these records.")
        return

    st.markdown(
        f"Model 1 `{PUBLISHED_MODELS[0].formula}`"
        + (f" and model 2 `{PUBLISHED_MODELS[1].formula}`" if method == "ratio" else "")
        + f", fitted on {format_count(sexual.n, ctx.k)} records ({SPECS[spec].lower()}; majority "
        f"status {'given or derived from age' if prepared.majority_source == 'derived' else 'as given'}"
        f"; filters: {ctx.filters.describe()})."
    )
    table = protect_estimates(
        extrapolate(rows, method=method, sexual=sexual, labour=labour, joint=joint),
        k=ctx.k,
        withheld=withheld_groups(sexual, labour if method == "ratio" else None, k=ctx.k),
    )
    total, total_low, total_high = total_estimate(table, sexual=sexual, labour=labour, joint=joint)

    st.header("Estimates")
    if table["estimate"].notna().any():
        # one estimate, one interval: with a single group this is that group's own interval
        st.metric(
            total_label(table, unit=unit),
            f"{total:,.0f}",
            help=explain("95% interval") + " " + explain("delta method"),
        )
        st.caption(total_caption(table, total_low, total_high, unit=unit))
        show_altair(
            estimate_chart(table, title=estimate_headline(table, unit=unit), unit=unit),
            table,
            name="hid_estimates",
            k=ctx.k,
            count_columns=["records", "events_sexual", "events_labour"],
            dependent_columns=[
                "factor",
                "factor_ci_low",
                "factor_ci_high",
                "estimate",
                "ci_low",
                "ci_high",
            ],
            caption=data_note(sexual.n) + " Whiskers: 95% intervals (delta method on the log "
            "scale; model and survey error only). Identified victims are not a random sample, so "
            "the factors carry whatever shapes who is identified.",
            data_table=False,  # the estimates' table follows the sentences below
        )
    else:
        st.info(
            "None of the groups you typed can be estimated from the records in view (see the "
            "notes below); widen the filters in the sidebar or type counts for other groups."
        )
    st.markdown("\n".join(f"- {s}" for s in estimate_sentences(table, unit=unit)))
    show_table(
        blank_withheld(readable_estimates(table)),
        name="hid_table",
        k=ctx.k,
        count_columns=["Records", "In sexual exploitation"]
        + (["In forced labour"] if method == "ratio" else []),
        dependent_columns=["Factor", "Estimate", "95% interval from", "95% interval to"],
        column_config={
            "Factor": st.column_config.Column(help=METHODS[method][0]),
            "95% interval from": st.column_config.Column(help=explain("95% interval")),
            "95% interval to": st.column_config.Column(help=explain("95% interval")),
        },
        caption=data_note(sexual.n)
        + f" Estimates in {UNITS[unit]}, like the survey counts. "
        + withheld_caption(table, k=ctx.k),
    )
    with st.expander("What the terms mean"):
        st.markdown(
            glossary_markdown(
                ["odds", "95% interval", "delta method", "log scale", "logit model", "Female"]
            )
        )

    # ----------------------------------------------------------------------- the brief
    st.subheader("Download a brief")
    typed_source = st.text_input(
        "Source of the survey counts (written in the brief)",
        max_chars=300,
        placeholder="e.g. Global Estimates of Modern Slavery 2022 (ILO, Walk Free, IOM)",
        help="Where the counts above come from; the example's source is used when it is empty "
        "and the example's counts are in use.",
        **bound("hid_source"),
    )
    uses_example = unit == EXAMPLE_UNIT and all(
        st.session_state.get(FIELDS[g][0], "") == EXAMPLE_SURVEY.get(g, "") for g in FIELDS
    )
    query = st.query_params.to_dict()
    base = str(st.context.url or "").split("?")[0] or "Hidden_populations"
    brief = HiddenBrief(
        table=table,
        survey=tuple(rows),
        unit=unit,
        method=method,
        k=ctx.k,
        models=(
            f"Model 1 ({PUBLISHED_MODELS[0].formula})"
            + (f" and model 2 ({PUBLISHED_MODELS[1].formula})" if method == "ratio" else "")
            + f", fitted on {format_count(sexual.n, ctx.k)} records ({SPECS[spec].lower()}; "
            "majority status "
            + ("given or derived from age" if prepared.majority_source == "derived" else "as given")
            + ")."
        ),
        total=(total, total_low, total_high),
        filters_text=f"{ctx.filters.describe()}; counts below {ctx.k} withheld",
        link=f"{base}?{urlencode(query)}",
        release=ctx.result.release,
        survey_source=typed_source.strip() or (EXAMPLE_SOURCE if uses_example else ""),
        notes=(f"{DEMO_LABEL}.",) if ctx.is_demo else (),
    )
    st.caption(
        "The brief holds the filters, the survey counts and their source, the method in plain "
        "words, the estimates with their 95% intervals (withheld groups said as withheld), the "
        "chart, the CTDC's caveats, a link back to this view and the citation."
    )
    b_word, b_pdf, _ = st.columns([1, 1, 3])
    b_word.download_button(
        "Brief (Word)",
        data=lambda: hidden_docx(brief, image=hidden_image(brief)),
        file_name="ctdc_hidden_brief.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        key="hid_brief_docx",
        on_click="ignore",
        icon=":material/description:",
    )
    b_pdf.download_button(
        "Brief (PDF)",
        data=lambda: hidden_pdf(brief, image=hidden_image(brief)),
        file_name="ctdc_hidden_brief.pdf",
        mime="application/pdf",
        key="hid_brief_pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
    )


survey_and_estimates()
