"""Benchmark our SPARQL endpoint side by side with Oxigraph server and rdflib-endpoint.

Serves the same data files (bench/data/, made by make_data.py) with each server on 127.0.0.1, replays the
same query mix (queries.py) with wrk, and writes bench/results/report.md, report.json and cost-vs-size.png.

Phases, in order:
  cold start   spawn -> first correct answer on the dataset (Oxigraph: includes POSTing the data)
  sizes        for each data size and server: load, memory, sequential probes (answers and unloaded
               latency), then wrk per query kind x {distinct, repeated}
  mixed        32 clients for a while on the mixed load while one slow query runs into the time limit
  soak         memory of the server tree sampled under a steady mixed load

Usage: bench/.venv/bin/python bench/run.py [--quick] [options]   (see --help)
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402
import make_data  # noqa: E402
import queries  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SIZE_FILES = {"dataset": "dataset.nq", "cog-200k": "cog-200k.nt", "cog": "cog.nt", "cog-1m": "cog-1m.nt"}
SERVER_NAMES = ("ours", "oxigraph", "rdflib-endpoint")
MODES = ("distinct", "repeated")
PROBE_DISTINCT = 5  # distinct variants whose answers are compared across servers


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- configuration

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark ours vs Oxigraph server vs rdflib-endpoint.")
    p.add_argument("--quick", action="store_true",
                   help="about 3 minutes: dataset and cog only, short runs, short soak and mixed load")
    p.add_argument("--sizes", help=f"comma-separated, from {','.join(SIZE_FILES)} (default: all; quick: dataset,cog)")
    p.add_argument("--servers", default=",".join(SERVER_NAMES), help="comma-separated (default: all three)")
    p.add_argument("--duration", type=float, help="seconds per wrk run (default 5; quick 2)")
    p.add_argument("--warmup", type=float, help="seconds of cheap queries after each load, before measuring "
                                                "(default 2; quick 1)")
    p.add_argument("--rounds", type=int, help="rounds of the distinct runs of ours and Oxigraph, loaded side by "
                                              "side, each server keeping its run of median throughput "
                                              "(default 3; quick 1)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    p.add_argument("--variants", type=int, default=2000, help="distinct variants per query kind (default 2000)")
    p.add_argument("--seed", type=int, default=20181122)
    p.add_argument("--reuse-texts", action="store_true",
                   help="send the distinct variants as they are, without the unique trailing comment per request "
                        "(then a server's result cache can answer variants it has seen)")
    p.add_argument("--rdflib-connections", type=int, default=4,
                   help="connections for rdflib-endpoint, which answers one query at a time (default 4)")
    p.add_argument("--rdflib-duration", type=float, help="minimum seconds per rdflib-endpoint run (default 5; quick 2)")
    p.add_argument("--rdflib-max-duration", type=float,
                   help="runs of a slow server last 10 x one query, up to this (default 15; quick 5)")
    p.add_argument("--max-single-query", type=float, default=30.0,
                   help="skip a query kind (or a whole size, extrapolated) when one query takes longer (default 30 s)")
    p.add_argument("--cold-starts", type=int, help="cold starts per server on the dataset (default 3; quick 1)")
    p.add_argument("--time-limit", type=float, default=10.0,
                   help="query time limit in seconds given to the servers for the mixed load ({time_limit}; default 10)")
    p.add_argument("--mixed-seconds", type=float, help="duration of the mixed load (default 60; quick 15)")
    p.add_argument("--mixed-clients", type=int, default=32, help="concurrent clients of the mixed load (default 32)")
    p.add_argument("--mixed-data", default="cog", help="data size for the mixed load (default cog)")
    p.add_argument("--mixed-servers", default="ours", help="servers given the mixed load (default ours)")
    p.add_argument("--soak-seconds", type=float, help="soak duration (default 600; quick 20)")
    p.add_argument("--soak-interval", type=float, help="seconds between memory samples (default 5; quick 2)")
    p.add_argument("--soak-connections", type=int, default=4, help="wrk connections per soaked server (default 4)")
    p.add_argument("--soak-data", default="cog", help="data size for the soak (default cog)")
    p.add_argument("--soak-servers", default="ours,oxigraph",
                   help="servers soaked at the same time (default ours,oxigraph)")
    p.add_argument("--skip", default="", help="phases to skip, comma-separated: cold,sizes,mixed,soak")
    p.add_argument("--ours-cmd", help="command template for our server, with {host} {port} {data} {time_limit} "
                                      f"(default: {servers.OURS_DEFAULT_CMD})")
    p.add_argument("--ours-endpoint", default="/sparql", help="path of our SPARQL endpoint (default /sparql)")
    p.add_argument("--out", type=Path, default=BENCH / "results", help="output folder (default bench/results)")
    args = p.parse_args(argv)
    quick = args.quick
    defaults = {"sizes": "dataset,cog" if quick else ",".join(SIZE_FILES), "duration": 2 if quick else 5,
                "rounds": 1 if quick else 3,
                "warmup": 1 if quick else 2,
                "rdflib_duration": 2 if quick else 5, "rdflib_max_duration": 5 if quick else 15,
                "cold_starts": 1 if quick else 3, "mixed_seconds": 15 if quick else 60,
                "soak_seconds": 20 if quick else 600, "soak_interval": 2 if quick else 5}
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.sizes = _names(args.sizes, SIZE_FILES)
    args.servers = _names(args.servers, SERVER_NAMES)
    args.mixed_servers = _names(args.mixed_servers, SERVER_NAMES)
    args.soak_servers = _names(args.soak_servers, SERVER_NAMES)
    args.skip = set(_names(args.skip, ("cold", "sizes", "mixed", "soak")))
    return args


def _names(text: str, allowed) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise SystemExit(f"unknown name(s) {unknown}; expected some of {list(allowed)}")
    return names


# ---------------------------------------------------------------- data sizes and request files

@dataclass
class Size:
    name: str
    path: Path
    triples: int
    facts: queries.Facts
    paths: dict = field(default_factory=dict)  # (kind, mode) or a mix name -> file of request paths
    probes: dict = field(default_factory=dict)  # kind -> {"repeated": query, "distinct": [queries]}

    def describe(self) -> dict:
        return {"file": str(self.path.relative_to(ROOT)), "triples": self.triples,
                "distinct_texts": {k: len(set(_read_lines(self.paths[(k, "distinct")]))) for k in queries.KINDS},
                "communes": len(self.facts.commune_codes)}


def _read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="ascii").splitlines()


def _count_statements(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip() and not line.startswith(b"#"))


def prepare_size(name: str, args) -> Size:
    path = BENCH / "data" / SIZE_FILES[name]
    if not path.exists():
        make_data.main(["--only", path.name])
    size = Size(name, path, _count_statements(path), queries.read_facts(path))
    out = args.out / "raw" / "paths" / name
    for kind in queries.KINDS:
        distinct = queries.variants(kind, size.facts, args.variants, args.seed)
        size.paths[(kind, "distinct")] = queries.write_paths(out / f"{kind}-distinct.txt", distinct)
        size.paths[(kind, "repeated")] = queries.write_paths(out / f"{kind}-repeated.txt", [queries.repeated(kind)])
        size.probes[kind] = {"repeated": queries.repeated(kind), "distinct": distinct[:PROBE_DISTINCT]}
    size.paths["mix-all"] = queries.write_paths(out / "mix-all.txt",
                                                queries.mixed(size.facts, args.variants // 2, seed=args.seed))
    size.paths["mix-cheap"] = queries.write_paths(
        out / "mix-cheap.txt", queries.mixed(size.facts, args.variants // 2, queries.CHEAP_KINDS, args.seed))
    scans = [k for k in queries.KINDS if k not in queries.CHEAP_KINDS]
    size.paths["mix-scan"] = queries.write_paths(out / "mix-scan.txt",
                                                 queries.mixed(size.facts, args.variants // 2, scans, args.seed))
    return size


# ---------------------------------------------------------------- servers

def plan_servers(args) -> tuple[dict[str, servers.Spec], dict[str, str]]:
    """The specs of the servers to run, and why the others are not run."""
    specs = {"ours": servers.ours_spec(args.ours_cmd, args.ours_endpoint),
             "oxigraph": servers.oxigraph_spec(), "rdflib-endpoint": servers.rdflib_spec()}
    reasons = {name: "not selected (--servers)" for name in SERVER_NAMES if name not in args.servers}
    missing = servers.ours_missing(specs["ours"]) if "ours" in args.servers else None
    if missing:
        reasons["ours"] = missing
    for name in ("oxigraph", "rdflib-endpoint"):
        binary = specs[name].command.split()[0]
        if name in args.servers and not Path(binary).exists():
            reasons[name] = f"{binary} not found (run bench/setup.sh)"
    return {n: s for n, s in specs.items() if n not in reasons}, reasons


def start_server(spec: servers.Spec, size: Size, args, *, time_limit: bool = False) -> servers.Running:
    if spec.name == "oxigraph":
        spec = servers.oxigraph_spec(with_timeout=time_limit)
    return servers.start(spec, size.path, size.probes["point"]["repeated"], args.out / "raw" / "logs",
                         time_limit=args.time_limit)


def drain(run: servers.Running, timeout: float = 180) -> None:
    """Waits until the server answers again, so that a backlog from the previous run does not leak into the next."""
    servers.ask(run.url, "ASK {}", timeout=timeout)


# ---------------------------------------------------------------- phase: cold start

def phase_cold_start(specs, dataset: Size, args) -> dict:
    out = {}
    for name, spec in specs.items():
        runs = []
        for i in range(args.cold_starts):
            log(f"cold start {name} #{i + 1}")
            try:
                run = start_server(spec, dataset, args)
            except servers.ServerFailed as exc:
                runs.append({"error": str(exc)})
                continue
            runs.append({k: round(v, 4) for k, v in run.timings.items()} | {"memory": run.memory()})
            run.stop()
        ok = [r["first_answer_s"] for r in runs if "first_answer_s" in r]
        out[name] = {"runs": runs, "median_s": round(statistics.median(ok), 4) if ok else None}
    return out


# ---------------------------------------------------------------- phase: sizes

def _probe_text(query: str, i: int, args) -> str:
    """The probe's i-th text of a query: made unique like the distinct load, unless --reuse-texts."""
    return query if args.reuse_texts else f"{query}\n#probe{i}"


def probe(run: servers.Running, size: Size, args) -> dict:
    """Sequential requests: unloaded latency of the repeated query (median of up to 3) and answers."""
    limit, result = args.max_single_query, {}
    for kind in queries.KINDS:
        query = size.probes[kind]["repeated"]
        first = servers.ask(run.url, _probe_text(query, 0, args), timeout=limit)
        entry = {"rows": first.rows, "status": first.status, "samples_s": [round(first.seconds, 5)]}
        if first.status != 200:
            entry["error"] = first.error or f"HTTP {first.status}"
            entry["skip"] = (f"one query took more than {limit:g} s" if first.status is None and "timed out"
                             in first.error else f"no answer: {entry['error']}")
            drain(run)
            result[kind] = entry
            continue
        budget = time.monotonic() + 10
        if first.seconds < 2:
            entry["samples_s"] += [round(servers.ask(run.url, _probe_text(query, i, args), limit).seconds, 5)
                                   for i in (1, 2)]
        entry["distinct_rows"] = [servers.ask(run.url, q, limit).rows for q in size.probes[kind]["distinct"]
                                  if time.monotonic() < budget]
        entry["median_s"] = round(statistics.median(entry["samples_s"]), 5)
        result[kind] = entry
    return result


def load_for(name: str, mode: str, probe_s: float, args) -> loadgen.Load:
    """wrk settings of one run. rdflib-endpoint answers one query at a time, so more connections only queue:
    it gets a few, or a single one when its queries are slow, and runs long enough for about 10 answers
    (at least 3, past --rdflib-max-duration if need be)."""
    unique = mode == "distinct" and not args.reuse_texts
    if name != "rdflib-endpoint":
        return loadgen.Load(args.threads, args.connections, args.duration, unique=unique)
    # ~10 answers, within bounds, but never fewer than 3 however slow
    duration = max(args.rdflib_duration, min(args.rdflib_max_duration, 10 * probe_s), 3 * probe_s)
    connections = args.rdflib_connections if probe_s * args.rdflib_connections * 3 <= duration else 1
    return loadgen.Load(min(args.threads, connections), connections, duration, unique=unique)


def warm_up(run: servers.Running, size: Size, args) -> None:
    if args.warmup > 0:
        load = load_for(run.spec.name, "distinct", 0.0, args)
        load.duration = args.warmup
        loadgen.run(run.base, run.spec.endpoint, size.paths["mix-cheap"], load)
        drain(run)


def one_run(run: servers.Running, size: Size, probes: dict, kind: str, mode: str, args) -> dict:
    if probes[kind].get("skip"):
        return {"skipped": probes[kind]["skip"]}
    if not run.alive():
        return {"skipped": f"the server had exited (code {run.proc.returncode})"}
    load = load_for(run.spec.name, mode, probes[kind]["median_s"], args)
    log(f"  {run.spec.name} {size.name} {kind} {mode}: {load.connections} connections, {load.duration:g} s")
    result = loadgen.run(run.base, run.spec.endpoint, size.paths[(kind, mode)], load)
    log(f"    {result.rps:.1f} req/s p50 {result.p50_ms} ms p99 {result.p99_ms} ms "
        f"errors {result.error_count} wrk cpu {result.wrk_cpu_share} {result.failure}")
    drain(run)
    return result.to_dict()


def bench_runs(sessions: list[_Session], size: Size, args, *, rounds: int) -> None:
    """Every kind and mode on every server of `sessions`, loaded side by side. Distinct runs are
    repeated in `rounds` rounds, the servers' order alternating from one round to the next, so
    that a passing disturbance of the machine or the order of the runs weighs on both; each keeps
    its run of median throughput."""
    taken: dict[tuple[int, str, str], list[dict]] = {}
    indexed = list(enumerate(sessions))
    for round_ in range(rounds):
        order = indexed if round_ % 2 == 0 else indexed[::-1]
        for kind in queries.KINDS:
            for mode in MODES:
                if mode != "distinct" and round_ > 0:
                    continue
                for index, session in order:
                    runs = taken.setdefault((index, kind, mode), [])
                    runs.append(one_run(session.run, size, session.entry["probes"], kind, mode, args))
    for (index, kind, mode), runs in taken.items():
        sessions[index].entry.setdefault("runs", {}).setdefault(kind, {})[mode] = report.median_run(runs)


def predicted_skip(name: str, size: Size, previous: dict, args) -> str | None:
    """Skips a size when the slowest query at the previous size, scaled by the data size, would exceed the cap."""
    if name not in previous:
        return None
    triples, worst = previous[name]
    predicted = worst * size.triples / max(1, triples)
    if predicted > args.max_single_query:
        return (f"slowest query took {worst:.1f} s at {triples} triples; "
                f"~{predicted:.0f} s expected at {size.triples} (> {args.max_single_query:g} s)")
    return None


@dataclass
class _Session:
    """A server loaded for one size, while its runs are taken; `run` is None if it failed to start."""

    entry: dict
    run: servers.Running | None = None
    sampler: servers.MemorySampler | None = None


def open_session(spec: servers.Spec, size: Size, args, stack: contextlib.ExitStack) -> _Session:
    entry = {"server": spec.name, "size": size.name, "triples": size.triples}
    log(f"{spec.name}: loading {size.path.name} ({size.triples} triples)")
    try:
        run = start_server(spec, size, args)
    except servers.ServerFailed as exc:
        return _Session(entry | {"status": "failed", "reason": str(exc)})
    stack.callback(run.stop)
    entry["start"] = {k: round(v, 3) for k, v in run.timings.items()}
    entry["memory_loaded"] = run.memory()
    sampler = stack.enter_context(servers.MemorySampler(run.proc.pid, interval=1.0))
    warm_up(run, size, args)
    entry["probes"] = probe(run, size, args)
    return _Session(entry, run, sampler)


# Seconds without requests before the memory "at rest" is read: ours replaces workers idle for 5 s
# that copied store pages (checked every 2.5 s; then a fresh fork takes each one's place).
REST_SECONDS = 10.0


def close_session(session: _Session) -> dict:
    """The entry of a session, before its server is stopped (its memory at rest read already)."""
    entry, run = session.entry, session.run
    if run is None:
        return entry
    session.sampler.sample()
    entry["memory_peak"] = session.sampler.peak() | {"processes": entry["memory_loaded"]["processes"]}
    entry["status"] = "ok" if run.alive() else "failed"
    if not run.alive():
        entry["reason"] = f"server exited with {run.proc.returncode} during the runs; see {run.log}"
    return entry


def bench_together(specs: list[servers.Spec], size: Size, args, *, rounds: int) -> list[dict]:
    """Load every server of `specs` on one size, then take their runs side by side (bench_runs)."""
    with contextlib.ExitStack() as stack:  # stops the samplers and servers on the way out
        sessions = [open_session(spec, size, args, stack) for spec in specs]
        running = [s for s in sessions if s.run is not None]
        bench_runs(running, size, args, rounds=rounds)
        if running:
            log(f"memory at rest: {REST_SECONDS:g} s without requests")
            time.sleep(REST_SECONDS)
            for session in running:
                session.entry["memory_rest"] = session.run.memory()
        return [close_session(s) for s in sessions]


def phase_sizes(specs, sizes: dict[str, Size], args) -> list[dict]:
    """Ours and Oxigraph are loaded together and measured in interleaved rounds; rdflib-endpoint,
    whose runs last longer, alone after them (one round)."""
    results, previous = [], {}
    groups = [([n for n in specs if n != "rdflib-endpoint"], args.rounds),
              ([n for n in specs if n == "rdflib-endpoint"], 1)]
    for size in sizes.values():
        for names, rounds in groups:
            wanted = []
            for name in names:
                reason = predicted_skip(name, size, previous, args)
                if reason:
                    log(f"{name} {size.name}: skipped ({reason})")
                    results.append({"server": name, "size": size.name, "triples": size.triples,
                                    "status": "skipped", "reason": reason})
                else:
                    wanted.append(specs[name])
            if not wanted:
                continue
            for entry in bench_together(wanted, size, args, rounds=rounds):
                results.append(entry)
                timings = [p.get("median_s", args.max_single_query * 2) for p in entry.get("probes", {}).values()]
                if timings:
                    previous[entry["server"]] = (size.triples, max(timings))
    return results


# ---------------------------------------------------------------- phase: mixed load with a slow query

class SlowLoop(threading.Thread):
    """Sends the slow query again and again, one at a time, and records each outcome."""

    def __init__(self, url: str, timeout: float):
        super().__init__(daemon=True)
        self.url, self.timeout = url, timeout
        self.answers: list[servers.Answer] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.answers.append(servers.ask(self.url, queries.slow_query(), self.timeout))

    def summary(self) -> dict:
        statuses: dict[str, int] = {}
        for a in self.answers:
            key = str(a.status) if a.status else ("client time-out" if "timed out" in a.error else "no answer")
            statuses[key] = statuses.get(key, 0) + 1
        seconds = [a.seconds for a in self.answers]
        return {"sent_and_finished": len(self.answers), "outcomes": statuses,
                "median_s": round(statistics.median(seconds), 3) if seconds else None,
                "max_s": round(max(seconds), 3) if seconds else None,
                "first_error": next((a.error for a in self.answers if a.error), "")[:200]}


def _mixed_jobs(run: servers.Running, size: Size, args, seconds: float) -> tuple[list[loadgen.Job], dict]:
    cheap = max(1, round(args.mixed_clients * 3 / 4))
    scan = max(1, args.mixed_clients - cheap)
    unique = not args.reuse_texts
    jobs = [loadgen.Job(run.base, run.spec.endpoint, size.paths["mix-cheap"],
                        loadgen.Load(args.threads, cheap, seconds, unique=unique)),
            loadgen.Job(run.base, run.spec.endpoint, size.paths["mix-scan"],
                        loadgen.Load(1, scan, seconds, unique=unique))]
    return jobs, {"cheap": cheap, "scan": scan}


def _mixed_run(run: servers.Running, size: Size, args, seconds: float, with_slow: bool) -> dict:
    jobs, clients = _mixed_jobs(run, size, args, seconds)
    slow = SlowLoop(run.url, timeout=args.time_limit * 3 + 30) if with_slow else None
    with servers.MemorySampler(run.proc.pid, interval=1.0) as sampler:
        if slow:
            slow.start()
            time.sleep(1.0)  # the slow query is running before the load starts
        cheap, scan = loadgen.run_together(jobs)
        if slow:
            slow.halt.set()
            slow.join(timeout=args.time_limit * 3 + 35)
    drain(run)
    after = servers.ask(run.url, size.probes["point"]["repeated"], timeout=30)
    out = {"status": "ok", "seconds": seconds, "clients": clients | {"slow": int(with_slow)},
           "cheap": cheap.to_dict(), "scan": scan.to_dict(), "errors": cheap.error_count + scan.error_count,
           "alive_after": run.alive() and after.status == 200, "memory_peak": sampler.peak()}
    if slow:
        out |= {"slow": slow.summary(), "slow_still_running_at_end": slow.is_alive()}
    return out


def mixed_one(spec: servers.Spec, size: Size, args) -> dict:
    """The mixed load with the slow query, then a shorter baseline of the same load without it."""
    log(f"mixed load on {spec.name} ({size.name}): {args.mixed_clients} clients and 1 slow query loop, "
        f"{args.mixed_seconds:g} s, then a baseline without the slow query")
    try:
        run = start_server(spec, size, args, time_limit=True)
    except servers.ServerFailed as exc:
        return {"status": "failed", "reason": str(exc)}
    try:
        warm_up(run, size, args)
        result = _mixed_run(run, size, args, args.mixed_seconds, with_slow=True)
        result |= {"time_limit_s": args.time_limit, "data": size.name}
        if run.alive():
            result["baseline"] = _mixed_run(run, size, args, min(args.mixed_seconds, 30), with_slow=False)
        return result
    finally:
        run.stop()


def phase_mixed(specs, size: Size, args) -> dict:
    return {name: mixed_one(specs[name], size, args) for name in args.mixed_servers if name in specs}


# ---------------------------------------------------------------- phase: soak

def phase_soak(specs, size: Size, args) -> dict:
    names = [n for n in args.soak_servers if n in specs]
    if not names:
        return {}
    log(f"soak of {', '.join(names)} on {size.name} for {args.soak_seconds:g} s (at the same time)")
    runs, out = {}, {}
    try:
        for name in names:
            try:
                runs[name] = start_server(specs[name], size, args)
            except servers.ServerFailed as exc:
                out[name] = {"status": "failed", "reason": str(exc)}
        jobs = [loadgen.Job(r.base, r.spec.endpoint, size.paths["mix-all"],
                            loadgen.Load(1, args.soak_connections, args.soak_seconds, unique=not args.reuse_texts))
                for r in runs.values()]
        samples = {name: [] for name in runs}
        results: list = []
        worker = threading.Thread(target=lambda: results.extend(loadgen.run_together(jobs)), daemon=True)
        t0 = time.monotonic()
        worker.start()
        while worker.is_alive():
            for name, run in runs.items():
                samples[name].append(run.memory() | {"t": round(time.monotonic() - t0, 1)})
            worker.join(timeout=args.soak_interval)
        for (name, run), result in zip(runs.items(), results):
            out[name] = soak_summary(samples[name], result) | {"alive_after": run.alive()}
    finally:
        for run in runs.values():
            run.stop()
    return out


def soak_summary(samples: list[dict], result: loadgen.WrkResult) -> dict:
    def mib(x):
        return round(x / 2**20, 1)

    warm = samples[len(samples) // 4] if samples else {"rss": 0, "pss": 0}
    first, last = (samples[0], samples[-1]) if samples else (warm, warm)
    return {"status": "ok", "load": result.to_dict(), "samples": samples,
            "rss_mib": {"first": mib(first["rss"]), "after_quarter": mib(warm["rss"]), "last": mib(last["rss"]),
                        "max": mib(max(s["rss"] for s in samples)) if samples else 0},
            "pss_mib": {"first": mib(first["pss"]), "after_quarter": mib(warm["pss"]), "last": mib(last["pss"]),
                        "max": mib(max(s["pss"] for s in samples)) if samples else 0}}


# ---------------------------------------------------------------- metadata

def machine_and_versions(specs, reasons, args, argv) -> dict:
    def cmd(*a):
        try:
            return subprocess.run(a, capture_output=True, text=True, timeout=30, cwd=ROOT).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    dirty = bool(cmd("git", "status", "--porcelain", "--", "src"))
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["bench/.venv/bin/python", "bench/run.py", *argv]),
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(), "python": platform.python_version(),
        "versions": {
            "ours (git)": (cmd("git", "rev-parse", "--short", "HEAD") or "unknown") + (" + uncommitted src/" if dirty else ""),
            "oxigraph": servers.version_of([str(servers.BENCH_BIN / "oxigraph"), "--version"]).split()[-1],
            "rdflib-endpoint": _dist_version("rdflib-endpoint"), "rdflib": _dist_version("rdflib"),
            "pyoxigraph": _dist_version("pyoxigraph"),
            "wrk": servers.version_of(["wrk", "--version"]).split(" [")[0],
        },
        "servers": {n: {"command": s.command, "endpoint": s.endpoint, "note": s.note} for n, s in specs.items()},
        "not_run": reasons,
    }


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def config_of(args) -> dict:
    keep = ("quick", "sizes", "servers", "duration", "rounds", "warmup", "threads", "connections", "variants", "seed", "reuse_texts",
            "rdflib_connections", "rdflib_duration", "rdflib_max_duration", "max_single_query", "cold_starts",
            "time_limit", "mixed_seconds", "mixed_clients", "mixed_data", "mixed_servers", "soak_seconds",
            "soak_interval", "soak_connections", "soak_data", "soak_servers")
    return {k: getattr(args, k) for k in keep} | {"skip": sorted(args.skip), "rest_seconds": REST_SECONDS}


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the servers are stopped on the way out
    atexit.register(servers.stop_all)
    if not loadgen.wrk_path():
        raise SystemExit("wrk not found: run bench/setup.sh (apt-get install wrk)")
    t0 = time.monotonic()
    specs, reasons = plan_servers(args)
    for name, why in reasons.items():
        log(f"{name}: not run ({why})")
    wanted = dict.fromkeys([*args.sizes, args.mixed_data, args.soak_data, "dataset"])
    sizes = {name: prepare_size(name, args) for name in wanted}
    doc = {"meta": machine_and_versions(specs, reasons, args, argv), "config": config_of(args),
           "sizes": {n: s.describe() for n, s in sizes.items() if n in args.sizes}}
    doc["cold_start"] = {} if "cold" in args.skip else phase_cold_start(specs, sizes["dataset"], args)
    doc["runs"] = [] if "sizes" in args.skip else phase_sizes(specs, {n: sizes[n] for n in args.sizes}, args)
    doc["mixed"] = {} if "mixed" in args.skip else phase_mixed(specs, sizes[args.mixed_data], args)
    doc["soak"] = {} if "soak" in args.skip else phase_soak(specs, sizes[args.soak_data], args)
    doc["meta"]["wall_minutes"] = round((time.monotonic() - t0) / 60, 1)
    doc["meta"]["log_errors"] = servers.log_errors()
    doc["meta"]["allocators"] = servers.allocators()
    written = report.write_all(doc, args.out)
    for path in written:
        log(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
