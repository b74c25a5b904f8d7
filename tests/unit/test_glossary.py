"""core.glossary: one plain sentence per technical term the pages show."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.glossary import GLOSSARY, explain, glossary_markdown

ROOT = Path(__file__).parents[2]
#: Terms issue 14 asks to explain on the risk and hidden-population pages.
REQUIRED = ["log-odds", "odds ratio", "p-value", "z", "Wald interval", "delta method", "Firth"]


class TestGlossary:
    def test_every_required_term_is_explained_in_one_sentence(self):
        for term in REQUIRED:
            text = explain(term)
            assert text.endswith(".")
            assert text[:1].isupper()
            assert text.count(". ") == 0, term  # one sentence

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
        ],
    )
    def test_pages_explain_their_terms(self, page, terms):
        # the page lists each term in its "What the terms mean" expander
        source = (ROOT / page).read_text()
        for term in terms:
            assert f'"{term}"' in source, term
