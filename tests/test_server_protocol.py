"""SPARQL 1.1 Protocol request parsing (§2.1), including the shapes of the W3C protocol tests."""

from __future__ import annotations

import random
from urllib.parse import quote, unquote_to_bytes, urlencode

import pytest

from territoires_lod.server._lexer import Analysis
from territoires_lod.server._protocol import (ProtocolError, SparqlRequest, parse_media_type, parse_query_request,
                                              percent_decode)

LIMIT = 1000
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
ASK = "ASK { ?s ?p ?o }"


def request(method="GET", *, content_type=None, query_string=b"", body=b"", max_query_bytes=LIMIT):
    return parse_query_request(method=method, content_type=content_type, query_string=query_string, body=body,
                               max_query_bytes=max_query_bytes)


def qs(*pairs) -> bytes:
    return urlencode(pairs).encode("ascii")


ACCEPTED = [
    # (id, request arguments, query, default graphs, named graphs, format)
    ("get", dict(query_string=qs(("query", ASK))), ASK, (), (), None),
    ("get-plus-is-space", dict(query_string=b"query=ASK+%7B+%3Fs+%3Fp+%3Fo+%7D"), ASK, (), (), None),
    ("get-percent-20", dict(query_string=b"query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"), ASK, (), (), None),
    ("head-is-get", dict(method="HEAD", query_string=qs(("query", ASK))), ASK, (), (), None),
    ("lowercase-method", dict(method="get", query_string=qs(("query", ASK))), ASK, (), (), None),
    ("utf8-query", dict(query_string=qs(("query", "ASK { ?s ?p 'Île-de-France' }"))),
     "ASK { ?s ?p 'Île-de-France' }", (), (), None),
    ("invalid-percent-escape-stays", dict(query_string=b"query=ASK+%7B+%3Fs+%3Fp+'100%'+%7D"),
     "ASK { ?s ?p '100%' }", (), (), None),
    ("graphs-repeated", dict(query_string=qs(
        ("query", ASK), ("default-graph-uri", "http://example.org/g1"), ("named-graph-uri", "http://example.org/n1"),
        ("default-graph-uri", "http://example.org/g2"), ("named-graph-uri", "urn:x:n2"),
        ("named-graph-uri", "http://example.org/n1"))),
     ASK, ("http://example.org/g1", "http://example.org/g2"), ("http://example.org/n1", "urn:x:n2"), None),
    ("format", dict(query_string=qs(("query", ASK), ("format", "csv"))), ASK, (), (), "csv"),
    ("format-repeated-sparqlwrapper", dict(query_string=qs(
        ("query", ASK), ("format", "tsv"), ("output", "tsv"), ("results", "tsv"),
        ("format", "text/tab-separated-values"))), ASK, (), (), "tsv"),
    ("format-empty-is-absent", dict(query_string=qs(("query", ASK), ("format", ""))), ASK, (), (), None),
    ("unknown-parameters-ignored", dict(query_string=qs(("query", ASK), ("timeout", "5")) + b"&junk=%FF&flag"),
     ASK, (), (), None),
    ("exactly-the-limit", dict(query_string=qs(("query", ASK)), max_query_bytes=len(ASK)), ASK, (), (), None),
    ("post-form", dict(method="POST", content_type=FORM, body=qs(("query", ASK))), ASK, (), (), None),
    ("post-form-charset-and-case", dict(method="POST", content_type="Application/X-WWW-Form-URLEncoded; Charset=UTF-8",
                                        body=qs(("query", ASK))), ASK, (), (), None),
    ("post-form-format-in-url", dict(method="POST", content_type=FORM, query_string=qs(("format", "json")),
                                     body=qs(("query", ASK))), ASK, (), (), "json"),
    ("post-form-graphs-body-and-url", dict(method="POST", content_type=FORM,
                                           query_string=qs(("default-graph-uri", "http://example.org/u")),
                                           body=qs(("query", ASK), ("default-graph-uri", "http://example.org/b"),
                                                   ("named-graph-uri", "http://example.org/n"))),
     ASK, ("http://example.org/u", "http://example.org/b"), ("http://example.org/n",), None),
    ("post-direct", dict(method="POST", content_type=DIRECT, body=ASK.encode()), ASK, (), (), None),
    ("post-direct-charset", dict(method="POST", content_type="application/sparql-query; charset=UTF-8",
                                 body=ASK.encode()), ASK, (), (), None),
    ("post-direct-quoted-charset", dict(method="POST", content_type='APPLICATION/SPARQL-QUERY;charset="utf-8"',
                                        body=ASK.encode()), ASK, (), (), None),
    ("post-direct-graphs-and-format-in-url", dict(
        method="POST", content_type=DIRECT, body=ASK.encode(),
        query_string=qs(("default-graph-uri", "http://example.org/g"), ("named-graph-uri", "http://example.org/n"),
                        ("format", "xml"))),
     ASK, ("http://example.org/g",), ("http://example.org/n",), "xml"),
    ("post-direct-bom-dropped", dict(method="POST", content_type=DIRECT, body=b"\xef\xbb\xbf" + ASK.encode()),
     ASK, (), (), None),
    ("get-bom-dropped", dict(query_string=b"query=%EF%BB%BF" + qs(("q", ASK))[2:]), ASK, (), (), None),
    ("post-form-bom-dropped", dict(method="POST", content_type=FORM, body=b"query=%EF%BB%BF" + qs(("q", ASK))[2:]),
     ASK, (), (), None),
]


@pytest.mark.parametrize(("args", "query", "default_graphs", "named_graphs", "format_param"),
                         [case[1:] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED])
def test_accepted_requests(args, query, default_graphs, named_graphs, format_param):
    parsed = request(**args)
    assert isinstance(parsed, SparqlRequest)
    assert (parsed.query, parsed.default_graphs, parsed.named_graphs, parsed.format_param) == (
        query, default_graphs, named_graphs, format_param)
    assert parsed.analysis.form == "ASK"


@pytest.mark.parametrize("args", [
    dict(),
    dict(method="HEAD"),
    dict(query_string=qs(("format", "turtle"))),
    dict(query_string=b"utm_source=x"),
    dict(query_string=qs(("_", "1234"), ("callback", "select"))),  # a cache-buster; a word, not a query
])
def test_a_get_without_query_asks_for_the_service_description(args):
    assert request(**args) is None


def test_a_form_s_submit_button_is_not_taken_for_the_rest_of_a_query():
    assert request(query_string=qs(("query", ASK), ("Run query", ""))).query == ASK


def test_the_analysis_travels_with_the_request():
    parsed = request(query_string=qs(("query", "PREFIX ex: <http://example.org/> SELECT * FROM ex:g { ?s ?p ?o }")))
    assert parsed.analysis == Analysis(form="SELECT", is_update=False, update_keyword=None, uses_service=False,
                                       has_from=True)


def test_a_query_without_a_recognisable_form_is_left_to_pyoxigraph():
    parsed = request(query_string=qs(("query", "SELEKT * { ?s ?p ?o }")))
    assert parsed.query == "SELEKT * { ?s ?p ?o }" and parsed.analysis.form is None


UPDATE = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
SERVICE = "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"

REFUSED = [
    # (id, request arguments, status, words the message must contain)
    # Methods.
    ("put", dict(method="PUT", content_type=DIRECT, body=ASK.encode()), 405, ("GET", "POST", "PUT")),
    ("delete", dict(method="DELETE"), 405, ("GET", "POST")),
    ("patch", dict(method="PATCH", query_string=qs(("query", ASK))), 405, ("GET", "POST")),
    # Several queries, no query, empty query.
    ("two-query-parameters", dict(query_string=qs(("query", ASK), ("query", "ASK {}"))), 400, ("more than one",)),
    ("post-form-query-in-body-and-url", dict(method="POST", content_type=FORM, query_string=qs(("query", ASK)),
                                             body=qs(("query", ASK))), 400, ("more than one",)),
    ("post-direct-query-in-url-too", dict(method="POST", content_type=DIRECT, query_string=qs(("query", ASK)),
                                          body=ASK.encode()), 400, ("once",)),
    ("post-form-without-query", dict(method="POST", content_type=FORM, body=qs(("format", "json"))), 400,
     ("no query",)),
    ("post-form-empty-body", dict(method="POST", content_type=FORM), 400, ("no query",)),
    ("post-direct-empty-body", dict(method="POST", content_type=DIRECT), 400, ("empty",)),
    ("get-graphs-without-query", dict(query_string=qs(("default-graph-uri", "http://example.org/g"))), 400,
     ("default-graph-uri", "no query")),
    ("get-empty-query", dict(query_string=b"query="), 400, ("empty",)),
    ("get-blank-query", dict(query_string=b"query=+%0A+"), 400, ("empty",)),
    # Media types of POST bodies.
    ("post-text-plain", dict(method="POST", content_type="text/plain", body=ASK.encode()), 415,
     ("text/plain", FORM, DIRECT)),
    ("post-json", dict(method="POST", content_type="application/json", body=b'{"query": "ASK {}"}'), 415,
     ("application/json",)),
    ("post-form-body-without-media-type", dict(method="POST", body=qs(("query", ASK))), 415, ("Content-Type",)),
    ("post-sparql-body-without-media-type", dict(method="POST", body=ASK.encode()), 415, ("Content-Type",)),
    ("post-blank-media-type", dict(method="POST", content_type="  ", body=ASK.encode()), 415, ("Content-Type",)),
    ("post-unreadable-media-type", dict(method="POST", content_type="sparql", body=ASK.encode()), 415,
     ("cannot be read",)),
    ("post-multipart", dict(method="POST", content_type="multipart/form-data; boundary=x", body=b"--x--"), 415,
     ("multipart/form-data",)),
    ("post-direct-utf16", dict(method="POST", content_type="application/sparql-query; charset=UTF-16",
                               body=ASK.encode("utf-16")), 415, ("UTF-16", "UTF-8")),
    ("post-form-latin1", dict(method="POST", content_type=FORM + "; charset=ISO-8859-1", body=qs(("query", ASK))),
     415, ("ISO-8859-1", "UTF-8")),
    # Encodings.
    ("post-direct-not-utf8", dict(method="POST", content_type=DIRECT, body="ASK { ?s ?p 'é' }".encode("latin-1")),
     400, ("UTF-8", "body")),
    ("get-query-not-utf8", dict(query_string=b"query=ASK+%7B+%3Fs+%3Fp+'%E9'+%7D"), 400, ("query", "UTF-8")),
    ("graph-not-utf8", dict(query_string=qs(("query", ASK)) + b"&named-graph-uri=http://x/%FF"), 400,
     ("named-graph-uri", "UTF-8")),
    ("format-not-utf8", dict(query_string=qs(("query", ASK)) + b"&format=%FF"), 400, ("format", "UTF-8")),
    # Graph IRIs.
    ("relative-graph", dict(query_string=qs(("query", ASK), ("default-graph-uri", "g1"))), 400,
     ("default-graph-uri", "'g1'", "absolute IRI")),
    ("graph-with-space", dict(query_string=qs(("query", ASK), ("named-graph-uri", "http://example.org/a b"))), 400,
     ("named-graph-uri", "absolute IRI")),
    ("empty-graph", dict(query_string=qs(("query", ASK), ("named-graph-uri", ""))), 400, ("named-graph-uri",)),
    # Sizes.
    ("get-too-large", dict(query_string=qs(("query", ASK)), max_query_bytes=len(ASK) - 1), 413,
     (str(len(ASK) - 1), "bytes")),
    ("multibyte-counts-in-bytes", dict(query_string=qs(("query", "ASK{?s ?p 'ééé'}")), max_query_bytes=18), 413,
     ("18",)),
    ("post-form-too-large", dict(method="POST", content_type=FORM, body=qs(("query", ASK + " " * LIMIT))), 413,
     (str(LIMIT),)),
    ("post-direct-too-large-checked-before-decoding", dict(method="POST", content_type=DIRECT,
                                                           body=b"\xff" * (LIMIT + 1)), 413, (str(LIMIT),)),
    # Updates: read-only.
    ("update-parameter-get", dict(query_string=qs(("update", UPDATE))), 403, ("read-only",)),
    ("update-parameter-with-query", dict(query_string=qs(("query", ASK), ("update", UPDATE))), 403, ("read-only",)),
    ("update-parameter-form", dict(method="POST", content_type=FORM, body=qs(("update", UPDATE))), 403,
     ("read-only",)),
    ("sparql-update-media-type", dict(method="POST", content_type="application/sparql-update", body=UPDATE.encode()),
     403, ("read-only",)),
    ("update-as-query-get", dict(query_string=qs(("query", UPDATE))), 403, ("read-only",)),
    ("update-as-query-direct", dict(method="POST", content_type=DIRECT, body=b"CLEAR ALL"), 403, ("read-only",)),
    ("escaped-update-as-query", dict(query_string=qs(("query", r"\u0044ELETE WHERE { ?s ?p ?o }"))), 403,
     ("read-only",)),
    # SERVICE.
    ("service-get", dict(query_string=qs(("query", SERVICE))), 400, ("SERVICE", "federated")),
    ("service-direct", dict(method="POST", content_type=DIRECT,
                            body=r"SELECT * { \u0053ERVICE <http://example.org/x> { } }".encode()), 400,
     ("SERVICE",)),
    # A query under another name, or cut at an unencoded & (the rest of it a parameter's name).
    ("query-as-q", dict(query_string=qs(("q", "SELECT * WHERE { ?s ?p ?o }"))), 400, ("'q' parameter holds a query",)),
    ("query-as-q-with-bom", dict(query_string=qs(("q", "\ufeffASK {}"))), 400, ("'q' parameter holds a query",)),
    ("query-as-sparql-form", dict(method="POST", content_type=FORM, body=qs(("sparql", "# c\nprefix a: <x:>\nASK {}"))),
     400, ("'sparql' parameter holds a query",)),
    ("query-cut-at-ampersand", dict(query_string=b"query=ASK { ?s ?p ?o FILTER(isIRI(?s) && isIRI(?o)) }"), 400,
     ("cut at an &", "' isIRI(?o)) }'", "%26")),
    ("form-cut-at-ampersand", dict(method="POST", content_type=FORM, body=b"query=ASK+{+FILTER(1+&&+2)+}"), 400,
     ("cut at an &", "' 2) }'")),
]


@pytest.mark.parametrize(("args", "status", "words"), [case[1:] for case in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_requests(args, status, words):
    with pytest.raises(ProtocolError) as caught:
        request(**args)
    error = caught.value
    assert error.status == status
    for word in words:
        assert word in error.message
    # A sentence a person can act on, never a trace.
    assert error.message[0].isupper() and error.message.endswith(".") and "Traceback" not in error.message
    assert str(error) == error.message


def test_405_carries_the_allow_header():
    with pytest.raises(ProtocolError) as caught:
        request("PUT")
    assert dict(caught.value.headers) == {"Allow": "GET, HEAD, POST"}


def test_read_only_and_service_messages_are_the_documented_sentences():
    with pytest.raises(ProtocolError, match=r"^This endpoint is read-only: SPARQL Update is not accepted\.$"):
        request(query_string=qs(("update", UPDATE)))
    with pytest.raises(ProtocolError, match=r"^SERVICE \(federated query\) is not allowed on this endpoint; "
                                            r"run federated queries from your own client\.$"):
        request(query_string=qs(("query", SERVICE)))


# The W3C SPARQL 1.1 Protocol tests' request shapes (protocol/manifest.ttl), each a 4XX here.
W3C = [
    ("bad_query_method", dict(method="PUT", query_string=b"query=ASK%20%7B%7D")),
    ("bad_multiple_queries", dict(query_string=b"query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")),
    ("bad_query_wrong_media_type", dict(method="POST", content_type="text/plain", body=b"ASK {}")),
    ("bad_query_missing_form_type", dict(method="POST", body=b"query=ASK%20%7B%7D")),
    ("bad_query_missing_direct_type", dict(method="POST", body=b"ASK {}")),
    ("bad_query_non_utf8", dict(method="POST", content_type="application/sparql-query; charset=UTF-16",
                                body="ASK {}".encode("utf-16"))),
    ("bad_update_get", dict(query_string=b"update=CLEAR%20ALL")),
    ("bad_update_wrong_media_type", dict(method="POST", content_type="text/plain", body=b"CLEAR NAMED")),
    ("bad_update_non_utf8", dict(method="POST", content_type="application/sparql-update; charset=UTF-16",
                                 body="CLEAR NAMED".encode("utf-16"))),
]


@pytest.mark.parametrize("args", [case[1] for case in W3C], ids=[case[0] for case in W3C])
def test_w3c_bad_requests_are_4xx(args):
    with pytest.raises(ProtocolError) as caught:
        request(**args)
    assert 400 <= caught.value.status < 500


def test_w3c_query_post_form_and_direct_agree():
    query = "ASK {}"
    form = request("POST", content_type=FORM, body=b"query=" + quote(query).encode())
    direct = request("POST", content_type=DIRECT, body=query.encode())
    get = request(query_string=b"query=" + quote(query).encode())
    assert form == direct == get


@pytest.mark.parametrize(("value", "expected"), [
    ("text/csv", ("text", "csv", ())),
    ("Text/CSV ; Charset=UTF-8", ("text", "csv", (("charset", "UTF-8"),))),
    ('a/b; p="x;y\\"z"; q=1', ("a", "b", (("p", 'x;y"z'), ("q", "1")))),
    ("a/b;;c=d;", ("a", "b", (("c", "d"),))),
    ("a/b c", None),
    ("a", None),
    ("a/b; c", None),
    ('a/b; c="unterminated', None),
    ("", None),
])
def test_parse_media_type(value, expected):
    assert parse_media_type(value) == expected


@pytest.mark.parametrize("data", [b"", b"plain", b"a%3d=b", b"%3D%3d", b"==3D", b"%zz%41", b"%", b"a%4",
                                  b"x=%0A%20 =", b"soft=\r\nx", b"trail \t", b"%C3%A9t%C3%A9", b"%%41"])
def test_percent_decode_is_unquote_to_bytes(data):
    assert percent_decode(data) == unquote_to_bytes(data)


def test_percent_decode_agrees_with_the_standard_library_on_random_input():
    pieces = [b"%", b"=", b"3", b"D", b"a", b"F", b"\n", b"\r", b" ", b"\t", b"_", b"0", b"g", b"%4", b"%3D",
              b"%0A", b"%20", b"\xff", b"+", b"?", b"%%", b"=0A"]
    rnd = random.Random(20181122)
    for _ in range(20000):
        data = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        assert percent_decode(data) == unquote_to_bytes(data), data
