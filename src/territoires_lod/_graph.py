"""Typed records → IRIs + graph: one named graph per source, no blank nodes.

Each statement goes into the graph of every source that makes it, so the union (the default
graph of the dumps) holds everything and `GRAPH <…/graph/annonce-2018-11-22>` holds what the
announcement itself says.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS, SKOS, XSD

from ._errors import DataError
from ._graph_places import add_places
from ._graph_provenance import add_annotations, add_links, add_sources
from ._namespaces import PREFIXES, SCHEMA, TI, Iris
from ._records import PUBLISHER, Claim, Records
from ._values import parse_amount


class GraphWriter:
    """Adds statements to the named graphs of the sources that make them."""

    def __init__(self, iris: Iris) -> None:
        self.iris = iris
        self.dataset = Dataset()
        for prefix, ns in PREFIXES.items():
            self.dataset.bind(prefix, ns)

    def add(self, sources: Iterable[str], s: URIRef, p: URIRef, o) -> None:
        for source in sources:
            self.dataset.graph(self.iris.graph(source)).add((s, p, o))

    def resource(self, sources: Iterable[str], s: URIRef, *types: URIRef) -> URIRef:
        """Type a resource and record, in each source's graph, that the source speaks of it."""
        sources = tuple(sources)
        for t in types:
            self.add(sources, s, RDF.type, t)
        for source in sources:
            self.add((source,), s, DCTERMS.source, self.iris.source(source))
        return s

    def labels(self, sources, s: URIRef, fr: str | None, en: str | None = None,
               prop: URIRef = RDFS.label) -> None:
        if fr:
            self.add(sources, s, prop, Literal(fr, lang="fr"))
        if en:
            self.add(sources, s, prop, Literal(en, lang="en"))

    def date(self, sources, s: URIRef, p: URIRef, value) -> None:
        if value is not None:
            self.add(sources, s, p, Literal(value.text, datatype=value.datatype))


def build_graph(records: Records, *, iris: Iris | None = None) -> Dataset:
    """Build the dataset (one named graph per source) from checked records."""
    iris = iris or Iris()
    w = GraphWriter(iris)
    add_sources(w, records)
    add_vocabularies(w, records)
    add_places(w, records)
    _add_programme(w, records)
    _add_organisations(w, records)
    _add_events(w, records)
    _add_territories(w, records)
    _add_counts(w, records)
    add_links(w, records)
    add_annotations(w, records)
    return w.dataset


def concept(iris: Iris, scheme: str, concept_id: str) -> URIRef:
    return iris.thing(f"{scheme}/{concept_id}")


def add_vocabularies(w: GraphWriter, records: Records) -> None:
    for scheme in records.vocabularies["schemes"]:
        src = scheme["sources"]
        s = w.resource(src, w.iris.thing(scheme["id"]), SKOS.ConceptScheme)
        w.labels(src, s, scheme["label_fr"], scheme.get("label_en"), SKOS.prefLabel)
        for c in scheme["concepts"]:
            node = w.resource(src, concept(w.iris, scheme["id"], c["id"]), SKOS.Concept)
            w.labels(src, node, c["label_fr"], c.get("label_en"), SKOS.prefLabel)
            w.labels(src, node, c.get("definition_fr"), c.get("definition_en"), SKOS.definition)
            w.add(src, node, SKOS.inScheme, s)
            if not c.get("broader"):
                w.add(src, node, SKOS.topConceptOf, s)
                w.add(src, s, SKOS.hasTopConcept, node)
            for b in c.get("broader", ()):
                w.add(src, node, SKOS.broader, concept(w.iris, scheme["id"], b))
    sectors = records.territory_sectors["territory_sectors"]
    for territory, concepts in sectors["territories"].items():
        for c in concepts:
            w.add(sectors["sources"], w.iris.thing(f"territoire/{territory}"), TI.industrialStrength,
                  concept(w.iris, "filiere", c))


def _add_programme(w: GraphWriter, records: Records) -> None:
    iris, p = w.iris, records.programme["programme"]
    prog = iris.thing(f"programme/{p['id']}")
    src = p["sources"]
    w.resource(src, prog, TI.Programme)
    w.labels(src, prog, p["label_fr"], p.get("label_en"))
    for org in p["supported_by"]:
        w.add(src, prog, TI.supportedBy, iris.thing(f"organisation/{org}"))
    for means in p["support_means"]:
        w.add(src, prog, TI.supportMeans, concept(iris, "moyen", means))
    ops = p["operators"]
    for org in ops["members"]:
        w.add(ops["sources"], prog, TI.operator, iris.thing(f"organisation/{org}"))
    w.add(ops["sources"], prog, TI.operatorListOpen, Literal(bool(ops["list_open"])))
    themes = p["priority_themes"]
    w.resource(themes["sources"], prog)
    for theme in themes["themes"]:
        w.add(themes["sources"], prog, TI.priorityTheme, concept(iris, "theme", theme))
    home = p["homepage"]
    w.resource(home["sources"], prog)
    w.add(home["sources"], prog, FOAF.homepage, URIRef(home["url"]))

    m = records.programme["mission"]
    mission = iris.thing(f"mission/{m['id']}")
    w.resource(m["sources"], mission, TI.Mission)
    w.labels(m["sources"], mission, m["label_fr"], m.get("label_en"))
    w.add(m["sources"], prog, TI.mission, mission)
    w.add(m["sources"], mission, TI.launchedBy, iris.thing(f"organisation/{m['launched_by']}"))
    w.add(m["sources"], mission, TI.launchEvent, iris.thing(f"evenement/{m['launch_event']}"))
    for org in m["supported_by"]:
        w.add(m["sources"], mission, TI.supportedBy, iris.thing(f"organisation/{org}"))

    f = records.programme["funding"]
    grant = iris.thing(f"financement/{f['id']}")
    amount = iris.fragment(grant, "montant")
    w.resource(f["sources"], grant, SCHEMA.MonetaryGrant)
    w.labels(f["sources"], grant, f["label_fr"], f.get("label_en"))
    w.add(f["sources"], grant, SCHEMA.fundedItem, prog)
    w.add(f["sources"], grant, TI.priorityAllocation, Literal(bool(f["priority"])))
    w.add(f["sources"], grant, SCHEMA.amount, amount)
    w.add(f["sources"], amount, RDF.type, SCHEMA.MonetaryAmount)
    try:
        min_value = parse_amount(f["amount"]["min_value"])
    except ValueError as exc:
        raise DataError(str(exc), path=records.data_dir / "programme.yaml", line=f["amount"].line,
                        field="min_value") from None
    w.add(f["sources"], amount, SCHEMA.minValue, Literal(min_value, datatype=XSD.decimal))
    w.add(f["sources"], amount, SCHEMA.currency, Literal(f["amount"]["currency"]))

    for g in records.programme["governance"]:
        node = iris.thing(f"gouvernance/{g['id']}")
        src = g["sources"]
        w.resource(src, node, TI.GovernanceArrangement)
        w.add(src, prog, TI.governance, node)
        w.labels(src, node, g.get("label_fr"), g.get("label_en"))
        w.labels(src, node, g.get("note_fr"), g.get("note_en"), SKOS.note)
        if g.get("scale"):
            w.add(src, node, TI.scale, concept(iris, "echelon", g["scale"]))
        for actor in g.get("steered_by", ()):
            w.add(src, node, TI.steeredBy, concept(iris, "acteur", actor))
        for actor in g.get("in_liaison_with", ()):
            w.add(src, node, TI.inLiaisonWith, concept(iris, "acteur", actor))


def _add_organisations(w: GraphWriter, records: Records) -> None:
    for c in records.organisations:
        org = w.resource(c.sources, w.iris.thing(f"organisation/{c['id']}"),
                         ORG.Organization, SCHEMA.Organization)
        w.labels(c.sources, org, c["label_fr"], c["label_en"])
        if c["acronym"]:
            w.add(c.sources, org, SKOS.altLabel, Literal(c["acronym"], lang="fr"))
        if c["parent"]:
            w.add(c.sources, org, ORG.subOrganizationOf, w.iris.thing(f"organisation/{c['parent']}"))
        if c["homepage"]:
            w.add(c.sources, org, FOAF.homepage, URIRef(c["homepage"]))
        if c["siren"]:
            w.add(c.sources, org, TI.siren, Literal(c["siren"]))
    for c in records.persons:
        person = w.resource(c.sources, w.iris.thing(f"personne/{c['id']}"), SCHEMA.Person, FOAF.Person)
        w.add(c.sources, person, RDFS.label, Literal(c["name"]))
        w.add(c.sources, person, SCHEMA.name, Literal(c["name"]))
        w.labels(c.sources, person, c["job_title_fr"], c["job_title_en"], SCHEMA.jobTitle)


def _add_events(w: GraphWriter, records: Records) -> None:
    for c in records.events:
        event = w.resource(c.sources, w.iris.thing(f"evenement/{c['id']}"), SCHEMA.Event)
        w.labels(c.sources, event, c["label_fr"], c["label_en"])
        w.date(c.sources, event, SCHEMA.startDate, c["date"])
        if c["status"] == "planned":
            w.add(c.sources, event, SCHEMA.eventStatus, SCHEMA.EventScheduled)
        if c["organizer"]:
            w.add(c.sources, event, SCHEMA.organizer, w.iris.thing(f"organisation/{c['organizer']}"))
        if c["performer"]:
            w.add(c.sources, event, TI.announcedBy, w.iris.thing(f"personne/{c['performer']}"))
        if c["about"]:
            w.add(c.sources, event, SCHEMA.about, w.iris.thing(c["about"]))


def _add_territories(w: GraphWriter, records: Records) -> None:
    iris = w.iris
    prog = iris.thing(f"programme/{records.programme['programme']['id']}")
    mission = iris.thing(f"mission/{records.programme['mission']['id']}")
    announced = iris.thing("evenement/cni-2018-11-22")
    primary = {s.id for s in records.sources.values() if s.role == "primaire"}
    for c in records.territories:
        t = w.resource(c.sources, iris.thing(f"territoire/{c['id']}"), TI.IndustryTerritory)
        w.labels(c.sources, t, c["label_fr"])
        if c["written_as"]:
            w.add(c.sources, t, TI.writtenAs, Literal(c["written_as"], lang="fr"))
        if c["alt_label"]:
            w.add(c.sources, t, SKOS.altLabel, Literal(c["alt_label"], lang="fr"))
        if c["label_fr"] and "’" in c["label_fr"]:
            # Users type straight apostrophes: make the label findable either way. The sources
            # print ’, so this spelling is the publisher's statement, not theirs.
            w.add((PUBLISHER,), t, SKOS.altLabel, Literal(c["label_fr"].replace("’", "'"), lang="fr"))
        w.add(c.sources, t, TI.programme, prog)
        for code in c["regions"]:
            w.add(c.sources, t, TI.inRegion, iris.thing(f"region/{code}"))
        if c["pilot"]:
            w.add(c.sources, t, TI.pilotTerritory, Literal(True))
        w.labels(c.sources, t, c["note_fr"], c["note_en"], SKOS.note)
        in_primary = tuple(s for s in c.sources if s in primary)
        if in_primary:
            w.add(in_primary, t, TI.identifiedBy, mission)
            w.add(in_primary, t, TI.announcedAt, announced)
    relation = {"named": TI.namedPlace, "spans": TI.spansDepartement}
    for c in records.territory_places:
        w.add(c.sources, iris.thing(f"territoire/{c['territory']}"), relation[c["relation"]],
              iris.thing(c["place"]))


def _add_counts(w: GraphWriter, records: Records) -> None:
    for c in records.counts:
        node = w.resource(c.sources, w.iris.thing(f"decompte/{c['id']}"), TI.Count)
        w.add(c.sources, node, TI.countValue, Literal(c["value"], datatype=XSD.integer))
        w.add(c.sources, node, TI.countedThing, concept(w.iris, "objet-decompte", c["counted"]))
        w.add(c.sources, node, SCHEMA.about, w.iris.thing(c["about"]))
        if c["scope"]:
            w.add(c.sources, node, TI.countScope, w.iris.thing(c["scope"]))
        w.date(c.sources, node, TI.asOf, c["date"])
        w.date(c.sources, node, SCHEMA.startDate, c["period_start"])
        w.date(c.sources, node, SCHEMA.endDate, c["period_end"])
        label = _count_label(records, c)
        w.labels(c.sources, node, *label)


def _count_label(records: Records, c: Claim) -> tuple[str, str]:
    names = {k["id"]: k for s in records.vocabularies["schemes"] if s["id"] == "objet-decompte"
             for k in s["concepts"]}
    what = names[c["counted"]]
    when = c["date"].text if c["date"] else (
        f"{c['period_start'].text}–{c['period_end'].text}" if c["period_start"] else "")
    suffix = f" ({when})" if when else ""
    return (f"{c['value']} {what['label_fr'].lower()}{suffix}",
            f"{c['value']} {what['label_en'].lower()}{suffix}")

