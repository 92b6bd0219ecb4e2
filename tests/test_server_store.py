"""Loading RDF files into the store (`load_store`): JSON-LD documents that name their context."""

from __future__ import annotations

import json

import pytest

from territoires_lod.server._store import load_store

CONTEXT = {"@context": {"ex": "http://example.org/", "name": "ex:name"}}


def quads(paths) -> set[str]:
    store, _version = load_store(paths)
    return {str(q) for q in store}


def test_the_json_ld_dump_loads_with_its_context_beside_it(dist):
    # The dump names "context.jsonld", which pyoxigraph alone cannot read.
    assert quads([dist / "territoires-industrie.jsonld"]) == quads([dist / "territoires-industrie.nq"])


def test_contexts_are_read_relative_to_the_file_naming_them(tmp_path):
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "outer.jsonld").write_text(json.dumps({"@context": ["inner.jsonld", {"label": "ex:label"}]}))
    (tmp_path / "ctx" / "inner.jsonld").write_text(json.dumps(CONTEXT))
    doc = tmp_path / "doc.jsonld"
    doc.write_text(json.dumps({"@context": "ctx/outer.jsonld", "@id": "ex:a", "name": "A", "label": "été"}))
    assert quads([doc]) == {'<http://example.org/a> <http://example.org/name> "A"',
                            '<http://example.org/a> <http://example.org/label> "été"'}


@pytest.mark.parametrize(("context", "words"), [
    ("https://schema.org/", "not fetched"),
    ("//example.org/ctx.jsonld", "not fetched"),
    ("missing.jsonld", "cannot be read"),
])
def test_a_context_that_is_not_a_local_file_is_a_clear_error(tmp_path, context, words):
    doc = tmp_path / "doc.jsonld"
    doc.write_text(json.dumps({"@context": context, "@id": "http://example.org/a", "name": "A"}))
    with pytest.raises(ValueError, match=f"doc.jsonld: not valid jsonld: .*{words}"):
        load_store([doc])
