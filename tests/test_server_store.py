"""Loading RDF files into the store (`load_store`)."""

from __future__ import annotations

import json

from territoires_lod.server._store import load_store


def quads(paths) -> set[str]:
    store, _version = load_store(paths)
    return {str(q) for q in store}


def test_the_json_ld_dump_loads_with_its_context_beside_it(dist):
    # The dump names "context.jsonld", which pyoxigraph alone cannot read.
    assert quads([dist / "territoires-industrie.jsonld"]) == quads([dist / "territoires-industrie.nq"])


def test_a_json_ld_context_is_part_of_the_data_version(tmp_path):
    (tmp_path / "ctx.jsonld").write_text(json.dumps({"@context": {"name": "http://example.org/name"}}))
    doc = tmp_path / "doc.jsonld"
    doc.write_text(json.dumps({"@context": "ctx.jsonld", "@id": "http://example.org/a", "name": "A"}))
    _store, before = load_store([doc])
    (tmp_path / "ctx.jsonld").write_text(json.dumps({"@context": {"name": "http://example.org/label"}}))
    store, after = load_store([doc])
    assert before != after  # the same document, other data: not the same ETags
    assert {str(q) for q in store} == {'<http://example.org/a> <http://example.org/label> "A"'}
