"""SPARQL 1.1 Protocol query requests (§2.1), read from the raw pieces of an HTTP request by a
pure function, so every rule is a row in a table test and the web framework only wires it.

Decisions, each answering a case the Protocol leaves open:

* GET without a `query` parameter returns None: the caller answers with the service description.
  Other parameters (`format`, or anything unknown) do not change that, except the dataset
  parameters `default-graph-uri`/`named-graph-uri`, which only make sense with a query (400), and
  a parameter whose value is a query (`q=SELECT …`): a 400 that says to name it `query`.
* HEAD is read as GET (the caller sends no body back).
* POST without a query is a 400, whatever its media type.
* Every update attempt is a 403, since this endpoint is read-only: an `update` parameter (GET or
  form), a body sent as `application/sparql-update`, or a `query` that is an update.
* A form POST reads its parameters from the body and from the URL together (as Fuseki does):
  SPARQLWrapper puts `format` in the URL. A query in both places is "more than one query".
* `format` may repeat (SPARQLWrapper sends `format=tsv&format=text/tab-separated-values`): the
  first non-empty value wins. Empty parameters are absent. Unknown parameters are ignored, but
  one whose name has brackets beside a query is the rest of it, cut at an unencoded `&` (400).
* Repeated graph IRIs are kept once each, in order of first appearance.
* Invalid percent escapes (`100%`) stay literal, as the WHATWG form decoder leaves them; bytes
  that are not UTF-8 once decoded are a 400 naming the parameter.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from pyoxigraph import NamedNode

from ._lexer import Analysis, analyse

ALLOWED_METHODS = ("GET", "HEAD", "POST")
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
UTF8_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii"})  # ASCII text is UTF-8 already

READ_ONLY = "This endpoint is read-only: SPARQL Update is not accepted."
NO_SERVICE = ("SERVICE (federated query) is not allowed on this endpoint; "
              "run federated queries from your own client.")
_HOW_TO_POST = (f"use Content-Type {FORM} with query=… in the body, "
                f"or {SPARQL_QUERY} with the query itself as the body")

# RFC 9110 §5.6.2 token and §5.6.4 quoted-string, for media types and their parameters.
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_TYPE = re.compile(rf"\s*({_TOKEN})/({_TOKEN})")
_PARAMETER = re.compile(rf"({_TOKEN})\s*=\s*({_TOKEN}|\"(?:[^\"\\]|\\.)*\")", re.DOTALL)
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)


class ProtocolError(Exception):
    """A request the endpoint refuses: the HTTP status and a sentence a person can act on.
    `headers` carries what the status requires, such as Allow on a 405."""

    def __init__(self, status: int, message: str, *, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ProtocolError({self.status}, {self.message!r})"


@dataclass(frozen=True)
class SparqlRequest:
    """A query request that passed the Protocol checks; pyoxigraph has not parsed the query yet."""

    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    format_param: str | None
    analysis: Analysis


def parse_media_type(value: str) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    """`type/subtype; name=value …` as (type, subtype, parameters), type, subtype and parameter
    names lower-cased, quoted values unquoted, order kept; None when it does not parse."""
    match = _TYPE.match(value)
    if match is None:
        return None
    parameters = []
    position, end = match.end(), len(value)
    while True:
        while position < end and value[position] in " \t":
            position += 1
        if position == end:
            break
        if value[position] != ";":
            return None
        position += 1
        while position < end and value[position] in " \t":
            position += 1
        if position == end or value[position] == ";":
            continue  # RFC 9110 allows empty parameters: `text/csv;;charset=utf-8`
        parameter = _PARAMETER.match(value, position)
        if parameter is None:
            return None
        name, raw = parameter.groups()
        if raw.startswith('"'):
            raw = _QUOTED_PAIR.sub(r"\1", raw[1:-1])
        parameters.append((name.lower(), raw))
        position = parameter.end()
    return match.group(1).lower(), match.group(2).lower(), tuple(parameters)


# RFC 3986 host (IP literal, or a name of unreserved, percent-encoded and sub-delimiter characters) and port.
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)(?::[0-9]*)?")
BAD_HOST = ("The Host header is missing or not a host name with an optional port (RFC 9110 §7.2; an HTTP/1.1 "
            "request must have one, RFC 9112 §3.2); send the server's name.")


def valid_host(host: str | None, http_version: str | None) -> bool:
    """Whether a request's Host header is acceptable: one that can stand in a URL (the base of
    this server's IRIs and links), or none in HTTP/1.0. Otherwise a 400 (RFC 9112 §3.2), rather
    than invalid IRIs."""
    return _HOST.fullmatch(host) is not None if host else http_version != "1.1"


def parse_query_request(*, method: str, content_type: str | None, query_string: bytes, body: bytes,
                        max_query_bytes: int) -> SparqlRequest | None:
    """Read a SPARQL query request; None for a GET that asks for nothing (the service
    description). Raises ProtocolError with 400, 403, 405, 413 or 415 (see the module)."""
    method = method.upper()
    url = _parse_form(query_string)
    if method in ("GET", "HEAD"):
        return _read(url, direct=None, max_query_bytes=max_query_bytes, may_be_empty=True)
    if method != "POST":
        raise ProtocolError(
            405, f"This endpoint answers GET and POST requests, not {method}: send the query with "
                 f"GET ?query=… or with POST.", headers=(("Allow", ", ".join(ALLOWED_METHODS)),))
    media = _post_media_type(content_type)
    if media == FORM:
        return _read(url + _parse_form(body), direct=None, max_query_bytes=max_query_bytes, may_be_empty=False)
    return _read(url, direct=body, max_query_bytes=max_query_bytes, may_be_empty=False)


def _post_media_type(content_type: str | None) -> str:
    """FORM or SPARQL_QUERY, or the ProtocolError a POST with another body deserves."""
    if content_type is None or not content_type.strip():
        raise ProtocolError(415, f"The POST has no Content-Type, so its body cannot be read; {_HOW_TO_POST}.")
    parsed = parse_media_type(content_type)
    if parsed is None:
        raise ProtocolError(415, f"The Content-Type {_shorten(content_type)!r} cannot be read; {_HOW_TO_POST}.")
    media = f"{parsed[0]}/{parsed[1]}"
    if media == SPARQL_UPDATE:
        raise ProtocolError(403, READ_ONLY)
    if media not in (FORM, SPARQL_QUERY):
        raise ProtocolError(415, f"A POST body of type {media} is not accepted; {_HOW_TO_POST}.")
    charset = dict(parsed[2]).get("charset")
    if charset is not None and charset.lower() not in UTF8_CHARSETS:
        raise ProtocolError(415, f"The body is declared as {charset}, but SPARQL requests must be UTF-8; "
                                 f"re-encode it as UTF-8 and send charset=utf-8 (or no charset).")
    return media


def _read(params: list[tuple[bytes, bytes]], *, direct: bytes | None, max_query_bytes: int,
          may_be_empty: bool) -> SparqlRequest | None:
    """The checks shared by every method. `direct` is the body of an application/sparql-query POST."""
    if any(name == b"update" for name, _ in params):
        raise ProtocolError(403, READ_ONLY)
    queries = [value for name, value in params if name == b"query"]
    if direct is not None:
        if queries:
            raise ProtocolError(400, "The request has a query both in its body and in the query parameter "
                                     "of the URL; send it once.")
        if not direct:
            raise ProtocolError(400, f"The POST body is empty; {_HOW_TO_POST}.")
        queries = [direct]
    if len(queries) > 1:
        raise ProtocolError(400, "The request has more than one query parameter; send exactly one query.")
    default_graphs = _graph_iris(params, "default-graph-uri")
    named_graphs = _graph_iris(params, "named-graph-uri")
    for name, value in params:
        if name not in _PARAMETERS:
            _refuse_stray(name, value, query_given=bool(queries))
    if not queries:
        if may_be_empty and not default_graphs and not named_graphs:
            return None
        given = "default-graph-uri or named-graph-uri, but " if (default_graphs or named_graphs) else ""
        raise ProtocolError(400, f"The request has {given}no query parameter; send query=… in the URL "
                                 f"(GET) or the form body (POST), or POST the query as {SPARQL_QUERY}.")
    raw = queries[0]
    if len(raw) > max_query_bytes:  # checked on bytes, before decoding a body that may be large
        raise ProtocolError(413, f"The query is {len(raw)} bytes long; this endpoint accepts queries of at "
                                 f"most {max_query_bytes} bytes (UTF-8). Shorten it or split it into "
                                 f"several queries.")
    # A byte-order mark some editors write (and copy into URLs): not SPARQL.
    query = _text(raw, "query" if direct is None else "request body").removeprefix("\ufeff")
    if not query.strip():
        raise ProtocolError(400, "The query is empty; send the text of a SELECT, ASK, CONSTRUCT or "
                                 "DESCRIBE query.")
    analysis = analyse(query)
    if analysis.is_update:
        raise ProtocolError(403, READ_ONLY)
    if analysis.uses_service:
        raise ProtocolError(400, NO_SERVICE)
    return SparqlRequest(query=query, default_graphs=default_graphs, named_graphs=named_graphs,
                         format_param=_format_param(params), analysis=analysis)


_PARAMETERS = frozenset((b"query", b"default-graph-uri", b"named-graph-uri", b"format"))
# The start of a query, not a word: what follows each keyword is checked too.
_QUERY_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:#[^\n]*\n\s*)*(?:PREFIX\s+[\w-]*:\s*<|BASE\s*<|SELECT\s*[?$*(]|"
                          rb"SELECT\s+(?:DISTINCT|REDUCED)\b|ASK\s*(?:\{|WHERE\b|FROM\b)|CONSTRUCT\s*(?:\{|WHERE\b)|"
                          rb"DESCRIBE\s*[?$<*])", re.IGNORECASE)
_NOT_IN_NAMES = re.compile(rb"[{}()?<>]")  # (a space is: a form's submit button, "Run query")


def _refuse_stray(name: bytes, value: bytes, *, query_given: bool) -> None:
    """A parameter this endpoint does not read is ignored, except two mistakes with a query that
    would otherwise go unexplained: a query under another name (`q=`), and the rest of a query
    cut at an `&` that was not percent-encoded (a "name" with brackets)."""
    shown = name.decode("utf-8", "replace")
    if not query_given and _QUERY_START.match(value):
        raise ProtocolError(400, f"The request has no query parameter, but its {_shorten(shown, 40)!r} parameter "
                                 f"holds a query: name it query (?query=… in the URL, or query=… in a form).")
    if query_given and _NOT_IN_NAMES.search(name):
        raise ProtocolError(400, f"The query seems cut at an & that was not percent-encoded: the request also has "
                                 f"a parameter named {_shorten(shown, 60)!r}. Percent-encode the query (& as %26, "
                                 f"+ as %2B, # as %23; curl --data-urlencode 'query=…' does it).")


def _parse_form(data: bytes) -> list[tuple[bytes, bytes]]:
    """application/x-www-form-urlencoded pairs, percent-decoded to bytes (`+` is a space)."""
    pairs = []
    for piece in data.split(b"&"):
        if piece:
            name, _, value = piece.partition(b"=")
            pairs.append((percent_decode(name.replace(b"+", b" ")), percent_decode(value.replace(b"+", b" "))))
    return pairs


_STRAY_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def percent_decode(data: bytes) -> bytes:
    """`urllib.parse.unquote_to_bytes`, five times faster on a query's hundreds of escapes: the
    escapes are rewritten as quoted-printable ones (`%3D` → `=3D`, a literal `=` → `=3D`) and
    decoded in C by binascii. A `%` without two hex digits after it (left as is by unquote) would
    not survive that rewriting: such rare input takes the standard library's path."""
    if b"%" not in data:
        return data
    if _STRAY_PERCENT.search(data):
        return unquote_to_bytes(data)
    return binascii.a2b_qp(data.replace(b"=", b"=3D").replace(b"%", b"="))


def _text(value: bytes, name: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        what = "The request body is" if name == "request body" else f"The {name} parameter is"
        raise ProtocolError(400, f"{what} not valid UTF-8; encode the text as UTF-8 (and percent-encode "
                                 f"those bytes in a URL or form).") from None


def _graph_iris(params: list[tuple[bytes, bytes]], name: str) -> tuple[str, ...]:
    key = name.encode()
    iris: dict[str, None] = {}  # a dict keeps the first-seen order and drops repeats
    for param, value in params:
        if param == key:
            iri = _text(value, name)
            try:
                NamedNode(iri)  # the very check the worker's NamedNode(iri) will make
            except ValueError as error:
                raise ProtocolError(400, f"The {name} parameter {_shorten(iri)!r} is not an absolute IRI "
                                         f"({error}); give a full IRI such as https://example.org/graph.") from None
            iris[iri] = None
    return tuple(iris)


def _format_param(params: list[tuple[bytes, bytes]]) -> str | None:
    # The first one: SPARQLWrapper sends the same format twice, by key and by media type.
    for name, value in params:
        if name == b"format":
            text = _text(value, "format").strip()
            if text:
                return text
    return None


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
