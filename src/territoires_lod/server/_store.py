"""Loading RDF files into pyoxigraph: in memory (shared with forked workers) or on disk."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ._engine import DatasetStats
from ._jsonld import with_local_contexts

_FORMATS_BY_SUFFIX = {".nq": "N_QUADS", ".trig": "TRIG", ".nt": "N_TRIPLES", ".ttl": "TURTLE",
                      ".rdf": "RDF_XML", ".owl": "RDF_XML", ".xml": "RDF_XML", ".jsonld": "JSON_LD",
                      ".n3": "N3"}


def rdf_format_of(path: Path):
    import pyoxigraph as ox

    name = _FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if name is None:
        raise ValueError(f"{path}: unknown RDF file type {path.suffix!r}; "
                         f"use one of {', '.join(sorted(_FORMATS_BY_SUFFIX))}")
    return getattr(ox.RdfFormat, name)


def load_store(paths: list[Path], *, location: str | None = None):
    """A pyoxigraph store holding every file (named graphs kept) and a version hash; in memory, or
    on disk at `location`."""
    import pyoxigraph as ox

    store = ox.Store() if location is None else ox.Store(location)
    digest = hashlib.sha256()
    for path in paths:
        fmt = rdf_format_of(path)
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        try:
            try:
                store.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
            except SyntaxError as exc:
                if fmt != ox.RdfFormat.JSON_LD or "context" not in str(exc).lower():
                    raise
                # pyoxigraph reads no context from elsewhere: the same document, with its local
                # contexts written in (a failed load adds nothing to the store).
                document, contexts = with_local_contexts(path)
                for context in contexts:
                    digest.update(context.read_bytes())
                store.bulk_load(input=document, format=fmt, base_iri=path.resolve().as_uri())
        except SyntaxError as exc:
            raise ValueError(f"{path}: not valid {path.suffix[1:]}: {exc}") from None
    if any(True for _ in store.named_graphs()):
        # The default graph is the union of the named graphs, as in the dumps: materialised once,
        # because Oxigraph's union-default-graph mode repeats a triple once per graph holding it.
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store, digest.hexdigest()[:20]


class InMemoryData:
    """The store in the zygote's memory: workers share its pages copy-on-write, and copy each page
    a query writes to (scans, and thousands of lookups, touch reference counts all over the store:
    a busy worker ends up with a copy of most of it). Fastest; memory grows with the workers."""

    def __init__(self, paths: list[Path]) -> None:
        self.store, self.version = load_store(paths)
        self.stats = store_stats(self.store)

    def open(self):
        return self.store

    def close(self) -> None:
        pass


class OnDiskData:
    """The store on disk (RocksDB, in a temporary folder), opened read-only by each worker: the
    data is shared through the system's page cache and workers hold only their own caches, so
    memory no longer grows with the workers. Scans are 2-3 times slower than in memory."""

    def __init__(self, paths: list[Path]) -> None:
        import tempfile

        self.location = tempfile.mkdtemp(prefix="territoires-lod-store-")
        try:
            self.version, self.stats = _in_child(lambda: _build_on_disk(paths, self.location))
        except BaseException:
            self.close()
            raise

    def open(self):
        import pyoxigraph as ox

        return ox.Store.read_only(self.location)

    def close(self) -> None:
        import shutil

        shutil.rmtree(self.location, ignore_errors=True)


def _build_on_disk(paths: list[Path], location: str) -> tuple[str, DatasetStats]:
    store, version = load_store(paths, location=location)
    store.flush()  # nothing left in the write-ahead log, which each read-only opener would replay
    store.optimize()
    return version, store_stats(store)


def _in_child(function):
    """`function()` run in a child process: RocksDB starts threads, and the zygote, which forks,
    must have none. Its exceptions come back as ValueError."""
    import os
    import socket

    from . import _wire

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            try:
                _wire.send(theirs, ("ok", function()))
            except Exception as exc:  # noqa: BLE001 - reported by the parent
                _wire.send(theirs, ("error", str(exc)))
        finally:
            os._exit(0)
    theirs.close()
    try:
        reply = _wire.recv(ours)
    finally:
        ours.close()
        os.waitpid(pid, 0)
    if reply is None or reply[0] != "ok":
        raise ValueError(reply[1] if reply else "the data could not be loaded")
    return reply[1]


def store_stats(store) -> DatasetStats:
    triples = next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value
    graphs = {}
    for row in store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"):
        graphs[row["g"].value] = int(row["n"].value)
    return DatasetStats(int(triples), graphs)
