"""Country brief: what the records in view say about one country, and the brief to download.

Pick a country by name; the page shows it as country of citizenship and as country of
exploitation, section by section (each chart titled by its finding), and offers the
whole brief as a Word document and as a PDF. Everything comes from
:func:`core.brief.country_profile`, which protects every count.
"""

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.app import DEMO_LABEL, adopt_from_link, bound, setup_page
from core.app.outputs import chart_section
from core.brief import CountryProfile, country_choices, country_profile, most_named
from core.brief.charts import section_chart
from core.brief.document import brief_images, country_docx, country_pdf

ctx = setup_page(
    "Country brief",
    icon="🗺️",
    intro=(
        "Everything the records in view say about one country: as the country of "
        "citizenship of victims and as the country where they were exploited. Each section "
        "states its finding; the whole brief downloads as Word or PDF, ready to attach. "
        "Counts are of **identified** victims, not prevalence."
    ),
)
k = ctx.k


@st.cache_data(show_spinner=False, max_entries=10)
def _choices(_frame: pd.DataFrame, key: str) -> dict[str, str]:
    return country_choices(_frame)


@st.cache_data(show_spinner="Building the country's profile…", max_entries=20)
def _profile(_frame: pd.DataFrame, key: str, country: str, k: int) -> CountryProfile:
    return country_profile(_frame, country=country, k=k)


@st.cache_data(show_spinner=False, max_entries=10)
def _images(
    _profile: CountryProfile, key: str, country: str, k: int, filters: str, release: str
) -> list[bytes]:
    return brief_images(_profile, filters_text=filters, release=release)


choices = _choices(ctx.frame, ctx.cache_key)
codes = list(choices)
if not codes:
    st.info("No record in view names a country. Widen the filters in the sidebar.")
    st.stop()
# The widget writes the country's name in the URL; a link with its ISO code
# (?country=UKR, as the command line and other tools write it) opens the same view.
asked = (st.query_params.get("country") or "").strip().upper()
if "country" not in st.session_state and asked in choices:
    adopt_from_link("country", asked, written=choices[asked])
code = st.selectbox(
    "Country",
    codes,
    index=codes.index(most_named(ctx.frame) or codes[0]),
    format_func=lambda c: choices.get(c, c),
    help="Countries named in the records in view, as citizenship or country of exploitation.",
    **bound("country", options=codes),
)
profile = _profile(ctx.frame, ctx.cache_key, code, k)
filters_text = f"{ctx.filters.describe()}; counts below {k} withheld"

# ----------------------------------------------------------------------- downloads
query = st.query_params.to_dict()
query["country"] = choices.get(code, code)
base = str(st.context.url or "").split("?")[0] or "Country_brief"
link = f"{base}?{urlencode(query)}"
notes = [f"{DEMO_LABEL}."] if ctx.is_demo else []


def _pictures() -> list[bytes]:
    return _images(profile, ctx.cache_key, code, k, filters_text, ctx.result.release)


def _word() -> bytes:
    return country_docx(
        profile,
        filters_text=filters_text,
        link=link,
        release=ctx.result.release,
        images=_pictures(),
        notes=notes,
    )


def _pdf() -> bytes:
    return country_pdf(
        profile,
        filters_text=filters_text,
        link=link,
        release=ctx.result.release,
        images=_pictures(),
        notes=notes,
    )


st.caption(
    "The brief holds every section below: the findings, each chart as an image with its "
    "source line, the filters, a link back to this view, the CTDC's caveats and the citation."
)
left, right, _ = st.columns([1, 1, 3])
left.download_button(
    "Brief (Word)",
    data=_word,
    file_name=f"ctdc_brief_{code}.docx",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    key="brief_docx",
    on_click="ignore",
    icon=":material/description:",
)
right.download_button(
    "Brief (PDF)",
    data=_pdf,
    file_name=f"ctdc_brief_{code}.pdf",
    mime="application/pdf",
    key="brief_pdf",
    on_click="ignore",
    icon=":material/picture_as_pdf:",
)

# ----------------------------------------------------------------------- the sections
tabs = st.tabs([p.heading for p in profile.perspectives])
for tab, perspective in zip(tabs, profile.perspectives, strict=True):
    with tab:
        st.markdown(f"**{perspective.summary}**")
        for section in perspective.sections:
            st.header(section.title)
            chart = section_chart(section)
            if chart is None:
                st.info(section.finding)
                if section.caption:
                    st.caption(section.caption)
                continue
            chart_section(
                chart=chart,
                table=section.table,
                caption=section.caption,
                file_stem=f"brief_{perspective.role}_{section.key}",
                k=k,
                count_columns=list(section.count_columns),
                dependent_columns=list(section.dependent_columns),
            )
