"""Hints for the mistakes people make most, in a query that failed to parse (and none where a
well-formed query could look the same)."""

import pytest

from territoires_lod.server._hints import query_hints


@pytest.mark.parametrize(("query", "hint"), [
    ("SELECT COUNT(*) WHERE { ?s ?p ?o }", "In SELECT, COUNT(…) goes in parentheses, with a name: (COUNT(…) AS ?name)."),
    ("SELECT (COUNT(*)) WHERE { ?s ?p ?o }", "An expression in SELECT needs a name: (… AS ?name)."),
    ("SELECT ?s, ?p WHERE { ?s ?p ?o }", "Variables in SELECT are separated by spaces, not commas."),
    ("SELECT s WHERE { ?s ?p ?o }", "Variables start with ? (or $): ?s."),
    ("SELECT WHERE { ?s ?p ?o }", "SELECT names what to return"),
    ("select ?s wher { ?s ?p ?o }", "wher: did you mean WHERE?"),
    ("SELECT ?p (COUNT(*) AS ?n) GROUP BY ?p WHERE { ?s ?p ?o }", "GROUP comes after the pattern"),
    ("SELECT ?code-insee WHERE { ?s ?p ?code-insee }", 'A variable\'s name cannot hold "-": write ?code_insee.'),
    ('SELECT (GROUP_CONCAT(?o, ", ") AS ?x) { ?s ?p ?o }', 'GROUP_CONCAT(?x; SEPARATOR=", ")'),
    ('SELECT * { ?s ?p ?o FILTER ?o = "Tarn" }', "FILTER takes its condition in parentheses: FILTER(?o …)."),
    ("SELECT * { ?s ?p ?o FILTER(?o > 1 AND ?o < 3) }", "AND is SQL; SPARQL writes && for AND"),
    ('SELECT * { ?s ?p ?o FILTER(regexp(?o, "a")) }', "regexp is not a SPARQL function: did you mean REGEX?"),
    ("SELECT * { ?s ?p ?o } LIMIT -1", "LIMIT takes a whole number, 0 or more (leave LIMIT out for every row)."),
    ("SELCT ?s WHERE { ?s ?p ?o }", "this one has SELCT there: did you mean SELECT?"),
    ("PREFIX a: <http://a/>\nconstuct WHERE { ?s ?p ?o }", "did you mean CONSTRUCT?"),
    ("query=SELECT ?s WHERE { ?s ?p ?o }", "The text starts with query=, as a form does"),
    ('{"query": "SELECT * {}"}', "The text looks like JSON"),
    ("@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\nSELECT * {}", "@prefix is Turtle; SPARQL writes PREFIX"),
    ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\nSELECT * {}",
     'remove the "." after <http://www.w3.org/2000/01/rdf-schema#>'),
    ("// the communes\nSELECT * {}", "this one has / there (a comment starts with #)"),
    ("{ ?s ?p ?o }", "A query starts with SELECT, ASK, CONSTRUCT or DESCRIBE, after any PREFIX and BASE lines; "
                     "this one has { there."),
    ('SELECT ?s WHERE { ?s ?p “Albi” }', "“ (U+201C) is not a SPARQL quote: write \"; ” (U+201D)"),
    ("SELECT ?s WHERE {\u00a0?s ?p ?o }", "a no-break space (U+00A0) outside a string is not a space to SPARQL"),
    ("SELECT ?s WHERE { ?s ?p ?o\u200b}", "a zero-width space (U+200B)"),
    ("SELECT ?s WHERE { ?s rdfs:label ?l }", "add PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"),
    ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?s WHERE { ?s rdsf:label ?l }",
     "The query uses rdsf: without declaring it: did you mean rdfs:?"),
    ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT * WHERE {\n  ?s rdfs:label ?l\n  ?s a ?t\n}",
     'Is a "." missing at the end of line 3 (after ?l)? A triple has three terms; ?s would be a fourth.'),
    ("SELECT * WHERE { ?s ?p ?o ?g }", 'Is a "." missing before ?g?'),
    ("CONSTRUCT { ?s ?p ?o\n ?s ?q ?o } WHERE { ?s ?p ?o }", 'missing at the end of line 1 (after ?o)'),
    ("SELECT * WHERE { _:b ?p ?o OPTIONAL { _:b ?q ?r } }", "The blank node _:b is used in two groups"),
    ("SELECT * WHERE { _:a.b ?p ?o OPTIONAL { _:a.b ?q ?r } }", "write a variable (?a_b) instead"),
    ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT * { ?s rdf:type ?t }",  # not a misspelt rdfs:
     "add PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>"),
    ("SELECT * { ?s ?p " + " ".join(f"p{i}:x" for i in range(30)) + " }",
     "The query uses p0:, p1:, p2:, p3:, p4:, p5:, p6:, p7:, p8:, p9: (and 20 more) without declaring them"),
    ("PREFIX ex: <http://example.org/>\nSELECT * { ex:l’hôtel ?p ?o }",
     "’ (U+2019) cannot be part of a prefixed name (nor can '): write that IRI whole, in <…>"),
    ("SELECT ?s WHERE { ?s wdt:P31 ?o }", "add PREFIX wdt: <…>. (This endpoint holds the Territoires d'industrie "
                                          "data, not Wikidata"),
])
def test_hints_for_the_mistakes_people_make_most(query, hint):
    assert hint in " ".join(query_hints(query))


@pytest.mark.parametrize("query", [
    "SELECT ?s WHERE { ?s ?p ?o",  # the parser's message is enough
    'SELECT ?s WHERE { ?s ?p "Territoires d’industrie « 2018 »" FILTER(?s != <http://a/“>) } # “quoted”\u00a0',
    "PREFIX : <http://a/>\nBASE <http://b/>\nselect * { ?s ?p ?o",
    "PREFIX\nSELECT * {}",  # a broken declaration: no guess about the query form
    # Triples written right (paths, lists, datatypes, groups), and rows of VALUES: no fourth term.
    'SELECT * WHERE { ?s <p>/<q> ?o . ?s ^<r> ?x ; <p>* ?y , "a"^^<x:int>, "b"@fr . [ <p> ?z ] <q> (1 2) '
    "GRAPH ?g { ?s ?p ?o } ?s ?p 12 OPTIONAL { ?s ?q ?r } ?s ?x \"y\" FILTER(?o > 1)\n ?s ?q ?r",
    "SELECT * WHERE { VALUES ?x { <a> <b> <c>\n <d> } { SELECT ?a ?b ?c\n ?d WHERE { ?a ?b ?c } }",
    "SELECT * WHERE { _:b ?p ?o ; ?q _:c . _:b ?r _:c ",  # one group: the same label may come again
    "CONSTRUCT { _:b <p> ?o } WHERE { _:b <q> ?o {| <r> _:b |} } ORDER",  # a template's are new nodes
    "SELECT * WHERE { << ?s ?p ?o ~ ?r >> <q> ?z . } ORDER",  # a quoted triple is one term
    # Clauses written right: calls, aggregates with names, IN lists, ordering, a function by its IRI.
    "PREFIX ex: <http://e/> SELECT DISTINCT ?s (COUNT(?o) AS ?n) (SAMPLE(?x) AS ?y) WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), 'a') && "
    "isIRI(?s) && ?o IN (1, 2) && NOT EXISTS { ?s ?q ?r }) FILTER <http://f/>(?o) FILTER ex:f(?o) "
    "BIND(IF(BOUND(?o), 1, 0) AS ?z) } GROUP BY ?s HAVING(COUNT(?o) > 1) ORDER BY DESC(?n) ASC(?s) LIMIT 10 OFFSET 5 ORDER",
])
def test_no_hint_where_none_applies(query):
    assert query_hints(query) == []


def test_typographic_quotes_around_a_word_are_quotes_not_part_of_a_name():
    assert query_hints("SELECT ?s WHERE { ?s ?p “Albi” ; ?q ‘x’ }") == [
        "The query has characters a word processor or web page may have put in: “ (U+201C) is not a SPARQL quote: "
        "write \"; ” (U+201D) is not a SPARQL quote: write \"; ‘ (U+2018) is not a SPARQL quote: write '; "
        "’ (U+2019) is not a SPARQL quote: write '."]


# From a review that sent ~350 queries (valid ones broken far from their features, and typical
# mistakes): each case is a query and what its hints must say ([]: no hint at all).
REVIEWED = {
 "SELECT * WHERE { ?s ?p 1E+3 } ORDER": [],
 "SELECT * WHERE { ?s ?p -2.5e+2 . ?a ?b ?c } ORDER": [],
 "SELECT * WHERE { ?s ?p ?o ~ ?r } ORDER": [],
 "SELECT * WHERE { ?s ?p ?o ~ <http://e/r> . ?a ?b ?c } ORDER": [],
 "SELECT * WHERE { ?commune ?p ?pop-2020 }": ["?pop_2020"],
 'SELECT * WHERE {\n ?s ?p "Territoires d industrie"\n ?s ?q ?r }': ['(after "Territoires d industrie")'],
 'SELECT ?s (GROUP_CONCAT(CONCAT(STR(?p), "=", STR(?o)); SEPARATOR=", ") AS ?all) WHERE { ?s ?p ?o } GROUP BY ?s ORDER': [],
 "SELECT ?x AS ?y WHERE { ?s ?p ?x }": ["goes in parentheses with its name"],
 "SELECT TOP 10 ?s WHERE { ?s ?p ?o }": ["TOP is SQL"],
 "SELECT coutn(?s) WHERE { ?s ?p ?o }": ["did you mean COUNT?"],
 "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?s WHERE { ?s rdfs:label 'Côte d'Or' }": ["A ' inside a '…' string ends it"],
 "SELECT ?s WHERE { ?s ?p <http://dbpedia.org/resource/Trinidad and Tobago> }": [],
 'SELECT (ADJUST(?o, "PT0S") AS ?x) WHERE { ?s ?p ?o } ORDER': [],
 "SELCT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }": ["did you mean SELECT?"],
 'SELECT * { ?s ?p ?o FILTER(lower(?o) = "a") }': ["did you mean LCASE?"],
 'SELECT * { ?s ?p ?o FILTER(int(?o) = 1) }': ["XSD cast"],
 'SELECT * { ?s ?p ?o FILTER(trim(?o) = "a") }': ["trim is not a SPARQL function."],
 "SELECT * WHERE ( ?s ?p ?o )": ["WHERE takes a group in braces"],
 'SELECT * { ?s ?p ?o FILTRE(?o > 3) }': ["did you mean FILTER?"],
 "@base <http://e/> .\nSELECT * {}": ["BASE <http://…/>"],
 '{"query": "SELECT * WHERE { ?s ?p ?o }"}': ["looks like JSON"],
 "PREFIX p: <http://www.wikidata.org/prop/>\nPREFIX wdt: <http://www.wikidata.org/prop/direct/>\nSELECT * { ?s ps:P31 ?o }": ["add PREFIX ps: <…>", "not Wikidata"],
 "SELECT * { ?s ?p urn:isbn:123 }": ["urn:… looks like an IRI"],
 "PREFIX ex: <http://e/>\nSELECT * { ?s EX:p ?o }": ["did you mean ex:? (Prefixes are case-sensitive.)"],
 "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT * { ?s rdsf:label ?l ; foo:bar ?x }": ["rdsf: without declaring it: did you mean rdfs:?", "uses foo: without declaring it:"],
 "PREFIX ex: <http://e/>\nSELECT * { ?s ex:p‘x’ }": ["‘ (U+2018) is not a SPARQL quote"],
 'SELECT * { ?s ?p ?o FILTER(?o = 1 AND ?p = 2) }': ["AND is SQL"],
}


@pytest.mark.parametrize(("query", "wanted"), REVIEWED.items())
def test_reviewed_cases(query, wanted):
    hints = " | ".join(query_hints(query))
    if wanted:
        assert all(w in hints for w in wanted), hints
    else:
        assert hints == ""


def test_no_query_makes_the_hints_fail():
    # Every beginning of these queries (a query cut anywhere), and every kind of token at the end.
    queries = [*REVIEWED, 'PREFIX ex: <http://e/> SELECT DISTINCT ?s (COUNT(?o) AS ?n) WHERE { ?s ex:p/ex:q* ?o ; '
               '^ex:r [ ex:s ( 1 2 ) ] . << ?s ?p ?o ~ ?r >> ex:t "x"^^xsd:int , 1E+3 {| ex:u _:b |} '
               'FILTER(?o IN (1, 2) && REGEX(STR(?o), \'a\')) VALUES ?v { 1 } } GROUP BY ?s ORDER BY DESC(?n) LIMIT 1']
    for query in queries:
        for end in range(1, len(query) + 1):
            query_hints(query[:end])
