"""`territoires-lod serve`: load the data, fork the query workers, run uvicorn."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .._allocator import allocator_in_use
from ._answer import Settings


MAX_CONNECTIONS_PER_FRONT = 4096
# Descriptors a front needs besides its connections: its workers' sockets, files, the event loop's own.
FILES_BESIDES_CONNECTIONS = 256

log = logging.getLogger("territoires_lod.server")


def connections_per_front() -> int:
    """How many connections a front holds before it answers 503: MAX_CONNECTIONS_PER_FRONT, the
    soft open-file limit raised to allow it (up to the hard limit). Under a lower hard limit,
    fewer: past the descriptors it has, a front could not accept and clients would be reset
    without a word (a common default soft limit is 1024)."""
    try:
        import resource
    except ImportError:  # not a Unix
        return MAX_CONNECTIONS_PER_FRONT
    wanted = MAX_CONNECTIONS_PER_FRONT + FILES_BESIDES_CONNECTIONS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return MAX_CONNECTIONS_PER_FRONT
    limit = max(16, soft - FILES_BESIDES_CONNECTIONS)
    log.warning("the open-file limit is %d: each front answers 503 past %d connections (raise the hard limit, "
                "ulimit -Hn, for %d)", soft, limit, MAX_CONNECTIONS_PER_FRONT)
    return limit


def default_fronts() -> int:
    # The front's Python (HTTP, protocol, IPC) is what limits cheap queries: one per core.
    return os.cpu_count() or 1


def default_workers(fronts: int) -> int:
    # Per front: in all a worker per core for ordinary queries, and as many again (niced) for
    # long ones (see _pool.py), whatever the number of fronts.
    return max(1, (os.cpu_count() or 1) // fronts)


def make_engine(*, data: list[Path], backend: str | None, workers: int, settings: Settings, fronts: int,
                on_disk: bool = False, backend_refresh: float = 30.0):
    if backend:
        from ._remote import RemoteEngine

        return RemoteEngine(backend, max_result_bytes=settings.max_result_bytes, refresh=backend_refresh)
    from ._engine import EmbeddedEngine

    return EmbeddedEngine(data, workers=workers, max_result_bytes=settings.max_result_bytes, fronts=fronts,
                          on_disk=on_disk, max_query_memory=settings.max_query_memory_bytes)


@dataclass(frozen=True)
class SiteOptions:
    """What the linked-data front serves besides /sparql (see `create_app`)."""

    dist_dir: Path | None = None
    examples: tuple = ()
    yasgui_dir: Path | None = None


def serve(*, host: str, port: int, data: list[Path], backend: str | None = None, workers: int | None = None,
          fronts: int | None = None, settings: Settings | None = None, log_level: str = "info",
          site: SiteOptions | None = None, on_disk: bool = False, backend_refresh: float = 30.0) -> None:
    """Serve until interrupted. `fronts` HTTP front processes (default: cores), each with its own
    listening socket on the port (the kernel spreads connections over them), its own `workers`
    and an equal share of the result cache, share the zygote: the front's Python is the limit for
    cheap queries."""
    fronts = fronts or default_fronts()
    settings = settings or Settings()
    settings = replace(settings, cache_bytes=settings.cache_bytes // fronts)
    if backend and backend_refresh > 0:
        # The backend's data may be published again: clients keep an answer no longer than the
        # front takes to notice (see _remote.py).
        settings = replace(settings, max_age=min(settings.max_age, max(1, int(backend_refresh))))
    site = site or SiteOptions()
    start = time.perf_counter()
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s: %(message)s")
    socks = _listen(host, port, count=fronts)
    connections = connections_per_front()  # before the fronts fork: they inherit the raised limit
    port = socks[0].getsockname()[1]  # the one given, for port 0
    engine = make_engine(data=data, backend=backend, workers=workers or default_workers(fronts), settings=settings,
                         fronts=fronts, on_disk=on_disk, backend_refresh=backend_refresh)
    loaded_site = None
    if site.dist_dir is not None:
        from ._site import load_site

        # After the zygote's fork (the query workers need none of it), before the fronts' (they share it).
        loaded_site = load_site(site.dist_dir)
    _import_front_modules()
    what = f"backend {backend}" if backend else f"{engine.stats.triples} triples from {', '.join(map(str, data))}"
    pages = f"; pages and IRIs at http://{host}:{port}/" if loaded_site is not None else ""
    print(f"territoires-lod: serving {what} on http://{host}:{port}/sparql{pages} "
          f"(loaded in {time.perf_counter() - start:.2f}s; {fronts} front(s); malloc: {allocator_in_use()})",
          file=sys.stderr)
    front = {"site": loaded_site, "examples": site.examples, "yasgui_dir": site.yasgui_dir}
    # What is loaded so far (modules, the site's pages) lives as long as the fronts: out of the
    # collector's sight, so that a full collection does not walk it (about 70,000 objects: it
    # held a front's event loop 35-110 ms every few seconds under load) nor write to the pages
    # the fronts share.
    gc.collect()
    gc.freeze()
    if fronts == 1:
        _run_front(engine, settings, socks[0], front, log_level=log_level, connections=connections)
        return
    children = []
    for index in range(fronts):
        pid = os.fork()
        if pid == 0:
            for other in socks:
                if other is not socks[index]:
                    other.close()  # so that, should this front die, its socket dies with it (see _listen)
            if hasattr(engine, "use_front"):
                engine.use_front(index)
            try:
                _run_front(engine, settings, socks[index], front, log_level=log_level, connections=connections)
            finally:
                os._exit(0)
        children.append(pid)
    for sock in socks:
        sock.close()
    _supervise(children)


def _import_front_modules() -> None:
    """What the fronts run on (FastAPI, uvicorn), imported once before they fork so that they share
    its pages; not before the zygote forks: the query workers need none of it."""
    import uvicorn  # noqa: F401

    from . import _app  # noqa: F401

    with contextlib.suppress(ImportError):  # no httptools (PyPy): see _run_front
        from . import _http  # noqa: F401


def _listen(host: str, port: int, *, count: int = 1, reuse_port: bool = sys.platform.startswith("linux")) -> list:
    """`count` listening sockets on one port. With more than one (one per front), SO_REUSEPORT:
    the kernel gives each new connection to one of them by a hash of its addresses. Sharing one
    socket instead, the first front awake accepts every connection waiting, so a client opening
    8 connections at once had them all on one front in most trials (and its scans on that
    front's long-lane worker alone). The kernel's choice ignores load: a front busy for a while
    still gets its share of new connections. A socket closes with its front (no other process
    holds it: the fronts close each other's, the zygote closes them all); the kernel then spreads
    new connections over the others, and those waiting in its queue are reset. Elsewhere than on
    Linux SO_REUSEPORT does not spread connections (BSD, macOS): without `reuse_port` the fronts
    share one socket, the same socket `count` times."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    spread = count > 1 and reuse_port
    socks = []

    def new_socket(*, shared: bool):
        sock = socket.socket(family, socket.SOCK_STREAM)
        socks.append(sock)  # closed below if anything fails
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        return sock

    try:
        if spread:
            # A server already on the port must be an error, not a silent share of its connections:
            # a socket without SO_REUSEPORT cannot bind where another listens.
            new_socket(shared=False).bind((host, port))
            socks.pop().close()
        for _ in range(count if spread else 1):
            sock = new_socket(shared=spread)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # port 0: the others join the one the first was given
            # Accepted connections inherit this; without it small answers wait ~40 ms on delayed ACKs.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.listen(2048)
    except (OSError, OverflowError) as exc:  # OverflowError: a port over 65535
        for sock in socks:
            sock.close()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"cannot listen on {host}:{port} (--host, --port): {reason}") from None
    return socks if spread else socks * count


def _run_front(engine, settings: Settings, sock, front: dict, *, log_level: str, connections: int) -> None:
    import uvicorn

    from ._app import create_app
    from ._memo import ResponseMemo

    app = create_app(engine=engine, settings=settings, **front)
    gc.collect()  # quick: what the fronts inherited is frozen already
    gc.freeze()  # the app too lives as long as the front (see `serve`)
    try:  # uvicorn's httptools protocol, with the memo of repeated answers (see _http.py)
        from ._http import protocol_with_memo

        memo = ResponseMemo(max_bytes=max(1 << 20, settings.cache_bytes // 4))
        # A backend's data can change while we run (_remote.py): the memo follows its version.
        data_version = (lambda: engine.version) if getattr(engine, "version_changes", False) else None
        http = protocol_with_memo(memo, sparql_app=app, data_version=data_version)
    except ImportError:  # no httptools (PyPy): uvicorn's own choice
        http = "auto"
    # Past this many open connections a front answers 503 at once, rather than running out of file
    # descriptors and dropping connections without a word (a public deployment belongs behind a
    # reverse proxy that limits connections per client: see the README).
    config = uvicorn.Config(app, log_level=log_level, access_log=False, timeout_graceful_shutdown=2, http=http,
                            limit_concurrency=connections)
    uvicorn.Server(config).run(sockets=[sock])  # run(), not asyncio.run(serve()): uvloop when installed


def _supervise(children: list[int]) -> None:
    """Wait for the fronts; on SIGTERM/SIGINT pass it on and wait for them to finish."""
    import signal

    def stop(signum, _frame):
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in children:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break
