"""A result cache bounded in bytes: the published data is immutable between builds, so an
answer keyed by (dataset version, query, dataset parameters, format) stays right until the data changes
(a restart, or a backend published again: see _remote.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ._lru import BoundedLRU


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes
    media_type: str


class ResultCache:
    """Two segments, least recently used first out of each (a segmented LRU):

    - an answer enters *probation* at once when it was expensive to compute, otherwise when it is
      asked for a second time: most distinct queries are asked once, and a cheap one is not worth
      keeping (at thousands a second they would churn the whole budget every minute);
    - an answer read from probation moves to the *protected* segment; one pushed out of protected
      goes back to probation for a last chance.
    Probation holds at most a PROBATION_SHARE of the budget: one-off answers churn there alone, so
    they never push out answers that were read again, and under any load the cache reaches its
    working size in the first minutes rather than creeping towards the whole budget."""

    MAX_SEEN = 1 << 14  # keys of cheap answers seen once; forgotten all at once when full
    PROBATION_SHARE = 1 / 8

    def __init__(self, *, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max_bytes
        probation = max(1, int(max_bytes * self.PROBATION_SHARE))
        self._probation = BoundedLRU(max_bytes=probation)
        self._protected = BoundedLRU(max_bytes=max_bytes - probation)
        self.max_entry_bytes = min(max_entry_bytes, probation)
        self._seen: set[int] = set()
        self.hits = 0
        self.misses = 0

    @property
    def size(self) -> int:
        """Bytes held (bodies and keys)."""
        return self._probation.size + self._protected.size

    def get(self, key: str) -> CachedAnswer | None:
        entry = self._lookup(key)
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, key: str, answer: CachedAnswer, *, expensive: bool = True) -> None:
        cost = _cost(key, answer)
        if cost > self.max_entry_bytes or key in self._probation or key in self._protected:
            return
        if not expensive:
            seen = hash(key)
            if seen not in self._seen:
                if len(self._seen) >= self.MAX_SEEN:
                    self._seen.clear()
                self._seen.add(seen)
                return
            self._seen.discard(seen)
        self._probation.add(key, answer, cost)
        self._probation.shrink()

    def get_extra(self, key) -> bytes | None:
        """Derived bytes (e.g. a gzipped body) kept under the same byte budget."""
        entry = self._lookup(repr(key))
        return None if entry is None else entry.body

    def put_extra(self, key, data: bytes) -> None:
        self.put(repr(key), CachedAnswer(data, ""), expensive=False)

    def __len__(self) -> int:
        return len(self._probation) + len(self._protected)

    def _lookup(self, key: str) -> CachedAnswer | None:
        entry = self._protected.get(key)
        if entry is not None or key not in self._probation:
            return entry
        entry = self._probation.pop(key)  # read again: worth protecting
        self._protected.add(key, entry, _cost(key, entry))
        for old in self._protected.shrink():
            self._probation.add(*old)
        self._probation.shrink()
        return entry


def _cost(key: str, answer: CachedAnswer) -> int:
    return len(answer.body) + len(key)
