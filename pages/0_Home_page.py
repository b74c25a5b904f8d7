"""Home: what the tool is for, the active data, headline numbers."""

import streamlit as st

from core.app import CITATION, page_links, setup_page
from core.data.summary import headline, headline_text

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

shown = headline_text(headline(ctx.frame), k=ctx.k)
st.subheader("The records in view")
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Records", shown.records)
c2.metric("Years covered", shown.years)
c3.metric("Countries", shown.countries, help=shown.countries_help)
c4.metric("Female", shown.female, help=shown.female_help)
c5.metric("Minors", shown.minors, help=shown.minors_help)
st.caption(
    f"{shown.no_year} of these records have no year of registration. "
    "Shares use the records where the field is known."
)

st.subheader("What you can do here")
page_links()

st.subheader("Read the numbers with care")
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

st.subheader("How to cite")
st.code(CITATION, language=None)

st.subheader("The data in use")
st.markdown(
    f"**{ctx.source.label}**, read as: {ctx.result.release}. To analyse your own CTDC file, "
    "open **Use your own CTDC file** in the sidebar; it stays in your session only."
)
with st.expander("About the active data file"):
    st.write(f"Release detected: {ctx.result.release}")
    st.write(f"Columns recognised: {len(ctx.result.columns_recognised)}")
    for warning in ctx.result.warnings:
        st.write(f"- {warning}")
