"""The DCAT-AP 3.0 / VoID description of the dataset and of each dump.

Besides DCAT-AP's mandatory properties it carries what the data.gouv.fr harvester reads:
dct:identifier and dct:title on the dataset; dcat:downloadURL, media type, byte size,
SHA-256 checksum and licence on each distribution.
"""

from __future__ import annotations

import hashlib

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, VOID, XSD

from ._dumps import FORMATS, sorted_union
from ._namespaces import ETALAB_2, ONTOLOGY, PREFIXES, SPDX, Iris

VERSION = "1.0.0"
RELEASED = "2026-11-26"  # dct:issued of this version; fixed, so builds stay byte-identical
_DCATAP = "http://data.europa.eu/r5r/"
# Labels of the EU data themes used, from the EU Vocabularies "data-theme" authority table.
_THEMES = {"ECON": ("Économie et finances", "Economy and finance"),
           "REGI": ("Régions et villes", "Regions and cities"),
           "GOVE": ("Gouvernement et secteur public", "Government and public sector")}
_EU = "http://publications.europa.eu/resource/authority/"
_IANA = "http://www.iana.org/assignments/media-types/"


def describe_dataset(dataset: Dataset, dumps: dict[str, bytes], *, iris: Iris) -> Graph:
    """Build the catalogue graph: catalogue, dataset (also a void:Dataset), one distribution per dump."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    catalogue = iris.catalogue
    ds = iris.dataset
    publisher = iris.thing("organisation/territoires-lod")
    licence = ETALAB_2

    def add(s, p, o):
        g.add((s, p, o))

    def texts(s, p, fr, en):
        add(s, p, Literal(fr, lang="fr"))
        add(s, p, Literal(en, lang="en"))

    add(publisher, RDF.type, FOAF.Agent)
    add(publisher, FOAF.name, Literal("Projet territoires-lod", lang="fr"))
    add(licence, RDF.type, DCTERMS.LicenseDocument)
    texts(licence, RDFS.label, "Licence Ouverte / Open Licence version 2.0", "Open Licence version 2.0 (Etalab)")
    attribution = URIRef("http://purl.org/adms/licencetype/Attribution")
    add(licence, DCTERMS.type, attribution)
    add(attribution, RDF.type, SKOS.Concept)
    texts(attribution, SKOS.prefLabel, "Attribution", "Attribution")
    add(_STABLE, RDF.type, SKOS.Concept)
    texts(_STABLE, SKOS.prefLabel, "Stable", "Stable")

    add(catalogue, RDF.type, DCAT.Catalog)
    texts(catalogue, DCTERMS.title, "Catalogue territoires-lod", "territoires-lod catalogue")
    texts(catalogue, DCTERMS.description,
          "Catalogue des données liées publiées par le projet territoires-lod.",
          "Catalogue of the linked data published by the territoires-lod project.")
    add(catalogue, DCTERMS.publisher, publisher)
    add(catalogue, DCTERMS.license, licence)
    add(catalogue, DCAT.dataset, ds)
    add(catalogue, FOAF.homepage, URIRef(iris.base))
    add(URIRef(iris.base), RDF.type, FOAF.Document)
    themes = URIRef(f"{_EU}data-theme")
    add(catalogue, DCAT.themeTaxonomy, themes)
    add(themes, RDF.type, SKOS.ConceptScheme)
    texts(themes, SKOS.prefLabel, "Thèmes des données", "Data theme")
    texts(themes, DCTERMS.title, "Thèmes des données", "Data theme")
    for when in (DCTERMS.issued, DCTERMS.modified):
        add(catalogue, when, Literal(RELEASED, datatype=XSD.date))
        add(ds, when, Literal(RELEASED, datatype=XSD.date))

    for t in (DCAT.Dataset, VOID.Dataset):
        add(ds, RDF.type, t)
    add(ds, DCTERMS.identifier, Literal(str(ds)))
    texts(ds, DCTERMS.title,
          "Territoires d’industrie : l’annonce du 22 novembre 2018 en données liées",
          "Territoires d’industrie: the announcement of 22 November 2018 as linked data")
    texts(ds, DCTERMS.description,
          "Le programme Territoires d’industrie tel qu’annoncé au Conseil national de l’industrie du "
          "22 novembre 2018 : 124 territoires, dont les 9 d’Occitanie, les lieux qu’ils nomment (codes "
          "INSEE, liens Wikidata avec leur statut de vérification), les opérateurs, le financement, les "
          "événements, les thématiques et les sources, chaque énoncé étant rattaché à sa source (un graphe "
          "nommé par source).",
          "The Territoires d’industrie programme as announced at the National Industry Council of "
          "22 November 2018: 124 territories, among them the 9 of Occitanie, the places they name (INSEE "
          "codes, Wikidata links with their verification status), operators, funding, events, themes and "
          "sources, each statement tied to its source (one named graph per source).")
    add(ds, DCTERMS.publisher, publisher)
    add(ds, DCTERMS.license, licence)
    add(ds, URIRef(f"{DCAT}version"), Literal(VERSION))  # DCAT 3 term, unknown to rdflib's DCAT 2 namespace
    add(ds, DCTERMS.conformsTo, ONTOLOGY)
    add(ONTOLOGY, RDF.type, DCTERMS.Standard)
    for lang in ("FRA", "ENG"):
        for s in (catalogue, ds):
            add(s, DCTERMS.language, URIRef(f"{_EU}language/{lang}"))
        add(URIRef(f"{_EU}language/{lang}"), RDF.type, DCTERMS.LinguisticSystem)
    for theme, (fr, en) in _THEMES.items():
        node = URIRef(f"{_EU}data-theme/{theme}")
        add(ds, DCAT.theme, node)
        add(node, RDF.type, SKOS.Concept)
        add(node, SKOS.inScheme, themes)
        texts(node, SKOS.prefLabel, fr, en)
    period = iris.fragment(ds, "periode")
    add(ds, DCTERMS.temporal, period)
    add(period, RDF.type, DCTERMS.PeriodOfTime)
    # From the mission's launch to the end of the latest phase a source mentions (2023–2027).
    add(period, DCAT.startDate, Literal("2018-09-20", datatype=XSD.date))
    add(period, DCAT.endDate, Literal("2027", datatype=XSD.gYear))
    for kw in ("territoires d’industrie", "industrie", "Occitanie", "politique publique", "CGET"):
        add(ds, DCAT.keyword, Literal(kw, lang="fr"))
    for place in ("region/76", "pays/france"):
        add(catalogue, DCTERMS.spatial, iris.thing(place))
        add(ds, DCTERMS.spatial, iris.thing(place))
        add(iris.thing(place), RDF.type, DCTERMS.Location)
    _add_void(g, ds, dataset, iris)

    for fmt in FORMATS:
        data = dumps[fmt.filename]
        dist = iris.distribution(fmt.key)
        download = iris.download(fmt.filename)
        add(ds, DCAT.distribution, dist)
        add(ds, VOID.dataDump, download)
        add(dist, RDF.type, DCAT.Distribution)
        texts(dist, DCTERMS.title, fmt.title_fr, fmt.title_en)
        texts(dist, DCTERMS.description,
              f"Le jeu de données complet au format {fmt.title_fr}.",
              f"The whole dataset as {fmt.title_en}.")
        add(dist, URIRef(f"{_DCATAP}availability"), _STABLE)
        add(dist, DCAT.accessURL, download)
        add(dist, DCAT.downloadURL, download)
        media = URIRef(f"{_IANA}{fmt.media_type}")
        add(dist, DCAT.mediaType, media)
        add(media, RDF.type, DCTERMS.MediaType)
        file_type = URIRef(f"{_EU}file-type/{fmt.eu_file_type}")
        add(dist, DCTERMS.format, file_type)
        add(file_type, RDF.type, DCTERMS.MediaTypeOrExtent)
        add(dist, DCAT.byteSize, Literal(len(data), datatype=XSD.nonNegativeInteger))
        add(dist, DCTERMS.license, licence)
        add(dist, DCTERMS.conformsTo, ONTOLOGY)
        checksum = iris.fragment(dist, "sha256")
        add(dist, SPDX.checksum, checksum)
        add(checksum, RDF.type, SPDX.Checksum)
        add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
        add(checksum, SPDX.checksumValue, Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary))
    return g


_STABLE = URIRef("http://publications.europa.eu/resource/authority/planned-availability/STABLE")


def _add_void(g: Graph, ds: URIRef, dataset: Dataset, iris: Iris) -> None:
    union = sorted_union(dataset)
    g.add((ds, VOID.triples, Literal(len(union), datatype=XSD.integer)))
    g.add((ds, VOID.distinctSubjects, Literal(len(set(union.subjects())), datatype=XSD.integer)))
    g.add((ds, VOID.properties, Literal(len(set(union.predicates())), datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(set(union.objects(None, RDF.type))), datatype=XSD.integer)))
    g.add((ds, VOID.uriSpace, Literal(f"{iris.base}id/")))
    for vocab in sorted({"https://w3id.org/territoires-industrie/def#", "http://rdf.insee.fr/def/geo#",
                         "https://schema.org/", str(SKOS), "http://www.w3.org/ns/oa#", str(DCTERMS)}):
        g.add((ds, VOID.vocabulary, URIRef(vocab)))
    for graph in sorted(dataset.graphs(), key=lambda x: str(x.identifier)):
        if not len(graph):
            continue
        name = str(graph.identifier).rsplit("/", 1)[1]
        subset = URIRef(f"{ds}/graphe/{name}")
        g.add((ds, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, DCTERMS.source, iris.source(name)))
        g.add((subset, URIRef("http://www.w3.org/ns/sparql-service-description#name"), graph.identifier))
        g.add((subset, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
