"""Where a cheap query's time goes, without HTTP or worker processes: microseconds per request
for pyoxigraph alone, for the worker's `execute`, and for the front's protocol handling
(`handle_sparql` with an engine that answers at once).

usage: .venv/bin/python bench/front_cost.py [--kind point] [--size cog] [--requests 20000]
The paths are the distinct variants the last `bench/run.py` wrote under bench/results/raw/paths/.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from territoires_lod.server._answer import Settings
from territoires_lod.server._cache import ResultCache
from territoires_lod.server._engine import QueryResult, job_shape
from territoires_lod.server._fastpath import handle_sparql
from territoires_lod.server._store import load_store
from territoires_lod.server._worker import execute

HERE = Path(__file__).parent
ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'


class _AtOnce:
    """An engine that answers at once (it still computes the cost book's shape, as the pool does)."""

    version = "bench"

    async def execute(self, job, *, timeout):
        job_shape(job)
        return QueryResult(ANSWER, job.solutions_format, 0.0001)


class _App:
    def __init__(self) -> None:
        self.engine, self.settings = _AtOnce(), Settings()
        self.cache = ResultCache(max_bytes=1 << 26, max_entry_bytes=1 << 20)

    def endpoint_dependencies(self):
        return self.engine, self.settings, self.cache


async def _front(app: _App, paths: list[bytes], n: int) -> None:
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message):
        pass

    for i in range(n):  # made unique, as the benchmark's distinct runs do
        scope = {"type": "http", "method": "GET", "path": "/sparql", "scheme": "http", "root_path": "",
                 "query_string": paths[i % len(paths)] + b"%0A%23u" + str(i).encode(),
                 "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"application/sparql-results+json")],
                 "server": ("127.0.0.1", 8000)}
        await handle_sparql(app, scope, receive, send)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="point")
    parser.add_argument("--size", default="cog")
    parser.add_argument("--requests", type=int, default=20000)
    args = parser.parse_args()
    lines = [line.strip() for line in (HERE / "results/raw/paths" / args.size / f"{args.kind}-distinct.txt")
             .read_text().splitlines() if line.strip()]
    paths = [line[1:].encode() for line in lines]
    queries = [urllib.parse.parse_qs(line[1:])["query"][0] for line in lines]
    store, _version = load_store(sorted((HERE / "data").glob(f"{args.size}.*")))  # as `serve --data` does
    request = {"default_graphs": (), "named_graphs": (), "base_iri": None, "solutions_format": "JSON",
               "graph_format": "TURTLE", "max_result_bytes": 1 << 26}

    def per_query(run) -> float:
        start = time.perf_counter()
        for query in queries:
            run(query)
        return (time.perf_counter() - start) / len(queries) * 1e6

    per_query(lambda q: store.query(q).serialize(format=ox.QueryResultsFormat.JSON))  # warm up
    print(f"{args.kind} on {args.size}, µs per request:")
    print(f"  pyoxigraph query + JSON   {per_query(lambda q: store.query(q).serialize(format=ox.QueryResultsFormat.JSON)):7.1f}")
    print(f"  worker execute()          {per_query(lambda q: execute(store, {**request, 'query': q})):7.1f}")
    app = _App()
    asyncio.run(_front(app, paths, 1000))
    start = time.perf_counter()
    asyncio.run(_front(app, paths, args.requests))
    print(f"  front protocol handling   {(time.perf_counter() - start) / args.requests * 1e6:7.1f}"
          "  (no HTTP, no worker: handle_sparql with an engine that answers at once)")


if __name__ == "__main__":
    main()
