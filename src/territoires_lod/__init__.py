"""territoires-lod: the Territoires d’industrie announcement of 22 November 2018 as linked data.

Public API (everything else is private and may change):
    load_records(data_dir)            → Records   (checked source data)
    build_graph(records, iris=…)      → rdflib.Dataset (one named graph per source)
    validate_graph(dataset, …)        → Report    (SHACL + check queries)
    write_dumps(dataset, dist_dir=…)  → files written to dist/
    build(Project(root), …)           → the whole pipeline
    load_examples(queries_dir)        → list[Example] (example queries with French and English titles)
"""

from ._exports import lazy_exports

# Imported on first use: the command line and the server's processes load rdflib only if they need it.
_EXPORTS = {"BuildResult": "_build", "Project": "_project", "build": "_build", "FORMATS": "_dumps",
            "write_dumps": "_dumps", "DataError": "_errors", "DataErrors": "_errors",
            "ValidationFailed": "_errors", "Example": "_examples", "load_examples": "_examples",
            "build_graph": "_graph", "CANONICAL_BASE": "_base", "TI": "_namespaces", "Iris": "_namespaces",
            "Records": "_records", "load_records": "_records", "Report": "_validate", "Violation": "_validate",
            "validate_graph": "_validate"}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__version__ = "1.0.0"
