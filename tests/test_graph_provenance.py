import hashlib

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from territoires_lod import DataError, build_graph, load_records
from territoires_lod._namespaces import OA, SPDX, TI

from .conftest import copy_project, require_shared

BASE = "https://w3id.org/territoires-industrie/"
SOURCE = URIRef(BASE + "id/source/annonce-2018-11-22")


def test_every_quote_is_in_the_source_text(records, union):
    text = require_shared("sources/announcement-2018-11-22.txt").read_text(encoding="utf-8")
    quotes = [str(q) for q in union.objects(None, OA.exact)]
    assert len(quotes) == len(records.annotations) >= 30
    for quote in quotes:
        assert quote in text, quote
        assert len(quote) <= 90, f"quote too long, keep the words of the fact: {quote!r}"


def test_source_is_identified_by_title_and_sha256(records, union):
    path = require_shared("sources/announcement-2018-11-22.txt")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    checksum = union.value(SOURCE, SPDX.checksum)
    assert str(union.value(checksum, SPDX.checksumValue)) == digest
    title = str(union.value(SOURCE, DCTERMS.title))
    assert path.read_text(encoding="utf-8").splitlines()[2] == title


def test_nothing_invented_about_the_primary_source(union):
    assert union.value(SOURCE, DCTERMS.publisher) is None
    assert union.value(SOURCE, DCTERMS.date) is None
    assert (SOURCE, URIRef("https://schema.org/url"), None) not in union


def test_annotations_point_at_facts_of_the_announcement(union):
    annotations = list(union.subjects(RDF.type, OA.Annotation))
    for annotation in annotations:
        target = union.value(annotation, OA.hasTarget)
        assert union.value(target, OA.hasSource) == SOURCE
        selector = union.value(target, OA.hasSelector)
        assert (selector, RDF.type, OA.TextQuoteSelector) in union
        assert union.value(annotation, TI.supportsProperty) is not None
        for body in union.objects(annotation, OA.hasBody):
            assert (body, DCTERMS.source, SOURCE) in union
    count = URIRef(BASE + "id/decompte/territoires-national-2018-11-22")
    quoted = {str(union.value(union.value(union.value(a, OA.hasTarget), OA.hasSelector), OA.exact))
              for a in union.subjects(OA.hasBody, count)}
    assert quoted == {"124 territoires identifiés par la mission"}


def test_sources_graphs_are_named(union):
    graph = union.value(SOURCE, TI.statementsGraph)
    assert graph == URIRef(BASE + "graph/annonce-2018-11-22")


def test_annotation_about_an_unknown_resource_is_refused(tmp_path):
    project = copy_project(tmp_path)
    path = project.data / "annotations.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "programme-nom,programme/territoires-d-industrie", "programme-nom,programme/inconnu"), encoding="utf-8")
    with pytest.raises(DataError) as info:
        build_graph(load_records(project.data))
    assert (info.value.path.name, info.value.line, info.value.field) == ("annotations.csv", 2, "about")


def test_link_to_an_unknown_entity_is_refused(tmp_path):
    project = copy_project(tmp_path)
    path = project.data / "linkset.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("commune/11262,", "commune/11263,"), encoding="utf-8")
    with pytest.raises(DataError, match="'commune/11263' is not a resource of the dataset") as info:
        build_graph(load_records(project.data))
    assert info.value.field == "entity"


def test_quote_literals_are_french(union):
    for quote in union.objects(None, OA.exact):
        assert isinstance(quote, Literal) and quote.language == "fr"
