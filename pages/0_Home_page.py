"""Home: what the tool is for, the active data, headline numbers."""

import streamlit as st

from core.app import CITATION, page_links, setup_page
from core.data.layouts import LAYOUT_2021, LAYOUTS
from core.data.summary import headline, headline_text
from core.glossary import explain, glossary_markdown
from core.privacy import is_small, withheld_reason
from core.words import counted, plural, release_sentence

#: The terms Home shows, explained in "What the terms on this page mean".
TERMS = [
    "record",
    "identified cases, not prevalence",
    "synthetic records",
    "Female",
    "minor",
    "majority status",
    "derived majority status",
    "year of registration",
    "unknown is not zero",
    "hidden counts",
    "release layout",
    "differential privacy",
]

ctx = setup_page(
    "CTDC Explorer",
    icon="🧭",
    intro=(
        "A self-service explorer of the Counter Trafficking Data Collaborative (CTDC) "
        "victim data, for people who fight human trafficking. Filter the records in the "
        "sidebar; every page follows your choices, and the link in your address bar "
        "reproduces the view."
    ),
)

summary = headline(ctx.frame)
shown = headline_text(summary, k=ctx.k)
st.header("The records in view")
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Records", shown.records, help=explain("record"))
c2.metric("Years covered", shown.years, help=explain("year of registration"))
c3.metric("Countries", shown.countries, help=shown.countries_help)
c4.metric("Female", shown.female, help=f"{shown.female_help} {explain('Female')}")
c5.metric("Minors", shown.minors, help=f"{shown.minors_help} {explain('minor')}")
no_year = summary.records - summary.records_with_year
if no_year == 0:
    dated = "Every record in view has a year of registration."
elif shown.no_year == "withheld":
    dated = (
        "The number of records in view with no year of registration is withheld: it "
        f"{withheld_reason(ctx.k)}."
    )
else:
    has = "have" if is_small(no_year, ctx.k) else plural(no_year, "has", "have")
    dated = f"{counted(no_year, 'record', k=ctx.k)} in view {has} no year of registration."
st.caption(f"{dated} Shares use the records where the field is known.")

st.header("What you can do here")
page_links()

st.header("Read the numbers with care")
st.markdown(
    """
- **Identified cases, not prevalence.** Each record is a victim identified or assisted by a
  CTDC partner. Counts show who was identified and where partners work, not how many people
  are trafficked.
- **Not a random sample.** Countries, years and forms of exploitation are represented as far
  as partners record them; a country with few records is not a country with little trafficking.
- **Synthetic records.** The CTDC publishes a synthetic dataset that keeps the statistical
  patterns of the real records while protecting the people in them; counts come in
  multiples of 10.
- **Unknown is not zero.** Within a group of flags (e.g. means of control), a record with no
  flag set gave no information and is left out of that group's percentages (the CTDC's rule).
- **Recent years are incomplete.** Registration lags, so the last years hold fewer records.
"""
)

st.header("How to cite")
st.code(CITATION, language=None)

st.header("The data in use")
layout = next((x for x in LAYOUTS if x.release == ctx.result.release), None)
st.markdown(
    f"**{ctx.source.label}**. "
    + release_sentence(ctx.result.release, layout.lacks if layout else (), base=LAYOUT_2021.release)
    + " To analyse your own CTDC file, open **Use your own CTDC file** in the sidebar; it "
    "stays in your session only."
)
with st.expander("About the active data file"):
    st.write(f"Release detected: {ctx.result.release}")
    st.write(f"Columns recognised: {len(ctx.result.columns_recognised)}")
    for warning in ctx.result.warnings:
        st.write(f"- {warning}")

with st.expander("What the terms on this page mean"):
    st.markdown(glossary_markdown(TERMS))
