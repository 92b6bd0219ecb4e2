"""The response memo in uvicorn's HTTP protocol (server/_http.py): a repeated request gets the
same bytes without reaching the app; anything that could change the answer reaches it."""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading

import pytest
import uvicorn

from territoires_lod.server._http import protocol_with_memo
from territoires_lod.server._memo import ResponseMemo, remember

from .conftest import LiveServer, free_port


# --- the protocol, in uvicorn, before a counting app -----------------------------------------

class _Server:
    """uvicorn with the memo protocol in a thread, before an app that counts its calls, notes
    which way they came (`ways`: "short" or "uvicorn") and answers repeatable requests (those
    with `repeat` in the query string); `fail` in the query string raises."""

    def __init__(self, *, read_seconds: float = 30.0) -> None:
        self.calls = 0
        self.ways: list[str] = []
        self.memo = ResponseMemo(max_bytes=1 << 20)
        self.port = free_port()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                http=protocol_with_memo(self.memo, sparql_app=self.app, read_seconds=read_seconds),
                                log_level="critical", lifespan="off", interface="asgi3")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def app(self, scope, receive, send):
        self.calls += 1
        self.ways.append("short" if type(getattr(send, "__self__", None)).__name__ == "_Exchange" else "uvicorn")
        while (await receive()).get("more_body"):
            pass
        if b"fail" in scope["query_string"]:
            raise ValueError("as asked")
        body = b"" if scope["method"] == "HEAD" else b"call %d %s %s" % (
            self.calls, scope["scheme"].encode(), scope["query_string"])
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body or b"call 0 "))]
        if b"repeat" in scope["query_string"]:
            remember(scope, status=200, headers=headers, body=body)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def __enter__(self):
        self.thread.start()
        while not self.server.started:
            threading.Event().wait(0.01)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture()
def server():
    """The server; no error may reach the event loop's log (asyncio's logger) while it runs."""
    errors = _Errors()
    logging.getLogger("asyncio").addHandler(errors)
    try:
        with _Server() as running:
            yield running
    finally:
        logging.getLogger("asyncio").removeHandler(errors)
    assert [record.getMessage() for record in errors.records] == []


def _exchange(port: int, raw: bytes, responses: int = 1) -> list[bytes]:
    """Send raw request bytes on one connection; read `responses` responses (content-length framed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(raw)
        data, out = b"", []
        while len(out) < responses:
            head_end = data.find(b"\r\n\r\n")
            if head_end >= 0:
                found = re.search(rb"content-length: (\d+)", data[:head_end])
                length = 0 if found is None or raw.startswith(b"HEAD") else int(found.group(1))
                end = head_end + 4 + length
                if len(data) >= end:
                    out.append(data[:end])
                    data = data[end:]
                    continue
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return out


def _get(path: str, *headers: str) -> bytes:
    return ("\r\n".join([f"GET {path} HTTP/1.1", "Host: t", *headers]) + "\r\n\r\n").encode()


def _without_date(response: bytes) -> bytes:
    return re.sub(rb"date: [^\r]*\r\n", b"", response)


def test_a_repeated_request_is_answered_from_the_memo_with_the_same_bytes(server):
    first = _exchange(server.port, _get("/sparql?q=repeat"))[0]
    again = _exchange(server.port, _get("/sparql?q=repeat") * 2, responses=2)
    assert server.calls == 1 and server.ways == ["short"]
    assert [_without_date(r) for r in again] == [_without_date(first)] * 2
    assert b"date: " in again[0] and b"server: uvicorn" in again[0]
    assert server.memo.hits == 2


def test_any_different_header_or_line_reaches_the_app(server):
    _exchange(server.port, _get("/sparql?q=repeat", "Accept: a"))
    _exchange(server.port, _get("/sparql?q=repeat", "Accept: b"))
    _exchange(server.port, _get("/sparql?q=repeat&x", "Accept: a"))
    _exchange(server.port, _get("/sparql?q=repeat", "Accept: a", "X-Forwarded-Proto: https"))
    assert server.calls == 4
    _exchange(server.port, _get("/sparql?q=repeat", "Accept: a"))
    assert server.calls == 4


@pytest.mark.parametrize("raw", [
    _get("/sparql?q=once"),  # the app did not call remember()
    _get("/other?q=repeat"),  # not the endpoint
    b"GET /sparql?q=repeat HTTP/1.0\r\nHost: t\r\n\r\n",
    _get("/sparql?q=repeat", "Connection: close"),
    b"GET /sparql?q=repeat HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nab",
    b"POST /sparql?q=repeat HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
])
def test_requests_the_memo_leaves_to_the_app(server, raw):
    for _ in range(2):
        assert _exchange(server.port, raw)[0].startswith(b"HTTP/1.1 200")
    assert server.calls == 2


def test_the_short_way_answers_as_uvicorn_would(server):
    short = _exchange(server.port, _get("/sparql?q=one"))[0]
    long = _exchange(server.port, _get("/sparql?q=one", "Connection: close"))[0]
    assert server.ways == ["short", "uvicorn"]
    assert _without_date(short).replace(b"call 1", b"call 2") + b"" == \
        _without_date(long).replace(b"connection: close\r\n", b"")
    assert b"connection: close" in long


def test_proxy_headers_take_uvicorns_way(server):
    answer = _exchange(server.port, _get("/sparql?q=one", "X-Forwarded-Proto: https"))[0]
    assert server.ways == ["uvicorn"] and b" https " in answer  # uvicorn's middleware applied them


def test_an_app_error_is_a_500_and_the_connection_goes_on(server):
    answers = _exchange(server.port, _get("/sparql?q=fail") + _get("/sparql?q=ok"), responses=2)
    assert answers[0].startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert answers[0].endswith(b"Internal Server Error") and answers[1].startswith(b"HTTP/1.1 200")


def test_head_is_kept_apart_from_get(server):
    head = b"HEAD /sparql?q=repeat HTTP/1.1\r\nHost: t\r\n\r\n"
    _exchange(server.port, head)
    _exchange(server.port, _get("/sparql?q=repeat"))
    assert server.calls == 2
    assert _exchange(server.port, head)[0].endswith(b"\r\n\r\n")
    assert server.calls == 2


def test_pipelined_requests_are_answered_in_order(server):
    _exchange(server.port, _get("/sparql?q=repeat"))  # memoised
    raw = _get("/sparql?q=slow") + _get("/sparql?q=repeat") + _get("/sparql?q=other")
    answers = _exchange(server.port, raw, responses=3)
    assert [re.search(rb"\r\n\r\n(.*)", a, re.S).group(1).split(b" ")[-1] for a in answers] == \
        [b"q=slow", b"q=repeat", b"q=other"]


# --- the real endpoint ------------------------------------------------------------------------

def test_the_endpoint_replays_cached_answers_exactly(dist):
    query = "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%3Fs%20a%20%3Ft%7D%20LIMIT%202"
    with LiveServer("--data", str(dist / "territoires-industrie.nq"), "--fronts", "1") as live:
        port = live.port
        csv = [_exchange(port, _get(query, "Accept: text/csv"))[0] for _ in range(3)]
        json = _exchange(port, _get(query, "Accept: application/sparql-results+json"))[0]
        etag = re.search(rb"etag: (\S+)", csv[0]).group(1).decode()
        not_modified = [_exchange(port, _get(query, "Accept: text/csv", f"If-None-Match: {etag}"))[0]
                        for _ in range(2)]
    assert len({_without_date(r) for r in csv}) == 1 and b"text/csv" in csv[0]
    assert b"application/sparql-results+json" in json and b'"bindings"' in json
    assert [r.split(b"\r\n")[0] for r in not_modified] == [b"HTTP/1.1 304 Not Modified"] * 2


def test_a_request_the_parser_refuses_gets_a_400_that_says_what_to_do(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall("GET /sparql?query=ASK { é } HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    assert data.startswith(b"HTTP/1.1 400 ") and b"Percent-encode the URL" in data
    assert server.calls == 0


# --- requests that never end: bounded in size and in time ----------------------------------------

def test_a_head_longer_than_the_limit_is_a_431(server):
    from territoires_lod.server._http import MAX_HEAD_BYTES

    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /sparql?q=1 HTTP/1.1\r\nHost: t\r\nX-Big: ")
        sent, refused = 0, b""
        try:
            while sent < 4 * MAX_HEAD_BYTES:
                sock.sendall(b"x" * 8192)
                sent += 8192
        except (BrokenPipeError, ConnectionResetError):
            pass
        refused = sock.recv(4096)
    assert refused.startswith(b"HTTP/1.1 431 ") and b"POST" in refused
    assert server.calls == 0


def test_a_head_over_the_limit_in_one_write_is_a_431_too(server):
    # The whole head in the first chunk read: it must count as much as one sent in pieces.
    from territoires_lod.server._http import MAX_HEAD_BYTES

    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(_get("/sparql?q=1", "X-Big: " + "x" * (MAX_HEAD_BYTES + 10_000)))
        refused = sock.recv(4096)
    assert refused.startswith(b"HTTP/1.1 431 ")
    assert server.calls == 0


@pytest.mark.parametrize("pieces", [1, 40])
def test_a_url_longer_than_the_whole_head_limit_is_a_414_not_a_431(server, pieces):
    from territoires_lod.server._http import MAX_HEAD_BYTES

    head = _get("/sparql?query=" + "x" * (MAX_HEAD_BYTES + 10_000))
    step = len(head) // pieces + 1
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for start in range(0, len(head), step):
                sock.sendall(head[start:start + step])
        refused = sock.recv(4096)
    assert refused.startswith(b"HTTP/1.1 414 ") and b"POST" in refused
    assert server.calls == 0


def test_a_short_head_with_a_long_body_in_one_write_is_answered(server):
    from territoires_lod.server._http import MAX_HEAD_BYTES

    body = b"q=" + b"a" * (2 * MAX_HEAD_BYTES)
    request = (b"POST /other HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)) + body
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200 ")


def test_an_unknown_method_is_a_501_not_a_malformed_request(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"FOO /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: t\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    assert data.startswith(b"HTTP/1.1 501 ") and b"GET, HEAD, POST and OPTIONS" in data
    assert server.calls == 0


def test_a_long_request_within_the_limit_is_answered(server):
    response = _exchange(server.port, _get("/sparql?q=" + "a" * 60000, "X-Long: " + "b" * 30000))[0]
    assert response.startswith(b"HTTP/1.1 200 ")


@pytest.fixture()
def impatient_server():
    with _Server(read_seconds=0.6) as running:
        yield running


@pytest.mark.parametrize("raw", [
    b"",  # a connection that sends nothing
    b"GET /sparql?q=1 HTTP/1.1\r\nHost: t\r\n",  # headers that never end
    b"POST /sparql HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab",  # a body that never ends
])
def test_a_request_not_sent_in_time_is_a_408_and_the_connection_closes(impatient_server, raw):
    import time

    with socket.create_connection(("127.0.0.1", impatient_server.port), timeout=5) as sock:
        start = time.monotonic()
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        elapsed = time.monotonic() - start
    assert data.startswith(b"HTTP/1.1 408 ") and b"connection: close" in data
    assert 0.5 < elapsed < 2
    # The server goes on (an app waiting for the body is told the client is gone).
    assert _exchange(impatient_server.port, _get("/sparql?q=1"))[0].startswith(b"HTTP/1.1 200 ")


def test_a_slow_answer_is_not_cut_by_the_read_limit(impatient_server):
    # The limit is on reading the request; kept-alive connections then get the next request's.
    responses = _exchange(impatient_server.port, _get("/sparql?q=1") * 2, responses=2)
    assert [r[:13] for r in responses] == [b"HTTP/1.1 200 "] * 2
