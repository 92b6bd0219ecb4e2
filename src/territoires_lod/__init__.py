"""territoires-lod: the Territoires d’industrie announcement of 22 November 2018 as linked data.

Public API (everything else is private and may change):
    load_records(data_dir)            → Records   (checked source data)
    build_graph(records, iris=…)      → rdflib.Dataset (one named graph per source)
    validate_graph(dataset, …)        → Report    (SHACL + check queries)
    write_dumps(dataset, dist_dir=…)  → files written to dist/
    build(Project(root), …)           → the whole pipeline
    load_examples(queries_dir)        → list[Example] (example queries with French and English titles)
"""

from ._build import BuildResult, Project, build
from ._dumps import FORMATS, write_dumps
from ._errors import DataError, DataErrors, ValidationFailed
from ._examples import Example, load_examples
from ._graph import build_graph
from ._namespaces import CANONICAL_BASE, TI, Iris
from ._records import Records, load_records
from ._validate import Report, Violation, validate_graph

__all__ = [
    "CANONICAL_BASE", "FORMATS", "TI", "BuildResult", "DataError", "DataErrors", "Example", "Iris", "Project",
    "Records", "Report", "ValidationFailed", "Violation", "build", "build_graph", "load_examples", "load_records",
    "validate_graph", "write_dumps",
]
__version__ = "1.0.0"
