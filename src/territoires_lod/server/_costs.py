"""What a query is likely to cost, from what queries of the same shape cost recently.

A query's shape is its text without its literals, numbers, comments and spacing: the thousands of
variants a client sends of one template ("this commune by INSEE code", "communes whose label
contains …") share a shape, and nearly always a cost. The pool sends shapes that ran long lately
to its long lane, so that they never hold the workers cheap queries need. The front processes
share what they learn (`SharedCosts`): a scan holds a short-lane worker once, not once per front.
"""

from __future__ import annotations

import mmap
import re
import struct
from collections import OrderedDict

# IRIs are kept (they name what is asked for); strings, numbers and comments are dropped, then
# spacing. Done by a split (in C, unlike a substitution with a template): it runs on every query.
# The lookahead first lets most characters fail on one class test instead of five alternatives
# (twice as fast on the bench's queries).
_PARTS = re.compile(r"""(?=[<"'\#\d+\-])(?:(<[^<>\s]*>)|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\#[^\n]*"""
                    r"""|(?<![\w?$])[-+]?\d[\d.eE+-]*)""")


def query_shape(text: str, *graphs: str) -> int:
    """A key shared by the variants of one query template (and the same dataset parameters)."""
    # The text between the parts dropped, and the IRIs, without spacing (split(): faster than a
    # translate table, and it drops any Unicode space).
    return hash(("".join("".join(filter(None, _PARTS.split(text))).split()), graphs))


class SharedCosts:
    """Shape → recent CPU seconds, in memory shared with the processes forked after it is made (the
    fronts). Direct-mapped: a shape replaces any other in its slot, and a write racing a read in
    another process may pair a key with the other's value; either costs one query in the wrong
    lane at worst, as any estimate may."""

    _SLOT = struct.Struct("=qd")

    def __init__(self, *, slots: int = 8192) -> None:
        self._slots = slots
        self._memory = mmap.mmap(-1, slots * self._SLOT.size)  # anonymous and shared across fork()

    def get(self, shape: int) -> float | None:
        key, seconds = self._SLOT.unpack_from(self._memory, (shape % self._slots) * self._SLOT.size)
        return seconds if key == shape else None

    def put(self, shape: int, seconds: float) -> None:
        self._SLOT.pack_into(self._memory, (shape % self._slots) * self._SLOT.size, shape, seconds)


class CostBook:
    """Recent CPU seconds per shape, over at most `max_shapes` shapes: quick to learn that a shape is
    expensive (a costlier run counts at once), slow to forget it (a cheaper run moves the estimate
    by `weight`): a scan that sometimes stops early (a LIMIT reached quickly) stays in the long
    lane, while a shape that really became cheap leaves it after a few dozen runs (with the
    default weight, 14 cheap runs halve the estimate). With `shared`, a shape this book has not
    seen is looked up there, and every estimate is written there too."""

    def __init__(self, *, threshold: float, max_shapes: int = 4096, weight: float = 0.05,
                 shared: SharedCosts | None = None) -> None:
        self.threshold = threshold
        self._max_shapes = max_shapes
        self._weight = weight
        self._seconds: OrderedDict[int, float] = OrderedDict()
        self._shared = shared

    def seconds(self, shape: int | None) -> float:
        """What a query of this shape cost lately (0 for a shape not seen)."""
        if shape is None:
            return 0.0
        seconds = self._seconds.get(shape)
        if seconds is None and self._shared is not None:
            seconds = self._shared.get(shape)
        return seconds or 0.0

    def expensive(self, shape: int | None) -> bool:
        return self.seconds(shape) > self.threshold

    def record(self, shape: int | None, seconds: float) -> None:
        if shape is None:
            return
        previous = self._seconds.pop(shape, None)
        if previous is None and self._shared is not None:
            previous = self._shared.get(shape)  # learnt by another front
        if previous is not None and seconds < previous:
            seconds = previous + self._weight * (seconds - previous)
        self._seconds[shape] = seconds
        if self._shared is not None:
            self._shared.put(shape, seconds)
        if len(self._seconds) > self._max_shapes:
            self._seconds.popitem(last=False)  # the shape seen least recently
