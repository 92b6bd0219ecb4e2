"""Query workers: processes that hold the store and answer one query at a time.

A zygote process loads the data once, then forks a worker whenever the front asks for one; the
workers share the store's memory with the zygote (copy-on-write), so a worker that overruns its
time limit is simply killed and replaced in milliseconds, without reloading anything.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import os
import signal
import socket
import stat
import sys

from . import _wire
from ._columns import select_star, with_star_in_order

# What a query's result looks like to the worker: the pyoxigraph result classes by form.
SOLUTIONS, GRAPH = "solutions", "graph"


class ResultTooLarge(Exception):
    pass


class _CappedWriter:
    """A file-like sink that stops the serialiser once the result passes the size cap."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise ResultTooLarge
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def execute(store, request: dict) -> tuple:
    """Run one query; return ("ok", body, kind) or ("error", kind, message)."""
    import pyoxigraph as ox

    kwargs = {"base_iri": request.get("base_iri")}
    if request["default_graphs"] or request["named_graphs"]:
        # The protocol's dataset replaces the query's FROM clauses; graphs it does not name are
        # not in the dataset (an empty default graph when only named graphs are given).
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request["default_graphs"]]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    query = request["query"]
    star = select_star(query)
    if star is not None:
        query = _star_in_query_order(query, star, request.get("base_iri"))
    try:
        result = store.query(query, **kwargs)
        if isinstance(result, ox.QueryTriples):
            kind, fmt = GRAPH, getattr(ox.RdfFormat, request["graph_format"])
        else:
            kind, fmt = SOLUTIONS, getattr(ox.QueryResultsFormat, request["solutions_format"])
        sink = _CappedWriter(request["max_result_bytes"])
        result.serialize(sink, fmt)
        return ("ok", sink.getvalue(), kind)
    except SyntaxError as exc:
        return ("error", "syntax", str(exc))
    except ResultTooLarge:
        return ("error", "too_large", str(request["max_result_bytes"]))
    except Exception as exc:  # noqa: BLE001 - reported to the front as an evaluation error
        if isinstance(exc.__context__, ResultTooLarge) or "ResultTooLarge" in repr(exc):
            return ("error", "too_large", str(request["max_result_bytes"]))
        return ("error", "evaluation", f"{type(exc).__name__}: {exc}")


@functools.cache
def _empty_store():
    import pyoxigraph as ox

    return ox.Store()


def _star_in_query_order(query: str, star: tuple[int, list[str]], base_iri: str | None) -> str:
    """`SELECT *` with the query's order of variables (see _columns.py). Which variables are in
    scope comes from the engine, planning the query over an empty store (the store's own
    planning may already evaluate: ORDER BY sorts before the first row)."""
    try:
        in_scope = [v.value for v in _empty_store().query(query, base_iri=base_iri).variables]
    except Exception:  # noqa: BLE001 - the query itself will report it
        return query
    return with_star_in_order(query, star, in_scope)


RETIRE_AFTER_PRIVATE_BYTES = 1 << 30  # a safety valve: retiring costs copy-on-write faults again


def worker_loop(store, sock: socket.socket) -> None:
    """Answer queries until the front closes the socket. Each reply ends with a `retire` flag and
    the CPU seconds this process has used so far (the front's cost book learns from CPU time:
    wall time would count the waits of a contended machine too).
    A worker shares the store's pages with the zygote until a query writes to them (scans touch
    reference counts and locks all over the store, copying pages); one whose private memory grew
    past RETIRE_AFTER_PRIVATE_BYTES asks to be replaced by a fresh fork, so memory stays flat."""
    import time

    baseline = private_bytes()
    reader = _wire.Reader(sock)
    cpu_total = time.process_time()
    while True:
        request = reader.recv()
        if request is None:
            return
        reply = execute(store, request)
        # One clock read per query: this query's CPU is counted from the previous reply on (that
        # includes reading the request, a few microseconds).
        start, cpu_total = cpu_total, time.process_time()
        retire = cpu_total - start > 0.02 and private_bytes() - baseline > RETIRE_AFTER_PRIVATE_BYTES
        _wire.send(sock, (*reply, retire, cpu_total))
        if retire:
            return


def private_bytes(pid: int | str = "self") -> int:
    """The memory a process does not share (its own, and the store pages it has copied); 0 if unknown."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            return sum(int(line.split()[1]) * 1024 for line in f if line.startswith("Private_"))
    except OSError:
        return 0


def isolate_network() -> bool:
    """Put this process in a new, empty network namespace: defence in depth, so that even a
    query the front failed to refuse cannot open an outbound connection. Needs privileges
    (root); elsewhere the front's refusal of SERVICE is the only barrier."""
    clone_newnet = 0x40000000
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(clone_newnet) == 0
    except (OSError, AttributeError):
        return False


def limit_memory(extra_bytes: int) -> None:
    """Let this process's private memory grow by at most `extra_bytes` more than it has now (the
    store it shares with the zygote included): past it, an allocation fails and the engine aborts
    the process, which the front reports. Without it, memory is bounded only by the time limit (a
    query can build strings at half a gigabyte a second per core)."""
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as f:
            data = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmData:"))
    except (OSError, StopIteration, ValueError):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = data + extra_bytes if hard == resource.RLIM_INFINITY else min(hard, data + extra_bytes)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def zygote_loop(data, controls: list[socket.socket], *, isolate: bool, query_memory: int = 0) -> None:
    """Fork a worker for every socket a front sends, on that front's control socket; exit when
    every front is gone. A worker answers from `data.open()` (_engine.InMemoryData, OnDiskData)."""
    import selectors

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically
    # The fronts decide when we stop (we exit when their control sockets close, and only then
    # remove an on-disk store), even when a signal reaches the whole process group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The objects loaded so far live as long as we do: out of the collector's sight, a worker's
    # collections no longer write to (and so copy) the pages they share with us.
    gc.collect()
    gc.freeze()
    # Rust's backtraces would put dozens of lines in the log for each query that trips an engine
    # fault; its one-line message is enough (and the client gets ours). Read by the workers we fork.
    os.environ["RUST_BACKTRACE"] = "0"
    selector = selectors.DefaultSelector()
    for control in controls:
        selector.register(control, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            control = key.fileobj
            try:
                msg, fds, _flags, _addr = socket.recv_fds(control, 64, 1)
            except OSError:
                msg, fds = b"", []
            if not msg:  # that front is gone
                selector.unregister(control)
                control.close()
                continue
            worker_sock = socket.socket(fileno=fds[0])
            pid = os.fork()
            if pid == 0:
                for other in controls:
                    other.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a worker stops with its process group
                if isolate:
                    isolate_network()
                try:
                    store = data.open()
                    if query_memory:
                        limit_memory(query_memory)
                    worker_loop(store, worker_sock)
                finally:
                    sys.stdout.flush()
                    os._exit(0)
            worker_sock.close()
            control.sendall(pid.to_bytes(4, "big"))


def close_listening_sockets() -> None:
    """Close the listening sockets this process inherited (the fronts'), and nothing else: the
    other descriptors may still be in use (pytest's capture files, coverage's database...)."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: nothing to do but leave them
        return
    for fd in fds:
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            with socket.socket(fileno=os.dup(fd)) as sock:
                listening = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        except OSError:  # the listing's own, already closed
            continue
        if listening:
            os.close(fd)


def start_zygote(load, *, fronts: int = 1, isolate: bool = True,
                 query_memory: int = 0) -> tuple[int, list[socket.socket], object]:
    """Fork the zygote now (call before any thread or event loop starts). The zygote calls
    `load()` itself, so the store only ever lives in the zygote and, shared copy-on-write, in
    its workers: the front processes never hold (or keep the freed pages of) the data.
    `load()` returns the data (see zygote_loop), closed when the zygote exits, and a report.
    Returns the zygote's pid, one control socket per front, and that report."""
    pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(fronts)]
    pid = os.fork()
    if pid == 0:
        for front, _ in pairs:
            front.close()
        # No listening socket lives on here or in the workers: a front's, held open by another
        # process, would keep taking connections after that front is gone (see _serve._listen).
        close_listening_sockets()
        try:
            try:
                data, report = load()
            except Exception as exc:  # noqa: BLE001 - sent to the front, which reports it
                _wire.send(pairs[0][1], ("error", str(exc)))
                os._exit(1)
            _wire.send(pairs[0][1], ("ok", report))
            try:
                zygote_loop(data, [zygote for _, zygote in pairs], isolate=isolate, query_memory=query_memory)
            finally:
                data.close()
        finally:
            os._exit(0)
    for _, zygote in pairs:
        zygote.close()
    controls = [front for front, _ in pairs]
    reply = _wire.recv(controls[0])
    if reply is None or reply[0] != "ok":
        for control in controls:
            control.close()
        os.waitpid(pid, 0)
        raise ValueError(reply[1] if reply else "the data could not be loaded")
    return pid, controls, reply[1]
