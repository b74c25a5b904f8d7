"""Uploaded files held in memory: at most a few at once across all sessions.

An upload lives in its own session's state and nowhere else (never on disk). A session
that ends takes its file with it: the registry keeps only weak references. To bound the
server's memory, at most ``capacity`` uploads are held at once
(``CTDC_MAX_UPLOADS``, default 4); a new one drops the least recently used, whose session
is told so in a sentence on its next run.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_MAX_UPLOADS", "HeldUpload", "UploadRegistry", "max_uploads"]

DEFAULT_MAX_UPLOADS = 4


def max_uploads(environ: Mapping[str, str] | None = None, /) -> int:
    """The operator's cap on uploads held at once (``CTDC_MAX_UPLOADS``; at least 1).

    Examples
    --------
    >>> max_uploads({}), max_uploads({"CTDC_MAX_UPLOADS": "2"}), max_uploads({"CTDC_MAX_UPLOADS": "x"})
    (4, 2, 4)
    """
    raw = (os.environ if environ is None else environ).get("CTDC_MAX_UPLOADS", "")
    try:
        value = int(raw)
    except ValueError:
        return DEFAULT_MAX_UPLOADS
    return value if value >= 1 else DEFAULT_MAX_UPLOADS


class HeldUpload:
    """One session's upload: its identity, what it is called, and the parsed result.

    ``result`` becomes None when the registry drops the file to make room.
    """

    def __init__(self, key: str, source: Any, result: Any) -> None:
        self.key = key
        self.source = source
        self.result: Any = result

    @property
    def dropped(self) -> bool:
        return self.result is None


class UploadRegistry:
    """The uploads held at once in this process, least recently used first.

    Examples
    --------
    >>> registry = UploadRegistry(capacity=2)
    >>> a, b, c = (HeldUpload(name, None, object()) for name in "abc")
    >>> registry.add(a); registry.add(b); registry.touch(a); registry.add(c)
    >>> a.dropped, b.dropped, c.dropped, len(registry)
    (False, True, False, 2)
    >>> del c
    >>> len(registry)  # a session that ends takes its file with it
    1
    """

    def __init__(self, *, capacity: int) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a whole number of at least 1, not {capacity!r}.")
        self.capacity = capacity
        self._held: OrderedDict[int, weakref.ref[HeldUpload]] = OrderedDict()
        self._lock = threading.Lock()

    def _prune(self) -> None:
        gone = []
        for ident, ref in self._held.items():
            upload = ref()  # once: a session may end (and its upload go) between two calls
            if upload is None or upload.dropped:
                gone.append(ident)
        for ident in gone:
            del self._held[ident]

    def add(self, upload: HeldUpload) -> None:
        """Hold ``upload``; drop the least recently used ones beyond the capacity."""
        with self._lock:
            self._prune()
            self._held[id(upload)] = weakref.ref(upload)
            self._held.move_to_end(id(upload))
            while len(self._held) > self.capacity:
                _ident, ref = self._held.popitem(last=False)
                oldest = ref()
                if oldest is not None:
                    oldest.result = None

    def touch(self, upload: HeldUpload) -> None:
        """Mark ``upload`` as just used."""
        with self._lock:
            if id(upload) in self._held:
                self._held.move_to_end(id(upload))

    def __len__(self) -> int:
        with self._lock:
            self._prune()
            return len(self._held)
