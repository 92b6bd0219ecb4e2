"""Provenance: sources as resources, Web Annotations quoting the announcement, Wikidata links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ._errors import DataError
from ._namespaces import OA, PREFIXES, SCHEMA, SPDX, TI

from ._records import PUBLISHER

if TYPE_CHECKING:
    from ._graph import GraphWriter
    from ._records import Records

_PUBLICATION = (PUBLISHER,)
_STATUS = {"confirmed": "confirme", "single-source": "source-unique", "rejected": "rejete",
           "confirmed-by-code": "confirme-par-code", "candidate": "candidat", "conflict": "conflit"}
# The project rule: only links a person verified (identifiers.csv) become skos:exactMatch; what the
# reconciliation command finds is published as a described link, with its status, and waits for review.
PUBLISHED_STATUSES = frozenset({"confirmed", "single-source"})


def add_sources(w: GraphWriter, records: Records) -> None:
    """Describe each source with what is known, in the publisher's graph."""
    iris = w.iris
    for s in records.sources.values():
        node = w.resource(_PUBLICATION, iris.source(s.id), TI.Source)
        w.add(_PUBLICATION, node, RDFS.label, Literal(s.label, lang="fr"))
        if s.title:
            w.add(_PUBLICATION, node, DCTERMS.title, Literal(s.title, lang=s.language))
        if s.url:
            w.add(_PUBLICATION, node, SCHEMA.url, URIRef(s.url))
        w.date(_PUBLICATION, node, DCTERMS.date, s.date)
        if s.publisher:
            w.add(_PUBLICATION, node, DCTERMS.publisher, iris.thing(f"organisation/{s.publisher}"))
        if s.version:
            w.add(_PUBLICATION, node, SCHEMA.version, Literal(s.version))
        w.add(_PUBLICATION, node, DCTERMS.language, Literal(s.language, datatype=XSD.language))
        w.add(_PUBLICATION, node, TI.sourceRole, iris.thing(f"role-source/{s.role}"))
        w.add(_PUBLICATION, node, TI.statementsGraph, iris.graph(s.id))
        w.labels(_PUBLICATION, node, s.note_fr, s.note_en, SKOS.note)
        if s.sha256:
            checksum = iris.fragment(node, "sha256")
            w.add(_PUBLICATION, node, SPDX.checksum, checksum)
            w.add(_PUBLICATION, checksum, RDF.type, SPDX.Checksum)
            w.add(_PUBLICATION, checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
            w.add(_PUBLICATION, checksum, SPDX.checksumValue, Literal(s.sha256, datatype=XSD.hexBinary))


def add_annotations(w: GraphWriter, records: Records) -> None:
    """One W3C Web Annotation per fact of the announcement, quoting the words that carry it."""
    iris = w.iris
    primary = next(s for s in records.sources.values() if s.role == "primaire")
    known = {str(s) for s in w.dataset.graph(iris.graph(primary.id)).subjects()}
    for c in records.annotations:
        node = w.resource(_PUBLICATION, iris.thing(f"annotation/{c['id']}"), OA.Annotation)
        target, selector = iris.fragment(node, "cible"), iris.fragment(node, "selecteur")
        w.add(_PUBLICATION, node, OA.motivatedBy, OA.identifying)
        for key in c["about"]:
            body = iris.thing(key)
            if str(body) not in known:
                raise c.origin.error(f"{key!r} is not a resource the announcement speaks of", "about")
            w.add(_PUBLICATION, node, OA.hasBody, body)
        prefix, _, local = c["property"].partition(":")
        w.add(_PUBLICATION, node, TI.supportsProperty, URIRef(str(PREFIXES[prefix]) + local))
        w.add(_PUBLICATION, node, OA.hasTarget, target)
        w.add(_PUBLICATION, target, RDF.type, OA.SpecificResource)
        w.add(_PUBLICATION, target, OA.hasSource, iris.source(primary.id))
        w.add(_PUBLICATION, target, OA.hasSelector, selector)
        w.add(_PUBLICATION, selector, RDF.type, OA.TextQuoteSelector)
        w.add(_PUBLICATION, selector, OA.exact, Literal(c["quote"], lang="fr"))


def add_links(w: GraphWriter, records: Records) -> None:
    """Wikidata links, each with a link resource carrying how it was found and verified."""
    iris = w.iris
    seen: dict[tuple[str, str], int | None] = {}
    for c in records.linkset:
        pair = (c["entity"], c["target"])
        if pair in seen:
            raise DataError(f"{pair[0]} → {pair[1]} is already listed on line {seen[pair]}",
                            path=c.origin.path, line=c.origin.line, field="target")
        seen[pair] = c.origin.line
        subject = iris.thing(c["entity"])
        if not any(True for _ in w.dataset.quads((subject, RDF.type, None, None))):
            raise DataError(f"{c['entity']!r} is not a resource of the dataset",
                            path=c.origin.path, line=c.origin.line, field="entity")
        target = URIRef(c["target"])
        qid = c["target"].rsplit("/", 1)[1]
        link = w.resource(c.sources, iris.thing(f"lien/{c['entity'].replace('/', '-')}-{qid.lower()}"),
                          TI.IdentifierLink)
        if c["status"] in PUBLISHED_STATUSES:
            w.add(c.sources, subject, SKOS.exactMatch, target)
        w.add(c.sources, link, TI.linkSubject, subject)
        w.add(c.sources, link, TI.linkTarget, target)
        w.add(c.sources, link, TI.linkMethod, Literal(c["method"]))
        w.add(c.sources, link, TI.verificationStatus, iris.thing(f"statut-verification/{_STATUS[c['status']]}"))
        if c["endpoint"]:
            w.add(c.sources, link, TI.linkEndpoint, URIRef(c["endpoint"]))
        w.date(c.sources, link, TI.retrieved, c["retrieved"])
