"""The query pool's lanes: cheap queries stay prompt while long and runaway queries run."""

import asyncio
import os
import signal
import time

import pytest

from territoires_lod.server import EmbeddedEngine
from territoires_lod.server._engine import QueryEvaluationError, QueryJob, QueryTimedOut, ServerBusy, job_shape
from territoires_lod.server._media import FORMATS
from territoires_lod.server._pool import DEPTH, LANES, LONG, RUNAWAY

FMT = {f.key: f for f in FORMATS}
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/territoires-industrie/def#IndustryTerritory> }"


def job(query):
    return QueryJob(query, (), (), FMT["json"], FMT["turtle"])


async def with_engine(paths, body, *, workers, **options):
    engine = EmbeddedEngine(paths, workers=workers, max_result_bytes=1 << 24, **options)
    await engine.start()
    try:
        return await body(engine)
    finally:
        await engine.close()


def niceness(pids):
    out = {}
    for pid in pids:
        try:
            out[pid] = os.getpriority(os.PRIO_PROCESS, pid)
        except OSError:
            pass
    return out


async def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return predicate()


async def cancel(task):
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.fixture(scope="module")
def nquads(dist):
    return [dist / "territoires-industrie.nq"]


def test_a_long_query_is_reniced_then_treated_as_runaway(nquads):
    async def body(engine):
        pool = engine.pool
        slow = asyncio.create_task(engine.execute(job(SLOW), timeout=6))
        # past 40 ms of CPU it is in the long lane (nice 10); past 1 s, a runaway (nice 19)
        assert await wait_until(lambda: LANES[RUNAWAY].nice in niceness(pool.pids).values(), 4)
        assert pool.demoted == 2
        assert pool.costs.expensive(job_shape(job(SLOW)))  # the next one goes straight to the long lane
        await cancel(slow)
    asyncio.run(with_engine(nquads, body, workers=1))


def test_a_query_whose_client_went_away_is_stopped_at_its_lanes_allowance(nquads):
    async def body(engine):
        pool = engine.pool
        future = engine.submit(job(SLOW), timeout=10)
        await asyncio.sleep(0.01)
        future.cancel()  # as when the client disconnects
        replaced = pool.replaced
        # stopped when it passes the short lane's 40 ms, not demoted to run on until the time limit
        assert await wait_until(lambda: pool.replaced > replaced, 1)
        assert pool.demoted == 0
        assert b'"10"' in (await engine.execute(job(COUNT), timeout=10)).body
    asyncio.run(with_engine(nquads, body, workers=1))


def test_the_time_limit_counts_the_wait_for_a_worker(nquads):
    async def body(engine):
        pool = engine.pool
        pool.costs.record(job_shape(job(SLOW)), 1.0)  # a long shape: the long lane's one worker takes it
        first = asyncio.create_task(engine.execute(job(SLOW), timeout=20))
        await asyncio.sleep(0.2)
        start = time.monotonic()
        with pytest.raises(QueryTimedOut):  # waits for the long lane (about 1 s), then runs
            await engine.execute(job(SLOW + " # again"), timeout=2)
        assert time.monotonic() - start < 2.6  # not the wait and then 2 s more
        await cancel(first)
    asyncio.run(with_engine(nquads, body, workers=1))


def test_cheap_queries_stay_prompt_while_runaway_queries_run(nquads):
    async def body(engine):
        pool = engine.pool
        # One worker per lane, and two runaways: without lanes, both workers would be taken.
        slow = [asyncio.create_task(engine.execute(job(f"{SLOW} # {i}"), timeout=6)) for i in range(2)]
        await asyncio.sleep(0.3)
        start = time.monotonic()
        for _ in range(20):
            result = await engine.execute(job(COUNT), timeout=10)
            assert b'"10"' in result.body
        assert time.monotonic() - start < 3  # generous: ~20 ms unloaded; 6 s if they waited for a runaway
        # once both are runaways, a query of a long shape gets a long-lane worker too
        assert await wait_until(lambda: list(niceness(pool.pids).values()).count(LANES[RUNAWAY].nice) == 2, 5)
        long_query = COUNT.replace("?n", "?m")
        pool.costs.record(job_shape(job(long_query)), 1.0)
        start = time.monotonic()
        result = await engine.execute(job(long_query), timeout=10)
        assert b'"10"' in result.body and time.monotonic() - start < 3
        for task in slow:  # the time limit still kills them
            with pytest.raises(QueryTimedOut):
                await task
        assert pool.replaced == 2
        # the lanes are back to their sizes: one short, one long worker
        assert await wait_until(lambda: sorted(niceness(pool.pids).values()) == [0, LANES[LONG].nice], 3)
    asyncio.run(with_engine(nquads, body, workers=1))


def test_a_shape_known_to_run_away_goes_straight_to_the_runaway_lane(nquads):
    async def body(engine):
        pool = engine.pool
        pool.costs.record(job_shape(job(SLOW)), 10.0)  # it ran into the time limit last time
        slow = asyncio.create_task(engine.execute(job(SLOW), timeout=3))
        # within 0.8 s: passing through the long lane would take 1 s of CPU first
        expected = [0, LANES[LONG].nice, LANES[RUNAWAY].nice]  # and the long lane got a fresh worker
        assert await wait_until(lambda: sorted(niceness(pool.pids).values()) == expected, 0.8)
        assert pool.demoted == 1
        with pytest.raises(QueryTimedOut):
            await slow
    asyncio.run(with_engine(nquads, body, workers=1))


def test_when_the_other_lanes_are_full_the_oldest_runaway_makes_room(nquads):
    async def body(engine):
        pool = engine.pool
        # One worker kept per lane: the long and runaway lanes hold 3 at most, here 3 runaways.
        slow = [asyncio.create_task(engine.execute(job(f"{SLOW} # {i}"), timeout=30)) for i in range(3)]
        assert await wait_until(lambda: list(niceness(pool.pids).values()).count(LANES[RUNAWAY].nice) == 3, 10)
        oldest = min((w for w in pool._workers if w.lane == RUNAWAY), key=lambda w: w.started)
        oldest_pid = oldest.pid
        # A new shape, long too: the short lane takes it first, then it must leave, and has room to go.
        other = asyncio.create_task(engine.execute(job(SLOW.replace("?i }", "?i . ?j ?k ?l }")), timeout=30))
        await asyncio.sleep(0.3)
        start = time.monotonic()
        for i in range(10):  # the short lane always got its worker back
            assert b'"10"' in (await engine.execute(job(f"{COUNT} # {i}"), timeout=10)).body
        assert time.monotonic() - start < 2
        assert await wait_until(lambda: any(task.done() for task in slow), 3)
        (shed,) = [task for task in slow if task.done()]
        with pytest.raises(ServerBusy, match="stopped to make room"):
            await shed
        assert pool.shed == 1 and oldest_pid not in pool.pids and not other.done()
        for task in [*slow, other]:
            if not task.done():
                await cancel(task)
    asyncio.run(with_engine(nquads, body, workers=1))


def test_when_the_other_lanes_are_full_of_long_queries_the_newcomer_is_stopped(nquads):
    async def body(engine):
        pool = engine.pool
        # Four long queries of new shapes: each starts in the short lane and must leave it. The long
        # and runaway lanes hold 3: the fourth finds them full of long queries (none a runaway yet).
        shapes = [SLOW.replace("?i", f"?i{n}") for n in range(4)]
        tasks = [asyncio.create_task(engine.execute(job(query), timeout=30)) for query in shapes]
        with pytest.raises(ServerBusy, match="stopped to make room"):
            await asyncio.wait_for(tasks[3], 10)
        assert pool.shed == 1 and not any(task.done() for task in tasks[:3])
        assert b'"10"' in (await engine.execute(job(COUNT), timeout=10)).body  # the short lane answers
        for task in tasks[:3]:
            await cancel(task)
    asyncio.run(with_engine(nquads, body, workers=1))


# --- queries sent ahead to a short-lane worker ---------------------------------------------

def _numbered(n: int) -> str:
    return f"SELECT ?x WHERE {{ ?s a <https://w3id.org/territoires-industrie/def#IndustryTerritory> BIND({n} AS ?x) }} LIMIT 1"


def test_queries_sent_ahead_are_answered_each_with_its_own_result(nquads):
    async def body(engine):
        tasks = [asyncio.create_task(engine.execute(job(_numbered(n)), timeout=10)) for n in range(40)]
        await asyncio.sleep(0)
        assert [len(w.jobs) for w in engine.pool._short] == [DEPTH]  # sent ahead, the rest wait for room
        results = await asyncio.gather(*tasks)
        for n, result in enumerate(results):
            assert f'"value":"{n}"'.encode() in result.body
        assert max(len(w.jobs) for w in engine.pool._short) == 0
        assert engine.pool.replaced == 0
    asyncio.run(with_engine(nquads, body, workers=1))


def test_queries_queued_behind_a_demoted_one_go_to_another_worker(nquads):
    async def body(engine):
        pool = engine.pool
        slow = asyncio.create_task(engine.execute(job(SLOW), timeout=5))
        await asyncio.sleep(0)  # the slow query is sent first, to the only short worker
        start = time.monotonic()
        cheap = [asyncio.create_task(engine.execute(job(f"{COUNT} # {i}"), timeout=10)) for i in range(3)]
        for task in cheap:
            assert b'"10"' in (await task).body
        assert time.monotonic() - start < 2  # not behind the slow query's 5 s
        assert pool.demoted >= 1 and not slow.done()
        await cancel(slow)
    asyncio.run(with_engine(nquads, body, workers=1))


def test_queries_queued_behind_one_that_kills_its_worker_are_answered(nquads):
    async def body(engine):
        pool = engine.pool
        slow = asyncio.create_task(engine.execute(job(SLOW), timeout=5))
        await asyncio.sleep(0)
        cheap = [asyncio.create_task(engine.execute(job(f"{COUNT} # {i}"), timeout=10)) for i in range(3)]
        await asyncio.sleep(0)
        (worker,) = pool._short
        assert len(worker.jobs) == 4
        os.kill(worker.pid, 9)  # as if the slow query had crashed it
        for task in cheap:
            assert b'"10"' in (await task).body
        with pytest.raises(QueryEvaluationError):
            await slow
        assert pool.replaced == 1
    asyncio.run(with_engine(nquads, body, workers=1))


def test_an_idle_worker_that_copied_store_pages_is_replaced_by_a_fresh_fork(nquads):
    async def body(engine):
        pool = engine.pool
        before = pool.pids
        assert b'"10"' in (await engine.execute(job(COUNT), timeout=10)).body
        # Any worker that has worked holds some private memory: past 0 bytes, the one that answered goes.
        assert await wait_until(lambda: pool.refreshed == 1 and len(pool.pids) == len(before), 3)
        assert len(before - pool.pids) == 1
        assert b'"10"' in (await engine.execute(job(COUNT), timeout=10)).body  # a fresh fork answers
    asyncio.run(with_engine(nquads, body, workers=1, idle_after=0.3, idle_private_bytes=0))


def test_an_idle_worker_under_the_memory_threshold_is_kept(nquads):
    async def body(engine):
        pool = engine.pool
        assert b'"10"' in (await engine.execute(job(COUNT), timeout=10)).body
        before = pool.pids
        await asyncio.sleep(1)  # three idle spells' checks
        assert pool.refreshed == 0
        assert pool.pids == before
    asyncio.run(with_engine(nquads, body, workers=1, idle_after=0.3, idle_private_bytes=1 << 40))


def test_a_busy_worker_is_not_replaced_however_much_memory_it_holds(nquads):
    async def body(engine):
        pool = engine.pool
        pool.costs.record(job_shape(job(SLOW)), 0.5)  # a long shape: the long lane's worker takes it
        slow = asyncio.create_task(engine.execute(job(SLOW), timeout=20))
        await asyncio.sleep(0.3)
        busy = {pid for pid, nice in niceness(pool.pids).items() if nice == LANES[LONG].nice}
        assert len(busy) == 1
        await asyncio.sleep(1)
        assert busy <= pool.pids  # still running its query
        await cancel(slow)
    asyncio.run(with_engine(nquads, body, workers=1, idle_after=0.3, idle_private_bytes=0))


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def test_without_a_zygote_to_fork_fresh_workers_idle_workers_are_kept(nquads):
    async def body(engine):
        pool = engine.pool
        assert b'"10"' in (await engine.execute(job(COUNT), timeout=10)).body
        before = pool.pids
        zygote = {_parent(pid) for pid in before}.pop()
        os.kill(zygote, signal.SIGKILL)
        await asyncio.sleep(1)  # three idle spells' checks
        assert pool.refreshed == 0 and pool.pids == before
        assert b'"10"' in (await engine.execute(job(COUNT), timeout=10)).body  # still answering
    asyncio.run(with_engine(nquads, body, workers=1, idle_after=0.3, idle_private_bytes=0))

