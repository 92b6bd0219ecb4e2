"""Extract what the dataset needs from the Code officiel géographique (npm @etalab/decoupage-administratif).

The extract (`data/cog.yaml`) records the package version; the build checks every code against it.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ._errors import DataError
from ._files import write_atomic
from ._tables import read_table, read_yaml

PACKAGE = "@etalab/decoupage-administratif"
_KINDS = ("region", "departement", "commune", "intercommunalite")


def wanted_keys(data_dir: Path) -> set[str]:
    """Every COG key the source tables mention (region/76, commune/11262, …)."""
    resources = {r["name"]: r for r in read_yaml(data_dir / "datapackage.yaml")["resources"]}

    def rows(name):
        return read_table(data_dir / resources[name]["path"], resources[name]["schema"])

    keys = {row["place"] for row in rows("territory-places")}
    keys |= {row["entity"] for row in rows("linkset")}
    keys |= {row["scope"] for row in rows("counts") if row["scope"]}
    for name in ("territories", "petr"):
        keys |= {f"region/{code}" for row in rows(name) for code in row["regions"]}
    return {k for k in keys if k.split("/", 1)[0] in _KINDS}


def import_cog(*, package_dir: Path, data_dir: Path) -> Path:
    """Write `data_dir/cog.yaml` with the places the data needs, and their parents and EPCI."""
    meta = _load_json(package_dir / "package.json")
    tables = {name: _load_json(package_dir / "data" / f"{name}.json")
              for name in ("regions", "departements", "communes", "epci")}
    regions = {r["code"]: r for r in tables["regions"]}
    departements = {d["code"]: d for d in tables["departements"]}
    communes = {c["code"]: c for c in tables["communes"] if c.get("type") == "commune-actuelle"}
    epcis = {e["code"]: e for e in tables["epci"]}
    epci_of = {m["code"]: e["code"] for e in tables["epci"] for m in e["membres"]}

    wanted = wanted_keys(data_dir)
    places: dict[str, dict] = {}

    def add_region(code):
        places[f"region/{code}"] = {"kind": "region", "code": code, "name": regions[code]["nom"]}

    def add_departement(code):
        d = departements[code]
        places[f"departement/{code}"] = {"kind": "departement", "code": code, "name": d["nom"],
                                         "regions": [d["region"]]}
        add_region(d["region"])

    def add_epci(code):
        e = epcis[code]
        members = [communes[m["code"]] for m in e["membres"] if m["code"] in communes]
        places[f"intercommunalite/{code}"] = {
            "kind": "intercommunalite", "code": code, "name": e["nom"], "siren": code,
            "epci_type": e["type"],
            "departements": sorted({m["departement"] for m in members}),
            "regions": sorted({m["region"] for m in members})}
        for m in members:
            add_departement(m["departement"])

    for key in sorted(wanted):
        kind, code = key.split("/", 1)
        table = {"region": regions, "departement": departements, "commune": communes,
                 "intercommunalite": epcis}[kind]
        if code not in table:
            raise DataError(f"{key} is not in {PACKAGE} {meta['version']}", path=package_dir)
        if kind == "region":
            add_region(code)
        elif kind == "departement":
            add_departement(code)
        elif kind == "intercommunalite":
            add_epci(code)
        else:
            c = communes[code]
            entry = {"kind": "commune", "code": code, "name": c["nom"], "siren": c["siren"],
                     "departements": [c["departement"]], "regions": [c["region"]]}
            if code in epci_of:
                entry["epci"] = epci_of[code]
                add_epci(epci_of[code])
            places[key] = entry
            add_departement(c["departement"])

    order = {k: i for i, k in enumerate(_KINDS)}
    doc = {"package": PACKAGE, "version": meta["version"],
           "places": sorted(places.values(), key=lambda p: (order[p["kind"]], p["code"]))}
    header = (f"# Extract of the Code officiel géographique from {PACKAGE} {meta['version']}.\n"
              "# Written by `territoires-lod import-cog`; do not edit by hand.\n")
    target = data_dir / "cog.yaml"
    text = header + yaml.dump(doc, Dumper=_QuotingDumper, allow_unicode=True, sort_keys=False, width=120)
    write_atomic(target, text.encode("utf-8"))
    return target


class _QuotingDumper(yaml.SafeDumper):
    """Quotes every code: `09` must stay a string for any YAML loader (1.1 or 1.2)."""


_QuotingDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="'" if value[:1].isdigit() else None))


def _load_json(path: Path):
    try:
        with path.open(encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise DataError("not found; install the package first (npm ci)", path=path) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
