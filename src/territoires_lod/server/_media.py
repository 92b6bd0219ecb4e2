"""Result formats and content negotiation (RFC 9110 §12.5.1) for the SPARQL endpoint.

How a format is chosen, for the kind of result the query form gives ("solutions" for SELECT and
ASK, "graph" for CONSTRUCT and DESCRIBE):

1. A `format` parameter, when given, decides alone (a key such as `csv` or a media type); it
   exists for links and browsers, which cannot set Accept.
2. Otherwise each format takes the q of the most specific Accept range that matches it (exact
   media type, then alias, then `type/*`, then `*/*`), so `*/*;q=0.8, text/csv;q=0` refuses CSV.
   The best format has the highest q, then the most specific match, then the range that comes
   first in the header, then the earlier row of FORMATS. q=0 means "not acceptable".
3. Aliases (`application/json`, `application/xml`, `text/plain`…) match only exactly; `type/*`
   matches canonical media types only. So `text/*` gives CSV for solutions (CSV is the first
   text/* row; `text/xml` is only an alias of the XML results) and Turtle for graphs.
4. A missing or empty Accept is `*/*`; so is one where no range can be read (RFC 9110 lets a
   server disregard a header it cannot honour, which beats a 406 for a garbled header). A range
   that cannot be read, or whose q is not a valid qvalue, is ignored.
5. A `charset` other than UTF-8 on a range makes it match nothing: every format here is UTF-8.
   Other parameters (`profile`, `version`…) are ignored.

`prefers_html` tells a person's browser (HTML ranked first, by name) from a program, for the
endpoint to show its query page instead of a result document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NoReturn

from ._protocol import ProtocolError, parse_media_type

SOLUTIONS = "solutions"
GRAPH = "graph"
DOCUMENT = "document"  # what a dereferenced IRI answers: a page or an RDF description
KIND_OF_FORM = {"SELECT": SOLUTIONS, "ASK": SOLUTIONS, "CONSTRUCT": GRAPH, "DESCRIBE": GRAPH}
_FORMS_OF_KIND = {SOLUTIONS: "a SELECT or ASK query", GRAPH: "a CONSTRUCT or DESCRIBE query",
                  DOCUMENT: "a resource"}
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


@dataclass(frozen=True)
class ResultFormat:
    """A serialisation the endpoint writes. `ox_name` names the member of pyoxigraph's
    QueryResultsFormat (solutions) or RdfFormat (graph)."""

    key: str
    media_type: str
    aliases: tuple[str, ...]
    kind: str
    ox_name: str
    extension: str
    charset_utf8: bool  # add `; charset=utf-8` to Content-Type: only where the type defines charset

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset_utf8 else self.media_type


# The row order is the preference between equally acceptable formats (see the module).
FORMATS = (
    # SELECT and ASK. JSON is the default: what browsers' scripts and most libraries read best.
    ResultFormat("json", "application/sparql-results+json", ("application/json",), SOLUTIONS, "JSON", "srj", False),
    ResultFormat("xml", "application/sparql-results+xml", ("application/xml", "text/xml"), SOLUTIONS, "XML",
                 "srx", True),
    ResultFormat("csv", "text/csv", (), SOLUTIONS, "CSV", "csv", True),
    ResultFormat("tsv", "text/tab-separated-values", (), SOLUTIONS, "TSV", "tsv", True),
    # CONSTRUCT and DESCRIBE. Turtle is the default. JSON, N-Triples, N-Quads and TriG are UTF-8
    # by definition and their media types have no charset parameter.
    # Turtle is a subset of N3: a client that asks for N3 can read it. JSON-LD is the JSON of
    # graphs (as `format=json` already says, and Oxigraph answers): a script's plain
    # `Accept: application/json` gets it rather than a 406.
    ResultFormat("turtle", "text/turtle", ("application/x-turtle", "text/n3"), GRAPH, "TURTLE", "ttl", True),
    ResultFormat("ntriples", "application/n-triples", ("text/plain",), GRAPH, "N_TRIPLES", "nt", False),
    ResultFormat("jsonld", "application/ld+json", ("application/json",), GRAPH, "JSON_LD", "jsonld", False),
    ResultFormat("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), GRAPH, "RDF_XML", "rdf", True),
    ResultFormat("trig", "application/trig", (), GRAPH, "TRIG", "trig", False),
    ResultFormat("nquads", "application/n-quads", (), GRAPH, "N_QUADS", "nq", False),
    # Pages of dereferenced IRIs; with them, the graph formats of DOCUMENT_KEYS.
    ResultFormat("html", "text/html", ("application/xhtml+xml",), DOCUMENT, "", "html", True),
)

# rdflib's serializer name for each graph format, where the front serializes itself (service
# description, dereferenced IRIs); the store's answers are written by pyoxigraph.
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml", "trig": "trig",
                  "nquads": "nquads"}

# The formats a dereferenced IRI answers in, in order of preference: Turtle for `*/*` (curl,
# scripts); browsers name text/html and get the page.
DOCUMENT_KEYS = ("turtle", "html", "jsonld", "ntriples", "rdfxml")


@dataclass(frozen=True)
class FormatName:
    """A word the `format` parameter accepts and the format key it names for each kind."""

    name: str
    solutions: str | None
    graph: str | None
    document: str | None = "graph"  # "graph": the same as for graphs, when a document has it

    def key_for(self, kind: str) -> str | None:
        if kind == SOLUTIONS:
            return self.solutions
        key = self.graph if kind == GRAPH or self.document == "graph" else self.document
        return key if kind != DOCUMENT or key in DOCUMENT_KEYS else None


FORMAT_NAMES = (
    FormatName("json", "json", "jsonld"),  # SPARQLWrapper asks for "json" on CONSTRUCT too
    FormatName("xml", "xml", "rdfxml"),  # one word for both XML vocabularies: the query form decides
    FormatName("csv", "csv", None),
    FormatName("tsv", "tsv", None),
    FormatName("turtle", None, "turtle"),
    FormatName("ttl", None, "turtle"),
    FormatName("n3", None, "turtle"),  # SPARQLWrapper's N3; Turtle is a subset of N3
    FormatName("ntriples", None, "ntriples"),
    FormatName("nt", None, "ntriples"),
    FormatName("jsonld", None, "jsonld"),
    FormatName("json-ld", None, "jsonld"),
    FormatName("rdfxml", None, "rdfxml"),
    FormatName("rdf", None, "rdfxml"),
    FormatName("rdf+xml", None, "rdfxml"),  # SPARQLWrapper's RDFXML
    FormatName("trig", None, "trig"),
    FormatName("nquads", None, "nquads"),
    FormatName("nq", None, "nquads"),
    FormatName("html", None, None, "html"),
)


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header. `order` is its position in the header."""

    type: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict, hash=False)
    q: float = 1.0
    order: int = 0


ANY = MediaRange("*", "*")


def formats_of(kind: str) -> tuple[ResultFormat, ...]:
    if kind == DOCUMENT:
        return tuple(format_by_key(key) for key in DOCUMENT_KEYS)
    if kind not in (SOLUTIONS, GRAPH):
        raise ValueError(f"kind must be {SOLUTIONS!r}, {GRAPH!r} or {DOCUMENT!r}, not {kind!r}")
    return tuple(f for f in FORMATS if f.kind == kind)


def format_by_key(key: str) -> ResultFormat:
    return next(f for f in FORMATS if f.key == key)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The readable media ranges of an Accept header, in header order (see the module)."""
    if header is None or not header.strip():
        return [ANY]
    ranges = []
    for order, element in enumerate(_list_elements(header)):
        parsed = parse_media_type(element)
        if parsed is None or (parsed[0] == "*" and parsed[1] != "*"):
            continue
        params, q = {}, 1.0
        for name, value in parsed[2]:
            if name == "q":
                q = float(value) if _QVALUE.fullmatch(value) else None
                break  # the weight ends the range: what follows it is not a media type parameter
            params[name] = value
        if q is not None:
            ranges.append(MediaRange(parsed[0], parsed[1], params, q, order))
    return ranges or [ANY]


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether to send gzip for an Accept-Encoding header (RFC 9110 §12.5.3): `gzip` or `x-gzip`
    (or else `*`) with a q above 0, and not below that of `identity` (no coding) when the header
    ranks it (by name, or else by `*`). Case does not matter; a bad q counts as 0."""
    if not accept_encoding:
        return False
    known = _GZIP_ACCEPTED.get(accept_encoding)
    if known is None:
        known = _accepts_gzip(accept_encoding)
        if len(_GZIP_ACCEPTED) >= _NEGOTIATED_MAX:
            _GZIP_ACCEPTED.clear()
        _GZIP_ACCEPTED[accept_encoding] = known
    return known


def _accepts_gzip(header: str) -> bool:
    weights: dict[str, float] = {}
    for element in header.split(","):
        coding, *params = element.split(";")
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = float(value) if _QVALUE.fullmatch(value.strip()) else 0.0
        coding = coding.strip().lower()
        coding = "gzip" if coding == "x-gzip" else coding
        weights[coding] = max(q, weights.get(coding, 0.0))
    gzip = weights["gzip"] if "gzip" in weights else weights.get("*", 0.0)
    identity = weights.get("identity", weights.get("*"))  # unranked: acceptable, gzip preferred
    return gzip > 0 and (identity is None or gzip >= identity)


_GZIP_ACCEPTED: dict[str, bool] = {}


HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def prefers_html(accept: str | None) -> bool:
    """Whether the Accept header ranks a web page first, naming it (browsers send `text/html,…`):
    highest q, then first in the header. Wildcards never count, nor do SPARQL clients' headers."""
    if not accept or "html" not in accept.lower():  # nearly every program's header: no parsing
        return False
    ranges = [r for r in parse_accept(accept) if r.q > 0]
    if not ranges:
        return False
    top = max(ranges, key=lambda r: (r.q, -r.order))
    return f"{top.type}/{top.subtype}" in HTML_TYPES


def negotiate(accept: str | None, *, kind: str, format_param: str | None = None,
              fallback: ResultFormat | None = None) -> ResultFormat:
    """The format to write a result of `kind` in; ProtocolError 400 for a bad `format`
    parameter, 406 when the Accept header allows none of the formats of that kind (or
    `fallback` instead of either, when given)."""
    # Clients send the same few Accept headers again and again: remember the outcome of each
    # (a refusal as its status and message, so that every request gets a fresh exception).
    key = (accept, kind, format_param)
    outcome = _NEGOTIATED.get(key)
    if outcome is None:
        try:
            outcome = _negotiate(accept, kind, format_param)
        except ProtocolError as exc:
            outcome = (exc.status, str(exc), exc.headers)
        if len(_NEGOTIATED) >= _NEGOTIATED_MAX:
            _NEGOTIATED.clear()
        _NEGOTIATED[key] = outcome
    if isinstance(outcome, tuple):
        if fallback is not None:
            return fallback
        raise ProtocolError(outcome[0], outcome[1], headers=outcome[2])
    return outcome


_NEGOTIATED: dict[tuple, ResultFormat | tuple] = {}
_NEGOTIATED_MAX = 1024


def _negotiate(accept: str | None, kind: str, format_param: str | None) -> ResultFormat:
    candidates = formats_of(kind)
    if format_param is not None and format_param.strip():
        return _named_format(format_param.strip(), kind)
    ranges = parse_accept(accept)
    best, best_rank = None, None
    for index, candidate in enumerate(candidates):
        match = _governing_range(candidate, ranges)
        if match is None or match[0].q == 0:
            continue
        media_range, specificity = match
        rank = (media_range.q, specificity, -media_range.order, -index)
        if best_rank is None or rank > best_rank:
            best, best_rank = candidate, rank
    if best is None:
        available = ", ".join(f.media_type for f in candidates)
        raise ProtocolError(406, f"The Accept header {_shorten(accept or '')!r} allows none of the result formats "
                                 f"of {_FORMS_OF_KIND[kind]}; accept one of {available} "
                                 f"(or add the format parameter, e.g. format={candidates[0].key}).")
    return best


def _governing_range(candidate: ResultFormat, ranges: list[MediaRange]) -> tuple[MediaRange, int] | None:
    """The most specific range matching `candidate` and how specific it is for ranking
    (3 exact or alias, 2 type/*, 1 */*); None when no range matches."""
    best, best_key = None, None
    canonical_type = candidate.media_type.split("/")[0]
    for media_range in ranges:
        charset = media_range.params.get("charset")
        if charset is not None and charset.lower() not in ("utf-8", "utf8"):
            continue
        name = f"{media_range.type}/{media_range.subtype}"
        if name == candidate.media_type:
            level = 4  # the canonical type beats an alias: `application/xml;q=0` must not veto SRX
        elif name in candidate.aliases:
            level = 3
        elif media_range.subtype == "*" and media_range.type == canonical_type:
            level = 2
        elif media_range.type == "*":
            level = 1
        else:
            continue
        key = (level, len(media_range.params), -media_range.order)
        if best_key is None or key > best_key:
            best, best_key = media_range, key
    return None if best is None else (best, min(best_key[0], 3))


def _named_format(value: str, kind: str) -> ResultFormat:
    lowered = value.lower()
    named = next((n for n in FORMAT_NAMES if n.name == lowered), None)
    if named is not None and kind != DOCUMENT and named.solutions is None and named.graph is None:
        named = None  # a page format: unknown to the query endpoint
    if named is not None:
        key = named.key_for(kind)
        if key is not None:
            return format_by_key(key)
        return _wrong_kind(value, kind)
    parsed = parse_media_type(value)
    if parsed is not None:
        media = f"{parsed[0]}/{parsed[1]}"
        matching = [f for f in FORMATS if (media == f.media_type or media in f.aliases)
                    and (kind == DOCUMENT or f.kind != DOCUMENT)]
        for candidate in matching:
            if candidate in formats_of(kind):
                return candidate
        if matching:
            return _wrong_kind(value, kind)
    raise ProtocolError(400, f"The format parameter {_shorten(value)!r} is not a known format; for "
                             f"{_FORMS_OF_KIND[kind]} use {_names_for(kind)}, or a media type such as "
                             f"{formats_of(kind)[0].media_type}.")


def _wrong_kind(value: str, kind: str) -> NoReturn:
    if kind == DOCUMENT:
        raise ProtocolError(400, f"The format parameter {_shorten(value)!r} is not a format of "
                                 f"{_FORMS_OF_KIND[kind]}; use {_names_for(kind)}.")
    other = GRAPH if kind == SOLUTIONS else SOLUTIONS
    raise ProtocolError(400, f"The format parameter {_shorten(value)!r} is a format for "
                             f"{_FORMS_OF_KIND[other]}, not for {_FORMS_OF_KIND[kind]}; use {_names_for(kind)}.")


def _names_for(kind: str) -> str:
    return ", ".join(n.name for n in FORMAT_NAMES if n.key_for(kind))


def _list_elements(header: str) -> list[str]:
    """Split a comma-separated header list, keeping commas inside quoted strings."""
    return [e for e in re.findall(r'(?:[^",]|"(?:[^"\\]|\\.)*"?)+', header, re.DOTALL) if e.strip()]


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
