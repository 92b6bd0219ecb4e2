"""The pure parts of the pages: language choice, how terms are shown, paths, the resource model."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from territoires_lod import TI
from territoires_lod.server._describe import describe_graph, rows_from_json
from territoires_lod.server._linkeddata import document_path, split_extension
from territoires_lod.server._media import format_by_key
from territoires_lod.server._pages import Linker, choose_language, curie, pick_label
from territoires_lod.server._resource_page import resource_model, source_of_graph

BASE = "https://w3id.org/territoires-industrie/"


@pytest.mark.parametrize(("param", "header", "lang"), [
    (None, None, "fr"),
    ("en", None, "en"),
    ("fr", "en", "fr"),
    ("de", None, "fr"),
    (None, "en-US,en;q=0.9", "en"),
    (None, "fr-FR,fr;q=0.9,en;q=0.8", "fr"),
    (None, "en;q=0.5, fr;q=0.8", "fr"),
    (None, "de-DE, en;q=0.3", "en"),
    (None, "de-DE", "fr"),
    (None, "en;q=bogus", "fr"),
])
def test_choose_language(param, header, lang):
    assert choose_language(param, header) == lang


@pytest.mark.parametrize(("path", "stem", "key"), [
    ("/id/commune/11262", "/id/commune/11262", None),
    ("/id/commune/11262.ttl", "/id/commune/11262", "turtle"),
    ("/id/commune/11262.jsonld", "/id/commune/11262", "jsonld"),
    ("/id/commune/11262.nt", "/id/commune/11262", "ntriples"),
    ("/id/commune/11262.rdf", "/id/commune/11262", "rdfxml"),
    ("/id/commune/11262.html", "/id/commune/11262", "html"),
    ("/id/commune/11262.csv", "/id/commune/11262.csv", None),
    ("/index.ttl", "/", "turtle"),
    ("/def.html", "/def", "html"),
    ("/a.b/c", "/a.b/c", None),
])
def test_split_extension(path, stem, key):
    assert split_extension(path) == (stem, key)


def test_document_paths():
    assert document_path("/", format_by_key("turtle")) == "/index.ttl"
    assert document_path("/id/x", format_by_key("html")) == "/id/x.html"


def test_terms_are_shown_with_labels_curies_and_local_links():
    linker = Linker(base=BASE, lang="en", labels={f"{BASE}id/region/76": [Literal("Occitanie", lang="fr")]})
    assert linker.label(URIRef(f"{BASE}id/region/76")) == "Occitanie"
    assert linker.label(RDFS.label) == "label"
    assert linker.label(URIRef("http://www.w3.org/ns/dcat#keyword")) == "dcat:keyword"
    assert linker.href(f"{BASE}id/region/76") == "/id/region/76?lang=en"
    assert linker.href(f"{BASE}def#Count") == "/def?lang=en#Count"
    assert linker.href("http://www.wikidata.org/entity/Q6555") == "http://www.wikidata.org/entity/Q6555"
    assert curie("http://www.w3.org/2004/02/skos/core#prefLabel") == "skos:prefLabel"
    assert pick_label([Literal("x", lang="en"), Literal("y", lang="fr")], "de") == "y"
    assert pick_label([], "fr") is None


def test_source_of_a_named_graph():
    assert source_of_graph(f"{BASE}graph/cog", BASE) == f"{BASE}id/source/cog"
    assert source_of_graph(f"{BASE}catalogue", BASE) == f"{BASE}catalogue"
    assert source_of_graph(None, BASE) is None


def test_resource_model_groups_facts_by_source_and_reads_link_status():
    commune, link = URIRef(f"{BASE}id/commune/1"), URIRef(f"{BASE}id/lien/commune-1-q1")
    wikidata, insee = URIRef("http://www.wikidata.org/entity/Q1"), URIRef("http://id.insee.fr/geo/commune/1")
    status = URIRef(f"{BASE}id/statut-verification/confirme")
    cog, ids, press = (URIRef(f"{BASE}graph/{g}") for g in ("cog", "identifiants", "presse"))
    rows = [{"s": commune, "p": RDFS.label, "o": Literal("Une", lang="fr"), "g": cog},
            {"s": commune, "p": RDFS.label, "o": Literal("Une", lang="fr"), "g": press},
            {"s": commune, "p": RDF.type, "o": URIRef("http://rdf.insee.fr/def/geo#Commune"), "g": cog},
            {"s": commune, "p": OWL.sameAs, "o": insee, "g": cog},
            {"s": commune, "p": SKOS.exactMatch, "o": wikidata, "g": ids},
            {"s": link, "p": TI.linkSubject, "o": commune, "g": ids},
            {"s": link, "p": TI.linkTarget, "o": wikidata, "g": ids},
            {"s": link, "p": TI.verificationStatus, "o": status, "g": ids}]
    linker = Linker(base=BASE, lang="fr", labels={str(status): [Literal("confirmé", lang="fr")]})
    page = resource_model(iri=str(commune), rows=rows, linker=linker, page_url=str(commune))
    label_row = next(g for g in page["facts"] if g["predicate"]["iri"] == str(RDFS.label))
    assert [s["iri"] for s in label_row["values"][0]["sources"]] == [f"{BASE}id/source/cog", f"{BASE}id/source/presse"]
    assert [(i["register"], i["status"]["label"] if i["status"] else None) for i in page["identifiers"]] == [
        ("INSEE", None), ("Wikidata", "confirmé")]
    assert page["inbound"][0]["predicate"]["iri"] == str(TI.linkSubject)
    assert page["schema_org"]["sameAs"] == [str(insee), str(wikidata)]


def test_describe_graph_follows_fragments_two_steps(union):
    iri = f"{BASE}id/annotation/territoires-124"
    described = describe_graph(union, iri)
    subjects = {str(s) for s in described.subjects()}
    assert {iri, f"{iri}#cible", f"{iri}#selecteur"} <= subjects


def test_rows_from_json():
    body = (b'{"head": {"vars": ["x", "l"]}, "results": {"bindings": [{"x": {"type": "uri", "value": "http://a"}, '
            b'"l": {"type": "literal", "value": "A", "xml:lang": "fr"}}]}}')
    assert rows_from_json(body) == [{"x": URIRef("http://a"), "l": Literal("A", lang="fr")}]
