"""Dereferencing and pages through FastAPI's TestClient, on a real in-process engine and the built dist/."""

from __future__ import annotations

import hashlib
from decimal import Decimal
import html
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDFS, SKOS, XSD

from territoires_lod import CANONICAL_BASE
from territoires_lod.server import InProcessEngine, create_app
from territoires_lod.server._site import load_site
from territoires_lod.server._web import get_site

from .conftest import require_shared

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDF_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
               "application/rdf+xml": "xml"}
EXAMPLES = [{"title": {"fr": "Les territoires", "en": "The territories"},
             "description": {"fr": "Tous les territoires.", "en": "All territories."},
             "query": "PREFIX ti: <https://w3id.org/territoires-industrie/def#>\n"
                      "SELECT ?t WHERE { ?t a ti:IndustryTerritory } ORDER BY ?t"}]


@pytest.fixture(scope="module")
def site(dist):
    return load_site(dist)


@pytest.fixture(scope="module")
def client(dist, site):
    engine = InProcessEngine([dist / "territoires-industrie.nq"])
    app = create_app(engine=engine, site=site, examples=EXAMPLES)
    with TestClient(app) as test_client:
        yield test_client


def served_iris(union: Graph) -> list[str]:
    """Every IRI under the base that the dataset mentions, fragments removed."""
    found = set()
    for triple in union:
        for term in triple:
            if isinstance(term, URIRef) and str(term).startswith(CANONICAL_BASE):
                found.add(str(term).split("#", 1)[0])
    return sorted(found)


def expected_description(union: Graph, catalogue: Graph, site, iri: str) -> Graph:
    """The description of an IRI, computed here from the union graph without the server's code."""
    if iri == f"{CANONICAL_BASE}def":
        return site.ontology
    if iri == f"{CANONICAL_BASE}shapes":
        return site.shapes
    expected = Graph()
    for graph in (union, catalogue):
        subject = URIRef(iri)
        expected += graph.triples((subject, None, None))
        first = [o for o in graph.objects(subject, None) if str(o).startswith(iri + "#")]
        second = [o for f in first for o in graph.objects(f, None) if str(o).startswith(iri + "#")]
        for node in set(first + second):
            expected += graph.triples((node, None, None))
        expected += graph.triples((None, None, subject))
    return expected


def by_value(graph: Graph) -> Graph:
    """The graph with decimals in one lexical form: Oxigraph keeps a decimal's value, not its
    lexical form ("1300000000.0" comes back as "1300000000"), as the SPARQL endpoint does too."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(Decimal(str(o)).normalize(), datatype=XSD.decimal)
        out.add((s, p, o))
    return out


def path_of(iri: str) -> str:
    return "/" + iri[len(CANONICAL_BASE):]


@pytest.fixture(scope="module")
def served_catalogue(client):
    graph = Graph()
    graph.parse(data=client.get("/dataset", headers={"Accept": "text/turtle"}).text, format="turtle")
    return graph


def test_every_iri_of_the_dataset_answers_in_every_format(client, union, site, served_catalogue):
    # {base}dist/… are the download URLs: files, served as they are (see the downloads test).
    iris = sorted(i for i in set(served_iris(union)) | set(served_iris(site.catalogue))
                  if not i.startswith(f"{CANONICAL_BASE}dist/"))
    assert len(iris) > 240
    failures = []
    for iri in iris:
        if iri in (CANONICAL_BASE, f"{CANONICAL_BASE}dataset", f"{CANONICAL_BASE}catalogue"):
            expected = served_catalogue
        else:
            expected = expected_description(union, served_catalogue, site, iri)
        for media, rdflib_format in RDF_FORMATS.items():
            response = client.get(path_of(iri), headers={"Accept": media})
            if response.status_code != 200 or not response.headers["content-type"].startswith(media):
                failures.append((iri, media, response.status_code))
                continue
            got = Graph()
            got.parse(data=response.content, format=rdflib_format, publicID=iri)
            if not by_value(got).isomorphic(by_value(expected)):
                failures.append((iri, media, f"{len(got)} triples, expected {len(expected)}"))
        page = client.get(path_of(iri), headers={"Accept": BROWSER})
        label = label_of(union, site, URIRef(iri))
        if page.status_code != 200 or (label is not None and html.escape(label, quote=False) not in page.text):
            failures.append((iri, "html", page.status_code, label))
    assert failures == []


def label_of(union: Graph, site, iri: URIRef) -> str | None:
    if str(iri) in (f"{CANONICAL_BASE}def", f"{CANONICAL_BASE}shapes"):
        return None  # whole documents: pyLODE's page and the shapes table
    for graph in (union, site.catalogue):
        labels = [o for p in (SKOS.prefLabel, RDFS.label) for o in graph.objects(iri, p) if isinstance(o, Literal)]
        french = [str(o) for o in labels if o.language == "fr"] or [str(o) for o in labels]
        if french:
            return sorted(french)[0] if len(set(french)) == 1 else french[0]
    return None


@pytest.mark.parametrize(("path", "accept", "media", "location"), [
    ("/id/commune/11262", BROWSER, "text/html", "/id/commune/11262.html"),
    ("/id/commune/11262", "*/*", "text/turtle", "/id/commune/11262.ttl"),
    ("/id/commune/11262", None, "text/turtle", "/id/commune/11262.ttl"),
    ("/id/commune/11262", "application/ld+json", "application/ld+json", "/id/commune/11262.jsonld"),
    ("/id/commune/11262", "application/n-triples", "application/n-triples", "/id/commune/11262.nt"),
    ("/id/commune/11262", "application/rdf+xml", "application/rdf+xml", "/id/commune/11262.rdf"),
    ("/id/commune/11262", "text/html;q=0.4, text/turtle;q=0.8", "text/turtle", "/id/commune/11262.ttl"),
    ("/id/commune/11262", "text/turtle;q=0.4, text/html", "text/html", "/id/commune/11262.html"),
    ("/id/commune/11262?format=jsonld", BROWSER, "application/ld+json", "/id/commune/11262.jsonld"),
    ("/id/commune/11262?format=ttl", BROWSER, "text/turtle", "/id/commune/11262.ttl"),
    ("/id/commune/11262?format=html", "text/turtle", "text/html", "/id/commune/11262.html"),
    ("/id/commune/11262.ttl", BROWSER, "text/turtle", None),
    ("/id/commune/11262.html", "text/turtle", "text/html", None),
    ("/def", BROWSER, "text/html", "/def.html"),
    ("/def", "text/turtle", "text/turtle", "/def.ttl"),
    ("/def.ttl", None, "text/turtle", None),
    ("/shapes", "application/n-triples", "application/n-triples", "/shapes.nt"),
    ("/dataset", "application/rdf+xml", "application/rdf+xml", "/dataset.rdf"),
    ("/", BROWSER, "text/html", "/index.html"),
    ("/", "text/turtle", "text/turtle", "/index.ttl"),
    ("/index.jsonld", None, "application/ld+json", None),
])
def test_content_negotiation(client, path, accept, media, location):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    assert response.headers.get("content-location") == location
    assert "Accept" in response.headers["vary"]
    links = response.headers["link"]
    for alternate in ("text/turtle", "text/html", "application/ld+json", "application/n-triples",
                      "application/rdf+xml"):
        assert f'rel="alternate"; type="{alternate}"' in links


@pytest.mark.parametrize(("path", "accept", "status", "words"), [
    ("/id/commune/11262", "image/png", 406, "text/turtle"),
    ("/id/commune/11262?format=csv", None, 400, "not a format of a resource"),
    ("/id/commune/99999", "text/turtle", 404, "No resource of this dataset has the IRI"),
    ("/id/commune/99999", BROWSER, 404, "Ressource introuvable"),
    ("/id/commune/99999?lang=en", BROWSER, 404, "Resource not found"),
    ("/nothing/here", None, 404, "No resource"),
    ("/dist/secret.txt", None, 404, "No download named"),
    ("/dist/..%2Fpyproject.toml", None, 404, ""),
    ("/assets/../pyproject.toml", None, 404, ""),
])
def test_refusals_are_clear(client, path, accept, status, words):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == status
    assert words in response.text


def test_the_canonical_base_path_is_served_whatever_the_host(client):
    direct = client.get("/id/territoire/narbonne", headers={"Accept": "text/turtle"})
    via_w3id = client.get("/territoires-industrie/id/territoire/narbonne",
                          headers={"Accept": "text/turtle", "Host": "w3id.org"})
    assert via_w3id.status_code == 200 and via_w3id.text == direct.text


def test_the_endpoint_under_the_canonical_base_path_names_its_own_url(client):
    headers = {"Accept": "application/n-triples", "Host": "w3id.org"}
    description = client.get("/territoires-industrie/sparql", headers=headers).text
    assert "<http://w3id.org/territoires-industrie/sparql> <http://www.w3.org/ns/sparql-service-description#endpoint>" \
        in description
    relative = client.get("/territoires-industrie/sparql", params={"query": "SELECT (<x> AS ?i) {}"},
                          headers={"Host": "w3id.org"})  # the request URL is the base of relative IRIs
    assert relative.json()["results"]["bindings"][0]["i"]["value"] == "http://w3id.org/territoires-industrie/x"
    page = client.get("/territoires-industrie/query", params={"query": "SELECT (<x> AS ?i) {}"},
                      headers={"Host": "w3id.org"}).text
    assert "http://w3id.org/territoires-industrie/sparql" in page and "http://w3id.org/territoires-industrie/x" in page


def test_etag_and_304(client):
    first = client.get("/id/territoire/narbonne", headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    again = client.get("/id/territoire/narbonne", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/id/territoire/narbonne", headers={"Accept": "application/n-triples", "If-None-Match": etag})
    assert other.status_code == 200
    assert "max-age" in first.headers["cache-control"]


def test_if_none_match_any_only_for_a_resource_that_exists(client):
    found = client.get("/id/territoire/narbonne", headers={"Accept": "text/turtle", "If-None-Match": "*"})
    assert found.status_code == 304
    missing = client.get("/id/commune/99999", headers={"Accept": "text/turtle", "If-None-Match": "*"})
    assert missing.status_code == 404


@pytest.mark.parametrize("path", ["/id/territoire/narbonne", "/dist/territoires-industrie.ttl", "/", "/robots.txt"])
def test_if_match_holds_only_as_any_on_pages_and_downloads(client, path):
    etag = client.get(path).headers.get("etag", '"none"')
    for method in (client.get, client.head):
        for header in (etag, '"x"', f'"x", {etag}'):
            refused = method(path, headers={"If-Match": header})
            assert refused.status_code == 412, (path, header)  # strong comparison: weak tags never hold
        assert method(path, headers={"If-Match": "*"}).status_code == 200
    refused = client.get(path, headers={"If-Match": '"x"', "Origin": "https://example.org"})
    assert "If-None-Match" in refused.text and refused.headers["access-control-allow-origin"] == "*"


def test_if_match_keeps_an_error_and_is_ignored_on_options_or_empty(client):
    assert client.get("/id/commune/99999", headers={"If-Match": '"x"'}).status_code == 404
    assert client.options("/sparql", headers={"If-Match": '"x"'}).status_code == 204  # RFC 9110 §13.2.1
    assert client.get("/robots.txt", headers={"If-Match": ""}).status_code == 200
    assert client.get("/sparql", params={"query": "ASK {}"}, headers={"If-Match": ""}).status_code == 200


def test_a_header_on_several_lines_is_one_list(client):
    etag = client.get("/robots.txt").headers.get("etag")
    assert etag is None  # untagged: no tag can match, on one line or two
    two_lines = [("If-Match", '"x"'), ("If-Match", "*")]
    assert client.get("/robots.txt", headers=two_lines).status_code == 412  # "x", * is not * alone
    host_twice = [("Host", "a.example"), ("Host", "b.example")]
    assert client.get("/sparql", params={"query": "ASK {}"}, headers=host_twice).status_code == 400


def test_assets_have_weak_tags_and_answer_304(client):
    asset = client.get("/assets/site.css", headers={"Accept-Encoding": "gzip"})
    etag = asset.headers["etag"]
    assert asset.status_code == 200 and etag.startswith('W/"')  # one tag for the gzipped and plain bytes
    assert client.get("/assets/site.css", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/assets/site.css", headers={"If-Match": etag}).status_code == 412


def test_pages_are_gzipped_only_when_the_client_allows_it(client):
    asked = client.get("/id/territoire/narbonne", headers={"Accept": BROWSER, "Accept-Encoding": "gzip"})
    assert asked.headers.get("content-encoding") == "gzip"
    refused = client.get("/id/territoire/narbonne", headers={"Accept": BROWSER, "Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.text == asked.text


def test_head_answers_like_get_without_a_body(client):
    response = client.head("/id/territoire/narbonne", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith("text/turtle")


def test_resource_page_shows_facts_sources_identifiers_and_what_points_to_it(client):
    page = client.get("/id/commune/11262", headers={"Accept": BROWSER}).text
    assert "<h1>Narbonne</h1>" in page
    assert 'href="http://www.wikidata.org/entity/Q6555"' in page
    assert 'href="http://id.insee.fr/geo/commune/11262"' in page
    assert "Statut de vérification" in page and 'href="/id/statut-verification/source-unique"' in page
    assert 'href="/id/source/cog"' in page  # each fact's source
    assert 'href="/id/territoire/narbonne"' in page  # what points to it
    assert '<script type="application/ld+json">' in page and '"sameAs"' in page
    assert 'lang="fr"' in page


def test_pages_in_english(client):
    page = client.get("/id/evenement/cni-2018-11-22?lang=en", headers={"Accept": BROWSER}).text
    assert '<html lang="en">' in page and "National Industry Council of 22 November 2018" in page
    by_header = client.get("/id/evenement/cni-2018-11-22", headers={"Accept": BROWSER,
                                                                    "Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert '<html lang="en">' in by_header.text
    # The way back to French names it: the browser would otherwise ask for English again.
    assert 'href="/id/evenement/cni-2018-11-22?lang=fr"' in by_header.text
    french = client.get("/id/evenement/cni-2018-11-22?lang=fr", headers={"Accept": BROWSER,
                                                                       "Accept-Language": "en"}).text
    assert '<html lang="fr">' in french and 'href="/id/evenement/cni-2018-11-22?lang=en"' in french


def test_home_page_explains_the_dataset(client):
    page = client.get("/", headers={"Accept": BROWSER}).text
    for words in ("Narbonne", "Bassin d’Alès", "Pau – Tarbes", "Bpifrance", "Business France",
                  "Banque des Territoires", "1,3 milliard", "2018-11-22", "124", "183",
                  'href="/query"', 'href="/downloads"', 'href="/def"', '"@type": "Dataset"'):
        assert words in page, words
    assert "L’annonce du 22 novembre 2018 en liste <strong>9</strong>" in page


def test_pages_load_nothing_from_other_hosts(client):
    for path in ("/", "/id/territoire/narbonne", "/downloads", "/query", "/dataset", "/shapes", "/def"):
        page = client.get(path, headers={"Accept": BROWSER}).text
        for attribute in ("src=", "href="):
            for chunk in page.split(attribute)[1:]:
                value = chunk[1:].split(chunk[0], 1)[0] if chunk[:1] in "\"'" else chunk.split(">", 1)[0]
                tag_start = page.rfind("<", 0, page.find(attribute + chunk[:60]))
                tag = page[tag_start:tag_start + 12]
                if value.startswith(("http://", "https://", "//")) and tag.startswith(("<script", "<link", "<img")):
                    assert 'rel="alternate"' in page[tag_start:tag_start + 200] or "icon" in tag, (path, value)


def test_downloads_page_and_files(client, site, dist):
    page = client.get("/downloads", headers={"Accept": BROWSER}).text
    for download in site.downloads:
        assert download.filename in page and download.sha256 in page
        response = client.get(f"/dist/{download.filename}")
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == download.sha256
        assert response.content == (dist / download.filename).read_bytes()
    assert "Licence Ouverte 2.0" in page


def test_dataset_description_uses_this_servers_urls(served_catalogue, site):
    downloads = set(served_catalogue.objects(None, DCAT.downloadURL))
    assert downloads and all(str(u).startswith("http://testserver/dist/") for u in downloads)
    assert set(served_catalogue.objects(None, DCAT.endpointURL)) == {URIRef("http://testserver/sparql")}
    assert (None, DCAT.servesDataset, site.dataset) in served_catalogue


def _dcat_ap(graph: Graph, names: list[str]):
    import pyshacl

    shapes = Graph()
    for name in names:
        shapes.parse(require_shared(f"conformance/dcat-ap-3.0.1/{name}"), format="turtle")
    conforms, results, text = pyshacl.validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    sh = "http://www.w3.org/ns/shacl#"
    found = [(str(results.value(r, URIRef(sh + "resultSeverity"))), str(results.value(r, URIRef(sh + "resultPath"))))
             for r in results.subjects(URIRef(sh + "resultSeverity"), None)]
    return found, text


def test_dataset_description_conforms_to_dcat_ap(served_catalogue):
    found, text = _dcat_ap(served_catalogue, ["shapes.ttl", "range.ttl"])
    assert all(severity != "http://www.w3.org/ns/shacl#Violation" for severity, _ in found), text


def test_dataset_description_adds_no_new_kind_of_recommended_warning(served_catalogue, site):
    """The data service inherits the dataset's one gap (no contact point is known); nothing else."""
    served, text = _dcat_ap(served_catalogue, ["shapes_recommended.ttl"])
    built, _ = _dcat_ap(site.catalogue, ["shapes_recommended.ttl"])
    assert all(severity != "http://www.w3.org/ns/shacl#Violation" for severity, _ in served), text
    assert {path for _, path in served} <= {path for _, path in built}, text
    assert len(served) <= len(built) + 1, text


def test_sitemap_and_robots(client):
    sitemap = client.get("/sitemap.xml")
    root = ET.fromstring(sitemap.content)
    locations = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://testserver/id/territoire/narbonne" in locations and "http://testserver/" in locations
    assert not any("#" in loc for loc in locations)
    robots = client.get("/robots.txt").text
    assert "Sitemap: http://testserver/sitemap.xml" in robots and "Disallow: /sparql" in robots


def test_query_page_without_yasgui_is_a_form_with_a_results_table(client):
    page = client.get("/query").text
    assert "<form" in page and "Les territoires" in page and "yasgui.min.js" not in page
    assert "YASGUI n’est pas installée" in page
    answered = client.get("/query", params={"query": EXAMPLES[0]["query"]}).text
    assert answered.count("<tr>") == 11  # the header and 10 territories
    assert 'href="/id/territoire/narbonne"' in answered


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }"])
def test_query_page_shows_the_first_rows_of_a_large_result_and_says_so(client, query):
    page = client.get("/query", params={"query": query}).text
    assert page.count("<tr>") == 1001  # the header and the first 1000 rows, of 1919
    assert "Les 1000 premières lignes" in page


@pytest.mark.parametrize(("query", "words"), [
    ("INSERT DATA { <a:b> <a:c> <a:d> }", "read-only"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { ?s ?p }", "error at 1:25"),
])
def test_query_page_refuses_like_the_endpoint(client, query, words):
    page = client.get("/query", params={"query": query}).text
    assert 'role="alert"' in page and words in page
    # Right under the form, before the examples: where the person who ran the query is looking.
    assert page.index("</form>") < page.index('role="alert"') < page.index("<h2>Exemples")


def test_query_page_with_yasgui_has_the_examples_as_tabs(dist, site, tmp_path):
    (tmp_path / "yasgui.min.js").write_text("/* stand-in */")
    (tmp_path / "yasgui.min.css").write_text("/* stand-in */")
    app = create_app(engine=InProcessEngine([dist / "territoires-industrie.nq"]), site=site, examples=EXAMPLES,
                     yasgui_dir=tmp_path)
    with TestClient(app) as test_client:
        page = test_client.get("/query").text
        assert '<script src="/assets/yasgui/yasgui.min.js">' in page and "/assets/query.js" in page
        assert '"title": "Les territoires"' in page and "IndustryTerritory" in page
        assert test_client.get("/assets/yasgui/yasgui.min.js").text == "/* stand-in */"
        assert "YASGUI n’est pas installée" not in page
        # A query in the URL is answered as a table, without claiming YASGUI is missing.
        answered = test_client.get("/query", params={"query": EXAMPLES[0]["query"]}).text
        assert answered.count("<tr>") == 11 and "YASGUI n’est pas installée" not in answered
        assert test_client.get("/assets/query.js").status_code == 200


def test_without_a_site_only_sparql_answers(dist):
    app = create_app(engine=InProcessEngine([dist / "territoires-industrie.nq"]))
    with TestClient(app) as test_client:
        assert test_client.get("/id/territoire/narbonne").status_code == 404
        assert "--data" in test_client.get("/").text
        assert test_client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_the_site_is_swapped_through_dependency_overrides(client):
    client.app.dependency_overrides[get_site] = lambda: None
    try:
        assert client.get("/downloads").status_code == 404
    finally:
        client.app.dependency_overrides.clear()
    assert client.get("/downloads").status_code == 200


@pytest.mark.parametrize("path", ["/", "/id/territoire/narbonne", "/dataset", "/sitemap.xml", "/query"])
def test_a_malformed_host_header_is_a_400_on_every_page(client, path):
    response = client.get(path, headers={"Host": "exa mple", "Accept": BROWSER})
    assert response.status_code == 400 and "Host header" in response.text


@pytest.mark.parametrize("path", ["/id/territoire/narbonne%20", "/id/territoire/narbonne%3C", "/foo%3E%7B",
                                  "/def%20", "/graph/x%22", "/id/x%25", "/id/x%FF", "/id/x%00", "/id/x%0C",
                                  "/id/territoire/narbonne%0A"])
@pytest.mark.parametrize("accept", ["text/turtle", BROWSER])
def test_a_path_no_iri_can_have_is_a_404_not_an_error(client, path, accept):
    # Such a path never reaches a query (the IRI would not fit in <…>), nor aliases a resource.
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 404
    assert "syntax error" not in response.text and "Internal error" not in response.text
    assert "narbonne ?" not in response.text  # links to the page are escaped


def test_every_ontology_term_has_its_anchor_on_the_ontology_page(client, dist):
    # Pages link to terms as /def#inRegion; pyLODE names sections after labels (`danslargion`).
    from rdflib import Graph

    namespace = "https://w3id.org/territoires-industrie/def#"
    terms = {str(t).removeprefix(namespace) for t in Graph().parse(dist / "ontology.ttl").subjects()
             if str(t).startswith(namespace)}
    page = client.get("/def", headers={"Accept": BROWSER}).text
    assert len(terms) > 40 and all(f'id="{term}"' in page for term in terms)
    # Labels apart, each in its language; the page's language; its other formats.
    assert '<h3><span lang="fr">dans la région</span> / <span lang="en">in region</span>' in page
    assert "dans la régionin region" not in page and '<html lang="en">' in page
    assert "industrieTerritoires" not in page  # the ontology's own title too
    assert '<link rel="alternate" type="text/turtle" href="/def.ttl"' in page


def test_the_ontology_version_iri_dereferences_to_the_ontology(client):
    version = client.get("/def/1.0.0", headers={"Accept": "text/turtle"})
    assert version.status_code == 200 and version.headers["content-location"] == "/def/1.0.0.ttl"
    assert version.text == client.get("/def", headers={"Accept": "text/turtle"}).text
    assert "owl:versionIRI <https://w3id.org/territoires-industrie/def/1.0.0>" in version.text
    assert client.get("/def/1.0.0.ttl").status_code == 200
    assert client.get("/def/9.9.9", headers={"Accept": "text/turtle"}).status_code == 404


def test_downloads_answer_conditional_requests(client):
    first = client.get("/dist/territoires-industrie.ttl")
    again = client.get("/dist/territoires-industrie.ttl", headers={"If-None-Match": first.headers["etag"]})
    assert first.status_code == 200 and again.status_code == 304 and again.content == b""


def test_resource_descriptions_use_the_dataset_prefixes(client):
    turtle = client.get("/id/territoire/narbonne", headers={"Accept": "text/turtle"}).text
    assert "@prefix ti: <https://w3id.org/territoires-industrie/def#> ." in turtle and "ns1:" not in turtle


def test_scripts_on_other_sites_may_read_the_links_to_other_formats(client):
    response = client.get("/id/territoire/narbonne", headers={"Accept": "text/turtle", "Origin": "https://x.org"})
    exposed = {h.strip() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"ETag", "Link", "Content-Location"} <= exposed


def test_a_method_a_page_does_not_take_is_a_plain_405(client):
    response = client.post("/id/territoire/narbonne")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD"}  # in any order
    assert response.headers["content-type"].startswith("text/plain") and "POST is not allowed" in response.text


def test_a_named_graph_page_names_its_source_and_links_to_its_statements(client):
    import html
    import re

    page = client.get("/graph/annonce-2018-11-22", headers={"Accept": BROWSER}).text
    assert "<title>Graphe nommé : les énoncés de la source « L’État s’engage" in page
    assert 'href="/id/source/annonce-2018-11-22"' in page
    query = html.unescape(re.search(r'href="(/query\?query=[^"]+)"', page).group(1))
    statements = client.get(query, headers={"Accept": BROWSER}).text
    assert "313 ligne(s)" in statements


def test_the_sitemap_lists_the_named_graphs_and_the_dataset_page_is_a_schema_org_dataset(client):
    sitemap = client.get("/sitemap.xml").text
    assert "<loc>http://testserver/graph/annonce-2018-11-22</loc>" in sitemap
    assert '"@type": "Dataset"' in client.get("/dataset", headers={"Accept": BROWSER}).text


def test_rdf_documents_do_not_vary_with_the_language_pages_do(client):
    fr, en = (client.get("/id/territoire/narbonne", headers={"Accept": "text/turtle", "Accept-Language": lang})
              for lang in ("fr", "en"))
    assert fr.text == en.text and fr.headers["etag"] == en.headers["etag"]
    assert "Accept-Language" not in fr.headers["vary"]
    page_fr, page_en = (client.get("/id/territoire/narbonne", headers={"Accept": BROWSER, "Accept-Language": lang})
                        for lang in ("fr", "en"))
    assert page_fr.headers["etag"] != page_en.headers["etag"]
    assert "Accept-Language" in page_fr.headers["vary"]


def test_a_trailing_slash_is_redirected_to_the_resource(client):
    response = client.get("/id/territoire/narbonne/?lang=en", headers={"Accept": BROWSER}, follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"] == "/id/territoire/narbonne?lang=en"
    # Never to another site: `//host` in a Location is a link to that host.
    for path in ("/%2Fevil.example/", "/%2F%2Fevil.example/"):
        away = client.get(path, headers={"Accept": BROWSER}, follow_redirects=False)
        assert away.status_code == 301 and away.headers["location"] == "/evil.example"


@pytest.mark.parametrize("coding", ["x-gzip", "GZIP", "*", "deflate, gzip;q=0.5"])
def test_pages_are_gzipped_for_every_way_of_allowing_it(client, coding):
    response = client.get("/id/territoire/narbonne", headers={"Accept": BROWSER, "Accept-Encoding": coding})
    assert response.headers.get("content-encoding") == "gzip"


@pytest.mark.parametrize("path", ["/downloads", "/sitemap.xml", "/robots.txt"])
def test_pages_that_change_with_a_build_only_may_be_cached(client, path):
    assert client.get(path, headers={"Accept": BROWSER}).headers["cache-control"] == "public, max-age=3600"
