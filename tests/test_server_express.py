"""GET /sparql answered from callbacks (`start_sparql` in _fastpath.py, `_Express` in _http.py):
the same answers as the ASGI way, and a client that leaves stops its long query.

The server runs in a thread with the real app, the real engine (forked query workers) and the
memo protocol. A request with `Connection: close` takes uvicorn's (ASGI) way; the same request
without it takes the express way: their answers must be the same bytes.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse

import httpx
import pytest
import uvicorn

from territoires_lod.server import EmbeddedEngine
from territoires_lod.server._answer import Settings
from territoires_lod.server._app import create_app
from territoires_lod.server._http import protocol_with_memo
from territoires_lod.server._memo import ResponseMemo

from .conftest import free_port

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


class _Server:
    def __init__(self, nquads) -> None:
        self.engine = EmbeddedEngine([nquads], workers=1, max_result_bytes=1 << 20)  # forks before the thread
        self.app = create_app(engine=self.engine, settings=Settings(timeout=5))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="critical",
                                http=protocol_with_memo(ResponseMemo(max_bytes=1 << 20), sparql_app=self.app))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def server(dist):
    with _Server(dist / "territoires-industrie.nq") as running:
        yield running


def _raw(port: int, path: str, headers: dict[str, str], *, head: bool = False) -> tuple[bytes, dict, bytes]:
    headers = dict(headers)
    host = headers.pop("Host", f"127.0.0.1:{port}")  # None: no Host header
    lines = [f"{'HEAD' if head else 'GET'} {path} HTTP/1.1", *([f"Host: {host}"] if host is not None else []),
             *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall("\r\n".join(lines).encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head_bytes, body = data.split(b"\r\n\r\n", 1)
        status, *header_lines = head_bytes.split(b"\r\n")
        fields = {name.lower(): value for name, value in
                  (line.decode("latin-1").split(": ", 1) for line in header_lines)}
        length = 0 if head else int(fields.get("content-length", 0))
        while len(body) < length:
            body += sock.recv(65536)
    return status, fields, body


CASES = {
    "json": ("?query=" + urllib.parse.quote(COUNT), {"Accept": "application/sparql-results+json"}),
    "csv": ("?query=" + urllib.parse.quote(COUNT), {"Accept": "text/csv"}),
    "q-values": ("?query=" + urllib.parse.quote(COUNT), {"Accept": "text/tab-separated-values;q=0.9, text/csv;q=0.5"}),
    "format": ("?format=xml&query=" + urllib.parse.quote(COUNT), {}),
    "construct": ("?query=" + urllib.parse.quote("CONSTRUCT WHERE { ?s a ?t } LIMIT 20"), {"Accept": "text/turtle"}),
    "gzip": ("?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o } LIMIT 200"), {"Accept-Encoding": "gzip"}),
    "406": ("?query=" + urllib.parse.quote(COUNT), {"Accept": "image/png"}),
    "syntax": ("?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p }"), {}),
    "update": ("?query=" + urllib.parse.quote("INSERT DATA { <a:a> <a:b> <a:c> }"), {}),
    "service": ("?query=" + urllib.parse.quote("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), {}),
    "two queries": ("?query=ASK%7B%7D&query=ASK%7B%7D", {}),
    "graphs": ("?default-graph-uri=https%3A%2F%2Fexample.org%2Fnone&query=" + urllib.parse.quote(COUNT), {}),
    "not utf-8": ("?query=ASK%7B%FF%7D", {}),
    "description": ("", {"Accept": "text/turtle"}),
    "browser": ("?query=" + urllib.parse.quote(COUNT), {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}),
}


@pytest.fixture()
def express_calls(monkeypatch):
    """The requests `start_sparql` saw."""
    from territoires_lod.server import _http

    calls = []

    def counting(app, scope):
        calls.append(scope["query_string"])
        return start_sparql(app, scope)

    start_sparql = _http.start_sparql
    monkeypatch.setattr(_http, "start_sparql", counting)
    return calls


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@pytest.mark.parametrize("head", [False, True], ids=["GET", "HEAD"])
def test_the_express_way_answers_as_the_asgi_way(server, case, head, express_calls):
    query, headers = CASES[case]
    asgi = _raw(server.port, "/sparql" + query, {**headers, "Connection": "close"}, head=head)
    assert express_calls == []
    express = _raw(server.port, "/sparql" + query, headers, head=head)
    assert len(express_calls) == (1 if query else 0)
    for answer in (asgi, express):
        answer[1].pop("date"), answer[1].pop("connection", None)
    assert express == asgi
    assert express[0].split()[1] != b"500"


@pytest.mark.parametrize("connection", ["keep-alive", "close"])  # close: urllib's, so SPARQLWrapper's
def test_a_url_too_long_to_parse_gets_a_414_that_says_to_post(server, connection):
    query = "SELECT * WHERE { VALUES ?x { " + "<http://example.org/x> " * 4000 + "} }"
    path = "/sparql?query=" + urllib.parse.quote(query)
    assert len(path) > 65535
    status, fields, body = _raw(server.port, path, {"Connection": connection})
    assert status.split()[1] == b"414" and b"POST" in body
    assert fields.get("connection") == ("close" if connection == "close" else None)


def test_a_malformed_host_on_the_express_way(server):
    status, _, body = _raw(server.port, "/sparql?query=" + urllib.parse.quote(COUNT), {"Host": "exa mple"})
    assert status.split()[1] == b"400" and b"Host header" in body


@pytest.mark.parametrize("path", ["/sparql?query=" + urllib.parse.quote(COUNT), "/sparql"])
def test_an_http_1_1_request_without_host_is_a_400(server, path):
    status, _, body = _raw(server.port, path, {"Host": None})
    assert status.split()[1] == b"400" and b"Host header is missing" in body


def test_an_http_1_0_request_without_host_is_answered(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /sparql?query=" + urllib.parse.quote(COUNT).encode() + b" HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.split(b"\r\n", 1)[0].split()[1] == b"200"


def test_a_304_on_the_express_way(server):
    _, fields, _ = _raw(server.port, "/sparql?query=" + urllib.parse.quote(COUNT), {})
    status, again, body = _raw(server.port, "/sparql?query=" + urllib.parse.quote(COUNT),
                               {"If-None-Match": fields["etag"]})
    assert status.split()[1] == b"304" and body == b"" and again["etag"] == fields["etag"]


def test_a_client_that_leaves_stops_its_long_query(server):
    pool = server.engine.pool
    replaced, demoted = pool.replaced, pool.demoted
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"GET /sparql?query={urllib.parse.quote(SLOW)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        deadline = time.monotonic() + 5
        while pool.demoted == demoted and time.monotonic() < deadline:  # it left the short lane
            time.sleep(0.02)
        assert pool.demoted > demoted
    deadline = time.monotonic() + 5
    while pool.replaced == replaced and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pool.replaced > replaced  # its worker was killed, long before the 5 s time limit
    assert httpx.get(server.url, params={"query": "ASK {}"}, timeout=5).json()["boolean"] is True


def test_the_time_limit_on_the_express_way(server):
    start = time.monotonic()
    response = httpx.get(server.url, params={"query": SLOW}, timeout=30)
    assert response.status_code == 503 and "limit of 5 s" in response.text
    assert time.monotonic() - start < 8
