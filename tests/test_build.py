import time

import pytest

from territoires_lod import DataError, ValidationFailed, build

from .conftest import copy_project


def test_build_writes_dist_and_reports_progress(tmp_path):
    project = copy_project(tmp_path)
    steps = []
    result = build(project, progress=steps.append)
    assert result.report.conforms
    assert (project.dist / "territoires-industrie.ttl").exists()
    assert [s.split(" ")[0] for s in steps][:4] == ["reading", "building", "validating", "writing"]


def test_build_takes_under_five_seconds(tmp_path):
    project = copy_project(tmp_path)
    build(project)  # warm imports, as a second run of the command would be
    start = time.perf_counter()
    build(project)
    assert time.perf_counter() - start < 5


def test_a_violation_stops_the_build_and_writes_nothing(tmp_path):
    project = copy_project(tmp_path)
    build(project)
    before = {p.name: p.read_bytes() for p in project.dist.iterdir()}
    path = project.data / "counts.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "territoires-occitanie-annonce,programme/territoires-d-industrie,territoires,9,",
        "territoires-occitanie-annonce,programme/territoires-d-industrie,territoires,8,"), encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        build(project)
    assert not info.value.report.conforms
    assert {p.name: p.read_bytes() for p in project.dist.iterdir()} == before


def test_bad_data_stops_the_build_before_dist_exists(tmp_path):
    project = copy_project(tmp_path)
    path = project.data / "events.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",2019-03,", ",mars 2019,"), encoding="utf-8")
    with pytest.raises(DataError, match="events.csv:4: date"):
        build(project)
    assert not project.dist.exists()


def test_missing_ontology_or_shapes_are_named(tmp_path):
    project = copy_project(tmp_path)
    project.ontology.unlink()
    with pytest.raises(DataError, match="territoires-industrie.ttl: file not found"):
        build(project)
    for p in project.shapes.glob("*.ttl"):
        p.unlink()
    with pytest.raises(DataError, match="no SHACL shapes"):
        build(project)


def test_broken_shapes_file_is_named(tmp_path):
    project = copy_project(tmp_path)
    (project.shapes / "broken.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(DataError, match="broken.ttl: not valid turtle"):
        build(project)
