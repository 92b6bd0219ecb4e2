"""The ASGI application: FastAPI for every route, with /sparql answered on a fast path.

/sparql is the SPARQL 1.1 Protocol; every other path is the linked-data front (`_web`): pages,
dereferenced IRIs, downloads, the query UI. Paths under the canonical base's path
(`/territoires-industrie/…`, as w3id.org forwards them) are answered as the same path at the root.

Routes stay thin: they gather their dependencies (engine, settings, cache: swappable through
FastAPI's `dependency_overrides`) and call one function.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.parse
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ._answer import Answer, Settings, error_answer, if_match_refusal
from ._cache import ResultCache
from ._description import service_description
from ._engine import Engine
from ._fastpath import ASKED_PATH, EXPOSED_HEADERS, handle_sparql, scope_header
from ._media import RDFLIB_FORMATS, accepts_gzip, formats_of, negotiate
from ._protocol import ALLOWED_METHODS, BAD_HOST, ProtocolError, valid_host
from ._validators import if_match_refuses, none_match, weak_etag
from ._site import Site
from ._web import get_cache, get_engine, get_settings, to_response
from ._web import router as web_router

log = logging.getLogger("territoires_lod.server")
router = APIRouter()
ALLOW = ", ".join((*ALLOWED_METHODS, "OPTIONS"))


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH", "TRACE", "CONNECT"])
async def sparql_other_methods(request: Request) -> Response:
    answer = error_answer(405, f"{request.method} is not supported here: send queries with GET or POST "
                               "(SPARQL 1.1 Protocol). This endpoint is read-only.")
    answer.headers["Allow"] = ALLOW
    return to_response(answer)


@router.api_route("/sparql", methods=["OPTIONS"])
async def sparql_options() -> Response:
    """What the endpoint allows (a CORS preflight is answered before, by the CORS middleware)."""
    return Response(status_code=204, headers={"Allow": ALLOW})


class EndpointApp(FastAPI):
    """FastAPI, except that GET/POST/HEAD /sparql go straight to `handle_sparql`."""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and (path := self._local_path(scope["path"])) != scope["path"]:
            # The path as asked stays the endpoint's URL (sd:endpoint, the base of relative IRIs).
            scope = {k: v for k, v in scope.items() if k != "raw_path"} | {"path": path, ASKED_PATH: scope["path"]}
        if scope["type"] == "http" and scope["path"] == "/sparql" and scope["method"] in ("GET", "POST", "HEAD"):
            await handle_sparql(self, scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def _local_path(self, path: str) -> str:
        """The path below the site's base path (the IRIs' own), when it is under it."""
        prefix = self.state.base_path
        return path[len(prefix) - 1:] if prefix and path.startswith(prefix) else path

    def serves_sparql_at(self, path: str) -> bool:
        """Whether a GET or HEAD of `path` goes to `handle_sparql`."""
        return self._local_path(path) == "/sparql"

    def endpoint_dependencies(self) -> tuple[Engine, Settings, ResultCache]:
        """The same dependencies a route would get, `dependency_overrides` included."""
        state = self.state
        if not self.dependency_overrides:  # the usual case, on every request
            return state.engine, state.settings, state.cache

        def resolve(dependency, default):
            override = self.dependency_overrides.get(dependency)
            return override() if override is not None else default

        return (resolve(get_engine, self.state.engine), resolve(get_settings, self.state.settings),
                resolve(get_cache, self.state.cache))

    def describe_service(self, url: str, engine: Engine, accept: str | None, query_string: bytes,
                         if_none_match: str | None = None) -> Answer:
        params = urllib.parse.parse_qs(query_string.decode("latin-1"))
        try:
            fmt = negotiate(accept, kind="graph", format_param=(params.get("format") or [None])[0])
        except ProtocolError as exc:
            if exc.status != 406:
                raise
            raise ProtocolError(406, f"The Accept header allows none of the formats of this service description; "
                                     f"accept one of {', '.join(f.media_type for f in formats_of('graph'))} "
                                     f"(or add the format parameter, e.g. format=turtle).") from None
        key = (url, fmt.key, engine.version)
        cache = self.state.descriptions
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            graph = service_description(endpoint=url, stats=engine.stats)
            cache[key] = graph.serialize(format=RDFLIB_FORMATS[fmt.key], encoding="utf-8")
        etag = weak_etag(hashlib.sha256("\x1f".join(key).encode("utf-8")).hexdigest()[:32])
        headers = {"Vary": "Accept, Accept-Encoding", "ETag": etag,
                   "Cache-Control": f"public, max-age={self.state.settings.max_age}"}
        if none_match(if_none_match, etag) is not None:  # MATCH, or * (the description exists)
            return Answer(304, headers=headers)
        return Answer(200, cache[key], fmt.content_type, headers)


class NegotiatedGZip:
    """Starlette's gzip, for the clients whose Accept-Encoding allows it (`accepts_gzip`: q-values
    heeded; Starlette alone looks for the word "gzip", so `gzip;q=0` got gzip)."""

    def __init__(self, app, **options) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, **options)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            if accepts_gzip(scope_header(scope, b"accept-encoding")):
                # Starlette looks for the word "gzip" itself: hand it one (x-gzip, *, GZIP allow it too).
                headers = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]
                await self.gzip({**scope, "headers": [*headers, (b"accept-encoding", b"gzip")]}, receive, send)
                return
        await self.app(scope, receive, send)


class HostCheck:
    """A 400 for a malformed Host header, or none in HTTP/1.1, on every route: pages, links and
    IRIs are built on it."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            host = scope_header(scope, b"host")
            if not valid_host(host, scope.get("http_version")):
                await to_response(error_answer(400, BAD_HOST))(scope, receive, send)
                return
        await self.app(scope, receive, send)


class IfMatch:
    """A 412 instead of a success when an If-Match condition fails (RFC 9110 §13.1.1), on every
    route but /sparql's fast path, which evaluates it itself (`if_match_held`). The condition is
    read on the route's answer: an error keeps its own status. OPTIONS selects no representation:
    its preconditions are ignored (§13.2.1)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if_match = scope_header(scope, b"if-match") if scope["type"] == "http" else ""
        if not if_match.strip() or if_match.strip() == "*" or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        refused = False

        async def checked_send(message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                refused = if_match_refuses(if_match, status=message["status"],
                                           etag=scope_header(message, b"etag") or None)
                if refused:
                    await to_response(if_match_refusal())(scope, receive, send)
                    return
            if not refused:
                await send(message)

        await self.app(scope, receive, checked_send)


def create_app(*, engine: Engine, settings: Settings | None = None, site: Site | None = None,
               examples: list[dict] | tuple = (), yasgui_dir: Path | None = None) -> EndpointApp:
    """`site`: what dist/ holds besides the store (catalogue, ontology, shapes, downloads); without
    it only /sparql answers. `examples`: the query UI's tabs ({"title": {lang: …}, "description":
    {lang: …}, "query": …}). `yasgui_dir`: the folder of YASGUI's built assets, if installed."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: EndpointApp):
        await app.state.engine.start()
        try:
            yield
        finally:
            await app.state.engine.close()

    app = EndpointApp(title="territoires-lod", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine
    app.state.settings = settings
    app.state.cache = ResultCache(max_bytes=settings.cache_bytes, max_entry_bytes=settings.cache_entry_bytes)
    app.state.descriptions = {}
    app.state.site = site
    app.state.examples = list(examples)
    app.state.yasgui_dir = yasgui_dir
    app.state.ontology_html = None
    path = urllib.parse.urlsplit(site.base).path if site is not None else "/"
    app.state.base_path = path if path != "/" else None
    app.add_middleware(IfMatch)
    app.add_middleware(NegotiatedGZip, minimum_size=1024, compresslevel=6)
    app.add_middleware(HostCheck)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                       allow_headers=["*"], expose_headers=list(EXPOSED_HEADERS), max_age=86400)
    app.include_router(router)
    app.include_router(web_router)  # last: its catch-all route answers every other IRI

    @app.exception_handler(StarletteHTTPException)
    async def framework_error(request: Request, exc: StarletteHTTPException) -> Response:
        # The framework's own refusals (a method a route does not take…) as plain text, like ours.
        message = (f"{request.method} is not allowed here; this address answers {exc.headers['Allow']}."
                   if exc.status_code == 405 and exc.headers and "Allow" in exc.headers else str(exc.detail))
        answer = error_answer(exc.status_code, message)
        answer.headers.update(exc.headers or {})
        return to_response(answer)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:  # never a stack trace
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return to_response(error_answer(500, "Internal error of the endpoint; it has been logged."))

    return app
