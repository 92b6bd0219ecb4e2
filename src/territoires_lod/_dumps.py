"""Dumps: the dataset in every format reusers expect, written deterministically and atomically.

Determinism: statements are sorted before serialising, so two builds give identical bytes.
Atomicity: everything is written to a temporary folder beside `dist/`, then swapped in.
"""

from __future__ import annotations

import hashlib
from itertools import groupby
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from ._namespaces import PREFIXES

BASENAME = "territoires-industrie"


@dataclass(frozen=True)
class DumpFormat:
    """One downloadable serialisation: a named row of the formats table."""

    key: str
    extension: str
    media_type: str
    eu_file_type: str  # http://publications.europa.eu/resource/authority/file-type/…
    title_fr: str
    title_en: str
    quads: bool  # keeps named graphs

    @property
    def filename(self) -> str:
        return f"{BASENAME}.{self.extension}"


FORMATS: tuple[DumpFormat, ...] = (
    DumpFormat("turtle", "ttl", "text/turtle", "RDF_TURTLE", "Turtle (graphe union)", "Turtle (union graph)", False),
    DumpFormat("ntriples", "nt", "application/n-triples", "RDF_N_TRIPLES", "N-Triples (graphe union)", "N-Triples (union graph)", False),
    DumpFormat("rdfxml", "rdf", "application/rdf+xml", "RDF_XML", "RDF/XML (graphe union)", "RDF/XML (union graph)", False),
    DumpFormat("trig", "trig", "application/trig", "RDF_TRIG", "TriG (graphes nommés par source)", "TriG (named graphs per source)", True),
    DumpFormat("nquads", "nq", "application/n-quads", "RDF_N_QUADS", "N-Quads (graphes nommés par source)", "N-Quads (named graphs per source)", True),
    DumpFormat("jsonld", "jsonld", "application/ld+json", "JSON_LD", "JSON-LD compacté (graphes nommés par source)", "Compacted JSON-LD (named graphs per source)", True),
)
CONTEXT_FILE = "context.jsonld"


def sorted_graph(triples) -> Graph:
    """A graph whose insertion order is sorted, for byte-identical serialisations."""
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    for triple in sorted(set(triples), key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3())):
        graph.add(triple)
    return graph


def sorted_union(dataset: Dataset) -> Graph:
    return sorted_graph((s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None)))


def nquads_text(dataset: Dataset) -> str:
    lines = {f"{s.n3()} {p.n3()} {o.n3()} {g.n3()} .\n"
             for s, p, o, g in dataset.quads((None, None, None, None))}
    return "".join(sorted(lines))


def ntriples_text(graph: Graph) -> str:
    return "".join(sorted({f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in graph}))


def trig_text(dataset: Dataset) -> str:
    """TriG with graphs in IRI order, each written as sorted Turtle (rdflib's TriG writer orders
    graphs differently from one process to the next)."""
    graphs: dict = {}
    for s, p, o, g in dataset.quads((None, None, None, None)):
        graphs.setdefault(g, set()).add((s, p, o))
    parts = [f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in sorted(PREFIXES.items())]
    for name in sorted(graphs, key=lambda g: g.n3()):
        body = sorted_graph(graphs[name]).serialize(format="turtle")
        lines = [line for line in body.splitlines() if not line.startswith("@prefix")]
        text = "\n".join(f"    {line}" if line else "" for line in lines).strip("\n")
        parts.append(f"\n{name.n3()} {{\n{text}\n}}\n")
    return "".join(parts)


def context() -> dict:
    return json.loads(resources.files(__package__).joinpath("resources").joinpath(CONTEXT_FILE).read_text("utf-8"))


def jsonld_text(dataset: Dataset) -> str:
    """Compacted JSON-LD with the published context, named graphs kept, sorted by @id."""
    from pyld import jsonld  # the reference JSON-LD processor; only the build needs it

    expanded = jsonld.from_rdf(nquads_text(dataset), {"format": "application/n-quads"})
    ctx = context()
    compacted = jsonld.compact(expanded, ctx, {"documentLoader": _no_remote_loader})
    compacted["@context"] = CONTEXT_FILE  # resolved against the dump's own URL
    nodes = compacted.get("graph", [])
    for node in nodes:
        if isinstance(node.get("graph"), list):
            node["graph"].sort(key=lambda n: n.get("id", ""))
    nodes.sort(key=lambda n: n.get("id", ""))
    return json.dumps(compacted, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _no_remote_loader(url, options=None):
    raise ValueError(f"the build loads no remote JSON-LD document ({url})")


def serialise(dataset: Dataset, fmt: DumpFormat) -> bytes:
    if fmt.key == "nquads":
        return nquads_text(dataset).encode("utf-8")
    if fmt.key == "jsonld":
        return jsonld_text(dataset).encode("utf-8")
    if fmt.key == "trig":
        return trig_text(dataset).encode("utf-8")
    union = sorted_union(dataset)
    if fmt.key == "ntriples":
        return ntriples_text(union).encode("utf-8")
    if fmt.key == "rdfxml":
        return rdfxml_bytes(union)
    return union.serialize(format="turtle", encoding="utf-8")


def rdfxml_bytes(graph: Graph) -> bytes:
    """Flat RDF/XML in sorted order. rdflib's writers order subjects and namespace declarations
    differently from one process to the next, so the few lines of RDF/XML are written here."""
    from xml.sax.saxutils import escape, quoteattr

    namespaces = {str(ns): prefix for prefix, ns in PREFIXES.items()}
    used: dict[str, str] = {"rdf": str(RDF)}

    def qname(iri: URIRef) -> str:
        text = str(iri)
        cut = max(text.rfind("#"), text.rfind("/")) + 1
        ns, local = text[:cut], text[cut:]
        if not local or not (local[0].isalpha() or local[0] == "_"):
            raise ValueError(f"no RDF/XML element name for the predicate {iri}")
        prefix = namespaces.setdefault(ns, f"ns{len(namespaces)}")
        used[prefix] = ns
        return f"{prefix}:{local}"

    body = []
    triples = sorted(graph, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3()))
    for subject, statements in groupby(triples, key=lambda t: t[0]):
        body.append(f"  <rdf:Description rdf:about={quoteattr(str(subject))}>")
        for _, p, o in statements:
            name = qname(p)
            if isinstance(o, URIRef):
                body.append(f"    <{name} rdf:resource={quoteattr(str(o))}/>")
            elif isinstance(o, Literal):
                attr = (f" xml:lang={quoteattr(o.language)}" if o.language else
                        f" rdf:datatype={quoteattr(str(o.datatype))}" if o.datatype else "")
                body.append(f"    <{name}{attr}>{escape(str(o))}</{name}>")
            else:
                raise ValueError(f"blank node in the published data: {o}")
        body.append("  </rdf:Description>")
    header = ["<?xml version=\"1.0\" encoding=\"utf-8\"?>", "<rdf:RDF"]
    header += [f"  xmlns:{prefix}={quoteattr(ns)}" for prefix, ns in sorted(used.items())]
    header[-1] += ">"
    return "\n".join(header + body + ["</rdf:RDF>", ""]).encode("utf-8")


def write_dumps(dataset: Dataset, *, dist_dir: Path, extra_files: dict[str, bytes] | None = None,
                describe: Callable[[dict[str, bytes]], dict[str, bytes]] | None = None,
                progress: Callable[[str], None] = lambda _msg: None) -> dict[str, bytes]:
    """Write every dump, the extra files and SHA256SUMS into `dist_dir`, atomically.

    `describe` receives the dump bytes and returns more files (the DCAT/VoID description),
    so the description can carry each dump's size and checksum.
    """
    files: dict[str, bytes] = {}
    for fmt in FORMATS:
        progress(f"serialising {fmt.filename}")
        files[fmt.filename] = serialise(dataset, fmt)
    files[CONTEXT_FILE] = (json.dumps(context(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    files.update(extra_files or {})
    if describe is not None:
        files.update(describe(dict(files)))
    files["SHA256SUMS"] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())).encode()
    _swap_in(files, dist_dir)
    return files


def _swap_in(files: dict[str, bytes], dist_dir: Path) -> None:
    """Write into a fresh folder beside dist_dir, then rename it into place."""
    dist_dir = dist_dir.resolve()
    dist_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dist_dir.name}.new-", dir=dist_dir.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        os.chmod(staging, 0o755)
        if dist_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dist_dir.name}.old-", dir=dist_dir.parent))
            os.replace(dist_dir, old / dist_dir.name)
            os.replace(staging, dist_dir)
            shutil.rmtree(old)
        else:
            os.replace(staging, dist_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
