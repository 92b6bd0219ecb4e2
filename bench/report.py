"""Turns the results of run.py into report.json, report.md and cost-vs-size.png."""

from __future__ import annotations

import json
import math
from pathlib import Path

from queries import KINDS

SERVERS = ("ours", "oxigraph", "rdflib-endpoint")
PEERS = ("oxigraph", "rdflib-endpoint")
MODES = ("distinct", "repeated")
MIB = 2**20


# ---------------------------------------------------------------- lookups and small maths

def entries(doc) -> dict[tuple[str, str], dict]:
    return {(e["server"], e["size"]): e for e in doc.get("runs", [])}


def measured(doc, server, size, kind, mode) -> dict | None:
    """A wrk result with at least one answer, or None."""
    e = entries(doc).get((server, size))
    r = (e or {}).get("runs", {}).get(kind, {}).get(mode)
    return r if r and r.get("requests") else None


def median_run(runs: list[dict]) -> dict:
    """The run of median throughput among rounds (the lower middle one of an even count), with every
    round's req/s."""
    measured = sorted((r for r in runs if "rps" in r), key=lambda r: r["rps"])
    if len(runs) == 1 or not measured:
        return runs[0]
    return measured[(len(measured) - 1) // 2] | {"rounds_rps": [r.get("rps") for r in runs]}


def ratio(a, b) -> float | None:
    return a / b if a and b else None


def geomean(values) -> float | None:
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def throughput_ratios(doc, peer, mode) -> dict:
    """ours/peer throughput per size and kind, with geometric means per size and overall."""
    per_size, all_ratios = {}, []
    for size in doc["config"]["sizes"]:
        by_kind = {}
        for kind in KINDS:
            ours, theirs = measured(doc, "ours", size, kind, mode), measured(doc, peer, size, kind, mode)
            by_kind[kind] = ratio(ours and ours["rps"], theirs and theirs["rps"])
        per_size[size] = {"kinds": by_kind, "geomean": geomean(by_kind.values())}
        all_ratios += [v for v in by_kind.values() if v]
    return {"sizes": per_size, "geomean": geomean(all_ratios), "pairs": len(all_ratios)}


def round_geomeans(doc, peer) -> list[float]:
    """The distinct-throughput geometric mean of ours/peer within each round (round i of ours
    against round i of the peer, loaded side by side): how much the headline ratio moves between
    rounds. Empty unless every pair has the same number of rounds, all measured."""
    pairs = []
    for size in doc["config"]["sizes"]:
        for kind in KINDS:
            ours, theirs = (measured(doc, srv, size, kind, "distinct") or {} for srv in ("ours", peer))
            a, b = ours.get("rounds_rps"), theirs.get("rounds_rps")
            if not a or not b or len(a) != len(b) or None in a or None in b:
                return []
            pairs.append(list(zip(a, b)))
    if not pairs or len({len(p) for p in pairs}) != 1:
        return []
    return [geomean([p[i][0] / p[i][1] for p in pairs]) for i in range(len(pairs[0]))]


def latency_ratio(doc, peer, kind, mode, key="p50_ms") -> dict:
    out = {}
    for size in doc["config"]["sizes"]:
        ours, theirs = measured(doc, "ours", size, kind, mode), measured(doc, peer, size, kind, mode)
        out[size] = ratio(ours and ours[key], theirs and theirs[key])
    return out


def memory_ratios(doc, peer) -> dict:
    out = {}
    for size in doc["config"]["sizes"]:
        ours, theirs = entries(doc).get(("ours", size), {}), entries(doc).get((peer, size), {})
        out[size] = {f"{k}_{m}": ratio(ours.get(f"memory_{k}", {}).get(m), theirs.get(f"memory_{k}", {}).get(m))
                     for k in ("loaded", "peak", "rest") for m in ("rss", "pss")}
    return out


def summarize(doc) -> dict:
    cold = doc.get("cold_start", {})
    cold_s = {s: cold.get(s, {}).get("median_s") for s in SERVERS}
    return {
        "distinct_throughput_vs_oxigraph": throughput_ratios(doc, "oxigraph", "distinct"),
        "distinct_vs_oxigraph_by_round": round_geomeans(doc, "oxigraph"),
        "distinct_throughput_vs_rdflib": throughput_ratios(doc, "rdflib-endpoint", "distinct"),
        "repeated_throughput_vs_oxigraph": throughput_ratios(doc, "oxigraph", "repeated"),
        "oxigraph_vs_rdflib_distinct": _peer_ratios(doc),
        "aggregate_p50_vs_oxigraph": {m: latency_ratio(doc, "oxigraph", "aggregate", m) for m in MODES},
        "cold_start_s": cold_s,
        "cold_start_vs": {p: ratio(cold_s["ours"], cold_s[p]) for p in PEERS},
        "memory_vs_oxigraph": memory_ratios(doc, "oxigraph"),
    }


def _peer_ratios(doc) -> dict:
    """oxigraph/rdflib-endpoint distinct throughput: context for the two peers."""
    out = {}
    for size in doc["config"]["sizes"]:
        by_kind = {}
        for kind in KINDS:
            a, b = measured(doc, "oxigraph", size, kind, "distinct"), measured(doc, "rdflib-endpoint", size, kind, "distinct")
            by_kind[kind] = ratio(a and a["rps"], b and b["rps"])
        out[size] = {"kinds": by_kind, "geomean": geomean(by_kind.values())}
    return out


# ---------------------------------------------------------------- the targets

SOAK_FLAT_SLACK = 1.05  # "flat": the last reading within 5 % of the one after the first quarter


def verdicts(doc) -> list[dict]:
    """Each target of the issue with the figure it is judged on and whether it is met (None: not
    measured in this run). Where a target holds per data size, the worst size decides."""
    s = doc["summary"]

    def worst(per_size: dict, *, highest: bool):
        values = {n: v for n, v in per_size.items() if v}
        if not values:
            return None, ""
        name = (max if highest else min)(values, key=values.get)
        return values[name], f" ({name})"

    def check(target: str, value, shown: str, ok) -> dict:
        return {"target": target, "measured": shown if value is not None else "–",
                "met": None if value is None else bool(ok(value))}

    out = []
    for target, key, floor in (("distinct throughput ≥ 0.7× Oxigraph (geo. mean)", "distinct_throughput_vs_oxigraph", 0.7),
                               ("distinct throughput ≥ 30× rdflib-endpoint (geo. mean)", "distinct_throughput_vs_rdflib", 30),
                               ("repeated throughput ≥ 1.5× Oxigraph (geo. mean)", "repeated_throughput_vs_oxigraph", 1.5)):
        value = s[key]["geomean"]
        out.append(check(target, value, f_ratio(value), lambda v, f=floor: v >= f))
    value, where = worst(s["aggregate_p50_vs_oxigraph"]["distinct"], highest=True)
    out.append(check("aggregate p50 (distinct) ≤ 1.5× Oxigraph, every size", value, f_ratio(value) + where,
                     lambda v: v <= 1.5))
    value = s["cold_start_s"].get("ours")
    out.append(check("cold start to first answer < 3 s (dataset)", value, f"{f_num(value, 2)} s", lambda v: v < 3))
    value, where = worst({n: v["peak_rss"] for n, v in s["memory_vs_oxigraph"].items()}, highest=True)
    out.append(check("RSS (peak, process tree) ≤ 2× Oxigraph, every size", value, f_ratio(value) + where,
                     lambda v: v <= 2))
    soak = doc.get("soak", {}).get("ours") or {}
    r = soak.get("rss_mib") if soak.get("status") == "ok" else None
    r = r if r and r.get("after_quarter") and r.get("last") is not None else None
    out.append(check(f"RSS flat over the soak (last ≤ {SOAK_FLAT_SLACK:g} × after ¼)", r and r["last"] / r["after_quarter"],
                     r and f"{r['after_quarter']} → {r['last']} MiB", lambda v: v <= SOAK_FLAT_SLACK))
    mixed = doc.get("mixed", {}).get("ours") or {}
    ok = mixed.get("status") == "ok"
    out.append(check("mixed load: zero errors", mixed.get("errors") if ok else None, str(mixed.get("errors")),
                     lambda v: v == 0))
    p99 = mixed["cheap"]["p99_ms"] if ok else None
    out.append(check("mixed load: cheap p99 < 100 ms while a query runs into its time limit", p99,
                     f"{f_ms(p99)} ms", lambda v: v < 100))
    return out


def md_verdicts(doc) -> str:
    word = {True: "met", False: "**not met**", None: "not measured"}
    rows = [[v["target"], v["measured"], word[v["met"]]] for v in verdicts(doc)]
    return "## The issue's targets, judged\n\n" + table(["target", "measured", "verdict"], rows)


# ---------------------------------------------------------------- formatting

def f_ratio(x) -> str:
    if x is None:
        return "n/a"
    return f"{x:,.0f}×" if x >= 100 else f"{x:.1f}×" if x >= 10 else f"{x:.3g}×"


def f_num(x, digits=1) -> str:
    if x is None:
        return "–"
    return f"{x:,.{digits}f}" if abs(x) < 100 else f"{x:,.0f}"


def f_ms(x) -> str:
    return "–" if x is None else (f"{x:.2f}" if x < 10 else f"{x:,.0f}" if x >= 100 else f"{x:.1f}")


def f_mib(x) -> str:
    return "–" if not x else f"{x / MIB:,.0f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def run_cell(doc, server, size, kind, mode) -> list[str]:
    e = entries(doc).get((server, size))
    if not e:
        return ["not run", "", ""]
    if e.get("status") in ("skipped", "failed") and "runs" not in e:
        return [e["status"], "", ""]
    r = e.get("runs", {}).get(kind, {}).get(mode, {})
    if "skipped" in r:
        return ["skipped", "", ""]
    if not r.get("requests"):
        return ["0 answers", "", ""]
    errs = f" ({r['error_count']} err)" if r.get("error_count") else ""
    few = f" (n={r['requests']})" if r["requests"] < 20 else ""
    return [f_num(r["rps"]) + few + errs, f_ms(r["p50_ms"]), f_ms(r["p99_ms"])]


# ---------------------------------------------------------------- markdown sections

def md_header(doc) -> str:
    m, c = doc["meta"], doc["config"]
    vers = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    lines = [
        "# SPARQL endpoint benchmark: ours vs Oxigraph server vs rdflib-endpoint", "",
        f"- Date: {m['date']} (run took {m.get('wall_minutes', '?')} min)",
        f"- Command: `{m['command']}`",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}, Python {m['python']}",
        f"- Versions: {vers}",
        f"- Load: wrk on the same machine, {c['threads']} threads, {c['connections']} connections, "
        f"{c['duration']:g} s per run (rdflib-endpoint: {c['rdflib_connections']} connections, "
        f"{c['rdflib_duration']:g}–{c['rdflib_max_duration']:g} s), {c['variants']} distinct variants per kind "
        f"(seed {c['seed']}), `Accept: application/sparql-results+json`, GET.",
        f"- Rounds: ours and Oxigraph are loaded side by side; their distinct runs are taken in "
        f"{c.get('rounds', 1)} round(s), in turn, the servers' order alternating from one round to the next, "
        f"and each keeps its run of median throughput (every round's req/s is in `report.json`, "
        f"`rounds_rps`). Repeated runs and rdflib-endpoint: one run.",
        "- Modes: *repeated* sends one fixed query again and again; *distinct* sends the parameterised variants "
        "in turn" + (", as they are (`--reuse-texts`: a result cache may answer variants it has seen)."
                     if c.get("reuse_texts") else
                     ", each request made byte-unique by a trailing SPARQL comment with the run's tag and a "
                     "counter (unique across runs too), so that no result cache keyed on the query text can "
                     "answer it (the engine does the work every time)."),
    ]
    for name, s in m["servers"].items():
        lines.append(f"- `{name}`: `{s['command']}` endpoint `{s['endpoint']}` — {s['note']}")
    for name, why in m["not_run"].items():
        lines.append(f"- **`{name}` not run**: {why}")
    if m.get("allocators"):
        lines.append("- malloc, as the servers' start-up lines name it: " + "; ".join(
            f"{name} {', '.join(names)}" for name, names in m["allocators"].items()) + ".")
    if "log_errors" in m:  # reports written before the count have none
        counts = "; ".join(f"{name} {e['lines']}" + (f" (first: `{e['first']}`)" if e["first"] else "")
                           for name, e in m["log_errors"].items())
        lines.append(f"- Error lines in the servers' logs (`raw/logs/`, ERROR or Traceback): {counts or 'no logs'}.")
    shares = [r.get("wrk_cpu_share") for e in doc.get("runs", []) for k in e.get("runs", {}).values()
              for r in k.values() if r.get("wrk_cpu_share") is not None]
    if shares:
        lines.append(f"- wrk used at most {max(shares):.0%} of the machine's CPU in any run "
                     f"(median {sorted(shares)[len(shares) // 2]:.0%}); the rest was left to the server.")
    return "\n".join(lines) + "\n"


def md_sizes(doc) -> str:
    rows = [[n, s["file"], f"{s['triples']:,}", f"{s['communes']:,}",
             ", ".join(f"{k} {v}" for k, v in s["distinct_texts"].items())] for n, s in doc["sizes"].items()]
    return "## Data\n\n" + table(["size", "file", "triples", "communes", "distinct query texts per kind"], rows)


def md_targets(doc) -> str:
    s = doc["summary"]
    rows = []
    for label, key in (("distinct queries, throughput, ours/Oxigraph (geo. mean)", "distinct_throughput_vs_oxigraph"),
                       ("distinct queries, throughput, ours/rdflib-endpoint (geo. mean)", "distinct_throughput_vs_rdflib"),
                       ("repeated queries, throughput, ours/Oxigraph (geo. mean)", "repeated_throughput_vs_oxigraph")):
        per = "; ".join(f"{n} {f_ratio(v['geomean'])}" for n, v in s[key]["sizes"].items())
        rows.append([label, f_ratio(s[key]["geomean"]), per])
        by_round = s.get("distinct_vs_oxigraph_by_round") if key == "distinct_throughput_vs_oxigraph" else None
        if by_round and len(by_round) > 1:
            rows.append(["(the same, within each round: every size and kind of round i against round i)", "",
                         " / ".join(f_ratio(v) for v in by_round)])
    for mode in MODES:
        per = "; ".join(f"{n} {f_ratio(v)}" for n, v in s["aggregate_p50_vs_oxigraph"][mode].items())
        rows.append([f"aggregate p50 latency ({mode}), ours/Oxigraph (lower is better)", "", per])
    cold = s["cold_start_s"]
    rows.append(["cold start to first answer on the dataset, ours/Oxigraph; ours/rdflib-endpoint",
                 f"{f_ratio(s['cold_start_vs']['oxigraph'])}; {f_ratio(s['cold_start_vs']['rdflib-endpoint'])}",
                 "; ".join(f"{k} {f_num(v, 2)} s" if v else f"{k} –" for k, v in cold.items())])
    for k, m in (("peak", "rss"), ("peak", "pss"), ("rest", "pss")):
        per = "; ".join(f"{n} {f_ratio(v[f'{k}_{m}'])}" for n, v in s["memory_vs_oxigraph"].items())
        when = "peak" if k == "peak" else "at rest after the runs"
        rows.append([f"{m.upper()} ({when}, process tree), ours/Oxigraph (lower is better)", "", per])
    soak = doc.get("soak", {}).get("ours")
    if soak and soak.get("status") == "ok":
        r = soak["rss_mib"]
        rows.append(["soak: RSS of ours, after ¼ → end (MiB)", f"{r['after_quarter']} → {r['last']}", f"max {r['max']}"])
    mixed = doc.get("mixed", {}).get("ours")
    if mixed and mixed.get("status") == "ok":
        clients = mixed["clients"]["cheap"] + mixed["clients"]["scan"]
        base = mixed.get("baseline", {})
        base_p99 = f_ms(base["cheap"]["p99_ms"]) + " ms" if base.get("status") == "ok" else "–"
        rows.append([f"mixed load ({clients} clients + 1 slow query loop, {mixed['data']}): errors; cheap p99",
                     f"{mixed['errors']}; {f_ms(mixed['cheap']['p99_ms'])} ms",
                     f"cheap p99 without the slow query: {base_p99}; slow query answers: {mixed['slow']['outcomes']}"])
    ox = "; ".join(f"{n} {f_ratio(v['geomean'])}" for n, v in s["oxigraph_vs_rdflib_distinct"].items())
    rows.append(["(context) distinct throughput, Oxigraph/rdflib-endpoint (geo. mean)", "", ox])
    return ("## Targets (ratios ours vs peers; > 1× is better for throughput)\n\n"
            + table(["measure", "overall", "per size"], rows))


def md_runs(doc) -> str:
    out = ["## Throughput and latency under load\n",
           "req/s, then p50 and p99 latency in ms, as wrk measured them. Ratios are of throughput.\n"]
    for size in doc["config"]["sizes"]:
        header = ["kind", "mode"]
        for srv in SERVERS:
            header += [f"{srv} req/s", "p50", "p99"]
        header += ["ours/oxigraph", "ours/rdflib", "oxigraph/rdflib"]
        rows = []
        for kind in KINDS:
            for mode in MODES:
                row = [kind, mode]
                for srv in SERVERS:
                    row += run_cell(doc, srv, size, kind, mode)
                rps = {srv: (measured(doc, srv, size, kind, mode) or {}).get("rps") for srv in SERVERS}
                row += [f_ratio(ratio(rps["ours"], rps["oxigraph"])), f_ratio(ratio(rps["ours"], rps["rdflib-endpoint"])),
                        f_ratio(ratio(rps["oxigraph"], rps["rdflib-endpoint"]))]
                rows.append(row)
        triples = doc["sizes"].get(size, {}).get("triples", 0)
        out.append(f"### {size} ({triples:,} triples)\n\n" + table(header, rows))
    return "\n".join(out)


def md_rounds(doc) -> str:
    """Each round's distinct req/s of ours and Oxigraph, and their ratio round by round."""
    rows = []
    for size in doc["config"]["sizes"]:
        for kind in KINDS:
            ours, ox = (measured(doc, srv, size, kind, "distinct") or {} for srv in ("ours", "oxigraph"))
            a, b = ours.get("rounds_rps"), ox.get("rounds_rps")
            if not a or not b:
                continue
            rows.append([size, kind, " / ".join(f_num(x) for x in a), " / ".join(f_num(x) for x in b),
                         " / ".join(f_ratio(ratio(x, y)) for x, y in zip(a, b))])
    if not rows:
        return ""
    return ("## Distinct runs, round by round\n\n"
            "req/s of each round (the tables above keep each server's median round).\n\n"
            + table(["size", "kind", "ours req/s", "oxigraph req/s", "ours/oxigraph"], rows))


def md_probes(doc) -> str:
    header = ["size", "kind"] + [f"{s} ms" for s in SERVERS] + ["answers agree"]
    rows = []
    for size in doc["config"]["sizes"]:
        for kind in KINDS:
            row, answers = [size, kind], {}
            for srv in SERVERS:
                p = entries(doc).get((srv, size), {}).get("probes", {}).get(kind)
                row.append(f_ms(p["median_s"] * 1000) if p and "median_s" in p else (p or {}).get("skip", "–"))
                if p and "median_s" in p:
                    answers[srv] = (p["rows"], tuple(p.get("distinct_rows", [])))
            row.append(_agreement(answers))
            rows.append(row)
    return ("## Unloaded latency and answers\n\nOne client, one request at a time, after a short warm-up: median "
            "of up to 3 runs of the repeated query (each text made unique like the distinct load). Answers: row counts of the repeated query and of the first distinct variants, "
            "compared across servers.\n\n" + table(header, rows))


def _agreement(answers: dict) -> str:
    if len(answers) < 2:
        return "–"
    reference = next(iter(answers.values()))
    shortest = min(len(a[1]) for a in answers.values())
    same = all(a[0] == reference[0] and a[1][:shortest] == reference[1][:shortest] for a in answers.values())
    return "yes" if same else "NO: " + "; ".join(f"{s} {a[0]} {list(a[1])}" for s, a in answers.items())


def md_memory(doc) -> str:
    rows = []
    for size in doc["config"]["sizes"]:
        for srv in SERVERS:
            e = entries(doc).get((srv, size))
            if not e or "memory_loaded" not in e:
                status = (e or {}).get("status", "not run")
                rows.append([size, srv, status, "", "", "", "", "", "", "", (e or {}).get("reason", "")[:120]])
                continue
            lo, pk, st = e["memory_loaded"], e["memory_peak"], e["start"]
            rest = e.get("memory_rest") or {}
            rows.append([size, srv, f_num(st.get("first_answer_s"), 2), f_mib(lo["rss"]), f_mib(lo["pss"]),
                         f_mib(pk["rss"]), f_mib(pk["pss"]), f_mib(rest.get("rss")), f_mib(rest.get("pss")),
                         str(lo["processes"]), e.get("reason", "")])
    return ("## Memory (sum over the server's process tree, MiB) and load time\n\n"
            "RSS and PSS from /proc/PID/smaps_rollup; loaded = right after the first answer; "
            "peak = highest 1 s sample during probes and runs; at rest = after the runs and "
            f"{doc['config'].get('rest_seconds', '–')} s without requests. RSS counts the pages a process shares (ours: the "
            "store, shared by the zygote and its workers) once in every process; PSS divides them "
            "among the processes that share them.\n\n"
            + table(["size", "server", "start to first answer (s)", "RSS loaded", "PSS loaded", "RSS peak",
                     "PSS peak", "RSS at rest", "PSS at rest", "processes", "note"], rows))


def md_cold(doc) -> str:
    rows = []
    for srv, c in doc.get("cold_start", {}).items():
        runs = "; ".join(f"{r['first_answer_s']:.2f}" if "first_answer_s" in r else r.get("error", "?")[:80]
                         for r in c["runs"])
        mem = next((r["memory"] for r in c["runs"] if "memory" in r), None)
        rows.append([srv, f_num(c["median_s"], 3), runs, f_mib(mem and mem["rss"]), f_mib(mem and mem["pss"])])
    return ("## Cold start on the dataset\n\nSpawn to the first correct answer of the point lookup "
            "(Oxigraph: includes POSTing the data to its in-memory store).\n\n"
            + table(["server", "median s", "runs (s)", "RSS MiB", "PSS MiB"], rows))


def md_soak(doc) -> str:
    soak = doc.get("soak", {})
    if not soak:
        return "## Soak\n\nNot run.\n"
    c = doc["config"]
    rows = []
    for srv, s in soak.items():
        if s.get("status") != "ok":
            rows.append([srv, s.get("status"), s.get("reason", "")[:100], "", "", "", ""])
            continue
        r, p, load = s["rss_mib"], s["pss_mib"], s["load"]
        rows.append([srv, f"{r['first']} / {r['after_quarter']} / {r['last']} / {r['max']}",
                     f"{p['first']} / {p['after_quarter']} / {p['last']} / {p['max']}",
                     f_num(load["rps"]), f_ms(load["p99_ms"]), str(load["error_count"]),
                     "yes" if s["alive_after"] else "NO"])
    return (f"## Soak\n\n{c['soak_seconds']:g} s of the mixed distinct load ({c['soak_connections']} connections "
            f"per server, all soaked servers at the same time) on `{c['soak_data']}`; memory sampled every "
            f"{c['soak_interval']:g} s.\n\n"
            + table(["server", "RSS MiB first / ¼ / last / max", "PSS MiB first / ¼ / last / max", "req/s",
                     "p99 ms", "errors", "alive after"], rows))


def _mixed_row(srv: str, label: str, m: dict, slow: dict | None) -> list[str]:
    ch, sc = m["cheap"], m["scan"]
    return [srv, label, str(m["errors"]), f"{f_num(ch['rps'])} / {f_ms(ch['p50_ms'])} / {f_ms(ch['p99_ms'])}",
            f"{f_num(sc['rps'])} / {f_ms(sc['p50_ms'])} / {f_ms(sc['p99_ms'])}",
            json.dumps(slow["outcomes"]) if slow else "–", f_num(slow["median_s"], 2) if slow else "–",
            "yes" if m["alive_after"] else "NO", f_mib(m["memory_peak"]["rss"]), f_mib(m["memory_peak"]["pss"])]


def md_mixed(doc) -> str:
    mixed = doc.get("mixed", {})
    if not mixed:
        return "## Mixed load with a slow query\n\nNot run (ours not available, or not selected).\n"
    c = doc["config"]
    rows = []
    for srv, m in mixed.items():
        if m.get("status") != "ok":
            rows.append([srv, "", m.get("status"), m.get("reason", "")[:100]] + [""] * 6)
            continue
        rows.append(_mixed_row(srv, "with the slow query", m, m["slow"]))
        if m.get("baseline", {}).get("status") == "ok":
            rows.append(_mixed_row(srv, f"baseline, no slow query ({m['baseline']['seconds']:g} s)",
                                   m["baseline"], None))
    text = (f"## Mixed load with a slow query\n\n{c['mixed_clients']} clients for {c['mixed_seconds']:g} s on "
            f"`{c['mixed_data']}`: 3/4 send cheap queries (point lookups and joins), 1/4 scanning ones "
            f"(aggregates and label filters), while one more client sends the slow query (a cartesian product) "
            f"again and again; time limit {c['time_limit']:g} s. Errors: wrk's socket errors, time-outs and "
            f"non-2xx answers to the 32 clients (the slow query's own answers are listed apart). The baseline is "
            f"the same load without the slow query.\n\n"
            + table(["server", "run", "errors", "cheap req/s / p50 / p99 ms", "scanning req/s / p50 / p99 ms",
                     "slow query outcomes", "slow median s", "alive after", "RSS peak MiB", "PSS peak MiB"], rows))
    if "oxigraph" in mixed:
        text += ("\nOxigraph gets `--timeout-s` here only: Oxigraph 0.5 starts a timer thread per query that lives "
                 "for the whole time limit, so at thousands of queries per second it runs out of threads and aborts.\n")
    return text


def beyond_capacity(doc) -> list[str]:
    """Distinct runs of queries that take CPU (unloaded over 5 ms) answered faster than the machine's
    cores could compute them at that latency: a sign that something answered without computing (a
    cache fed by repeated texts), which would make the run meaningless."""
    cores, out = doc["meta"].get("cores") or 1, []
    for e in doc.get("runs", []):
        for kind, modes in e.get("runs", {}).items():
            run, unloaded = modes.get("distinct") or {}, e.get("probes", {}).get(kind, {}).get("median_s")
            if run.get("rps") and unloaded and unloaded > 0.005 and run["rps"] > 1.5 * cores / unloaded:
                out.append(f"- {e['server']} on {e['size']}, {kind} distinct: {f_num(run['rps'])} req/s, more "
                           f"than 1.5 × {cores} cores / {unloaded * 1000:.1f} ms unloaded")
    return out


def md_skipped(doc) -> str:
    lines = []
    for e in doc.get("runs", []):
        if e.get("status") in ("skipped", "failed"):
            lines.append(f"- {e['server']} on {e['size']}: {e['status']} — {e.get('reason', '')}")
        for kind, modes in e.get("runs", {}).items():
            for mode, r in modes.items():
                if "skipped" in r:
                    lines.append(f"- {e['server']} on {e['size']}, {kind} {mode}: skipped — {r['skipped']}")
                elif r.get("failure"):
                    lines.append(f"- {e['server']} on {e['size']}, {kind} {mode}: wrk failed — {r['failure']}")
    suspect = beyond_capacity(doc)
    if suspect:
        lines += ["", "Distinct runs faster than the cores can compute (check that their texts were unique):",
                  *suspect]
    return "## Skipped and failed\n\n" + ("\n".join(lines) if lines else "Nothing.") + "\n"


def markdown(doc) -> str:
    parts = [md_header(doc), md_sizes(doc), md_verdicts(doc), md_targets(doc), md_runs(doc), md_rounds(doc), md_probes(doc),
             md_memory(doc), md_cold(doc), md_mixed(doc), md_soak(doc), md_skipped(doc),
             "## Plot\n\n![cost against data size](cost-vs-size.png)\n\nTop: cost per query (1 / throughput) "
             "under load; bottom: p50 latency under load; both against the number of triples, log-log. "
             "Solid: distinct variants; dashed: the repeated query.\n"]
    return "\n".join(part for part in parts if part)


# ---------------------------------------------------------------- plot

def plot(doc, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"ours": "tab:green", "oxigraph": "tab:blue", "rdflib-endpoint": "tab:orange"}
    fig, axes = plt.subplots(2, len(KINDS), figsize=(4.2 * len(KINDS), 7.5), squeeze=False)
    sizes = doc["config"]["sizes"]
    for col, kind in enumerate(KINDS):
        for srv in SERVERS:
            for mode, style in zip(MODES, ("-", "--")):
                points = [(doc["sizes"][s]["triples"], measured(doc, srv, s, kind, mode)) for s in sizes]
                points = [(t, r) for t, r in points if r]
                if not points:
                    continue
                xs = [t for t, _ in points]
                axes[0][col].plot(xs, [1000 / r["rps"] for _, r in points], style, marker="o", color=colors[srv],
                                  label=f"{srv} {mode}")
                axes[1][col].plot(xs, [r["p50_ms"] for _, r in points], style, marker="o", color=colors[srv],
                                  label=f"{srv} {mode}")
        axes[0][col].set_title(kind)
        for row, ylabel in enumerate(("ms per query (1/throughput)", "p50 latency, ms")):
            ax = axes[row][col]
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("triples")
            ax.grid(True, which="both", alpha=0.3)
            if col == 0:
                ax.set_ylabel(ylabel)
    handles, labels = axes[0][0].get_legend_handles_labels()
    for ax in axes.flat:
        h, lab = ax.get_legend_handles_labels()
        for hh, ll in zip(h, lab):
            if ll not in labels:
                handles.append(hh)
                labels.append(ll)
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize="small")
    fig.suptitle("Cost against data size (log-log)")
    fig.tight_layout(rect=(0, 0.08, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---------------------------------------------------------------- all

def write_all(doc, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    doc["summary"] = summarize(doc)
    paths = [out / "report.json", out / "report.md", out / "cost-vs-size.png"]
    paths[0].write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(doc), encoding="utf-8")
    plot(doc, paths[2])
    return paths


def main() -> None:
    """Render a report again from its report.json (after a change to this module), beside it."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("report_json", type=Path, help="a report.json written by bench/run.py")
    path = parser.parse_args().report_json
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        parser.error(f"{path}: {exc}")
    for written in write_all(doc, path.parent):
        print(written)


if __name__ == "__main__":
    main()
