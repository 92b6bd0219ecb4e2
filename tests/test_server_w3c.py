"""The read-only subset of the W3C SPARQL 1.1 Protocol tests, run against a live server.

The manifest and its data are read from ../shared/conformance/w3c-sparql11-protocol/ (never
copied here). Update tests that expect success do not apply to a read-only endpoint; every
query test and every malformed-request test (expecting a 4xx) does.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from .conftest import SHARED, LiveServer, missing

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
SUITE = SHARED / "conformance" / "w3c-sparql11-protocol"

TABULAR = {"application/sparql-results+xml", "application/sparql-results+json", "text/csv",
           "text/tab-separated-values"}
RDF_TYPES = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"}


def _manifest() -> Graph | None:
    path = SUITE / "manifest.ttl"
    return Graph().parse(path, format="turtle", publicID="http://example/manifest.ttl") if path.exists() else None


MANIFEST = _manifest()


def _entries() -> list[URIRef]:
    if MANIFEST is None:
        return []
    head = next(MANIFEST.objects(None, MF.entries))
    return list(Collection(MANIFEST, head))


def _applies(test: URIRef) -> bool:
    name = str(test).rsplit("#", 1)[1]
    return not name.startswith("update_")  # successful updates: not for a read-only endpoint


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if MANIFEST is None:
        missing(f"{SUITE} is absent (shared conformance material)")
    lines = []
    # Every graph the tests name, loaded once as named graphs.
    graphs = {str(MANIFEST.value(d, RDFS.label)): MANIFEST.value(d, UT.graph)
              for d in MANIFEST.objects(None, UT.graphData)}
    for name, file_iri in sorted(graphs.items()):
        path = SUITE / Path(str(file_iri)).name
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(f"{line.rstrip().removesuffix('.').rstrip()} <{name}> .\n")
    data = tmp_path_factory.mktemp("w3c") / "protocol.nq"
    data.write_text("".join(lines), encoding="utf-8")
    with LiveServer("--data", str(data)) as live:
        yield live


def _requests(test: URIRef):
    action = MANIFEST.value(test, MF.action)
    return list(Collection(MANIFEST, MANIFEST.value(action, HT.requests)))


def _send(client: httpx.Client, base: str, request) -> httpx.Response:
    path = str(MANIFEST.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
    headers = {}
    header_list = MANIFEST.value(request, HT.headers)
    if header_list is not None:
        for h in Collection(MANIFEST, header_list):
            headers[str(MANIFEST.value(h, HT.fieldName))] = str(MANIFEST.value(h, HT.fieldValue))
    body = MANIFEST.value(request, HT.body)
    content = None
    if body is not None:
        encoding = str(MANIFEST.value(body, CNT.characterEncoding) or "UTF-8")
        content = str(MANIFEST.value(body, CNT.chars)).encode(encoding.lower())
    method = str(MANIFEST.value(request, HT.methodName))
    return client.request(method, base + path, headers=headers, content=content)


def _check(response: httpx.Response, expected) -> None:
    statuses = {str(s).rsplit("#", 1)[1] for s in MANIFEST.objects(expected, MF.expectedStatus)}
    status_class = f"StatusCode{response.status_code // 100}xx"
    assert status_class in statuses, f"{response.status_code} not in {statuses}: {response.text[:300]}"
    if response.status_code >= 400:
        assert response.text.strip(), "an error must say what is wrong"
        assert "Traceback" not in response.text
    media = response.headers.get("content-type", "").split(";")[0].strip()
    fmt = MANIFEST.value(expected, MF.expectedFormat)
    if fmt is not None and str(fmt) in ("boolean", "tabular"):
        assert media in TABULAR, media
    if fmt is not None and str(fmt) == "RDF":
        assert media in RDF_TYPES, media
        Graph().parse(data=response.content, format=RDF_TYPES[media])
    boolean = MANIFEST.value(expected, MF.expectedBoolean)
    if boolean is not None:
        if media == "application/sparql-results+json":
            got = json.loads(response.content)["boolean"]
        else:
            root = ET.fromstring(response.content)
            got = root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"
        assert got is boolean.toPython()


@pytest.mark.parametrize("test", [t for t in _entries() if _applies(t)] or [None],
                         ids=lambda t: str(t).rsplit("#", 1)[-1] if t else "manifest-absent")
def test_w3c_protocol(server, test):
    with httpx.Client(timeout=30) as client:
        for request in _requests(test):
            _check(_send(client, server.base, request), MANIFEST.value(request, HT.resp))


def test_manifest_covers_the_read_only_subset():
    if MANIFEST is None:
        pytest.skip("manifest absent")
    applicable = [t for t in _entries() if _applies(t)]
    assert len(applicable) == 27  # 13 query tests and 14 malformed query or update requests
    assert all((t, RDF.type, MF.ProtocolTest) in MANIFEST for t in applicable)
