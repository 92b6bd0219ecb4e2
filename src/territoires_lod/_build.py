"""The build pipeline: records → graph → validation (stops here on failure) → dumps."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset

from ._catalog import describe_dataset
from ._errors import ValidationFailed
from ._graph import build_graph
from ._namespaces import Iris
from ._project import Project
from ._records import load_records
from ._validate import Report, validate_graph


@dataclass(frozen=True)
class BuildResult:
    dataset: Dataset
    report: Report
    files: dict[str, bytes]


class Progress:
    """Prints each step with the time it took, so long steps are visible."""

    def __init__(self, emit: Callable[[str], None]) -> None:
        self.emit = emit
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        self.emit(f"[{time.perf_counter() - self.start:5.2f}s] {message}")


def check_dataset(project: Project, *, iris: Iris, progress: Callable[[str], None]) -> tuple[Dataset, Report]:
    progress(f"reading {project.data}/")
    records = load_records(project.data)
    progress("building the graph")
    dataset = build_graph(records, iris=iris)
    progress(f"validating with {project.shapes}/ and {project.checks}/")
    report = validate_graph(dataset, shapes_dir=project.shapes, checks_dir=project.checks)
    return dataset, report


def build(project: Project = Project(), *, iris: Iris | None = None,
          progress: Callable[[str], None] = lambda _m: None) -> BuildResult:
    """Validate, then write every dump into `project.dist`; on any error nothing is written."""
    from ._dumps import rdfxml_bytes, sorted_graph, write_dumps  # here: keeps `validate` free of serialiser imports

    iris = iris or Iris()
    dataset, report = check_dataset(project, iris=iris, progress=progress)
    if not report.conforms:
        raise ValidationFailed(report)
    progress(f"writing dumps to {project.dist}/")
    extra = {"ontology.ttl": _ontology_bytes(project.ontology),
             "shapes.ttl": _concat_shapes(project.shapes)}

    def describe(dumps: dict[str, bytes]) -> dict[str, bytes]:
        catalogue = sorted_graph(describe_dataset(dataset, dumps, iris=iris))
        return {
            "catalogue.ttl": catalogue.serialize(format="turtle", encoding="utf-8"),
            "catalogue.rdf": rdfxml_bytes(catalogue),
        }

    files = write_dumps(dataset, dist_dir=project.dist, extra_files=extra, describe=describe,
                        progress=progress)
    progress(f"done: {len(files)} files in {project.dist}/")
    return BuildResult(dataset, report, files)


def _ontology_bytes(path: Path) -> bytes:
    from rdflib import Graph

    from ._validate import parse_rdf

    parse_rdf(Graph(), path)  # refuse to publish an ontology that does not parse
    return path.read_bytes()


def _concat_shapes(shapes_dir: Path) -> bytes:
    from ._validate import load_shapes

    from ._dumps import sorted_graph

    return sorted_graph(load_shapes(shapes_dir)).serialize(format="turtle", encoding="utf-8")
