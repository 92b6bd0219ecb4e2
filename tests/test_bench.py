"""The bench's own logic that decides what its report says (bench/loadgen.py, bench/report.py):
no server, no wrk. The bench itself is run by `bench/run.py`, not by the tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))  # the bench's modules import each other by their bare names
try:
    import loadgen
    import report
finally:
    sys.path.remove(str(BENCH))


def test_every_wrk_run_gets_its_own_tag_for_the_unique_comments():
    # Without it a second run over the same file resends the first run's texts, and a result
    # cache answers them: the flaw the rounds revealed.
    tags = {loadgen.next_run_tag() for _ in range(3)}
    assert len(tags) == 3
    load = loadgen.Load(2, 16, 5, unique=True)
    cmd = loadgen.command("http://127.0.0.1:1", "/sparql", Path("paths.txt"), load, run_tag="42-7")
    assert cmd[-3:] == ["/sparql", "unique", "42-7"]
    lua = (BENCH / "rotate.lua").read_text()
    assert 'run_tag = args[4] or ""' in lua and '"%0A%23u" .. run_tag .. "."' in lua


@pytest.mark.parametrize(("rps", "kept"), [
    ([30.0], 30.0),
    ([30.0, 10.0, 20.0], 20.0),
    ([10.0, 20.0], 10.0),  # an even count keeps the lower middle run
])
def test_the_median_round_is_kept_with_every_rounds_throughput(rps, kept):
    runs = [{"rps": r, "p50_ms": r / 10} for r in rps]
    chosen = report.median_run(runs)
    assert chosen["rps"] == kept and chosen["p50_ms"] == kept / 10  # its latencies go with it
    assert chosen.get("rounds_rps", rps) == rps


def test_a_round_without_a_measure_does_not_hide_the_others():
    runs = [{"skipped": "the server had exited (code 1)"}, {"rps": 5.0}]
    assert report.median_run(runs) == {"rps": 5.0, "rounds_rps": [None, 5.0]}
    assert report.median_run([{"skipped": "x"}]) == {"skipped": "x"}


def _doc(rps: float, unloaded_s: float) -> dict:
    return {"meta": {"cores": 2},
            "runs": [{"server": "ours", "size": "cog", "runs": {"aggregate": {"distinct": {"rps": rps}}},
                      "probes": {"aggregate": {"median_s": unloaded_s}}}]}


def test_a_distinct_run_faster_than_the_cores_can_compute_is_flagged():
    assert report.beyond_capacity(_doc(rps=20.0, unloaded_s=0.1)) == []  # 20 req/s ≈ 2 cores / 100 ms
    flagged = report.beyond_capacity(_doc(rps=60.0, unloaded_s=0.1))
    assert len(flagged) == 1 and "ours on cog, aggregate distinct" in flagged[0]
    # Cheap queries are left alone: their unloaded latency is mostly the round trip, not CPU.
    assert report.beyond_capacity(_doc(rps=20000.0, unloaded_s=0.001)) == []


def _rounds_doc(ours: list, oxigraph: list) -> dict:
    def entry(server, rounds):
        return {"server": server, "size": "cog", "runs": {kind: {"distinct": {"rps": sorted(rounds)[1],
                                                                            "requests": 1, "rounds_rps": rounds}}
                                                          for kind in report.KINDS}}
    return {"config": {"sizes": ["cog"]}, "runs": [entry("ours", ours), entry("oxigraph", oxigraph)]}


def test_the_headline_ratio_is_also_given_round_by_round():
    by_round = report.round_geomeans(_rounds_doc([10.0, 20.0, 30.0], [20.0, 20.0, 20.0]), "oxigraph")
    assert by_round == pytest.approx([0.5, 1.0, 1.5])
    uneven = _rounds_doc([10.0, 20.0, 30.0], [20.0, 20.0, 20.0])
    uneven["runs"][1]["runs"]["point"]["distinct"]["rounds_rps"] = [20.0, None, 20.0]  # a round not measured
    assert report.round_geomeans(uneven, "oxigraph") == []


def _judged(**overrides) -> dict:
    summary = {
        "distinct_throughput_vs_oxigraph": {"geomean": 0.69},
        "distinct_throughput_vs_rdflib": {"geomean": 30.0},
        "repeated_throughput_vs_oxigraph": {"geomean": None},  # not measured
        "aggregate_p50_vs_oxigraph": {"distinct": {"dataset": 1.2, "cog": 1.6}},
        "cold_start_s": {"ours": 0.5},
        "memory_vs_oxigraph": {"dataset": {"peak_rss": 1.9}, "cog": {"peak_rss": 2.0}},
    } | overrides
    doc = {"summary": summary,
           "soak": {"ours": {"status": "ok", "rss_mib": {"after_quarter": 100.0, "last": 106.0}}},
           "mixed": {"ours": {"status": "ok", "errors": 0, "cheap": {"p99_ms": 99.0}}}}
    return {v["target"]: (v["measured"], v["met"]) for v in report.verdicts(doc)}


def test_each_target_of_the_issue_is_judged_on_its_figure():
    judged = list(_judged().values())
    assert judged == [
        ("0.69×", False), ("30.0×", True), ("–", None),  # a target not measured is not judged
        ("1.6× (cog)", False),  # the worst size decides
        ("0.50 s", True), ("2× (cog)", True),
        ("100.0 → 106.0 MiB", False),  # grew by more than 5 %
        ("0", True), ("99.0 ms", True)]


def test_a_run_that_measured_nothing_judges_nothing():
    nothing = {"summary": {"distinct_throughput_vs_oxigraph": {"geomean": None},
                           "distinct_throughput_vs_rdflib": {"geomean": None},
                           "repeated_throughput_vs_oxigraph": {"geomean": None},
                           "aggregate_p50_vs_oxigraph": {"distinct": {}}, "cold_start_s": {}, "memory_vs_oxigraph": {}},
               "soak": {"ours": {"status": "ok", "rss_mib": {}}}}
    assert {v["met"] for v in report.verdicts(nothing)} == {None}
