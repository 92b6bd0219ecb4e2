"""RemoteEngine: the same front before any SPARQL 1.1 endpoint, through SPARQLWrapper.

SPARQLWrapper is blocking, so each query runs in a thread; its own timeout bounds the wait.

The backend's data changes when it is published again, so the engine's `version` (part of every
ETag and result cache key) changes every `refresh` seconds, and sooner when the engine sees the
data change: it reads the SHA-256 checksums in the catalogue graph that `territoires-lod publish`
empties first and fills last (a named graph named by the dcat:Catalog it describes) every
CHECKSUMS_EVERY seconds, or, for a backend without one, its number of triples every `refresh`
seconds. When the version changes, cached answers are no longer used, clients' ETags no longer
match, and the memo of whole responses, which reads the version before each lookup
(`version_changes`), forgets what it held.
Answers carry a max-age no longer than `refresh` (see _serve.py).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import hashlib
import http.client
import logging
import re
import socket
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor

from ._worker import ResultTooLarge as _TooLarge
from ._worker import _CappedWriter
from ._advice import POSITION, query_advice, readable_parse_error
from ._engine import BackendUnavailable, DatasetStats, QueryEvaluationError, QueryJob, QueryResult, \
    QuerySyntaxError, QueryTimedOut, ServerBusy, result_too_large


log = logging.getLogger("territoires_lod.server")

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
BACKEND_CONNECTIONS = 64  # queries one front sends to the backend at once
# Seconds between two readings of a catalogue's checksums (one small query; counting the triples of
# a large store is not, so a store without a catalogue is read once a period).
CHECKSUMS_EVERY = 1.0
# The version while a catalogue seen before is missing: `publish` empties it first, fills it last.
PUBLISHING = "a publication under way"
# Only in a catalogue's own graph: the data has checksums too (of the source documents).
CHECKSUMS = ("SELECT DISTINCT ?sum WHERE { GRAPH ?g { ?g a <http://www.w3.org/ns/dcat#Catalog> . "
             "?c <http://spdx.org/rdf/terms#checksumValue> ?sum } }")


class RemoteEngine:
    version_changes = True  # while the server runs (the embedded engines' data does not)

    def __init__(self, url: str, *, max_result_bytes: int = 1 << 26, refresh: float = 30.0) -> None:
        self.url = url
        self._max_result_bytes = max_result_bytes
        self.refresh = refresh  # seconds an answer is kept, and between two readings of the backend (0: for ever)
        self.stats = DatasetStats(0, {})
        self._fingerprint = ""
        self._catalogued = False  # checksums were found: read them every CHECKSUMS_EVERY, never count again
        self._period: int | None = None
        self._version = ""
        self._refresher: asyncio.Task | None = None
        self._threads = ThreadPoolExecutor(max_workers=BACKEND_CONNECTIONS, thread_name_prefix="backend")

    @property
    def version(self) -> str:
        """Part of every ETag and cache key. The front cannot see every change of the backend (a store
        emptied and published again between two readings would look unchanged), so the version also
        changes every `refresh` seconds, on the clock (fronts on other machines agree): no answer is
        served from a cache, nor an ETag honoured, longer than that."""
        period = int(time.time() // self.refresh) if self.refresh > 0 else 0
        if period != self._period:
            self._period = period
            self._version = hashlib.sha256(f"{self.url} {self._fingerprint} {period}".encode()).hexdigest()[:20]
        return self._version

    async def start(self) -> None:
        """Read the backend's version and size (for the service description), then keep reading
        them every `refresh` seconds."""
        with contextlib.suppress(Exception):  # an unreachable backend is reported per query
            await asyncio.to_thread(self._read_version)
        if self.refresh > 0:
            self._refresher = asyncio.create_task(self._keep_reading())

    async def read_version(self) -> bool:
        """Read the backend's checksums (and size, when they changed or there never were any); True
        when the version changed. An unreachable backend leaves everything as it was (it is
        reported per query)."""
        try:
            changed = await asyncio.to_thread(self._read_version)
        except Exception:  # noqa: BLE001 - see above
            return False
        if changed:
            log.info("the backend's data changed (%d triples): earlier answers are no longer served",
                     self.stats.triples)
        return changed

    async def _keep_reading(self) -> None:
        """A store with a catalogue has its checksums read every CHECKSUMS_EVERY seconds, so that a
        publication is seen within about a second rather than a period; one without, its size
        every `refresh` seconds."""
        while True:
            await asyncio.sleep(min(self.refresh, CHECKSUMS_EVERY) if self._catalogued else self.refresh)
            await self.read_version()

    def _read_version(self) -> bool:
        checksums = sorted(row["sum"]["value"] for row in self._select(CHECKSUMS))
        if not checksums and self._catalogued:
            # Emptied by a publication under way (or removed: then, as for any change the front
            # cannot see, the period bounds what it keeps). No counting a store being loaded.
            return self._follow(PUBLISHING)
        self._catalogued = bool(checksums)
        if checksums:
            if " ".join(checksums) == self._fingerprint:
                return False  # a publication of ours, unchanged: no need to count again
            try:  # for the service description only: on a large store, counting may time out
                graphs = {row["g"]["value"]: int(row["n"]["value"]) for row in self._select(PER_GRAPH)}
                self.stats = DatasetStats(int(self._select(COUNT)[0]["n"]["value"]), graphs)
            except Exception:  # noqa: BLE001 - the checksums alone name the version
                pass
            fingerprint = " ".join(checksums)
        else:
            self.stats = DatasetStats(int(self._select(COUNT)[0]["n"]["value"]), {})
            fingerprint = f"{self.stats.triples} triples"
        return self._follow(fingerprint)

    def _follow(self, fingerprint: str) -> bool:
        """Take `fingerprint` as the data's; True when it changed."""
        if fingerprint == self._fingerprint:
            return False
        # In this order: `version`, read meanwhile on the event loop, either sees the new
        # fingerprint or computes the version again at its next call.
        self._fingerprint, self._period = fingerprint, None
        return True

    def _select(self, query: str) -> list[dict]:
        import json

        from SPARQLWrapper import JSON, SPARQLWrapper

        client = SPARQLWrapper(self.url)
        client.setQuery(query)
        client.setReturnFormat(JSON)
        client.setTimeout(5)
        return json.loads(client.query().response.read())["results"]["bindings"]

    async def execute(self, job: QueryJob, *, timeout: float) -> QueryResult:
        # Its own threads (the default pool has a handful: a few slow queries would hold them all);
        # the time spent waiting for one counts against the time limit.
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._execute, job, timeout, time.monotonic())

    def _execute(self, job: QueryJob, timeout: float, submitted: float) -> QueryResult:
        """Ask the backend for SPARQL JSON results or N-Triples, which are checked whole by parsing
        them, and write the client's format from them: a backend that stops mid-answer (its own
        time limit, a crash) must not become a 200 whose body ends in an error message."""
        import pyoxigraph as ox
        from SPARQLWrapper import POSTDIRECTLY, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, QueryBadFormed, SPARQLWrapperException

        deadline = submitted + timeout
        if time.monotonic() >= deadline:
            raise ServerBusy("Every connection to the SPARQL backend stayed busy for too long; try again shortly.")
        graph = job.form in ("CONSTRUCT", "DESCRIBE")
        client = SPARQLWrapper(self.url)
        # Relative IRIs resolve against this endpoint's URL, as with the embedded store, not the backend's.
        client.setQuery(f"BASE <{job.base_iri}>\n{job.query}" if job.base_iri else job.query)
        client.setMethod("POST")
        client.setRequestMethod(POSTDIRECTLY)
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", "application/n-triples" if graph else "application/sparql-results+json")
        client.setTimeout(max(1, int(deadline - time.monotonic() + 0.999)))  # bounds each read
        for name in job.default_graphs:
            client.addDefaultGraph(name)
        for name in job.named_graphs:
            client.addNamedGraph(name)
        try:
            body = self._read_whole(client.query().response, deadline, timeout)
        except QueryBadFormed as exc:
            raise QuerySyntaxError(f"SPARQL syntax error (from the backend): {_backend_message(exc, job, parse=True)}"
                                   f"{query_advice(job.query)}") from None
        except (socket.timeout, TimeoutError):
            raise _backend_timed_out(timeout) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (socket.timeout, TimeoutError)):
                raise _backend_timed_out(timeout) from None
            raise BackendUnavailable("The SPARQL backend cannot be reached; try again later.") from None
        except (http.client.HTTPException, ConnectionError):
            raise BackendUnavailable("The SPARQL backend stopped answering mid-way; try again later.") from None
        except (EndPointInternalError, SPARQLWrapperException) as exc:
            raise QueryEvaluationError(f"The backend refused the query: {_backend_message(exc, job)}") from None
        sink = _CappedWriter(self._max_result_bytes)
        try:
            if graph:
                fmt = job.graph_format
                rdf_format = getattr(ox.RdfFormat, fmt.ox_name)
                triples = ox.parse(body, ox.RdfFormat.N_TRIPLES)
                if rdf_format.supports_datasets:
                    triples = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
                ox.serialize(triples, sink, rdf_format)
            else:
                fmt = job.solutions_format
                ox.parse_query_results(body, ox.QueryResultsFormat.JSON).serialize(
                    sink, getattr(ox.QueryResultsFormat, fmt.ox_name))
        except _TooLarge:
            raise result_too_large(self._max_result_bytes) from None
        except (SyntaxError, ValueError):
            if _CANCELLED.search(body[-2000:]):
                raise QueryTimedOut("The backend stopped the query at its own time limit.") from None
            raise BackendUnavailable("The SPARQL backend's answer was cut off or malformed; try again later.") from None
        return QueryResult(sink.getvalue(), fmt)

    def _read_whole(self, response, deadline: float, timeout: float) -> bytes:
        """The whole body, within the time limit and the size limit."""
        chunks, size = [], 0
        try:
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if size > self._max_result_bytes:
                    raise result_too_large(self._max_result_bytes)
                if time.monotonic() > deadline:
                    raise _backend_timed_out(timeout)
                chunks.append(chunk)
        finally:
            response.close()
        return b"".join(chunks)

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        self._threads.shutdown(wait=False, cancel_futures=True)


def _backend_timed_out(timeout: float) -> QueryTimedOut:
    return QueryTimedOut(f"The backend did not answer within {timeout:g} s.")


# What stores write into an answer they stop mid-way (Oxigraph: "The SPARQL operation has been cancelled").
_CANCELLED = re.compile(rb"cancel|timeout|time limit|timed out", re.IGNORECASE)
def _backend_message(exc: Exception, job: QueryJob, *, parse: bool = False) -> str:
    """The backend's own message (SPARQLWrapper keeps it after "Response:"), with positions moved back
    by the BASE line this front added; a parse error (`parse`) made readable as the embedded
    engine's are (an Oxigraph backend writes the same)."""
    text = str(exc)
    head, _, response = text.partition("Response:\n")
    if response:
        try:
            raw = ast.literal_eval(response.strip())
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        except (ValueError, SyntaxError):
            text = response
    else:
        text = head
    text = " ".join(text.split())
    if job.base_iri:
        text = POSITION.sub(lambda m: f"error at {max(1, int(m[1]) - 1)}:{m[2]}", text)
    if parse:
        text = readable_parse_error(text, job.query)
    return text[:500] or type(exc).__name__
