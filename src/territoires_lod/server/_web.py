"""The linked-data routes: pages, dereferenced IRIs, downloads, the query UI, sitemap and robots.

Routes are thin: they gather their dependencies (swappable through `dependency_overrides`) and
call one function of `_linkeddata`, `_home`, `_query_page` or this module's small helpers.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from rdflib import URIRef

from ._answer import Answer, Settings, error_answer
from ._cache import ResultCache
from ._engine import Engine, EngineError
from ._fastpath import ASKED_PATH
from ._home import dataset_schema_org, home_model, home_queries
from ._linkeddata import Dereference, LinkedData, alternates, other_language, split_extension
from ._pages import Linker, choose_language, render
from ._ontology_page import finish_ontology_page
from ._query_page import query_page
from ._site import Site
from ._validators import none_match, weak_etag

log = logging.getLogger("territoires_lod.server")
router = APIRouter()
STATIC = resources.files("territoires_lod.server") / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".map": "application/json"}


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_cache(request: Request) -> ResultCache:
    return request.app.state.cache


def get_site(request: Request) -> Site | None:
    return request.app.state.site


def get_linked_data(engine: Engine = Depends(get_engine), settings: Settings = Depends(get_settings),
                    cache: ResultCache = Depends(get_cache), site: Site | None = Depends(get_site)):
    return None if site is None else LinkedData(site=site, engine=engine, settings=settings, cache=cache)


def to_response(answer: Answer) -> Response:
    return Response(answer.body, status_code=answer.status,
                    media_type=None if answer.status == 304 else answer.media_type, headers=answer.headers)


def server_of(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host') or request.url.netloc}"


def endpoint_of(request: Request) -> str:
    """The URL of /sparql beside the page asked (under the canonical base path when the page was)."""
    asked, path = request.scope.get(ASKED_PATH) or request.scope["path"], request.scope["path"]
    prefix = asked[:-len(path)] if asked.endswith(path) else ""
    return f"{server_of(request)}{prefix}/sparql"


def language(request: Request) -> str:
    return choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def no_site() -> Response:
    return to_response(error_answer(404, "This server answers SPARQL queries at /sparql only: it serves data "
                                         "files given with --data or a --backend, without the built site (dist/)."))


def dereference_of(request: Request, path: str) -> Dereference:
    path, extension = split_extension(path)
    return Dereference(path=path, extension=extension, accept=request.headers.get("accept"),
                       format_param=request.query_params.get("format"), lang=language(request),
                       server=server_of(request), if_none_match=request.headers.get("if-none-match"))


async def answer_with_page(ld: LinkedData, deref: Dereference, page) -> Response:
    try:
        return to_response(await ld.answer(deref, page))
    except EngineError as exc:
        return to_response(error_answer(exc.status, str(exc)))


# -- pages ------------------------------------------------------------------------------------------
# Pages that change only with a new build (the server then restarts): an hour in caches, like the rest.
CACHED = {"Cache-Control": "public, max-age=3600"}


@router.api_route("/robots.txt", methods=["GET", "HEAD"])
async def robots(request: Request) -> Response:
    body = (f"User-agent: *\nDisallow: /sparql\nDisallow: /query?\nAllow: /\n"
            f"Sitemap: {server_of(request)}/sitemap.xml\n")
    return Response(body, media_type="text/plain; charset=utf-8", headers=CACHED)


@router.api_route("/sitemap.xml", methods=["GET", "HEAD"])
async def sitemap(request: Request, ld: LinkedData | None = Depends(get_linked_data)) -> Response:
    if ld is None:
        return no_site()
    try:
        body = await sitemap_xml(ld, server=server_of(request))
    except EngineError as exc:
        return to_response(error_answer(exc.status, str(exc)))
    return Response(body, media_type="application/xml", headers=CACHED)


async def sitemap_xml(ld: LinkedData, *, server: str) -> bytes:
    base = ld.site.base
    # Every resource with a statement, and every named graph (a page each too).
    rows = await ld.select(f'SELECT DISTINCT ?s WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?s {{ }} }} '
                           f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}") && !CONTAINS(STR(?s), "#")) }} '
                           f'ORDER BY ?s LIMIT 49000')
    paths = ["/", "/dataset", "/downloads", "/query", "/def", "/shapes"]
    paths += ["/" + str(row["s"])[len(base):] for row in rows]
    urls = "".join(f"<url><loc>{escape(server + path)}</loc></url>\n" for path in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{urls}</urlset>\n").encode("utf-8")


@router.api_route("/assets/{name:path}", methods=["GET", "HEAD"])
async def asset(name: str, request: Request) -> Response:
    if name.startswith("yasgui/"):
        path = yasgui_dir(request.app) / name[len("yasgui/"):] if yasgui_dir(request.app) else None
    else:
        path = Path(str(STATIC / name)) if "/" not in name else None
    if path is None or ".." in name or not path.is_file():
        return to_response(error_answer(404, f"No asset named {name!r}."))
    stat = path.stat()
    return file_response(request, path, media_type=STATIC_TYPES.get(path.suffix, "application/octet-stream"),
                         digest=hashlib.sha256(f"{stat.st_mtime_ns}-{stat.st_size}".encode()).hexdigest()[:32],
                         headers={"Cache-Control": "public, max-age=86400"})


def file_response(request: Request, path: Path, *, media_type: str, digest: str, headers: dict) -> Response:
    """A file with a weak ETag (the same tag whether it goes gzipped or not: see _validators.py),
    or a 304 when If-None-Match names it (Starlette's own tag would be strong)."""
    headers = {"ETag": weak_etag(digest), **headers}
    if none_match(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


def yasgui_dir(app) -> Path | None:
    folder = app.state.yasgui_dir
    return folder if folder is not None and (folder / "yasgui.min.js").is_file() else None


@router.api_route("/dist/{filename}", methods=["GET", "HEAD"])
async def download(filename: str, request: Request, site: Site | None = Depends(get_site)) -> Response:
    found = site.download(filename) if site is not None else None
    if found is None:
        return to_response(error_answer(404, f"No download named {filename!r}; the list is at /downloads."))
    return file_response(request, site.dist_dir / filename, media_type=found.media_type, digest=found.sha256[:32],
                         headers={**CACHED, "Access-Control-Allow-Origin": "*"})


@router.api_route("/downloads", methods=["GET", "HEAD"])
async def downloads(request: Request, site: Site | None = Depends(get_site)) -> Response:
    if site is None:
        return no_site()
    lang = language(request)
    body = await asyncio.to_thread(render, "downloads.html", lang=lang, downloads=site.downloads,
                                   linker=Linker(base=site.base, lang=lang, labels={}),
                                   other_language_href=other_language("/downloads", lang))
    return Response(body, media_type="text/html; charset=utf-8", headers={"Vary": "Accept-Language", **CACHED})


@router.api_route("/query", methods=["GET", "HEAD"])
async def query(request: Request, engine: Engine = Depends(get_engine), settings: Settings = Depends(get_settings),
                cache: ResultCache = Depends(get_cache), site: Site | None = Depends(get_site)) -> Response:
    body = await query_page(query_text=request.query_params.get("query"), lang=language(request),
                            examples=request.app.state.examples, yasgui=yasgui_dir(request.app) is not None,
                            engine=engine, settings=settings, cache=cache, site=site, endpoint=endpoint_of(request))
    return Response(body, media_type="text/html; charset=utf-8", headers={"Vary": "Accept-Language"})


@router.api_route("/def", methods=["GET", "HEAD"])
@router.api_route("/def.{ext}", methods=["GET", "HEAD"])
@router.api_route("/def/{version}", methods=["GET", "HEAD"])  # the owl:versionIRI of the current version
async def ontology(request: Request, ld: LinkedData | None = Depends(get_linked_data)) -> Response:
    if ld is None:
        return no_site()
    deref = dereference_of(request, request.scope["path"])
    if deref.path not in ("/def", ld.site.ontology_version_path):
        return await resource(deref.path.lstrip("/"), request, ld)  # another IRI under /def/

    async def page(_iri: str):
        return 200, await ontology_html(request.app, ld.site)
    return await answer_with_page(ld, deref, page)


async def ontology_html(app, site: Site) -> bytes:
    """pyLODE's documentation of the ontology, made once (it takes about a second)."""
    if app.state.ontology_html is None:
        def make() -> bytes:
            from pylode import OntPub

            html = OntPub(ontology=str(site.dist_dir / "ontology.ttl")).make_html()
            return finish_ontology_page(html, site.ontology).encode("utf-8")
        app.state.ontology_html = await asyncio.to_thread(make)
    return app.state.ontology_html


@router.api_route("/{path:path}", methods=["GET", "HEAD"])
async def resource(path: str, request: Request, ld: LinkedData | None = Depends(get_linked_data)) -> Response:
    if ld is None:
        return no_site()
    # The request's own path, not the parameter: the route's pattern lets a final newline go
    # (`$` matches before it), which would make `/id/x%0A` an alias of `/id/x`.
    own_path = request.scope["path"]
    if len(own_path) > 1 and own_path.endswith("/"):  # no IRI of the dataset ends with a slash
        query = f"?{request.url.query}" if request.url.query else ""
        # One leading slash whatever came: `//evil.example/` must not become a link to another site.
        return RedirectResponse("/" + own_path.strip("/") + query, status_code=301)
    deref = dereference_of(request, own_path)

    async def page(iri: str):
        if deref.path == "/":
            return 200, await home_html(ld, deref)
        if deref.path == "/shapes":
            return 200, await shapes_html(ld, deref)
        return await ld.resource_page(iri, deref)
    return await answer_with_page(ld, deref, page)


async def home_html(ld: LinkedData, deref: Dereference) -> bytes:
    queries = home_queries(ld.site.base)
    results = dict(zip(queries, await asyncio.gather(*(ld.select(q) for q in queries.values()))))
    terms = {str(t) for rows in results.values() for row in rows for t in row.values() if isinstance(t, URIRef)}
    linker = Linker(base=ld.site.base, lang=deref.lang, labels=await ld.labels(terms))
    home = home_model(results, linker=linker, site=ld.site)
    return await asyncio.to_thread(
        render, "home.html", lang=deref.lang, home=home, linker=linker, alternates=alternates("/", deref.lang),
        schema_org=dataset_schema_org(ld.site, server=deref.server, lang=deref.lang),
        other_language_href=other_language("/", deref.lang))


async def shapes_html(ld: LinkedData, deref: Dereference) -> bytes:
    from ._shapes_page import shapes_model

    linker = Linker(base=ld.site.base, lang=deref.lang, labels={})
    shapes = shapes_model(ld.site.shapes, linker=linker)
    return await asyncio.to_thread(render, "shapes.html", lang=deref.lang, shapes=shapes, linker=linker,
                                   alternates=alternates("/shapes", deref.lang),
                                   other_language_href=other_language("/shapes", deref.lang))
