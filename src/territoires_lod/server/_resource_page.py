"""The page of one resource, as data for its template: label, types, every fact with the sources that
state it, external identifiers with their verification status, sub-resources, and what points to it.
Pure functions of the rows `facts_query` returns (subject, predicate, object, graph)."""

from __future__ import annotations

import urllib.parse

from collections import defaultdict

from rdflib import URIRef
from rdflib.namespace import OWL, RDF, SKOS

from .._namespaces import TI
from ._pages import Linker

INBOUND_SHOWN = 50
SCHEMA = "https://schema.org/"
# Our classes and INSEE's, as the schema.org type search engines read in the page.
SCHEMA_TYPES = {str(TI.IndustryTerritory): "Place", str(TI.Programme): "GovernmentService",
                str(TI.Source): "CreativeWork", str(TI.Count): "Observation",
                "http://www.w3.org/ns/dcat#Dataset": "Dataset", "http://www.w3.org/ns/dcat#Catalog": "DataCatalog",
                "http://www.w3.org/ns/dcat#Distribution": "DataDownload"}


def source_of_graph(graph: str | None, base: str) -> str | None:
    """The source a named graph holds the statements of: {base}graph/x → {base}id/source/x."""
    if graph is None:
        return None
    prefix = f"{base}graph/"
    return f"{base}id/source/{graph[len(prefix):]}" if graph.startswith(prefix) else graph


def _grouped(rows, linker: Linker, base: str, *, skip_types: bool) -> list[dict]:
    """Facts of one subject grouped by predicate: each value once, with every source stating it."""
    values: dict[URIRef, dict] = defaultdict(dict)
    for row in rows:
        if skip_types and row["p"] == RDF.type:
            continue
        entry = values[row["p"]].setdefault(row["o"], {"value": linker.value(row["o"]), "sources": []})
        source = source_of_graph(str(row["g"]) if row.get("g") is not None else None, base)
        if source is not None and all(s["iri"] != source for s in entry["sources"]):
            entry["sources"].append(linker.value(URIRef(source)))
    groups = []
    for predicate in sorted(values, key=lambda p: (linker.label(p).lower(), str(p))):
        entries = sorted(values[predicate].values(),
                         key=lambda e: (e["value"].get("label") or e["value"].get("text") or "").lower())
        groups.append({"predicate": linker.value(predicate), "values": entries})
    return groups


def identifier_links(rows, iri: URIRef, linker: Linker) -> list[dict]:
    """INSEE (owl:sameAs) and Wikidata (skos:exactMatch) links, with the status of each Wikidata link."""
    links: dict[URIRef, dict] = defaultdict(dict)
    for row in rows:
        if row["s"] != iri and (row["s"], TI.linkSubject, iri) in _triples(rows):
            links[row["s"]][row["p"]] = row["o"]
    status_of = {link.get(TI.linkTarget): link for link in links.values()}
    found = []
    for row in rows:
        if row["s"] == iri and row["p"] in (OWL.sameAs, SKOS.exactMatch) and isinstance(row["o"], URIRef):
            link = status_of.get(row["o"], {})
            status = link.get(TI.verificationStatus)
            entry = {"target": linker.value(row["o"]), "relation": linker.value(row["p"]),
                     "status": linker.value(status) if status is not None else None,
                     "method": str(link.get(TI.linkMethod)) if link.get(TI.linkMethod) is not None else None,
                     "register": "Wikidata" if "wikidata.org" in str(row["o"]) else
                                 "INSEE" if "insee.fr" in str(row["o"]) else curie_host(str(row["o"]))}
            if all(e["target"]["iri"] != str(row["o"]) for e in found):
                found.append(entry)
    return sorted(found, key=lambda e: (e["register"], e["target"]["iri"]))


def curie_host(iri: str) -> str:
    return iri.split("/")[2] if iri.count("/") >= 2 else iri


def _triples(rows) -> set:
    return {(r["s"], r["p"], r["o"]) for r in rows}


def resource_model(*, iri: str, rows: list[dict], linker: Linker, page_url: str) -> dict:
    subject = URIRef(iri)
    own = [r for r in rows if r["s"] == subject]
    types = sorted({r["o"] for r in own if r["p"] == RDF.type}, key=str)
    fragments = sorted({r["s"] for r in rows if str(r["s"]).startswith(f"{iri}#")}, key=str)
    link_subjects = {r["s"] for r in rows if r["p"] == TI.linkSubject and r["o"] == subject}
    inbound: dict[URIRef, set] = defaultdict(set)
    for row in rows:
        if row["o"] == subject and row["s"] != subject:
            inbound[row["p"]].add(row["s"])
    inbound_groups = []
    for predicate in sorted(inbound, key=lambda p: (linker.label(p).lower(), str(p))):
        subjects = sorted(inbound[predicate], key=lambda s: (linker.label(s).lower(), str(s)))
        inbound_groups.append({"predicate": linker.value(predicate), "total": len(subjects),
                               "subjects": [linker.value(s) for s in subjects[:INBOUND_SHOWN]],
                               "hidden": max(0, len(subjects) - INBOUND_SHOWN)})
    identifiers = identifier_links(rows, subject, linker)
    label = linker.label(subject)
    graph = named_graph_page(iri, linker)
    return {
        "graph": graph,
        "iri": iri, "label": label, "types": [linker.value(t) for t in types],
        "facts": _grouped(own, linker, linker.base, skip_types=True),
        "fragments": [{"iri": str(f), "anchor": str(f).split("#", 1)[1], "label": linker.label(f),
                       "facts": _grouped([r for r in rows if r["s"] == f], linker, linker.base, skip_types=False)}
                      for f in fragments],
        "identifiers": identifiers,
        "inbound": inbound_groups,
        "link_records": len(link_subjects),
        "schema_org": schema_org(iri=iri, label=label, types=types, identifiers=identifiers, page_url=page_url),
    }


def named_graph_page(iri: str, linker: Linker) -> dict | None:
    """For a source's named graph ({base}graph/x): its source, and a query that lists its statements
    (the graph's own description is a couple of triples; what it holds is what a reader wants)."""
    if not iri.startswith(f"{linker.base}graph/"):
        return None
    source = source_of_graph(iri, linker.base)
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o"
    return {"source": linker.value(URIRef(source)), "source_label": linker.label(URIRef(source)),
            "query_href": "/query?" + urllib.parse.urlencode({"query": query,
                                                               **({"lang": linker.lang} if linker.lang != "fr" else {})})}


def schema_org(*, iri: str, label: str, types: list, identifiers: list[dict], page_url: str) -> dict:
    """A schema.org description for search engines: type, name, identifier and sameAs links."""
    kinds = [str(t)[len(SCHEMA):] for t in types if str(t).startswith(SCHEMA)]
    kinds += [SCHEMA_TYPES[str(t)] for t in types if str(t) in SCHEMA_TYPES]
    data = {"@context": "https://schema.org", "@type": kinds[0] if kinds else "Thing", "@id": iri,
            "name": label, "url": page_url, "identifier": iri}
    same = [e["target"]["iri"] for e in identifiers]
    if same:
        data["sameAs"] = same
    return data
