"""Answer one SPARQL protocol request: the logic behind the /sparql route, free of FastAPI.

protocol checks → content negotiation → ETag/304 → cache → engine → response parts.
"""

from __future__ import annotations

import hashlib
import time
import urllib.parse
from dataclasses import dataclass, field, replace

from ._cache import CachedAnswer, ResultCache
from ._engine import Engine, EngineError, QueryJob, QueryResult
from ._media import KIND_OF_FORM, ResultFormat, format_by_key, negotiate, prefers_html
from ._protocol import ProtocolError, SparqlRequest, parse_query_request
from ._validators import ANY, MATCH, if_match_refuses, none_match, not_modified_status, weak_etag


CACHE_AT_ONCE_AFTER = 0.01  # seconds of compute: a cheaper answer is cached when asked for again


@dataclass(frozen=True)
class Settings:
    timeout: float = 10.0
    max_query_bytes: int = 64 * 1024
    max_result_bytes: int = 64 * 1024 * 1024
    cache_bytes: int = 128 * 1024 * 1024
    cache_entry_bytes: int = 8 * 1024 * 1024
    max_age: int = 3600
    max_query_memory_bytes: int = 1 << 30  # memory a query's worker may take beyond the shared store


@dataclass
class Answer:
    """What the route turns into an HTTP response."""

    status: int
    body: bytes = b""
    media_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # Depends on nothing but the request (a cached answer, a 304): the same request gets the same bytes.
    repeatable: bool = False


def error_answer(status: int, message: str) -> Answer:
    return Answer(status, (message.rstrip("\n") + "\n").encode("utf-8"))


def if_match_held(if_match: str | None, answer: Answer) -> Answer:
    """`answer`, or a 412 when an If-Match condition fails (see `if_match_fails`). Evaluated on the
    answer: a request that fails anyway keeps its own error."""
    if if_match_refuses(if_match, status=answer.status, etag=answer.headers.get("ETag")):
        return if_match_refusal()
    return answer


def if_match_refusal() -> Answer:
    return error_answer(412, "The If-Match condition failed: If-Match compares strong validators, and this "
                             "representation has none that matches (this server's ETags are weak, W/\"…\"). "
                             "To revalidate, send If-None-Match.")


def etag_for(version: str, request: SparqlRequest, fmt_key: str, base_iri: str | None) -> str:
    digest = hashlib.sha256("\x1f".join(
        (version, fmt_key, base_iri or "", request.query, " ".join(request.default_graphs),
         " ".join(request.named_graphs))
    ).encode("utf-8")).hexdigest()[:32]
    return weak_etag(digest)


def _negotiate(accept: str | None, kind: str, format_param: str | None, *, strict: bool) -> ResultFormat:
    """The format for one kind of result. Not `strict` when the query form is unknown (or of
    the other kind): then an unacceptable format falls back to the default, so that pyoxigraph
    gets to report the query's real problem (usually a syntax error with its position)."""
    return negotiate(accept, kind=kind, format_param=format_param, fallback=None if strict else _DEFAULTS[kind])


_DEFAULTS = {"solutions": format_by_key("json"), "graph": format_by_key("turtle")}


def _form_kind(request: SparqlRequest) -> str | None:
    return KIND_OF_FORM.get(request.analysis.form)


@dataclass(frozen=True)
class PendingQuery:
    """A query the engine has to answer: the job, and what the answer will carry."""

    job: QueryJob
    headers: dict[str, str]
    etag: str | None  # None: the answer is not to be cached (a volatile query)
    # If-None-Match: *, which holds once the answer exists: this status instead of the 200.
    status_if_answered: int | None = None
    # What the client accepts, should the answer be of another kind than the lexer expected.
    accept: str | None = None
    format_param: str | None = None


def begin_query(request: SparqlRequest, *, accept: str | None, if_none_match: str | None, version: str,
                settings: Settings, cache: ResultCache, base_iri: str | None = None,
                method: str = "GET") -> Answer | PendingQuery:
    """Everything before the engine: the answer itself (304 or 412, cached, refused format), or the job."""
    kind = _form_kind(request)
    solutions_fmt = _negotiate(accept, "solutions", request.format_param, strict=kind == "solutions")
    graph_fmt = _negotiate(accept, "graph", request.format_param, strict=kind == "graph")
    chosen = solutions_fmt if kind != "graph" else graph_fmt
    job_args = (request.query, request.default_graphs, request.named_graphs, solutions_fmt, graph_fmt, base_iri)
    if request.analysis.volatile:  # NOW(), RAND()…: each run answers anew, so no validator, no cache
        any_answer = if_none_match is not None and if_none_match.strip() == "*"
        return PendingQuery(QueryJob(*job_args, form=request.analysis.form), _unvalidated(), None,
                            not_modified_status(method) if any_answer else None, accept, request.format_param)
    etag = etag_for(version, request, chosen.key, base_iri)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={settings.max_age}",
               "Vary": "Accept, Accept-Encoding"}
    condition = none_match(if_none_match, etag)
    if condition == MATCH:
        return _condition_held(not_modified_status(method), headers)
    cached = cache.get(etag)
    if cached is not None:
        if condition == ANY:
            return _condition_held(not_modified_status(method), headers)
        return Answer(200, cached.body, cached.media_type, headers, repeatable=True)
    return PendingQuery(QueryJob(*job_args, form=request.analysis.form), headers, etag,
                        not_modified_status(method) if condition == ANY else None, accept, request.format_param)


def _unvalidated() -> dict[str, str]:
    """The headers of an answer that is neither cached nor given a validator."""
    return {"Cache-Control": "no-store", "Vary": "Accept, Accept-Encoding"}


def _condition_held(status: int, headers: dict[str, str]) -> Answer:
    """304 (GET, HEAD) or 412 (POST) for an If-None-Match that matched."""
    if status == 304:
        return Answer(304, headers=headers, repeatable=True)
    return error_answer(412, "The If-None-Match condition matched: the answer has not changed.")


def finish_query(pending: PendingQuery, result: QueryResult, *, cache: ResultCache, seconds: float) -> Answer:
    """The engine's answer as the client gets it, kept in the cache. `seconds`: the wall time it
    took, for engines that do not tell their compute time."""
    if result.format.kind != KIND_OF_FORM.get(pending.job.form):
        # The engine answered a kind the lexer did not expect (or could not tell), in a format
        # that may be only a fallback: the client must accept it, or it gets the 406 it is owed.
        # Nor is it cached or validated: its ETag and cache key name the format of the other kind.
        try:
            negotiate(pending.accept, kind=result.format.kind, format_param=pending.format_param)
        except ProtocolError as exc:
            return _refusal(exc)
        pending = replace(pending, headers=_unvalidated(), etag=None)
    media_type = result.format.content_type
    took = result.seconds if result.seconds is not None else seconds
    if pending.etag is not None:
        cache.put(pending.etag, CachedAnswer(result.body, media_type), expensive=took > CACHE_AT_ONCE_AFTER)
    if pending.status_if_answered is not None:
        return _condition_held(pending.status_if_answered, pending.headers)
    return Answer(200, result.body, media_type, pending.headers)


def begin_sparql(*, method: str, content_type_header: str | None, query_string: bytes, body: bytes,
                 accept: str | None, if_none_match: str | None, version: str, settings: Settings,
                 cache: ResultCache, base_iri: str | None = None) -> Answer | PendingQuery | None:
    """The start of a /sparql exchange: an answer, a job for the engine, or None for a request
    without a query (the service description)."""
    if method in ("GET", "HEAD") and prefers_html(accept):
        page = query_page_redirect(query_string)
        if page is not None:
            return page
    try:
        request = parse_query_request(method=method, content_type=content_type_header,
                                      query_string=query_string, body=body,
                                      max_query_bytes=settings.max_query_bytes)
        if request is None:
            return None
        return begin_query(request, accept=accept, if_none_match=if_none_match, version=version,
                           settings=settings, cache=cache, base_iri=base_iri,
                           method="GET" if method == "HEAD" else method)
    except ProtocolError as exc:
        return _refusal(exc)


# What the query page (/query, beside /sparql) can show: a query, nothing else of the protocol.
_PAGE_PARAMETERS = frozenset({"query"})


def query_page_redirect(query_string: bytes) -> Answer | None:
    """For a browser (see `prefers_html`): a 303 to the query page, with the query when there is
    one (the page runs it and shows a table; without one, the query editor). None when the
    request asks for what only the endpoint gives (a `format`, graphs, a malformed request):
    the endpoint answers it as it would any client."""
    try:
        params = urllib.parse.parse_qsl(query_string.decode("ascii"), keep_blank_values=True,
                                        strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    names = [name for name, _ in params]
    if not set(names) <= _PAGE_PARAMETERS or len(names) > 1:
        return None
    # Relative to /sparql, so right behind any proxy or path prefix.
    page = "query" + ("?" + urllib.parse.urlencode(params) if params else "")
    return Answer(303, f"This is the SPARQL endpoint; a browser is shown its query page: {page}\n".encode("utf-8"),
                  headers={"Location": page, "Vary": "Accept", "Cache-Control": "no-cache"})


def _refusal(exc: ProtocolError) -> Answer:
    answer = error_answer(exc.status, str(exc))
    answer.headers.update(dict(exc.headers))
    return answer


async def answer_sparql(*, method: str, content_type_header: str | None, query_string: bytes, body: bytes,
                        accept: str | None, if_none_match: str | None, engine: Engine, settings: Settings,
                        cache: ResultCache, describe, base_iri: str | None = None) -> Answer:
    """The whole /sparql exchange. `describe(accept)` answers a request without a query."""
    step = begin_sparql(method=method, content_type_header=content_type_header, query_string=query_string,
                        body=body, accept=accept, if_none_match=if_none_match, version=engine.version,
                        settings=settings, cache=cache, base_iri=base_iri)
    if step is None:
        try:
            return describe(accept)
        except ProtocolError as exc:
            return _refusal(exc)
    if isinstance(step, Answer):
        return step
    started = time.perf_counter()
    try:
        result = await engine.execute(step.job, timeout=settings.timeout)
    except EngineError as exc:
        return error_answer(exc.status, str(exc))
    return finish_query(step, result, cache=cache, seconds=time.perf_counter() - started)
