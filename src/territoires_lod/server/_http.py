"""uvicorn's HTTP protocol, with a short way for GET /sparql and a memo of whole responses.

A repeated query is answered from the result cache anyway, but through the whole ASGI exchange
(a task, a scope, send/receive messages), which costs several times the work of the answer. The
memo (_memo.py) short-cuts that: a request whose bytes (request line and every header) match one
answered before from the cache gets the same response bytes, written from the parser's callback.

Only answers that depend on nothing but the request are memoised (a cached 200 or a 304 to a
query: the data is immutable while the server runs, and when a backend's data changes the memo
forgets everything), so replaying them is exact; the Date header is the server's current one.
Anything else (a body, `Connection: close`, a pipelined request behind one still running, another
path) takes uvicorn's usual way.

The same requests, when the memo has no answer, are answered by `_Express` when they are GET or
HEAD of the app's /sparql (`start_sparql`: no ASGI exchange, no task; the response is written
from the engine's callback), or else go to the app through `_Exchange`: a lighter stand-in for
uvicorn's request cycle. Both write the response in one write (uvicorn writes the head and the
body apart; each write to a loopback client costs as much as a small query). Requests with proxy
headers take uvicorn's way, so that its proxy-headers middleware sees them.
"""

from __future__ import annotations

import sys

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ._answer import Answer, error_answer
from ._fastpath import internal_error, response_parts, scope_header, start_sparql
from ._memo import SCOPE_KEY, ResponseMemo, encode_headers, remember, status_line

_PREFIX = b"/sparql?"
# The longest URL uvicorn's parser (httptools' parse_url, 16-bit offsets) reads.
MAX_URL_BYTES = 65535
# A request line and headers longer than this get a 431: without a bound, the parser's work grows
# with the square of a header's length, and one client can hold a front's CPU for seconds.
MAX_HEAD_BYTES = MAX_URL_BYTES + 64 * 1024
# Seconds a client has to send a whole request (line, headers, body) once it has begun, or to
# begin one on a new connection: without it, clients that send nothing, or a byte now and then,
# hold their connections (and the front's file descriptors) for ever. Between requests on a
# kept-alive connection, uvicorn's own keep-alive timeout applies.
REQUEST_READ_SECONDS = 30.0
_POST_ADVICE = "send a long query with POST (a form, or the query itself as application/sparql-query)."
_BODY_HEADERS = frozenset((b"content-length", b"transfer-encoding", b"expect", b"upgrade"))
_PROXY_HEADERS = frozenset((b"x-forwarded-for", b"x-forwarded-proto", b"forwarded"))
# What uvicorn sends when an app fails before responding.
_FAILED_BODY = b"Internal Server Error"
_FAILED_HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"%d" % len(_FAILED_BODY))]


class _Event:
    def set(self) -> None:
        pass


class _Answered:
    """Stands for the request cycle of a memoised answer: complete from the start (uvicorn still
    wakes its `message_event` when the connection closes)."""

    response_complete = True
    keep_alive = True
    message_event = _Event()


_ANSWERED = _Answered()
_server_headers: tuple[object, bytes] = (None, b"")  # (uvicorn's list of Date/Server headers, its bytes)


def _server_head(default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """uvicorn renews its default headers (the Date) once a second: encode each list once."""
    global _server_headers
    if _server_headers[0] is not default_headers:
        _server_headers = (default_headers, encode_headers(default_headers))
    return _server_headers[1]


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
                self._start = {"status": 500, "headers": _FAILED_HEADERS}
                await self.send({"type": "http.response.body", "body": _FAILED_BODY})
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
        _write_response(self.protocol, self, self._start["status"], self._start.get("headers", ()),
                        message.get("body", b""))


def _write_response(protocol: MemoHttpProtocol, cycle, status: int, headers, body: bytes) -> None:
    """The whole response in one write; then the connection's next request, or its close."""
    head = [status_line(status), _server_head(protocol.server_state.default_headers), encode_headers(headers)]
    if not cycle.keep_alive:
        head.append(b"connection: close\r\n")
    head.append(b"\r\n")
    protocol.transport.write(b"".join((*head, body)))
    cycle.response_complete = True
    protocol.on_response_complete()
    if not cycle.keep_alive:
        protocol.transport.close()


class _Express:
    """Stands for uvicorn's request cycle while `start_sparql` answers a GET or HEAD of /sparql
    without ASGI: the answer is written from the engine's callback. If the client goes away
    first, the engine's work is abandoned (a long query is stopped)."""

    message_event = _Event()
    more_body = False

    def __init__(self, protocol: MemoHttpProtocol, scope) -> None:
        self.protocol = protocol
        self.scope = scope
        self.pending = None  # the engine's work, if the answer was not known at once
        self.response_complete = False
        self.keep_alive = True
        self._disconnected = False

    @property
    def disconnected(self) -> bool:
        return self._disconnected

    @disconnected.setter
    def disconnected(self, value: bool) -> None:  # uvicorn's connection_lost
        self._disconnected = value
        if value and self.pending is not None:
            self.pending.future.cancel()

    def engine_done(self, _future) -> None:
        if self._disconnected or self.response_complete:
            return
        try:
            answer = self.pending.answer()
        except Exception:  # noqa: BLE001 - never a stack trace to the client
            self.protocol.logger.exception("internal error answering GET /sparql")
            answer = internal_error()
        self.respond(answer)

    def respond(self, answer) -> None:
        scope = self.scope
        try:
            cache = self.pending.cache if self.pending is not None else \
                self.protocol.sparql_app.endpoint_dependencies()[2]
            headers, body = response_parts(answer, head=scope["method"] == "HEAD",
                                           accept_encoding=scope_header(scope, b"accept-encoding"), cache=cache)
            if answer.repeatable:
                remember(scope, status=answer.status, headers=headers, body=body)
        except Exception:  # noqa: BLE001 - as uvicorn does when an app fails before responding
            self.protocol.logger.exception("internal error answering GET /sparql")
            headers, body = _FAILED_HEADERS, _FAILED_BODY
            answer = Answer(500)
        _write_response(self.protocol, self, answer.status, headers, body)


class MemoHttpProtocol(HttpToolsProtocol):
    """Set `memo` and `sparql_app` (the ASGI app, unwrapped) on a subclass (see `protocol_with_memo`)."""

    memo: ResponseMemo
    sparql_app = None
    _head_done = False
    _head_bytes = 0
    _chunk_bytes = 0
    read_seconds = REQUEST_READ_SECONDS
    data_version = None  # with a backend whose data changes: its engine's version, read before the memo
    _reading_since: float | None = None  # loop time the last request (or the connection) began
    _sweeping: set = set()  # loops with a sweeper of slow requests running (one per front)

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._reading_since = self.loop.time()
        if self.loop not in self._sweeping:
            self._sweeping.add(self.loop)
            # A sweep every sixth of the allowance, rather than a timer per request (which costs more).
            _sweep_slow_requests(self.loop, self.server_state.connections, self.read_seconds / 6)

    def data_received(self, data: bytes) -> None:
        self._chunk_bytes = len(data)
        if not self._head_done:
            self._head_bytes += len(data)
        HttpToolsProtocol.data_received(self, data)
        if not self._head_done and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            self._refuse_long_head()

    def _refuse_long_head(self) -> None:
        url = getattr(self, "url", b"")  # read so far (uvicorn's on_url adds each piece)
        if len(url) > MAX_URL_BYTES:  # the URL is what is too long: the status that says so
            self._refuse(414, f"The URL is longer than this server reads ({MAX_URL_BYTES} bytes); {_POST_ADVICE}")
            return
        self._refuse(431, f"The request line and headers are longer than this server reads ({MAX_HEAD_BYTES} "
                          f"bytes); {_POST_ADVICE}")

    def on_message_begin(self) -> None:
        HttpToolsProtocol.on_message_begin(self)
        # The chunk it begins in counts whole (the end of the request before it, if any, with it):
        # a head sent in one write must not pass uncounted.
        self._head_done, self._head_bytes, self._reading_since = False, self._chunk_bytes, self.loop.time()

    def refuse_if_slow(self, now: float) -> None:
        """408 if the request being read (or the first, on a new connection) is overdue. (Found by
        a sweep rather than marked at each request's end: the fewer calls per request, the better.)"""
        since = self._reading_since
        if since is None or now - since < self.read_seconds or self.transport.is_closing() or self.pipeline:
            return
        cycle = self.cycle
        if self._head_done:  # read whole unless its body is still coming
            if cycle is None or cycle.response_complete or not getattr(cycle, "more_body", False):
                return
        elif cycle is not None and not cycle.response_complete:
            return  # still answering the request before this one: its time limit applies
        self._refuse(408, f"The request was not received within {self.read_seconds:g} s.")

    def send_400_response(self, msg: str) -> None:  # uvicorn's, for a request its parser refused
        # Called while uvicorn handles the parser's error: an unknown method is not a bad request.
        if isinstance(sys.exc_info()[1], httptools.HttpParserInvalidMethodError):
            self._refuse(501, "This endpoint does not know that method: it answers GET, HEAD, POST and OPTIONS.")
            return
        self._refuse(400, "The request could not be parsed as HTTP/1.1: the request line or a header is "
                          "malformed. Percent-encode the URL (a space as %20, a non-ASCII character as its "
                          "UTF-8 bytes) or send the query with POST.")

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` with `message` and close: the request cannot be read any further."""
        body = (message + "\n").encode("utf-8")
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"%d" % len(body)),
                   (b"connection", b"close")]
        self.transport.write(b"".join((status_line(status), _server_head(self.server_state.default_headers),
                                       encode_headers(headers), b"\r\n", body)))
        self.transport.close()

    def on_headers_complete(self) -> None:
        self._head_done = True
        # Counted by chunks, the head may look longer than it is (a body in its last chunk): the
        # parsed head decides, measured only then.
        if self._head_bytes > MAX_HEAD_BYTES \
                and len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers) > MAX_HEAD_BYTES:
            self.cycle = _ANSWERED  # its body and completion callbacks have nothing to do
            self._refuse_long_head()
            return
        if len(self.url) > MAX_URL_BYTES and self.sparql_app is not None and not self.pipeline \
                and (self.cycle is None or self.cycle.response_complete):  # else uvicorn's way: a bare 400
            self._refuse_long_url()
            return
        if self.limit_concurrency is not None and (len(self.connections) >= self.limit_concurrency
                                                   or len(self.tasks) >= self.limit_concurrency):
            super().on_headers_complete()  # uvicorn's 503: the short ways too stop past the limit
            return
        key = self._memo_key()
        if key is not None:
            if self.data_version is not None:
                self.memo.follow(self.data_version())
            hit = self.memo.get(key)
            if hit is not None:
                first_line, head, body = hit
                self.transport.writelines((first_line, _server_head(self.server_state.default_headers), head, body))
                self.cycle = _ANSWERED  # its body and completion callbacks have nothing to do
                self.on_response_complete()
                return
            self.scope[SCOPE_KEY] = (self.memo, key, self.memo.generation)  # type: ignore[literal-required]
            if self.sparql_app is not None and not any(name in _PROXY_HEADERS for name, _ in self.headers):
                self._answer_here(key[0])
                return
        super().on_headers_complete()

    def _refuse_long_url(self) -> None:
        self.scope["method"] = self.parser.get_method().decode("ascii", "replace")
        cycle = self.cycle = _Express(self, self.scope)  # type: ignore[assignment]
        cycle.keep_alive = self.parser.should_keep_alive()
        cycle.respond(error_answer(414, f"The URL is {len(self.url)} bytes long, more than this server reads "
                                        f"({MAX_URL_BYTES}); {_POST_ADVICE}"))

    def _answer_here(self, method: bytes) -> None:
        scope = self.scope
        path, _, query = self.url.partition(b"?")
        scope["method"] = method.decode("ascii")
        scope["path"] = self.root_path + path.decode("ascii")
        scope["raw_path"] = self.root_path.encode("ascii") + path
        scope["query_string"] = query
        serves_sparql_at = getattr(self.sparql_app, "serves_sparql_at", None)  # an EndpointApp
        if path == b"/sparql" and serves_sparql_at is not None and serves_sparql_at(scope["path"]):
            step = start_sparql(self.sparql_app, scope)
            if step is not None:
                express = self.cycle = _Express(self, scope)  # type: ignore[assignment]
                if isinstance(step, Answer):
                    express.respond(step)
                else:
                    express.pending = step
                    step.future.add_done_callback(express.engine_done)
                return
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


def _sweep_slow_requests(loop, connections: set, every: float) -> None:
    now = loop.time()
    for protocol in list(connections):
        if isinstance(protocol, MemoHttpProtocol):
            protocol.refuse_if_slow(now)
    loop.call_later(every, _sweep_slow_requests, loop, connections, every)


def protocol_with_memo(memo: ResponseMemo, *, sparql_app=None, read_seconds: float = REQUEST_READ_SECONDS,
                       data_version=None) -> type[MemoHttpProtocol]:
    return type("BoundMemoHttpProtocol", (MemoHttpProtocol,),
                {"memo": memo, "sparql_app": sparql_app, "read_seconds": read_seconds,
                 "data_version": staticmethod(data_version) if data_version else None})
