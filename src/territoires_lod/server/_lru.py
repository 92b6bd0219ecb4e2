"""Values by key, least recently used first out, bounded in bytes: what the result cache's
segments (_cache.py) and the response memo (_memo.py) are made of."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class BoundedLRU:
    """Each value is added with its cost in bytes; `shrink()` takes out the least recently used
    until the total fits `max_bytes` (and the count `max_entries`, if given)."""

    def __init__(self, *, max_bytes: int, max_entries: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self.size = 0

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable):
        """The value (now the most recently used), or None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def add(self, key: Hashable, value, cost: int) -> None:
        self._entries[key] = (value, cost)
        self.size += cost

    def pop(self, key: Hashable):
        value, cost = self._entries.pop(key)
        self.size -= cost
        return value

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0

    def shrink(self) -> list[tuple[Hashable, object, int]]:
        """Take out the least recently used entries until the bounds hold; return them."""
        out = []
        while self.size > self.max_bytes or (self.max_entries is not None and len(self._entries) > self.max_entries):
            key, (value, cost) = self._entries.popitem(last=False)
            self.size -= cost
            out.append((key, value, cost))
        return out
