"""The page of the SHACL shapes: each named shape, what it targets and its message."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from ._linkeddata import SHAPES_IRI
from ._pages import Linker, pick_label

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path)


def shapes_model(shapes: Graph, *, linker: Linker) -> list[dict]:
    found = []
    named = {s for kind in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, kind)}
    named |= {s for s in shapes.subjects(SH.path, None) if isinstance(s, URIRef)}
    for shape in sorted(n for n in named if str(n).startswith(SHAPES_IRI + "#")):
        messages = [m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)]
        targets = [linker.value(t) for p in TARGETS for t in shapes.objects(shape, p) if isinstance(t, URIRef)]
        found.append({"anchor": str(shape).split("#", 1)[1], "iri": str(shape), "targets": targets,
                      "message": pick_label(messages, linker.lang) or ""})
    return found
