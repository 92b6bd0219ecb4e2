"""`territoires-lod publish URL`: load the dumps into a SPARQL 1.1 Graph Store Protocol endpoint.

Each source's named graph is PUT as N-Triples to URL?graph=<graph IRI> (replacing what the store
had under that name), and the union of all of them to URL?default, as in the dumps; publishing
twice gives the same store. The union is materialised rather than left to a store's "union
default graph" mode, which in some stores (Oxigraph) repeats a triple once per graph holding it.

The catalogue (dist/catalogue.ttl: DCAT, with each dump's SHA-256) has its own graph, named by the
catalogue's IRI and left out of the default graph, as in the dumps. It is emptied first and PUT
last: `serve --backend` reads the checksums from it to know that the data changed (see
server/_remote.py) and stops serving what it cached, both when a publication starts (answers
computed while graphs are replaced are not kept past it) and when it is complete.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ._errors import DataError


def graphs_of(nquads: Path) -> dict[str, list[str]]:
    """N-Triples lines per named graph, from our own sorted N-Quads dump."""
    graphs: dict[str, list[str]] = {}
    with nquads.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            head, sep, graph = line[:-2].rpartition(" ")
            if not sep or not graph.startswith("<") or not line.endswith(" ."):
                raise DataError("not an N-Quads line with a named graph", path=nquads, line=number)
            graphs.setdefault(graph[1:-1], []).append(head + " .\n")
    return graphs


def publish(*, url: str, dist_dir: Path, catalogue_graph: str, default_union: bool = True, timeout: float = 60,
            progress: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    """Empty `catalogue_graph`, PUT every named graph (and optionally the union as default graph),
    then the catalogue into `catalogue_graph`; return the triples sent per graph."""
    graphs = graphs_of(dist_dir / "territoires-industrie.nq")
    catalogue = dist_dir / "catalogue.ttl"
    if not catalogue.is_file():
        raise PublishError(f"{catalogue}: missing (build the dumps first: territoires-lod build)")
    sent = {}
    _delete(_graph_url(url, catalogue_graph), timeout)
    progress(f"DELETE <{catalogue_graph}>: publication started")
    for name, lines in sorted(graphs.items()):
        _put(_graph_url(url, name), "".join(lines), timeout)
        sent[name] = len(lines)
        progress(f"PUT {len(lines)} triples into <{name}>")
    if default_union:
        union = sorted({line for lines in graphs.values() for line in lines})
        _put(_store_url(url, "default"), "".join(union), timeout)
        sent["default"] = len(union)
        progress(f"PUT {len(union)} triples into the default graph (union)")
    text = catalogue.read_text(encoding="utf-8")
    _put(_graph_url(url, catalogue_graph), text, timeout, media_type="text/turtle")
    sent[catalogue_graph] = _triples_in(text)
    progress(f"PUT the catalogue ({sent[catalogue_graph]} triples) into <{catalogue_graph}>: publication complete")
    return sent


def _store_url(url: str, parameter: str) -> str:
    """The Graph Store Protocol URL of one graph: `default`, or `graph=<IRI>`."""
    return f"{url}{'&' if '?' in url else '?'}{parameter}"


def _graph_url(url: str, graph: str) -> str:
    return _store_url(url, f"graph={urllib.parse.quote(graph, safe='')}")


def _triples_in(turtle: str) -> int:
    import pyoxigraph as ox

    return sum(1 for _ in ox.parse(turtle, format=ox.RdfFormat.TURTLE))


def _put(target: str, text: str, timeout: float, *, media_type: str = "application/n-triples") -> None:
    request = urllib.request.Request(target, data=text.encode("utf-8"), method="PUT",
                                     headers={"Content-Type": media_type})
    _send(request, timeout, incomplete=True)  # every PUT comes after the catalogue was emptied


def _delete(target: str, timeout: float) -> None:
    _send(urllib.request.Request(target, method="DELETE"), timeout, absent_ok=True)


def _send(request: urllib.request.Request, timeout: float, *, absent_ok: bool = False, incomplete: bool = False) -> None:
    target = request.full_url
    again = " (the publication is incomplete: publish again)" if incomplete else ""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - user-given URL
            response.read()
    except urllib.error.HTTPError as exc:
        if absent_ok and exc.code == 404:  # nothing to delete: a first publication
            return
        detail = exc.read(500).decode("utf-8", "replace").strip()
        if exc.code in (404, 405):  # most likely not the store's Graph Store Protocol URL at all
            again = (" (is this the store's Graph Store Protocol URL? Oxigraph: http://host:7878/store, "
                     "Fuseki: http://host:3030/DATASET/data)")
        raise PublishError(f"{target}: the store answered {exc.code} {exc.reason}: {detail}{again}") from None
    except urllib.error.URLError as exc:
        raise PublishError(f"{target}: cannot reach the store ({exc.reason}){again}") from None


class PublishError(Exception):
    pass
