"""Validate the graph before anything is published: SHACL shapes, then check queries.

Check queries follow a naming contract: `queries/checks/*-violation.rq` are SELECTs that must
return no rows; each row is reported as a violation (with ?focus, ?path, ?message if bound).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

from ._errors import DataError
from ._namespaces import SH


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    constraint: str  # the source shape (or check file) and its constraint component
    message: str
    severity: str = "Violation"


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self) -> str:
        if self.conforms and not self.warnings:
            return "Conforms: no violation.\n"
        lines = []
        for v in self.violations + self.warnings:
            lines.append(f"[{v.severity}] {v.constraint}\n  focus: {v.focus}\n  path: {v.path}\n"
                         f"  message: {v.message}")
        lines.append(f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s).")
        return "\n".join(lines) + "\n"


def load_shapes(shapes_dir: Path) -> Graph:
    paths = sorted(shapes_dir.glob("*.ttl"))
    if not paths:
        raise DataError("no SHACL shapes (*.ttl) found", path=shapes_dir)
    shapes = Graph()
    for path in paths:
        parse_rdf(shapes, path)
    return shapes


def parse_rdf(graph: Graph, path: Path, rdf_format: str = "turtle") -> Graph:
    """Parse a file into `graph`, turning parser errors into a DataError naming the file."""
    try:
        return graph.parse(path, format=rdf_format)
    except FileNotFoundError:
        raise DataError("file not found", path=path) from None
    except Exception as exc:  # noqa: BLE001 - rdflib parsers raise many types; all mean bad input
        raise DataError(f"not valid {rdf_format}: {exc}", path=path) from None


def union_graph(dataset: Dataset) -> Graph:
    """The default graph of the dumps: every statement of every named graph, once."""
    union = Graph()
    for prefix, ns in dataset.namespaces():
        union.bind(prefix, ns, override=True)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def validate_graph(dataset: Dataset | Graph, *, shapes_dir: Path = Path("shapes"),
                   checks_dir: Path = Path("queries/checks")) -> Report:
    """SHACL-validate the union graph with the shapes in `shapes_dir`, then run the check queries."""
    import pyshacl  # imported here: slow to import, and only validation needs it

    data = union_graph(dataset) if isinstance(dataset, Dataset) else dataset
    shapes = load_shapes(shapes_dir)
    with prepared_sparql():
        _, results, text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                            advanced=True, allow_warnings=True)
    if not isinstance(results, Graph):  # pyshacl could not run the shapes at all
        raise DataError(f"the shapes cannot be run: {text}", path=shapes_dir)
    report = Report()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        shape = results.value(result, SH.sourceShape)
        component = results.value(result, SH.sourceConstraintComponent)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        v = Violation(
            focus=str(results.value(result, SH.focusNode)),
            path=_short(data, results.value(result, SH.resultPath)),
            constraint=f"{_short(shapes, shape)} ({_short(shapes, component)})",
            message=" / ".join(messages) or "(no message)",
            severity=_short(shapes, severity).split(":")[-1],
        )
        (report.violations if severity == SH.Violation else report.warnings).append(v)
    report.violations.extend(run_checks(data, checks_dir))
    report.violations.sort(key=lambda v: (v.constraint, v.focus, v.path, v.message))
    report.warnings.sort(key=lambda v: (v.constraint, v.focus, v.path, v.message))
    return report


@contextmanager
def prepared_sparql() -> Iterator[dict]:
    """Parse each SPARQL text once while the block runs.

    pyshacl hands rdflib the text of a SPARQL-based constraint for every focus node, and rdflib
    parses it every time (~3 s of a 3.5 s validation here); a parsed query is reusable with any
    initial bindings, so cache it by text. Restored on exit: rdflib behaves as usual outside.
    """
    from rdflib.plugins.sparql import processor
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    original = processor.SPARQLProcessor.query
    cache: dict = {}

    def query(self, str_or_query, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(str_or_query, str):
            key = (str_or_query, base, frozenset((initNs or {}).items()))
            if key not in cache:
                cache[key] = translateQuery(parseQuery(str_or_query), base, initNs)
            str_or_query = cache[key]
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    try:
        yield cache
    finally:
        processor.SPARQLProcessor.query = original


def run_checks(data: Graph, checks_dir: Path) -> list[Violation]:
    """Run every `*-violation.rq` with Oxigraph (fast); each row is a violation."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    found = []
    for path in sorted(checks_dir.glob("*-violation.rq")):
        try:
            rows = store.query(path.read_text(encoding="utf-8"))
        except SyntaxError as exc:
            raise DataError(f"not a valid SPARQL query: {exc}", path=path) from None
        for row in rows:
            values = {v.value: row[v] for v in rows.variables if row[v] is not None}
            found.append(Violation(
                focus=_term(values.get("focus")), path=_term(values.get("path")),
                constraint=f"check {path.name}",
                message=_term(values.get("message")) or "the check query returned a row"))
    return found


def _term(term) -> str:
    return "" if term is None else str(term.value)


def _short(graph: Graph, node) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - any IRI that cannot be shortened is shown whole
            return str(node)
    return str(node)
