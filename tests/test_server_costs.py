"""Query shapes and the cost book the pool routes queries by."""

import os

from territoires_lod.server._costs import CostBook, SharedCosts, query_shape


def test_variants_of_a_template_share_a_shape():
    a = query_shape('SELECT * WHERE { ?c <http://x/code> "11262" } LIMIT 10\n#u0.1')
    b = query_shape("SELECT * WHERE {\n  ?c <http://x/code> '01001' } LIMIT 1000 # another comment")
    assert a == b
    assert a != query_shape('SELECT * WHERE { ?c <http://x/name> "11262" } LIMIT 10')
    assert a != query_shape('SELECT * WHERE { ?c <http://x/code> "11262" } LIMIT 10', "http://x/graph")
    # A `#` inside an IRI starts no comment; a digit inside a name is no number.
    iri_with_hash = "SELECT * { ?c <http://x/geo#code> ?v }"
    assert query_shape(iri_with_hash) != query_shape(iri_with_hash.replace("code", "name"))
    assert query_shape("SELECT ?v1 { ?c ?p ?v1 }") != query_shape("SELECT ?v2 { ?c ?p ?v2 }")


def test_cost_book_learns_and_forgets():
    book = CostBook(threshold=0.04, max_shapes=2)
    assert not book.expensive(1) and not book.expensive(None)
    book.record(1, 0.001)
    book.record(1, 0.5)
    assert book.expensive(1)  # learnt at once
    book.record(1, 0.001)
    assert book.expensive(1)  # a scan that stopped early once is still a scan
    for _ in range(12):  # scans with a LIMIT often stop early: a dozen cheap runs do not make a cheap shape
        book.record(1, 0.001)
    assert book.expensive(1)
    for _ in range(50):  # it became cheap (an index, a smaller dataset): back to the short lane
        book.record(1, 0.001)
    assert not book.expensive(1)
    book.record(2, 0.5)
    book.record(3, 0.5)
    assert not book.expensive(1) and book.expensive(3)  # bounded: the least recent shape is forgotten


def test_fronts_share_what_they_learn():
    shared = SharedCosts(slots=64)
    front_a = CostBook(threshold=0.04, shared=shared)
    front_b = CostBook(threshold=0.04, shared=shared)
    front_a.record(7, 0.5)
    assert front_b.expensive(7)  # learnt by the other front
    front_b.record(7, 0.001)  # a cheap run moves the shared estimate, it does not reset it
    assert front_b.expensive(7) and front_a.expensive(7)
    assert not front_b.expensive(7 + 64)  # another shape in the same slot is not mistaken for it
    front_b.record(7 + 64, 0.001)  # and replaces it
    assert front_b.seconds(7) > 0.04  # still known to front_b itself


def test_shared_costs_cross_fork():
    shared = SharedCosts(slots=64)
    pid = os.fork()
    if pid == 0:
        shared.put(5, 1.5)
        os._exit(0)
    os.waitpid(pid, 0)
    assert shared.get(5) == 1.5 and shared.get(6) is None
