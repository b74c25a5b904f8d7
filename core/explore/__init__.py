"""The Explore screen: tactics, flows and shifts of a slice, their words and charts.

- :mod:`core.explore.countries`: the counts about countries (flows, country profiles);
- :mod:`core.explore.aggregates`: the counts of tactics and years, and shared helpers;
- :mod:`core.explore.shifts`: the shares per year and their trends;
- :mod:`core.explore.recording`: whether a trend holds within each way a field is recorded;
- :mod:`core.explore.quality`: how often each field is missing;
- :mod:`core.explore.headlines`: the findings in words (the charts' titles);
- :mod:`core.explore.protect`: the small-cell protection of each table;
- :mod:`core.explore.charts`: the shared look, and the charts of tactics, years, quality;
- :mod:`core.explore.country_charts`: the charts of flows and country profiles;
- :mod:`core.explore.shift_charts`: the charts of shares per year and their trends;
- option checks: :mod:`core.options` (shared by every topic).
"""
