"""The scan the brief's tests run on any text: every whole number below k in it."""

from __future__ import annotations

import re

from core.data.schema import AGE_BANDS
from core.words import category_label

K = 10


def flat(text: str) -> str:
    """Whitespace made single spaces (PDF lines wrap, and words may be spaced out)."""
    return " ".join(text.split())


def numbers_below_k(text: str, k: int = K) -> list[int]:
    """Every whole number in the text from 1 to k - 1, after what is not a count is
    taken out: the link, dates, years, percentages, age bands, the threshold's own
    phrases and the captions' cell counts ('3 cells withheld: each holds ...')."""
    text = flat(text)
    text = re.sub(r"\S*https?://\S+|Country_brief\?\S+", " ", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}", " ", text)
    text = re.sub(r"\d+ cells? withheld", " ", text)
    text = re.sub(r"\d+(\.\d+)?%", " ", text)
    for band in sorted((category_label("ageBroad", b) for b in AGE_BANDS), key=len, reverse=True):
        text = text.replace(band, " ")
    text = re.sub(r"(?<![\d,])(19|20)\d\d(?![\d,])", " ", text)
    numbers = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]
    return [n for n in numbers if 0 < n < k]
