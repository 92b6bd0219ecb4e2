"""What a dereferenced IRI answers: its description, the same whichever store holds the data.

The description of an IRI is
- every triple whose subject is the IRI,
- every triple of its hash sub-resources (`IRI#x`) reached from it in one or two steps,
- every triple whose object is the IRI (what points to it).
The queries below ask a SPARQL store for it; `describe_graph` computes the same from a local graph
(the catalogue, the ontology, the shapes). Triples only: blank nodes are not followed (the
published data has none).
"""

from __future__ import annotations

import json
import re

from pyoxigraph import NamedNode
from rdflib import BNode, Graph, Literal, URIRef

_FRAGMENTS = """
  {{ <{iri}> ?l1 ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{iri}#")) {graph_open} ?s ?p ?o {graph_close} }}
  UNION {{ <{iri}> ?l1 ?f . FILTER(isIRI(?f) && STRSTARTS(STR(?f), "{iri}#"))
           ?f ?l2 ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{iri}#")) {graph_open} ?s ?p ?o {graph_close} }}"""


def is_describable(iri: str) -> bool:
    """Whether `iri` can go into the queries below: it comes from a request path or a result, so
    refuse what could break out of <…> or "…", any control character, and what is not an IRI."""
    if not iri.startswith(("http://", "https://")) or _UNSAFE.search(iri):
        return False
    try:
        NamedNode(iri)  # pyoxigraph's own IRI check, the one its query parser makes
    except ValueError:
        return False
    return True


_UNSAFE = re.compile(r'[<>"{}|\\^`\s\x00-\x1f\x7f]')


def _check_iri(iri: str) -> str:
    if not is_describable(iri):
        raise ValueError(f"not an IRI that can be described: {iri!r}")
    return iri


def description_query(iri: str) -> str:
    """CONSTRUCT the description of `iri` from the default graph (the union of the sources)."""
    iri = _check_iri(iri)
    fragments = _FRAGMENTS.format(iri=iri, graph_open="", graph_close="")
    return (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{\n  {{ <{iri}> ?p ?o BIND(<{iri}> AS ?s) }}\n  UNION{fragments}\n"
            f"  UNION {{ ?s ?p <{iri}> BIND(<{iri}> AS ?o) }}\n}}")


def facts_query(iri: str, *, link_subject: str) -> str:
    """SELECT the description with the named graph (the source) of each triple, and the triples of
    the identifier links about `iri` (their target and verification status)."""
    iri = _check_iri(iri)
    fragments = _FRAGMENTS.format(iri=iri, graph_open="GRAPH ?g {", graph_close="}")
    return (f"SELECT ?s ?p ?o ?g WHERE {{\n  {{ GRAPH ?g {{ <{iri}> ?p ?o }} BIND(<{iri}> AS ?s) }}\n"
            f"  UNION{fragments}\n"
            f"  UNION {{ GRAPH ?g {{ ?s ?p <{iri}> }} BIND(<{iri}> AS ?o) }}\n"
            f"  UNION {{ ?s <{link_subject}> <{iri}> . GRAPH ?g {{ ?s ?p ?o }} }}\n}}")


LABEL_PROPERTIES = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label",
                    "http://purl.org/dc/terms/title", "http://www.w3.org/ns/shacl#name")


def labels_query(iris: list[str]) -> str:
    values = " ".join(f"<{_check_iri(i)}>" for i in sorted(set(iris)))
    props = "|".join(f"<{p}>" for p in LABEL_PROPERTIES)
    return f"SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }} ?x {props} ?label }}"


def describe_graph(graph: Graph, iri: str) -> Graph:
    """The description of `iri` in a local graph, by the definition above."""
    subject = URIRef(iri)
    out = Graph()
    for triple in graph.triples((subject, None, None)):
        out.add(triple)
    frontier, seen = [subject], {subject}
    for _step in range(2):
        following = []
        for node in frontier:
            for obj in graph.objects(node, None):
                if isinstance(obj, URIRef) and str(obj).startswith(f"{iri}#") and obj not in seen:
                    seen.add(obj)
                    following.append(obj)
                    for triple in graph.triples((obj, None, None)):
                        out.add(triple)
        frontier = following
    for triple in graph.triples((None, None, subject)):
        out.add(triple)
    return out


def term_from_json(binding: dict) -> URIRef | Literal | BNode:
    """An rdflib term from one SPARQL 1.1 JSON results binding."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    return Literal(value, lang=binding.get("xml:lang"), datatype=binding.get("datatype"))


def rows_from_json(body: bytes) -> list[dict[str, URIRef | Literal | BNode]]:
    """The solutions of a SPARQL JSON result as dictionaries of rdflib terms."""
    return [{name: term_from_json(b) for name, b in row.items()}
            for row in json.loads(body)["results"]["bindings"]]
