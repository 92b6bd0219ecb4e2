"""HTML pages: the Jinja environment, the two languages, and how terms are shown.

French first, English available (`?lang=en`, or an Accept-Language that prefers English).
Pages load nothing from other hosts: one local stylesheet, and scripts only on /query.
"""

from __future__ import annotations

import json
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from rdflib import Literal, URIRef

from .._namespaces import PREFIXES

LANGUAGES = ("fr", "en")
PREFIX_OF = sorted(((str(ns), prefix) for prefix, ns in PREFIXES.items()), key=lambda p: -len(p[0]))

TEXTS = {
    "fr": {
        "site": "Territoires d’industrie — données liées", "home": "Accueil", "downloads": "Téléchargements",
        "query": "Requêter (SPARQL)", "ontology": "Ontologie", "shapes": "Formes SHACL", "dataset": "Jeu de données",
        "skip": "Aller au contenu", "other_language": "English", "other_lang_code": "en",
        "licence": "Données sous Licence Ouverte 2.0 (Etalab).", "formats": "Autres formats",
        "type": "Type", "facts": "Ce que disent les sources", "property": "Propriété", "value": "Valeur",
        "sources": "Source(s)", "identifiers": "Identifiants externes", "status": "Statut de vérification",
        "inbound": "Ce qui pointe vers cette ressource", "more": "et {n} autres", "iri": "IRI",
        "graph_of": "Graphe nommé : les énoncés de la source « {source} »",
        "graph_statements": "Lire ses énoncés (requête SPARQL)",
        "subresources": "Sous-ressources", "not_found": "Ressource introuvable",
        "not_found_text": "Aucune ressource de ce jeu de données n’a l’IRI", "try": "Essayez",
        "file": "Fichier", "format": "Format", "size": "Taille (octets)", "sha256": "SHA-256", "licence_col": "Licence",
        "territories": "Les territoires d’industrie d’Occitanie", "territory": "Territoire", "places": "Lieux nommés",
        "listed_by": "Listé par", "timeline": "Chronologie", "date": "Date", "event": "Événement",
        "operators": "Opérateurs", "funding": "Financement", "sources_title": "Sources",
        "differ": "Où les sources divergent", "count": "Nombre", "scope": "Périmètre", "as_of": "À la date",
        "source": "Source", "role": "Rôle", "run": "Exécuter", "results": "Résultats", "examples": "Exemples",
        "query_label": "Requête SPARQL", "endpoint": "Point d’accès SPARQL", "rows": "{n} ligne(s)",
        "rows_more": "Les {n} premières lignes ; le résultat complet est au point d’accès SPARQL.",
        "fallback": "L’interface YASGUI n’est pas installée ; ce formulaire interroge le même point d’accès.",
        "error": "Erreur", "shapes_intro": "Les contraintes que les données doivent respecter avant publication.",
        "message": "Message", "target": "Cible",
    },
    "en": {
        "site": "Territoires d’industrie — linked data", "home": "Home", "downloads": "Downloads",
        "query": "Query (SPARQL)", "ontology": "Ontology", "shapes": "SHACL shapes", "dataset": "Dataset",
        "skip": "Skip to content", "other_language": "Français", "other_lang_code": "fr",
        "licence": "Data under the Licence Ouverte 2.0 (Etalab).", "formats": "Other formats",
        "type": "Type", "facts": "What the sources say", "property": "Property", "value": "Value",
        "sources": "Source(s)", "identifiers": "External identifiers", "status": "Verification status",
        "inbound": "What points to this resource", "more": "and {n} more", "iri": "IRI",
        "graph_of": "Named graph: the statements of the source “{source}”",
        "graph_statements": "Read its statements (SPARQL query)",
        "subresources": "Sub-resources", "not_found": "Resource not found",
        "not_found_text": "No resource of this dataset has the IRI", "try": "Try",
        "file": "File", "format": "Format", "size": "Size (bytes)", "sha256": "SHA-256", "licence_col": "Licence",
        "territories": "The Territoires d’industrie of Occitanie", "territory": "Territory", "places": "Places named",
        "listed_by": "Listed by", "timeline": "Timeline", "date": "Date", "event": "Event",
        "operators": "Operators", "funding": "Funding", "sources_title": "Sources",
        "differ": "Where the sources differ", "count": "Count", "scope": "Scope", "as_of": "As of",
        "source": "Source", "role": "Role", "run": "Run", "results": "Results", "examples": "Examples",
        "query_label": "SPARQL query", "endpoint": "SPARQL endpoint", "rows": "{n} row(s)",
        "rows_more": "The first {n} rows; the whole result is at the SPARQL endpoint.",
        "fallback": "The YASGUI interface is not installed; this form queries the same endpoint.",
        "error": "Error", "shapes_intro": "The constraints the data must meet before it is published.",
        "message": "Message", "target": "Target",
    },
}


# Labels of the other vocabularies' terms the pages show most (our own come from the ontology).
COMMON_LABELS = {
    "http://www.w3.org/2000/01/rdf-schema#label": ("libellé", "label"),
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": ("type", "type"),
    "http://purl.org/dc/terms/source": ("source", "source"),
    "http://purl.org/dc/terms/title": ("titre", "title"),
    "http://purl.org/dc/terms/language": ("langue", "language"),
    "http://www.w3.org/2002/07/owl#sameAs": ("même ressource que", "same as"),
    "http://www.w3.org/2004/02/skos/core#exactMatch": ("correspondance exacte", "exact match"),
    "http://www.w3.org/2004/02/skos/core#prefLabel": ("libellé préféré", "preferred label"),
    "http://www.w3.org/2004/02/skos/core#altLabel": ("autre libellé", "alternative label"),
    "http://www.w3.org/2004/02/skos/core#note": ("note", "note"),
    "http://www.w3.org/2004/02/skos/core#inScheme": ("dans le schéma", "in scheme"),
    "http://www.w3.org/ns/oa#hasBody": ("annotation ayant pour corps", "annotation with body"),
    "http://www.w3.org/ns/oa#hasTarget": ("cible", "target"),
    "http://www.w3.org/ns/oa#hasSource": ("document source", "source document"),
    "http://www.w3.org/ns/oa#hasSelector": ("sélecteur", "selector"),
    "http://www.w3.org/ns/oa#exact": ("citation exacte", "exact quote"),
    "http://www.w3.org/ns/oa#motivatedBy": ("motivation", "motivation"),
    "https://schema.org/startDate": ("date de début", "start date"),
    "https://schema.org/endDate": ("date de fin", "end date"),
    "https://schema.org/about": ("à propos de", "about"),
    "https://schema.org/organizer": ("organisateur", "organizer"),
    "https://schema.org/amount": ("montant", "amount"),
    "https://schema.org/minValue": ("valeur minimale", "minimum value"),
    "https://schema.org/currency": ("devise", "currency"),
    "https://schema.org/fundedItem": ("objet financé", "funded item"),
    "http://xmlns.com/foaf/0.1/homepage": ("page d’accueil", "home page"),
    "http://www.w3.org/ns/org#subOrganizationOf": ("rattaché à", "part of"),
    "http://rdf.insee.fr/def/geo#codeINSEE": ("code INSEE", "INSEE code"),
    "http://rdf.insee.fr/def/geo#nom": ("nom", "name"),
    "http://rdf.insee.fr/def/geo#subdivisionDe": ("subdivision de", "subdivision of"),
    "http://spdx.org/rdf/terms#checksum": ("somme de contrôle", "checksum"),
}


def choose_language(lang_param: str | None, accept_language: str | None) -> str:
    """`lang` when given and known; else English only if Accept-Language ranks it above French."""
    if lang_param in LANGUAGES:
        return lang_param
    best, best_q = "fr", -1.0
    for item in (accept_language or "").split(","):
        parts = item.strip().split(";")
        tag = parts[0].strip().lower().split("-")[0]
        q = 1.0
        for param in parts[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag in LANGUAGES and q > 0 and q > best_q:
            best, best_q = tag, q
    return best


def curie(iri: str) -> str:
    for namespace, prefix in PREFIX_OF:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def pick_label(values: list[Literal], lang: str) -> str | None:
    """The label in `lang`, else in French, else without language, else any."""
    for wanted in (lang, "fr", None):
        for value in values:
            if value.language == wanted:
                return str(value)
    return str(values[0]) if values else None


def local_path(iri: str, base: str) -> str | None:
    """The path this server answers `iri` at, for IRIs under the base."""
    return "/" + iri[len(base):] if iri.startswith(base) else None


class Linker:
    """Turns IRIs into links and labels for one page: local paths for our IRIs, the language kept."""

    def __init__(self, *, base: str, lang: str, labels: dict[str, list[Literal]]) -> None:
        self.base, self.lang, self.labels = base, lang, labels

    def href(self, iri: str) -> str:
        path = local_path(iri, self.base)
        if path is None:
            return iri
        return self.with_lang(path)

    def with_lang(self, path: str) -> str:
        if self.lang == "fr":
            return path
        fragment = ""
        if "#" in path:
            path, fragment = path.split("#", 1)
            fragment = "#" + fragment
        return f"{path}{'&' if '?' in path else '?'}lang={self.lang}{fragment}"

    def label(self, term) -> str:
        if isinstance(term, URIRef):
            found = pick_label(self.labels.get(str(term), []), self.lang)
            if found is None and str(term) in COMMON_LABELS:
                found = COMMON_LABELS[str(term)][LANGUAGES.index(self.lang)]
            return found if found is not None else curie(str(term))
        return str(term)

    def value(self, term) -> dict:
        """What a template needs to show one term."""
        if isinstance(term, URIRef):
            return {"iri": str(term), "href": self.href(str(term)), "label": self.label(term),
                    "external": local_path(str(term), self.base) is None}
        if isinstance(term, Literal):
            datatype = curie(str(term.datatype)) if term.datatype is not None else None
            return {"text": str(term), "lang": term.language, "datatype": datatype}
        return {"text": str(term)}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("territoires_lod.server", "templates"),
                      autoescape=select_autoescape(["html", "xml"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["jsonld"] = lambda data: Markup(json.dumps(data, ensure_ascii=False, indent=1)
                                                .replace("</", "<\\/"))
    return env


def render(template: str, *, lang: str, **context) -> bytes:
    return environment().get_template(template).render(lang=lang, t=TEXTS[lang], **context).encode("utf-8")
