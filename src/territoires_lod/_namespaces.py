"""Namespaces and the IRI scheme: every IRI the dataset mints is made here.

Instance IRIs sit under a configurable base (canonical: https://w3id.org/territoires-industrie/):
  {base}id/{kind}/{key}     things (territoire, commune, organisation, evenement, …)
  {base}graph/{source}      the named graph of what one source states
  {base}dataset             the dataset; {base}dataset/distribution/{format} its dumps
The ontology namespace is fixed, whatever the base.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from ._base import CANONICAL_BASE, checked_base

TI = Namespace("https://w3id.org/territoires-industrie/def#")
ONTOLOGY = URIRef("https://w3id.org/territoires-industrie/def")
IGEO = Namespace("http://rdf.insee.fr/def/geo#")
INSEE_GEO = Namespace("http://id.insee.fr/geo/")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
WD = Namespace("http://www.wikidata.org/entity/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SH = Namespace("http://www.w3.org/ns/shacl#")
ETALAB_2 = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")

PREFIXES = {
    "ti": TI, "igeo": IGEO, "schema": SCHEMA, "oa": OA, "prov": PROV, "skos": SKOS,
    "dct": DCTERMS, "dcat": DCAT, "void": VOID, "org": ORG, "foaf": FOAF, "owl": OWL,
    "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "spdx": SPDX, "wd": WD, "adms": ADMS,
    "dcatap": Namespace("http://data.europa.eu/r5r/"),
    "sd": Namespace("http://www.w3.org/ns/sparql-service-description#"),
}


@dataclass(frozen=True)
class Iris:
    """Mints the dataset's IRIs from one base."""

    base: str = CANONICAL_BASE

    def __post_init__(self) -> None:
        checked_base(self.base)

    def thing(self, key: str) -> URIRef:
        """`commune/11262` → {base}id/commune/11262."""
        return URIRef(f"{self.base}id/{key}")

    def graph(self, source_id: str) -> URIRef:
        return URIRef(f"{self.base}graph/{source_id}")

    def source(self, source_id: str) -> URIRef:
        return self.thing(f"source/{source_id}")

    @property
    def dataset(self) -> URIRef:
        return URIRef(f"{self.base}dataset")

    @property
    def catalogue(self) -> URIRef:
        return URIRef(f"{self.base}catalogue")

    def distribution(self, fmt: str) -> URIRef:
        return URIRef(f"{self.base}dataset/distribution/{fmt}")

    def download(self, filename: str) -> URIRef:
        return URIRef(f"{self.base}dist/{filename}")

    def fragment(self, iri: URIRef, name: str) -> URIRef:
        """A sub-resource with its own IRI (the published data has no blank nodes)."""
        return URIRef(f"{iri}#{name}")


def insee_uri(kind: str, code: str) -> URIRef | None:
    """INSEE's code-based URI, for the levels INSEE publishes that way."""
    if kind in ("commune", "departement", "region"):
        return INSEE_GEO[f"{kind}/{code}"]
    return None
