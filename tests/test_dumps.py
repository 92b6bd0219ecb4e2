import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from territoires_lod import FORMATS
from territoires_lod._dumps import CONTEXT_FILE, write_dumps

from .conftest import ROOT, copy_project, require_tool

TRIPLE_FORMATS = {"ttl": "turtle", "nt": "nt", "rdf": "xml"}
QUAD_FORMATS = {"trig": "trig", "nq": "nquads", "jsonld": "json-ld"}
RAPPER = {"ttl": "turtle", "nt": "ntriples", "rdf": "rdfxml", "trig": "trig", "nq": "nquads"}


def load_quads(path: Path, rdf_format: str) -> Dataset:
    ds = Dataset()
    ds.parse(path, format=rdf_format)
    return ds


def quad_set(ds: Dataset) -> set:
    return {(s, p, o, g.identifier if hasattr(g, "identifier") else g)
            for s, p, o, g in ds.quads((None, None, None, None))}


@pytest.fixture(scope="module")
def reference(union):
    return union


def test_every_format_is_written(dist):
    names = {p.name for p in dist.iterdir()}
    assert {f.filename for f in FORMATS} | {CONTEXT_FILE, "catalogue.ttl", "catalogue.rdf", "ontology.ttl",
                                            "shapes.ttl", "SHA256SUMS"} == names


@pytest.mark.parametrize(("extension", "rdf_format"), TRIPLE_FORMATS.items())
def test_triple_dumps_hold_the_union(dist, reference, extension, rdf_format):
    graph = Graph().parse(dist / f"territoires-industrie.{extension}", format=rdf_format)
    assert isomorphic(graph, reference)


@pytest.mark.parametrize(("extension", "rdf_format"), QUAD_FORMATS.items())
def test_quad_dumps_hold_the_same_named_graphs(dist, dataset, extension, rdf_format):
    parsed = load_quads(dist / f"territoires-industrie.{extension}", rdf_format)
    expected = {(s, p, o, g) for s, p, o, g in dataset.quads((None, None, None, None))}
    got = {(s, p, o, g) for s, p, o, g in parsed.quads((None, None, None, None))}
    assert got == expected  # no blank nodes, so set equality is isomorphism


def test_jsonld_uses_the_published_context(dist):
    doc = json.loads((dist / "territoires-industrie.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == CONTEXT_FILE
    context = json.loads((dist / CONTEXT_FILE).read_text(encoding="utf-8"))
    assert context["@context"]["ti"] == "https://w3id.org/territoires-industrie/def#"
    graphs = {g["id"] for g in doc["graph"]}
    assert "https://w3id.org/territoires-industrie/graph/annonce-2018-11-22" in graphs


@pytest.mark.parametrize("extension", sorted(RAPPER))
def test_rapper_parses_every_dump(dist, reference, dataset, extension):
    rapper = require_tool("rapper")
    out = subprocess.run([rapper, "-q", "-i", RAPPER[extension], "-o", "nquads",
                          str(dist / f"territoires-industrie.{extension}")],
                         capture_output=True, text=True, check=True).stdout
    parsed = Dataset()
    parsed.parse(data=out, format="nquads")
    n = len(set(parsed.quads((None, None, None, None))))
    expected = len(reference) if extension in TRIPLE_FORMATS else len(set(dataset.quads((None, None, None, None))))
    assert n == expected
    for fmt in ("ontology.ttl", "shapes.ttl", "catalogue.ttl"):
        subprocess.run([rapper, "-q", "-c", "-i", "turtle", str(dist / fmt)], check=True, capture_output=True)


def test_sha256sums_cover_every_file(dist):
    import hashlib

    lines = (dist / "SHA256SUMS").read_text().splitlines()
    listed = {line.split("  ")[1]: line.split("  ")[0] for line in lines}
    assert set(listed) == {p.name for p in dist.iterdir()} - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest


def test_two_builds_are_byte_identical(tmp_path):
    """Two builds in fresh processes with different hash seeds give identical bytes."""
    outputs = []
    for seed in ("1", "2"):
        project = copy_project(tmp_path / seed)
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "territoires_lod._cli", "--root", str(project.root), "build",
                        "--quiet"], check=True, env=env, capture_output=True, cwd=ROOT)
        outputs.append({p.name: p.read_bytes() for p in sorted(project.dist.iterdir())})
    assert outputs[0] == outputs[1]


def test_a_failed_write_leaves_dist_untouched(tmp_path, dataset):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "old.ttl").write_text("previous build")

    def failing_describe(_files):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_dumps(dataset, dist_dir=dist, describe=failing_describe)
    assert [p.name for p in dist.iterdir()] == ["old.ttl"]
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]  # no staging folder left behind


def test_write_replaces_the_previous_dist(tmp_path, dataset):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "stale.txt").write_text("x")
    write_dumps(dataset, dist_dir=dist)
    assert not (dist / "stale.txt").exists()
    assert (dist / "SHA256SUMS").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
