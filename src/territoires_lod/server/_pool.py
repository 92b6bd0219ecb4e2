"""A pool of query worker processes, driven from the front's event loop.

Each query runs in a worker process, never in the event loop: a slow query cannot block other
requests, and one that overruns its time limit is killed (its core is freed at once) and the
worker replaced by a fresh fork of the zygote.

Lanes, so that cheap queries are answered promptly while scans and runaway queries run (2 cores
can serve thousands of point lookups a second, or a handful of scans; never let the scans hold
every worker and core):
- *short* (`size` workers, nice 0) takes every query not known to be long;
- *long* (`long_size` workers, nice 7) takes queries whose shape recently used more than 40 ms of
  CPU (see _costs.py): they no longer hold the short workers and, niced, leave most of the CPU to
  cheap work (nice 7: about a sixth of a contended core, so that scans still end within the
  time limit when cheap queries alone could fill every core);
- *runaway* (nice 19, no idle workers) holds queries past 1 s of CPU (or whose shape took that
  long lately) until they end or hit the time limit, so that they do not hold long workers either.
A query that uses its lane's CPU allowance (or runs WALL_FACTOR times that long) is demoted: its
worker is reniced and moves to the next lane (taking the place of an idle worker there, if any),
and its old lane gets a fresh fork of the zygote (milliseconds), so a new query never waits
behind it. A lane keeps only its number of workers: a demoted worker beyond it retires when its
query ends (renicing cannot be undone without privileges, and retiring frees the store pages its
scan copied). All lanes together never hold more than twice the workers they keep, and the
short lane's places are always free to refill: when a query must leave the short lane while the
long and runaway lanes have no room, the runaway query that has run longest is stopped (503: the
server is busy) to make room, or, if there is none, the query leaving the short lane. Cheap
queries never wait for a worker because the other lanes are full.

Every query copies the store pages it touches into its worker (reading them writes reference
counts), so a busy worker ends up with a private copy of much of the store (on the 500k-triple
COG, 100 MiB for point lookups, 130 MiB for a scan). A worker idle for IDLE_AFTER seconds whose
private memory passed IDLE_PRIVATE_BYTES is replaced by a fresh fork: under load nothing
changes, and when the load stops memory goes back to what it was once the data was loaded.

Short-lane workers take up to DEPTH queries at a time, answered in order: the worker reads the
next one while the front handles the last reply, and both processes wake less often (a third
more point lookups a second on 2 cores). When the query at the head is demoted, the ones queued
behind it go to another short worker, and the demoted worker retires once its query ends. Long
and runaway workers take one query at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from . import _wire
from ._costs import CostBook, SharedCosts
from ._worker import private_bytes

log = logging.getLogger("territoires_lod.server")


class QueryTimeout(Exception):
    pass


class QueueTimeout(Exception):
    pass


class WorkerCrashed(Exception):
    pass


class QueryShed(Exception):
    """Stopped before its time limit, to make room: too many long queries were running."""


@dataclass(frozen=True)
class Lane:
    name: str
    nice: int  # 0, 7, 19: CPU weight 1024, 215, 15 on a contended core
    demote_after: float | None  # CPU seconds after which a query moves on to the next lane


# A query also moves on after this many times its lane's allowance in wall time, CPU or not: on a
# crowded machine 40 ms of CPU can take a second to accrue, and the cheap queries queued behind
# it should not wait that long.
WALL_FACTOR = 2.5


LANES = (Lane("short", 0, 0.04), Lane("long", 7, 1.0), Lane("runaway", 19, None))
SHORT, LONG, RUNAWAY = range(3)


# Queries sent ahead to one short-lane worker (see the module doc).
DEPTH = 8
# An idle worker that has copied this much of the store is replaced (see the module doc).
IDLE_AFTER = 5.0
IDLE_PRIVATE_BYTES = 32 << 20
_GONE = "the query worker closed its connection"


class _Redispatch(Exception):
    """The worker a query was queued on left the short lane (or died) before reaching it."""


@dataclass(eq=False)
class _Job:
    """A query sent to a worker; `settle` is called once with its reply or what went wrong."""

    request: dict
    shape: int | None
    attempt: _Attempt
    done: bool = False

    def settle(self, reply=None, error: BaseException | None = None) -> None:
        if not self.done:
            self.done = True
            self.attempt.settled(reply, error)


@dataclass(eq=False)
class _Worker:
    pid: int
    lane: int = SHORT
    connection: _wire.Connection | None = None  # its transport owns the socket
    cpu: float = 0.0  # its CPU seconds so far, as of its last reply
    started: float = 0.0  # monotonic time the query at the head of `jobs` started
    jobs: deque = field(default_factory=deque)  # sent, not yet answered; the head is running
    timer: asyncio.TimerHandle | None = None  # demotion timer of the head query
    retire_after_head: bool = False  # demoted with queries queued behind it: they went elsewhere
    gone: bool = False
    idle_since: float | None = None  # monotonic time its last query ended; None once taken for a query
    checked_since: float | None = None  # the idle spell whose memory was read (see _refresh_idle_workers)


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a zombie uses no CPU or memory)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _cpu_seconds(pid: int) -> float | None:
    """CPU time a (single-threaded) worker has used, read without disturbing it."""
    try:
        with open(f"/proc/{pid}/schedstat", encoding="ascii") as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def _renice(pid: int, nice: int) -> None:
    with contextlib.suppress(OSError):  # it may have just exited
        os.setpriority(os.PRIO_PROCESS, pid, nice)


class QueryPool:
    """`await pool.run(request, timeout=…, shape=…)` → the worker's reply tuple and the CPU seconds
    it took (see the module doc)."""

    def __init__(self, *, control: socket.socket, zygote_pid: int, size: int, long_size: int | None = None,
                 shared_costs: SharedCosts | None = None, idle_after: float = IDLE_AFTER,
                 idle_private_bytes: int = IDLE_PRIVATE_BYTES) -> None:
        self._control = control
        self._zygote_pid = zygote_pid
        self._target = [size, max(1, size if long_size is None else long_size), 0]  # workers kept per lane
        self._count = [0, 0, 0]  # live workers per lane, idle or busy (spawning included)
        # Room for demoted queries: twice the workers kept in all, of which the short lane's own.
        self._outside_cap = 2 * sum(self._target) - self._target[SHORT]  # long and runaway lanes together
        self.costs = CostBook(threshold=LANES[SHORT].demote_after, shared=shared_costs)
        self._short: list[_Worker] = []  # short-lane workers, each with up to DEPTH queries
        self._room: deque[asyncio.Future] = deque()  # queries waiting for room in the short lane
        self._idle: list[asyncio.Queue[_Worker]] = []  # idle long-lane workers (index LONG)
        self._spawn_lock = threading.Lock()
        self._workers: set[_Worker] = set()  # live workers, every lane, idle or busy
        self.replaced = 0  # workers killed for overrunning or lost
        self.retired = 0
        self.demoted = 0
        self.shed = 0
        self.refreshed = 0  # idle workers replaced to give back the store pages they had copied
        self._idle_after, self._idle_private_bytes = idle_after, idle_private_bytes
        self._tasks: set[asyncio.Task] = set()
        self._started = False

    async def start(self) -> None:
        self._idle = [asyncio.Queue() for _ in LANES]
        self._started = True
        await self._refill()
        if self._started:  # not closed meanwhile
            sweep = asyncio.get_running_loop().create_task(self._refresh_idle_workers())
            sweep.add_done_callback(self._sweep_ended)
            self._tasks.add(sweep)

    def _sweep_ended(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("idle workers are no longer refreshed: %r", task.exception())

    # --- workers come and go ------------------------------------------------------------------

    async def _refill(self) -> None:
        """Fork workers until each lane has its number (within the cap on all workers, of which
        the short lane's places are kept free)."""
        for lane, target in enumerate(self._target):
            while self._count[lane] < target and (lane == SHORT or self._outside_short() < self._outside_cap):
                self._count[lane] += 1  # before the await, so concurrent refills do not overshoot
                try:
                    worker = await self._spawn(lane)
                except BaseException:
                    self._count[lane] -= 1
                    raise
                self._release(worker)

    def _refill_soon(self) -> None:
        task = asyncio.get_running_loop().create_task(self._refill())
        self._tasks.add(task)
        task.add_done_callback(self._refilled)

    def _refilled(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:  # the zygote is gone: queries will say so
            log.warning("could not fork a query worker: %s", task.exception())

    async def _spawn(self, lane: int) -> _Worker:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            pid = await asyncio.get_running_loop().run_in_executor(None, self._ask_zygote, theirs)
        finally:
            theirs.close()
        worker = _Worker(pid, lane)
        worker.connection = await _wire.connect(ours, on_reply=functools.partial(self._on_reply, worker),
                                                on_lost=functools.partial(self._on_lost, worker))
        self._workers.add(worker)
        if LANES[lane].nice:
            _renice(pid, LANES[lane].nice)
        return worker

    def _ask_zygote(self, sock: socket.socket) -> int:
        with self._spawn_lock:
            socket.send_fds(self._control, [b"F"], [sock.fileno()])
            reply = b""
            while len(reply) < 4:
                chunk = self._control.recv(4 - len(reply))
                if not chunk:
                    raise WorkerCrashed("the zygote process is gone")
                reply += chunk
        return int.from_bytes(reply, "big")

    def _release(self, worker: _Worker) -> None:
        """`worker` can take queries: its lane's list of short workers, or the idle queue."""
        if worker.lane == SHORT:
            if worker not in self._short:
                self._short.append(worker)
            room = DEPTH - len(worker.jobs)
            while room > 0 and self._room:
                waiter = self._room.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    room -= 1
        else:
            self._idle[worker.lane].put_nowait(worker)

    def _give_back(self, worker: _Worker) -> None:
        """A worker checked out for a query that was abandoned before it was sent: idle again in the
        long lane; one that `_usable_long` had moved to the runaway lane (which keeps none) retires."""
        if worker.lane == SHORT or worker.gone:
            return
        if worker.lane == RUNAWAY:
            self.retired += 1
            self._discard(worker)
            self._refill_soon()
            return
        worker.idle_since = time.monotonic()
        self._release(worker)

    def _discard(self, worker: _Worker) -> None:
        if worker.gone:
            return
        worker.gone = True
        self._workers.discard(worker)
        self._count[worker.lane] -= 1
        if worker in self._short:
            self._short.remove(worker)
        if worker.timer is not None:
            worker.timer.cancel()
        self._kill(worker.pid)
        worker.connection.close()

    async def _refresh_idle_workers(self) -> None:
        """Replace each worker idle for `idle_after` seconds whose private memory passed
        `idle_private_bytes` (once per idle spell: reading a process's memory map takes
        milliseconds, so it is read in a thread, and not again until the worker has worked)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._idle_after / 2)
            quiet_since = time.monotonic() - self._idle_after
            for worker in [w for w in self._workers if w.idle_since is not None and w.idle_since <= quiet_since
                           and w.checked_since != w.idle_since]:
                since = worker.checked_since = worker.idle_since
                size = await loop.run_in_executor(None, private_bytes, worker.pid)
                # Meanwhile it may have been taken for a query (and even ended it: another spell).
                # And without a zygote to fork a fresh one, a worker that holds pages beats none.
                if size > self._idle_private_bytes and worker.idle_since == since \
                        and not (worker.gone or worker.jobs) and _alive(self._zygote_pid):
                    self._refresh(worker)

    def _refresh(self, worker: _Worker) -> None:
        """Replace an idle worker by a fresh fork."""
        self.refreshed += 1
        if worker.lane != SHORT:  # out of the idle queue, so that it no longer counts as room there
            idle = self._idle[worker.lane]
            for other in [w for w in (idle.get_nowait() for _ in range(idle.qsize())) if w is not worker]:
                idle.put_nowait(other)
        self._discard(worker)
        self._refill_soon()

    def _kill(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    # --- queries --------------------------------------------------------------------------------

    def submit(self, request: dict, *, timeout: float, shape: int | None = None,
               queue_timeout: float | None = None) -> asyncio.Future:
        """The future of `run`'s answer, settled by callbacks: no task, no coroutine when a worker
        can take the query at once (the usual case). Cancelling it abandons the query."""
        assert self._started, "start() the pool first"
        outcome = _Outcome(loop=asyncio.get_running_loop())
        outcome.attempt = _Attempt(self, request, shape, timeout, time.monotonic() + (queue_timeout or timeout),
                                   outcome)
        outcome.attempt.dispatch()
        return outcome

    async def run(self, request: dict, *, timeout: float, shape: int | None = None,
                  queue_timeout: float | None = None):
        return await self.submit(request, timeout=timeout, shape=shape, queue_timeout=queue_timeout)

    @staticmethod
    def _running(worker: _Worker, job: _Job) -> bool:
        return not worker.gone and bool(worker.jobs) and worker.jobs[0] is job

    def _send(self, worker: _Worker, job: _Job) -> None:
        worker.idle_since = None
        worker.jobs.append(job)
        worker.connection.send(job.request)
        if len(worker.jobs) == 1:
            self._start_head(worker)

    def _stop(self, worker: _Worker) -> None:
        """Kill the worker running a query nobody waits for any more; its lane gets a fresh one."""
        self.replaced += 1
        self._discard(worker)
        self._refill_soon()

    def _checkout_now(self, shape: int | None) -> _Worker | None:
        """A worker for a query of `shape` without waiting: the short worker with the fewest queries
        queued (when one has room), or an idle long-lane one; None if there is none."""
        if not self.costs.expensive(shape):
            best = None
            for worker in self._short:
                if len(worker.jobs) < DEPTH and (best is None or len(worker.jobs) < len(best.jobs)):
                    best = worker
            return best
        idle = self._idle[LONG]
        while not idle.empty():
            worker = self._usable_long(idle.get_nowait(), shape)
            if worker is not None:
                return worker
        return None

    def _usable_long(self, worker: _Worker, shape: int | None) -> _Worker | None:
        if worker.gone or worker.connection.closed:  # died while idle
            return None
        worker.idle_since = None  # taken: not to be refreshed before its query is sent
        if self.costs.seconds(shape) > LANES[LONG].demote_after:  # it would end up there: go at once
            self._move(worker, RUNAWAY)
        return worker

    async def _checkout(self, shape: int | None, deadline: float) -> _Worker:
        """`_checkout_now`, waiting for room until `deadline` (QueueTimeout)."""
        while True:
            worker = self._checkout_now(shape)
            if worker is not None:
                return worker
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    if not self.costs.expensive(shape):
                        waiter = asyncio.get_running_loop().create_future()
                        self._room.append(waiter)
                        await waiter
                        continue  # the shape may have been found expensive meanwhile
                    worker = self._usable_long(await self._idle[LONG].get(), shape)
            except TimeoutError:
                raise QueueTimeout from None
            if worker is not None:
                return worker

    def _start_head(self, worker: _Worker) -> None:
        worker.started = time.monotonic()
        self._arm(worker)

    def _on_reply(self, worker: _Worker, message) -> None:
        """A worker answered the query at the head of its queue."""
        job = worker.jobs.popleft()
        if worker.timer is not None:
            worker.timer.cancel()
            worker.timer = None
        *reply, retire, cpu_total = message
        cpu_seconds = cpu_total - worker.cpu
        worker.cpu = cpu_total
        self.costs.record(job.shape, cpu_seconds)
        job.settle((tuple(reply), cpu_seconds))
        if worker.gone:
            return
        if retire or worker.retire_after_head or self._count[worker.lane] > self._target[worker.lane]:
            # It asked to be replaced (memory grew), its queue went elsewhere, or it is a demoted
            # worker its lane can spare.
            self.retired += 1
            self._discard(worker)
            self._refill_soon()
            return
        if worker.jobs:
            self._start_head(worker)
        else:
            worker.idle_since = time.monotonic()
        self._release(worker)

    def _on_lost(self, worker: _Worker) -> None:
        """The worker's socket closed: we discarded it, or it died. Queries queued behind its head
        go to another worker; the head, if it is still waited for, failed."""
        if not worker.gone:
            if self._started:
                self.replaced += 1
                self._discard(worker)
                self._refill_soon()
            else:  # close() killed it
                worker.gone = True
        jobs, worker.jobs = list(worker.jobs), deque()
        for index, job in enumerate(jobs):
            job.settle(error=EOFError(_GONE) if index == 0 else _Redispatch())

    # --- lanes ----------------------------------------------------------------------------------

    def _arm(self, worker: _Worker, delay: float | None = None) -> None:
        limit = LANES[worker.lane].demote_after
        if limit is not None:
            worker.timer = asyncio.get_running_loop().call_later(
                limit if delay is None else delay, self._demote, worker)

    def _demote(self, worker: _Worker) -> None:
        """The query at the head of `worker` has run as long as its lane allows. If it has also used
        that much CPU (not merely waited for a busy core), or been running WALL_FACTOR times as
        long, renice it and move the worker to the next lane, where it takes the place of an idle
        worker if there is one; its lane gets a fresh worker. Queries of a shape that used the CPU
        go to the long lane from now on, not only once this one ends."""
        worker.timer = None
        if worker.gone or not worker.jobs:
            return
        if worker.jobs[0].done:  # its client went away: nobody waits for it any longer
            self._stop(worker)  # (the queries queued behind it go to another worker)
            return
        shape = worker.jobs[0].shape
        limit = LANES[worker.lane].demote_after
        used = _cpu_seconds(worker.pid)
        used = limit if used is None else used - worker.cpu
        wall = time.monotonic() - worker.started
        if used < limit and wall < WALL_FACTOR * limit:
            self._arm(worker, min(limit - used, WALL_FACTOR * limit - wall))
            return
        self.costs.record(shape, max(2 * LANES[SHORT].demote_after, used) if used >= limit else used)
        if worker.lane == SHORT and not self._make_room():
            self._shed(worker)  # nowhere to go: stopped, and the short lane gets a fresh worker
            self._refill_soon()
            return
        self._move(worker, worker.lane + 1)
        next_limit = LANES[worker.lane].demote_after
        self._arm(worker, next_limit and next_limit - used)

    def _outside_short(self) -> int:
        return self._count[LONG] + self._count[RUNAWAY]

    def _make_room(self) -> bool:
        """Whether a worker can leave the short lane for the long one: within the cap, or taking the
        place of an idle long worker, or once the runaway query that has run longest is stopped."""
        if self._outside_short() < self._outside_cap or not self._idle[LONG].empty():
            return True
        runaways = [w for w in self._workers if w.lane == RUNAWAY and w.jobs]
        if not runaways:
            return False
        self._shed(min(runaways, key=lambda w: w.started))
        return True

    def _shed(self, worker: _Worker) -> None:
        """Stop the query at the head of `worker` before its time limit (its client gets a 503);
        the queries queued behind it go to other workers."""
        self.shed += 1
        worker.jobs[0].settle(error=QueryShed())
        self._discard(worker)

    def _move(self, worker: _Worker, lane: int) -> None:
        if worker.lane == SHORT:
            self._short.remove(worker)
            behind = list(worker.jobs)[1:]  # queued behind the demoted query: elsewhere
            worker.retire_after_head = bool(behind)
            for job in behind:
                job.settle(error=_Redispatch())
        self._count[worker.lane] -= 1
        worker.lane = lane
        self._count[lane] += 1
        self.demoted += 1
        log.debug("worker %d demoted to the %s lane", worker.pid, LANES[lane].name)
        _renice(worker.pid, LANES[lane].nice)
        if not self._idle[lane].empty():
            self.retired += 1
            self._discard(self._idle[lane].get_nowait())
        self._refill_soon()

    @property
    def pids(self) -> frozenset[int]:
        return frozenset(worker.pid for worker in self._workers)

    async def close(self) -> None:
        log.info("query pool: %d queries demoted to the long lane, %d workers retired, %d replaced, "
                 "%d queries stopped early to make room, %d idle workers refreshed", self.demoted, self.retired,
                 self.replaced, self.shed, self.refreshed)
        self._started = False
        for task in list(self._tasks):  # no more forks
            task.cancel()
        killed = [worker.pid for worker in self._workers]
        for pid in killed:  # busy ones too: a runaway query must not outlive us
            self._kill(pid)
        deadline = time.monotonic() + 1
        while killed and time.monotonic() < deadline:  # let the zygote reap them before it exits
            killed = [pid for pid in killed if _alive(pid)]
            await asyncio.sleep(0.01)
        for worker in list(self._short):
            worker.connection.close()
        for idle in self._idle:
            while not idle.empty():
                idle.get_nowait().connection.close()
        self._control.close()  # the zygote exits when its control socket closes
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(self._zygote_pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done:
                return
            await asyncio.sleep(0.02)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._zygote_pid, signal.SIGKILL)


class _Outcome(asyncio.Future):
    """The future `submit` returns: cancelling it (as cancelling a task awaiting it does) abandons
    the query at once, without a done-callback on every query."""

    attempt: _Attempt

    def cancel(self, msg=None) -> bool:
        cancelled = super().cancel(msg)
        if cancelled:
            self.attempt.abandon()
        return cancelled


class _Attempt:
    """One query through the pool, from checkout to `outcome`: sent to a worker (again to another
    if its worker left the short lane before reaching it) until its answer, its time limit or an
    error settles it. Callbacks, not a coroutine: most queries find a worker at once."""

    def __init__(self, pool: QueryPool, request: dict, shape: int | None, timeout: float, deadline: float,
                 outcome: asyncio.Future) -> None:
        self.pool, self.request, self.shape = pool, request, shape
        self.timeout, self.deadline, self.outcome = timeout, deadline, outcome
        # The time limit counts from the request, the wait for a worker included: a client gets
        # its 503 after `timeout`, not after a wait and then `timeout` more.
        self.time_up_at = time.monotonic() + timeout
        self.worker: _Worker | None = None
        self.job: _Job | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.waiting: asyncio.Task | None = None  # a checkout that has to wait for a worker

    def dispatch(self) -> None:
        if self.outcome.done():  # abandoned before a redispatch
            return
        worker = self.pool._checkout_now(self.shape)
        if worker is not None:
            self._send(worker)
            return
        self.waiting = asyncio.get_running_loop().create_task(self.pool._checkout(self.shape, self.deadline))
        self.waiting.add_done_callback(self._checked_out)

    def _checked_out(self, task: asyncio.Task) -> None:
        self.waiting = None
        if task.cancelled():
            return
        if task.exception() is not None:
            if not self.outcome.done():
                self.outcome.set_exception(task.exception())
            return
        worker = task.result()
        if self.outcome.done():  # abandoned meanwhile: an idle long worker goes back
            self.pool._give_back(worker)
            return
        self._send(worker)

    def _send(self, worker: _Worker) -> None:
        self.worker, self.job = worker, _Job(self.request, self.shape, self)
        self.timer = asyncio.get_running_loop().call_later(max(0.001, self.time_up_at - time.monotonic()),
                                                           self._time_up)
        self.pool._send(worker, self.job)

    def settled(self, reply, error: BaseException | None) -> None:
        """From the pool: the job's reply, or EOFError, QueryShed, _Redispatch."""
        self.timer.cancel()
        if self.outcome.done():
            return
        if error is None:
            self.outcome.set_result(reply)
        elif isinstance(error, _Redispatch):
            asyncio.get_running_loop().call_soon(self.dispatch)  # not from inside the pool's bookkeeping
        elif isinstance(error, EOFError):
            self.pool.costs.record(self.shape, self.timeout)
            self.outcome.set_exception(WorkerCrashed(str(error)))
        else:
            self.outcome.set_exception(error)

    def _time_up(self) -> None:
        job, worker = self.job, self.worker
        if job.done:
            return
        job.done = True  # its reply, if it comes, is nobody's
        self.pool.costs.record(self.shape, self.timeout)
        if self.pool._running(worker, job):
            self.pool._stop(worker)
        if not self.outcome.done():
            self.outcome.set_exception(QueryTimeout())

    def abandon(self) -> None:
        """The client went away. A short query may finish (its answer is dropped) until its lane's
        allowance, when it is stopped (see `_demote`); a long one is stopped at once."""
        if self.waiting is not None:
            self.waiting.cancel()
        job, worker = self.job, self.worker
        if job is None or job.done:
            return
        job.done = True
        self.timer.cancel()
        if worker.lane != SHORT and self.pool._running(worker, job):
            self.pool._stop(worker)
