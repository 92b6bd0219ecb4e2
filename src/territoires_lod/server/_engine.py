"""Where queries are answered: one interface, interchangeable engines.

- `EmbeddedEngine`: pyoxigraph (in memory, or on disk: _store.py), queries in forked worker
  processes (the default).
- `RemoteEngine`: any SPARQL 1.1 endpoint, through SPARQLWrapper (`--backend URL`).
- `InProcessEngine`: pyoxigraph in a thread, no time limit; a real engine for tests and tools.
The front (protocol, safety rules, caching) is the same whichever engine answers.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ._advice import DEEPEST_NESTING, evaluation_error_message, nesting_depth, syntax_error_message
from ._costs import SharedCosts, query_shape
from ._media import ResultFormat
from ._pool import IDLE_AFTER, IDLE_PRIVATE_BYTES, QueryPool, QueryShed, QueryTimeout, QueueTimeout, WorkerCrashed
from ._worker import SOLUTIONS


@dataclass(frozen=True)
class QueryJob:
    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    solutions_format: ResultFormat
    graph_format: ResultFormat
    base_iri: str | None = None  # relative IRIs in the query resolve against the endpoint's URL
    form: str | None = None  # SELECT, ASK, CONSTRUCT or DESCRIBE, as the front's lexer saw it


@dataclass(frozen=True)
class QueryResult:
    body: bytes
    format: ResultFormat
    seconds: float | None = None  # the engine's own compute time, when it knows it (not queueing)


@dataclass(frozen=True)
class DatasetStats:
    triples: int
    graphs: dict[str, int] = field(default_factory=dict)


class EngineError(Exception):
    """A query the engine could not answer; `status` and `str()` go to the client as they are."""

    status = 500


class QuerySyntaxError(EngineError):
    status = 400


class QueryEvaluationError(EngineError):
    status = 400


class QueryTimedOut(EngineError):
    status = 503


class ServerBusy(EngineError):
    status = 503


class ResultTooLarge(EngineError):
    status = 413


class BackendUnavailable(EngineError):
    status = 502


class Engine(Protocol):
    version: str  # changes whenever the data changes: part of every ETag
    stats: DatasetStats

    async def start(self) -> None: ...

    async def execute(self, job: QueryJob, *, timeout: float) -> QueryResult: ...

    async def close(self) -> None: ...


def job_shape(job: QueryJob) -> int:
    """What the pool's cost book knows a job by: its query's shape (see _costs.py) and its dataset."""
    return query_shape(job.query, *job.default_graphs, "\0", *job.named_graphs)


def _job_request(job: QueryJob, max_result_bytes: int) -> dict:
    return {"query": job.query, "default_graphs": job.default_graphs, "named_graphs": job.named_graphs,
            "solutions_format": job.solutions_format.ox_name, "graph_format": job.graph_format.ox_name,
            "max_result_bytes": max_result_bytes, "base_iri": job.base_iri}


def _result(reply: tuple, job: QueryJob, seconds: float | None = None) -> QueryResult:
    if reply[0] == "ok":
        _, body, kind = reply
        return QueryResult(body, job.solutions_format if kind == SOLUTIONS else job.graph_format, seconds)
    _, kind, message = reply
    if kind == "syntax":
        raise QuerySyntaxError(syntax_error_message(message, job.query))
    if kind == "too_large":
        raise result_too_large(int(message))
    raise QueryEvaluationError(evaluation_error_message(message))


def result_too_large(limit_bytes: int) -> ResultTooLarge:
    return ResultTooLarge(f"The result is larger than this endpoint's limit of {limit_bytes // (1 << 20)} MiB. "
                          "Narrow the query or page through the result with LIMIT and OFFSET.")


class EmbeddedEngine:
    """pyoxigraph; queries run in forked worker processes (_pool.py) with a hard time limit."""

    def __init__(self, paths: list[Path], *, workers: int, max_result_bytes: int, long_workers: int | None = None,
                 on_disk: bool = False, isolate_network: bool = True, fronts: int = 1,
                 max_query_memory: int = 0, idle_after: float = IDLE_AFTER,
                 idle_private_bytes: int = IDLE_PRIVATE_BYTES) -> None:
        from ._worker import start_zygote

        def load():
            from ._store import InMemoryData, OnDiskData

            data = OnDiskData(paths) if on_disk else InMemoryData(paths)
            return data, (data.version, data.stats)

        # Fork now, before the event loop or any thread exists; the data is loaded in the zygote.
        self._zygote_pid, self._controls, (self.version, self.stats) = start_zygote(
            load, fronts=fronts, isolate=isolate_network, query_memory=max_query_memory)
        self._control = self._controls[0]
        self._workers = workers
        self._long_workers = long_workers
        self._max_result_bytes = max_result_bytes
        self._idle = {"idle_after": idle_after, "idle_private_bytes": idle_private_bytes}
        # Made before the fronts fork: what one front learns of query costs, all know.
        self._shared_costs = SharedCosts()
        self.pool = None

    def use_front(self, index: int) -> None:
        """In front process `index` (forked after this engine): keep that front's control socket."""
        for i, control in enumerate(self._controls):
            if i != index:
                control.close()
        self._control = self._controls[index]
        self._controls = [self._control]

    async def start(self) -> None:
        self.pool = QueryPool(control=self._control, zygote_pid=self._zygote_pid, size=self._workers,
                              long_size=self._long_workers, shared_costs=self._shared_costs, **self._idle)
        await self.pool.start()

    def submit(self, job: QueryJob, *, timeout: float) -> asyncio.Future:
        """Start `job` without a coroutine; read the settled future with `result_of`. Cancelling
        the future abandons the query."""
        return self.pool.submit(_job_request(job, self._max_result_bytes), timeout=timeout, shape=job_shape(job))

    @staticmethod
    def result_of(job: QueryJob, future: asyncio.Future, *, timeout: float) -> QueryResult:
        """The answer of a settled `submit` future, or the EngineError to tell the client."""
        try:
            reply, seconds = future.result()
        except QueryTimeout:
            raise QueryTimedOut(
                f"The query ran longer than this endpoint's limit of {timeout:g} s and was stopped. "
                "Make it more selective (fewer unbound patterns, a LIMIT) or run it on a copy of "
                "the data (the dumps are downloadable).") from None
        except QueueTimeout:
            raise ServerBusy("Every query worker stayed busy for too long; try again shortly.") from None
        except QueryShed:
            raise ServerBusy("Too many long queries were running at once: this one, which had run longest, "
                             "was stopped to make room. Try again shortly, or make it more selective.") from None
        except WorkerCrashed:
            depth = nesting_depth(job.query)
            if depth > DEEPEST_NESTING:
                raise QueryEvaluationError(
                    f"The query is nested {depth} levels deep (braces, parentheses or brackets), deeper than "
                    f"the parser can follow, and stopped its worker process: flatten it.") from None
            raise QueryEvaluationError(
                "The query stopped its worker process: it needed more memory than a query may use here, "
                "is nested too deeply for the parser, or met a fault of the query engine (Oxigraph; the "
                "server's log has its message). Make it more selective or flatter, or write it "
                "another way.") from None
        return _result(reply, job, seconds)

    async def execute(self, job: QueryJob, *, timeout: float) -> QueryResult:
        future = self.submit(job, timeout=timeout)
        with contextlib.suppress(Exception):  # result_of tells what went wrong
            await future
        return self.result_of(job, future, timeout=timeout)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
        else:
            self._control.close()


class InProcessEngine:
    """pyoxigraph in this process, queries in a thread: no worker processes, no time limit."""

    def __init__(self, paths: list[Path], *, max_result_bytes: int = 1 << 26) -> None:
        from ._store import load_store, store_stats

        self._store, self.version = load_store(paths)
        self.stats = store_stats(self._store)
        self._max_result_bytes = max_result_bytes

    async def start(self) -> None:
        return None

    async def execute(self, job: QueryJob, *, timeout: float) -> QueryResult:
        from ._worker import execute

        request = _job_request(job, self._max_result_bytes)
        reply = await asyncio.to_thread(execute, self._store, request)
        return _result(reply, job)

    async def close(self) -> None:
        return None
