"""Result formats and content negotiation, as tables of the Accept headers real clients send."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from territoires_lod.server._media import (
    DOCUMENT,
    FORMAT_NAMES,
    FORMATS,
    GRAPH,
    KIND_OF_FORM,
    SOLUTIONS,
    MediaRange,
    accepts_gzip,
    format_by_key,
    formats_of,
    negotiate,
    parse_accept,
    prefers_html,
)
from territoires_lod.server._protocol import ProtocolError

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
          "application/signed-exchange;v=b3;q=0.7")
# SPARQLWrapper 2.x, _getAcceptHeader()
SW_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"
SW_TURTLE = "application/turtle,text/turtle"
SW_N3 = "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3"
SW_JSONLD = "application/ld+json,application/x-json+ld"
JENA_SELECT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
               "text/tab-separated-values;q=0.7, text/csv;q=0.5, application/json;q=0.2, "
               "application/xml;q=0.2, */*;q=0.1")
JENA_CONSTRUCT = ("text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,application/rdf+xml;q=0.7,"
                  "*/*;q=0.5")


ACCEPT_CASES = [
    # (Accept, kind, expected key)
    (None, SOLUTIONS, "json"),
    ("", SOLUTIONS, "json"),
    ("*/*", SOLUTIONS, "json"),  # curl, requests
    (BROWSER, SOLUTIONS, "xml"),  # application/xml;q=0.9 beats */*;q=0.8
    (CHROME, SOLUTIONS, "xml"),
    ("application/sparql-results+json,*/*;q=0.9", SOLUTIONS, "json"),  # YASGUI
    (SW_JSON, SOLUTIONS, "json"),
    ("application/sparql-results+xml", SOLUTIONS, "xml"),  # SPARQLWrapper XML, its default
    ("text/csv", SOLUTIONS, "csv"),  # SPARQLWrapper CSV
    ("text/tab-separated-values", SOLUTIONS, "tsv"),  # SPARQLWrapper TSV
    ("application/x-sparqlstar-results+json,application/sparql-results+json,application/json", SOLUTIONS, "json"),
    (JENA_SELECT, SOLUTIONS, "json"),
    ("application/json", SOLUTIONS, "json"),
    ("application/xml", SOLUTIONS, "xml"),
    ("text/xml", SOLUTIONS, "xml"),
    ("text/*", SOLUTIONS, "csv"),  # aliases (text/xml) do not answer type/*
    ("application/*", SOLUTIONS, "json"),
    ("APPLICATION/SPARQL-RESULTS+XML", SOLUTIONS, "xml"),
    ("text/csv;charset=utf-8", SOLUTIONS, "csv"),
    ("text/csv; charset=UTF-8", SOLUTIONS, "csv"),
    ("text/csv;charset=iso-8859-1, application/sparql-results+json;q=0.1", SOLUTIONS, "json"),
    ("*/*;q=0.8, text/csv;q=0", SOLUTIONS, "json"),
    ("text/*;q=0.9, text/csv;q=0", SOLUTIONS, "tsv"),  # the more specific range decides for CSV
    ("application/sparql-results+xml;q=0.5, text/tab-separated-values", SOLUTIONS, "tsv"),
    ("text/csv, text/tab-separated-values", SOLUTIONS, "csv"),  # equal: header order
    ("text/tab-separated-values, text/csv", SOLUTIONS, "tsv"),
    ("application/sparql-results+json;q=0.5, */*", SOLUTIONS, "xml"),  # anything but JSON: table order
    ("application/sparql-results+xml, application/xml;q=0", SOLUTIONS, "xml"),  # the canonical type wins
    ("application/xml;q=0, */*", SOLUTIONS, "json"),
    ("text/csv;charset=utf-8;q=0, text/csv, application/sparql-results+json;q=0.1", SOLUTIONS, "json"),
    ("text/csv;q=0.5;charset=latin1", SOLUTIONS, "csv"),  # after q: not a media type parameter
    ("  text/csv  ;  q=0.5 , application/sparql-results+xml ; q=0.4 ", SOLUTIONS, "csv"),
    (",,text/csv,,", SOLUTIONS, "csv"),
    ('application/sparql-results+json;profile="a,b";q=0.4, text/csv;q=0.3', SOLUTIONS, "json"),
    ("garbage", SOLUTIONS, "json"),  # an unreadable header is disregarded
    ("text/csv;q=abc", SOLUTIONS, "json"),
    ("text/csv;q=abc, text/tab-separated-values", SOLUTIONS, "tsv"),
    ("text/csv;q=1.5, text/tab-separated-values;q=0.1", SOLUTIONS, "tsv"),
    ("*/csv, text/tab-separated-values;q=0.1", SOLUTIONS, "tsv"),
    ('text/csv;p="unterminated, text/tab-separated-values', SOLUTIONS, "json"),
    (None, GRAPH, "turtle"),
    ("*/*", GRAPH, "turtle"),
    (BROWSER, GRAPH, "rdfxml"),
    ("text/turtle,*/*;q=0.9", GRAPH, "turtle"),  # YASGUI
    (SW_TURTLE, GRAPH, "turtle"),
    (SW_N3, GRAPH, "turtle"),
    ("application/rdf+xml", GRAPH, "rdfxml"),  # SPARQLWrapper RDFXML, and XML for CONSTRUCT
    (SW_JSONLD, GRAPH, "jsonld"),
    ("application/json", GRAPH, "jsonld"),  # JSON-LD is the JSON of graphs, as format=json says
    ("application/sparql-results+json, application/json;q=0.9", GRAPH, "jsonld"),
    (JENA_CONSTRUCT, GRAPH, "turtle"),
    ("text/turtle;q=0.5, application/rdf+xml;q=0.9", GRAPH, "rdfxml"),
    ("text/*", GRAPH, "turtle"),
    ("application/*", GRAPH, "ntriples"),
    ("text/plain", GRAPH, "ntriples"),
    ("application/x-turtle", GRAPH, "turtle"),
    ("application/xml", GRAPH, "rdfxml"),
    ("text/xml", GRAPH, "rdfxml"),
    ("application/n-quads", GRAPH, "nquads"),
    ("application/trig", GRAPH, "trig"),
    ("text/turtle;q=0, */*", GRAPH, "ntriples"),
    ("application/sparql-results+json, */*;q=0.1", GRAPH, "turtle"),
    ("text/turtle; charset=utf-8", GRAPH, "turtle"),
    ("text/n3", GRAPH, "turtle"),  # Turtle is N3
    ("text/n3;q=0.9, application/n-triples;q=0.5", GRAPH, "turtle"),
]


@pytest.mark.parametrize(("accept", "kind", "key"), ACCEPT_CASES)
def test_negotiate(accept, kind, key):
    assert negotiate(accept, kind=kind).key == key


NOT_ACCEPTABLE = [
    ("text/html", SOLUTIONS),
    ("text/turtle", SOLUTIONS),
    ("application/pdf, image/png", SOLUTIONS),
    ("*/*;q=0", SOLUTIONS),
    ("application/sparql-results+json;q=0", SOLUTIONS),
    ("text/csv;charset=latin1", SOLUTIONS),
    ("text/csv;q=0, text/tab-separated-values;q=0, application/*;q=0", SOLUTIONS),
    ("text/html", GRAPH),
    ("application/sparql-results+json", GRAPH),
    ("text/csv", GRAPH),
    ("*/*;q=0", GRAPH),
]


@pytest.mark.parametrize(("accept", "kind"), NOT_ACCEPTABLE)
def test_nothing_acceptable_is_a_406_listing_the_media_types(accept, kind):
    with pytest.raises(ProtocolError) as caught:
        negotiate(accept, kind=kind)
    assert caught.value.status == 406
    for fmt in formats_of(kind):
        assert fmt.media_type in caught.value.message
    assert "Traceback" not in caught.value.message


FORMAT_PARAM_CASES = [
    # (format parameter, kind, expected key); the Accept header says text/html, which alone is a 406
    ("json", SOLUTIONS, "json"),
    ("JSON", SOLUTIONS, "json"),
    (" csv ", SOLUTIONS, "csv"),
    ("tsv", SOLUTIONS, "tsv"),
    ("xml", SOLUTIONS, "xml"),
    ("application/sparql-results+json", SOLUTIONS, "json"),
    ("application/json", SOLUTIONS, "json"),
    ("text/csv; charset=utf-8", SOLUTIONS, "csv"),
    ("application/xml", SOLUTIONS, "xml"),
    ("turtle", GRAPH, "turtle"),
    ("ttl", GRAPH, "turtle"),
    ("n3", GRAPH, "turtle"),
    ("ntriples", GRAPH, "ntriples"),
    ("nt", GRAPH, "ntriples"),
    ("jsonld", GRAPH, "jsonld"),
    ("json-ld", GRAPH, "jsonld"),
    ("json", GRAPH, "jsonld"),  # SPARQLWrapper asks "json" for CONSTRUCT too
    ("rdfxml", GRAPH, "rdfxml"),
    ("rdf", GRAPH, "rdfxml"),
    ("rdf+xml", GRAPH, "rdfxml"),
    ("xml", GRAPH, "rdfxml"),
    ("trig", GRAPH, "trig"),
    ("nquads", GRAPH, "nquads"),
    ("nq", GRAPH, "nquads"),
    ("text/turtle", GRAPH, "turtle"),
    ("application/xml", GRAPH, "rdfxml"),
    ("text/plain", GRAPH, "ntriples"),
]


@pytest.mark.parametrize(("value", "kind", "key"), FORMAT_PARAM_CASES)
def test_format_parameter_overrides_accept(value, kind, key):
    assert negotiate("text/html", kind=kind, format_param=value).key == key


def test_format_parameter_beats_an_acceptable_header_too():
    assert negotiate("text/csv", kind=SOLUTIONS, format_param="json").key == "json"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_an_empty_format_parameter_leaves_it_to_accept(value):
    assert negotiate("text/csv", kind=SOLUTIONS, format_param=value).key == "csv"


BAD_FORMAT_PARAMS = [
    ("turtle", SOLUTIONS, "is a format for a CONSTRUCT or DESCRIBE query"),
    ("text/turtle", SOLUTIONS, "is a format for a CONSTRUCT or DESCRIBE query"),
    ("csv", GRAPH, "is a format for a SELECT or ASK query"),
    ("application/sparql-results+json", GRAPH, "is a format for a SELECT or ASK query"),
    ("html", SOLUTIONS, "is not a known format"),
    ("application/pdf", GRAPH, "is not a known format"),
    ("garbage/", SOLUTIONS, "is not a known format"),
]


@pytest.mark.parametrize(("value", "kind", "says"), BAD_FORMAT_PARAMS)
def test_bad_format_parameter_is_a_400_naming_it_and_the_accepted_values(value, kind, says):
    with pytest.raises(ProtocolError) as caught:
        negotiate("*/*", kind=kind, format_param=value)
    error = caught.value
    assert error.status == 400
    assert "format parameter" in error.message and says in error.message
    expected_names = ("json", "xml", "csv", "tsv") if kind == SOLUTIONS else ("turtle", "ntriples", "jsonld", "trig")
    for name in expected_names:
        assert name in error.message


def test_kind_must_be_solutions_or_graph():
    with pytest.raises(ValueError):
        negotiate("*/*", kind="SELECT")


@pytest.mark.parametrize(("header", "expected"), [
    (None, [MediaRange("*", "*", {}, 1.0, 0)]),
    ("   ", [MediaRange("*", "*", {}, 1.0, 0)]),
    ("Text/CSV; Charset=UTF-8; q=0.5", [MediaRange("text", "csv", {"charset": "UTF-8"}, 0.5, 0)]),
    ("a/b;q=0, c/d;q=1.000, e/f;q=0., g/h", [
        MediaRange("a", "b", {}, 0.0, 0), MediaRange("c", "d", {}, 1.0, 1), MediaRange("e", "f", {}, 0.0, 2),
        MediaRange("g", "h", {}, 1.0, 3)]),
    ('a/b;p="x,\\"y";q=0.25', [MediaRange("a", "b", {"p": 'x,"y'}, 0.25, 0)]),
    ("a/b;q=0.1234, c/d;q=1.001, e/f;q=-1, g/h;q=, i/j", [MediaRange("i", "j", {}, 1.0, 4)]),
    ("text/*;;q=0.3", [MediaRange("text", "*", {}, 0.3, 0)]),
    ("nonsense, */json, a/b/c", [MediaRange("*", "*", {}, 1.0, 0)]),
])
def test_parse_accept(header, expected):
    assert parse_accept(header) == expected


# The table against pyoxigraph: names, media types and extensions must be the ones it knows.
@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.kind != DOCUMENT],
                         ids=[f.key for f in FORMATS if f.kind != DOCUMENT])
def test_each_format_names_a_pyoxigraph_format(fmt):
    enum = ox.QueryResultsFormat if fmt.kind == SOLUTIONS else ox.RdfFormat
    ox_format = getattr(enum, fmt.ox_name)
    assert ox_format.media_type.split(";")[0] == fmt.media_type
    assert ox_format.file_extension == fmt.extension


def test_the_tables_are_consistent():
    keys = [f.key for f in FORMATS]
    assert len(set(keys)) == len(keys)
    assert formats_of(SOLUTIONS)[0].key == "json" and formats_of(GRAPH)[0].key == "turtle"
    assert {f.kind for f in FORMATS} == {SOLUTIONS, GRAPH, DOCUMENT}
    for name in FORMAT_NAMES:
        for key, kind in ((name.solutions, SOLUTIONS), (name.graph, GRAPH)):
            if key is not None:
                assert format_by_key(key).kind == kind
    assert set(KIND_OF_FORM.values()) == {SOLUTIONS, GRAPH}
    assert all(f.kind != DOCUMENT for f in formats_of(SOLUTIONS) + formats_of(GRAPH))
    assert [f.key for f in formats_of(DOCUMENT)] == ["turtle", "html", "jsonld", "ntriples", "rdfxml"]


# Dereferenced IRIs: a page for browsers, Turtle for `*/*`, each RDF format by name or type.
@pytest.mark.parametrize("accept, format_param, key", [
    (BROWSER, None, "html"),
    (CHROME, None, "html"),
    ("*/*", None, "turtle"),
    (None, None, "turtle"),
    ("text/turtle", None, "turtle"),
    ("application/ld+json", None, "jsonld"),
    ("application/n-triples", None, "ntriples"),
    ("application/rdf+xml", None, "rdfxml"),
    ("application/xhtml+xml", None, "html"),
    ("text/html;q=0.5, text/turtle;q=0.9", None, "turtle"),
    ("text/html;q=0.9, text/turtle;q=0.5", None, "html"),
    ("text/*", None, "turtle"),
    (SW_JSONLD, None, "jsonld"),
    ("application/json", None, "jsonld"),  # a script's fetch(): JSON-LD, the JSON of graphs
    ("application/*", None, "jsonld"),  # the first application/ row of DOCUMENT_KEYS
    (BROWSER, "ttl", "turtle"),
    (BROWSER, "jsonld", "jsonld"),
    (BROWSER, "json", "jsonld"),
    (BROWSER, "nt", "ntriples"),
    (BROWSER, "rdf", "rdfxml"),
    ("text/turtle", "html", "html"),
    (BROWSER, "text/turtle", "turtle"),
])
def test_negotiate_a_document(accept, format_param, key):
    assert negotiate(accept, kind=DOCUMENT, format_param=format_param).key == key


@pytest.mark.parametrize("accept, format_param, status, words", [
    ("image/png", None, 406, "allows none of the result formats of a resource"),
    ("text/csv", None, 406, "text/turtle"),
    ("text/turtle;q=0, text/html;q=0, */*;q=0.1", None, 200, ""),
    (None, "csv", 400, "not a format of a resource"),
    (None, "trig", 400, "not a format of a resource"),
    (None, "bogus", 400, "not a known format"),
])
def test_documents_refuse_what_they_cannot_write(accept, format_param, status, words):
    if status == 200:
        assert negotiate(accept, kind=DOCUMENT, format_param=format_param).key == "jsonld"
        return
    with pytest.raises(ProtocolError) as caught:
        negotiate(accept, kind=DOCUMENT, format_param=format_param)
    assert caught.value.status == status and words in str(caught.value)


def test_html_is_not_a_query_result_format():
    for kind in (SOLUTIONS, GRAPH):
        with pytest.raises(ProtocolError) as caught:
            negotiate(None, kind=kind, format_param="html")
        assert "not a known format" in str(caught.value)
        with pytest.raises(ProtocolError):
            negotiate("text/html", kind=kind)


def test_content_type_carries_a_charset_only_where_the_type_has_one():
    assert format_by_key("csv").content_type == "text/csv; charset=utf-8"
    assert format_by_key("turtle").content_type == "text/turtle; charset=utf-8"
    assert format_by_key("json").content_type == "application/sparql-results+json"
    assert format_by_key("ntriples").content_type == "application/n-triples"


@pytest.mark.parametrize(("accept", "page"), [
    (BROWSER, True),
    (CHROME, True),
    ("text/html", True),
    ("application/xhtml+xml", True),
    ("TEXT/HTML", True),
    ("application/sparql-results+json;q=0.5, text/html", True),
    (None, False),
    ("", False),
    ("*/*", False),  # curl, requests, fetch()
    ("text/*", False),
    ("application/sparql-results+json,*/*;q=0.9", False),  # YASGUI
    (SW_JSON, False),
    (JENA_SELECT, False),
    (JENA_CONSTRUCT, False),
    ("text/html;q=0.5, application/sparql-results+json", False),
    ("application/sparql-results+xml, text/html", False),  # equal q: the first named wins
    ("text/html;q=0", False),
    ("text/htmlx", False),
])
def test_a_browser_is_told_from_a_program(accept, page):
    assert prefers_html(accept) is page


@pytest.mark.parametrize(("header", "gzip"), [
    (None, False),
    ("", False),
    ("gzip", True),
    ("GZIP", True),
    ("gzip, deflate, br", True),  # browsers
    ("x-gzip", True),
    ("gzip;q=0.5", True),
    ("gzip;q=0", False),
    ("gzip; q=0.000", False),
    ("identity;q=0, gzip;q=0", False),
    ("deflate, br", False),
    ("*", True),
    ("*;q=0", False),
    ("*, gzip;q=0", False),  # named beats the wildcard
    ("gzip;q=1.5", False),  # an invalid weight counts as 0
    ("identity", False),
    ("identity, gzip;q=0.9", False),  # the client ranks no coding first
    ("gzip;q=0.5, identity;q=1", False),
    ("gzip;q=0.5, *", False),  # identity ranked by the wildcard
    ("gzip, identity", True),  # a tie: ours to choose
    ("*;q=0.5, gzip", True),
    ("gzip, identity;q=0", True),
])
def test_accept_encoding(header, gzip):
    assert accepts_gzip(header) is gzip
