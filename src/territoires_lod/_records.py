"""Typed records: one importer per source file, then cross-file checks.

Every record keeps `sources` (ids from sources.yaml) and where it was read, so a later
check can still point at the file and line at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import DataError, DataErrors
from ._tables import Row, YamlMap, read_table, read_yaml
from ._values import PartialDate, luhn_valid, parse_partial_date


# The source id of the publisher's own statements (vocabularies, source descriptions, conveniences
# such as a label with straight apostrophes): never credited to a source document.
PUBLISHER = "publication"


@dataclass(frozen=True)
class Origin:
    path: Path
    line: int | None

    def error(self, message: str, field: str | None = None) -> DataError:
        return DataError(message, path=self.path, line=self.line, field=field)


@dataclass(frozen=True)
class Source:
    id: str
    label: str
    role: str
    language: str
    title: str | None = None
    url: str | None = None
    date: PartialDate | None = None
    publisher: str | None = None
    sha256: str | None = None
    file: str | None = None
    version: str | None = None
    note_fr: str | None = None
    note_en: str | None = None


@dataclass(frozen=True)
class Place:
    """A place from the Code officiel géographique extract (cog.yaml)."""

    kind: str  # region, departement, commune, intercommunalite
    code: str
    name: str
    siren: str | None = None
    departements: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    epci: str | None = None
    epci_type: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.code}"


@dataclass(frozen=True)
class Cog:
    package: str
    version: str
    places: dict[str, Place]


@dataclass(frozen=True)
class Claim:
    """A row of a table: its values, the sources that state them and where it was read."""

    values: dict[str, Any]
    sources: tuple[str, ...]
    origin: Origin

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


@dataclass
class Records:
    sources: dict[str, Source]
    cog: Cog
    territories: list[Claim]
    territory_places: list[Claim]
    petr: list[Claim]
    organisations: list[Claim]
    persons: list[Claim]
    events: list[Claim]
    counts: list[Claim]
    annotations: list[Claim]
    linkset: list[Claim]
    programme: YamlMap
    vocabularies: YamlMap
    territory_sectors: YamlMap
    data_dir: Path = field(default=Path("data"))


_TABLES = ["territories", "territory-places", "petr", "organisations", "persons", "events",
           "counts", "annotations", "linkset"]


def load_records(data_dir: Path | str = "data") -> Records:
    """Read and check every source file in `data_dir`; raise DataError naming file, line, field."""
    data_dir = Path(data_dir)
    package = read_yaml(data_dir / "datapackage.yaml")
    resources = {r["name"]: r for r in package["resources"]}
    tables: dict[str, list[Claim]] = {}
    errors: list[DataError] = []
    for name in _TABLES:
        resource = resources[name]
        try:
            rows = read_table(data_dir / resource["path"], resource["schema"])
        except DataErrors as exc:
            errors.extend(exc.errors)
            continue
        except DataError as exc:
            errors.append(exc)
            continue
        tables[name] = [_claim(row) for row in rows]
    if errors:
        raise DataErrors(errors)
    records = Records(
        sources=_load_sources(data_dir / "sources.yaml", data_dir),
        cog=load_cog(data_dir / "cog.yaml"),
        territories=tables["territories"],
        territory_places=tables["territory-places"],
        petr=tables["petr"],
        organisations=tables["organisations"],
        persons=tables["persons"],
        events=tables["events"],
        counts=tables["counts"],
        annotations=tables["annotations"],
        linkset=tables["linkset"],
        programme=read_yaml(data_dir / "programme.yaml"),
        vocabularies=read_yaml(data_dir / "vocabularies.yaml"),
        territory_sectors=read_yaml(data_dir / "territory-sectors.yaml"),
        data_dir=data_dir,
    )
    check_records(records)
    return records


def _claim(row: Row) -> Claim:
    values = dict(row.values)
    sources = values.pop("sources", None)
    if sources is None:
        sources = [values["source"]] if values.get("source") else []
    return Claim(values, tuple(sources), Origin(row.path, row.line))


def _load_sources(path: Path, data_dir: Path) -> dict[str, Source]:
    doc = read_yaml(path)
    out: dict[str, Source] = {}
    for entry in _mapping_list(doc, "sources", path):
        origin = Origin(path, entry.line)
        for key in ("id", "role", "language"):
            if not entry.get(key):
                raise origin.error("required, but missing", key)
        if not (entry.get("title") or entry.get("label")):
            raise origin.error("a source needs a title (if it gives one) or a label", "title")
        if entry["id"] in out:
            raise origin.error(f"duplicate source id {entry['id']!r}", "id")
        date = None
        if entry.get("date"):
            try:
                date = parse_partial_date(str(entry["date"]))
            except ValueError as exc:
                raise origin.error(str(exc), "date") from None
        sha = entry.get("sha256")
        if sha is not None and not (len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
            raise origin.error(f"not a SHA-256 (64 lowercase hex digits): {sha!r}", "sha256")
        version = None
        if entry.get("version_from"):
            version = str(read_yaml(data_dir / entry["version_from"])["version"])
        out[entry["id"]] = Source(
            id=entry["id"], label=entry.get("label") or entry["title"], role=entry["role"],
            language=entry["language"], title=entry.get("title"), url=entry.get("url"), date=date,
            publisher=entry.get("publisher"), sha256=sha, file=entry.get("file"), version=version,
            note_fr=entry.get("note_fr"), note_en=entry.get("note_en"))
    # The publisher's own statements (controlled vocabularies) form a source of their own.
    out.setdefault(PUBLISHER, Source(
        id=PUBLISHER, label="Publication territoires-lod", role="editeur", language="fr",
        note_fr="Énoncés propres à l’éditeur du jeu de données : vocabulaires contrôlés, descriptions des sources.",
        note_en="The dataset publisher's own statements: controlled vocabularies, descriptions of sources."))
    return out


def load_cog(path: Path) -> Cog:
    """Read the COG extract written by `territoires-lod import-cog`."""
    doc = read_yaml(path)
    places: dict[str, Place] = {}
    for entry in _mapping_list(doc, "places", path):
        origin = Origin(path, entry.line)
        try:
            place = Place(kind=entry["kind"], code=str(entry["code"]), name=entry["name"],
                          siren=entry.get("siren"), departements=tuple(entry.get("departements", ())),
                          regions=tuple(entry.get("regions", ())), epci=entry.get("epci"),
                          epci_type=entry.get("epci_type"))
        except KeyError as exc:
            raise origin.error("required, but missing", exc.args[0]) from None
        if place.siren and not luhn_valid(place.siren):
            raise origin.error(f"SIREN {place.siren} fails the Luhn check", "siren")
        places[place.key] = place
    return Cog(package=doc["package"], version=str(doc["version"]), places=places)


def _mapping_list(doc: Any, key: str, path: Path) -> list[YamlMap]:
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        raise DataError(f"expected a top-level list '{key}'", path=path)
    for item in doc[key]:
        if not isinstance(item, YamlMap):
            raise DataError(f"each entry of '{key}' must be a mapping", path=path)
    return doc[key]


# --- cross-file checks -------------------------------------------------------------------------

def check_records(records: Records) -> None:
    """Referential checks across files: sources exist, codes exist with the expected name."""
    errors: list[DataError] = []
    known_sources = set(records.sources)
    all_claims = [c for name in _TABLES for c in getattr(records, name.replace("-", "_"))]
    for claim in all_claims:
        for source in claim.sources:
            if source not in known_sources:
                errors.append(claim.origin.error(f"unknown source {source!r} (see sources.yaml)",
                                                 "sources" if "source" not in claim.values else "source"))
    cog = records.cog.places
    petr_ids = {c["id"] for c in records.petr}
    territory_ids = {c["id"] for c in records.territories}
    for claim in records.territories + records.petr:
        for code in claim["regions"]:
            if f"region/{code}" not in cog:
                errors.append(claim.origin.error(f"unknown region code {code!r} in the COG extract", "regions"))
    for claim in records.territory_places:
        if claim["territory"] not in territory_ids:
            errors.append(claim.origin.error(f"unknown territory {claim['territory']!r}", "territory"))
        key = claim["place"]
        if key.startswith("petr/"):
            name = next((c["label_fr"] for c in records.petr if f"petr/{c['id']}" == key), None)
            if key.split("/", 1)[1] not in petr_ids:
                errors.append(claim.origin.error(f"unknown PETR {key!r} (see petr.csv)", "place"))
                continue
        elif key not in cog:
            kind, code = key.split("/", 1)
            errors.append(claim.origin.error(
                f"no {kind} with code {code} in the Code officiel géographique "
                f"({records.cog.package} {records.cog.version})", "place"))
            continue
        else:
            name = cog[key].name
        if name != claim["expected_name"]:
            errors.append(claim.origin.error(
                f"{key} is named {name!r} in the COG, not {claim['expected_name']!r}", "expected_name"))
    for claim in records.organisations:
        siren = claim.get("siren")
        if siren and not luhn_valid(siren):
            errors.append(claim.origin.error(f"SIREN {siren} fails the Luhn check", "siren"))
    if errors:
        raise DataErrors(errors)
