"""The SPARQL Service Description (sd:) returned by GET /sparql without a query."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, VOID, XSD

from ._engine import DatasetStats
from ._media import FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMAT_IRIS = {  # W3C's IRIs for result formats (http://www.w3.org/ns/formats/)
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML", "trig": "TriG", "nquads": "N-Quads",
}


def service_description(*, endpoint: str, stats: DatasetStats) -> Graph:
    sd = lambda name: URIRef(SD + name)  # noqa: E731 - a local shorthand
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    service = URIRef(endpoint)
    dataset = URIRef(f"{endpoint}#dataset")
    default = URIRef(f"{endpoint}#default-graph")
    g.add((service, RDF.type, sd("Service")))
    g.add((service, sd("endpoint"), service))
    g.add((service, sd("supportedLanguage"), sd("SPARQL11Query")))
    g.add((service, sd("feature"), sd("UnionDefaultGraph")))
    for fmt in FORMATS:
        if fmt.key in _FORMAT_IRIS:
            g.add((service, sd("resultFormat"), URIRef("http://www.w3.org/ns/formats/" + _FORMAT_IRIS[fmt.key])))
    g.add((service, sd("defaultDataset"), dataset))
    g.add((dataset, RDF.type, sd("Dataset")))
    g.add((dataset, sd("defaultGraph"), default))
    g.add((default, RDF.type, sd("Graph")))
    g.add((default, VOID.triples, Literal(stats.triples, datatype=XSD.integer)))
    for i, (name, triples) in enumerate(sorted(stats.graphs.items())):
        named = URIRef(f"{endpoint}#named-graph-{i}")
        graph = URIRef(f"{endpoint}#graph-{i}")
        g.add((dataset, sd("namedGraph"), named))
        g.add((named, RDF.type, sd("NamedGraph")))
        g.add((named, sd("name"), URIRef(name)))
        g.add((named, sd("graph"), graph))
        g.add((graph, RDF.type, sd("Graph")))
        g.add((graph, VOID.triples, Literal(triples, datatype=XSD.integer)))
    return g
