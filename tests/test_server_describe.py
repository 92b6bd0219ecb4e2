"""What may go into the description queries (_describe.py): IRIs from request paths and results."""

from __future__ import annotations

import pytest

from territoires_lod.server._describe import description_query, is_describable

BASE = "https://w3id.org/territoires-industrie/id/"


@pytest.mark.parametrize(("iri", "describable"), [
    (BASE + "territoire/narbonne", True),
    (BASE + "commune/11262#population", True),
    ("http://example.org/a%20b", True),  # an escape is fine; what it stands for is not there
    (BASE + "x>} ; DROP", False),
    (BASE + 'x"', False),
    (BASE + "x y", False),
    (BASE + "x\n", False),
    (BASE + "x\x00", False),
    (BASE + "x\x0c", False),
    (BASE + "x\x7f", False),
    (BASE + "x%", False),  # not an IRI: a % must start an escape
    (BASE + "x{y}", False),
    ("urn:x:y", False),  # only http(s) IRIs are dereferenced here
    ("", False),
])
def test_only_iris_that_fit_in_brackets_are_described(iri, describable):
    assert is_describable(iri) is describable


def test_a_query_refuses_an_iri_that_would_break_out():
    with pytest.raises(ValueError):
        description_query(BASE + "x> } INSERT DATA { <a:b> <a:c> <a:d>")
