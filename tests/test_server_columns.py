"""`SELECT *` columns in the query's order (server/_columns.py), then through the real engine."""

import asyncio

import pytest

from territoires_lod.server import EmbeddedEngine
from territoires_lod.server._columns import select_star, with_star_in_order
from territoires_lod.server._engine import QueryJob, QuerySyntaxError
from territoires_lod.server._media import FORMATS

FMT = {f.key: f for f in FORMATS}


@pytest.mark.parametrize(("query", "names"), [
    ("SELECT * WHERE { ?z ?a ?m }", ["z", "a", "m"]),
    ("PREFIX a: <x> BASE <y> SELECT DISTINCT * { ?z ?a $m . ?a ?b ?z }", ["z", "a", "m", "b"]),
    ("select reduced*{?b ?a}", ["b", "a"]),
    ("# SELECT * { ?x }\nSELECT * {?b ?a}", ["b", "a"]),
    ('SELECT * { ?s ?p "?not ?vars" } # ?nor', ["s", "p"]),
])
def test_a_select_star_and_its_variables_in_order(query, names):
    assert select_star(query) == (query.rindex("*"), names)


@pytest.mark.parametrize("query", [
    "SELECT ?x { ?x ?y ?z }",
    "SELECT (COUNT(*) AS ?n) { ?x ?y ?z }",
    "SELECT ?x { { SELECT * { ?b ?a } } }",  # a subquery's star: the outer columns are named
    "ASK { { SELECT * { ?b ?a } } }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "SELECTDISTINCT * { ?b ?a }",  # glued keywords: left to the engine's order
    '# SELECT * { ?x }\nSELECT ?x {}',
    "",
])
def test_other_queries_are_not_a_select_star(query):
    assert select_star(query) is None


def test_the_star_is_replaced_by_the_engines_variables_in_the_querys_order():
    query = "SELECT * { ?z ?a ?m MINUS { ?z ?q ?n } }"
    star = select_star(query)
    # The engine decides the scope (not ?q, ?n); the text decides the order.
    assert with_star_in_order(query, star, ["a", "m", "z"]) == "SELECT  ?z ?a ?m  { ?z ?a ?m MINUS { ?z ?q ?n } }"
    assert with_star_in_order(query, star, ["z", "a", "m"]) is query  # already in order: untouched
    assert with_star_in_order("SELECT * {}", select_star("SELECT * {}"), []) == "SELECT * {}"
    # A variable the text spells otherwise (an escape) keeps the engine's place, after the others.
    assert with_star_in_order(query, star, ["a", "odd", "z"]) == "SELECT  ?z ?a ?odd  { ?z ?a ?m MINUS { ?z ?q ?n } }"


def test_the_embedded_engine_answers_select_star_in_the_querys_order(dist):
    query = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX ti: <https://w3id.org/territoires-industrie/def#>\n"
             "SELECT * WHERE { ?territoire a ti:IndustryTerritory ; rdfs:label ?nom . "
             "MINUS { ?territoire ti:nothing ?x } } ORDER BY ?nom LIMIT 2")

    async def body():
        engine = EmbeddedEngine([dist / "territoires-industrie.nq"], workers=1, max_result_bytes=1 << 24)
        await engine.start()
        try:
            csv = await engine.execute(QueryJob(query, (), (), FMT["csv"], FMT["turtle"]), timeout=10)
            with pytest.raises(QuerySyntaxError) as bad:  # reported on the text as sent
                await engine.execute(QueryJob("SELECT * { ?b ?a }", (), (), FMT["csv"], FMT["turtle"]), timeout=10)
        finally:
            await engine.close()
        return csv, str(bad.value)

    csv, bad = asyncio.run(body())
    lines = csv.body.decode().splitlines()
    assert lines[0] == "territoire,nom" and len(lines) == 3  # Oxigraph alone: nom,territoire
    assert "at 1:19:" in bad  # the position in the text as sent, not in a rewritten one
