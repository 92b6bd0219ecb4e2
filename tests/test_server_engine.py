"""The embedded engine: queries in forked worker processes, with a hard time limit."""

import asyncio
import contextlib
import os
import time

import pytest

from territoires_lod.server import EmbeddedEngine, InProcessEngine
from territoires_lod.server._engine import (QueryEvaluationError, QueryJob, QuerySyntaxError, QueryTimedOut,
                                            ResultTooLarge, job_shape)
from territoires_lod.server._media import FORMATS
from territoires_lod.server._pool import _alive
from territoires_lod.server._store import load_store

FMT = {f.key: f for f in FORMATS}
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/territoires-industrie/def#IndustryTerritory> }"


def job(query, solutions="json", graph="turtle", default_graphs=(), named_graphs=()):
    return QueryJob(query, tuple(default_graphs), tuple(named_graphs), FMT[solutions], FMT[graph])


@pytest.fixture(scope="module")
def nquads(dist):
    return [dist / "territoires-industrie.nq"]


def run(coro):
    return asyncio.run(coro)


async def with_engine(paths, body, **kwargs):
    engine = EmbeddedEngine(paths, workers=kwargs.pop("workers", 2), max_result_bytes=kwargs.pop("max_result_bytes", 1 << 24),
                            on_disk=kwargs.pop("on_disk", False), max_query_memory=kwargs.pop("max_query_memory", 0))
    await engine.start()
    try:
        return await body(engine)
    finally:
        await engine.close()


def test_union_default_graph_and_formats(nquads):
    async def body(engine):
        result = await engine.execute(job(COUNT), timeout=10)
        assert b'"10"' in result.body and result.format.key == "json"
        graph = await engine.execute(job("CONSTRUCT WHERE { ?s a ?o } LIMIT 2", graph="ntriples"), timeout=10)
        assert graph.format.key == "ntriples" and graph.body.count(b"\n") == 2
        ask = await engine.execute(job("ASK { ?s ?p ?o }", solutions="xml"), timeout=10)
        assert b"<boolean>true</boolean>" in ask.body
        only = await engine.execute(job(COUNT, default_graphs=[
            "https://w3id.org/territoires-industrie/graph/annonce-2018-11-22"]), timeout=10)
        assert b'"9"' in only.body
    run(with_engine(nquads, body))
    assert nquads  # the engine loaded named graphs


def test_a_query_nested_deeper_than_the_parser_can_follow_is_said_so(nquads):
    # pyoxigraph's parser overflows its stack (the worker crashes) rather than report an error.
    deep = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000

    async def body(engine):
        with pytest.raises(QueryEvaluationError, match="nested 5000 levels deep"):
            await engine.execute(job(deep), timeout=10)
        assert b'"10"' in (await engine.execute(job(COUNT), timeout=10)).body  # a new worker answers
    run(with_engine(nquads, body))


def test_stats_and_version(nquads):
    store, version = load_store(nquads)
    assert len(version) == 20
    engine = InProcessEngine(nquads)
    assert engine.stats.triples == 1919
    assert len(engine.stats.graphs) == 11


def test_syntax_error_names_the_position(nquads):
    async def body(engine):
        with pytest.raises(QuerySyntaxError, match="1:"):
            await engine.execute(job("SELECT * WHERE { ?s ?p }"), timeout=10)
    run(with_engine(nquads, body))


def test_runaway_query_is_killed_and_the_pool_stays_responsive(nquads):
    async def body(engine):
        pids_before = set(engine.pool.pids)
        slow = asyncio.create_task(engine.execute(job(SLOW), timeout=1.5))
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        for _ in range(20):  # cheap queries keep flowing on the other worker
            await engine.execute(job(COUNT), timeout=10)
        assert time.perf_counter() - start < 1.0
        with pytest.raises(QueryTimedOut, match="limit of 1.5 s"):
            await slow
        killed = pids_before - set(engine.pool.pids)  # the runaway's worker, and idle ones it displaced
        assert killed and engine.pool.replaced == 1
        await asyncio.sleep(0.1)
        assert not any(_alive(pid) for pid in killed)  # the runaway worker no longer runs: its core is free
        result = await engine.execute(job(COUNT), timeout=10)
        assert b'"10"' in result.body
    run(with_engine(nquads, body))


def test_result_cap(nquads):
    async def body(engine):
        with pytest.raises(ResultTooLarge, match="LIMIT and OFFSET"):
            await engine.execute(job("SELECT * WHERE { ?s ?p ?o }"), timeout=10)
        small = await engine.execute(job("SELECT * WHERE { ?s ?p ?o } LIMIT 1"), timeout=10)
        assert small.body
    run(with_engine(nquads, body, max_result_bytes=10_000))


def _memory_hog() -> str:
    """A small query that builds strings of hundreds of megabytes (each BIND copies the last 40 times)."""
    binds = ['BIND("%s" AS ?v0)' % ("x" * 1000)]
    binds += [f'BIND(CONCAT({",".join([f"?v{i}"] * 40)}) AS ?v{i + 1})' for i in range(4)]
    return "SELECT (STRLEN(?v4) AS ?n) WHERE { %s }" % " ".join(binds)


def test_a_query_that_needs_more_memory_than_allowed_is_stopped_at_once(nquads):
    async def body(engine):
        start = time.monotonic()
        with pytest.raises(QueryEvaluationError, match="more memory than a query may use"):
            await engine.execute(job(_memory_hog()), timeout=30)
        assert time.monotonic() - start < 5  # not at the time limit
        result = await engine.execute(job(COUNT), timeout=10)  # a fresh worker answers
        assert b'"10"' in result.body
        # A query within the allowance is answered (the allowance is on top of the shared store).
        within = await engine.execute(job("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d a ?e }"), timeout=30)
        assert b'"n"' in within.body
    run(with_engine(nquads, body, max_query_memory=64 << 20))


def test_crashed_workers_are_replaced(nquads):
    async def body(engine):
        victims = set(engine.pool.pids)
        for victim in victims:  # both lanes
            os.kill(victim, 9)
        await asyncio.sleep(0.2)
        for _ in range(4):  # dead idle workers are skipped; one killed mid-query would be reported
            try:
                await engine.execute(job(COUNT), timeout=10)
            except QueryEvaluationError:
                pass
        result = await engine.execute(job(COUNT), timeout=10)
        assert b'"10"' in result.body
        engine.pool.costs.record(job_shape(job(COUNT)), 1.0)  # now a long query: the long lane answers
        result = await engine.execute(job(COUNT), timeout=10)
        assert b'"10"' in result.body
        assert not victims & engine.pool.pids
    run(with_engine(nquads, body))


def test_close_kills_busy_workers(nquads):
    async def body(engine):
        task = asyncio.create_task(engine.execute(job(SLOW), timeout=30))
        await asyncio.sleep(0.3)
        pids = set(engine.pool.pids)
        await engine.close()
        task.cancel()
        await asyncio.sleep(0.1)
        assert pids and not any(_alive(pid) for pid in pids)
    engine = EmbeddedEngine(nquads, workers=2, max_result_bytes=1 << 20)

    async def main():
        await engine.start()
        await body(engine)
    run(main())


def test_the_zygote_and_workers_hold_no_listening_socket(nquads):
    # A front's listening socket kept open by the zygote (or a worker) would go on taking
    # connections after that front is gone, with nobody to accept them. Other descriptors stay.
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    kept, _ = socket.socketpair()  # not a listening socket: inherited as it is

    def held(pid):
        links = set()
        for name in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                links.add(os.readlink(f"/proc/{pid}/fd/{name}"))
        return links

    async def body(engine):
        mine = f"socket:[{os.fstat(listener.fileno()).st_ino}]"
        assert mine in held(os.getpid())
        other = f"socket:[{os.fstat(kept.fileno()).st_ino}]"
        for pid in (engine._zygote_pid, *engine.pool.pids):
            assert mine not in held(pid)
            assert other in held(pid)
        assert (await engine.execute(job(COUNT), timeout=10)).body  # and they still work

    try:
        run(with_engine(nquads, body))
    finally:
        listener.close()
        kept.close()


def test_bad_data_file(tmp_path):
    bad = tmp_path / "x.ttl"
    bad.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(ValueError, match="x.ttl: not valid ttl"):
        load_store([bad])
    with pytest.raises(ValueError, match="unknown RDF file type"):
        load_store([tmp_path / "x.csv"])


def test_on_disk_store_answers_the_same_and_is_removed_on_close(nquads):
    import glob
    import tempfile

    pattern = f"{tempfile.gettempdir()}/territoires-lod-store-*"
    before = set(glob.glob(pattern))

    async def body(engine):
        assert len(set(glob.glob(pattern)) - before) == 1
        result = await engine.execute(job(COUNT), timeout=10)
        assert b'"10"' in result.body
        only = await engine.execute(job(COUNT, default_graphs=[
            "https://w3id.org/territoires-industrie/graph/annonce-2018-11-22"]), timeout=10)
        assert b'"9"' in only.body
        with pytest.raises(QueryTimedOut):  # a runaway is still killed
            await engine.execute(job(SLOW), timeout=1)
        assert b'"10"' in (await engine.execute(job(COUNT), timeout=10)).body
        return engine.stats

    stats = run(with_engine(nquads, body, on_disk=True))
    assert stats.triples == 1919 and len(stats.graphs) == 11
    time.sleep(0.5)  # the zygote removes the folder on its way out
    assert set(glob.glob(pattern)) == before


def test_on_disk_store_reports_bad_data(tmp_path):
    bad = tmp_path / "x.ttl"
    bad.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(ValueError, match="x.ttl: not valid ttl"):
        EmbeddedEngine([bad], workers=1, max_result_bytes=1 << 20, on_disk=True)


def test_on_disk_store_is_removed_when_the_process_group_is_terminated(nquads):
    import glob
    import signal
    import subprocess
    import sys
    import tempfile

    from .conftest import ROOT, free_port, wait_for_http

    pattern = f"{tempfile.gettempdir()}/territoires-lod-store-*"
    before = set(glob.glob(pattern))
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "territoires_lod._cli", "serve", "--port", str(port),
                               "--store", "disk", "--data", str(nquads[0])],
                              cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/sparql", process=server)
        assert len(set(glob.glob(pattern)) - before) == 1
        os.killpg(server.pid, signal.SIGTERM)  # as a service manager stops it: every process at once
        server.wait(15)
        deadline = time.monotonic() + 5
        while set(glob.glob(pattern)) != before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert set(glob.glob(pattern)) == before
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
