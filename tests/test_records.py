import pytest

from territoires_lod import DataError, DataErrors, load_records

from .conftest import ROOT, copy_project


def test_the_source_data_loads(records):
    assert {c["id"] for c in records.territories} >= {"narbonne", "pau-tarbes"}
    assert records.cog.package == "@etalab/decoupage-administratif"
    assert records.cog.version == "6.0.0"
    assert records.sources["annonce-2018-11-22"].role == "primaire"
    assert "publication" in records.sources


def _edit(tmp_path, name, old, new):
    project = copy_project(tmp_path)
    path = project.data / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return project


def _error_of(project) -> DataError:
    with pytest.raises(DataError) as info:
        load_records(project.data)
    error = info.value
    return error.errors[0] if isinstance(error, DataErrors) else error


def test_unknown_insee_code_names_file_line_and_field(tmp_path):
    project = _edit(tmp_path, "territory-places.csv", "commune/11262,Narbonne", "commune/11999,Narbonne")
    error = _error_of(project)
    assert (error.path.name, error.line, error.field) == ("territory-places.csv", 16, "place")
    assert "no commune with code 11999 in the Code officiel géographique" in str(error)
    assert "6.0.0" in str(error)


def test_wrong_expected_name(tmp_path):
    project = _edit(tmp_path, "territory-places.csv", "commune/11262,Narbonne", "commune/11262,Narbone")
    error = _error_of(project)
    assert error.field == "expected_name" and "named 'Narbonne' in the COG" in str(error)


def test_code_at_the_wrong_level(tmp_path):
    project = _edit(tmp_path, "territory-places.csv", "departement/32,Gers", "region/32,Gers")
    assert "no region with code 32" in str(_error_of(project))


def test_unknown_source(tmp_path):
    project = _edit(tmp_path, "events.csv", ",annonce-2018-11-22\ncni-2018-11-22", ",annonce-2018\ncni-2018-11-22")
    error = _error_of(project)
    assert (error.path.name, error.line, error.field) == ("events.csv", 2, "sources")
    assert "unknown source 'annonce-2018'" in str(error)


def test_bad_date_and_amount(tmp_path):
    project = _edit(tmp_path, "events.csv", ",2019-03,", ",2019-13,")
    error = _error_of(project)
    assert (error.line, error.field) == (4, "date")
    project = _edit(tmp_path / "b", "counts.csv", ",124,", ",cent vingt-quatre,")
    error = _error_of(project)
    assert (error.path.name, error.line, error.field) == ("counts.csv", 2, "value")


def test_bad_siren_in_organisations(tmp_path):
    project = _edit(tmp_path, "organisations.csv", "180020026", "180020027")
    assert "fails the Luhn check" in str(_error_of(project))


def test_bad_yaml_source_entries(tmp_path):
    project = _edit(tmp_path, "sources.yaml", "sha256: 20b92a", "sha256: ZZb92a")
    error = _error_of(project)
    assert (error.path.name, error.field) == ("sources.yaml", "sha256")
    project = _edit(tmp_path / "b", "sources.yaml", "  - id: aqui\n", "  - id: emploilr\n")
    assert "duplicate source id" in str(_error_of(project))
    project = _edit(tmp_path / "c", "sources.yaml", "    date: 2018-11-30", "    date: 2018-11-31")
    assert _error_of(project).field == "date"


def test_unknown_territory_and_petr(tmp_path):
    project = _edit(tmp_path, "territory-places.csv", "narbonne,commune", "narbone,commune")
    assert "unknown territory 'narbone'" in str(_error_of(project))
    project = _edit(tmp_path / "b", "territory-places.csv", "petr/ariege,", "petr/ariege-x,")
    assert "unknown PETR" in str(_error_of(project))


def test_cog_extract_errors(tmp_path):
    project = _edit(tmp_path, "cog.yaml", "siren: '211102629'", "siren: '211102628'")
    error = _error_of(project)
    assert (error.path.name, error.field) == ("cog.yaml", "siren") and error.line
    project = _edit(tmp_path / "b", "cog.yaml", "  name: Occitanie\n", "")
    assert _error_of(project).field == "name"


def test_not_a_list_of_mappings(tmp_path):
    project = copy_project(tmp_path)
    (project.data / "sources.yaml").write_text("sources: 3\n", encoding="utf-8")
    assert "expected a top-level list 'sources'" in str(_error_of(project))
    (project.data / "sources.yaml").write_text("sources: [3]\n", encoding="utf-8")
    assert "must be a mapping" in str(_error_of(project))


def test_data_dir_is_the_repository_data():
    assert (ROOT / "data" / "datapackage.yaml").exists()
