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


_COMMAND_ROWS = (
    "commune/65440,http://www.wikidata.org/entity/Q999999001,wikidata-P374,http://127.0.0.1:1/query,2026-01-02,"
    "confirmed-by-code,wikidata\n"
    "commune/11076,http://www.wikidata.org/entity/Q999999003,wikidata-P374,http://127.0.0.1:1/query,2026-01-02,"
    "conflict,wikidata\n")


def test_links_found_by_the_command_are_described_but_not_asserted(tmp_path):
    from rdflib.namespace import SKOS

    from territoires_lod import validate_graph

    project = copy_project(tmp_path)
    path = project.data / "linkset.csv"
    path.write_text(path.read_text(encoding="utf-8") + _COMMAND_ROWS, encoding="utf-8")
    dataset = build_graph(load_records(project.data))
    wikidata = dataset.graph(URIRef(BASE + "graph/wikidata"))
    tarbes, castelnaudary = URIRef(BASE + "id/commune/65440"), URIRef(BASE + "id/commune/11076")
    link = URIRef(BASE + "id/lien/commune-65440-q999999001")
    assert wikidata.value(link, TI.verificationStatus) == URIRef(BASE + "id/statut-verification/confirme-par-code")
    assert (tarbes, SKOS.exactMatch, None) not in wikidata
    assert (castelnaudary, SKOS.exactMatch, URIRef("http://www.wikidata.org/entity/Q999999003")) not in wikidata
    report = validate_graph(dataset, shapes_dir=project.shapes, checks_dir=project.checks)
    assert report.conforms, report.text()


def test_the_same_link_twice_is_refused(tmp_path):
    project = copy_project(tmp_path)
    path = project.data / "linkset.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + text.splitlines(keepends=True)[-1], encoding="utf-8")
    with pytest.raises(DataError, match="already listed on line 32") as info:
        build_graph(load_records(project.data))
    assert (info.value.line, info.value.field) == (33, "target")
