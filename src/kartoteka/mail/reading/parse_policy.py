"""The ``email`` policy the parser splits messages with: ``policy.default``, headers parsed once.

While it splits a message, the ``email`` package reads every part's Content-Type several times
(its main type, its full type, its boundary, and the parent's type again for each child), and
the default header registry builds a new header class and parses the value afresh on every
read: most of the splitting time goes there. Header objects are immutable, so the registry here
keeps the classes it builds and the headers it has recently parsed; the results are the same.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.parser import BytesParser
from functools import lru_cache

# A parsed header keeps its parse tree (about 12 kB for a usual Content-Type, growing with the
# value's length): a few recent short values cover the rereads within a message, at a bounded
# cost in memory whatever the input.
_REMEMBERED_HEADERS = 32
_MAX_REMEMBERED_VALUE = 300


class _ReusingHeaderRegistry(HeaderRegistry):
    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[type, type[BaseHeader]] = {}
        self._remembered = lru_cache(maxsize=_REMEMBERED_HEADERS)(super().__call__)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        specialised = self.registry.get(name.lower(), self.default_class)
        header_class = self._classes.get(specialised)
        if header_class is None:
            header_class = self._classes[specialised] = super().__getitem__(name)
        return header_class

    def __call__(self, name: str, value: str) -> BaseHeader:
        if len(value) > _MAX_REMEMBERED_VALUE:
            return super().__call__(name, value)
        return self._remembered(name, value)


POLICY = policy.default.clone(header_factory=_ReusingHeaderRegistry())

# The parser of every message and of every forwarded message a part holds.
PARSER = BytesParser(policy=POLICY)
