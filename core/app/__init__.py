"""App glue: the one package of ``core`` that imports Streamlit.

- :mod:`core.app.page`: the entry point's navigation, the shared run, each page's header;
- :mod:`core.app.sidebar`: the filters and the small-cell threshold (with its floor);
- :mod:`core.app.state`: the one mechanism that keeps a choice in the URL;
- :mod:`core.app.data`: the active data (cached) and uploads;
- :mod:`core.app.outputs`: charts and tables with their captions and downloads.
"""

from core.app.outputs import chart_section, data_note, show_altair, show_plotly, show_table
from core.app.page import (
    CITATION,
    DEMO_LABEL,
    PAGES,
    PageContext,
    existing_pages,
    on_a_phone,
    page_links,
    run_app,
    setup_page,
)
from core.app.state import adopt_from_link, bound

__all__ = [
    "CITATION",
    "DEMO_LABEL",
    "PAGES",
    "PageContext",
    "adopt_from_link",
    "bound",
    "chart_section",
    "data_note",
    "existing_pages",
    "on_a_phone",
    "page_links",
    "run_app",
    "setup_page",
    "show_altair",
    "show_plotly",
    "show_table",
]
