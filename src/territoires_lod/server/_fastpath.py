"""/sparql as a plain ASGI handler: the same `answer_sparql` as any route, without the framework's
per-request machinery (dependency resolution, Request objects, middleware stack), which cost
three quarters of the time of a cached answer. CORS and gzip are applied here for this path.

`start_sparql` goes further for the usual request, a GET with the query in the URL: no ASGI
exchange and no task; the HTTP protocol (_http.py) writes the answer from the engine's callback.
It takes the same steps as `answer_sparql` (`begin_sparql`, the engine, `finish_query`)."""

from __future__ import annotations

import asyncio
import gzip
import logging
import time
from dataclasses import dataclass

from ._answer import Answer, PendingQuery, answer_sparql, begin_sparql, error_answer, finish_query, if_match_held
from ._engine import EngineError
from ._media import accepts_gzip
from ._memo import remember
from ._protocol import BAD_HOST, valid_host

log = logging.getLogger("territoires_lod.server")

# What a script on another site may read: the validators, and the links to a resource's other formats.
EXPOSED_HEADERS = ("ETag", "Content-Type", "Cache-Control", "Link", "Content-Location")
CORS_HEADERS = [(b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", ", ".join(EXPOSED_HEADERS).encode("ascii"))]
GZIP_MIN_BYTES = 1024
# scope entry: the path the client asked, when the app answers it as another (see EndpointApp)
ASKED_PATH = "territoires_lod.asked_path"


def internal_error() -> Answer:
    return error_answer(500, "Internal error of the endpoint; it has been logged.")


def header_map(scope) -> dict[str, str]:
    """The headers of an ASGI scope; a header sent on several lines is their values joined by
    commas (RFC 9110 §5.3: the same list), so that none is missed, and a repeated Host fails."""
    headers = {}
    for key, value in scope["headers"]:
        name = key.decode("latin-1")
        headers[name] = f"{headers[name]}, {value.decode('latin-1')}" if name in headers else value.decode("latin-1")
    return headers


def scope_header(scope, name: bytes) -> str:
    """One header of an ASGI scope or response start (`name` lower-case, as ASGI's header names
    are), its lines joined as in `header_map`; "" when absent."""
    values = [value.decode("latin-1") for key, value in scope["headers"] if key == name]
    return ", ".join(values)


def endpoint_url(scope, headers: dict[str, str]) -> str | None:
    """This endpoint's URL as the client named it (the base of relative IRIs, the service
    description's sd:endpoint); None when the Host header is malformed, or missing from an
    HTTP/1.1 request (RFC 9112: a 400)."""
    host = headers.get("host")
    if not valid_host(host, scope.get("http_version")):
        return None
    if not host:  # HTTP/1.0
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
    path = scope.get(ASKED_PATH) or scope["path"]
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{path}"


def encoded(content_encoding: str | None) -> bool:
    """Whether a Content-Encoding header names a coding other than identity (none)."""
    if content_encoding is None:
        return False
    return any(c.strip().lower() not in ("", "identity") for c in content_encoding.split(","))


async def read_body(receive, limit: int) -> bytes | None:
    """The request body, or None once it passes `limit` bytes (refused before buffering it all)."""
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body"):
            return bytes(body)


def gzip_body(answer: Answer, cache) -> bytes:
    key = ("gzip", answer.headers.get("ETag"))
    if key[1] is not None:
        hit = cache.get_extra(key)
        if hit is not None:
            return hit
    compressed = gzip.compress(answer.body, compresslevel=6, mtime=0)
    if key[1] is not None:
        cache.put_extra(key, compressed)
    return compressed


def response_parts(answer: Answer, *, head: bool, accept_encoding: str, cache) -> tuple[list, bytes]:
    """The header list and body bytes of `answer` (CORS, gzip when asked for and worth it)."""
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()]
    headers += CORS_HEADERS
    body = answer.body
    if answer.status != 304:
        headers.append((b"content-type", answer.media_type.encode("latin-1")))
        if len(body) >= GZIP_MIN_BYTES and accepts_gzip(accept_encoding):
            body = gzip_body(answer, cache)
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        if not any(k == b"vary" for k, _ in headers):
            headers.append((b"vary", b"Accept, Accept-Encoding"))
    return headers, b"" if head or answer.status == 304 else body


async def send_answer(send, answer: Answer, *, head: bool, accept_encoding: str, cache, scope=None) -> None:
    headers, body = response_parts(answer, head=head, accept_encoding=accept_encoding, cache=cache)
    if answer.repeatable and scope is not None:
        remember(scope, status=answer.status, headers=headers, body=body)
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class PendingAnswer:
    """A /sparql answer the engine is computing: `answer()` once `future` is done."""

    future: asyncio.Future
    engine: object
    step: PendingQuery
    cache: object
    timeout: float
    started: float

    def answer(self) -> Answer:
        try:
            result = self.engine.result_of(self.step.job, self.future, timeout=self.timeout)
        except EngineError as exc:
            return error_answer(exc.status, str(exc))
        return finish_query(self.step, result, cache=self.cache, seconds=time.perf_counter() - self.started)


def start_sparql(app, scope) -> Answer | PendingAnswer | None:
    """A bodiless GET or HEAD of /sparql, answered without ASGI or a task: the answer, or the
    engine's pending work. None when it needs `handle_sparql` (a service description, or an
    engine without `submit`). Same steps, same answers as `handle_sparql`."""
    try:
        engine, settings, cache = app.endpoint_dependencies()
        if not hasattr(engine, "submit"):
            return None
        headers = header_map(scope)
        if "if-match" in headers:
            return None  # rare: `handle_sparql` evaluates it, once the answer is known
        url = endpoint_url(scope, headers)
        if url is None:
            return error_answer(400, BAD_HOST)
        step = begin_sparql(method="GET", content_type_header=headers.get("content-type"),
                            query_string=scope["query_string"], body=b"", accept=headers.get("accept"),
                            if_none_match=headers.get("if-none-match"), version=engine.version,
                            settings=settings, cache=cache, base_iri=url)
        if step is None or isinstance(step, Answer):
            return step
        started = time.perf_counter()
        future = engine.submit(step.job, timeout=settings.timeout)
        return PendingAnswer(future, engine, step, cache, settings.timeout, started)
    except Exception:  # never a stack trace to the client
        log.exception("internal error answering %s %s", scope["method"], scope["path"])
        return internal_error()


async def handle_sparql(app, scope, receive, send) -> None:
    headers = header_map(scope)
    engine, settings, cache = app.endpoint_dependencies()
    try:
        body = await read_body(receive, 4 * settings.max_query_bytes)
        url = endpoint_url(scope, headers)
        if url is None:
            answer = error_answer(400, BAD_HOST)
        elif body is None:
            answer = error_answer(413, f"The request body is larger than this endpoint's limit of "
                                       f"{4 * settings.max_query_bytes} bytes, and a query may have at most "
                                       f"{settings.max_query_bytes} (UTF-8): shorten it or split it into "
                                       f"several queries.")
        elif scope["method"] == "POST" and encoded(headers.get("content-encoding")):
            answer = error_answer(415, f"The request body is encoded (Content-Encoding: "
                                       f"{headers['content-encoding'][:40]}); this endpoint reads bodies as "
                                       f"they are sent: send it without a Content-Encoding.")
            answer.headers["Accept-Encoding"] = "identity"
        else:
            answer = await answer_sparql(
                method="GET" if scope["method"] == "HEAD" else scope["method"],
                content_type_header=headers.get("content-type"), query_string=scope["query_string"], body=body,
                accept=headers.get("accept"), if_none_match=headers.get("if-none-match"), engine=engine,
                settings=settings, cache=cache, base_iri=url,
                describe=lambda accept: app.describe_service(url, engine, accept, scope["query_string"],
                                                             if_none_match=headers.get("if-none-match")))
        answer = if_match_held(headers.get("if-match"), answer)
    except Exception:  # never a stack trace to the client
        log.exception("internal error answering %s %s", scope["method"], scope["path"])
        answer = internal_error()
    await send_answer(send, answer, head=scope["method"] == "HEAD",
                      accept_encoding=headers.get("accept-encoding", ""), cache=cache, scope=scope)
