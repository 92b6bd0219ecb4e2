"""The catalogue as this server publishes it: download and endpoint URLs are this server's.

The built catalogue names the canonical download URLs (`{base}dist/…`); a harvester reading
/dataset here must be able to fetch from here. The dataset and distribution IRIs stay canonical.
A dcat:DataService describes the SPARQL endpoint.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from .._namespaces import ETALAB_2
from ._site import Site

REWRITTEN = (DCAT.downloadURL, DCAT.accessURL, VOID.dataDump)
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")


def served_catalogue(site: Site, *, server: str) -> Graph:
    return _served(site, server.rstrip("/"))


@lru_cache(maxsize=16)  # one per host name the server is reached by
def _served(site: Site, server: str) -> Graph:
    downloads = f"{site.base}dist/"
    graph = Graph()
    for prefix, namespace in site.catalogue.namespaces():
        graph.bind(prefix, namespace)
    for s, p, o in site.catalogue:
        if p in REWRITTEN and str(o).startswith(downloads):
            o = URIRef(f"{server}/dist/{str(o)[len(downloads):]}")
        graph.add((s, p, o))
    endpoint = URIRef(f"{server}/sparql")
    service = URIRef(f"{site.base}dataset/service/sparql")
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCTERMS.title, Literal("Point d’accès SPARQL de territoires-lod", lang="fr")))
    graph.add((service, DCTERMS.title, Literal("territoires-lod SPARQL endpoint", lang="en")))
    graph.add((service, DCTERMS.description, Literal(
        "Point d’accès SPARQL 1.1 (lecture seule) au jeu de données ; le graphe par défaut est l’union "
        "des graphes nommés, un par source.", lang="fr")))
    graph.add((service, DCTERMS.description, Literal(
        "Read-only SPARQL 1.1 endpoint over the dataset; the default graph is the union of the named "
        "graphs, one per source.", lang="en")))
    graph.add((service, DCAT.endpointURL, endpoint))
    graph.add((service, DCAT.endpointDescription, endpoint))
    graph.add((service, DCAT.servesDataset, site.dataset))
    graph.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    graph.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    graph.add((service, DCTERMS.license, ETALAB_2))
    # What DCAT-AP recommends for a data service, taken from the dataset it serves.
    for prop in (DCAT.theme, DCAT.keyword, DCTERMS.publisher, DCAT.contactPoint, DCTERMS.accessRights):
        for value in site.catalogue.objects(site.dataset, prop):
            graph.add((service, prop, value))
    graph.add((site.dataset, VOID.sparqlEndpoint, endpoint))
    for catalogue in site.catalogue.subjects(RDF.type, DCAT.Catalog):
        graph.add((catalogue, DCAT.service, service))
    return graph
