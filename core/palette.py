"""Colour-blind-safe colours shared by every chart (Okabe & Ito, 2008)."""

from __future__ import annotations

__all__ = ["OKABE_ITO", "OKABE_ITO_DISTINCT"]

# orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
# The same eight, ordered so that the first few are as far apart as possible (for
# unordered groups such as clusters, where neighbours should never look alike).
OKABE_ITO_DISTINCT: tuple[str, ...] = (
    "#E69F00",
    "#0072B2",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#000000",
)
