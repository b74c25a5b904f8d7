"""Country briefs: what the data say about one country, on screen and as Word and PDF.

- :mod:`core.brief.profile`: :func:`country_profile`, the protected sections of one
  country as country of citizenship and as country of exploitation, each with its
  finding sentence;
- :mod:`core.brief.sections`: :class:`Section` and one builder per section (records per
  year, sex and age, age bands, flag groups, partner countries, completeness);
- :mod:`core.brief.protect`: the protection steps the sections share (complementary
  suppression of a table, the cell linking age bands to girls / women / boys / men);
- :mod:`core.brief.charts`: one Altair chart per section (no browser needed for PNG);
- :mod:`core.brief.document`: the brief as a Word document and as a PDF (a list of
  blocks, rendered by :func:`~core.brief.document.render_docx` and
  :func:`~core.brief.document.render_pdf`);
- :mod:`core.brief.hidden`: the hidden-population brief (survey counts, method,
  protected estimates) in the same two formats.

No Streamlit here: the pages (``pages/6_Country_brief.py``,
``pages/3_Hidden_populations.py``) and the command (``python -m core brief``) call these.
"""

from core.brief.profile import (
    CITATION,
    CountryProfile,
    Perspective,
    country_choices,
    country_profile,
    most_named,
)
from core.brief.sections import Section

__all__ = [
    "CITATION",
    "CountryProfile",
    "Perspective",
    "Section",
    "country_choices",
    "country_profile",
    "most_named",
]
