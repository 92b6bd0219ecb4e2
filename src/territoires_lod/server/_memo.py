"""Whole HTTP responses to repeated SPARQL requests, kept by the front that sent them.

The app marks the responses that depend on nothing but the request (`remember`, from the
handler of /sparql); the HTTP protocol (_http.py) replays them for byte-identical requests. No
uvicorn here: the app imports this module whatever HTTP implementation runs it.
"""

from __future__ import annotations

from http import HTTPStatus

from ._lru import BoundedLRU

# scope entry: (memo, key, the memo's generation when the request came) of a request it may learn
SCOPE_KEY = "territoires_lod.memo"
_STATUS_LINES: dict[int, bytes] = {}


def status_line(status: int) -> bytes:
    line = _STATUS_LINES.get(status)
    if line is None:
        line = _STATUS_LINES[status] = b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode("ascii"))
    return line


def encode_headers(headers) -> bytes:
    """Header lines; a name or value that could end the line is refused, as uvicorn does."""
    lines = b"".join([b"%s: %s\r\n" % (name, value) for name, value in headers])
    if lines.count(b"\n") != len(headers) or lines.count(b"\r") != len(headers) or b"\0" in lines:
        raise RuntimeError("invalid HTTP header")
    return lines


class ResponseMemo:
    """Response bytes by request, bounded in entries and bytes, least recently used first out."""

    def __init__(self, *, max_bytes: int, max_entries: int = 8192) -> None:
        self.max_bytes = max_bytes
        self._entries = BoundedLRU(max_bytes=max_bytes, max_entries=max_entries)
        self.generation = 0  # how many times it forgot everything
        self.hits = 0
        self._version: str | None = None

    def follow(self, version: str) -> None:
        """Forget everything when the data's version changes (a backend's, see _remote.py)."""
        if version != self._version:
            if self._version is not None:
                self.forget()
            self._version = version

    def forget(self) -> None:
        """Forget every response; a response begun before is not learnt either (see `remember`)."""
        self._entries.clear()
        self.generation += 1

    @property
    def size(self) -> int:
        return self._entries.size

    def get(self, key: tuple) -> tuple[bytes, bytes, bytes] | None:
        """(status line, head, body) of the response to a byte-identical request, or None."""
        entry = self._entries.get(key)
        if entry is not None:
            self.hits += 1
        return entry

    def put(self, key: tuple, *, status_line: bytes, head: bytes, body: bytes) -> None:
        """`head`: the header lines after the server's own (Date, Server), ending with a blank line."""
        cost = len(head) + len(body) + len(key[1]) + sum(len(name) + len(value) for name, value in key[2:])
        if cost > self.max_bytes // 8 or key in self._entries:
            return
        self._entries.add(key, (status_line, head, body), cost)
        self._entries.shrink()

    def __len__(self) -> int:
        return len(self._entries)


def remember(scope, *, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    """Called by the ASGI handler with a response it sends that depends on the request alone."""
    memo_key = scope.get(SCOPE_KEY)
    if memo_key is not None:
        memo, key, generation = memo_key
        if generation == memo.generation:  # not an answer from before the data changed
            memo.put(key, status_line=status_line(status), head=encode_headers(headers) + b"\r\n", body=body)
