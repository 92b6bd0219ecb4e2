"""The ti: ontology: header, bilingual documentation, coverage of the data, no blank nodes, rapper."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from territoires_lod._graph import build_graph
from territoires_lod._records import load_records
from territoires_lod._validate import union_graph

ROOT = Path(__file__).parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "territoires-industrie.ttl"
DATA_DIR = ROOT / "data"
SRC_DIR = ROOT / "src" / "territoires_lod"

TI = "https://w3id.org/territoires-industrie/def#"
ONTOLOGY = URIRef("https://w3id.org/territoires-industrie/def")
VERSION_IRI = URIRef("https://w3id.org/territoires-industrie/def/1.0.0")
ETALAB_2 = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
VANN = "http://purl.org/vocab/vann/"
TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty}


def _is_ti(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(TI)


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def data() -> Graph:
    return union_graph(build_graph(load_records(DATA_DIR)))


@pytest.fixture(scope="module")
def terms(onto: Graph) -> set[URIRef]:
    found = {s for s in onto.subjects() if _is_ti(s)}
    assert found, "the ontology declares no ti: term"
    return found


# --- header ------------------------------------------------------------------------------------

def test_ontology_header(onto: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto
    assert set(onto.objects(ONTOLOGY, OWL.versionIRI)) == {VERSION_IRI}
    assert set(onto.objects(ONTOLOGY, OWL.versionInfo)) == {Literal("1.0.0")}
    assert set(onto.objects(ONTOLOGY, DCTERMS.license)) == {ETALAB_2}
    for prop in (DCTERMS.title, DCTERMS.description):
        langs = sorted(o.language for o in onto.objects(ONTOLOGY, prop))
        assert langs == ["en", "fr"], f"{prop}: one value in French and one in English, got {langs}"
    assert set(onto.objects(ONTOLOGY, URIRef(VANN + "preferredNamespacePrefix"))) == {Literal("ti")}
    assert {str(o) for o in onto.objects(ONTOLOGY, URIRef(VANN + "preferredNamespaceUri"))} == {TI}
    for prop in (DCTERMS.created, DCTERMS.modified):
        assert set(onto.objects(ONTOLOGY, prop)) == {Literal("2026-11-26", datatype=XSD.date)}
    assert not list(onto.objects(ONTOLOGY, OWL.imports)), "reused vocabularies are referenced, not imported"


# --- every term documented in French and English -------------------------------------------------

def test_every_term_is_typed_and_defined_by_the_ontology(onto: Graph, terms: set[URIRef]) -> None:
    for term in sorted(terms):
        types = set(onto.objects(term, RDF.type)) & TERM_TYPES
        assert len(types) == 1, f"{term}: exactly one of owl:Class, owl:ObjectProperty, owl:DatatypeProperty"
        assert set(onto.objects(term, RDFS.isDefinedBy)) == {ONTOLOGY}, f"{term}: rdfs:isDefinedBy"


@pytest.mark.parametrize("prop, exactly_one", [(RDFS.label, True), (SKOS.definition, False)])
def test_every_term_has_french_and_english(onto: Graph, terms: set[URIRef], prop: URIRef,
                                           exactly_one: bool) -> None:
    problems = []
    for term in sorted(terms):
        values = list(onto.objects(term, prop))
        for lang in ("fr", "en"):
            n = sum(1 for v in values if isinstance(v, Literal) and v.language == lang and str(v).strip())
            if n == 0 or (exactly_one and n != 1):
                problems.append(f"{term} {prop}@{lang}: {n}")
        untagged = [v for v in values if not (isinstance(v, Literal) and v.language in ("fr", "en"))]
        if untagged:
            problems.append(f"{term} {prop}: values not tagged @fr/@en: {untagged}")
    assert not problems, "\n".join(problems)


def test_every_ti_iri_the_ontology_mentions_is_declared(onto: Graph, terms: set[URIRef]) -> None:
    mentioned = {t for triple in onto for t in triple if _is_ti(t)}
    assert mentioned <= terms, f"mentioned but not declared: {sorted(mentioned - terms)}"


def test_perimeter_member_is_reserved(onto: Graph) -> None:
    term = URIRef(TI + "perimeterMember")
    assert (term, RDF.type, OWL.ObjectProperty) in onto
    assert (term, RDFS.domain, URIRef(TI + "IndustryTerritory")) in onto


# --- the ontology covers the data and the code -----------------------------------------------------

def test_every_ti_term_of_the_data_is_declared(onto: Graph, data: Graph) -> None:
    classes = {o for o in data.objects(None, RDF.type) if _is_ti(o)}
    predicates = {p for p in data.predicates() if _is_ti(p)}
    others = {t for s, p, o in data for t in (s, o) if _is_ti(t)} - classes
    assert classes and predicates
    undeclared = sorted(c for c in classes if (c, RDF.type, OWL.Class) not in onto)
    assert not undeclared, f"classes used in the data but not declared owl:Class: {undeclared}"
    undeclared = sorted(p for p in predicates if not set(onto.objects(p, RDF.type)) & PROPERTY_TYPES)
    assert not undeclared, f"predicates used in the data but not declared: {undeclared}"
    undeclared = sorted(t for t in others if not set(onto.objects(t, RDF.type)) & TERM_TYPES)
    assert not undeclared, f"ti: IRIs in the data but not declared: {undeclared}"


def test_every_ti_term_of_the_code_is_declared(onto: Graph) -> None:
    """Catches terms the code can write but the current data does not use (e.g. ti:retrieved)."""
    pattern = re.compile(r"\bTI(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*[\"']([^\"']+)[\"']\s*\])")
    names = {a or b for path in SRC_DIR.glob("*.py") for a, b in pattern.findall(path.read_text("utf-8"))}
    assert names, "no TI.<term> reference found in the code"
    undeclared = sorted(n for n in names if not set(onto.objects(URIRef(TI + n), RDF.type)) & TERM_TYPES)
    assert not undeclared, f"terms written by the code but not declared: {undeclared}"


def test_property_kinds_match_the_data(onto: Graph, data: Graph) -> None:
    problems = []
    for s, p, o in data:
        if not _is_ti(p):
            continue
        if (p, RDF.type, OWL.DatatypeProperty) in onto and not isinstance(o, Literal):
            problems.append(f"{p} is a datatype property but has {o!r}")
        if (p, RDF.type, OWL.ObjectProperty) in onto and isinstance(o, Literal):
            problems.append(f"{p} is an object property but has {o!r}")
    assert not problems, "\n".join(sorted(set(problems)))


def _literal_fits(value: Literal, rng: URIRef) -> bool:
    if rng == RDFS.Literal:
        return True
    if rng == RDF.langString:
        return value.language is not None
    datatype = value.datatype or (None if value.language else XSD.string)
    return datatype == rng


def test_domains_and_ranges_agree_with_the_data(onto: Graph, data: Graph) -> None:
    """Literal ranges are checked exactly. Class domains and ranges are checked where the class is
    one the data types things with (or a ti: class), using the ontology's own subclass axioms;
    external classes the data never names (schema:Place…) would need their vocabulary to check."""
    checkable = set(data.objects(None, RDF.type)) | {s for s in onto.subjects(RDF.type, OWL.Class)}

    def has_type(node, cls) -> bool:
        return any(cls in onto.transitive_objects(t, RDFS.subClassOf) for t in data.objects(node, RDF.type))

    problems = []
    for s, p, o in data:
        if not _is_ti(p):
            continue
        for dom in onto.objects(p, RDFS.domain):
            if dom in checkable and not has_type(s, dom):
                problems.append(f"{p} domain {dom}: {s}")
        for rng in onto.objects(p, RDFS.range):
            if isinstance(o, Literal):
                if not _literal_fits(o, rng):
                    problems.append(f"{p} range {rng}: {o!r}")
            elif rng in checkable and not has_type(o, rng):
                problems.append(f"{p} range {rng}: {o}")
    assert not problems, "\n".join(sorted(set(problems)))


# --- syntax ----------------------------------------------------------------------------------------

def test_no_blank_nodes(onto: Graph) -> None:
    blanks = [triple for triple in onto if any(isinstance(t, BNode) for t in triple)]
    assert not blanks, f"blank nodes in the ontology: {blanks[:5]}"


def test_rapper_parses_the_ontology(onto: Graph) -> None:
    rapper = shutil.which("rapper")
    if rapper is None:
        reason = "rapper (raptor2-utils) is not on PATH: the independent Turtle parse was not checked"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    run = subprocess.run([rapper, "-i", "turtle", "-c", str(ONTOLOGY_FILE)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "error" not in run.stderr.lower() and "warning" not in run.stderr.lower(), run.stderr
    count = re.search(r"returned (\d+) triples", run.stderr)
    assert count and int(count.group(1)) == len(onto), run.stderr
