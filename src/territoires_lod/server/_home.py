"""The home page: the dataset at a glance, from the store (the same queries a reuser can run)."""

from __future__ import annotations

from collections import defaultdict

from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS

from ._pages import Linker, pick_label

PREFIXES = """PREFIX ti: <https://w3id.org/territoires-industrie/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
"""

QUERIES = {
    "programme": """SELECT ?programme ?label ?homepage WHERE {
  ?programme a ti:Programme ; rdfs:label ?label . OPTIONAL { ?programme <http://xmlns.com/foaf/0.1/homepage> ?homepage }
}""",
    "territories": """SELECT ?territory ?label ?source WHERE {
  GRAPH ?g { ?territory a ti:IndustryTerritory ; ti:inRegion <{base}id/region/76> }
  ?source ti:statementsGraph ?g .
  ?territory rdfs:label ?label .
}""",
    "places": """SELECT ?territory ?place ?label WHERE {
  ?territory a ti:IndustryTerritory ; ti:namedPlace ?place . ?place rdfs:label ?label .
}""",
    "events": """SELECT ?event ?date ?label ?source WHERE {
  ?event a schema:Event ; schema:startDate ?date ; rdfs:label ?label ; dct:source ?source .
}""",
    "operators": """SELECT ?operator ?label ?parent WHERE {
  ?programme a ti:Programme ; ti:operator ?operator . ?operator rdfs:label ?label .
  OPTIONAL { ?operator org:subOrganizationOf ?parent }
}""",
    "funding": """SELECT ?funding ?label ?source WHERE {
  ?funding a schema:MonetaryGrant ; rdfs:label ?label ; dct:source ?source .
}""",
    "sources": """SELECT ?source ?label ?role WHERE {
  ?source a ti:Source ; rdfs:label ?label . OPTIONAL { ?source ti:sourceRole ?role }
}""",
    "counts": """SELECT ?count ?value ?scope ?asOf ?start ?end ?source WHERE {
  ?count a ti:Count ; ti:countedThing <{base}id/objet-decompte/territoires> ; ti:countValue ?value ;
         ti:countScope ?scope ; dct:source ?source .
  OPTIONAL { ?count ti:asOf ?asOf } OPTIONAL { ?count schema:startDate ?start ; schema:endDate ?end }
}""",
}


def home_queries(base: str) -> dict[str, str]:
    return {name: PREFIXES + text.replace("{base}", base) for name, text in QUERIES.items()}


def _by_lang(rows, key: str, lang: str) -> dict:
    """One row per subject, its `label` chosen in `lang` (French first)."""
    labels = defaultdict(list)
    for row in rows:
        labels[row[key]].append(row["label"])
    return {subject: pick_label(values, lang) for subject, values in labels.items()}


def home_model(results: dict[str, list[dict]], *, linker: Linker, site) -> dict:
    lang = linker.lang
    programme_labels = _by_lang(results["programme"], "programme", lang)
    territory_labels = _by_lang(results["territories"], "territory", lang)
    sources_of = defaultdict(set)
    for row in results["territories"]:
        sources_of[row["territory"]].add(row["source"])
    places_of = defaultdict(dict)
    for row in results["places"]:
        places_of[row["territory"]].setdefault(row["place"], []).append(row["label"])
    territories = []
    for territory, label in sorted(territory_labels.items(), key=lambda item: item[1].lower()):
        territories.append({
            "territory": {"href": linker.href(str(territory)), "label": label, "iri": str(territory)},
            "places": [linker.value(place) | {"label": pick_label(labels, lang)}
                       for place, labels in sorted(places_of[territory].items())],
            "sources": [linker.value(s) for s in sorted(sources_of[territory], key=str)],
        })
    event_labels = _by_lang(results["events"], "event", lang)
    events = sorted({(str(r["date"]), r["event"], r["source"]) for r in results["events"]})
    operator_labels = _by_lang(results["operators"], "operator", lang)
    parents = {r["operator"]: r.get("parent") for r in results["operators"]}
    funding_labels = _by_lang(results["funding"], "funding", lang)
    funding_sources = defaultdict(set)
    for row in results["funding"]:
        funding_sources[row["funding"]].add(row["source"])
    source_labels = _by_lang(results["sources"], "source", lang)
    roles = {r["source"]: r.get("role") for r in results["sources"]}
    counts = sorted({(linker.label(r["scope"]), str(r["asOf"]) if r.get("asOf") is not None else
                      f"{r.get('start')}/{r.get('end')}", int(r["value"]), r["source"])
                     for r in results["counts"]})
    catalogue = site.catalogue
    return {
        "title": pick_label(list(catalogue.objects(site.dataset, DCTERMS.title)), lang),
        "description": pick_label(list(catalogue.objects(site.dataset, DCTERMS.description)), lang),
        "programmes": [{"href": linker.href(str(p)), "label": label} for p, label in programme_labels.items()],
        "territories": territories,
        "announced": sum(1 for t in territories if any(s["iri"].endswith("/annonce-2018-11-22")
                                                       for s in t["sources"])),
        "events": [{"date": date, "event": linker.value(event) | {"label": event_labels[event]},
                    "source": linker.value(source)} for date, event, source in events],
        "operators": [{"operator": linker.value(o) | {"label": label},
                       "parent": linker.value(parents[o]) if parents.get(o) is not None else None}
                      for o, label in sorted(operator_labels.items(), key=lambda item: item[1])],
        "funding": [{"funding": linker.value(f) | {"label": label},
                     "sources": [linker.value(s) for s in sorted(funding_sources[f], key=str)]}
                    for f, label in funding_labels.items()],
        "sources": [{"source": linker.value(s) | {"label": label},
                     "role": linker.value(roles[s]) if roles.get(s) is not None else None}
                    for s, label in sorted(source_labels.items(), key=lambda item: item[1].lower())],
        "counts": [{"scope": scope, "date": date, "value": value, "source": linker.value(source)}
                   for scope, date, value, source in counts],
    }


def dataset_schema_org(site, *, server: str, lang: str) -> dict:
    """schema.org/Dataset for dataset search engines, from the catalogue."""
    catalogue = site.catalogue
    ds = site.dataset
    data = {
        "@context": "https://schema.org", "@type": "Dataset", "@id": str(ds),
        "name": pick_label(list(catalogue.objects(ds, DCTERMS.title)), lang),
        "description": pick_label(list(catalogue.objects(ds, DCTERMS.description)), lang),
        "url": f"{server}/", "identifier": str(ds), "isAccessibleForFree": True,
        "license": str(catalogue.value(ds, DCTERMS.license) or ""),
        "inLanguage": ["fr", "en"],
        "distribution": [{"@type": "DataDownload", "contentUrl": f"{server}/dist/{d.filename}",
                          "encodingFormat": d.media_type, "name": d.title_fr if lang == "fr" else d.title_en}
                         for d in site.downloads if d.distribution],
    }
    keywords = [str(k) for k in catalogue.objects(ds, DCAT.keyword) if isinstance(k, Literal) and k.language == lang]
    if keywords:
        data["keywords"] = sorted(keywords)
    spatial = [str(o) for o in catalogue.objects(ds, DCTERMS.spatial) if isinstance(o, URIRef)]
    if spatial:
        data["spatialCoverage"] = spatial
    return data
