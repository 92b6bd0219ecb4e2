"""uvicorn's HTTP protocol with a memo of whole responses to repeated SPARQL requests.

A repeated query is answered from the result cache anyway, but through the whole ASGI exchange
(a task, a scope, send/receive messages), which costs several times the work of the answer. The
memo short-cuts that: a request whose bytes (request line and every header) match one answered
before from the cache gets the same response bytes, written straight from the parser's callback.

Only answers that depend on nothing but the request are memoised (a cached 200 or a 304 to a
query: the data is immutable while the server runs), so replaying them is exact; the Date header
is the server's current one. Anything else (a body, `Connection: close`, a pipelined request
behind one still running, another path) takes uvicorn's usual way.
"""

from __future__ import annotations

from collections import OrderedDict
from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

SCOPE_KEY = "territoires_lod.memo"  # scope entry: (memo, key) of a request the memo may learn
_PREFIX = b"/sparql?"
_BODY_HEADERS = frozenset((b"content-length", b"transfer-encoding", b"expect", b"upgrade"))


class ResponseMemo:
    """Response bytes by request, bounded in entries and bytes, least recently used first out."""

    def __init__(self, *, max_bytes: int, max_entries: int = 8192) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, tuple[bytes, bytes, bytes, int]] = OrderedDict()
        self.size = 0
        self.hits = 0

    def get(self, key: tuple) -> tuple[bytes, bytes, bytes, int] | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return entry

    def put(self, key: tuple, *, status_line: bytes, head: bytes, body: bytes) -> None:
        """`head`: the header lines after the server's own (Date, Server), ending with a blank line."""
        cost = len(head) + len(body) + len(key[1]) + sum(len(name) + len(value) for name, value in key[2:])
        if cost > self.max_bytes // 8 or key in self._entries:
            return
        self._entries[key] = (status_line, head, body, cost)
        self.size += cost
        while self.size > self.max_bytes or len(self._entries) > self.max_entries:
            self.size -= self._entries.popitem(last=False)[1][3]

    def __len__(self) -> int:
        return len(self._entries)


def remember(scope, *, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    """Called by the ASGI handler with a response it sends that depends on the request alone."""
    memo_key = scope.get(SCOPE_KEY)
    if memo_key is not None:
        memo, key = memo_key
        status_line = b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode("ascii"))
        memo.put(key, status_line=status_line, head=b"".join(b"%s: %s\r\n" % pair for pair in headers) + b"\r\n",
                 body=body)


class _Answered:
    """Stands for the request cycle of a memoised answer: complete from the start."""

    response_complete = True
    keep_alive = True


_ANSWERED = _Answered()
_server_headers: tuple[object, bytes] = (None, b"")  # (uvicorn's list of Date/Server headers, its bytes)


def _server_head(default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """uvicorn renews its default headers (the Date) once a second: encode each list once."""
    global _server_headers
    if _server_headers[0] is not default_headers:
        _server_headers = (default_headers, b"".join(b"%s: %s\r\n" % pair for pair in default_headers))
    return _server_headers[1]


class MemoHttpProtocol(HttpToolsProtocol):
    """Set `memo` on a subclass (see `protocol_with_memo`)."""

    memo: ResponseMemo

    def on_headers_complete(self) -> None:
        key = self._memo_key()
        if key is not None:
            hit = self.memo.get(key)
            if hit is not None:
                status_line, head, body, _ = hit
                self.transport.writelines((status_line, _server_head(self.server_state.default_headers), head, body))
                self.cycle = _ANSWERED  # its body and completion callbacks have nothing to do
                self.on_response_complete()
                return
            self.scope[SCOPE_KEY] = (self.memo, key)  # type: ignore[literal-required]
        super().on_headers_complete()

    def _memo_key(self) -> tuple | None:
        if not self.url.startswith(_PREFIX) or self.pipeline or self.flow.write_paused \
                or not (self.cycle is None or self.cycle.response_complete):
            return None  # in turn behind a running request, or the client is not reading: uvicorn's way
        method = self.parser.get_method()
        if method not in (b"GET", b"HEAD") or self.parser.get_http_version() != "1.1" \
                or not self.parser.should_keep_alive():
            return None
        for name, _ in self.headers:
            if name in _BODY_HEADERS:
                return None
        return (method, self.url, *self.headers)


def protocol_with_memo(memo: ResponseMemo) -> type[MemoHttpProtocol]:
    return type("BoundMemoHttpProtocol", (MemoHttpProtocol,), {"memo": memo})
