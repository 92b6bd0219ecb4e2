"""RemoteEngine: the same front before any SPARQL 1.1 endpoint, through SPARQLWrapper.

SPARQLWrapper is blocking, so each query runs in a thread; its own timeout bounds the wait.

The backend's data changes when it is published again, so the engine's `version` (part of every
ETag and result cache key) follows it: every `refresh` seconds the engine reads the SHA-256
checksums in the catalogue graph that `territoires-lod publish` empties first and fills last (a
named graph named by the dcat:Catalog it describes); for a backend without one, its number of
triples. When they change, so does the version: cached answers are no longer used, clients' ETags
no longer match, and the engine tells those who asked (`on_new_version`: the memo of whole
responses). Answers carry a max-age no longer than `refresh` (see _serve.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import socket
import urllib.error

from ._engine import BackendUnavailable, DatasetStats, QueryEvaluationError, QueryJob, QueryResult, \
    QuerySyntaxError, QueryTimedOut, prefix_advice


log = logging.getLogger("territoires_lod.server")

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# Only in a catalogue's own graph: the data has checksums too (of the source documents).
CHECKSUMS = ("SELECT DISTINCT ?sum WHERE { GRAPH ?g { ?g a <http://www.w3.org/ns/dcat#Catalog> . "
             "?c <http://spdx.org/rdf/terms#checksumValue> ?sum } }")


class RemoteEngine:
    def __init__(self, url: str, *, max_result_bytes: int = 1 << 26, refresh: float = 30.0) -> None:
        self.url = url
        self._max_result_bytes = max_result_bytes
        self.refresh = refresh  # seconds between two readings of the backend's version (0: never again)
        self.version = hashlib.sha256(url.encode()).hexdigest()[:20]
        self.stats = DatasetStats(0, {})
        self._checksums: tuple[str, ...] | None = None
        self._refresher: asyncio.Task | None = None
        self._listeners: list = []

    def on_new_version(self, listener) -> None:
        """Call `listener()` (in the event loop) whenever the backend's data changes."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Read the backend's version and size (for the service description), then keep reading
        them every `refresh` seconds."""
        with contextlib.suppress(Exception):  # an unreachable backend is reported per query
            await asyncio.to_thread(self._read_version)
        if self.refresh > 0:
            self._refresher = asyncio.create_task(self._keep_reading())

    async def read_version(self) -> bool:
        """Read the backend's checksums (and size, when they changed or there are none); True
        when the version changed. An unreachable backend leaves everything as it was (it is
        reported per query)."""
        try:
            changed = await asyncio.to_thread(self._read_version)
        except Exception:  # noqa: BLE001 - see above
            return False
        if changed:
            log.info("the backend's data is version %s (%d triples): earlier answers are no longer served",
                     self.version, self.stats.triples)
            for listener in self._listeners:
                listener()
        return changed

    async def _keep_reading(self) -> None:
        while True:
            await asyncio.sleep(self.refresh)
            await self.read_version()

    def _read_version(self) -> bool:
        checksums = tuple(sorted(row["sum"]["value"] for row in self._select(CHECKSUMS)))
        if checksums:
            if checksums == self._checksums:
                return False  # a publication of ours, unchanged: no need to count again
            try:  # for the service description only: on a large store, counting may time out
                self.stats = DatasetStats(int(self._select(COUNT)[0]["n"]["value"]), {})
            except Exception:  # noqa: BLE001 - the checksums alone name the version
                pass
            fingerprint = " ".join(checksums)
        else:
            self.stats = DatasetStats(int(self._select(COUNT)[0]["n"]["value"]), {})
            fingerprint = f"{self.stats.triples} triples"
        self._checksums = checksums
        version = hashlib.sha256(f"{self.url} {fingerprint}".encode()).hexdigest()[:20]
        changed, self.version = version != self.version, version
        return changed

    def _select(self, query: str) -> list[dict]:
        import json

        from SPARQLWrapper import JSON, SPARQLWrapper

        client = SPARQLWrapper(self.url)
        client.setQuery(query)
        client.setReturnFormat(JSON)
        client.setTimeout(5)
        return json.loads(client.query().response.read())["results"]["bindings"]

    async def execute(self, job: QueryJob, *, timeout: float) -> QueryResult:
        return await asyncio.to_thread(self._execute, job, timeout)

    def _execute(self, job: QueryJob, timeout: float) -> QueryResult:
        from SPARQLWrapper import POSTDIRECTLY, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        fmt = job.graph_format if job.form in ("CONSTRUCT", "DESCRIBE") else job.solutions_format
        client = SPARQLWrapper(self.url)
        client.setQuery(job.query)
        client.setMethod("POST")
        client.setRequestMethod(POSTDIRECTLY)
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", fmt.media_type)
        client.setTimeout(max(1, int(timeout + 0.999)))
        for graph in job.default_graphs:
            client.addDefaultGraph(graph)
        for graph in job.named_graphs:
            client.addNamedGraph(graph)
        try:
            response = client.query().response
            body = response.read(self._max_result_bytes + 1)
        except QueryBadFormed as exc:
            raise QuerySyntaxError(f"SPARQL syntax error (from the backend): {_first_line(exc)}"
                                   f"{prefix_advice(job.query)}") from None
        except (socket.timeout, TimeoutError):
            raise QueryTimedOut(f"The backend did not answer within {timeout:g} s.") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (socket.timeout, TimeoutError)):
                raise QueryTimedOut(f"The backend did not answer within {timeout:g} s.") from None
            raise BackendUnavailable("The SPARQL backend cannot be reached; try again later.") from None
        except SPARQLWrapperException as exc:
            raise QueryEvaluationError(f"The backend refused the query: {_first_line(exc)}") from None
        if len(body) > self._max_result_bytes:
            from ._engine import ResultTooLarge

            raise ResultTooLarge("The result is larger than this endpoint's limit; use LIMIT and OFFSET.")
        return QueryResult(body, fmt)

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
