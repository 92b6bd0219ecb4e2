import hashlib

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from territoires_lod import FORMATS
from territoires_lod._namespaces import SPDX

from .conftest import require_shared

DATASET = URIRef("https://w3id.org/territoires-industrie/dataset")


@pytest.fixture(scope="module")
def catalogue(dist):
    return Graph().parse(dist / "catalogue.ttl", format="turtle")


def test_dataset_has_what_data_gouv_fr_harvests(catalogue):
    assert (DATASET, RDF.type, DCAT.Dataset) in catalogue
    assert catalogue.value(DATASET, DCTERMS.identifier) is not None
    titles = {t.language for t in catalogue.objects(DATASET, DCTERMS.title)}
    assert titles == {"fr", "en"}
    assert catalogue.value(DATASET, DCTERMS.license) is not None


def test_each_dump_is_a_distribution_with_size_and_checksum(catalogue, dist):
    distributions = set(catalogue.objects(DATASET, DCAT.distribution))
    assert len(distributions) == len(FORMATS)
    for d in distributions:
        url = str(catalogue.value(d, DCAT.downloadURL))
        data = (dist / url.rsplit("/", 1)[1]).read_bytes()
        assert int(catalogue.value(d, DCAT.byteSize)) == len(data)
        checksum = catalogue.value(d, SPDX.checksum)
        assert str(catalogue.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert catalogue.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert catalogue.value(d, DCAT.mediaType) is not None
        assert catalogue.value(d, DCTERMS.license) is not None
        assert catalogue.value(d, DCAT.accessURL) is not None


def test_void_counts(catalogue, union, dataset):
    assert int(catalogue.value(DATASET, VOID.triples)) == len(union)
    subsets = list(catalogue.objects(DATASET, VOID.subset))
    assert len(subsets) == len([g for g in dataset.graphs() if len(g)])


def _validate(catalogue, shapes_file):
    import pyshacl

    shapes = Graph()
    for name in shapes_file:
        shapes.parse(require_shared(f"conformance/dcat-ap-3.0.1/{name}"), format="turtle")
    conforms, results, text = pyshacl.validate(catalogue, shacl_graph=shapes, inference="none",
                                               allow_warnings=True)
    return conforms, results, text


def test_conforms_to_dcat_ap_mandatory_and_range_shapes(catalogue):
    from rdflib.namespace import SH

    _, results, text = _validate(catalogue, ["shapes.ttl", "range.ttl"])
    violations = list(results.subjects(SH.resultSeverity, SH.Violation))
    assert not violations, text


def test_few_dcat_ap_recommended_warnings(catalogue):
    from rdflib.namespace import SH

    _, results, text = _validate(catalogue, ["shapes_recommended.ttl"])
    violations = list(results.subjects(SH.resultSeverity, SH.Violation))
    assert not violations, text
    warnings = list(results.subjects(SH.resultSeverity, SH.Warning))
    # What the data cannot give: no contact point and no publisher type is known for the project,
    # and no source gives a geometry (bbox, centroid) for France or Occitanie.
    assert len(warnings) <= 6, text
