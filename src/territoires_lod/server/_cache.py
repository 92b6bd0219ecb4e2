"""A result cache bounded in bytes: the published data is immutable between builds, so an
answer keyed by (dataset version, query, dataset parameters, format) stays right until restart."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes
    media_type: str


class ResultCache:
    """Admits an answer that was expensive to compute, or one asked for a second time: most
    distinct queries are asked once, and caching those would fill the budget with bytes that are
    never read (at thousands of cheap queries a second, the whole budget in a minute)."""

    MAX_SEEN = 1 << 14  # keys of answers seen once; forgotten all at once when full

    def __init__(self, *, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self._entries: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._seen: set[int] = set()
        self.size = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> CachedAnswer | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: str, answer: CachedAnswer, *, expensive: bool = True) -> None:
        cost = len(answer.body) + len(key)
        if cost > self.max_entry_bytes or key in self._entries:
            return
        if not expensive:
            seen = hash(key)
            if seen not in self._seen:
                if len(self._seen) >= self.MAX_SEEN:
                    self._seen.clear()
                self._seen.add(seen)
                return
            self._seen.discard(seen)
        self._entries[key] = answer
        self.size += cost
        while self.size > self.max_bytes:
            old_key, old = self._entries.popitem(last=False)
            self.size -= len(old.body) + len(old_key)

    def get_extra(self, key) -> bytes | None:
        """Derived bytes (e.g. a gzipped body) kept under the same byte budget."""
        entry = self._entries.get(repr(key))
        if entry is not None:
            self._entries.move_to_end(repr(key))
        return None if entry is None else entry.body

    def put_extra(self, key, data: bytes) -> None:
        self.put(repr(key), CachedAnswer(data, ""), expensive=False)

    def __len__(self) -> int:
        return len(self._entries)
