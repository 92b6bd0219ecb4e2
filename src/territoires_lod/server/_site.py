"""What the linked-data front reads from dist/ besides the store: the catalogue, the ontology, the
shapes and the downloads. Small graphs, parsed once at start-up; the server never reads data/."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF

SPDX_CHECKSUM = URIRef("http://spdx.org/rdf/terms#checksum")
SPDX_VALUE = URIRef("http://spdx.org/rdf/terms#checksumValue")
# Files of dist/ that are not distributions of the dataset, but are downloads all the same.
OTHER_FILES = {
    "catalogue.ttl": ("text/turtle", "Catalogue DCAT-AP (Turtle)", "DCAT-AP catalogue (Turtle)"),
    "catalogue.rdf": ("application/rdf+xml", "Catalogue DCAT-AP (RDF/XML)", "DCAT-AP catalogue (RDF/XML)"),
    "ontology.ttl": ("text/turtle", "Ontologie (Turtle)", "Ontology (Turtle)"),
    "shapes.ttl": ("text/turtle", "Formes SHACL (Turtle)", "SHACL shapes (Turtle)"),
    "context.jsonld": ("application/ld+json", "Contexte JSON-LD", "JSON-LD context"),
    "SHA256SUMS": ("text/plain; charset=utf-8", "Sommes SHA-256", "SHA-256 sums"),
}


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    size: int
    sha256: str
    title_fr: str
    title_en: str
    licence: str | None
    distribution: str | None  # the dcat:Distribution IRI, for the dumps of the dataset


@dataclass(frozen=True)
class Site:
    dist_dir: Path
    base: str  # the base of the minted IRIs (the dataset IRI without "dataset")
    catalogue: Graph
    ontology: Graph
    shapes: Graph
    downloads: tuple[Download, ...]
    version: str  # changes with the files of dist/: part of every page's ETag

    @property
    def dataset(self) -> URIRef:
        return URIRef(f"{self.base}dataset")

    @cached_property
    def ontology_version_path(self) -> str | None:
        """The local path of the ontology's owl:versionIRI (`/def/1.0.0`): the same document as /def."""
        version = next(self.ontology.objects(None, OWL.versionIRI), None)
        return "/" + str(version).removeprefix(self.base) if version and str(version).startswith(self.base) else None

    def download(self, filename: str) -> Download | None:
        return next((d for d in self.downloads if d.filename == filename), None)


class SiteError(ValueError):
    """dist/ lacks what the front needs; the message names the file."""


def load_site(dist_dir: Path) -> Site:
    dist_dir = Path(dist_dir)
    catalogue = _parse(dist_dir / "catalogue.ttl")
    datasets = sorted(str(s) for s in catalogue.subjects(RDF.type, DCAT.Dataset))
    if len(datasets) != 1 or not datasets[0].endswith("/dataset"):
        raise SiteError(f"{dist_dir / 'catalogue.ttl'}: expected one dcat:Dataset whose IRI ends in /dataset, "
                        f"found {datasets or 'none'}")
    base = datasets[0][: -len("dataset")]
    return Site(dist_dir=dist_dir, base=base, catalogue=catalogue, ontology=_parse(dist_dir / "ontology.ttl"),
                shapes=_parse(dist_dir / "shapes.ttl"), downloads=_downloads(dist_dir, catalogue, base),
                version=hashlib.sha256((dist_dir / "catalogue.ttl").read_bytes()).hexdigest()[:16])


def _parse(path: Path) -> Graph:
    if not path.is_file():
        raise SiteError(f"{path}: missing; run `territoires-lod build` first")
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several kinds; the message is what matters
        raise SiteError(f"{path}: not readable Turtle: {exc}") from exc
    return graph


def _downloads(dist_dir: Path, catalogue: Graph, base: str) -> tuple[Download, ...]:
    """The dataset's distributions as the catalogue describes them, then the other files of dist/."""
    found: dict[str, Download] = {}
    for dist in catalogue.subjects(RDF.type, DCAT.Distribution):
        url = catalogue.value(dist, DCAT.downloadURL)
        if url is None or not str(url).startswith(f"{base}dist/"):
            continue
        filename = str(url)[len(f"{base}dist/"):]
        checksum = catalogue.value(dist, SPDX_CHECKSUM)
        titles = {t.language: str(t) for t in catalogue.objects(dist, DCTERMS.title)}
        media = catalogue.value(dist, DCAT.mediaType)
        found[filename] = Download(
            filename=filename,
            media_type=str(media).rsplit("/media-types/", 1)[-1] if media is not None else "",
            size=int(catalogue.value(dist, DCAT.byteSize) or 0),
            sha256=str(catalogue.value(checksum, SPDX_VALUE)) if checksum is not None else "",
            title_fr=titles.get("fr", filename), title_en=titles.get("en", filename),
            licence=str(catalogue.value(dist, DCTERMS.license) or "") or None, distribution=str(dist))
    for filename, (media, fr, en) in OTHER_FILES.items():
        path = dist_dir / filename
        if path.is_file() and filename not in found:
            data = path.read_bytes()
            found[filename] = Download(filename=filename, media_type=media, size=len(data),
                                       sha256=hashlib.sha256(data).hexdigest(), title_fr=fr, title_en=en,
                                       licence=None, distribution=None)
    dumps = sorted((d for d in found.values() if d.distribution), key=lambda d: d.filename)
    others = [found[name] for name in OTHER_FILES if name in found and not found[name].distribution]
    return tuple(dumps + others)
