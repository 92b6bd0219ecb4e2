"""Dereferencing: every IRI under the base answers here, for people (HTML) and programs (RDF).

One choice, applied everywhere: an IRI answers **200** with the negotiated representation and a
`Content-Location` naming that representation's own URL (`/id/commune/11262.ttl`, `.html`, …), never
a 303. One request instead of two, and the format-specific URLs are stable links of their own.
Each answer lists every representation in `Link: <…>; rel="alternate"; type="…"` and says
`Vary: Accept, Accept-Language`.

Which graph describes an IRI:
- `/def` and `/def#Term`: the ontology; `/shapes` and `/shapes#X`: the SHACL shapes (whole documents);
- `/`, `/dataset`, `/catalogue` and what they contain: the DCAT catalogue, with this server's
  download and endpoint URLs;
- anything else (`/id/…`, `/graph/…`): its description in the store (see `_describe`), with what
  the catalogue says of it.
"""

from __future__ import annotations

import asyncio
import hashlib
import urllib.parse
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef

from .._namespaces import PREFIXES, TI
from ._answer import Answer, Settings, error_answer
from ._cache import CachedAnswer, ResultCache
from ._describe import (LABEL_PROPERTIES, describe_graph, is_describable, description_query, facts_query, labels_query,
                        rows_from_json)
from ._engine import Engine, QueryJob
from ._media import DOCUMENT, RDFLIB_FORMATS, ResultFormat, format_by_key, formats_of, negotiate
from ._pages import Linker, render
from ._protocol import ProtocolError
from ._resource_page import resource_model
from ._served_catalogue import served_catalogue
from ._site import Site
from ._validators import ANY, MATCH, none_match, weak_etag

ONTOLOGY_IRI = "https://w3id.org/territoires-industrie/def"
SHAPES_IRI = "https://w3id.org/territoires-industrie/shapes"
FORMAT_LABELS = {"turtle": "Turtle", "html": "HTML", "jsonld": "JSON-LD", "ntriples": "N-Triples",
                 "rdfxml": "RDF/XML"}
EXTENSIONS = {f.extension: f.key for f in formats_of(DOCUMENT)}


@dataclass(frozen=True)
class Dereference:
    """One request for a resource, as the route read it."""

    path: str  # the local path, without a format extension: /id/commune/11262
    extension: str | None  # the format key named by the path's extension, if any
    accept: str | None
    format_param: str | None
    lang: str
    server: str  # scheme://host of this server, for its download and endpoint URLs
    if_none_match: str | None = None


def split_extension(path: str) -> tuple[str, str | None]:
    """`/id/x.ttl` → (`/id/x`, "turtle"); paths without a known extension are kept whole."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext in EXTENSIONS and stem:
        return ("/" if stem == "/index" else stem), EXTENSIONS[ext]
    return path, None


def document_path(path: str, fmt: ResultFormat) -> str:
    return f"{'/index' if path == '/' else path}.{fmt.extension}"


def iri_of(path: str, site: Site) -> str:
    if path == "/def" or path == site.ontology_version_path:
        return ONTOLOGY_IRI
    if path == "/shapes":
        return SHAPES_IRI
    return site.base + path.lstrip("/")


def alternates(path: str, lang: str) -> list[dict]:
    query = "" if lang == "fr" else f"?lang={lang}"
    return [{"href": document_path(path, f) + (query if f.key == "html" else ""), "media_type": f.media_type,
             "name": FORMAT_LABELS[f.key], "key": f.key} for f in formats_of(DOCUMENT)]


def link_header(path: str) -> str:
    return ", ".join(f'<{alt["href"]}>; rel="alternate"; type="{alt["media_type"]}"'
                     for alt in alternates(path, "fr"))


class LinkedData:
    """Answers dereferenced IRIs and the pages built on them, for one engine and one site."""

    def __init__(self, *, site: Site, engine: Engine, settings: Settings, cache: ResultCache) -> None:
        self.site, self.engine, self.settings, self.cache = site, engine, settings, cache

    # -- the store ---------------------------------------------------------------------------
    async def select(self, query: str) -> list[dict]:
        job = QueryJob(query, (), (), format_by_key("json"), format_by_key("ntriples"), None, form="SELECT")
        result = await self.engine.execute(job, timeout=self.settings.timeout)
        return await asyncio.to_thread(rows_from_json, result.body)

    async def construct(self, query: str) -> Graph:
        job = QueryJob(query, (), (), format_by_key("json"), format_by_key("ntriples"), None, form="CONSTRUCT")
        result = await self.engine.execute(job, timeout=self.settings.timeout)
        return await asyncio.to_thread(_parse_ntriples, result.body)

    async def labels(self, iris: set[str]) -> dict[str, list[Literal]]:
        """Labels from the store, then from the ontology, shapes and catalogue held here."""
        found: dict[str, list[Literal]] = {}
        ours = sorted(i for i in iris if is_describable(i))
        for start in range(0, len(ours), 200):
            for row in await self.select(labels_query(ours[start:start + 200])):
                found.setdefault(str(row["x"]), []).append(row["label"])
        for graph in (self.site.ontology, self.site.shapes, self.site.catalogue):
            for iri in iris:
                if iri not in found:
                    values = [o for prop in _LABEL_PROPS for o in graph.objects(URIRef(iri), prop)
                              if isinstance(o, Literal)]
                    if values:
                        found[iri] = values
        return found

    # -- descriptions ------------------------------------------------------------------------
    def local_graph(self, iri: str, server: str) -> tuple[Graph | None, Graph]:
        """(the whole document the IRI belongs to, or None; the local graph to describe it from)."""
        if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#"):
            return self.site.ontology, self.site.ontology
        if iri == SHAPES_IRI or iri.startswith(SHAPES_IRI + "#"):
            return self.site.shapes, self.site.shapes
        catalogue = served_catalogue(self.site, server=server)
        if iri in (self.site.base, f"{self.site.base}dataset", f"{self.site.base}catalogue"):
            return catalogue, catalogue
        return None, catalogue

    async def description(self, iri: str, server: str) -> Graph:
        whole, local = self.local_graph(iri, server)
        if whole is not None:
            return whole
        graph = await self.construct(description_query(iri))
        for triple in describe_graph(local, iri):
            graph.add(triple)
        return graph

    # -- answers -----------------------------------------------------------------------------
    def etag(self, request: Dereference, fmt: ResultFormat) -> str:
        # The language makes another page, not another RDF document.
        lang = request.lang if fmt.key == "html" else ""
        key = "\x1f".join((self.engine.version, self.site.version, request.path, fmt.key, lang, request.server))
        return weak_etag(hashlib.sha256(key.encode("utf-8")).hexdigest()[:32])

    def headers(self, request: Dereference, fmt: ResultFormat, etag: str) -> dict[str, str]:
        headers = {"Vary": "Accept, Accept-Language" if fmt.key == "html" else "Accept",
                   "Link": link_header(request.path), "ETag": etag,
                   "Cache-Control": f"public, max-age={self.settings.max_age}"}
        if request.extension is None:
            headers["Content-Location"] = document_path(request.path, fmt)
        return headers

    async def answer(self, request: Dereference, render_html) -> Answer:
        """The representation of the resource at `request.path`; `render_html(iri)` makes its page
        (the route chooses the page: home, ontology, resource…)."""
        try:
            fmt = (format_by_key(request.extension) if request.extension
                   else negotiate(request.accept, kind=DOCUMENT, format_param=request.format_param))
        except ProtocolError as exc:
            answer = error_answer(exc.status, str(exc))
            answer.headers.update({"Vary": "Accept", "Link": link_header(request.path)})
            return answer
        etag = self.etag(request, fmt)
        headers = self.headers(request, fmt, etag)
        condition = none_match(request.if_none_match, etag)
        if condition == MATCH:
            return Answer(304, headers=headers)
        cached = self.cache.get(etag)
        if cached is not None:
            if condition == ANY:
                return Answer(304, headers=headers)
            return Answer(200, cached.body, cached.media_type, headers)
        iri = iri_of(request.path, self.site)
        if not is_describable(iri):  # a path no IRI of the dataset can have (`%3C`, `%00`, a space…)
            return await self.not_found(iri, request, fmt)
        if fmt.key == "html":
            status, body = await render_html(iri)
        else:
            graph = await self.description(iri, request.server)
            if len(graph) == 0:
                status, body = 404, None
            else:
                status, body = 200, await asyncio.to_thread(_serialize, graph, fmt.key)
        if status == 404:
            return await self.not_found(iri, request, fmt)
        self.cache.put(etag, CachedAnswer(body, fmt.content_type))
        if condition == ANY:  # `*`: the resource exists
            return Answer(304, headers=headers)
        return Answer(200, body, fmt.content_type, headers)

    async def not_found(self, iri: str, request: Dereference, fmt: ResultFormat) -> Answer:
        headers = {"Vary": "Accept, Accept-Language"}
        if fmt.key == "html":
            linker = Linker(base=self.site.base, lang=request.lang, labels={})
            body = await asyncio.to_thread(render, "not_found.html", lang=request.lang, iri=iri, linker=linker,
                                           other_language_href=other_language(request.path, request.lang))
            return Answer(404, body, "text/html; charset=utf-8", headers)
        message = (f"No resource of this dataset has the IRI <{iri}>. Resources live under "
                   f"{self.site.base}id/…; see /sparql to query them, or /dataset for the list of downloads.")
        return Answer(404, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8", headers)

    async def resource_page(self, iri: str, request: Dereference) -> tuple[int, bytes | None]:
        whole, local = self.local_graph(iri, request.server)
        if whole is not None and iri not in (ONTOLOGY_IRI, SHAPES_IRI):
            rows = _rows_of(describe_graph(whole, iri), source=URIRef(f"{self.site.base}catalogue"))
        else:
            rows = await self.select(facts_query(iri, link_subject=str(TI.linkSubject)))
            rows += _rows_of(describe_graph(local, iri), source=URIRef(f"{self.site.base}catalogue"))
        if not rows:
            return 404, None
        terms = {str(t) for row in rows for t in row.values() if isinstance(t, URIRef)}
        terms |= {f"{self.site.base}id/source/{str(r['g']).rsplit('/', 1)[-1]}" for r in rows if "g" in r}
        labels = await self.labels(terms)
        linker = Linker(base=self.site.base, lang=request.lang, labels=labels)
        page = resource_model(iri=iri, rows=rows, linker=linker, page_url=iri)
        body = await asyncio.to_thread(
            render, "resource.html", lang=request.lang, page=page, linker=linker, schema_org=page["schema_org"],
            alternates=alternates(request.path, request.lang),
            other_language_href=other_language(request.path, request.lang))
        return 200, body


_LABEL_PROPS = [URIRef(p) for p in LABEL_PROPERTIES]


def other_language(path: str, lang: str) -> str:
    """The link to the page in the other language, named explicitly: a visitor whose browser asks
    for English reaches the French page only through `?lang=fr`."""
    return f"{urllib.parse.quote(path, safe=_PCHARS)}?lang={'fr' if lang == 'en' else 'en'}"


_PCHARS = "/-._~!$&'()*+,;=:@"  # RFC 3986 path characters, kept as they are (a % is escaped)


def _rows_of(description: Graph, *, source: URIRef) -> list[dict]:
    return [{"s": s, "p": p, "o": o, "g": source} for s, p, o in description]


def _parse_ntriples(body: bytes) -> Graph:
    graph = Graph()
    graph.parse(data=body, format="nt")
    return graph


def _serialize(graph: Graph, key: str) -> bytes:
    for prefix, namespace in PREFIXES.items():  # ti:, igeo:… rather than rdflib's ns1:, ns2:
        graph.bind(prefix, namespace, replace=True)
    return graph.serialize(format=RDFLIB_FORMATS[key], encoding="utf-8")
