"""`territoires-lod link` against a local Oxigraph server holding fixtures in Wikidata's and INSEE's
shapes (tests/fixtures/link/), and the pure functions that decide what a finding means."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from territoires_lod import build
from territoires_lod._cli import main as cli_main
from territoires_lod._link import (
    Entity,
    Finding,
    LinkRow,
    Linkset,
    Outcome,
    outcome_table,
    reconcile,
    same_name,
)

from .conftest import copy_project
from .test_server_clients import OxigraphServer

FIXTURES = Path(__file__).parent / "fixtures" / "link"
WD = "http://www.wikidata.org/entity/"
DATE = "2026-01-02"


@pytest.fixture(scope="module")
def services():
    """One local store answering for both services (their vocabularies do not overlap)."""
    server = OxigraphServer()
    try:
        for name in ("wikidata.ttl", "insee.ttl"):
            response = httpx.post(f"{server.base}/store?default", content=(FIXTURES / name).read_bytes(),
                                  headers={"Content-Type": "text/turtle"}, timeout=30)
            response.raise_for_status()
        yield f"{server.base}/query"
    finally:
        server.stop()


def run_link(project, url: str, capsys, *extra: str, date: str = DATE) -> tuple[int, str, str]:
    rc = cli_main(["--root", str(project.root), "link", "--wikidata", url, "--insee", url, "--date", date, *extra])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def command_rows(path: Path) -> set[tuple[str, str, str, str]]:
    return {(r["entity"], r["target"].removeprefix(WD), r["method"], r["status"])
            for r in csv.DictReader(path.open(encoding="utf-8")) if r["source"] == "wikidata"}


def test_finds_items_by_code_siren_and_label_and_flags_the_conflict(tmp_path, services, capsys):
    project = copy_project(tmp_path)
    rc, out, _ = run_link(project, services, capsys)
    assert rc == 3
    assert command_rows(project.data / "linkset.csv") == {
        ("commune/11076", "Q999999003", "wikidata-P374", "conflict"),
        ("commune/64445", "Q999999004", "wikidata-P374", "candidate"),
        ("commune/65440", "Q999999001", "wikidata-P374", "confirmed-by-code"),
        ("intercommunalite/200034692", "Q999999002", "wikidata-P1616", "confirmed-by-code"),
        ("organisation/business-france", "Q999999005", "wikidata-label-fr", "candidate"),
    }
    lines = out.splitlines()
    assert lines[0].split() == ["outcome", "entity", "wikidata", "status", "note"]
    assert lines[1].split()[:4] == ["conflict", "commune/11076", "Q999999003", "conflict"]
    assert "verified link is Q193861" in lines[1]
    confirmed = {tuple(line.split()[1:3]) for line in lines if line.startswith("confirmed ")}
    assert confirmed == {("region/76", "Q18678265"), ("departement/34", "Q12545"), ("commune/11262", "Q6555"),
                         ("commune/46102", "Q207614"), ("intercommunalite/241100593", "Q1809897"),
                         ("organisation/caisse-des-depots", "Q846484"), ("organisation/bpifrance", "Q2362964")}
    assert any(line.split()[:3] == ["not-found", "commune/15014", "Q174234"] for line in lines)
    assert "1 conflict, 4 new" in out


def test_rows_a_person_owns_stay_byte_identical(tmp_path, services, capsys):
    project = copy_project(tmp_path)
    path = project.data / "linkset.csv"
    before = path.read_bytes()
    run_link(project, services, capsys)
    after = path.read_bytes()
    assert after.startswith(before) and len(after) > len(before)


def test_the_linkset_is_deterministic(tmp_path, services, capsys):
    project = copy_project(tmp_path)
    path = project.data / "linkset.csv"
    run_link(project, services, capsys)
    first = path.read_bytes()
    rc, out, _ = run_link(project, services, capsys, date="2026-02-03")
    assert rc == 3 and path.read_bytes() == first  # rows found again keep their retrieval date
    assert out.rstrip().endswith("unchanged") and "4 kept" in out


def test_a_rejected_item_is_not_proposed_again(tmp_path, services, capsys):
    project = copy_project(tmp_path)
    path = project.data / "linkset.csv"
    rejected = "commune/11076,http://www.wikidata.org/entity/Q999999003,review,,2026-01-01,rejected,identifiants\n"
    path.write_text(path.read_text(encoding="utf-8") + rejected, encoding="utf-8")
    before = path.read_bytes()
    rc, out, _ = run_link(project, services, capsys)
    assert rc == 0
    assert path.read_bytes().startswith(before)
    assert ("commune/11076", "Q999999003", "wikidata-P374", "conflict") not in command_rows(path)
    assert any(line.split()[:3] == ["rejected", "commune/11076", "Q999999003"] for line in out.splitlines())


def test_the_build_passes_and_publishes_no_found_item_as_exact_match(tmp_path, services, capsys):
    project = copy_project(tmp_path)
    run_link(project, services, capsys)
    result = build(project)
    union = {(str(s), str(p), str(o)) for s, p, o, _ in result.dataset.quads((None, None, None, None))}
    exact = {o for _, p, o in union if p == "http://www.w3.org/2004/02/skos/core#exactMatch"}
    assert exact and not any(o.startswith(WD + "Q9999990") for o in exact)
    statuses = {o.rsplit("/", 1)[1] for _, p, o in union if p.endswith("#verificationStatus")}
    assert {"confirme-par-code", "candidat", "conflit"} <= statuses


def test_dry_run_writes_nothing(tmp_path, services, capsys):
    project = copy_project(tmp_path)
    path = project.data / "linkset.csv"
    before = path.read_bytes()
    rc, out, _ = run_link(project, services, capsys, "--dry-run")
    assert rc == 3 and "dry run" in out and path.read_bytes() == before


def test_a_silent_service_is_named_and_nothing_is_written(tmp_path, services, capsys):
    from .conftest import free_port

    project = copy_project(tmp_path)
    path = project.data / "linkset.csv"
    before = path.read_bytes()
    dead = f"http://127.0.0.1:{free_port()}/sparql"
    rc = cli_main(["--root", str(project.root), "link", "--wikidata", services, "--insee", dead, "--date", DATE])
    err = capsys.readouterr().err
    assert rc == 2 and f"--insee {dead}: no answer" in err and "Nothing was written" in err
    assert path.read_bytes() == before


@pytest.mark.parametrize("argv, message", [
    (["--date", "2026-13-01"], "--date: not a date YYYY-MM-DD: '2026-13-01'"),
    (["--wikidata", "query.wikidata.org/sparql"], "--wikidata: not an http(s) URL"),
])
def test_bad_options_are_named(tmp_path, capsys, argv, message):
    try:
        rc = cli_main(["--root", str(tmp_path), "link", *argv])
    except SystemExit as exc:
        rc = exc.code
    assert rc == 2 and message in capsys.readouterr().err


# --- the decisions, as tables -------------------------------------------------------------------

NARBONNE = Entity(key="commune/11262", name="Narbonne", prop="P374", code="11262", insee_kind="commune")
TARBES = Entity(key="commune/65440", name="Tarbes", prop="P374", code="65440", insee_kind="commune")
BPI = Entity(key="organisation/bpifrance", name="Bpifrance", prop=None)


def row(entity: str, qid: str, status: str, method: str = "reference-file") -> LinkRow:
    return LinkRow(entity, WD + qid, method, "", "", status, "identifiants" if method == "reference-file" else "wikidata")


def decide(entity: Entity, finding: Finding, *rows: LinkRow) -> list[tuple[str, str, str]]:
    _, outcomes = reconcile(entities=[entity], findings={entity.key: finding},
                            linkset=Linkset(header="", rows=list(rows)), endpoint="http://e/sparql", retrieved=DATE)
    return [(o.kind, o.qid, o.status) for o in outcomes]


def code(*qids: str, insee: frozenset[str] | None = frozenset({"Tarbes"})) -> Finding:
    return Finding(items=tuple((q, "") for q in qids), method="wikidata-P374", insee_names=insee)


@pytest.mark.parametrize("entity, finding, rows, expected", [
    # found what a person verified
    (NARBONNE, code("Q6555"), [row("commune/11262", "Q6555", "single-source")],
     [("confirmed", "Q6555", "single-source")]),
    # another item than the verified one
    (NARBONNE, code("Q7"), [row("commune/11262", "Q6555", "confirmed")],
     [("conflict", "Q7", "conflict"), ("not-found", "Q6555", "confirmed")]),
    # an item that is another entity's verified link
    (TARBES, code("Q6555"), [row("commune/11262", "Q6555", "confirmed")], [("conflict", "Q6555", "conflict")]),
    # nothing verified: code + INSEE agreeing → confirmed-by-code
    (TARBES, code("Q7"), [], [("new", "Q7", "confirmed-by-code")]),
    # INSEE knows the code under another name, or not at all, or was not asked → candidate
    (TARBES, code("Q7", insee=frozenset({"Lourdes"})), [], [("new", "Q7", "candidate")]),
    (TARBES, code("Q7", insee=frozenset()), [], [("new", "Q7", "candidate")]),
    (TARBES, code("Q7", insee=None), [], [("new", "Q7", "candidate")]),
    # two items share the code → both candidates
    (TARBES, code("Q7", "Q8"), [], [("new", "Q7", "candidate"), ("new", "Q8", "candidate")]),
    # by label only → candidate
    (BPI, Finding(items=(("Q7", "Bpifrance"),), method="wikidata-label-fr"), [], [("new", "Q7", "candidate")]),
    # a person rejected it
    (TARBES, code("Q7"), [row("commune/65440", "Q7", "rejected")], [("rejected", "Q7", "rejected")]),
    # the verified item is no longer found
    (NARBONNE, code(), [row("commune/11262", "Q6555", "confirmed")], [("not-found", "Q6555", "confirmed")]),
    # the command's earlier row: unchanged, changed, gone
    (TARBES, code("Q7"), [LinkRow("commune/65440", WD + "Q7", "wikidata-P374", "http://e/sparql", "2025-01-01",
                                  "confirmed-by-code", "wikidata")], [("kept", "Q7", "confirmed-by-code")]),
    (TARBES, code("Q7"), [row("commune/65440", "Q7", "candidate", "wikidata-P374")],
     [("updated", "Q7", "confirmed-by-code")]),
    (TARBES, code(), [row("commune/65440", "Q7", "candidate", "wikidata-P374")], [("dropped", "Q7", "candidate")]),
], ids=["confirmed", "conflict", "conflict-other-entity", "confirmed-by-code", "insee-other-name",
        "insee-unknown", "insee-not-asked", "ambiguous", "label", "rejected", "not-found", "kept", "updated",
        "dropped"])
def test_reconcile(entity, finding, rows, expected):
    assert decide(entity, finding, *rows) == expected


def test_reconcile_keeps_person_rows_in_place_and_sorts_its_own():
    person = [row("commune/65440", "Q9", "rejected"), row("commune/11262", "Q6555", "confirmed")]
    linkset, _ = reconcile(entities=[TARBES], findings={TARBES.key: code("Q10", "Q9", "Q8")},
                           linkset=Linkset(header="h\n", rows=person), endpoint="http://e/sparql", retrieved=DATE)
    assert linkset.rows[:2] == person
    assert [r.qid for r in linkset.rows[2:]] == ["Q8", "Q10"]


@pytest.mark.parametrize("a, b, same", [
    ("CA du Bassin d'Aurillac", "CA du Bassin d’Aurillac", True),
    ("Hérault", "He\u0301rault", True),
    ("Tarbes", "TARBES", True),
    ("Castres", "Castries", False),
])
def test_same_name(a, b, same):
    assert same_name(a, b) is same


def test_outcome_table_puts_conflicts_first_and_counts():
    table = outcome_table([Outcome("confirmed", "commune/11262", "Q6555", "confirmed"),
                           Outcome("conflict", "commune/11076", "Q9", "conflict", "verified link is Q193861")])
    lines = table.splitlines()
    assert lines[1].startswith("conflict ") and lines[1].endswith("verified link is Q193861")
    assert lines[-1] == "1 conflict, 1 confirmed"


def test_a_row_written_back_is_csv():
    text = LinkRow("organisation/x", WD + "Q1", "m", "", "", "candidate", "wikidata").text()
    assert next(csv.reader(io.StringIO(text))) == ["organisation/x", WD + "Q1", "m", "", "", "candidate", "wikidata"]
