"""Clusters: K-means on chosen columns, a 3D view, cluster profiles and the records behind them."""

import pandas as pd
import streamlit as st

from core.app import bound, setup_page, show_altair, show_plotly
from core.clusters.charts import (
    SCATTER_SAMPLE,
    elbow_chart,
    scatter_3d,
    scatter_sample,
    silhouette_chart,
)
from core.clusters.disclosure import (
    WITHHELD,
    listable_records,
    protect_profiles,
    protect_view,
    withhold_descriptions,
)
from core.clusters.kmeans import (
    N_CLUSTERS_RANGE,
    SEED,
    SILHOUETTE_SAMPLE,
    Clustering,
    fit_kmeans,
    method_note,
    n_clusters_diagnostics,
)
from core.clusters.prepare import (
    COUNTRY_COLUMNS,
    ClusterError,
    ClusterInput,
    clustering_columns,
    column_label,
    prepare,
)
from core.clusters.profiles import cluster_profiles, labelled_records, scatter_title
from core.clusters.table import display_records, filter_records, table_filters
from core.clusters.words import (
    TERMS,
    coverage_lead,
    coverage_sentence,
    glossary_help,
    records_note,
)
from core.data.schema import is_flag_column
from core.export import csv_bytes
from core.glossary import explain, glossary_markdown
from core.privacy import format_count
from core.words import listed

ctx = setup_page(
    "Clusters",
    icon="🧩",
    intro=(
        "Group the records on several columns at once with K-means, see what each group "
        "looks like, and read the records behind a group. Clusters describe the identified "
        "cases in the data, not all victims of trafficking."
    ),
)

ENCODING_LABELS = {
    "label": "Label codes (as the original analysis)",
    "onehot": "One-hot (one 0/1 column per value)",
}
JITTER = 0.6


# One shared copy per setting for all sessions (st.cache_data would unpickle a fresh copy of
# the prepared records on every rerun); the page and core only read these objects.
@st.cache_resource(show_spinner=False, max_entries=20)
def _cluster(
    _frame: pd.DataFrame,
    key: str,
    columns: tuple[str, ...],
    encoding: str,
    scale: bool,
    n_clusters: int,
    k: int,
) -> str | tuple[ClusterInput, Clustering, pd.DataFrame, pd.DataFrame]:
    """Prepare, fit and profile; a ClusterError becomes its message (shown as a warning)."""
    try:
        prepared = prepare(_frame, columns=columns, encoding=encoding, scale=scale)
        clustering = fit_kmeans(prepared, n_clusters=n_clusters)
    except ClusterError as exc:
        return str(exc)
    return (
        prepared,
        clustering,
        cluster_profiles(prepared, clustering, k=k),
        labelled_records(prepared, clustering),
    )


# ------------------------------------------------------------------ settings
choices = clustering_columns(ctx.frame)
st.header("Settings")
c1, c2, c3, c4 = st.columns(4)
# The number of clusters is n_clusters in the code (k is the small-cell threshold); its URL
# key stays "cl_k" so that links already shared open the same view.
n_clusters = c1.slider(
    "Number of clusters",
    min_value=N_CLUSTERS_RANGE[0],
    max_value=N_CLUSTERS_RANGE[-1],
    value=4,
    **bound("cl_k"),
)
x = c2.selectbox(
    "X axis",
    choices,
    index=choices.index("ageMid"),
    format_func=column_label,
    **bound("cl_x", options=choices),
)
y = c3.selectbox(
    "Y axis",
    choices,
    index=choices.index("yearOfRegistration"),
    format_func=column_label,
    **bound("cl_y", options=choices),
)
z = c4.selectbox(
    "Z axis",
    choices,
    index=choices.index("gender"),
    format_func=column_label,
    **bound("cl_z", options=choices),
)
extra = st.multiselect(
    "Columns for clustering",
    choices,
    format_func=column_label,
    **bound("cl_extra", options=choices),
    placeholder="X, Y and Z only",
    help="X, Y and Z are always included; add more columns here. Every column you add "
    "leaves out the records where it is missing.",
)
o1, o2, o3 = st.columns([1, 2, 1])
scale = o1.checkbox(
    "Scale data?",
    value=True,
    **bound("cl_scale"),
    help=glossary_help("standardised"),
)
encoding = o2.radio(
    "Categorical columns as",
    list(ENCODING_LABELS),
    format_func=ENCODING_LABELS.get,
    horizontal=True,
    **bound("cl_encoding"),
    help=glossary_help("label codes", "one-hot"),
)
jitter = o3.checkbox(
    "Spread identical points",
    value=True,
    **bound("cl_jitter"),
    help="Banded data put many records on the same spot. "
    + glossary_help("jitter")
    + " Hover shows the true values.",
)
columns = tuple(dict.fromkeys([x, y, z, *extra]))
if encoding == "label" and any(c in COUNTRY_COLUMNS for c in columns):
    st.caption(
        "Label codes number countries alphabetically, so the 'distance' between two "
        "countries means nothing; one-hot treats every two countries as equally far apart."
    )
if any(is_flag_column(c) for c in columns):
    st.caption(
        "A flag counts 1 where it is set and 0 otherwise; 0 includes records that "
        "said nothing about that group of flags."
    )

with st.spinner("Clustering the records…"):
    outcome = _cluster(ctx.frame, ctx.cache_key, columns, encoding, scale, n_clusters, ctx.k)
if isinstance(outcome, str):
    st.warning(outcome, icon="⚠️")
    st.stop()
prepared, clustering, profiles, records = outcome
view_protection = protect_view(prepared, profiles["Records"], k=ctx.k)
cover, sizes = view_protection.coverage, view_protection.sizes
profiles = withhold_descriptions(profiles, sizes)  # no sentence of a withheld cluster
# The number clustered as the page may print it: None when the coverage withholds it
# (with the sizes shown it would give back the number left out, or a withheld size).
clustered_n = None if cover.kept is None else prepared.kept
clustered_what = "records" if clustered_n is not None else "clustered records"
lead = coverage_lead(cover)
listable = listable_records(records, sizes, k=ctx.k)
hidden = [int(c) for c in profiles.loc[sizes.withheld, "Cluster"]]
hidden_note = (
    f"Records of cluster{'s' if len(hidden) > 1 else ''} "
    f"{listed([str(c) for c in hidden])} are not listed: "
    f"{'their sizes are' if len(hidden) > 1 else 'its size is'} withheld."
    if hidden
    else ""
)

st.info(coverage_sentence(cover))
st.caption(method_note(prepared, clustering, k=ctx.k, cover=cover))
with st.expander("What the terms on this page mean"):
    st.markdown(glossary_markdown(TERMS))

# ------------------------------------------------------------------ 3D view (filled below)
st.header("The clusters in 3D")
view = st.container()
with view:
    follow = st.checkbox(
        "Show only the records that match the table's filters (below)", **bound("cl_follow")
    )

# ------------------------------------------------------------------ profiles
st.header("What each cluster looks like")
if lead:
    st.markdown(f"**{lead.strip()}**")
st.markdown("\n".join(f"- {text}" for text in profiles["Description"]))
st.dataframe(
    protect_profiles(profiles, sizes, k=ctx.k, clustered_withheld=clustered_n is None).astype(
        {"Records": str, "Share (%)": str}
    ),
    hide_index=True,
)
withheld_sentence = sizes.caption()
st.caption(
    f"{records_note(clustered_n, k=ctx.k, what=clustered_what)} Mean of numbers, most "
    "common value of categories (with its share in the cluster), share of records with "
    f"each flag; a share that would reveal fewer than {ctx.k} records is left out. "
    f"'{WITHHELD}' marks the size of a cluster with fewer than {ctx.k} records, and of "
    "the fewest others that keep it from being worked out from the total; the other "
    "statistics of such a cluster are left out too."
    + (f" {withheld_sentence}" if withheld_sentence else "")
)
st.download_button(
    "Data (CSV)",
    data=lambda: csv_bytes(
        protect_profiles(
            profiles, sizes, k=ctx.k, for_export=True, clustered_withheld=clustered_n is None
        )
    ),
    file_name="cluster_profiles.csv",
    mime="text/csv",
    key="dl_csv_cluster_profiles",
    on_click="ignore",
    icon=":material/download:",
)

# ------------------------------------------------------------------ choosing k
st.header("How many clusters?")
st.caption(
    f"The elbow (spread within clusters) and silhouette score (how well clusters separate, "
    f"on a random sample of {SILHOUETTE_SAMPLE:,} records) for k = {N_CLUSTERS_RANGE[0]} to "
    f"{N_CLUSTERS_RANGE[-1]}, with the current columns and options. Computed on request: it "
    f"fits {len(N_CLUSTERS_RANGE)} models."
)
diag_key = (ctx.cache_key, columns, encoding, scale)
if st.button(f"Compute for k = {N_CLUSTERS_RANGE[0]} to {N_CLUSTERS_RANGE[-1]}", key="cl_diag_go"):
    bar = st.progress(0.0, text="Starting…")
    diagnostics = n_clusters_diagnostics(
        prepared, progress=lambda done, text: bar.progress(done, text=text)
    )
    bar.empty()
    st.session_state["cl_diagnostics"] = (diag_key, diagnostics)
stored = st.session_state.get("cl_diagnostics")
if stored is not None and stored[0] == diag_key:
    diagnostics = stored[1]
    if diagnostics["inertia"].isna().any():
        st.info(
            f"Some k are left out: these records hold only {prepared.n_distinct:,} "
            "distinct combinations of values, and k cannot exceed that."
        )
    left, right = st.columns(2)
    with left:
        show_altair(
            elbow_chart(diagnostics, n_clusters=n_clusters),
            diagnostics,
            name="cluster_elbow",
            k=ctx.k,
            caption=records_note(clustered_n, k=ctx.k, what=clustered_what)
            + " Look for the bend: beyond "
            "it, more clusters explain little more. " + explain("inertia"),
        )
    with right:
        show_altair(
            silhouette_chart(diagnostics, n_clusters=n_clusters),
            diagnostics,
            name="cluster_silhouette",
            k=ctx.k,
            caption=(
                records_note(min(prepared.kept, SILHOUETTE_SAMPLE), k=ctx.k, what="sampled records")
                if clustered_n is not None or prepared.kept > SILHOUETTE_SAMPLE
                else records_note(None, k=ctx.k, what="clustered records, all of them")
            )
            + " Higher is better; above 0.5 means well separated groups. "
            + explain("silhouette"),
        )

# ------------------------------------------------------------------ record table
st.header("The records behind the clusters")
st.caption(
    "Individual records with their cluster. Choose values or ranges to narrow the "
    "table (empty = everything), e.g. citizenship = United States."
)


def record_table() -> pd.DataFrame:
    """The table's filters, the records they list, the caption and the CSV of exactly
    those records; returns them (the 3D view follows them when asked to)."""
    values: dict[str, list] = {}
    ranges: dict[str, tuple[float, float]] = {}
    with st.expander("Filter the records", expanded=True):
        boxes = st.columns(3)
        for i, spec in enumerate(table_filters(records, columns=["cluster", *prepared.columns])):
            box, key = boxes[i % 3], f"cl_t_{spec.column}"
            if spec.kind == "values":
                names = dict(zip(spec.options, spec.labels, strict=True))
                values[spec.column] = box.multiselect(
                    # Named as the table's, so no label repeats the sidebar's filters.
                    f"Table filter: {spec.label}",
                    spec.options,
                    **bound(key, options=spec.options),
                    format_func=names.get,
                    placeholder="All",
                )
            elif spec.low < spec.high:
                if key in st.session_state:  # a remembered range kept inside this data's
                    lo, hi = st.session_state[key]
                    lo, hi = max(lo, spec.low), min(hi, spec.high)
                    st.session_state[key] = (lo, hi) if lo <= hi else (spec.low, spec.high)
                ranges[spec.column] = box.slider(
                    f"Table filter: {spec.label}",
                    min_value=spec.low,
                    max_value=spec.high,
                    step=spec.step,
                    value=(spec.low, spec.high),
                    **bound(key),
                    format="%d" if isinstance(spec.step, int) else "%.1f",
                )
            else:
                box.caption(f"{spec.label}: every record has {spec.low:g}.")
    # Only records a listing may show (none of a withheld cluster; never 1..k-1 of them).
    matching = filter_records(listable, values=values, ranges=ranges)
    filtered = listable_records(matching, sizes, k=ctx.k)
    if filtered.empty:
        if len(matching):
            st.info(
                f"Fewer than {ctx.k} of the listed records match these table filters, so none "
                "is shown (a short list would give a small count away); clear some filters."
            )
        else:
            st.info("No record matches these table filters; clear some of them to see records.")
    else:
        st.dataframe(display_records(filtered), hide_index=True, height=380)
    st.caption(
        (
            f"{format_count(len(filtered), ctx.k)} of the "
            + ("" if clustered_n is None else f"{format_count(clustered_n, ctx.k)} ")
            + "clustered records match. "
            if len(filtered)
            else ""
        )
        + (f"{hidden_note} " if hidden_note else "")
        + "Identified cases, not prevalence."
    )
    st.download_button(
        "Records (CSV)",
        data=lambda: csv_bytes(display_records(filtered)),
        file_name="cluster_records.csv",
        mime="text/csv",
        key="cl_dl_records",
        on_click="ignore",
        icon=":material/download:",
        disabled=filtered.empty,
    )
    return filtered


# The table's filters change only the table, its caption and its CSV, so the table runs
# as a fragment: a filter change reruns it alone. When the 3D view follows the filters
# (the box above), a filter change must redraw the view too, so the table then runs with
# the page. Either way each filter stays bound to its URL parameter.
filtered = (record_table if follow else st.fragment(record_table))()


# ------------------------------------------------------------------ 3D view
with view:
    shown = filtered if follow else listable
    if shown.empty and (follow and len(listable)):
        st.info(
            "No record matches the table's filters, so there is nothing to draw. Clear "
            "some filters in the record table or untick the box above."
        )
    elif shown.empty:
        st.info(
            "Nothing to draw: the clusters are too small to show their records "
            f"(every cluster, or what is left beside them, has fewer than {ctx.k}). "
            "Widen the filters in the sidebar or choose fewer clusters."
        )
    else:
        plotted = scatter_sample(shown, size=SCATTER_SAMPLE, seed=SEED)
        title = scatter_title(
            profiles,
            subset=shown if follow else None,
            k=ctx.k,
            # No share of the clustered records beside the sizes when their number is withheld.
            withheld=sizes.withheld if clustered_n is not None else [True] * len(profiles),
            lead=lead,
        )
        figure = scatter_3d(plotted, x=x, y=y, z=z, title=title, jitter=JITTER if jitter else 0.0)
        drawn = (
            f"A random sample of {format_count(len(plotted), ctx.k)} of these "
            f"{format_count(len(shown), ctx.k)} records is drawn so that the browser stays "
            "responsive; the clusters use all of them."
            if len(plotted) < len(shown)
            else f"All {format_count(len(shown), ctx.k)} records are drawn."
        )
        if hidden_note:
            drawn += f" {hidden_note}"
        spread = (
            " Points are spread slightly so that identical records do not hide each "
            "other; hover shows the true values."
            if jitter
            else ""
        )
        show_plotly(
            figure,
            display_records(plotted),
            name="cluster_3d",
            k=ctx.k,
            caption=f"{records_note(len(plotted), k=ctx.k)} {drawn}{spread}",
            data_table=False,  # its records are the record table below
        )
