"""RemoteEngine: the same front before any SPARQL 1.1 endpoint, through SPARQLWrapper.

SPARQLWrapper is blocking, so each query runs in a thread; its own timeout bounds the wait.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import urllib.error

from ._engine import BackendUnavailable, DatasetStats, QueryEvaluationError, QueryJob, QueryResult, \
    QuerySyntaxError, QueryTimedOut, prefix_advice


class RemoteEngine:
    def __init__(self, url: str, *, max_result_bytes: int = 1 << 26) -> None:
        self.url = url
        self._max_result_bytes = max_result_bytes
        self.version = hashlib.sha256(url.encode()).hexdigest()[:20]
        self.stats = DatasetStats(0, {})

    async def start(self) -> None:
        """Read the backend's size once (for the service description), and its data version."""
        try:
            triples = await asyncio.to_thread(self._count)
        except Exception:  # noqa: BLE001 - an unreachable backend is reported per query
            return
        self.stats = DatasetStats(triples, {})
        # Immutable data between publications: the count changes when the data is republished.
        self.version = hashlib.sha256(f"{self.url} {triples}".encode()).hexdigest()[:20]

    def _count(self) -> int:
        import json

        from SPARQLWrapper import JSON, SPARQLWrapper

        client = SPARQLWrapper(self.url)
        client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        client.setReturnFormat(JSON)
        client.setTimeout(10)
        data = json.loads(client.query().response.read())
        return int(data["results"]["bindings"][0]["n"]["value"])

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
        return None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
