"""Option strings of the hidden-population estimates are checked where they enter: a value
outside the allowed ones raises ValueError naming them, instead of silently running
another method, rule or unit."""

from __future__ import annotations

import pandas as pd
import pytest

from core.hidden.charts import estimate_chart
from core.hidden.estimate import extrapolate, joint_counts, total_estimate
from core.hidden.survey import SurveyRow
from core.hidden.words import estimate_headline, estimate_sentences, unit_text
from core.risk.model import PUBLISHED_MODELS, fit_model

MEN = [SurveyRow("Men", "Male", "Adult", 1000.0)]


@pytest.fixture(scope="module")
def fits():
    """Models 1 and 2 on 40 records: each gender x majority cell has events of both kinds."""
    rows = []
    for gender in ("Female", "Male"):
        for majority in ("Adult", "Minor"):
            for sexual, labour, count in ((True, False, 4), (False, True, 5), (False, False, 1)):
                rows += [
                    {
                        "gender": gender,
                        "majority": majority,
                        "isSexualExploit": sexual,
                        "isForcedLabour": labour,
                    }
                ] * count
    records = pd.DataFrame(rows)
    sexual = fit_model(records, PUBLISHED_MODELS[0])
    labour = fit_model(records, PUBLISHED_MODELS[1])
    return records, sexual, labour


class TestJointCountsOptions:
    def test_unknown_denominators_are_refused(self, fits):
        records, _, _ = fits
        # before: anything but "ctdc" silently counted under the published rule
        with pytest.raises(
            ValueError, match="denominators must be 'published' or 'ctdc', not 'CTDC'"
        ):
            joint_counts(records, denominators="CTDC")

    def test_the_rules_count_their_records(self, fits):
        records, _, _ = fits
        assert joint_counts(records)["n"].sum() == 40
        assert joint_counts(records, denominators="ctdc")["n"].sum() == 36  # 4 with no flag


class TestExtrapolateOptions:
    def test_unknown_method_is_refused(self, fits):
        _, sexual, _ = fits
        with pytest.raises(ValueError, match="method must be 'published' or 'ratio', not 'odds'"):
            extrapolate(MEN, method="odds", sexual=sexual)

    def test_the_published_method_runs(self, fits):
        _, sexual, _ = fits
        row = extrapolate(MEN, method="published", sexual=sexual).iloc[0]
        assert row["factor"] == pytest.approx(4 / 6)  # saturated: the cell's odds, 4 : 6


class TestTotalEstimateOptions:
    def test_a_table_with_an_unknown_method_is_refused(self, fits):
        _, sexual, _ = fits
        table = extrapolate(MEN, method="published", sexual=sexual).assign(method="Published")
        with pytest.raises(ValueError, match="method must be 'published' or 'ratio'"):
            total_estimate(table, sexual=sexual)

    def test_the_ratio_table_needs_the_labour_fit(self, fits):
        records, sexual, labour = fits
        table = extrapolate(
            MEN, method="ratio", sexual=sexual, labour=labour, joint=joint_counts(records)
        )
        with pytest.raises(ValueError, match="ratio method needs the forced-labour fit"):
            total_estimate(table, sexual=sexual)


class TestUnitOptions:
    @pytest.fixture
    def table(self, fits):
        return extrapolate(MEN, method="published", sexual=fits[1])

    def test_the_units_read_as_amounts(self):
        assert (unit_text("thousands"), unit_text("persons")) == ("thousand people", "people")

    def test_unknown_unit_is_refused_everywhere(self, table):
        # before: an unknown unit was printed as it came ("millions")
        message = "unit must be 'thousands' or 'persons', not 'millions'"
        with pytest.raises(ValueError, match=message):
            unit_text("millions")
        with pytest.raises(ValueError, match=message):
            estimate_headline(table, unit="millions")
        with pytest.raises(ValueError, match=message):
            estimate_sentences(table, unit="millions")
        with pytest.raises(ValueError, match=message):
            estimate_chart(table, title="x", unit="millions")

    def test_a_headline_without_estimates_still_checks_the_unit(self, table):
        empty = table.assign(estimate=float("nan"))
        assert estimate_headline(empty, unit="persons") == (
            "No group can be estimated from the records in view"
        )
        with pytest.raises(ValueError, match="unit must be"):
            estimate_headline(empty, unit="Persons")
