"""The three SPARQL servers under test: how to start each on 127.0.0.1, feed it data, ask it, measure it, stop it.

Every server is started in a session of its own, so that it and the worker processes it forks form one
process group, stopped by that group's id and measured as one process tree.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psutil

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
BENCH_BIN = Path(__file__).resolve().parent / ".venv" / "bin"
OURS_BIN = ROOT / ".venv" / "bin" / "territoires-lod"
OURS_DEFAULT_CMD = f"{OURS_BIN} serve --host {{host}} --port {{port}} --timeout {{time_limit}} --data {{data}}"
SPARQL_JSON = "application/sparql-results+json"


class ServerFailed(RuntimeError):
    pass


RUNNING: set = set()  # servers started and not yet stopped, for stop_all() on exit
LOGS: list[tuple[str, Path]] = []  # (server name, log) of every server started in this run


def stop_all() -> None:
    for run in list(RUNNING):
        run.stop()


# ---------------------------------------------------------------- specs

@dataclass
class Spec:
    """How to run one server. `command` is a template with {host}, {port}, {data}, {time_limit}."""

    name: str
    command: str
    endpoint: str  # path of the SPARQL query service
    loads_over_http: bool = False  # Oxigraph in memory: data is POSTed to /store once it listens
    note: str = ""

    def argv(self, port: int, data: Path, time_limit: float) -> list[str]:
        return shlex.split(self.command.format(host=HOST, port=port, data=shlex.quote(str(data)),
                                               time_limit=f"{time_limit:g}"))


def oxigraph_spec(with_timeout: bool = False) -> Spec:
    """Oxigraph in memory. Its --timeout-s is only given for the mixed load: Oxigraph 0.5 starts a timer thread
    per query that lives for the whole time limit, so at thousands of queries per second it runs out of
    threads and aborts."""
    timeout = " --timeout-s {time_limit}" if with_timeout else ""
    return Spec("oxigraph", f"{BENCH_BIN / 'oxigraph'} serve --bind {{host}}:{{port}} --union-default-graph{timeout}",
                endpoint="/query", loads_over_http=True,
                note="in memory (no --location); data POSTed to /store; --union-default-graph")


def rdflib_spec() -> Spec:
    return Spec("rdflib-endpoint", f"{BENCH_BIN / 'rdflib-endpoint'} serve --host {{host}} --port {{port}} {{data}}",
                endpoint="/", note="its CLI: rdflib Dataset(default_union=True), memory store, one uvicorn process, "
                                   "access log on")


def ours_spec(command: str | None = None, endpoint: str = "/sparql") -> Spec:
    return Spec("ours", command or OURS_DEFAULT_CMD, endpoint=endpoint, note="territoires-lod serve")


def ours_missing(spec: Spec) -> str | None:
    """Why our server cannot be run (None if it can): the default command needs `serve --data`."""
    if spec.command != OURS_DEFAULT_CMD:
        return None
    if not OURS_BIN.exists():
        return f"{OURS_BIN} not found"
    try:
        out = subprocess.run([str(OURS_BIN), "serve", "--help"], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "`territoires-lod serve --help` did not answer within 60 s"
    if "--data" not in out.stdout + out.stderr:
        return "`territoires-lod serve` has no --data option yet"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- HTTP

@dataclass
class Answer:
    status: int | None  # None: no HTTP answer (connection refused, time-out, …)
    seconds: float
    rows: int | None = None
    error: str = ""


def ask(url: str, query: str, timeout: float) -> Answer:
    """One SPARQL GET request; counts the result rows of a JSON answer."""
    req = urllib.request.Request(f"{url}?query={quote(query, safe='')}", headers={"Accept": SPARQL_JSON})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, time.perf_counter() - start, error=exc.read()[:200].decode("utf-8", "replace"))
    except (OSError, urllib.error.URLError) as exc:
        return Answer(None, time.perf_counter() - start, error=str(exc)[:200])
    seconds = time.perf_counter() - start
    try:
        doc = json.loads(body)
        rows = len(doc["results"]["bindings"]) if "results" in doc else int(bool(doc.get("boolean")))
    except (ValueError, KeyError, TypeError):
        return Answer(status, seconds, error="answer is not SPARQL JSON results")
    return Answer(status, seconds, rows=rows)


def post_file(url: str, path: Path, content_type: str, timeout: float) -> int:
    size = path.stat().st_size
    with path.open("rb") as body:
        req = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": content_type, "Content-Length": str(size)})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status


# ---------------------------------------------------------------- memory of a process tree

def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def smaps_rollup(pid: int) -> dict[str, int]:
    """Rss and Pss of one process in bytes, from /proc/PID/smaps_rollup."""
    values = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Pss"):
                    values[key.lower()] = int(rest.split()[0]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return values


def tree_memory(pid: int) -> dict:
    """Sums of RSS and PSS over the process tree rooted at pid, and the number of processes."""
    rss = pss = n = 0
    for proc in tree(pid):
        m = smaps_rollup(proc.pid)
        if not m:
            continue
        rss, pss, n = rss + m.get("rss", 0), pss + m.get("pss", 0), n + 1
    return {"rss": rss, "pss": pss, "processes": n}


class MemorySampler:
    """Samples a process tree's memory every `interval` seconds in a thread; keeps the series and the peaks."""

    def __init__(self, pid: int, interval: float = 1.0):
        self.pid, self.interval = pid, interval
        self.samples: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._t0 = time.monotonic()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> dict:
        m = tree_memory(self.pid) | {"t": round(time.monotonic() - self._t0, 2)}
        self.samples.append(m)
        return m

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def peak(self) -> dict:
        return {"rss": max((s["rss"] for s in self.samples), default=0),
                "pss": max((s["pss"] for s in self.samples), default=0)}


# ---------------------------------------------------------------- a running server

@dataclass(eq=False)
class Running:
    spec: Spec
    proc: subprocess.Popen
    port: int
    data: Path
    started: float  # time.monotonic() at spawn
    log: Path
    timings: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return self.base + self.spec.endpoint

    def alive(self) -> bool:
        return self.proc.poll() is None

    def memory(self) -> dict:
        return tree_memory(self.proc.pid)

    def stop(self) -> None:
        """SIGTERM to the server's own process group, then SIGKILL after 15 s."""
        RUNNING.discard(self)
        if self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


def _content_type(data: Path) -> str:
    return "application/n-quads" if data.suffix == ".nq" else "application/n-triples"


def _wait_listening(run: Running, deadline: float) -> None:
    while time.monotonic() < deadline:
        if not run.alive():
            raise ServerFailed(f"{run.spec.name} exited with {run.proc.returncode}; see {run.log}")
        try:
            with socket.create_connection((HOST, run.port), timeout=1):
                return
        except OSError:
            time.sleep(0.02)
    raise ServerFailed(f"{run.spec.name} did not listen within the start time limit; see {run.log}")


def _wait_answer(run: Running, probe: str, deadline: float) -> Answer:
    """Polls until the probe query gets a 200 with at least one row: the first answer."""
    last = None
    while time.monotonic() < deadline:
        if not run.alive():
            raise ServerFailed(f"{run.spec.name} exited with {run.proc.returncode}; see {run.log}")
        last = ask(run.url, probe, timeout=max(1.0, deadline - time.monotonic()))
        if last.status == 200 and last.rows:
            return last
        if last.status and 400 <= last.status < 500:
            raise ServerFailed(f"{run.spec.name} answered the probe query with HTTP {last.status} "
                               f"at {run.url}: {last.error}")
        time.sleep(0.02)
    raise ServerFailed(f"{run.spec.name} gave no answer to the probe query in time (last: {last}); see {run.log}")


def start(spec: Spec, data: Path, probe: str, log_dir: Path, *, time_limit: float,
          start_timeout: float = 900) -> Running:
    """Spawns the server, loads the data if it takes it over HTTP, and returns once `probe` is answered.
    run.timings: listen_s (spawn to accepting connections), load_s (Oxigraph's POST), first_answer_s."""
    log_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = log_dir / f"{spec.name}-{data.stem}-{port}.log"
    argv = spec.argv(port, data, time_limit)
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    with log.open("w") as out:
        out.write("$ " + shlex.join(argv) + "\n")
        out.flush()
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, cwd=ROOT, env=env)
    run = Running(spec, proc, port, data, t0, log)
    RUNNING.add(run)
    LOGS.append((spec.name, log))
    deadline = t0 + start_timeout
    try:
        _wait_listening(run, deadline)
        run.timings["listen_s"] = time.monotonic() - t0
        if spec.loads_over_http:
            t1 = time.monotonic()
            post_file(run.base + "/store", data, _content_type(data), timeout=max(1.0, deadline - t1))
            run.timings["load_s"] = time.monotonic() - t1
        _wait_answer(run, probe, deadline)
        run.timings["first_answer_s"] = time.monotonic() - t0
    except BaseException:
        run.stop()
        raise
    return run


def log_errors() -> dict[str, dict]:
    """Per server: the lines of its logs (this run's) that report an error, and the first of them.
    An error a client never sees (in a callback, after the response) still shows here."""
    found: dict[str, dict] = {}
    for name, log in LOGS:
        entry = found.setdefault(name, {"lines": 0, "first": None})
        with log.open(errors="replace") as f:
            for line in f:
                if "ERROR" in line or "Traceback" in line:
                    entry["lines"] += 1
                    entry["first"] = entry["first"] or f"{log.name}: {line.strip()[:160]}"
    return found


def allocators() -> dict[str, list[str]]:
    """Per server: the mallocs its start-up lines name (ours says `malloc: mimalloc` or `system`)."""
    found: dict[str, set[str]] = {}
    for name, log in LOGS:
        with log.open(errors="replace") as f:
            found.setdefault(name, set()).update(re.findall(r"malloc: (\w+)", f.read()))
    return {name: sorted(names) for name, names in found.items() if names}


def version_of(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "unknown"
