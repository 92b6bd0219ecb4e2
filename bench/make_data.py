"""Write the benchmark's data files into bench/data/ (git-ignored).

    dataset.nq    the project's own dataset (dist/territoires-industrie.nq, built if missing)
    cog-200k.nt   part of the COG: whole départements, in code order, until ~200k triples
    cog.nt        the whole COG of the pinned npm package, in the dataset's shape
    cog-1m.nt     synthetic growth: copies of the COG with suffixed IRIs, codes and labels, to ~1M triples

The COG graph has the shape and IRIs of the places in the dataset (see src/territoires_lod/_graph_places.py),
plus a population (ti:population, xsd:integer) on communes and intercommunalités. Copy k > 0 suffixes every
minted IRI, code, SIREN and label with "-s{k}" / " s{k}", so that lookups by code or SIREN stay unique.

Usage: bench/.venv/bin/python bench/make_data.py [--force] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / "data"
PACKAGE_DIR = ROOT / "node_modules" / "@etalab" / "decoupage-administratif"

BASE = "https://w3id.org/territoires-industrie/id/"
TI = "https://w3id.org/territoires-industrie/def#"
IGEO = "http://rdf.insee.fr/def/geo#"
INSEE = "http://id.insee.fr/geo/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
OWL_SAMEAS = "http://www.w3.org/2002/07/owl#sameAs"
DCT_SOURCE = "http://purl.org/dc/terms/source"
SCHEMA_AREA = "https://schema.org/AdministrativeArea"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
SOURCE_COG = BASE + "source/cog"

# name -> target number of triples (None: the whole COG once)
SIZED_FILES = {"cog-200k.nt": 200_000, "cog.nt": None, "cog-1m.nt": 1_000_000}


# ---------------------------------------------------------------- the COG, read once

@dataclass
class Cog:
    regions: dict[str, dict]
    departements: dict[str, dict]
    communes: dict[str, dict]  # "commune-actuelle" only
    epcis: dict[str, dict]
    version: str
    epci_of: dict[str, str] = field(default_factory=dict)  # commune code -> EPCI SIREN


def load_cog(package_dir: Path = PACKAGE_DIR) -> Cog:
    def table(name):
        with (package_dir / "data" / f"{name}.json").open(encoding="utf-8") as f:
            return json.load(f)

    version = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"]
    communes = {c["code"]: c for c in table("communes") if c.get("type") == "commune-actuelle"}
    cog = Cog(regions={r["code"]: r for r in table("regions")},
              departements={d["code"]: d for d in table("departements")},
              communes=communes, epcis={e["code"]: e for e in table("epci")}, version=version)
    cog.epci_of = {m["code"]: e["code"] for e in cog.epcis.values() for m in e["membres"]
                   if m["code"] in communes}
    return cog


# ---------------------------------------------------------------- N-Triples writing

def iri(value: str) -> str:
    return f"<{value}>"


def lit(value: str, lang: str | None = None) -> str:
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\r", "\\r"))
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def integer(value: int) -> str:
    return f'"{int(value)}"^^<{XSD_INTEGER}>'


def triple(s: str, p: str, o: str) -> str:
    return f"{iri(s)} {iri(p)} {o} .\n"


@dataclass(frozen=True)
class Copy:
    """Suffixes of one synthetic copy: k = 0 is the COG itself."""

    k: int

    @property
    def code(self) -> str:
        return f"-s{self.k}" if self.k else ""

    @property
    def label(self) -> str:
        return f" s{self.k}" if self.k else ""

    def thing(self, kind: str, code: str) -> str:
        return f"{BASE}{kind}/{code}{self.code}"


def place_triples(c: Copy, kind: str, igeo_class: str, code: str, name: str) -> Iterator[str]:
    node = c.thing(kind, code)
    yield triple(node, RDF_TYPE, iri(IGEO + igeo_class))
    yield triple(node, RDF_TYPE, iri(SCHEMA_AREA))
    yield triple(node, RDFS_LABEL, lit(name + c.label, "fr"))
    yield triple(node, IGEO + "nom", lit(name + c.label, "fr"))
    yield triple(node, DCT_SOURCE, iri(SOURCE_COG))


def coded_triples(c: Copy, kind: str, code: str) -> Iterator[str]:
    """codeINSEE and owl:sameAs, for communes, départements and regions."""
    node = c.thing(kind, code)
    yield triple(node, IGEO + "codeINSEE", lit(code + c.code))
    yield triple(node, OWL_SAMEAS, iri(f"{INSEE}{kind}/{code}{c.code}"))


def region_triples(c: Copy, r: dict) -> Iterator[str]:
    yield from place_triples(c, "region", "Region", r["code"], r["nom"])
    yield from coded_triples(c, "region", r["code"])


def departement_triples(c: Copy, d: dict) -> Iterator[str]:
    node, region = c.thing("departement", d["code"]), c.thing("region", d["region"])
    yield from place_triples(c, "departement", "Departement", d["code"], d["nom"])
    yield from coded_triples(c, "departement", d["code"])
    yield triple(node, TI + "inRegion", iri(region))
    yield triple(node, IGEO + "subdivisionDe", iri(region))


def commune_triples(c: Copy, m: dict, epci: str | None) -> Iterator[str]:
    node = c.thing("commune", m["code"])
    dep, region = c.thing("departement", m["departement"]), c.thing("region", m["region"])
    yield from place_triples(c, "commune", "Commune", m["code"], m["nom"])
    yield from coded_triples(c, "commune", m["code"])
    if m.get("siren"):
        yield triple(node, TI + "siren", lit(m["siren"] + c.code))
    yield triple(node, TI + "inDepartement", iri(dep))
    yield triple(node, IGEO + "subdivisionDe", iri(dep))
    yield triple(node, TI + "inRegion", iri(region))
    yield triple(node, IGEO + "subdivisionDe", iri(region))
    if epci:
        yield triple(node, TI + "memberOf", iri(c.thing("intercommunalite", epci)))
    if m.get("population") is not None:
        yield triple(node, TI + "population", integer(m["population"]))


def epci_triples(c: Copy, e: dict, members: list[dict]) -> Iterator[str]:
    node = c.thing("intercommunalite", e["code"])
    yield from place_triples(c, "intercommunalite", "Intercommunalite", e["code"], e["nom"])
    yield triple(node, TI + "siren", lit(e["code"] + c.code))
    yield triple(node, TI + "epciType", lit(e["type"]))
    for dep in sorted({m["departement"] for m in members}):
        yield triple(node, TI + "inDepartement", iri(c.thing("departement", dep)))
    for region in sorted({m["region"] for m in members}):
        yield triple(node, TI + "inRegion", iri(c.thing("region", region)))
    if e.get("populationMunicipale") is not None:
        yield triple(node, TI + "population", integer(e["populationMunicipale"]))


# ---------------------------------------------------------------- blocks: one département and what hangs on it

def departement_blocks(cog: Cog, c: Copy) -> Iterator[list[str]]:
    """Lines per département, in code order: the département, its communes, the EPCIs whose first
    member lies in it and its region (with its first département). A prefix of the blocks is a smaller
    graph of the same shape, which is how partial copies are cut."""
    by_dep: dict[str, list[dict]] = {}
    for m in sorted(cog.communes.values(), key=lambda m: m["code"]):
        by_dep.setdefault(m["departement"], []).append(m)
    epci_home: dict[str, list[dict]] = {}
    for e in sorted(cog.epcis.values(), key=lambda e: e["code"]):
        members = [cog.communes[m["code"]] for m in e["membres"] if m["code"] in cog.communes]
        if members:
            epci_home.setdefault(members[0]["departement"], []).append(e)
    seen_regions: set[str] = set()
    for code in sorted(by_dep):
        d = cog.departements[code]
        lines = list(departement_triples(c, d))
        if d["region"] not in seen_regions:
            seen_regions.add(d["region"])
            lines += region_triples(c, cog.regions[d["region"]])
        for m in by_dep[code]:
            lines += commune_triples(c, m, cog.epci_of.get(m["code"]))
        for e in epci_home.get(code, []):
            members = [cog.communes[m["code"]] for m in e["membres"] if m["code"] in cog.communes]
            lines += epci_triples(c, e, members)
        yield lines


def write_sized(cog: Cog, path: Path, target: int | None) -> int:
    """Write copies of the COG until `target` triples (the last copy cut at a département); None: one copy."""
    written = 0
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        k = 0
        while True:
            for lines in departement_blocks(cog, Copy(k)):
                if target is not None and written >= target:
                    break
                out.writelines(lines)
                written += len(lines)
            k += 1
            if target is None or written >= target:
                break
    tmp.replace(path)
    return written


# ---------------------------------------------------------------- the project's dataset

def write_dataset(path: Path) -> int:
    dump = ROOT / "dist" / "territoires-industrie.nq"
    if not dump.exists():
        cli = ROOT / ".venv" / "bin" / "territoires-lod"
        if not cli.exists():  # the bench venv has the project installed too
            cli = Path(sys.executable).parent / "territoires-lod"
        subprocess.run([str(cli), "build", "--quiet"], cwd=ROOT, check=True)
    shutil.copyfile(dump, path)
    with path.open(encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.startswith("#"))


def ensure_package() -> None:
    if not (PACKAGE_DIR / "data" / "communes.json").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rewrite files that exist")
    parser.add_argument("--only", nargs="*", default=None,
                        help="file names to write (default: dataset.nq and " + ", ".join(SIZED_FILES) + ")")
    args = parser.parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    wanted = args.only or ["dataset.nq", *SIZED_FILES]
    cog = None
    for name in wanted:
        path = DATA_DIR / name
        if path.exists() and not args.force:
            print(f"{path.relative_to(ROOT)}: exists (use --force to rewrite)", file=sys.stderr)
            continue
        if name == "dataset.nq":
            n = write_dataset(path)
        elif name in SIZED_FILES:
            if cog is None:
                ensure_package()
                cog = load_cog()
            n = write_sized(cog, path, SIZED_FILES[name])
        else:
            parser.error(f"unknown file {name!r}")
        print(f"{path.relative_to(ROOT)}: {n} statements", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
