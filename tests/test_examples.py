"""The example loader: header fields in French and English, errors naming file, line and field."""

from pathlib import Path

import pytest

from territoires_lod import DataError, Example, load_examples
from territoires_lod._examples import parse_example

from .conftest import ROOT

GOOD = """# title: [fr] Les territoires
# title: [en] The territories
# description: [fr] Tous.
# description: [en] All of them.
SELECT * WHERE { ?s ?p ?o } ORDER BY ?s
"""


def test_every_example_has_titles_and_descriptions_in_french_and_english():
    examples = load_examples(ROOT / "queries" / "examples")
    assert len(examples) >= 12
    for example in examples:
        assert isinstance(example, Example)
        assert set(example.title) == set(example.description) == {"fr", "en"}
        assert example.title["fr"] != example.title["en"]


def test_an_example_is_read_with_its_fields(tmp_path):
    (tmp_path / "all.rq").write_text(GOOD, encoding="utf-8")
    (example,) = load_examples(tmp_path)
    assert example.id == "all"
    assert example.title == {"fr": "Les territoires", "en": "The territories"}
    assert example.description["en"] == "All of them."
    assert example.text == GOOD and example.ordered and not example.federated


@pytest.mark.parametrize("text, ordered", [
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1 } }", False),
    ("SELECT * WHERE { ?s ?p ?o }\norder by desc(?s)", True),
])
def test_ordered(text, ordered):
    example = parse_example(Path("x.rq"), GOOD.replace("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\n", text))
    assert example.ordered is ordered


@pytest.mark.parametrize("header, line, field, message", [
    ("# title: [fr] A\n# title: [en] B\n# description: [fr] C\n", None, "description", "missing '# description: [en]"),
    ("# titre: [fr] A\n", 1, "titre", "unknown field 'titre'"),
    ("# title: A\n", 1, "title", "give the language"),
    ("# title: [fr] A\n# title: [fr] B\n", 2, "title", "a second [fr] title"),
    ("# title: [fr]\n", 1, "title", "empty"),
    ("# federated: yes\n", 1, "federated", "true or false"),
    ("#title\n", 1, None, "expected '# field: [lang] text'"),
])
def test_bad_headers_are_named(header, line, field, message):
    with pytest.raises(DataError, match=message.replace("[", r"\[")) as info:
        parse_example(Path("bad.rq"), header + "SELECT * WHERE { ?s ?p ?o }\n")
    assert (info.value.path.name, info.value.line, info.value.field) == ("bad.rq", line, field)


def test_federated_flag(tmp_path):
    example = parse_example(Path("f.rq"), GOOD.replace("SELECT", "# federated: true\nSELECT", 1))
    assert example.federated


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(DataError, match="no such folder"):
        load_examples(tmp_path / "nowhere")
