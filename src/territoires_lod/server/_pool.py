"""A pool of query worker processes, driven from the front's event loop.

Each query runs in a worker process, never in the event loop: a slow query cannot block other
requests, and one that overruns its time limit is killed (its core is freed at once) and the
worker replaced by a fresh fork of the zygote.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass

from . import _wire


class QueryTimeout(Exception):
    pass


class QueueTimeout(Exception):
    pass


class WorkerCrashed(Exception):
    pass


@dataclass
class _Worker:
    pid: int
    sock: socket.socket
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


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


class QueryPool:
    """`await pool.run(request, timeout=…)` → the worker's reply tuple."""

    def __init__(self, *, control: socket.socket, zygote_pid: int, size: int) -> None:
        self._control = control
        self._zygote_pid = zygote_pid
        self._size = size
        self._idle: asyncio.Queue[_Worker] | None = None
        self._spawn_lock = threading.Lock()
        self._pids: set[int] = set()
        self.replaced = 0
        self.retired = 0
        self._tasks: set[asyncio.Task] = set()  # workers killed for overrunning or lost, for the logs and tests

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        for _ in range(self._size):
            self._idle.put_nowait(await self._spawn())

    async def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            pid = await asyncio.get_running_loop().run_in_executor(None, self._ask_zygote, theirs)
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=ours, limit=1 << 26)
        self._pids.add(pid)
        return _Worker(pid, ours, reader, writer)

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

    async def run(self, request: dict, *, timeout: float, queue_timeout: float | None = None):
        assert self._idle is not None, "start() the pool first"
        try:
            worker = await asyncio.wait_for(self._idle.get(), queue_timeout or timeout)
        except asyncio.TimeoutError:
            raise QueueTimeout from None
        try:
            worker.writer.write(_wire.encode(request))
            reply = await asyncio.wait_for(_wire.async_recv(worker.reader), timeout)
        except asyncio.TimeoutError:
            await self._replace(worker)
            raise QueryTimeout from None
        except (EOFError, ConnectionError, OSError) as exc:
            await self._replace(worker)
            raise WorkerCrashed(str(exc)) from None
        except asyncio.CancelledError:
            # The client went away mid-query: the worker's answer would arrive out of turn.
            await asyncio.shield(self._replace(worker))
            raise
        *reply, retire = reply
        if retire:  # it finished this query, then asked to be replaced (memory grew)
            self.retired += 1
            self._kill(worker.pid)
            worker.writer.close()
            task = asyncio.get_running_loop().create_task(self._respawn())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self._idle.put_nowait(worker)
        return tuple(reply)

    async def _replace(self, worker: _Worker) -> None:
        self.replaced += 1
        self._kill(worker.pid)
        worker.writer.close()
        self._idle.put_nowait(await self._spawn())

    async def _respawn(self) -> None:
        self._idle.put_nowait(await self._spawn())

    def _kill(self, pid: int) -> None:
        self._pids.discard(pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    @property
    def pids(self) -> frozenset[int]:
        return frozenset(self._pids)

    async def close(self) -> None:
        killed = list(self._pids)
        for pid in killed:  # busy ones too: a runaway query must not outlive us
            self._kill(pid)
        deadline = time.monotonic() + 1
        while killed and time.monotonic() < deadline:  # let the zygote reap them before it exits
            killed = [pid for pid in killed if _alive(pid)]
            await asyncio.sleep(0.01)
        if self._idle is not None:
            while not self._idle.empty():
                self._idle.get_nowait().writer.close()
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
