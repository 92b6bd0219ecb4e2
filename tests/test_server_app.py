"""The /sparql route through FastAPI's TestClient, on a real in-process engine."""

from __future__ import annotations

import socket
import threading
import urllib.parse

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from territoires_lod.server import InProcessEngine, Settings, create_app, get_engine

SELECT = "SELECT ?t WHERE { ?t a <https://w3id.org/territoires-industrie/def#IndustryTerritory> } ORDER BY ?t"
CONSTRUCT = "CONSTRUCT WHERE { ?t a <https://w3id.org/territoires-industrie/def#IndustryTerritory> }"


@pytest.fixture(scope="module")
def engine(dist):
    return InProcessEngine([dist / "territoires-industrie.nq"], max_result_bytes=200_000)


@pytest.fixture(scope="module")
def client(engine):
    app = create_app(engine=engine, settings=Settings(max_query_bytes=2000, max_result_bytes=200_000))
    with TestClient(app) as test_client:
        yield test_client


def get(client, query, **kwargs):
    params = {"query": query, **kwargs.pop("params", {})}
    return client.get("/sparql", params=params, **kwargs)


def test_select_json_by_default(client):
    response = get(client, SELECT)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert len(response.json()["results"]["bindings"]) == 10


@pytest.mark.parametrize(("accept", "media"), [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
])
def test_select_formats(client, accept, media):
    response = get(client, SELECT, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media


@pytest.mark.parametrize(("accept", "media", "rdflib_format"), [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/json", "application/ld+json", "json-ld"),  # a script's fetch(): the JSON of graphs
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/trig", "application/trig", "trig"),
    ("application/n-quads", "application/n-quads", "nquads"),
])
def test_construct_formats(client, accept, media, rdflib_format):
    response = get(client, CONSTRUCT, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    if rdflib_format in ("trig", "nquads"):
        from rdflib import Dataset

        parsed = Dataset()
        parsed.parse(data=response.content, format=rdflib_format)
        assert len(set(parsed.quads((None, None, None, None)))) == 10
    else:
        assert len(Graph().parse(data=response.content, format=rdflib_format)) == 10


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_is_sent_to_the_query_page_with_its_query(client):
    # A link to /sparql?query=… opened in a browser: the query page runs it and shows a table.
    response = get(client, SELECT, headers={"Accept": BROWSER}, follow_redirects=False)
    assert response.status_code == 303
    # Relative to /sparql: right behind any proxy or path prefix.
    assert response.headers["location"] == "query?" + urllib.parse.urlencode({"query": SELECT})
    assert response.headers["vary"] == "Accept"
    page = client.get(urllib.parse.urljoin("http://testserver/sparql", response.headers["location"]),
                      headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "https://w3id.org/territoires-industrie/id/territoire/" in page.text  # the results table
    head = client.head("/sparql", params={"query": SELECT}, headers={"Accept": BROWSER}, follow_redirects=False)
    assert head.status_code == 303 and head.headers["location"] == response.headers["location"]


def test_a_browser_without_a_query_gets_the_query_editor(client):
    response = client.get("/sparql", headers={"Accept": BROWSER}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "query"


@pytest.mark.parametrize("params", [
    {"query": SELECT, "format": "csv"},  # a link that names its format gets it
    {"query": SELECT, "default-graph-uri": "https://w3id.org/territoires-industrie/graph/none"},
    {"format": "turtle"},  # the service description
])
def test_a_browser_gets_what_only_the_endpoint_gives(client, params):
    response = client.get("/sparql", params=params, headers={"Accept": BROWSER}, follow_redirects=False)
    assert response.status_code == 200
    assert not response.headers["content-type"].startswith("text/html")


def test_a_post_from_a_browser_is_answered_not_redirected(client):
    response = client.post("/sparql", data={"query": SELECT}, headers={"Accept": BROWSER}, follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+xml")


def test_post_forms(client):
    form = client.post("/sparql", data={"query": SELECT})
    direct = client.post("/sparql", content=SELECT.encode(), headers={"Content-Type": "application/sparql-query"})
    assert form.status_code == direct.status_code == 200
    assert form.json() == direct.json()


def test_format_parameter_overrides_accept(client):
    response = get(client, SELECT, params={"format": "csv"}, headers={"Accept": "application/sparql-results+json"})
    assert response.headers["content-type"].startswith("text/csv")


def test_406_when_nothing_acceptable(client):
    response = get(client, SELECT, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


def test_default_and_named_graph_parameters(client):
    annonce = "https://w3id.org/territoires-industrie/graph/annonce-2018-11-22"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?t a <https://w3id.org/territoires-industrie/def#IndustryTerritory> }"
    response = get(client, count, params={"default-graph-uri": annonce})
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "9"
    named = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    response = get(client, named, params={"named-graph-uri": annonce})
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [annonce]


def test_a_syntax_error_names_the_prefixes_to_declare(client):
    response = get(client, 'SELECT ?x WHERE { BIND(xsd:integer("1") AS ?x) ?s ex:p ?o }')
    assert response.status_code == 400 and "error at" in response.text
    assert "add PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>; PREFIX ex: <…>" in response.text


def test_a_url_that_is_not_an_iri_gets_no_prefix_advice(client):
    response = get(client, "SELECT ?x WHERE { ?x <http://a b> ?o }")
    assert response.status_code == 400 and "error at" in response.text
    assert "PREFIX" not in response.text


def test_an_answer_of_another_kind_than_the_lexer_expected_is_negotiated_too(client):
    # The standard reading decodes \u000A first, ending the comment: a CONSTRUCT (then a second
    # query). pyoxigraph 0.5 reads on to the SELECT. Its answer must be in a format the client takes.
    text = "# note \\u000A CONSTRUCT WHERE { ?s ?p ?o }\nSELECT ?x WHERE { BIND(1 AS ?x) }"
    refused = get(client, text, headers={"Accept": "text/turtle"})
    assert refused.status_code == 406 and "text/turtle" in refused.text
    taken = get(client, text, headers={"Accept": "text/turtle, application/sparql-results+json;q=0.5"})
    assert taken.status_code == 200 and taken.json()["results"]["bindings"] == [{"x": {
        "type": "literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]
    # Neither cached nor validated: the Turtle-only client is not served that JSON afterwards.
    assert "etag" not in taken.headers and taken.headers["cache-control"] == "no-store"
    assert get(client, text, headers={"Accept": "text/turtle"}).status_code == 406


def test_syntax_error_is_a_400_with_position(client):
    response = get(client, "SELECT * WHERE { ?s ?p }")
    assert response.status_code == 400
    assert "syntax error" in response.text and "1:" in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://a> <http://b> <http://c> }", "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL", "DROP GRAPH <http://a>", "DELETE WHERE { ?s ?p ?o }"])
def test_updates_are_refused(client, update):
    for response in (get(client, update), client.post("/sparql", data={"update": update}),
                     client.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"})):
        assert response.status_code == 403
        assert "read-only" in response.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE"])
def test_other_methods_get_405(client, method):
    response = client.request(method, "/sparql", content=b"ASK {}")
    assert response.status_code == 405 and "read-only" in response.text
    assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"


def test_options_tells_the_allowed_methods(client):
    response = client.options("/sparql")
    assert response.status_code == 204 and response.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    preflight = client.options("/sparql", headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method":
                                                   "POST", "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"


def test_oversize_query_is_413(client):
    big = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 3000
    assert get(client, big).status_code == 413
    assert client.post("/sparql", content=big.encode(),
                       headers={"Content-Type": "application/sparql-query"}).status_code == 413
    huge = client.post("/sparql", content=big.encode() * 20, headers={"Content-Type": "application/sparql-query"})
    assert huge.status_code == 413 and "a query may have at most" in huge.text  # the limit that matters


def test_oversize_result_is_refused_with_advice(client):
    response = get(client, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 413
    assert "LIMIT" in response.text


def test_etag_and_304(client):
    first = get(client, SELECT)
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    again = get(client, SELECT, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other_format = get(client, SELECT, headers={"If-None-Match": etag, "Accept": "text/csv"})
    assert other_format.status_code == 200 and other_format.headers["etag"] != etag


@pytest.mark.parametrize("if_match", ['"x"', "W/\"x\"", "<etag>"])
def test_if_match_cannot_hold_on_weak_etags_so_it_is_a_412(client, if_match):
    etag = get(client, SELECT).headers["etag"]
    refused = get(client, SELECT, headers={"If-Match": if_match.replace("<etag>", etag)})
    assert refused.status_code == 412 and "If-None-Match" in refused.text
    post = client.post("/sparql", content=SELECT, headers={"Content-Type": "application/sparql-query",
                                                            "If-Match": if_match.replace("<etag>", etag)})
    assert post.status_code == 412


def test_if_match_any_holds_and_errors_keep_their_status(client):
    assert get(client, SELECT, headers={"If-Match": "*"}).status_code == 200
    assert get(client, "SELECT WHERE {", headers={"If-Match": '"x"'}).status_code == 400


@pytest.mark.parametrize("coding", ["gzip", "br", "identity, gzip"])
def test_an_encoded_post_body_is_a_415_that_says_send_it_plain(client, coding):
    response = client.post("/sparql", content=SELECT,
                           headers={"Content-Type": "application/sparql-query", "Content-Encoding": coding})
    assert response.status_code == 415 and "without a Content-Encoding" in response.text
    assert response.headers["accept-encoding"] == "identity"


def test_a_post_body_declared_identity_is_read(client):
    response = client.post("/sparql", content=SELECT,
                           headers={"Content-Type": "application/sparql-query", "Content-Encoding": "identity"})
    assert response.status_code == 200


def test_a_query_that_answers_anew_each_run_is_neither_cached_nor_validated(client):
    # NOW(), RAND()…: a replayed answer or a shared ETag would be wrong.
    volatile = "SELECT (NOW() AS ?n) (STRUUID() AS ?u) WHERE {}"
    size = client.app.state.cache.size
    answers = [get(client, volatile) for _ in range(3)]
    assert all(a.status_code == 200 and "etag" not in a.headers for a in answers)
    assert all(a.headers["cache-control"] == "no-store" for a in answers)
    assert len({a.json()["results"]["bindings"][0]["u"]["value"] for a in answers}) == 3
    assert client.app.state.cache.size == size
    assert get(client, volatile, headers={"If-None-Match": '"x"'}).status_code == 200
    # `*` holds once the answer exists: 304 on a GET, 412 on a POST.
    assert get(client, volatile, headers={"If-None-Match": "*"}).status_code == 304
    assert client.post("/sparql", data={"query": volatile}, headers={"If-None-Match": "*"}).status_code == 412


def test_result_cache_serves_repeats(client):
    cache = client.app.state.cache
    size = cache.size
    get(client, SELECT + " # cache test")  # a cheap answer asked for once is not kept
    assert cache.size == size
    hits = cache.hits
    get(client, SELECT + " # cache test")
    get(client, SELECT + " # cache test")
    assert cache.hits == hits + 1
    assert size < cache.size <= cache.max_bytes


def test_cors(client):
    response = get(client, SELECT, headers={"Origin": "https://yasgui.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options("/sparql", headers={"Origin": "https://yasgui.example",
                                                   "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_gzip(client):
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept-Encoding": "gzip",
                                                                           "Accept": "application/n-triples"})
    assert response.headers["content-encoding"] == "gzip"
    raw = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept-Encoding": "identity",
                                                                      "Accept": "application/n-triples"})
    assert "content-encoding" not in raw.headers
    assert response.content == raw.content  # httpx decodes gzip
    assert response.headers["etag"] == raw.headers["etag"]  # one weak tag for both codings
    refused = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept-Encoding": "gzip;q=0, br",
                                                                          "Accept": "application/n-triples"})
    assert "content-encoding" not in refused.headers


@pytest.mark.parametrize(("condition", "status"), [
    ("*", 304),  # the answer exists…
    ("same", 304),
    ('"not-this-one"', 200),
])
def test_if_none_match_on_get(client, condition, status):
    etag = get(client, SELECT).headers["etag"]
    assert etag.startswith('W/"')
    header = etag if condition == "same" else condition
    assert get(client, SELECT, headers={"If-None-Match": header}).status_code == status
    # The strong form of the same tag matches too (If-None-Match compares weakly).
    assert get(client, SELECT, headers={"If-None-Match": etag[2:]}).status_code == 304


def test_if_none_match_any_holds_only_for_an_answer_that_exists(client):
    fresh = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"  # not in the cache yet: the engine answers first
    assert get(client, fresh, headers={"If-None-Match": "*"}).status_code == 304
    broken = get(client, "SELECT * WHERE {", headers={"If-None-Match": "*"})
    assert broken.status_code == 400 and "error" in broken.text.lower()


def test_a_post_whose_if_none_match_holds_is_a_412(client):
    etag = get(client, SELECT).headers["etag"]
    response = client.post("/sparql", data={"query": SELECT}, headers={"If-None-Match": etag})
    assert response.status_code == 412 and "If-None-Match" in response.text
    assert client.post("/sparql", data={"query": SELECT}, headers={"If-None-Match": "*"}).status_code == 412


def test_service_description(client, engine):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    g = Graph().parse(data=response.content, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = next(g.subjects(predicate=None, object=None))
    rows = list(g.query(f"""PREFIX sd: <{sd}> PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?endpoint ?triples (COUNT(DISTINCT ?ng) AS ?graphs) (COUNT(DISTINCT ?fmt) AS ?formats) WHERE {{
          ?s a sd:Service ; sd:endpoint ?endpoint ; sd:resultFormat ?fmt ;
             sd:defaultDataset/sd:defaultGraph/void:triples ?triples ; sd:defaultDataset/sd:namedGraph ?ng }}
        GROUP BY ?endpoint ?triples"""))
    assert len(rows) == 1 and endpoint is not None
    endpoint_iri, triples, graphs, formats = rows[0]
    assert str(endpoint_iri) == "http://testserver/sparql"
    assert int(triples) == engine.stats.triples and int(graphs) == 11 and int(formats) == 10


@pytest.mark.parametrize("host", ["exa mple", "host:abc", "a/b", "x@y"])
@pytest.mark.parametrize("query", [SELECT, None])
def test_a_malformed_host_header_is_a_400_that_says_so(client, host, query):
    params = {"query": query} if query else {}
    response = client.get("/sparql", params=params, headers={"Host": host})
    assert response.status_code == 400 and "Host header" in response.text


@pytest.mark.parametrize("host", ["[::1]:8000", "example.org", "xn--prfecture-b7a.fr:443", "h_1.local:"])
def test_a_well_formed_host_is_the_base_of_the_answer(client, host):
    response = client.get("/sparql", params={"query": "SELECT (<x> AS ?x) WHERE {}"}, headers={"Host": host})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["x"]["value"] == f"http://{host}/x"


def test_service_description_has_validators_and_its_own_406(client):
    first = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert first.headers["etag"].startswith('W/"') and first.headers["cache-control"].startswith("public")
    assert first.headers["vary"] == "Accept, Accept-Encoding"
    again = client.get("/sparql", headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/sparql", headers={"Accept": "application/n-triples", "If-None-Match": first.headers["etag"]})
    assert other.status_code == 200
    refused = client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert refused.status_code == 406 and "service description" in refused.text and "text/turtle" in refused.text


def test_service_description_follows_the_request_url(engine):
    app = create_app(engine=engine)
    with TestClient(app, base_url="https://data.example.org") as other:
        text = other.get("/sparql", headers={"Accept": "application/n-triples"}).text
    assert "<https://data.example.org/sparql> <http://www.w3.org/ns/sparql-service-description#endpoint>" in text


def test_engine_is_swapped_through_dependency_overrides(client, dist, tmp_path):
    small = tmp_path / "small.nt"
    small.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    client.app.dependency_overrides[get_engine] = lambda: InProcessEngine([small])
    try:
        response = get(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert response.json()["results"]["bindings"][0]["n"]["value"] == "1"
    finally:
        client.app.dependency_overrides.clear()


class Listener:
    """A TCP listener on 127.0.0.1 that records whether anything connected."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


SERVICE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ service silent <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "PREFIX e: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE e:sparql {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_service_is_refused_without_any_outbound_connection(live_dataset_server, template):
    listener = Listener()
    try:
        query = template.format(port=listener.port)
        for response in (httpx.get(live_dataset_server.url, params={"query": query}, timeout=10),
                         httpx.post(live_dataset_server.url, content=query.encode(),
                                    headers={"Content-Type": "application/sparql-query"}, timeout=10)):
            assert response.status_code == 400
            assert "SERVICE" in response.text
    finally:
        listener.close()
    assert listener.connections == 0


def test_from_selects_local_graphs_only(live_dataset_server):
    listener = Listener()
    try:
        query = f"SELECT (COUNT(*) AS ?n) FROM <http://127.0.0.1:{listener.port}/data.ttl> WHERE {{ ?s ?p ?o }}"
        response = httpx.get(live_dataset_server.url, params={"query": query}, timeout=10)
        assert response.status_code == 200
        assert response.json()["results"]["bindings"][0]["n"]["value"] == "0"
    finally:
        listener.close()
    assert listener.connections == 0


def test_live_timeout_keeps_the_server_responsive(live_dataset_server):
    import concurrent.futures
    import time

    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        slow_future = pool.submit(httpx.get, live_dataset_server.url, params={"query": slow}, timeout=30)
        time.sleep(0.3)
        latencies = []
        for i in range(30):
            start = time.perf_counter()
            response = httpx.get(live_dataset_server.url, params={"query": f"ASK {{ ?s ?p {i} }}"}, timeout=10)
            latencies.append(time.perf_counter() - start)
            assert response.status_code == 200
        slow_response = slow_future.result()
    assert slow_response.status_code == 503
    assert "limit of 2 s" in slow_response.text
    assert max(latencies) < 0.5, latencies


def test_if_match_is_evaluated_on_the_live_server_short_way_too(live_dataset_server):
    # A plain GET is answered without ASGI (see _http.py): If-Match must not slip past it.
    params = {"query": SELECT}
    assert httpx.get(live_dataset_server.url, params=params, timeout=10).status_code == 200
    refused = httpx.get(live_dataset_server.url, params=params, headers={"If-Match": '"x"'}, timeout=10)
    assert refused.status_code == 412
    again = httpx.get(live_dataset_server.url, params=params, headers={"If-Match": '"x"'}, timeout=10)
    assert again.status_code == 412  # and not a remembered 200
