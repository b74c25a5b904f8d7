"""core.glossary: one plain sentence per technical term the pages show."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.glossary import GLOSSARY, explain, glossary_markdown

ROOT = Path(__file__).parents[2]
#: Terms issue 14 asks to explain on the risk and hidden-population pages.
REQUIRED = ["log-odds", "odds ratio", "p-value", "z", "Wald interval", "delta method", "Firth"]
#: Terms a newcomer meets on Explore (its six tabs) and on Home.
EXPLORE = [
    "flow",
    "country of citizenship",
    "country of exploitation",
    "Sankey diagram",
    "log colour scale",
    "world map",
    "hidden counts",
    "highest- and lowest-volume countries",
    "pooled",
    "share of known",
    "means of control",
    "recruiter relation",
    "type of exploitation",
    "unknown is not zero",
    "year of registration",
    "incomplete year",
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
    "missing",
    "share given per year",
    "records a chart rests on",
    "identified cases, not prevalence",
]
HOME = [
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


class TestGlossary:
    def test_every_required_term_is_explained_in_one_sentence(self):
        for term in REQUIRED:
            text = explain(term)
            assert text.endswith(".")
            assert text[:1].isupper()
            assert text.count(". ") == 0, term  # one sentence

    @pytest.mark.parametrize("term", sorted(set(EXPLORE + HOME)))
    def test_explore_and_home_terms_in_one_plain_sentence(self, term):
        text = explain(term)
        assert text.endswith(".") and text[:1].isupper(), term
        assert text.count(". ") == 0, term  # one sentence
        assert len(text) <= 260, term  # short enough for a tooltip

    def test_shift_states_the_pages_threshold(self):
        from core.explore.shifts import MIN_CHANGE

        assert f"at least {MIN_CHANGE:g} percentage points per decade" in explain("shift")

    def test_age_bands_read_as_everywhere(self):
        from core.words import age_band

        text = explain("derived majority status")
        assert f"ages {age_band('0--8')} and {age_band('09--17')} are minors" in text

    def test_female_means_women_and_girls(self):
        assert explain("Female").startswith("Women and girls together")

    def test_unknown_term(self):
        with pytest.raises(ValueError, match="no glossary entry for 'kappa'"):
            explain("kappa")

    def test_markdown_list(self):
        assert glossary_markdown(["z"]) == f"- **z**: {GLOSSARY['z']}"

    def test_no_streamlit(self):
        tree = ast.parse((ROOT / "core" / "glossary.py").read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (
                node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
            )
        }
        assert "streamlit" not in imported

    @pytest.mark.parametrize(
        ("page", "terms"),
        [
            ("pages/2_Who_is_most_at_risk.py", REQUIRED),
            ("pages/3_Hidden_populations.py", ["odds", "95% interval", "delta method"]),
            ("pages/1_Explore.py", EXPLORE),
            ("pages/0_Home_page.py", HOME),
        ],
    )
    def test_pages_explain_their_terms(self, page, terms):
        # the page lists each term in its "What the terms mean" expander
        source = (ROOT / page).read_text()
        for term in terms:
            assert f'"{term}"' in source, term
