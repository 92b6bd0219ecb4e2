"""uvicorn's HTTP protocol, with a short way for GET /sparql and a memo of whole responses.

A repeated query is answered from the result cache anyway, but through the whole ASGI exchange
(a task, a scope, send/receive messages), which costs several times the work of the answer. The
memo short-cuts that: a request whose bytes (request line and every header) match one answered
before from the cache gets the same response bytes, written straight from the parser's callback.

Only answers that depend on nothing but the request are memoised (a cached 200 or a 304 to a
query: the data is immutable while the server runs), so replaying them is exact; the Date header
is the server's current one. Anything else (a body, `Connection: close`, a pipelined request
behind one still running, another path) takes uvicorn's usual way.

The same requests, when the memo has no answer, go to the app through `_Exchange`: a lighter
stand-in for uvicorn's request cycle that writes the response in one write (uvicorn writes the
head and the body apart; each write to a loopback client costs as much as a small query).
Requests with proxy headers take uvicorn's way, so that its proxy-headers middleware sees them.
"""

from __future__ import annotations

from collections import OrderedDict
from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

SCOPE_KEY = "territoires_lod.memo"  # scope entry: (memo, key) of a request the memo may learn
_PREFIX = b"/sparql?"
_BODY_HEADERS = frozenset((b"content-length", b"transfer-encoding", b"expect", b"upgrade"))
_PROXY_HEADERS = frozenset((b"x-forwarded-for", b"x-forwarded-proto", b"forwarded"))
_STATUS_LINES: dict[int, bytes] = {}


def _status_line(status: int) -> bytes:
    line = _STATUS_LINES.get(status)
    if line is None:
        line = _STATUS_LINES[status] = b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode("ascii"))
    return line


def _encode_headers(headers) -> bytes:
    """Header lines; a name or value that could end the line is refused, as uvicorn does."""
    lines = b"".join(b"%s: %s\r\n" % (name, value) for name, value in headers)
    if lines.count(b"\n") != len(headers) or lines.count(b"\r") != len(headers) or b"\0" in lines:
        raise RuntimeError("invalid HTTP header")
    return lines


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
        memo.put(key, status_line=_status_line(status), head=_encode_headers(headers) + b"\r\n", body=body)


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
        _server_headers = (default_headers, _encode_headers(default_headers))
    return _server_headers[1]


class _Event:
    def set(self) -> None:
        pass


class _Exchange:
    """Stands for uvicorn's request cycle (the attributes its protocol touches) while the app
    answers a bodiless GET or HEAD; sends the response in one write."""

    message_event = _Event()

    def __init__(self, protocol: MemoHttpProtocol) -> None:
        self.protocol = protocol
        self.response_complete = False
        self.keep_alive = True
        self.disconnected = False
        self.more_body = False
        self._start: dict | None = None

    async def run(self, app, scope) -> None:
        try:
            await app(scope, self.receive, self.send)
        except Exception:  # noqa: BLE001 - as uvicorn does: logged, a 500 if nothing was sent
            self.protocol.logger.exception("Exception in ASGI application")
            if self._start is None:
                self._start = {"status": 500, "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                                          (b"content-length", b"21")]}
                await self.send({"type": "http.response.body", "body": b"Internal Server Error"})
        if not self.response_complete and not self.disconnected:
            self.protocol.transport.close()  # the app ended without a whole response

    async def receive(self) -> dict:
        if self.disconnected or self.response_complete:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(self, message) -> None:
        if message["type"] == "http.response.start":
            self._start = message
            return
        if message.get("more_body"):  # a streamed body: not for this way
            raise RuntimeError("streamed responses are not supported on the short way")
        if self.disconnected or self.response_complete:
            return
        protocol = self.protocol
        head = [_status_line(self._start["status"]), _server_head(protocol.server_state.default_headers),
                _encode_headers(self._start.get("headers", ()))]
        if not self.keep_alive:
            head.append(b"connection: close\r\n")
        head.append(b"\r\n")
        protocol.transport.write(b"".join((*head, message.get("body", b""))))
        self.response_complete = True
        protocol.on_response_complete()
        if not self.keep_alive:
            protocol.transport.close()


class MemoHttpProtocol(HttpToolsProtocol):
    """Set `memo` and `sparql_app` (the ASGI app, unwrapped) on a subclass (see `protocol_with_memo`)."""

    memo: ResponseMemo
    sparql_app = None

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
            if self.sparql_app is not None and not any(name in _PROXY_HEADERS for name, _ in self.headers):
                self._answer_here(key[0])
                return
        super().on_headers_complete()

    def _answer_here(self, method: bytes) -> None:
        scope = self.scope
        path, _, query = self.url.partition(b"?")
        scope["method"] = method.decode("ascii")
        scope["path"] = self.root_path + path.decode("ascii")
        scope["raw_path"] = self.root_path.encode("ascii") + path
        scope["query_string"] = query
        exchange = self.cycle = _Exchange(self)  # type: ignore[assignment]
        task = self.loop.create_task(exchange.run(self.sparql_app, scope))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

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


def protocol_with_memo(memo: ResponseMemo, *, sparql_app=None) -> type[MemoHttpProtocol]:
    return type("BoundMemoHttpProtocol", (MemoHttpProtocol,), {"memo": memo, "sparql_app": sparql_app})
