"""The few style rules the theme (``.streamlit/config.toml``) cannot set, injected once per run.

- A focus ring that can be seen (WCAG 2.4.7): 3 px in the theme's blue, on every control
  reached by the keyboard.
- Phones (WCAG 1.4.10, reflow at 390 px): the main area never scrolls sideways, wide
  charts and tables shrink to the screen, columns stack, and the control that opens the
  sidebar says "Filters" beside its arrow, and a screen reader hears that word too
  (WCAG 2.5.3, label in name): Streamlit names the button "Expand sidebar", so a few lines
  of script (:data:`NAME_SCRIPT`) rename it, and again whenever Streamlit redraws it.

Colours stay in the theme: the text colour there is dark enough that Streamlit's captions
(drawn at 60% of it) pass 4.5:1 on white and on the sidebar's grey.
"""

from __future__ import annotations

import json

import streamlit as st

from core.palette import use_chart_theme

__all__ = ["FILTERS_NAME", "FOCUS_COLOUR", "NAME_SCRIPT", "STYLE", "apply_style"]

#: The theme's primary colour (Okabe & Ito blue): 5.2:1 on white, 4.7:1 on the sidebar.
FOCUS_COLOUR = "#0072B2"

STYLE = f"""
<style>
/* A visible focus ring for keyboard users (mouse clicks keep the quiet look). */
:focus-visible,
[data-testid="stSidebar"] :focus-visible {{
  outline: 3px solid {FOCUS_COLOUR} !important;
  outline-offset: 2px !important;
}}
/* A field's own input sits inside a box that clips it: ring the box instead. */
:has(> input:focus-visible),
:has(> textarea:focus-visible) {{
  outline: 3px solid {FOCUS_COLOUR} !important;
  outline-offset: 2px !important;
}}
[role="slider"]:focus-visible,
[role="tab"]:focus-visible {{
  outline: 3px solid {FOCUS_COLOUR} !important;
  outline-offset: 2px !important;
}}

/* The control that opens the sidebar on a narrow screen says what it opens. */
[data-testid="stExpandSidebarButton"]::after {{
  content: "Filters";
  margin-left: 0.35rem;
  font-weight: 600;
}}

@media (max-width: 640px) {{
  /* Nothing in the main area may push it wider than the screen. */
  [data-testid="stMain"] [data-testid="stMainBlockContainer"] {{
    padding-left: 0.75rem;
    padding-right: 0.75rem;
    max-width: 100vw;
  }}
  [data-testid="stMain"] [data-testid="stElementContainer"],
  [data-testid="stMain"] [data-testid="stVerticalBlock"],
  [data-testid="stMain"] [data-testid="stHorizontalBlock"] {{
    max-width: 100%;
    min-width: 0;
  }}
  /* Columns stack: one per row. */
  [data-testid="stMain"] [data-testid="stHorizontalBlock"] {{
    flex-wrap: wrap;
  }}
  [data-testid="stMain"] [data-testid="stColumn"] {{
    width: 100% !important;
    flex: 1 1 100% !important;
    min-width: 100% !important;
  }}
  /* Charts drawn wider than the screen shrink to it rather than spill over. */
  [data-testid="stMain"] [data-testid="stVegaLiteChart"],
  [data-testid="stMain"] [data-testid="stPlotlyChart"],
  [data-testid="stMain"] [data-testid="stImage"] img {{
    max-width: 100%;
    overflow-x: auto;
  }}
  [data-testid="stMain"] .vega-embed,
  [data-testid="stMain"] .vega-embed svg,
  [data-testid="stMain"] .vega-embed canvas {{
    max-width: 100% !important;
    height: auto !important;
  }}
  /* The tab list scrolls sideways inside itself, never the page. */
  [data-testid="stMain"] [data-baseweb="tab-list"] {{
    flex-wrap: wrap;
  }}
}}
</style>
"""


#: What a screen reader hears for the control that opens the sidebar; it starts with the
#: word the control shows ("Filters"), as WCAG 2.5.3 asks.
FILTERS_NAME = "Filters: open the sidebar"

# One observer per browser tab (the script runs again on every rerun); it only sets the
# name where it differs, so its own change does not wake it again.
NAME_SCRIPT = f"""
<script>
(() => {{
  const name = {json.dumps(FILTERS_NAME)};
  const rename = () => document
    .querySelectorAll("[data-testid='stExpandSidebarButton']")
    .forEach((b) => {{ if (b.getAttribute("aria-label") !== name) b.setAttribute("aria-label", name); }});
  rename();
  if (!window.__ctdcFiltersName) {{
    window.__ctdcFiltersName = new MutationObserver(rename);
    window.__ctdcFiltersName.observe(document.body, {{
      subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"],
    }});
  }}
}})();
</script>
"""


def apply_style() -> None:
    """Add the style rules and the control's name script to this run (one block, no
    height on the page), and make the readable chart text the default of every chart
    (:mod:`core.palette`)."""
    use_chart_theme()
    # one block for both, so the page has one empty element at its top, not two
    st.html(STYLE + NAME_SCRIPT, unsafe_allow_javascript=True)
