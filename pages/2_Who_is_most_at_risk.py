"""Who is most at risk: logit models of the form of exploitation and the recruiter relation."""

import pandas as pd
import streamlit as st

from core.app import bound, data_note, setup_page, show_altair, show_table
from core.data.schema import flag_label, is_flag_column
from core.glossary import explain, glossary_markdown
from core.privacy import format_count
from core.risk.charts import probability_chart
from core.risk.firth import FirthUnavailable
from core.risk.model import PUBLISHED_MODELS, LogitFit, ModelSpec, fit_model
from core.risk.protect import (
    blank_withheld,
    protect_model,
    protected_overview,
    safe_separation_sentences,
)
from core.risk.records import (
    DENOMINATOR_RULES,
    PREDICTORS,
    ModelError,
    RiskRecords,
    prepare_records,
)
from core.risk.tables import (
    COEFFICIENTS_ON_SCREEN,
    coefficient_caption,
    readable_coefficients,
    readable_groups,
    shown_groups,
)
from core.risk.words import probability_headline, probability_sentences

PRESETS = {"published": "As published", "ctdc": "CTDC denominators", "custom": "Custom model"}
PRESET_DIFFERENCE = (
    "**As published** counts a record that names no type of exploitation (or no recruiter "
    "relation) as 0, i.e. 'not in sexual exploitation'; **CTDC denominators** leaves such "
    "records out, because they gave no information. The probabilities then rest only on "
    "records that state the type, and can change a lot."
)
DERIVED_HELP = (
    "The published analysis used majority status only where the file gives it (about one "
    "record in five). Tick this to use the status derived from the age band (0–17 is a "
    "minor) where it is missing: more records, but no longer the published selection."
)
PROB_COLUMNS = ["log_odds", "odds", "probability", "probability_ci_low", "probability_ci_high"]
COUNT_COLUMNS = ["n", "events", "non_events"]
COEFFICIENT_COLUMNS = [
    "Estimate (log-odds)",
    "Std. error",
    "z",
    "p-value",
    "95% CI from",
    "95% CI to",
    "Change in odds (%)",
    "Change: 95% CI from (%)",
    "Change: 95% CI to (%)",
]

#: Column -> glossary term, for the tables' header tooltips.
COLUMN_TERMS = {
    "Log-odds": "log-odds",
    "Odds": "odds",
    "Estimate (log-odds)": "log-odds",
    "Std. error": "standard error",
    "z": "z",
    "p-value": "p-value",
    "95% CI from": "95% interval",
    "95% CI to": "95% interval",
    "95% CI from (%)": "95% interval",
    "95% CI to (%)": "95% interval",
    "Change in odds (%)": "change in odds",
}
HELP = {
    column: st.column_config.Column(help=explain(term)) for column, term in COLUMN_TERMS.items()
}

ctx = setup_page(
    "Who is most at risk",
    icon="⚖️",
    intro=(
        "Which groups of identified victims (girls, women, boys, men) are most likely to be "
        "in sexual exploitation rather than forced labour, and who recruited them: logit "
        "models fitted on the records in view."
    ),
)


# One shared copy for every session that asks for the same slice (st.cache_data would hand
# each rerun its own unpickled copy, several MB a session); nothing downstream mutates it.
@st.cache_resource(show_spinner=False, max_entries=20)
def _prepare(_frame: pd.DataFrame, key: str, majority: str) -> RiskRecords:
    return prepare_records(_frame, majority=majority)


@st.cache_data(show_spinner=False, max_entries=60)
def _fit(
    _records: pd.DataFrame,
    key: str,
    majority: str,
    outcome: str,
    predictors: tuple[str, ...],
    interaction: bool,
    subset: tuple[str, ...],
    rule: str,
    method: str,
) -> tuple[LogitFit | None, str | None]:
    spec = ModelSpec(outcome, predictors, interaction, subset)
    try:
        return fit_model(_records, spec, denominators=rule, method=method), None
    except ModelError as exc:
        return None, str(exc)


preset = st.radio(
    "Models", list(PRESETS), format_func=PRESETS.get, **bound("risk_preset"), horizontal=True
)
st.markdown(PRESET_DIFFERENCE)
derived = st.checkbox(
    "Use majority status derived from age where missing", help=DERIVED_HELP, **bound("risk_derived")
)

if preset == "custom":
    outcomes = [c for c in ctx.frame.columns if is_flag_column(c)]
    left, middle, right = st.columns([2, 2, 2])
    outcome = left.selectbox(
        "Outcome", outcomes, format_func=flag_label, **bound("risk_outcome", options=outcomes)
    )
    predictors = middle.multiselect(
        "Predictors",
        list(PREDICTORS),
        default=["gender", "majority"],
        format_func=lambda p: PREDICTORS[p][1].capitalize(),
        **bound("risk_predictors", keep_empty=True),
    )
    interaction = right.toggle(
        "Interaction between predictors",
        value=True,
        help=explain("interaction"),
        **bound("risk_interaction"),
    )
    rule = right.radio(
        "Records with no flag in the outcome's group",
        list(DENOMINATOR_RULES),
        format_func=DENOMINATOR_RULES.get,
        **bound("risk_rule"),
    )
    if not predictors:
        st.info(
            "Choose at least one predictor (gender, majority status or age band) to fit a model."
        )
        st.stop()
    if {"majority", "age"} <= set(predictors):
        st.caption(
            "Majority status and age band overlap (minors are the 0–17 bands), so "
            "their effects are hard to tell apart."
        )
    specs = (ModelSpec(outcome, tuple(predictors), interaction and len(predictors) > 1),)
else:
    specs, rule = PUBLISHED_MODELS, preset

majority = "derived" if derived else "given"
with st.spinner("Preparing the records…"):
    prepared = _prepare(ctx.frame, ctx.cache_key, majority)
if prepared.note:
    st.warning(prepared.note)
with st.expander(
    f"How the records were selected: {format_count(len(prepared.records), ctx.k)} "
    f"of {format_count(prepared.total, ctx.k)} records in view are used"
):
    show_table(
        blank_withheld(prepared.steps_table(k=ctx.k)),
        name="risk_selection",
        k=ctx.k,
        count_columns=["records"],
        caption="Each step leaves out records; the models use what remains.",
    )
if prepared.records.empty:
    st.info(
        "No record in view has a year, a gender (female: women and girls; male: men and boys) "
        "and a majority status. "
        "Widen the filters in the sidebar, or tick 'Use majority status derived from age'."
    )
    st.stop()


def fit_all(method: str, only: set[str] | None = None) -> dict[str, tuple]:
    return {
        spec.outcome: _fit(
            prepared.records,
            ctx.cache_key,
            majority,
            spec.outcome,
            spec.predictors,
            spec.interaction,
            spec.subset,
            rule,
            method,
        )
        for spec in specs
        if only is None or spec.outcome in only
    }


with st.spinner("Fitting the models…"):
    results = fit_all("ml")

separated = [o for o, (fit, _) in results.items() if fit is not None and fit.separation.detected]
if separated:
    names = ", ".join(flag_label(o).lower() for o in separated)
    st.warning(
        f"Separation in the model(s) for {names}: a group has no records with (or without) "
        "the outcome, so some maximum-likelihood estimates are infinite and their numbers "
        "are meaningless. Firth-penalised estimates stay finite."
    )
    if st.checkbox(
        "Use Firth-penalised estimates for these models",
        help=explain("Firth"),
        **bound("risk_firth"),
    ):
        try:
            with st.spinner("Fitting Firth-penalised models (profile intervals take a moment)…"):
                results.update(fit_all("firth", set(separated)))
        except FirthUnavailable as exc:
            st.warning(str(exc))

fits = [fit for fit, _ in results.values() if fit is not None]
st.header("Probabilities by group")
if not fits:
    st.info(
        "None of the models can be fitted on the records in view (see the reasons "
        "below). Widen the filters in the sidebar."
    )
else:
    protected = {fit.spec.outcome: protect_model(fit, k=ctx.k) for fit in fits}
    overview = protected_overview(list(protected.values()))
    shown = shown_groups(overview, k=ctx.k)
    # not dict(groupby): dict() takes the GroupBy's `keys` attribute (the column name) for a
    # mapping's keys() and fails
    by_model = {model: part for model, part in shown.groupby("model", sort=False)}  # noqa: C416
    title = probability_headline(by_model)
    show_altair(
        probability_chart(overview, title=title, k=ctx.k),
        overview.drop(columns=["model"]),
        name="risk_probabilities",
        caption=data_note(len(prepared.records))
        + " Bars are model probabilities with 95% intervals: shares among identified victims "
        "in view, not the chance that anyone in a population is trafficked. Groups with "
        f"fewer than {ctx.k} records, events or non-events, and groups withheld to protect "
        "them, are left out.",
        k=ctx.k,
        count_columns=COUNT_COLUMNS,
        dependent_columns=PROB_COLUMNS,
    )

st.header("The models")
tabs = st.tabs([spec.label for spec in specs])
labour = protected.get("isForcedLabour") if fits else None
for tab, spec in zip(tabs, specs, strict=True):
    fit, error = results[spec.outcome]
    with tab:
        if fit is None:
            st.info(error)
            continue
        method = "Firth-penalised" if fit.method == "firth" else "maximum likelihood"
        st.markdown(
            f"`{spec.formula}` · {format_count(fit.n, ctx.k)} records, "
            f"{format_count(fit.events, ctx.k)} with '{spec.label.lower()}' · "
            f"{DENOMINATOR_RULES[rule]} · {method}"
            + (
                " · records with an intimate-partner, friend or family recruiter"
                if spec.subset and rule == "published"
                else ""
            )
        )
        for note in fit.notes:
            st.info(note)
        if fit.separation.detected:
            advice = (
                ""
                if fit.method == "firth"
                else " Tick 'Use Firth-penalised estimates' above for finite estimates."
            )
            st.warning(" ".join(safe_separation_sentences(protected[spec.outcome])) + advice)
        model = protected[spec.outcome]
        reference = (
            shown_groups(labour.groups, k=ctx.k)
            if labour is not None and spec.outcome == "isSexualExploit"
            else None
        )
        sentences = probability_sentences(
            shown_groups(model.groups, k=ctx.k), spec.outcome, reference=reference, k=ctx.k
        )
        if sentences:
            st.markdown("\n".join(f"- {s}" for s in sentences))
        if model.caption():
            st.caption(model.caption())
        show_table(
            blank_withheld(readable_groups(model.groups)),
            name=f"risk_groups_{spec.outcome}",
            k=ctx.k,
            count_columns=["Records", "With the outcome", "Without"],
            dependent_columns=[
                "Log-odds",
                "Odds",
                "Probability (%)",
                "95% CI from (%)",
                "95% CI to (%)",
            ],
            column_config=HELP,
            caption=data_note(fit.n) + " Log-odds, odds and probabilities are model estimates; "
            "95% intervals by the delta method on the log-odds (see 'What the terms mean' "
            "below).",
        )
        show_table(
            blank_withheld(readable_coefficients(model.coefficients)),
            name=f"risk_coefficients_{spec.outcome}",
            k=ctx.k,
            dependent_columns=COEFFICIENT_COLUMNS,  # so that withheld cells show blank
            column_config=HELP,
            column_order=COEFFICIENTS_ON_SCREEN,
            caption=data_note(fit.n)
            + " "
            + coefficient_caption(
                fit, shown=[t for t in fit.terms if t not in model.terms_withheld]
            )
            + " Change in odds = (exp(estimate) − 1) × 100."
            + (
                f" {len(model.terms_withheld)} of {len(fit.terms)} coefficients withheld "
                "(blank): they would reveal a withheld group."
                if model.terms_withheld
                else ""
            ),
        )

with st.expander("What the terms mean"):
    st.markdown(
        glossary_markdown(
            [
                "logit model",
                "odds",
                "log-odds",
                "odds ratio",
                "change in odds",
                "standard error",
                "z",
                "p-value",
                "95% interval",
                "Wald interval",
                "delta method",
                "Firth",
                "likelihood-ratio test",
                "profile likelihood interval",
                "separation",
                "interaction",
                "Female",
                "minor",
            ]
        )
    )
