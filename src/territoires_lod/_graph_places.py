"""Places: regions, départements, communes, intercommunalités (from the COG extract) and PETR."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import Literal
from rdflib.namespace import OWL, RDFS

from ._namespaces import IGEO, SCHEMA, TI, insee_uri

if TYPE_CHECKING:
    from ._graph import GraphWriter
    from ._records import Records

_CLASSES = {"region": IGEO.Region, "departement": IGEO.Departement, "commune": IGEO.Commune,
            "intercommunalite": IGEO.Intercommunalite}


def add_places(w: GraphWriter, records: Records) -> None:
    src = ("cog",)
    iris = w.iris
    france = w.resource(("identifiants",), iris.thing("pays/france"), IGEO.Pays, SCHEMA.Country)
    w.labels(("identifiants",), france, "France", "France")
    for place in records.cog.places.values():
        node = w.resource(src, iris.thing(place.key), _CLASSES[place.kind], SCHEMA.AdministrativeArea)
        w.add(src, node, RDFS.label, Literal(place.name, lang="fr"))
        w.add(src, node, IGEO.nom, Literal(place.name, lang="fr"))
        if place.kind == "intercommunalite":
            w.add(src, node, TI.siren, Literal(place.siren))
            w.add(src, node, TI.epciType, Literal(place.epci_type))
        else:
            w.add(src, node, IGEO.codeINSEE, Literal(place.code))
            w.add(src, node, OWL.sameAs, insee_uri(place.kind, place.code))
            if place.siren:
                w.add(src, node, TI.siren, Literal(place.siren))
        for code in place.departements:
            dep = iris.thing(f"departement/{code}")
            w.add(src, node, TI.inDepartement, dep)
            if place.kind == "commune":
                w.add(src, node, IGEO.subdivisionDe, dep)
        for code in place.regions:
            region = iris.thing(f"region/{code}")
            w.add(src, node, TI.inRegion, region)
            if place.kind in ("commune", "departement"):
                w.add(src, node, IGEO.subdivisionDe, region)
        if place.epci:
            w.add(src, node, TI.memberOf, iris.thing(f"intercommunalite/{place.epci}"))
    for c in records.petr:
        node = w.resource(c.sources, iris.thing(f"petr/{c['id']}"), TI.PETR, SCHEMA.AdministrativeArea)
        w.add(c.sources, node, RDFS.label, Literal(c["label_fr"], lang="fr"))
        for code in c["regions"]:
            w.add(c.sources, node, TI.inRegion, iris.thing(f"region/{code}"))
