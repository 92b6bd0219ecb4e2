import csv
import json
import shutil

import pytest

from territoires_lod import DataError
from territoires_lod._cog import import_cog, wanted_keys

from .conftest import ROOT, copy_project, missing, require_shared

PACKAGE_DIR = ROOT / "node_modules" / "@etalab" / "decoupage-administratif"


def require_package():
    if not (PACKAGE_DIR / "package.json").exists():
        missing(f"{PACKAGE_DIR} is missing (make test runs npm ci)")


def test_package_is_pinned():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["@etalab/decoupage-administratif"]
    assert pinned == "6.0.0"


def test_import_reproduces_the_committed_extract(tmp_path):
    require_package()
    project = copy_project(tmp_path)
    target = import_cog(package_dir=PACKAGE_DIR, data_dir=project.data)
    assert target.read_bytes() == (ROOT / "data" / "cog.yaml").read_bytes()


def test_extract_agrees_with_the_reference_identifiers(records):
    reference = require_shared("reference/identifiers.csv")
    places = records.cog.places
    checked = 0
    for row in csv.DictReader(reference.open(encoding="utf-8")):
        kind = {"epci": "intercommunalite"}.get(row["kind"], row["kind"])
        code = row["siren"] if kind == "intercommunalite" else row["insee_code"]
        place = places.get(f"{kind}/{code}")
        if place is None:
            continue
        checked += 1
        assert place.name == row["entity"]
        if row["siren"]:
            assert place.siren == row["siren"]
        if row["region_code"]:
            assert row["region_code"] in place.regions or place.code == row["region_code"]
    assert checked >= 30


def test_every_needed_code_is_extracted(records):
    assert wanted_keys(ROOT / "data") <= set(records.cog.places)


def test_communes_come_with_their_epci_and_parents(records):
    narbonne = records.cog.places["commune/11262"]
    assert (narbonne.siren, narbonne.departements, narbonne.regions, narbonne.epci) == (
        "211102629", ("11",), ("76",), "241100593")
    figeac = records.cog.places["intercommunalite/200067361"]
    assert figeac.departements == ("12", "46")


def test_unknown_code_and_missing_package(tmp_path):
    require_package()
    project = copy_project(tmp_path)
    path = project.data / "territory-places.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("commune/11262", "commune/11999"), encoding="utf-8")
    before = (project.data / "cog.yaml").read_bytes()
    with pytest.raises(DataError, match="commune/11999 is not in @etalab/decoupage-administratif 6.0.0"):
        import_cog(package_dir=PACKAGE_DIR, data_dir=project.data)
    assert (project.data / "cog.yaml").read_bytes() == before
    with pytest.raises(DataError, match="npm ci"):
        import_cog(package_dir=tmp_path / "nowhere", data_dir=project.data)


def test_bad_json_names_the_line(tmp_path):
    require_package()
    package = tmp_path / "pkg"
    shutil.copytree(PACKAGE_DIR, package)
    (package / "data" / "regions.json").write_text("[\n{,\n]", encoding="utf-8")
    with pytest.raises(DataError) as info:
        import_cog(package_dir=package, data_dir=copy_project(tmp_path / "p").data)
    assert info.value.line == 2
