"""`territoires-lod link`: reconcile places and organisations with Wikidata, checked against INSEE.

Wikidata is asked for the items carrying each entity's INSEE code (P374 commune, P2586 département,
P2585 région) or SIREN (P1616, intercommunalités and organisations), or, for an organisation
without SIREN, its French label; INSEE's SPARQL service for the name it gives each code. Then:

- an item a person already verified for the entity          → confirmed (nothing written)
- another item, where the entity has a verified link,
  or an item that is the verified link of another entity     → conflict (row written, exit 3)
- an item for an entity without a verified link              → new row: confirmed-by-code when
  Wikidata pairs it with the code and INSEE knows the code under our name, else candidate.

Rows a person owns (confirmed, single-source, rejected) are kept byte for byte, in place; the
command's own rows follow, sorted, and are recomputed on each run (a row found again unchanged
keeps its retrieval date). None of the command's rows becomes a skos:exactMatch: see
`_graph_provenance.PUBLISHED_STATUSES`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ._errors import DataError
from ._files import write_atomic
from ._link_sources import (
    WIKIDATA_ENTITY,
    insee_names,
    wikidata_by_label,
    wikidata_by_property,
)
from ._records import Records, load_records
from ._tables import read_yaml

FIELDS = ["entity", "target", "method", "endpoint", "retrieved", "status", "source"]
VERIFIED_STATUSES = frozenset({"confirmed", "single-source"})
PERSON_STATUSES = VERIFIED_STATUSES | {"rejected"}
COMMAND_STATUSES = frozenset({"confirmed-by-code", "candidate", "conflict"})
COMMAND_SOURCE = "wikidata"
LABEL_METHOD = "wikidata-label-fr"
# Wikidata property holding the code of each kind of place; organisations use P1616 (SIREN) too.
PLACE_PROPERTIES = {"region": "P2585", "departement": "P2586", "commune": "P374", "intercommunalite": "P1616"}
CONFLICT_EXIT = 3


@dataclass(frozen=True)
class Entity:
    """A resource of the dataset to reconcile, and how to look it up."""

    key: str                 # commune/11262
    name: str
    prop: str | None         # Wikidata property of `code`; None: look up by French label
    code: str | None = None  # INSEE code, or SIREN
    insee_kind: str | None = None  # INSEE class to ask about `code`; None: INSEE does not list it


@dataclass(frozen=True)
class Finding:
    """What the services say about one entity."""

    items: tuple[tuple[str, str], ...]   # (QID, French label) from Wikidata
    method: str
    insee_names: frozenset[str] | None = None  # None: INSEE not asked


@dataclass(frozen=True)
class LinkRow:
    entity: str
    target: str
    method: str
    endpoint: str
    retrieved: str
    status: str
    source: str
    line: str | None = None  # the row as read, written back unchanged when a person owns it

    @property
    def qid(self) -> str:
        return self.target.rsplit("/", 1)[1]

    def text(self) -> str:
        if self.line is not None:
            return self.line if self.line.endswith("\n") else self.line + "\n"
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([getattr(self, f) for f in FIELDS])
        return out.getvalue()

    def same_finding(self, other: LinkRow) -> bool:
        return (self.method, self.endpoint, self.status, self.source) == (
            other.method, other.endpoint, other.status, other.source)


@dataclass(frozen=True)
class Outcome:
    kind: str  # new, updated, kept, confirmed, conflict, not-found, rejected, dropped
    entity: str
    qid: str
    status: str = ""
    note: str = ""


@dataclass(frozen=True)
class Linkset:
    header: str
    rows: list[LinkRow]

    def text(self) -> str:
        return self.header + "".join(r.text() for r in self.rows)


# --- reading ---------------------------------------------------------------------------------

def linkset_path(data_dir: Path) -> Path:
    resources = {r["name"]: r for r in read_yaml(data_dir / "datapackage.yaml")["resources"]}
    return data_dir / resources["linkset"]["path"]


def read_linkset(path: Path, records: Records) -> Linkset:
    """The linkset rows `load_records` checked, each with its text as read."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader(lines[:1]), [])
    if header != FIELDS:
        raise DataError(f"header must be {','.join(FIELDS)}", path=path, line=1)
    rows = []
    for claim in records.linkset:
        raw = lines[claim.origin.line - 1]
        cells = next(csv.reader([raw]), [])
        if len(cells) != len(FIELDS):
            raise DataError("a linkset row must fit on one line", path=path, line=claim.origin.line)
        rows.append(LinkRow(*cells, line=raw))
    return Linkset(header=lines[0] if lines[0].endswith("\n") else lines[0] + "\n", rows=rows)


def entities_to_link(records: Records) -> list[Entity]:
    """Every place of the COG extract and every organisation, sorted by key."""
    out = [Entity(key=p.key, name=p.name, prop=PLACE_PROPERTIES[p.kind], code=p.code, insee_kind=p.kind)
           for p in records.cog.places.values() if p.kind in PLACE_PROPERTIES]
    organisations: dict[str, dict[str, str]] = {}
    for claim in records.organisations:  # an organisation's facts may come in several rows
        merged = organisations.setdefault(claim["id"], {})
        for name in ("label_fr", "siren"):
            if claim.get(name) and name not in merged:
                merged[name] = claim[name]
    for key, o in organisations.items():
        if o.get("siren"):
            out.append(Entity(key=f"organisation/{key}", name=o.get("label_fr", key), prop="P1616", code=o["siren"]))
        elif o.get("label_fr"):
            out.append(Entity(key=f"organisation/{key}", name=o["label_fr"], prop=None))
    return sorted(out, key=lambda e: e.key)


# --- asking ------------------------------------------------------------------------------------

def ask_services(entities: Iterable[Entity], *, wikidata: str, insee: str, timeout: float = 60
                 ) -> dict[str, Finding]:
    """One query per Wikidata property and per INSEE class, for all the entities at once."""
    entities = list(entities)
    findings: dict[str, Finding] = {}
    by_prop: dict[str, list[Entity]] = {}
    for e in entities:
        by_prop.setdefault(e.prop or "", []).append(e)
    for prop, group in sorted(by_prop.items()):
        if prop:
            found = wikidata_by_property(wikidata, prop=prop, codes=[e.code for e in group], timeout=timeout)
            for e in group:
                findings[e.key] = Finding(items=tuple(found.get(e.code, ())), method=f"wikidata-{prop}")
        else:
            found = wikidata_by_label(wikidata, labels=[e.name for e in group], timeout=timeout)
            for e in group:
                findings[e.key] = Finding(items=tuple(found.get(e.name, ())), method=LABEL_METHOD)
    by_kind: dict[str, list[Entity]] = {}
    for e in entities:
        if e.insee_kind:
            by_kind.setdefault(e.insee_kind, []).append(e)
    for kind, group in sorted(by_kind.items()):
        names = insee_names(insee, kind=kind, codes=[e.code for e in group], timeout=timeout)
        for e in group:
            findings[e.key] = replace(findings[e.key], insee_names=frozenset(names.get(e.code, ())))
    return findings


# --- deciding ----------------------------------------------------------------------------------

def same_name(a: str, b: str) -> bool:
    """Names compared as people read them: Unicode form, case and apostrophe style aside."""
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).replace("’", "'").casefold().split())
    return norm(a) == norm(b)


def _insee_check(entity: Entity, finding: Finding) -> tuple[bool, str]:
    """Whether INSEE knows the entity's code under the entity's name, and a note if not."""
    if finding.insee_names is None:
        return False, ""
    if not finding.insee_names:
        return False, f"INSEE does not know the code {entity.code}"
    if any(same_name(n, entity.name) for n in finding.insee_names):
        return True, ""
    return False, f"INSEE names {entity.code} {' / '.join(sorted(finding.insee_names))}, not {entity.name}"


def reconcile(*, entities: Iterable[Entity], findings: dict[str, Finding], linkset: Linkset,
              endpoint: str, retrieved: str) -> tuple[Linkset, list[Outcome]]:
    """The new linkset and what happened to each link. Pure: no service, no file."""
    person = [r for r in linkset.rows if r.status in PERSON_STATUSES]
    previous = {(r.entity, r.target): r for r in linkset.rows if r.status in COMMAND_STATUSES}
    verified: dict[str, set[str]] = {}
    owner: dict[str, set[str]] = {}
    for r in person:
        if r.status in VERIFIED_STATUSES:
            verified.setdefault(r.entity, set()).add(r.qid)
            owner.setdefault(r.qid, set()).add(r.entity)
    rejected = {(r.entity, r.qid) for r in person if r.status == "rejected"}
    rows: list[LinkRow] = []
    outcomes: list[Outcome] = []
    for e in sorted(entities, key=lambda x: x.key):
        finding = findings.get(e.key)
        if finding is None:
            continue
        insee_ok, insee_note = _insee_check(e, finding)
        mine = verified.get(e.key, set())
        open_items = [(q, label) for q, label in finding.items if (e.key, q) not in rejected and q not in mine]
        for qid, label in finding.items:
            named = f"{label}: " if label else ""
            if (e.key, qid) in rejected:
                outcomes.append(Outcome("rejected", e.key, qid, "rejected", "set aside by a person"))
                continue
            if qid in mine:
                outcomes.append(Outcome("confirmed", e.key, qid, _person_status(person, e.key, qid),
                                        insee_note or f"{named}{_how(e, finding)}"))
                continue
            others = sorted(owner.get(qid, set()) - {e.key})
            if mine or others:
                status = "conflict"
                note = (f"verified link is {', '.join(sorted(mine, key=_qid_number))}" if mine
                        else f"{qid} is the verified link of {', '.join(others)}")
            elif finding.method != LABEL_METHOD and insee_ok and len(open_items) == 1:
                status, note = "confirmed-by-code", f"{named}{_how(e, finding)}, INSEE agrees"
            else:
                status = "candidate"
                note = ("by label only" if finding.method == LABEL_METHOD
                        else f"{len(open_items)} items share this code" if len(open_items) > 1
                        else insee_note or "INSEE not asked")
                note = f"{named}{note}"
            row = LinkRow(e.key, WIKIDATA_ENTITY + qid, finding.method, endpoint, retrieved, status, COMMAND_SOURCE)
            old = previous.pop((row.entity, row.target), None)
            if old is not None and old.same_finding(row):
                row, kind = old, "kept"
            else:
                kind = "updated" if old is not None else "new"
            rows.append(row)
            outcomes.append(Outcome("conflict" if status == "conflict" else kind, e.key, qid, status, note))
        found = {q for q, _ in finding.items}
        for qid in sorted(mine - found, key=_qid_number):
            outcomes.append(Outcome("not-found", e.key, qid, _person_status(person, e.key, qid),
                                    f"Wikidata gives no item with {_how(e, finding)}"))
    for old in previous.values():
        outcomes.append(Outcome("dropped", old.entity, old.qid, old.status, "no longer found"))
    rows.sort(key=lambda r: (r.entity, _qid_number(r.qid)))
    return Linkset(header=linkset.header, rows=person + rows), outcomes


def _how(entity: Entity, finding: Finding) -> str:
    if finding.method == LABEL_METHOD:
        return f"the French label {entity.name!r} (country France)"
    return f"{entity.prop} = {entity.code}"


def _person_status(person: list[LinkRow], entity: str, qid: str) -> str:
    return next(r.status for r in person if r.entity == entity and r.qid == qid)


def _qid_number(qid: str) -> int:
    return int(qid[1:])


# --- reporting ---------------------------------------------------------------------------------

_ORDER = ["conflict", "new", "updated", "dropped", "not-found", "confirmed", "kept", "rejected"]


def outcome_table(outcomes: list[Outcome]) -> str:
    """A plain-text table, conflicts first, and a count of each kind."""
    ordered = sorted(outcomes, key=lambda o: (_ORDER.index(o.kind), o.entity, _qid_number(o.qid)))
    cells = [["outcome", "entity", "wikidata", "status", "note"]] + [
        [o.kind, o.entity, o.qid, o.status, o.note] for o in ordered]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(row[:4], widths)), row[4]]).rstrip() for row in cells]
    counts = {k: sum(o.kind == k for o in outcomes) for k in _ORDER}
    lines.append(", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing found")
    return "\n".join(lines) + "\n"


def link(*, data_dir: Path, wikidata: str, insee: str, retrieved: str, dry_run: bool = False,
         timeout: float = 60, out: Callable[[str], None] = print) -> int:
    """Ask the services, update the linkset file (unless `dry_run`), print the table; 3 on conflicts."""
    records = load_records(data_dir)
    path = linkset_path(data_dir)
    linkset = read_linkset(path, records)
    if COMMAND_SOURCE not in records.sources:
        raise DataError(f"the command's rows cite the source {COMMAND_SOURCE!r}; describe it in sources.yaml",
                        path=data_dir / "sources.yaml")
    entities = entities_to_link(records)
    findings = ask_services(entities, wikidata=wikidata, insee=insee, timeout=timeout)
    updated, outcomes = reconcile(entities=entities, findings=findings, linkset=linkset, endpoint=wikidata,
                                  retrieved=retrieved)
    out(outcome_table(outcomes).rstrip("\n"))
    text = updated.text()
    if dry_run:
        out(f"dry run: {path} not written")
    elif text == path.read_text(encoding="utf-8"):
        out(f"{path} unchanged")
    else:
        write_atomic(path, text.encode("utf-8"))
        out(f"wrote {path}")
    return CONFLICT_EXIT if any(o.kind == "conflict" for o in outcomes) else 0
