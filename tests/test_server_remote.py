"""How a front before a SPARQL backend follows the backend's data (its version), with a backend
that is a pyoxigraph store in this process. The HTTP side is tested against a live Oxigraph
server in tests/test_server_clients.py."""

from __future__ import annotations

import json

import pyoxigraph as ox

from territoires_lod.server._remote import COUNT, RemoteEngine

CATALOGUE = ox.NamedNode("https://example.org/catalogue")
DCAT_CATALOG = ox.NamedNode("http://www.w3.org/ns/dcat#Catalog")
CHECKSUM = ox.NamedNode("http://spdx.org/rdf/terms#checksumValue")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


class StoreBackedEngine(RemoteEngine):
    """A RemoteEngine whose backend answers from a pyoxigraph store, as SPARQL JSON; it records
    the queries it was sent."""

    def __init__(self, store: ox.Store) -> None:
        super().__init__("http://backend.invalid/query", refresh=30)
        self.store = store
        self.asked: list[str] = []

    def _select(self, query: str) -> list[dict]:
        self.asked.append(query)
        body = self.store.query(query, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
        return json.loads(body)["results"]["bindings"]


def _publish(store: ox.Store, checksum: str | None) -> None:
    """What `publish` leaves: the catalogue graph emptied, then (if `checksum`) filled again."""
    store.remove_graph(CATALOGUE)
    if checksum is not None:
        store.add(ox.Quad(CATALOGUE, RDF_TYPE, DCAT_CATALOG, CATALOGUE))
        store.add(ox.Quad(ox.NamedNode("https://example.org/dump"), CHECKSUM, ox.Literal(checksum), CATALOGUE))


def _data() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("https://example.org/a"), RDF_TYPE, ox.NamedNode("https://example.org/T")))
    return store


def test_a_publication_under_way_is_a_version_of_its_own_and_the_store_is_not_counted_meanwhile():
    store = _data()
    _publish(store, "abc")
    engine = StoreBackedEngine(store)
    assert engine._read_version() and COUNT in engine.asked and engine.stats.triples == 3
    published = engine.version
    assert not engine._read_version() and engine.version == published  # the same checksums: nothing to do

    _publish(store, None)  # halfway: the catalogue emptied first
    engine.asked.clear()
    assert engine._read_version() and engine.version != published
    during = engine.version
    assert not engine._read_version() and engine.version == during  # still under way
    assert COUNT not in engine.asked  # a store being loaded is not counted, however long it takes

    _publish(store, "def")  # filled last
    assert engine._read_version() and engine.version not in (published, during)
    assert COUNT in engine.asked  # counted once, for the service description


def test_a_store_without_a_catalogue_is_followed_by_its_size():
    store = _data()
    engine = StoreBackedEngine(store)
    assert engine._read_version() and engine.stats.triples == 1
    first = engine.version
    assert not engine._read_version() and engine.version == first
    store.add(ox.Quad(ox.NamedNode("https://example.org/b"), RDF_TYPE, ox.NamedNode("https://example.org/T")))
    assert engine._read_version() and engine.version != first and engine.stats.triples == 2
