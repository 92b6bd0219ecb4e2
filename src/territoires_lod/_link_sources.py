"""What Wikidata's and INSEE's SPARQL services say about our places and organisations.

Each function sends one query for a whole kind of entity (VALUES or IN over the codes) and
returns plain data; `_link` decides what the answers mean.
"""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Iterable

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
INSEE_SPARQL = "http://rdf.insee.fr/sparql"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
# Wikidata's policy asks for an agent naming the tool.
USER_AGENT = "territoires-lod (reconciliation command; https://w3id.org/territoires-industrie/)"

# INSEE's classes for our kinds of place.
INSEE_CLASSES = {"region": "Region", "departement": "Departement", "commune": "Commune",
                 "intercommunalite": "Intercommunalite"}


class ServiceError(Exception):
    """A service did not answer usably; names the option that sets its URL."""

    def __init__(self, option: str, endpoint: str, reason: str) -> None:
        super().__init__(f"{option} {endpoint}: {reason}")


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid SPARQL string literal


def _select(endpoint: str, query: str, *, option: str, timeout: float) -> list[dict[str, str]]:
    from SPARQLWrapper import (  # here: the other commands do not need it
        JSON,
        POST,
        SPARQLWrapper,
    )
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint, agent=USER_AGENT)
    client.setMethod(POST)  # the VALUES lists can outgrow a URL
    client.setReturnFormat(JSON)
    client.setTimeout(int(timeout))
    client.setQuery(query)
    try:
        result = client.queryAndConvert()
    except urllib.error.HTTPError as exc:
        raise ServiceError(option, endpoint, f"HTTP {exc.code} {exc.reason}") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
        raise ServiceError(option, endpoint, f"no answer ({getattr(exc, 'reason', exc)})") from None
    except SPARQLWrapperException as exc:
        raise ServiceError(option, endpoint, str(exc).splitlines()[0]) from None
    except ValueError as exc:  # not JSON
        raise ServiceError(option, endpoint, f"not a SPARQL JSON result ({exc})") from None
    if not isinstance(result, dict) or "results" not in result:
        raise ServiceError(option, endpoint, "not a SPARQL JSON SELECT result")
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


def wikidata_by_property(endpoint: str, *, prop: str, codes: Iterable[str], timeout: float = 60
                         ) -> dict[str, list[tuple[str, str]]]:
    """Items whose `prop` (P374, P2586, P2585, P1616) has one of `codes`: code → [(QID, French label)]."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    query = f"""PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?code ?item ?label WHERE {{
  VALUES ?code {{ {" ".join(_literal(c) for c in codes)} }}
  ?item wdt:{prop} ?code .
  OPTIONAL {{ ?item rdfs:label ?label FILTER(LANG(?label) = "fr") }}
}}"""
    return _items(_select(endpoint, query, option="--wikidata", timeout=timeout), key="code")


def wikidata_by_label(endpoint: str, *, labels: Iterable[str], timeout: float = 60
                      ) -> dict[str, list[tuple[str, str]]]:
    """French-labelled items of France (P17 = Q142) with one of `labels`: label → [(QID, label)]."""
    labels = sorted(set(labels))
    if not labels:
        return {}
    query = f"""PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?name ?item ?label WHERE {{
  VALUES ?label {{ {" ".join(_literal(x) + "@fr" for x in labels)} }}
  ?item rdfs:label ?label ; wdt:P17 wd:Q142 .
  BIND(STR(?label) AS ?name)
}}"""
    return _items(_select(endpoint, query, option="--wikidata", timeout=timeout), key="name")


def _items(rows: list[dict[str, str]], *, key: str) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        item = row["item"]
        if not item.startswith(WIKIDATA_ENTITY + "Q"):
            continue  # lexemes, properties: not items
        found.setdefault(row[key], set()).add((item[len(WIKIDATA_ENTITY):], row.get("label", "")))
    return {k: sorted(v, key=lambda qv: (int(qv[0][1:]), qv[1])) for k, v in found.items()}


def insee_names(endpoint: str, *, kind: str, codes: Iterable[str], timeout: float = 60) -> dict[str, set[str]]:
    """Names INSEE gives the places of `kind` with these codes (SIREN for intercommunalités): code → names."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    # STR(): INSEE types some codes (xsd:token) and not others.
    query = f"""PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT ?code ?nom WHERE {{
  ?place a igeo:{INSEE_CLASSES[kind]} ; igeo:codeINSEE ?c ; igeo:nom ?nom .
  BIND(STR(?c) AS ?code)
  FILTER(?code IN ({", ".join(_literal(c) for c in codes)}))
}}"""
    names: dict[str, set[str]] = {}
    for row in _select(endpoint, query, option="--insee", timeout=timeout):
        names.setdefault(row["code"], set()).add(row["nom"])
    return names
