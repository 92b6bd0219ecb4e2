"""`territoires-lod publish URL`: load the dumps into a SPARQL 1.1 Graph Store Protocol endpoint.

Each source's named graph is PUT as N-Triples to URL?graph=<graph IRI> (replacing what the store
had under that name), and the union of all of them to URL?default, as in the dumps; publishing
twice gives the same store. The union is materialised rather than left to a store's "union
default graph" mode, which in some stores (Oxigraph) repeats a triple once per graph holding it.
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


def publish(*, url: str, dist_dir: Path, default_union: bool = True, timeout: float = 60,
            progress: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    """PUT every named graph (and optionally the union as default graph); return triples per graph."""
    graphs = graphs_of(dist_dir / "territoires-industrie.nq")
    sent = {}
    for name, lines in sorted(graphs.items()):
        _put(f"{url}{'&' if '?' in url else '?'}graph={urllib.parse.quote(name, safe='')}", lines, timeout)
        sent[name] = len(lines)
        progress(f"PUT {len(lines)} triples into <{name}>")
    if default_union:
        union = sorted({line for lines in graphs.values() for line in lines})
        _put(f"{url}{'&' if '?' in url else '?'}default", union, timeout)
        sent["default"] = len(union)
        progress(f"PUT {len(union)} triples into the default graph (union)")
    return sent


def _put(target: str, lines: list[str], timeout: float) -> None:
    request = urllib.request.Request(target, data="".join(lines).encode("utf-8"), method="PUT",
                                     headers={"Content-Type": "application/n-triples"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - user-given URL
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace").strip()
        raise PublishError(f"{target}: the store answered {exc.code} {exc.reason}: {detail}") from None
    except urllib.error.URLError as exc:
        raise PublishError(f"{target}: cannot reach the store ({exc.reason})") from None


class PublishError(Exception):
    pass
