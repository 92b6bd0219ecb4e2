"""JSON-LD documents with their local contexts written in (`with_local_contexts`), as `serve
--data` loads them."""

from __future__ import annotations

import json

import pytest

from territoires_lod.server._jsonld import ContextError, with_local_contexts
from territoires_lod.server._store import load_store

NAME = {"name": "http://example.org/name"}


def write(path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value), encoding="utf-8")


def doc_with(tmp_path, context, **extra):
    doc = tmp_path / "doc.jsonld"
    write(doc, {"@context": context, "@id": "http://example.org/a", "name": "A", **extra})
    return doc


def quads(doc) -> set[str]:
    store, _version = load_store([doc])
    return {str(q) for q in store}


def test_contexts_are_read_relative_to_the_file_naming_them(tmp_path):
    write(tmp_path / "ctx" / "outer.jsonld", {"@context": ["inner.jsonld", {"label": "http://example.org/label"}]})
    write(tmp_path / "ctx" / "inner.jsonld", {"@context": NAME})
    doc = doc_with(tmp_path, "ctx/outer.jsonld", label="été")
    assert quads(doc) == {'<http://example.org/a> <http://example.org/name> "A"',
                          '<http://example.org/a> <http://example.org/label> "été"'}
    _document, read = with_local_contexts(doc)
    assert sorted(p.name for p in read) == ["inner.jsonld", "outer.jsonld"]


def test_imports_percent_encoding_and_each_file_read_once(tmp_path):
    write(tmp_path / "my ctx.jsonld", {"@context": {"@import": "base.jsonld", "label": "http://example.org/label"}})
    write(tmp_path / "base.jsonld", {"@context": NAME})
    doc = doc_with(tmp_path, ["my%20ctx.jsonld", "my%20ctx.jsonld"], label="L")
    assert quads(doc) == {'<http://example.org/a> <http://example.org/name> "A"',
                          '<http://example.org/a> <http://example.org/label> "L"'}


def test_a_json_literal_is_data_not_a_context(tmp_path):
    write(tmp_path / "ctx.jsonld", {"@context": {**NAME, "raw": {"@id": "http://example.org/raw", "@type": "@json"}}})
    document, _read = with_local_contexts(doc_with(tmp_path, "ctx.jsonld", raw={"@context": "not-a-file"}))
    assert json.loads(document)["raw"] == {"@context": "not-a-file"}


@pytest.mark.parametrize(("context", "words"), [
    ("https://schema.org/", "remote contexts are not fetched"),
    ("//example.org/ctx.jsonld", "remote contexts are not fetched"),
    ("/etc/hostname", "remote contexts are not fetched"),
    ("../outside.jsonld", "outside the data's folder"),
    ("missing.jsonld", "cannot be read"),
    ("a.jsonld", "in a cycle: a.jsonld → b.jsonld → a.jsonld"),
])
def test_a_context_that_cannot_be_read_here_is_a_clear_error(tmp_path, context, words):
    write(tmp_path / "outside.jsonld", {"@context": NAME})
    data = tmp_path / "data"
    write(data / "a.jsonld", {"@context": "b.jsonld"})
    write(data / "b.jsonld", {"@context": ["a.jsonld"]})
    doc = doc_with(data, context)
    with pytest.raises(ContextError, match=words):
        with_local_contexts(doc)
    with pytest.raises(ValueError, match="doc.jsonld: not valid jsonld: "):
        load_store([doc])
