import csv

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from territoires_lod import Iris, build_graph
from territoires_lod._namespaces import IGEO, SCHEMA, TI

from .conftest import require_shared

BASE = "https://w3id.org/territoires-industrie/"
ANNONCE = URIRef(BASE + "graph/annonce-2018-11-22")


def thing(key):
    return URIRef(BASE + "id/" + key)


def test_one_named_graph_per_source(dataset, records):
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    # Wikidata states something only once `territoires-lod link` has written rows citing it.
    silent = {"wikidata"} - {s for c in records.linkset for s in c.sources}
    assert names == {BASE + "graph/" + s for s in set(records.sources) - silent}


def test_no_blank_nodes(dataset):
    for quad in dataset.quads((None, None, None, None)):
        assert not any(isinstance(term, BNode) for term in quad), quad


def test_the_announcement_lists_nine_occitanie_territories(dataset):
    annonce = dataset.graph(ANNONCE)
    listed = set(annonce.subjects(RDF.type, TI.IndustryTerritory))
    assert len(listed) == 9
    assert all((t, TI.inRegion, thing("region/76")) in annonce for t in listed)
    assert thing("territoire/pau-tarbes") not in listed
    count = thing("decompte/territoires-occitanie-annonce")
    assert annonce.value(count, TI.countValue) == Literal(9)


def test_pau_tarbes_is_claimed_by_the_regional_press_only(dataset):
    pau_tarbes = thing("territoire/pau-tarbes")
    graphs = {str(g).rsplit("/", 1)[1] for _, _, _, g in dataset.quads((pau_tarbes, RDF.type, None, None))}
    assert graphs == {"emploilr", "petit-journal-2018-11-30", "journal-du-gers", "aqui"}


def test_exact_labels(dataset):
    annonce = dataset.graph(ANNONCE)
    labels = {str(annonce.value(t, RDFS.label)) for t in annonce.subjects(RDF.type, TI.IndustryTerritory)}
    assert labels == {"Aurillac – Figeac – Rodez", "Bassin d’Alès", "Béziers-Sète", "Castelnaudary Castres",
                      "Gard Rhodanien", "Interdépartemental Gers Tarn-et-Garonne", "Narbonne",
                      "PETR Comminges et Nestes", "PETR d’Ariège"}
    gers = thing("territoire/interdepartemental-gers-tarn-et-garonne")
    assert annonce.value(gers, TI.writtenAs) == Literal("Interdépartemental GersTarn-et-Garonne", lang="fr")
    # The straight-apostrophe spelling helps search; the publisher states it, not the announcement.
    straight = (thing("territoire/bassin-d-ales"), SKOS.altLabel, Literal("Bassin d'Alès", lang="fr"))
    assert straight not in annonce and straight in dataset.graph(URIRef(BASE + "graph/publication"))


def test_aurillac_figeac_rodez_spans_two_regions(dataset, union):
    afr = thing("territoire/aurillac-figeac-rodez")
    regions = set(union.objects(afr, TI.inRegion))
    assert regions == {thing("region/76"), thing("region/84")}
    aurillac = thing("commune/15014")
    assert (afr, TI.namedPlace, aurillac) in dataset.graph(ANNONCE)
    assert dataset.graph(URIRef(BASE + "graph/cog")).value(aurillac, TI.inRegion) == thing("region/84")


def test_places_carry_codes_and_insee_links(dataset):
    cog = dataset.graph(URIRef(BASE + "graph/cog"))
    narbonne = thing("commune/11262")
    assert (narbonne, RDF.type, IGEO.Commune) in cog
    assert cog.value(narbonne, IGEO.codeINSEE) == Literal("11262")
    assert cog.value(narbonne, TI.siren) == Literal("211102629")
    assert cog.value(narbonne, OWL.sameAs) == URIRef("http://id.insee.fr/geo/commune/11262")
    assert cog.value(thing("departement/09"), OWL.sameAs) == URIRef("http://id.insee.fr/geo/departement/09")
    assert cog.value(thing("region/76"), OWL.sameAs) == URIRef("http://id.insee.fr/geo/region/76")
    epci = thing("intercommunalite/241100593")
    assert cog.value(epci, TI.siren) == Literal("241100593")
    assert (narbonne, TI.memberOf, epci) in cog


def test_only_verified_qids_are_published(dataset, union):
    reference = require_shared("reference/identifiers.csv")
    verified = {row["wikidata"]: row["wikidata_status"] for row in csv.DictReader(reference.open(encoding="utf-8"))
                if row["wikidata"] and row["wikidata_status"] in ("confirmed", "single-source")}
    published = {str(o).rsplit("/", 1)[1] for _, _, o, _ in dataset.quads((None, None, None, None))
                 if str(o).startswith("http://www.wikidata.org/entity/")}
    assert published and published <= set(verified)
    statuses = {"confirmed": "confirme", "single-source": "source-unique"}
    links = set(union.subjects(RDF.type, TI.IdentifierLink))
    assert len(links) == len(published)
    for link in links:
        qid = str(union.value(link, TI.linkTarget)).rsplit("/", 1)[1]
        status = union.value(link, TI.verificationStatus)
        assert status == thing(f"statut-verification/{statuses[verified[qid]]}")


def test_every_resource_names_its_sources(union):
    subjects = {s for s in union.subjects(RDF.type, None) if "#" not in str(s)}
    assert len(subjects) > 100
    for subject in subjects:
        assert (subject, DCTERMS.source, None) in union, subject


def test_facts_of_the_announcement(dataset):
    annonce = dataset.graph(ANNONCE)
    programme = thing("programme/territoires-d-industrie")
    assert set(annonce.objects(programme, TI.operator)) == {
        thing("organisation/banque-des-territoires"), thing("organisation/bpifrance"),
        thing("organisation/business-france")}
    assert annonce.value(programme, TI.operatorListOpen) == Literal(True)
    amount = thing("financement/orientation-2018") + "#montant"
    assert str(annonce.value(URIRef(amount), SCHEMA.minValue)) == "1300000000.0"
    assert annonce.value(URIRef(amount), SCHEMA.currency) == Literal("EUR")
    review = thing("evenement/cni-2019-03")
    assert annonce.value(review, SCHEMA.startDate).datatype.endswith("gYearMonth")
    mission = thing("mission/territoires-d-industrie")
    assert set(annonce.objects(mission, TI.supportedBy)) == {thing("organisation/cget"), thing("organisation/dge")}


def test_base_is_configurable(records):
    other = build_graph(records, iris=Iris("https://example.org/ti/"))
    subjects = {str(s) for s, _, _, _ in other.quads((None, None, None, None))}
    assert "https://example.org/ti/id/commune/11262" in subjects
    assert not any(s.startswith(BASE + "id/") for s in subjects)
