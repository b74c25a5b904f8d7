"""The Explore screen: tactics, flows and shifts of a slice, their words and charts.

- :mod:`core.explore.aggregates`: the counts (flows, country profiles, tactics, years);
- :mod:`core.explore.shifts`: the shares per year and their trends;
- :mod:`core.explore.recording`: whether a trend holds within each way a field is recorded;
- :mod:`core.explore.quality`: how often each field is missing;
- :mod:`core.explore.headlines`: the findings in words (the charts' titles);
- :mod:`core.explore.protect`: the small-cell protection of each table;
- :mod:`core.explore.charts`: the charts;
- option checks: :mod:`core.options` (shared by every topic).
"""
