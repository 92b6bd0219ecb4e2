"""Each example query in queries/examples/ has its exact answer in a SPARQL results JSON file beside it,
checked against the built dumps loaded as the endpoint loads them (default graph = union)."""

import json

import pytest
from rdflib.plugins.sparql import prepareQuery

from territoires_lod import load_examples

from .conftest import ROOT

EXAMPLES = load_examples(ROOT / "queries" / "examples")


@pytest.fixture(scope="module")
def store(dist):
    from territoires_lod.server._store import load_store

    return load_store([dist / "territoires-industrie.nq"])[0]


def test_there_are_examples_for_what_reusers_ask():
    names = {e.id for e in EXAMPLES}
    assert len(names) >= 12
    assert {"occitanie-territories", "territories-of-a-region", "territory-places", "territories-spanning-regions",
            "territories-spanning-departements", "operators", "funding", "events-timeline", "sources-differ",
            "what-each-source-states", "single-source-facts", "links-by-verification-status"} <= names
    assert any(e.federated for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_parses(example):
    prepareQuery(example.text)  # an independent parser: the examples are plain SPARQL 1.1


@pytest.mark.parametrize("example", [e for e in EXAMPLES if not e.federated], ids=lambda e: e.id)
def test_example_answer_is_exact(store, example):
    import pyoxigraph as ox

    answer = json.loads(store.query(example.text).serialize(format=ox.QueryResultsFormat.JSON))
    expected = json.loads(example.path.with_suffix(".srj").read_text(encoding="utf-8"))
    assert answer["head"]["vars"] == expected["head"]["vars"]
    rows, want = answer["results"]["bindings"], expected["results"]["bindings"]
    if not example.ordered:
        rows, want = (sorted(json.dumps(r, sort_keys=True) for r in x) for x in (rows, want))
    assert rows == want


def test_federated_examples_call_wikidata_and_have_no_expected_answer():
    for example in (e for e in EXAMPLES if e.federated):
        assert "SERVICE <https://query.wikidata.org/sparql>" in example.text
        assert not example.path.with_suffix(".srj").exists()


def test_the_announcement_has_nine_occitanie_territories_the_press_ten():
    answer = json.loads((ROOT / "queries" / "examples" / "territories-of-a-region.srj").read_text(encoding="utf-8"))
    rows = answer["results"]["bindings"]
    assert len(rows) == 10
    assert sum(r["dansLAnnonce"]["value"] == "true" for r in rows) == 9


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_sparqlwrapper_sends_the_example_as_a_query(example):
    # SPARQLWrapper guesses the query type from keywords, comments included: "adds" once made it an update.
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper("http://127.0.0.1/sparql")
    client.setQuery(example.text)
    assert not client.isSparqlUpdateRequest()
