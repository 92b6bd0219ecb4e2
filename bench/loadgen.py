"""Drives wrk (Debian package `wrk`) with rotate.lua and reads back its JSON summary.

The CPU time wrk itself used is measured too, so the report can show that the load generator
was not the bottleneck (its share of the machine's cores during the run).
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "rotate.lua"


@dataclass
class Load:
    threads: int = 2
    connections: int = 16
    duration: float = 10.0  # seconds
    timeout: float = 60.0  # seconds after which wrk counts a request as timed out
    unique: bool = False  # every request made byte-unique by a trailing SPARQL comment (see rotate.lua)


@dataclass
class WrkResult:
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    mean_ms: float | None = None
    max_ms: float | None = None
    errors: dict = field(default_factory=dict)  # connect, read, write, status (non-2xx/3xx), timeout
    wrk_cpu_share: float | None = None  # wrk's CPU seconds / (wall seconds × cores)
    load: dict = field(default_factory=dict)
    failure: str = ""

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def to_dict(self) -> dict:
        return asdict(self) | {"error_count": self.error_count}


def wrk_path() -> str | None:
    return shutil.which("wrk")


def command(url: str, endpoint: str, paths_file: Path, load: Load, *, run_tag: str = "") -> list[str]:
    """wrk's command line; `run_tag` goes into the unique comments (see rotate.lua)."""
    threads = max(1, min(load.threads, load.connections))
    return ["wrk", f"-t{threads}", f"-c{load.connections}", f"-d{max(1, round(load.duration))}s",
            f"--timeout={max(1, round(load.timeout))}s", "--latency", "-s", str(LUA),
            url, "--", str(paths_file), endpoint, "unique" if load.unique else "plain", run_tag]


# Every wrk run of this process gets its own tag: without it, two runs over the same file would send
# the same "unique" texts again, and a result cache would answer the second from the first.
_RUN_TAGS = itertools.count(1)


def next_run_tag() -> str:
    return f"{os.getpid()}-{next(_RUN_TAGS)}"


def start(url: str, endpoint: str, paths_file: Path, load: Load) -> subprocess.Popen:
    return subprocess.Popen(command(url, endpoint, paths_file, load, run_tag=next_run_tag()), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


@dataclass
class Job:
    url: str
    endpoint: str
    paths_file: Path
    load: Load


def run_together(jobs: list[Job]) -> list[WrkResult]:
    """Runs several wrk processes at once; wrk_cpu_share is that of all of them together."""
    cpu0, wall0 = _children_cpu(), time.monotonic()
    procs = [start(j.url, j.endpoint, j.paths_file, j.load) for j in jobs]
    try:
        outputs = [p.communicate(timeout=j.load.duration + j.load.timeout + 60) for p, j in zip(procs, jobs)]
    finally:  # interrupted (or timed out): no wrk left behind to load the machine
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    share = round((_children_cpu() - cpu0) / ((time.monotonic() - wall0) * os.cpu_count()), 3)
    results = [parse(out, err, j.load) for (out, err), j in zip(outputs, jobs)]
    for r in results:
        r.wrk_cpu_share = share
    return results


def run(url: str, endpoint: str, paths_file: Path, load: Load) -> WrkResult:
    return run_together([Job(url, endpoint, paths_file, load)])[0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def parse(stdout: str, stderr: str, load: Load) -> WrkResult:
    line = next((ln for ln in reversed(stdout.splitlines()) if ln.startswith("WRK_JSON ")), None)
    if line is None:
        return WrkResult(load=asdict(load), failure=(stderr or stdout).strip()[-300:] or "wrk printed no summary")
    doc = json.loads(line[len("WRK_JSON "):])
    seconds = doc["duration_us"] / 1e6
    lat = doc["latency_us"]
    has_latency = doc["requests"] > 0

    def ms(key):
        return round(lat[key] / 1000, 3) if has_latency else None

    return WrkResult(requests=doc["requests"], seconds=round(seconds, 3),
                   rps=round(doc["requests"] / seconds, 2) if seconds else 0.0,
                   p50_ms=ms("p50"), p90_ms=ms("p90"), p99_ms=ms("p99"), mean_ms=ms("mean"), max_ms=ms("max"),
                   errors=doc["errors"], load=asdict(load))
