"""Each query in queries/ has its exact answer in a SPARQL results JSON file beside it."""

import json
from pathlib import Path

import pytest
from rdflib.plugins.sparql import prepareQuery

from .conftest import ROOT

QUERIES = sorted((ROOT / "queries").glob("*.rq"))


def rows_of(result) -> list[dict]:
    """Query results in the SPARQL 1.1 JSON results shape, as plain data."""
    data = json.loads(result.serialize(format="json"))
    return data["results"]["bindings"]


@pytest.fixture(scope="module")
def union_dataset(dataset):
    dataset.default_union = True
    yield dataset
    dataset.default_union = False


def test_there_are_queries_with_expected_answers():
    names = {q.stem for q in QUERIES}
    assert {"occitanie-territories", "territories-spanning-regions", "operators", "funding",
            "events-timeline", "sources-differ"} <= names


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.stem)
def test_query_has_titles_and_descriptions_in_both_languages(query):
    head = query.read_text(encoding="utf-8").splitlines()[:2]
    assert head[0].startswith("# title: ") and " / " in head[0]
    assert head[1].startswith("# description: ") and " / " in head[1]


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.stem)
def test_query_answer_is_exact(union_dataset, query: Path):
    prepareQuery(query.read_text(encoding="utf-8"))
    expected = json.loads(query.with_suffix(".srj").read_text(encoding="utf-8"))["results"]["bindings"]
    assert rows_of(union_dataset.query(query.read_text(encoding="utf-8"))) == expected
