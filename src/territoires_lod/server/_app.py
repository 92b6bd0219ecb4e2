"""The FastAPI application: thin routes that gather their dependencies and call one function."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response

from ._answer import Answer, Settings, answer_sparql, content_type, error_answer
from ._cache import ResultCache
from ._description import service_description
from ._engine import Engine
from ._media import negotiate
from ._protocol import ProtocolError

router = APIRouter()


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_cache(request: Request) -> ResultCache:
    return request.app.state.cache


def to_response(answer: Answer) -> Response:
    return Response(answer.body, status_code=answer.status,
                    media_type=None if answer.status == 304 else answer.media_type, headers=answer.headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing early (413) past `limit` bytes rather than buffering it all."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProtocolError(413, f"The request body is larger than this endpoint's limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def endpoint_url(request: Request) -> str:
    return str(request.url.replace(query=None, fragment=None))


def describe_service(request: Request, engine: Engine, accept: str | None, format_param=None) -> Answer:
    fmt = negotiate(accept, kind="graph", format_param=format_param)
    url = endpoint_url(request)
    key = (url, fmt.key)
    cache = request.app.state.descriptions
    if key not in cache:
        graph = service_description(endpoint=url, stats=engine.stats)
        rdflib_format = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml",
                         "trig": "trig", "nquads": "nquads"}[fmt.key]
        if len(cache) > 64:
            cache.clear()
        cache[key] = graph.serialize(format=rdflib_format, encoding="utf-8")
    return Answer(200, cache[key], content_type(fmt), {"Vary": "Accept"})


@router.api_route("/sparql", methods=["GET", "POST", "HEAD"])
async def sparql(request: Request, engine: Engine = Depends(get_engine),
                 settings: Settings = Depends(get_settings), cache: ResultCache = Depends(get_cache)) -> Response:
    accept = request.headers.get("accept")
    try:
        body = await read_body(request, limit=4 * settings.max_query_bytes)
    except ProtocolError as exc:
        return to_response(error_answer(exc.status, str(exc)))

    def describe(accept_header):
        return describe_service(request, engine, accept_header, request.query_params.get("format"))

    answer = await answer_sparql(
        method="GET" if request.method == "HEAD" else request.method,
        content_type_header=request.headers.get("content-type"), query_string=request.url.query.encode("latin-1"),
        body=body, accept=accept, if_none_match=request.headers.get("if-none-match"), engine=engine,
        settings=settings, cache=cache, describe=describe, base_iri=endpoint_url(request))
    response = to_response(answer)
    if request.method == "HEAD":
        response.body = b""
    return response


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"])
async def sparql_other_methods(request: Request) -> Response:
    answer = error_answer(405, f"{request.method} is not supported here: send queries with GET or POST "
                               "(SPARQL 1.1 Protocol). This endpoint is read-only.")
    answer.headers["Allow"] = "GET, POST, HEAD, OPTIONS"
    return to_response(answer)


def create_app(*, engine: Engine, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await app.state.engine.start()
        try:
            yield
        finally:
            await app.state.engine.close()

    app = FastAPI(title="territoires-lod SPARQL endpoint", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.engine = engine
    app.state.settings = settings
    app.state.cache = ResultCache(max_bytes=settings.cache_bytes, max_entry_bytes=settings.cache_entry_bytes)
    app.state.descriptions = {}
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                       allow_headers=["*"], expose_headers=["ETag", "Content-Type", "Cache-Control"], max_age=86400)
    app.include_router(router)

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, _exc: Exception) -> Response:  # never a stack trace
        return to_response(error_answer(500, "Internal error of the endpoint; it has been logged."))

    return app
