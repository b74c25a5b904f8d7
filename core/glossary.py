"""Plain-language explanations of the technical terms the pages show, in one place.

Every page takes its tooltips (``help=``) and its "What the terms mean" lists from
:data:`GLOSSARY`, so a term reads the same everywhere. Pure Python: no Streamlit.

Examples
--------
>>> explain("odds")
'How many have the outcome for every one who does not: 3 in 4 with it is odds of 3 (3 to 1).'
>>> print(glossary_markdown(["p-value", "z"]).splitlines()[1])
- **z**: The estimate divided by its standard error: how many standard errors it lies from zero.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["GLOSSARY", "explain", "glossary_markdown"]

#: Term -> one plain sentence. The vocabulary for people: girls, women, boys, men;
#: "female" means women and girls, "male" men and boys, "minor" under 18.
GLOSSARY: dict[str, str] = {
    "Female": "Women and girls together; likewise male means men and boys together.",
    "minor": "Someone under 18 at the time of exploitation; girls and boys are minors.",
    "logit model": (
        "A model of how the chance of an outcome (such as sexual exploitation) differs between "
        "groups, fitted on the records; it works with log-odds."
    ),
    "odds": (
        "How many have the outcome for every one who does not: 3 in 4 with it is odds of "
        "3 (3 to 1)."
    ),
    "log-odds": (
        "The natural logarithm of the odds: 0 means even odds (50%), positive values more "
        "likely than not, negative values less likely."
    ),
    "odds ratio": (
        "The odds of one group divided by the odds of another: 2 means twice the odds, "
        "which is not the same as twice the chance."
    ),
    "change in odds": (
        "The odds ratio as a percentage change: +100% means the odds double, -50% that they halve."
    ),
    "standard error": (
        "How much an estimate would vary from sample to sample; smaller means more precise."
    ),
    "z": "The estimate divided by its standard error: how many standard errors it lies from zero.",
    "p-value": (
        "How often a difference at least this large would appear by chance if there were "
        "truly none; small values (below 0.05, say) mean chance alone is an unlikely "
        "explanation, not that the difference is large or important."
    ),
    "95% interval": (
        "A range of values consistent with the records: made this way, it contains the "
        "true value in about 95 of 100 samples (it says nothing about errors the data "
        "share, such as who gets identified)."
    ),
    "Wald interval": ("A 95% interval taken as the estimate plus or minus 1.96 standard errors."),
    "delta method": (
        "A standard way to carry an estimate's uncertainty over to a number computed from "
        "it (a probability, an estimate of people) using the slope of that computation."
    ),
    "log scale": (
        "Working with logarithms, so that an interval spreads further above the estimate "
        "than below it, as counts that cannot fall below zero do."
    ),
    "Firth": (
        "Firth's penalised fit: a small correction that keeps estimates finite when a group "
        "has no records with (or without) the outcome, where the ordinary fit breaks down."
    ),
    "separation": (
        "When a group has no records with (or without) the outcome, so the ordinary "
        "estimate of its difference is infinite."
    ),
    "likelihood-ratio test": (
        "A p-value from comparing how well the model fits with and without the term; used "
        "with Firth's fit."
    ),
    "profile likelihood interval": (
        "A 95% interval found by asking which values of a coefficient the records still "
        "fit almost as well; it may be lopsided, unlike a Wald interval."
    ),
    "interaction": (
        "Lets a difference depend on another predictor: the gap between boys and "
        "girls may differ from the gap between men and women."
    ),
    # Home and Explore
    "record": (
        "One victim identified or assisted by a CTDC partner; counts on these pages are "
        "counts of records."
    ),
    "identified cases, not prevalence": (
        "The records show who partners found and recorded, not how many people are "
        "trafficked: a country or group with few records is not one with little trafficking."
    ),
    "synthetic records": (
        "Made-up records that keep the statistical patterns of the real ones while "
        "protecting the people in them, so counts come in multiples of 10."
    ),
    "release layout": (
        "How a CTDC release writes its file (its columns and codes); the app reads every "
        "release onto the columns of the 2021-08-25 release and says what a file lacks."
    ),
    "differential privacy": (
        "Random noise the CTDC adds to its newer releases to protect people, so a small "
        "or suppressed count there is not an exact count (and suppressed is not zero)."
    ),
    "hidden counts": (
        "A count from 1 to just below the threshold set in 'Hide counts below' shows as "
        "'<' and the threshold (such as '<10'), and another cell may be hidden too so that "
        "the hidden one cannot be worked out from a total."
    ),
    "unknown is not zero": (
        "The CTDC rule: within a group of flags (such as means of control) a record with "
        "no flag set gave no information, so it is left out of that group's percentages."
    ),
    "flow": (
        "Victims who are citizens of one country and were exploited in another (or the "
        "same) country, counted among the records with both countries known."
    ),
    "country of citizenship": "The country the victim is a citizen of.",
    "country of exploitation": "The country where the victim was exploited.",
    "Sankey diagram": (
        "A picture of flows: each band joins a country of citizenship (left) to a country "
        "of exploitation (right), and its width is the number of records."
    ),
    "log colour scale": (
        "Colours step by multiples (10, 100, 1,000) rather than by equal amounts, so "
        "small flows stay visible beside very large ones."
    ),
    "world map": (
        "Each country coloured by its records in view (by citizenship or by exploitation); "
        "a country with a hidden count is grey and named in the list under the map."
    ),
    "highest- and lowest-volume countries": (
        "The countries with the most records in view and those with the fewest (among "
        "countries with at least the minimum number of records chosen)."
    ),
    "pooled": (
        "All the records of a group of countries (or of years) counted together, as if "
        "they were one."
    ),
    "share of known": (
        "A percentage among the records where the field is recorded; records where it is "
        "missing are left out of both parts of the fraction."
    ),
    "means of control": (
        "How traffickers kept the victim under their control, such as threats, debt "
        "bondage or taking their documents; one victim can have several."
    ),
    "recruiter relation": (
        "Who recruited the victim, as they relate to them: an intimate partner, a friend, "
        "a family member or someone else."
    ),
    "type of exploitation": (
        "What the victim was trafficked for: forced labour, sexual exploitation or another "
        "form; one victim can have several."
    ),
    "year of registration": (
        "The year the case entered the partner's records, which can be years after the "
        "exploitation began."
    ),
    "shift": (
        "A change in a group's share of the records over the years that is large (at "
        "least 2 percentage points per decade), clear (its 95% interval excludes no "
        "change) and, where recording changed, holds within each way of recording."
    ),
    "percentage points": (
        "The difference between two percentages: from 10% to 12% is 2 percentage points "
        "(but a 20% increase)."
    ),
    "points per decade": (
        "How many percentage points a share moves on average in ten years along its "
        "fitted trend line."
    ),
    "fitted share": (
        "The share the trend line gives for a year: it smooths over the year-to-year "
        "swings of the records."
    ),
    "observed share": (
        "The share actually seen in a year's records, before any smoothing by a trend line."
    ),
    "trend line": (
        "A smooth curve of a group's share over the years, fitted to every year's records "
        "at once (a binomial model of the share on the year)."
    ),
    "quasi-binomial": (
        "A trend model that lets years vary more than chance alone would make them, as "
        "records arriving in batches from partners do; it widens the 95% interval."
    ),
    "Student's t": (
        "The spread used for the 95% interval when the year-to-year variation is "
        "estimated from few years; it gives a wider interval than the normal curve."
    ),
    "majority status": ("Whether the victim was a minor (under 18) or an adult when exploited."),
    "given majority status": (
        "Minor or adult as written in the file by the partner who recorded the case."
    ),
    "derived majority status": (
        "Minor or adult worked out from the age band where the file gives no status "
        "(ages 0–8 and 9–17 are minors)."
    ),
    "change of recording": (
        "A trend that comes from how the records were written, not from who was "
        "identified: for example a share that rises only because later years give minor "
        "status in the file where earlier years derived it from age."
    ),
    "missing": (
        "A field left empty in a record; a group of flags counts as missing when none of "
        "its flags is set."
    ),
    "share given per year": (
        "For each year, the share of its records with a field filled in; a field whose "
        "share given changes over the years can make a trend out of a change of recording."
    ),
    "records a chart rests on": (
        "How many records each chart uses: only those where what the chart shows is "
        "known, so different charts rest on different numbers of records."
    ),
    # Clusters page
    "K-means": (
        "A method that splits records into a chosen number of groups (clusters) so that "
        "records in a group are as alike as possible in the chosen columns."
    ),
    "k-means++": (
        "A way of picking K-means' starting centres far apart from each other, which "
        "usually leads to better groups than starting at random."
    ),
    "restarts": (
        "K-means is run several times from different starting centres and the grouping "
        "with the least spread within clusters is kept."
    ),
    "standardised": (
        "Each column is rescaled to average 0 and standard deviation 1, so that a column "
        "with large numbers (such as the year) does not outweigh the others."
    ),
    "one-hot": (
        "A category becomes one yes/no (1/0) column per value, so that no value counts "
        "as nearer to one value than to another."
    ),
    "label codes": (
        "A category's values are numbered 0, 1, 2, ... in alphabetical order; the "
        "distances between these numbers mean nothing."
    ),
    "inertia": (
        "The spread within clusters: the sum, over all records, of the squared distance "
        "to their cluster's centre; lower means tighter clusters."
    ),
    "silhouette": (
        "A score from -1 to 1 of how much closer each record is to its own cluster than "
        "to the nearest other one; higher means better separated clusters."
    ),
    "jitter": (
        "A small random shift of the points in the picture only, so that identical "
        "records do not hide each other."
    ),
    "forecast": (
        "A projection of the yearly count of identified victims from the years so far; "
        "it says nothing about trafficking that is not identified."
    ),
    "backtest": (
        "A test on the past: the method forecasts years that are already known, from "
        "the years before them only, and its errors are counted."
    ),
    "naive forecast": (
        "Repeating the last complete year's count for every year ahead; the yardstick "
        "every other method must beat."
    ),
    "random walk with drift": (
        "The last complete year plus the average yearly change so far, for each year ahead."
    ),
    "exponential smoothing": (
        "A forecast from a weighted average of past years, recent years weighing most; "
        "'damped trend' lets the trend fade out over the years ahead."
    ),
    "Theta": (
        "A forecast that combines a straight-line trend with exponential smoothing; "
        "often hard to beat on short yearly series."
    ),
    "Prophet": (
        "A forecasting library from Meta that fits a trend with a few bends; here set up "
        "for one point a year."
    ),
    "MASE": (
        "Mean absolute scaled error: the average forecast error divided by the average "
        "year-on-year change of the past years; below 1 beats a one-year-old guess."
    ),
    "ratio to naive": (
        "A method's MASE divided by that of repeating the last year: below 1 means it "
        "did better than repeating the last year."
    ),
    "80% and 95% bands": (
        "The ranges the forecast expects to hold the count 80 and 95 times in 100; the "
        "backtest counts how often they actually did."
    ),
    "coverage": (
        "How often, in the backtest, the registered count fell inside a band: close to "
        "80% for the 80% band means the band is honest."
    ),
    "incomplete year": (
        "A recent year whose records are not yet all registered (reporting lag); left "
        "out of the fit and marked on the chart."
    ),
}


def explain(term: str, /) -> str:
    """The plain explanation of ``term``.

    Raises
    ------
    ValueError
        When the term is not in :data:`GLOSSARY` (naming the terms that are).

    Examples
    --------
    >>> explain("Firth")[:30]
    "Firth's penalised fit: a small"
    >>> explain("kappa")
    Traceback (most recent call last):
    ...
    ValueError: no glossary entry for 'kappa'; add one to core.glossary.GLOSSARY
    """
    try:
        return GLOSSARY[term]
    except KeyError:
        raise ValueError(
            f"no glossary entry for {term!r}; add one to core.glossary.GLOSSARY"
        ) from None


def glossary_markdown(terms: Sequence[str], /) -> str:
    """A Markdown list of the terms with their explanations, in the order given.

    Raises
    ------
    ValueError
        When a term is not in :data:`GLOSSARY`.
    """
    return "\n".join(f"- **{term}**: {explain(term)}" for term in terms)
