"""What reading a file gives: a :class:`LoadResult`, or a :class:`DataError`.

Both are importable from :mod:`core.data.load`, which makes them; they live here so
that the on-disk cache (:mod:`core.data.cache`) can rebuild a result without importing
the loader.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

__all__ = ["DataError", "LoadResult"]


class DataError(ValueError):
    """A file that cannot be used; the message is one sentence for the user."""


@dataclass
class LoadResult:
    """A loaded file: the canonical frame and what the loader found out about it."""

    frame: pd.DataFrame
    release: str
    rows: int
    columns_recognised: list[str]
    columns_ignored: list[str]
    warnings: list[str] = field(default_factory=list)
    content_hash: str = ""
    source_label: str = ""

    def summary(self) -> dict[str, object]:
        info = asdict(self)
        info.pop("frame")
        return info
