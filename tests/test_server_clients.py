"""Real clients and real backends: SPARQLWrapper against a live server, `--backend` and
`publish` against a live Oxigraph server process that the tests start and stop."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import rdflib
import pytest
from SPARQLWrapper import CSV, JSON, N3, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper import JSONLD, RDFXML

from territoires_lod._cli import main as cli_main

from .conftest import LiveServer, free_port, missing, wait_for_http

TERRITORIES = ("SELECT ?t WHERE { ?t a <https://w3id.org/territoires-industrie/def#IndustryTerritory> } "
               "ORDER BY ?t")
CONSTRUCT = "CONSTRUCT WHERE { ?t a <https://w3id.org/territoires-industrie/def#IndustryTerritory> }"


def oxigraph_binary() -> str:
    path = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if path is None:
        missing("the oxigraph server binary is missing (pip install oxigraph; make test installs it)")
    return path


class OxigraphServer:
    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{self.port}", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_http(f"{self.base}/query?query=ASK%7B%7D", process=self.process)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture(scope="module")
def oxigraph():
    server = OxigraphServer()
    yield server
    server.stop()


# --- SPARQLWrapper, as reusers use it -----------------------------------------------------------

@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(live_dataset_server, return_format):
    client = SPARQLWrapper(live_dataset_server.url)
    client.setQuery(TERRITORIES)
    client.setReturnFormat(return_format)
    result = client.query()
    converted = result.convert()
    if return_format == JSON:
        assert len(converted["results"]["bindings"]) == 10
    elif return_format == XML:
        assert len(converted.getElementsByTagName("result")) == 10
    else:
        assert converted.decode().count("territoire/") == 10


@pytest.mark.parametrize("return_format", [TURTLE, N3, RDFXML, JSONLD, JSON, XML])
def test_sparqlwrapper_construct(live_dataset_server, return_format):
    client = SPARQLWrapper(live_dataset_server.url)
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(return_format)
    graph = client.queryAndConvert()
    if isinstance(graph, (bytes, str)):
        from rdflib import Graph

        graph = Graph().parse(data=graph, format={TURTLE: "turtle", N3: "turtle"}.get(return_format, "json-ld"))
    assert len(graph) == 10


def test_sparqlwrapper_post_and_ask(live_dataset_server):
    client = SPARQLWrapper(live_dataset_server.url)
    client.setMethod("POST")
    client.setQuery("ASK { ?s a <https://w3id.org/territoires-industrie/def#Programme> }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True


# --- rdflib's SPARQLStore: a remote graph behind rdflib's Graph API ---------------------------------

@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(live_dataset_server, method):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(store=SPARQLStore(live_dataset_server.url, method=method))
    rows = list(graph.query("SELECT * WHERE { ?t a <https://w3id.org/territoires-industrie/def#IndustryTerritory> ; "
                            "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"))
    assert len(rows) == 10 and all(isinstance(row.label, rdflib.Literal) for row in rows)
    assert graph.query("ASK { ?s a <https://w3id.org/territoires-industrie/def#Programme> }").askAnswer is True
    assert len(graph.query(CONSTRUCT).graph) == 10
    territory = rdflib.URIRef(str(rows[0].t))
    assert len(graph.query(f"DESCRIBE <{territory}>").graph) > 0
    assert set(graph.predicate_objects(territory)) == set(graph.query(f"DESCRIBE <{territory}>").graph.predicate_objects(territory))
    assert len(graph) > 1000  # rdflib asks for a COUNT


# --- publish and --backend against a real Oxigraph server ----------------------------------------

def test_publish_then_serve_through_the_backend(oxigraph, dist, tmp_path):
    root = dist.parent
    code = cli_main(["--root", str(root), "publish", f"{oxigraph.base}/store"])
    assert code == 0
    per_graph = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    direct = _select(oxigraph, per_graph)
    counts = {row["g"]["value"]: int(row["n"]["value"]) for row in direct}
    nquads = (dist / "territoires-industrie.nq").read_text().count("\n")
    # Every quad of the dumps, and the catalogue in its own graph, named by its IRI.
    assert sum(n for g, n in counts.items() if g != CATALOGUE) == nquads
    assert counts[CATALOGUE] == len(rdflib.Graph().parse(dist / "catalogue.ttl"))
    # The default graph is the union of the dumps' graphs, without the catalogue.
    assert _select(oxigraph, f"SELECT * WHERE {{ <{CATALOGUE}> ?p ?o }}") == []
    # Publishing twice replaces the graphs: the store holds the same quads.
    assert cli_main(["--root", str(root), "publish", f"{oxigraph.base}/store"]) == 0
    assert sorted(map(str, _select(oxigraph, per_graph))) == sorted(map(str, direct))

    with LiveServer("--backend", f"{oxigraph.base}/query", "--timeout", "5") as front:
        response = httpx.get(front.url, params={"query": TERRITORIES})
        assert response.status_code == 200
        assert len(response.json()["results"]["bindings"]) == 10
        assert response.headers["etag"]
        assert httpx.get(front.url, params={"query": TERRITORIES},
                         headers={"If-None-Match": response.headers["etag"]}).status_code == 304
        turtle = httpx.get(front.url, params={"query": CONSTRUCT}, headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
        # The same safety rules before the backend: no update, no SERVICE.
        assert httpx.get(front.url, params={"query": "CLEAR ALL"}).status_code == 403
        service = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"
        assert httpx.get(front.url, params={"query": service}).status_code == 400
        bad = httpx.get(front.url, params={"query": "SELECT * WHERE { ?s ?p }"})
        assert bad.status_code == 400 and "syntax" in bad.text
        graph = "https://w3id.org/territoires-industrie/graph/annonce-2018-11-22"
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?t a <https://w3id.org/territoires-industrie/def#IndustryTerritory> }"
        only = httpx.get(front.url, params={"query": count, "default-graph-uri": graph})
        assert only.json()["results"]["bindings"][0]["n"]["value"] == "9"


CATALOGUE = "https://w3id.org/territoires-industrie/catalogue"


def _select(server, query: str) -> list[dict]:
    response = httpx.get(f"{server.base}/query", params={"query": query},
                         headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def test_publish_empties_the_catalogue_first_and_puts_it_last(oxigraph, dist):
    from territoires_lod._publish import publish

    said = []
    publish(url=f"{oxigraph.base}/store", dist_dir=dist, catalogue_graph=CATALOGUE, progress=said.append)
    # The catalogue's checksums tell `serve --backend` when the data changes: gone while the graphs
    # are replaced, back once every graph is in.
    assert said[0].startswith(f"DELETE <{CATALOGUE}>")
    assert said[-1].startswith("PUT the catalogue") and "complete" in said[-1]
    assert all(CATALOGUE not in line for line in said[1:-1])


@contextlib.contextmanager
def _published_store(dist: Path, *args: str):
    """An Oxigraph server (with `args`) holding the dumps, as `publish` leaves it."""
    from territoires_lod._publish import publish

    store = OxigraphServer(*args)
    try:
        publish(url=f"{store.base}/store", dist_dir=dist, catalogue_graph=CATALOGUE)
        yield store
    finally:
        store.stop()


def _republished(dist: Path, folder: Path, old: str, new: str) -> Path:
    """A copy of the dumps with one literal changed (same number of triples), and the catalogue's
    N-Quads checksum updated, as a new build would."""
    import hashlib

    folder.mkdir()
    nquads = (dist / "territoires-industrie.nq").read_text(encoding="utf-8")
    assert nquads.count(old) == 1
    changed = nquads.replace(old, new)
    (folder / "territoires-industrie.nq").write_text(changed, encoding="utf-8")
    catalogue = (dist / "catalogue.ttl").read_text(encoding="utf-8")
    before = hashlib.sha256(nquads.encode()).hexdigest()
    assert catalogue.count(before) == 1
    after = hashlib.sha256(changed.encode()).hexdigest()
    (folder / "catalogue.ttl").write_text(catalogue.replace(before, after), encoding="utf-8")
    return folder


def _wait_for(predicate, seconds: float = 10):
    import time

    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_backend_answers_follow_a_new_publication(dist, tmp_path):
    """After `publish` of a new build (one label corrected: the same number of triples), the
    front stops serving its cached answer and its old ETag within the refresh period."""
    from territoires_lod._publish import publish

    event = "https://w3id.org/territoires-industrie/id/evenement/prolongation-2022"
    query = f'SELECT ?l WHERE {{ <{event}> <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(LANG(?l) = "en") }}'
    old = '"Extension of the Territoires d’industrie programme"@en'
    with _published_store(dist) as store:
        # One front: what it cached is what a client would get (the answer, then the memo).
        with LiveServer("--backend", f"{store.base}/query", "--backend-refresh", "2", "--fronts", "1") as front:
            for _ in range(3):  # a cheap answer is cached when asked again
                first = httpx.get(front.url, params={"query": query})
                assert first.json()["results"]["bindings"][0]["l"]["value"].startswith("Extension of")
            assert first.headers["cache-control"] == "public, max-age=2"  # no longer than the refresh period

            def revalidated() -> str | None:
                """An ETag that got a 304 (a period may end between the two requests: then try again)."""
                etag = httpx.get(front.url, params={"query": query}).headers["etag"]
                answer = httpx.get(front.url, params={"query": query}, headers={"If-None-Match": etag})
                return etag if answer.status_code == 304 else None

            etag = revalidated() or revalidated()
            assert etag
            new_build = _republished(dist, tmp_path / "dist", old, old.replace("Extension of", "Prolongation of"))
            publish(url=f"{store.base}/store", dist_dir=new_build, catalogue_graph=CATALOGUE)
            fresh = _wait_for(lambda: "Prolongation of" in httpx.get(front.url, params={"query": query}).text)
            assert fresh, "the front kept serving the answer it had cached before the publication"

            def changed() -> bool:
                again = httpx.get(front.url, params={"query": query}, headers={"If-None-Match": etag})
                return again.status_code == 200 and again.headers["etag"] != etag

            # Not at once: until the front reads the new checksums, an answer it fetches is given
            # the period's tag (README: a tag is honoured for at most the period).
            assert _wait_for(changed, seconds=5), "the old ETag was honoured past its period"


def test_a_publication_is_seen_within_seconds_not_a_period(dist, tmp_path):
    """A store with a catalogue has its checksums read every second: a front with a long period
    stops serving what it cached, and honouring its ETags, soon after a publication begins (the
    catalogue is emptied first) and again when it ends (filled last)."""
    from territoires_lod._publish import publish

    event = "https://w3id.org/territoires-industrie/id/evenement/prolongation-2022"
    query = f'SELECT ?l WHERE {{ <{event}> <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(LANG(?l) = "en") }}'
    old = '"Extension of the Territoires d’industrie programme"@en'
    with _published_store(dist) as store:
        with LiveServer("--backend", f"{store.base}/query", "--backend-refresh", "600", "--fronts", "1") as front:
            for _ in range(3):  # cached from the second on
                etag = httpx.get(front.url, params={"query": query}).headers["etag"]

            def tag() -> str:
                return httpx.get(front.url, params={"query": query}).headers["etag"]

            # Halfway through a publication: the catalogue emptied, the data not yet replaced.
            httpx.delete(f"{store.base}/store", params={"graph": CATALOGUE}).raise_for_status()
            assert _wait_for(lambda: tag() != etag, seconds=5), "a publication under way went unseen"
            during = tag()
            new_build = _republished(dist, tmp_path / "dist", old, old.replace("Extension of", "Prolongation of"))
            publish(url=f"{store.base}/store", dist_dir=new_build, catalogue_graph=CATALOGUE)
            assert _wait_for(lambda: "Prolongation of" in httpx.get(front.url, params={"query": query}).text
                             and tag() not in (etag, during), seconds=5), "the publication's end went unseen"


def test_backend_without_a_catalogue_is_followed_by_its_size(tmp_path):
    store = OxigraphServer()
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    triple = "<http://example.org/{0}> <http://example.org/p> \"{0}\" .\n"

    def counted(front) -> str:
        return httpx.get(front.url, params={"query": count}).json()["results"]["bindings"][0]["n"]["value"]

    try:
        httpx.post(f"{store.base}/store?default", content=triple.format("a"),
                   headers={"Content-Type": "application/n-triples"}).raise_for_status()
        with LiveServer("--backend", f"{store.base}/query", "--backend-refresh", "0.5", "--fronts", "1") as front:
            assert [counted(front) for _ in range(3)] == ["1"] * 3  # cached from the second on
            httpx.post(f"{store.base}/store?default", content=triple.format("b"),
                       headers={"Content-Type": "application/n-triples"}).raise_for_status()
            assert _wait_for(lambda: counted(front) == "2"), "the front kept serving the count it had cached"
            # The service description's VoID count follows too, within the period.
            assert _wait_for(lambda: "void:triples 2" in httpx.get(front.url, headers={"Accept": "text/turtle"}).text)
    finally:
        store.stop()


def test_a_backend_that_stops_mid_answer_is_a_503_never_a_cached_200(dist):
    """Oxigraph at its own time limit writes "cancelled" into an answer it has begun: the front
    checks every answer whole before sending or caching it."""

    cartesian = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with _published_store(dist, "--timeout-s", "1") as store:
        with LiveServer("--backend", f"{store.base}/query", "--timeout", "10", "--fronts", "1") as front:
            for accept in ("text/csv", "application/sparql-results+json", "text/csv"):
                response = httpx.get(front.url, params={"query": cartesian}, headers={"Accept": accept}, timeout=30)
                assert response.status_code == 503, response.text
                assert "time limit" in response.text and "etag" not in response.headers


def test_the_front_time_limit_bounds_an_answer_that_keeps_coming(dist):
    endless = ("SELECT ?c WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
               "FILTER(?c = ?f && ?f = ?i && ?a != ?d) }")
    with _published_store(dist) as store:
        with LiveServer("--backend", f"{store.base}/query", "--timeout", "2", "--fronts", "1") as front:
            import time

            start = time.monotonic()
            response = httpx.get(front.url, params={"query": endless}, headers={"Accept": "text/csv"}, timeout=30)
            assert response.status_code == 503 and time.monotonic() - start < 4


def test_slow_backend_queries_do_not_hold_the_cheap_ones(dist):
    """Each backend query holds a thread while it waits: a handful of slow ones must not take them all."""
    import concurrent.futures
    import time


    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with _published_store(dist, "--timeout-s", "4") as store:
        with LiveServer("--backend", f"{store.base}/query", "--timeout", "3", "--fronts", "1") as front, \
                concurrent.futures.ThreadPoolExecutor(10) as pool:
            pending = [pool.submit(httpx.get, front.url, params={"query": slow + f" #{i}"}, timeout=30)
                       for i in range(10)]
            time.sleep(0.5)
            start = time.monotonic()
            cheap = httpx.get(front.url, params={"query": TERRITORIES}, timeout=30)
            assert cheap.status_code == 200 and time.monotonic() - start < 2
            assert {f.result().status_code for f in pending} == {503}


def test_the_backend_answers_as_the_embedded_store_would(dist):
    """Relative IRIs resolve against the endpoint's URL, not the backend's; syntax errors keep the
    backend's position; every format is written by the front from a checked answer."""

    with _published_store(dist) as store:
        with LiveServer("--backend", f"{store.base}/query", "--fronts", "1") as front:
            # The service description names the named graphs, as the embedded store's does.
            description = httpx.get(front.url, headers={"Accept": "text/turtle"}).text
            assert "sd:namedGraph" in description and "graph/annonce-2018-11-22" in description
            relative = httpx.get(front.url, params={"query": "SELECT ?x WHERE { BIND(<foo> AS ?x) }"})
            assert relative.json()["results"]["bindings"][0]["x"]["value"] == f"{front.base}/foo"
            bad = httpx.get(front.url, params={"query": "SELECT ?s WHERE { ?s ?p }"})
            assert bad.status_code == 400 and "error at 1:" in bad.text
            unfinished = httpx.get(front.url, params={"query": "SELECT ?s WHERE { ?s ?p ?o"}).text
            # one line, as the embedded engine writes it: no dozen lines of Unicode ranges
            assert "error at 1:27: " in unfinished and "(the end of the query)" in unfinished
            assert "..=" not in unfinished and unfinished.count("\n") == 1
            for accept, marker in [("text/tab-separated-values", "?t"), ("application/sparql-results+xml", "<sparql"),
                                   ("text/csv", "t\r\n")]:
                answer = httpx.get(front.url, params={"query": TERRITORIES}, headers={"Accept": accept})
                assert answer.status_code == 200 and marker in answer.text and answer.text.count("territoire/") == 10
            for accept in ("application/n-quads", "application/trig", "text/turtle", "application/ld+json"):
                graph = httpx.get(front.url, params={"query": CONSTRUCT}, headers={"Accept": accept})
                assert graph.status_code == 200 and graph.headers["content-type"].startswith(accept)
                parsed = rdflib.Dataset().parse(data=graph.text, format={"application/n-quads": "nquads",
                                                                          "application/trig": "trig",
                                                                          "text/turtle": "turtle",
                                                                          "application/ld+json": "json-ld"}[accept])
                assert len(parsed) == 10


def test_answers_computed_while_the_backend_was_emptied_are_not_served_after_it_is_published_again(dist):
    from territoires_lod._publish import publish

    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    other = "SELECT (COUNT(*) AS ?m) WHERE { ?s ?p ?o }"
    with _published_store(dist) as store:
        with LiveServer("--backend", f"{store.base}/query", "--backend-refresh", "2", "--fronts", "1") as front:
            assert httpx.get(front.url, params={"query": count}).json()["results"]["bindings"][0]["n"]["value"] == "1919"
            httpx.post(f"{store.base}/update", content="DROP ALL",
                       headers={"Content-Type": "application/sparql-update"}).raise_for_status()
            for _ in range(2):  # asked (and cached) before the front notices, most likely
                httpx.get(front.url, params={"query": other})
            publish(url=f"{store.base}/store", dist_dir=dist, catalogue_graph=CATALOGUE)  # the same build again
            assert _wait_for(lambda: httpx.get(front.url, params={"query": other}).json()
                             ["results"]["bindings"][0]["m"]["value"] == "1919"), "an answer of the empty store stayed"


def test_backend_down_is_a_502(tmp_path):
    with LiveServer("--backend", f"http://127.0.0.1:{free_port()}/query") as front:
        response = httpx.get(front.url, params={"query": "ASK {}"})
    assert response.status_code == 502
    assert "cannot be reached" in response.text


def test_publish_to_a_url_that_is_no_graph_store_says_so(oxigraph, dist, capsys):
    code = cli_main(["--root", str(dist.parent), "publish", f"{oxigraph.base}/query"])
    assert code == 1
    assert "Graph Store Protocol URL" in capsys.readouterr().err


def test_publish_to_nowhere_fails_clearly(dist, capsys):
    code = cli_main(["--root", str(dist.parent), "publish", f"http://127.0.0.1:{free_port()}/store"])
    assert code == 1
    assert "cannot reach the store" in capsys.readouterr().err


def test_serve_refuses_a_missing_data_file(tmp_path, capsys):
    assert cli_main(["serve", "--data", str(tmp_path / "none.ttl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cold_start_to_first_answer(dist):
    import time

    start = time.perf_counter()
    with LiveServer("--data", str(dist / "territoires-industrie.nq")) as server:
        response = httpx.get(server.url, params={"query": "ASK { ?s ?p ?o }"})
        elapsed = time.perf_counter() - start
    assert response.status_code == 200 and response.json()["boolean"] is True
    assert elapsed < 3, f"cold start took {elapsed:.2f} s"


def test_serve_logs_what_it_serves(dist):
    with LiveServer("--data", str(dist / "territoires-industrie.nq")) as server:
        pass
    err = server.process.stderr.read()
    assert "serving 1919 triples" in err


def test_several_fronts_share_the_port_and_stop_together(dist):
    import os
    import time

    with LiveServer("--data", str(dist / "territoires-industrie.nq"), "--fronts", "2", "--workers", "1") as server:
        for _ in range(20):
            assert httpx.get(server.url, params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
        children = [int(p) for p in open(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read().split()]
        assert len(children) == 3  # the zygote and two fronts
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in children):
        time.sleep(0.05)
    assert not any(os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] != "Z"
                   for pid in children)
