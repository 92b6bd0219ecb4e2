"""SHACL shapes (shapes/*.ttl) and check queries (queries/checks/*-violation.rq).

- The real dataset conforms: no SHACL result of any severity, no check-query row.
- Every named shape has at least one invalid fixture, and every fixture fails on exactly the
  shape its header names (tests/fixtures/invalid/<name>.ru, first line `# shape: <shape IRI>`):
  the set of sh:sourceShape of the results must be that one shape, nothing more, nothing less.
- Every check query has a fixture on which it returns rows (`# check: <file name>`).
- Fixtures are SPARQL Updates applied to a copy of the union graph of the real dataset.

Speed: validations run with the parsed-query cache of `prepared_sparql` (as the build does),
and the fixtures are validated in parallel worker processes.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import processor

from territoires_lod._validate import load_shapes, prepared_sparql, validate_graph

ROOT = Path(__file__).resolve().parents[1]
SHAPES_DIR = ROOT / "shapes"
CHECKS_DIR = ROOT / "queries" / "checks"
FIXTURES_DIR = ROOT / "tests" / "fixtures" / "invalid"

TIS = Namespace("https://w3id.org/territoires-industrie/shapes#")
ID = "https://w3id.org/territoires-industrie/id/"

SHAPE_FIXTURES = sorted(p for p in FIXTURES_DIR.glob("*.ru") if not p.name.startswith("check-"))
CHECK_FIXTURES = sorted(FIXTURES_DIR.glob("check-*.ru"))
CHECKS = sorted(CHECKS_DIR.glob("*-violation.rq"))

# Parameters of the SHACL Core constraint components (plus sh:sparql): a shape having one of
# them checks something itself, so it can produce validation results.
CONSTRAINT_PARAMETERS = {
    SH[name] for name in (
        "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive",
        "maxExclusive", "maxInclusive", "minLength", "maxLength", "pattern", "languageIn", "uniqueLang",
        "equals", "disjoint", "lessThan", "lessThanOrEquals", "not", "and", "or", "xone", "node",
        "qualifiedValueShape", "closed", "hasValue", "in", "sparql")
}


# --- helpers ------------------------------------------------------------------------------------------------------

def header(path: Path) -> tuple[str, str]:
    """('shape', IRI) or ('check', file name), from the first line of a fixture."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# (shape|check): (\S+)\s*", first)
    assert match, f"{path.name}: first line must be '# shape: <IRI>' or '# check: <file>', got {first!r}"
    return match.group(1), match.group(2)


def copy_graph(graph: Graph) -> Graph:
    copy = Graph()
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace, override=True)
    for triple in graph:
        copy.add(triple)
    return copy


def apply_fixture(union: Graph, path: Path) -> Graph:
    graph = copy_graph(union)
    graph.update(path.read_text(encoding="utf-8"))
    assert set(graph) != set(union), f"{path.name} changes nothing: its WHERE clause matched no data"
    return graph


def shacl_results(graph: Graph, shapes: Graph) -> list[dict]:
    """Every SHACL result, whatever its severity, as {shape, focus, severity, messages}."""
    _, results, text = pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=True,
                                        inplace=True)
    if not isinstance(results, Graph):  # pyshacl could not run the shapes at all
        raise AssertionError(text)
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        found.append({
            "shape": str(results.value(result, SH.sourceShape)),
            "focus": str(results.value(result, SH.focusNode)),
            "severity": str(results.value(result, SH.resultSeverity)),
            "messages": [(m.language, str(m)) for m in results.objects(result, SH.resultMessage)],
        })
    return found


ENGINES = ("rdflib", "oxigraph")  # validate_graph runs the check queries with Oxigraph; both must agree


def run_check(graph: Graph, check: Path, engine: str) -> list[dict[str, str]]:
    """The rows of a check query, as {variable: lexical value}."""
    text = check.read_text(encoding="utf-8")
    if engine == "rdflib":
        return [{k: str(v) for k, v in row.asdict().items()} for row in graph.query(text)]
    ox = pytest.importorskip("pyoxigraph")
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    rows = store.query(text)
    return [{v.value: str(row[v].value) for v in rows.variables if row[v] is not None} for row in rows]


def named_shapes(shapes: Graph) -> set[URIRef]:
    declared = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    referenced = set(shapes.objects(None, SH.property))
    return {s for s in declared | referenced if isinstance(s, URIRef)}


# --- speed: parse each SPARQL text once, validate the fixtures in worker processes ---------------------------------------

_ORIGINAL_QUERY = processor.SPARQLProcessor.query  # before prepared_sparql patches it


@pytest.fixture(scope="module", autouse=True)
def sparql_cache():
    with prepared_sparql() as cache:
        yield cache


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(SHAPES_DIR)


# What a fixture validation needs: set in this process, or built once by each worker process.
_STATE: dict = {}


def _init_worker() -> None:
    from territoires_lod import build_graph, load_records
    from territoires_lod._validate import union_graph

    cache = prepared_sparql()
    cache.__enter__()  # for the life of this worker process
    _STATE["sparql_cache"] = cache  # a dropped context manager would restore rdflib on collection
    _STATE.update(union=union_graph(build_graph(load_records(ROOT / "data"))), shapes=load_shapes(SHAPES_DIR))


def _validate_fixture(path_name: str) -> tuple[str, list[dict] | str]:
    try:
        graph = apply_fixture(_STATE["union"], FIXTURES_DIR / path_name)
        return path_name, shacl_results(graph, _STATE["shapes"])
    except Exception as exc:  # noqa: BLE001 - reported by the test of that fixture
        return path_name, f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="module")
def fixture_results(union, shapes, sparql_cache) -> dict[str, list[dict] | str]:
    """The SHACL results of every shape fixture, computed once, in worker processes when the
    machine has several cores. Workers are fresh processes (spawn): forked from the test process,
    they would copy every memory page they touch, which costs more than building the graph again.
    SHAPES_TEST_WORKERS=1 validates in this process."""
    names = [p.name for p in SHAPE_FIXTURES]
    workers = int(os.environ.get("SHAPES_TEST_WORKERS", min(4, os.cpu_count() or 1)))
    if workers > 1:
        try:
            with multiprocessing.get_context("spawn").Pool(workers, initializer=_init_worker) as pool:
                return dict(pool.map(_validate_fixture, names, chunksize=2))
        except OSError:  # no process pool here (e.g. no semaphores): validate in this process
            pass
    _STATE.update(union=union, shapes=shapes)
    return dict(map(_validate_fixture, names))


# --- the real data -------------------------------------------------------------------------------------------------------

def test_real_dataset_conforms(dataset):
    report = validate_graph(dataset, shapes_dir=SHAPES_DIR, checks_dir=CHECKS_DIR)
    assert report.conforms, report.text()
    assert not report.warnings, report.text()


def test_real_dataset_has_no_result_of_any_severity(union, shapes):
    assert shacl_results(copy_graph(union), shapes) == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.name)
def test_check_query_returns_no_row_on_real_data(union, check, engine):
    assert run_check(union, check, engine) == []


# --- the shapes themselves ---------------------------------------------------------------------------------------------

def test_there_is_a_shape_for_every_class_of_the_data(union, shapes):
    used = set(union.objects(None, RDF.type))
    targeted = set(shapes.objects(None, SH.targetClass))
    assert used - targeted == set()


def test_shapes_are_named_under_the_shapes_namespace(shapes):
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            assert isinstance(shape, URIRef) and str(shape).startswith(str(TIS)), shape
    for shape in shapes.objects(None, SH.property):
        assert isinstance(shape, URIRef) and str(shape).startswith(str(TIS)), shape
    for shape in shapes.subjects(SH.sparql, None):
        assert isinstance(shape, URIRef), f"a shape with sh:sparql must be named: {shape}"


def test_every_named_shape_checks_something(shapes):
    """So that each can produce results, hence needs (and has) a fixture."""
    for shape in named_shapes(shapes):
        assert set(shapes.predicates(shape)) & CONSTRAINT_PARAMETERS, f"{shape} checks nothing itself"


def test_every_message_is_in_french_and_english(shapes):
    holders = [s for s in named_shapes(shapes) if set(shapes.predicates(s)) & (CONSTRAINT_PARAMETERS - {SH.sparql})]
    holders += list(shapes.objects(None, SH.sparql))
    assert holders
    for holder in holders:
        languages = sorted(m.language or "" for m in shapes.objects(holder, SH.message))
        assert languages == ["en", "fr"], f"{holder}: messages in {languages}, want one fr and one en"


def test_every_named_shape_has_a_fixture(shapes):
    covered = {URIRef(iri) for kind, iri in map(header, SHAPE_FIXTURES) if kind == "shape"}
    assert named_shapes(shapes) - covered == set(), "shapes without invalid fixture"
    assert covered - named_shapes(shapes) == set(), "fixtures naming unknown shapes"


# --- invalid fixtures: each fails on its shape only -------------------------------------------------------------------------

@pytest.mark.parametrize("fixture", SHAPE_FIXTURES, ids=lambda p: p.stem)
def test_fixture_fails_on_its_shape_only(fixture, fixture_results):
    kind, shape = header(fixture)
    assert kind == "shape"
    results = fixture_results[fixture.name]
    assert not isinstance(results, str), results
    failing = {r["shape"] for r in results}
    assert failing == {shape}, f"{fixture.name}: want exactly {{{shape}}}, got {sorted(failing)}"
    for r in results:
        assert r["severity"] == str(SH.Violation), r
        languages = sorted(language or "" for language, _ in r["messages"])
        # pyshacl drops the language tag of a SPARQL-based message when it fills in its variables.
        assert languages in (["en", "fr"], ["", ""]), f"{fixture.name}: result messages in {languages}: {r}"


SPARQL_CASES = f"""
    @prefix ti: <https://w3id.org/territoires-industrie/def#> .
    @prefix igeo: <http://rdf.insee.fr/def/geo#> .
    @prefix dct: <http://purl.org/dc/terms/> .
    @prefix schema: <https://schema.org/> .
    @base <{ID}> .
    <organisation/a> ti:siren "200034692" .
    <organisation/b> ti:siren "200034693" .
    <region/76> a igeo:Region .
    <region/84> a igeo:Region .
    <departement/15> a igeo:Departement ; ti:inRegion <region/84> .
    <commune/15014> a igeo:Commune ; ti:inDepartement <departement/15> ; ti:inRegion <region/76> .
    <source/s> a ti:Source .
    <territoire/t> a ti:IndustryTerritory ; dct:source <source/s> ; ti:inRegion <region/76> ;
        ti:namedPlace <departement/15> .
    <decompte/territoires> a ti:Count ; ti:countedThing <objet-decompte/territoires> ;
        ti:countScope <region/76> ; ti:countValue 2 ; dct:source <source/s> .
    <programme/p> a ti:Programme ; ti:priorityTheme <theme/a> .
    <decompte/themes> a ti:Count ; ti:countedThing <objet-decompte/thematiques> ; ti:countValue 4 ;
        schema:about <programme/p> .
"""


def test_sparql_constraints_and_the_query_cache(shapes, sparql_cache):
    """Each SPARQL-based constraint fires on a small graph made to break it, with the same results
    with and without the cache of parsed queries (what the build uses)."""
    graph = Graph().parse(data=SPARQL_CASES, format="turtle")
    cached = shacl_results(copy_graph(graph), shapes)
    patched, processor.SPARQLProcessor.query = processor.SPARQLProcessor.query, _ORIGINAL_QUERY
    try:
        plain = shacl_results(copy_graph(graph), shapes)
    finally:
        processor.SPARQLProcessor.query = patched

    def key(results):
        return sorted((r["shape"], r["focus"], sorted(r["messages"], key=str)) for r in results)

    assert key(cached) == key(plain)
    sparql_shapes = {str(s) for s in shapes.subjects(SH.sparql, None)}
    fired = {(r["shape"], r["focus"]) for r in cached if r["shape"] in sparql_shapes}
    assert fired == {
        (str(TIS["siren-luhn"]), f"{ID}organisation/b"),
        (str(TIS.DepartementInRegion), f"{ID}commune/15014"),
        (str(TIS["Territory-namedPlaceRegion"]), f"{ID}territoire/t"),
        (str(TIS["Count-territoriesInRegion"]), f"{ID}decompte/territoires"),
        (str(TIS["Count-priorityThemes"]), f"{ID}decompte/themes"),
    }


# --- check queries ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.name)
def test_check_query_is_described_in_french_and_english(check):
    lines = check.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.startswith("# ")]
    assert lines[0].startswith("# title: [fr] ")
    for field in ("title", "description"):
        for language in ("fr", "en"):
            assert any(line.startswith(f"# {field}: [{language}] ") for line in comments), (field, language)


def test_every_check_query_has_a_fixture():
    covered = {iri for kind, iri in map(header, CHECK_FIXTURES) if kind == "check"}
    assert {c.name for c in CHECKS} - covered == set(), "check queries without fixture"
    assert covered - {c.name for c in CHECKS} == set(), "fixtures naming unknown check queries"
    for fixture in CHECK_FIXTURES:
        assert fixture.name == f"check-{Path(header(fixture)[1]).stem}.ru"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fixture", CHECK_FIXTURES, ids=lambda p: p.stem)
def test_check_fixture_makes_its_query_return_rows(fixture, union, engine):
    _, check = header(fixture)
    rows = run_check(apply_fixture(union, fixture), CHECKS_DIR / check, engine)
    assert rows, f"{check} returns no row on {fixture.name}"
    for row in rows:
        assert {"focus", "path", "message"} <= row.keys(), row
        assert " / " in row["message"], f"message not in French and English: {row['message']}"


# --- SIREN and INSEE codes on small graphs ---------------------------------------------------------------------------------

def _failing_shapes(shapes: Graph, turtle: str) -> set[str]:
    graph = Graph().parse(data="""
        @prefix ti: <https://w3id.org/territoires-industrie/def#> .
        @prefix igeo: <http://rdf.insee.fr/def/geo#> .
        @prefix schema: <https://schema.org/> .
        """ + turtle, format="turtle")
    return {r["shape"] for r in shacl_results(graph, shapes)}


@pytest.mark.parametrize(("siren", "expected"), [
    ("200034692", set()),              # CA du Gard Rhodanien
    ("211100763", set()),              # commune of Castelnaudary
    ("180020026", set()),              # Caisse des dépôts
    ("000000000", set()),              # the Luhn sum of nine zeros is 0
    ("200034693", {TIS["siren-luhn"]}),
    ("211100764", {TIS["siren-luhn"]}),
    ("123456789", {TIS["siren-luhn"]}),
    ("21110076", {TIS["siren-format"]}),
    ("2111007630", {TIS["siren-format"]}),
    ("21110076A", {TIS["siren-format"]}),
    ("211 100 763", {TIS["siren-format"]}),
])
def test_siren_format_and_luhn(shapes, siren, expected):
    failing = _failing_shapes(shapes, f'<{ID}organisation/x> ti:siren "{siren}" .')
    assert failing == {str(s) for s in expected}


def _code_failures(shapes: Graph, kind: str, code: str) -> set[str]:
    klass = {"region": "Region", "departement": "Departement", "commune": "Commune"}[kind]
    failing = _failing_shapes(shapes, f'<{ID}{kind}/{code}> a igeo:{klass}, schema:AdministrativeArea ; '
                                      f'igeo:codeINSEE "{code}" ; '
                                      f'<http://www.w3.org/2002/07/owl#sameAs> <http://id.insee.fr/geo/{kind}/{code}> .')
    relevant = {str(TIS[klass]), str(TIS[f"{klass}-codeINSEE"]), str(TIS[f"{klass}-sameAs"])}
    return failing & relevant


@pytest.mark.parametrize("code", ["01", "11", "44", "76", "84", "94"])
def test_region_code_accepted(shapes, code):
    assert _code_failures(shapes, "region", code) == set()


@pytest.mark.parametrize("code", ["1", "076", "7A", "2A"])
def test_region_code_refused(shapes, code):
    assert _code_failures(shapes, "region", code) == {str(TIS.Region), str(TIS["Region-codeINSEE"]),
                                                      str(TIS["Region-sameAs"])}


@pytest.mark.parametrize("code", ["01", "09", "19", "21", "2A", "2B", "64", "95", "971", "974", "976"])
def test_departement_code_accepted(shapes, code):
    assert _code_failures(shapes, "departement", code) == set()


@pytest.mark.parametrize("code", ["00", "20", "96", "97", "977", "978", "2C", "2a", "1", "100"])
def test_departement_code_refused(shapes, code):
    assert _code_failures(shapes, "departement", code) == {
        str(TIS.Departement), str(TIS["Departement-codeINSEE"]), str(TIS["Departement-sameAs"])}


@pytest.mark.parametrize("code", ["01001", "11262", "2A004", "2B033", "75056", "95690", "97101", "97411", "97611"])
def test_commune_code_accepted(shapes, code):
    assert _code_failures(shapes, "commune", code) == set()


@pytest.mark.parametrize("code", ["2C001", "20001", "00001", "96001", "97701", "9710", "110760", "2a004"])
def test_commune_code_refused(shapes, code):
    assert _code_failures(shapes, "commune", code) == {
        str(TIS.Commune), str(TIS["Commune-codeINSEE"]), str(TIS["Commune-sameAs"])}
