"""Explore: which tactics traffickers use, how registrations trended, and who they shifted to.

Six sections for whatever the sidebar selects: flows between countries, highest- vs
lowest-volume countries, tactics, trends, shifts toward groups, and data quality. Each
chart is drawn by :func:`core.app.outputs.chart_section` from a table that
:mod:`core.explore.protect` has protected, titled by :mod:`core.explore.headlines`.
"""

import pandas as pd
import streamlit as st

from core.app import bound, data_note, setup_page, show_table
from core.app.outputs import chart_section
from core.data.schema import FLAG_GROUPS
from core.explore import (
    aggregates,
    charts,
    countries,
    country_charts,
    headlines,
    protect,
    quality,
    recording,
    shift_charts,
    shift_protect,
    shift_tables,
    shifts,
    world_map,
)
from core.glossary import explain, glossary_markdown
from core.privacy import format_count, safe_share
from core.suppression import Suppression
from core.words import category_label, counted, plural, year_span

ctx = setup_page(
    "Explore",
    icon="🔎",
    intro=(
        "Which tactics do traffickers use most, how have registrations trended, and have "
        "they shifted toward particular groups? Every chart follows the sidebar filters. "
        "Counts are of **identified** victims: they show who partners found and recorded, "
        "not how common trafficking is."
    ),
)
k = ctx.k
bases: list[tuple[str, str, int]] = []  # (section, chart, records): shown under Data quality

# Every choice on the page is bound to the URL (core.app.bound), so a copied link
# reproduces the view; a value that does not fit is dropped and the default shown.
SCALES = ["Log (small and large flows both visible)", "Raw counts"]


# ----------------------------------------------------------------------- cached aggregates
@st.cache_data(show_spinner=False, max_entries=20)
def _flows(_frame: pd.DataFrame, key: str, top_n: int) -> countries.Flows:
    return countries.country_flows(_frame, top_n=top_n)


@st.cache_data(show_spinner=False, max_entries=20)
def _sankey(_frame: pd.DataFrame, key: str, top_n: int) -> pd.DataFrame:
    return countries.sankey_links(_frame, top_n=top_n)


@st.cache_data(show_spinner=False, max_entries=20)
def _countries(_frame: pd.DataFrame, key: str, by: str, n: int, min_records: int) -> pd.DataFrame:
    return countries.top_bottom_countries(_frame, by=by, n=n, min_records=min_records)


@st.cache_data(show_spinner=False, max_entries=40)
def _profiles(
    _frame: pd.DataFrame, key: str, by: str, n: int, min_records: int, field: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    chosen = countries.top_bottom_countries(_frame, by=by, n=n, min_records=min_records)
    return (
        countries.profile_with_pooled(_frame, chosen, by=by, field=field),
        countries.profile_shares(_frame, chosen, by=by, field=field, pooled=True),
    )


@st.cache_data(show_spinner=False, max_entries=40)
def _profile_protected(
    _frame: pd.DataFrame, key: str, by: str, n: int, min_records: int, field: str, k: int
) -> tuple[pd.DataFrame, Suppression]:
    # the protection solves linear programs: once per slice, choice and threshold
    return protect.protect_profile(_profiles(_frame, key, by, n, min_records, field)[0], k=k)


@st.cache_data(show_spinner=False, max_entries=60)
def _tactics(_frame: pd.DataFrame, key: str, group: str, by: str | None) -> pd.DataFrame:
    return aggregates.tactic_shares(_frame, group=group, by=by)


@st.cache_data(show_spinner=False, max_entries=20)
def _yearly(_frame: pd.DataFrame, key: str) -> aggregates.YearlyTotals:
    return aggregates.yearly_totals(_frame)


@st.cache_data(show_spinner=False, max_entries=20)
def _yearly_protected(_frame: pd.DataFrame, key: str, k: int) -> tuple[pd.DataFrame, Suppression]:
    # one linear program per slice and threshold, though three tabs read its result
    return protect.protect_yearly(_yearly(_frame, key).table, k=k, records=len(_frame))


def _withheld_years(frame: pd.DataFrame, key: str, k: int) -> set[int]:
    return protect.years_withheld_in(_yearly_protected(frame, key, k)[0])


@st.cache_data(show_spinner=False, max_entries=20)
def _yearly_types(_frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return aggregates.yearly_by_flag(_frame, group="exploitation")


@st.cache_data(show_spinner=False, max_entries=40)
def _shifts(
    _frame: pd.DataFrame, key: str, field: str, exclude: tuple[int, ...], k: int
) -> tuple[pd.DataFrame, list[shifts.ShareTrend], dict[str, recording.SourceCheck]]:
    shares = shifts.yearly_shares(_frame, field=field)
    trends = shifts.share_trends(shares, field=field, exclude_years=exclude, k=k)
    checks = recording.source_checks(_frame, trends, field=field, exclude_years=exclude)
    return shares, trends, checks


@st.cache_data(show_spinner=False, max_entries=40)
def _shifts_drawn(
    _frame: pd.DataFrame, key: str, field: str, exclude: tuple[int, ...], k: int
) -> tuple[pd.DataFrame, Suppression, list[shifts.ShareTrend]]:
    """The protected yearly shares and the trends quoting only what they show."""
    shares, trends, _ = _shifts(_frame, key, field, exclude, k)
    drawn, withheld = shift_protect.protect_shifts(
        shares, k=k, trend_years=shifts.shown_trend_years(trends, shares, exclude_years=exclude)
    )
    return drawn, withheld, shift_tables.quote_observed(trends, drawn)


@st.cache_data(show_spinner=False, max_entries=20)
def _missing(_frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return quality.missing_by_field(_frame)


@st.cache_data(show_spinner=False, max_entries=20)
def _coverage(_frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return quality.coverage_by_year(_frame)


@st.cache_data(show_spinner=False, max_entries=20)
def _coverage_protected(_frame: pd.DataFrame, key: str, k: int) -> tuple[pd.DataFrame, Suppression]:
    # read by the shifts and the data-quality tabs; a year's records are the registrations
    # chart's count, so a year withheld there is withheld here
    return quality.protect_coverage(
        _coverage(_frame, key), k=k, hidden_years=_withheld_years(_frame, key, k)
    )


@st.cache_data(show_spinner=False, max_entries=20)
def _country_counts(_frame: pd.DataFrame, key: str, by: str) -> pd.DataFrame:
    return world_map.country_counts(_frame, by=by)


def _based(n: int, one: str = "record", many: str | None = None, *, tail: str = "") -> str:
    """How many records a chart rests on, in the right number and at the threshold
    ('Based on 1 record with a year ...', 'Based on <10 records ...')."""
    return data_note(n, what=(many or one + "s") + tail, one=one + tail, k=k)


def _terms(*terms: str) -> None:
    """The tab's 'What the terms in this tab mean' list (core.glossary)."""
    with st.expander("What the terms in this tab mean"):
        st.markdown(glossary_markdown(terms))


def _too_small(what: str) -> None:
    st.info(
        f"{what} Every count here is below {counted(k, 'record')}, and small counts are hidden to "
        "protect the people in them. Widen the filters in the sidebar, or lower "
        "'Hide counts below' if your data-sharing rules allow it."
    )


tabs = st.tabs(
    [
        "1 · Flows between countries",
        "2 · Highest vs lowest volume",
        "3 · Tactics",
        "4 · Trends",
        "5 · Shifts toward groups",
        "6 · Data quality",
    ]
)


@st.fragment
def main_flows() -> None:
    """The Sankey of the main flows; its slider reruns only this section."""
    sankey_n = st.slider("Flows to show", 5, 30, 12, **bound("exp_sankey_n"))
    links = _sankey(ctx.frame, ctx.cache_key, sankey_n)
    if links.empty:
        st.info("No flows to draw: no record in view has both countries known.")
        return
    if protect.visible_row_count(links, k=k) == 0:
        _too_small("The flows in view are too small to draw.")
        return
    drawn, withheld = protect.protect_flows(links, k=k)
    chart_section(
        chart=country_charts.flows_sankey(drawn, title=headlines.sankey_headline(links)),
        table=drawn,
        caption=(
            f"{_based(flows.both_known, tail=' with both countries known')} The shares are "
            "of these records. Left: citizenship; right: country of exploitation."
        ),
        withheld=withheld,
        file_stem="explore_flows_sankey",
        k=k,
        count_columns=["count"],
        dependent_columns=["share"],
    )


#: The trend tables' columns, with their glossary entry as the header's tooltip.
TREND_COLUMNS_HELP = {
    column: st.column_config.Column(help=explain(term))
    for column, term in {
        "Observed at start (%)": "observed share",
        "Observed at end (%)": "observed share",
        "Fitted at start (%)": "fitted share",
        "Fitted at end (%)": "fitted share",
        "Change (points per decade)": "points per decade",
        "95% CI low": "95% interval",
        "95% CI high": "95% interval",
        "Holds with the pooled trend": "change of recording",
    }.items()
}

MAP_BY = {"citizenship": "Country of citizenship", "exploitation": "Country of exploitation"}


def _map_shown(by: str) -> int | None:
    """Records the map draws when placed ``by`` (None when it draws nothing)."""
    table = _country_counts(ctx.frame, ctx.cache_key, by)
    if table.empty:
        return None
    cells = world_map.map_cells(table, k=k)
    shown = cells["status"] == "shown"
    return int(cells.loc[shown, "count"].sum()) if shown.any() else None


@st.fragment
def world_map_section() -> None:
    """The world map of the records in view; its toggle reruns only this section."""
    by = st.radio(
        "Place each record by",
        list(MAP_BY),
        format_func=MAP_BY.get,
        horizontal=True,
        **bound("map_by"),
    )
    table = _country_counts(ctx.frame, ctx.cache_key, by)
    if table.empty:
        st.info(f"No record in view has its {MAP_BY[by].lower()} recorded.")
        return
    cells = world_map.map_cells(table, k=k)
    if not (cells["status"] == "shown").any():
        _too_small("The countries in view are too small to map.")
        return
    title = headlines.map_headline(cells, placed_by=MAP_BY[by].lower(), k=k)
    shown = int(cells.loc[cells["status"] == "shown", "count"].sum())
    chart_section(
        chart=world_map.world_map(table, k=k, by=by, title=title),
        table=cells,
        caption=(
            f"{_based(shown)} Records with the {MAP_BY[by].lower()} unknown are left "
            "out; the CSV also lists the countries too small to draw at this scale."
        ),
        file_stem=f"explore_map_{by}",
        k=k,
        count_columns=["count"],
    )


# ----------------------------------------------------------------------- 1. flows
with tabs[0]:
    st.header("Where victims come from and where they are exploited")
    left, right = st.columns(2)
    top_n = left.slider(
        "Countries on each axis",
        5,
        30,
        15,
        **bound("exp_top_n"),
        help="The countries with the most records (both countries known).",
    )
    scale = right.radio(
        "Colour scale",
        SCALES,
        horizontal=True,
        **bound("exp_scale"),
        help=explain("log colour scale"),
    )
    with st.spinner("Counting flows between countries…"):
        flows = _flows(ctx.frame, ctx.cache_key, top_n)
    if flows.both_known == 0:
        st.info(
            "No record in view has both its country of citizenship and its country of "
            "exploitation recorded, so there are no flows to show. Widen the filters "
            "in the sidebar."
        )
    elif protect.visible_row_count(flows.table, k=k) == 0:
        _too_small("The flows in view are too small to show.")
    else:
        drawn, withheld = protect.protect_flows(flows.table, k=k)
        drawn_flows = flows.with_table(drawn)
        chart_section(
            chart=country_charts.flows_heatmap(
                drawn_flows,
                title=headlines.flows_headline(flows, k=k),
                log=scale.startswith("Log"),
            ),
            table=drawn,
            caption=(
                f"{_based(drawn_flows.shown)} The top {top_n} countries on each axis, among "
                f"{counted(flows.both_known, 'record', k=k)} with both countries known. Empty cells: "
                f"no record (or fewer than {k}, hidden, or hidden to protect another)."
            ),
            withheld=withheld,
            file_stem="explore_flows_heatmap",
            k=k,
            count_columns=["count"],
            dependent_columns=["log10_count"],
        )
        bases.append(("Flows", "Heatmap of flows", drawn_flows.shown))

    st.markdown("**The main flows**")
    main_flows()

    st.markdown("**On the world map**")
    world_map_section()

    # The table of bases (Data quality) is drawn on full runs only, while the Sankey's
    # slider and the map's toggle rerun their fragment alone: so its rows for these two
    # charts must not depend on those controls. The Sankey's shares are of the records
    # with both countries known, whatever the number of flows drawn; the map is listed
    # under both placements, whichever one is on screen.
    if protect.visible_row_count(_sankey(ctx.frame, ctx.cache_key, 5), k=k) > 0:
        bases.append(("Flows", "Main flows (Sankey)", flows.both_known))
    for placement, placement_label in MAP_BY.items():
        on_map = _map_shown(placement)
        if on_map is not None:
            bases.append(("Flows", f"World map ({placement_label.lower()})", on_map))
    _terms(
        "flow",
        "country of citizenship",
        "country of exploitation",
        "log colour scale",
        "Sankey diagram",
        "world map",
        "hidden counts",
        "identified cases, not prevalence",
    )

# ----------------------------------------------------------------------- 2. top vs bottom
with tabs[1]:
    st.header("Do high- and low-volume countries differ in who is identified?")
    c1, c2, c3 = st.columns(3)
    by = c1.radio(
        "Countries by",
        list(countries.COUNTRY_FIELDS),
        **bound("exp_tb_by"),
        format_func=countries.COUNTRY_FIELDS.get,
    )
    n_countries = int(c2.number_input("Countries in each group", 1, 15, 5, **bound("exp_tb_n")))
    min_records = int(
        c3.number_input(
            "Minimum records for a country",
            1,
            100_000,
            200,
            step=50,
            **bound("exp_tb_min"),
            help="Countries with fewer records are left out, so the lowest group is not noise.",
        )
    )
    with st.spinner("Ranking countries…"):
        chosen = _countries(ctx.frame, ctx.cache_key, by, n_countries, min_records)
    if chosen.empty:
        st.info(
            f"No country has at least {counted(min_records, 'record')} in view. Lower the "
            "minimum above, or widen the filters in the sidebar."
        )
    else:
        if countries.BOTTOM_LABEL not in set(chosen["group"]):
            st.info(
                f"Only {counted(len(chosen), 'country', 'countries')} "
                f"{plural(len(chosen), 'has', 'have')} at least {counted(min_records, 'record')}, "
                "so there is no lowest-volume group to compare with. Lower the minimum or "
                "the number of countries per group."
            )
        st.caption(
            "Shares within each country (and each group, pooled), among its records with the "
            "field known, so countries of different size compare fairly."
        )
        for field, label in countries.PROFILE_FIELDS.items():
            table, pooled = _profiles(ctx.frame, ctx.cache_key, by, n_countries, min_records, field)
            n_known = aggregates.records_behind(pooled, by="group")
            if n_known == 0:
                st.info(f"{label}: not recorded for any record of these countries.")
                continue
            if protect.visible_row_count(table, k=k) == 0:
                _too_small(f"{label}: the counts are too small to show.")
                continue
            drawn, withheld = _profile_protected(
                ctx.frame, ctx.cache_key, by, n_countries, min_records, field, k
            )
            chart_section(
                chart=country_charts.profile_chart(
                    drawn,
                    title=headlines.profile_headline(pooled, field=field, k=k),
                    field_label=label,
                    categories=list(dict.fromkeys(table["category"])),
                    ordered=field != "gender",
                ),
                table=drawn,
                caption=(
                    f"{_based(n_known)} Records of the chosen countries "
                    f"({countries.COUNTRY_FIELDS[by].lower()}) with {label.lower()} known. "
                    f"A country with fewer than {k:,} of them is not drawn, and segments "
                    f"below {counted(k, 'record')} are hidden (so a bar can stop short of 100%)."
                ),
                withheld=withheld,
                file_stem=f"explore_profile_{field}",
                k=k,
                count_columns=["count", "known"],
                dependent_columns=["share"],
            )
            bases.append(("Highest vs lowest volume", label, n_known))
    _terms("highest- and lowest-volume countries", "pooled", "share of known", "hidden counts")

# ----------------------------------------------------------------------- 3. tactics
with tabs[2]:
    st.header("Which tactics are used most?")
    split = st.selectbox(
        "Split by",
        [None, *aggregates.SPLIT_FIELDS],
        **bound("exp_split"),
        format_func=lambda v: "No split" if v is None else aggregates.SPLIT_FIELDS[v],
    )
    split_label = aggregates.SPLIT_FIELDS[split] if split else None
    st.caption(
        "Shares follow the CTDC rule: among victims with at least one item of that kind "
        "recorded (records with none recorded gave no information and are left out). One "
        "victim can have several, so shares add up to more than 100%."
    )
    for group in ("means", "recruiter", "exploitation", "labour", "sex"):
        noun = FLAG_GROUPS[group].label
        with st.spinner(f"Counting {noun.lower()}…"):
            table = _tactics(ctx.frame, ctx.cache_key, group, split)
        if table.empty:
            st.info(f"{noun}: this data file has no such columns.")
            continue
        n_known = aggregates.records_behind(table, by=split)
        if n_known == 0:
            st.info(
                f"{noun}: no record in view has any recorded"
                f"{' (with ' + split_label.lower() + ' known)' if split_label else ''}."
            )
            continue
        if protect.visible_row_count(table, k=k) == 0:
            _too_small(f"{noun}: the counts are too small to show.")
            continue
        drawn, withheld = protect.protect_tactics(table, k=k, by=split)
        left_out = (
            f" Victims with {split_label.lower()} unknown are left out." if split_label else ""
        )
        chart_section(
            chart=charts.tactics_chart(
                drawn,
                title=headlines.tactics_headline(table, group=group, by=split, k=k),
                axis_title=f"Share of victims with any {noun.lower()} known",
                by=split,
                by_label=split_label,
                groups=list(dict.fromkeys(table[split])) if split else [],
            ),
            table=drawn,
            caption=_based(n_known, "victim", tail=f" with any {noun.lower()} recorded") + left_out,
            withheld=withheld,
            file_stem=f"explore_tactics_{group}",
            k=k,
            count_columns=["count", "known"],
            dependent_columns=["share"],
        )
        bases.append(("Tactics", noun, n_known))
    _terms(
        "means of control",
        "recruiter relation",
        "type of exploitation",
        "unknown is not zero",
        "share of known",
    )

# ----------------------------------------------------------------------- 4. trends
with tabs[3]:
    st.header("How have registrations trended?")
    with st.spinner("Counting registrations per year…"):
        yearly = _yearly(ctx.frame, ctx.cache_key)
        types = _yearly_types(ctx.frame, ctx.cache_key)
    if yearly.with_year == 0:
        st.info(
            "No record in view has a year of registration, so there is no trend to "
            "show. Widen the year range or the other filters in the sidebar."
        )
    elif protect.visible_row_count(yearly.table, k=k) == 0:
        _too_small("The yearly counts are too small to show.")
    else:
        if yearly.incomplete:
            st.warning(
                f"{year_span(yearly.incomplete)}: far fewer records than the years "
                "before, most likely because registration lags (cases reach the data years "
                "later). These years are marked, not dropped; do not read them as a fall.",
                icon="⏳",
            )
        drawn, withheld = _yearly_protected(ctx.frame, ctx.cache_key, k)
        chart_section(
            chart=charts.yearly_chart(
                drawn, title=headlines.yearly_headline(yearly, k=k, drawn=drawn)
            ),
            table=drawn,
            caption=(
                f"{_based(yearly.with_year)} "
                + (
                    f"{counted(yearly.no_year, 'record', k=k)} in view "
                    f"{plural(yearly.no_year, 'has', 'have')} no year and "
                    f"{plural(yearly.no_year, 'is', 'are')} not in this chart."
                    if yearly.no_year
                    else "Every record in view has a year."
                )
                if safe_share(yearly.with_year, len(ctx.frame), k)
                else f"Based on the records with a year; fewer than {k} records in view have "
                "no year (so their number and the records with a year are not shown). "
                "Identified cases, not prevalence."
            ),
            withheld=withheld,
            file_stem="explore_trend_total",
            k=k,
            count_columns=["count"],
        )
        bases.append(("Trends", "Registrations per year", yearly.with_year))
        drawn_types, withheld_types = protect.protect_by_type(types, k=k)
        chart_section(
            chart=charts.yearly_by_type_chart(
                drawn_types,
                title=headlines.type_trend_headline(types, incomplete=yearly.incomplete, k=k),
                incomplete=yearly.incomplete,
            ),
            table=drawn_types,
            caption=(
                f"{_based(yearly.with_year)} A victim recorded with several types counts "
                "in each. Grey band: likely incomplete years."
            ),
            withheld=withheld_types,
            file_stem="explore_trend_by_type",
            k=k,
            count_columns=["count"],
        )
        bases.append(("Trends", "Registrations per year by type", yearly.with_year))
    _terms("year of registration", "incomplete year", "type of exploitation")

# ----------------------------------------------------------------------- 5. shifts
with tabs[4]:
    st.header("Has trafficking shifted toward particular groups?")
    c1, c2 = st.columns(2)
    shift_field = c1.selectbox(
        "Group by",
        list(aggregates.SHIFT_FIELDS),
        **bound("exp_shift_field"),
        format_func=lambda f: aggregates.SHIFT_FIELDS[f],
    )
    skip_incomplete = c2.checkbox(
        "Leave likely incomplete years out of the trend",
        value=True,
        **bound("exp_shift_skip"),
        help=explain("incomplete year"),
    )
    shift_label = aggregates.SHIFT_FIELDS[shift_field]
    yearly_all = _yearly(ctx.frame, ctx.cache_key)
    exclude = tuple(yearly_all.incomplete) if skip_incomplete else ()
    with st.spinner("Fitting a trend for each group…"):
        shares, trends, checks = _shifts(ctx.frame, ctx.cache_key, shift_field, exclude, k)
    n_known = aggregates.records_behind(shares, by="year")
    if n_known == 0:
        st.info(
            f"No record in view has both a year and {shift_label.lower()} recorded. Widen the "
            "filters in the sidebar."
        )
    elif protect.visible_row_count(shares, k=k) == 0:
        _too_small("The yearly shares are too small to show.")
    else:
        # no withheld share in a sentence: the trends quote only what the chart shows
        drawn, withheld, trends = _shifts_drawn(ctx.frame, ctx.cache_key, shift_field, exclude, k)
        derived_note = (
            " Minor/adult is as given, or derived from the age band where missing."
            if shift_field == "majorityStatusAtExploit"
            else ""
        )
        chart_section(
            chart=shift_charts.shares_chart(
                drawn,
                title=headlines.shares_headline(trends, checks=checks),
                field_label=shift_label,
                labels=list(dict.fromkeys(shares["label"])),
                ordered=shift_field == "ageBroad",
                incomplete=yearly_all.incomplete,
            ),
            table=drawn,
            caption=(
                _based(n_known, tail=f" with a year and {shift_label.lower()} known")
                + " Faded bars: likely incomplete years."
                + derived_note
            ),
            withheld=withheld,
            file_stem=f"explore_shift_{shift_field}",
            k=k,
            count_columns=["count", "known"],
            dependent_columns=["share"],
        )
        bases.append(("Shifts", f"Shares by {shift_label.lower()} per year", n_known))
        st.markdown("**Trend per group** (binomial model of the share on year)")
        st.markdown("\n".join(f"- {t.sentence()}" for t in trends))
        within_sources = [c.sentence(k=k) for c in checks.values() if c.sentence(k=k)]
        if within_sources:
            st.markdown("**Within each way of recording**")
            for text in within_sources:
                if "change of recording" in text or "does not hold" in text:
                    st.warning(text, icon="🗂️")
                else:
                    st.markdown(text)
        fitted_years = [(t.first_year, t.last_year) for t in trends if t.ok]
        if fitted_years and not checks:  # a field recorded one way: does its coverage move?
            drawn_cov, _ = _coverage_protected(ctx.frame, ctx.cache_key, k)
            note = quality.coverage_note(
                drawn_cov,
                column=shift_field,
                first=min(a for a, _ in fitted_years),
                last=max(b for _, b in fitted_years),
            )
            if note:
                st.info(note, icon="🗂️")
        st.caption(
            "Change per decade: the average change of the fitted share, in percentage points "
            "per ten years; the 95% interval allows for year-to-year swings beyond chance "
            "(quasi-binomial, Student's t on the years minus 2). 'Fitted' shares are on the "
            "trend line, 'observed' ones are the year's records. A change is called a shift "
            f"only when it is at least {shifts.MIN_CHANGE:g} points per decade, its interval "
            "excludes no change and, for minor/adult status, it holds both where the status "
            "is given in the file and where it is derived from the age band. "
            + ("Likely incomplete years are left out of the fit. " if exclude else "")
            + "A shift in who is *identified* can reflect where partners work, not only who is "
            "trafficked."
        )
        fitted = {t.category: t for t in trends if t.ok}
        if fitted:
            focus = st.selectbox(
                "Look closer at",
                list(fitted),
                **bound("exp_shift_focus", options=list(fitted)),
                format_func=lambda c: category_label(shift_field, c),
            )
            trend = fitted[focus]
            observed = drawn[drawn["category"] == focus]
            # the fitted line's values would give back a withheld year's count
            line_withheld = bool(
                shift_protect.fitted_years_withheld(
                    observed,
                    first_year=trend.first_year,
                    last_year=trend.last_year,
                    exclude_years=exclude,
                )
            )
            curve = shift_tables.trend_curve(trend)
            chart_section(
                chart=shift_charts.trend_chart(
                    observed,
                    curve.iloc[0:0] if line_withheld else curve,
                    title=checks[focus].title() if focus in checks else trend.headline(),
                    label=trend.label.lower(),
                    incomplete=yearly_all.incomplete,
                ),
                table=observed,
                caption=(
                    f"{_based(trend.n_records)} Dots: observed share (size: records); "
                    + (
                        "the fitted line is not drawn, because with the counts shown its "
                        "values would give back a withheld year's count."
                        if line_withheld
                        else "line: fitted trend."
                    )
                ),
                file_stem=f"explore_shift_trend_{shift_field}",
                k=k,
                count_columns=["count", "known"],
                dependent_columns=["share"],
            )
            bases.append(("Shifts", f"Trend for {trend.label}", trend.n_records))
        show_table(
            shift_tables.trends_table(trends),
            name=f"explore_shift_table_{shift_field}",
            k=k,
            count_columns=["Records"],
            caption="The trend of every group, with its 95% interval.",
            column_config=TREND_COLUMNS_HELP,
        )
        if checks:
            show_table(
                recording.source_trends_table(checks),
                name=f"explore_shift_sources_{shift_field}",
                k=k,
                column_config=TREND_COLUMNS_HELP,
                caption=(
                    "The same trends within each way minor/adult status is recorded. A way "
                    "enters a year only where it holds at least "
                    f"{recording.MIN_SOURCE_SHARE:.0%} of that year's records with a status."
                ),
            )

    _terms(
        "shift",
        "percentage points",
        "points per decade",
        "trend line",
        "fitted share",
        "observed share",
        "95% interval",
        "quasi-binomial",
        "Student's t",
        "majority status",
        "given majority status",
        "derived majority status",
        "change of recording",
        "incomplete year",
    )

# ----------------------------------------------------------------------- 6. data quality
with tabs[5]:
    st.header("How complete are the records in view?")
    missing = _missing(ctx.frame, ctx.cache_key)
    m1, m2, m3 = st.columns(3)
    m1.metric("Records in view", format_count(len(ctx.frame), k))
    # beside the records in view, "with a year" gives the records without one back
    m2.metric(
        "With a year",
        format_count(yearly.with_year, k)
        if safe_share(yearly.with_year, len(ctx.frame), k)
        else "withheld",
    )
    m3.metric(
        "Of all records",
        f"{len(ctx.frame) / len(ctx.full):.0%}"
        if safe_share(len(ctx.frame), len(ctx.full), k)
        else "withheld",
    )
    drawn, withheld = protect.protect_missing(missing, k=k)
    chart_section(
        chart=charts.missing_chart(drawn, title=headlines.missing_headline(missing)),
        table=drawn,
        caption=(
            f"{_based(len(ctx.frame))} A group of flags (e.g. means of control) counts "
            "as missing when none of its flags is set; sub-types of labour and sexual "
            "exploitation are counted over all records, not only those of that type."
        ),
        withheld=withheld,
        file_stem="explore_quality_missing",
        k=k,
        count_columns=["missing"],
        dependent_columns=["missing_share"],
    )
    bases.append(("Data quality", "Missing share per field", len(ctx.frame)))
    coverage = _coverage(ctx.frame, ctx.cache_key)
    if not coverage.empty and protect.visible_row_count(coverage, k=k) > 0:
        drawn_cov, withheld_cov = _coverage_protected(ctx.frame, ctx.cache_key, k)
        chart_section(
            chart=charts.coverage_chart(drawn_cov, title=quality.coverage_headline(drawn_cov)),
            table=drawn_cov,
            caption=(
                f"{_based(yearly.with_year)} Share of each year's records with the field "
                "given (a group of flags: with any of its flags set), written in each cell in per "
                "cent. A field whose recording "
                "changes over the years can make a trend out of a change of recording: read "
                "the shifts tab beside this."
            ),
            withheld=withheld_cov,
            file_stem="explore_quality_coverage",
            k=k,
            count_columns=["count", "known"],
            dependent_columns=["share"],
        )
        bases.append(("Data quality", "Share given per year", yearly.with_year))
    st.markdown("**How many records each chart rests on**")
    show_table(
        quality.chart_bases(bases),
        name="explore_quality_bases",
        k=k,
        count_columns=["Records"],
        height=36 * (len(bases) + 1) + 4,
        caption="Each chart uses only the records where what it shows is known.",
    )
    _terms("missing", "share given per year", "change of recording", "records a chart rests on")
