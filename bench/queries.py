"""The benchmark's query mix: four templates, their parameters drawn from the data, and a slow query.

Kinds:
    point      point lookup of a commune by INSEE code -> label, département and its label
    aggregate  communes counted and population summed per département (GROUP BY, ORDER BY)
    join       members (label, population) of one intercommunalité, found by SIREN
    label      communes whose label contains a substring (CONTAINS or REGEX), LIMIT 50

Each kind has one fixed "repeated" instance and a generator of distinct variants whose parameters are
drawn with a fixed seed from the data file being served, so every variant has an answer there.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

KINDS = ("point", "aggregate", "join", "label")
CHEAP_KINDS = ("point", "join")  # index lookups; the others scan every commune

_BASE = "https://w3id.org/territoires-industrie/id/"
_TI = "https://w3id.org/territoires-industrie/def#"
_IGEO = "http://rdf.insee.fr/def/geo#"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

PREFIXES = ("PREFIX igeo: <http://rdf.insee.fr/def/geo#>\n"
            "PREFIX ti: <https://w3id.org/territoires-industrie/def#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")

TEMPLATES = {
    "point": """SELECT ?commune ?label ?departement ?departementLabel WHERE {{
  ?commune igeo:codeINSEE "{code}" ; a igeo:Commune ; rdfs:label ?label ; ti:inDepartement ?departement .
  ?departement rdfs:label ?departementLabel .
}}""",
    "aggregate": """SELECT ?departement (COUNT(?commune) AS ?communes) (SUM(?p) AS ?population) WHERE {{
  ?commune a igeo:Commune ; ti:inDepartement ?departement .
  OPTIONAL {{ ?commune ti:population ?pop }}
  BIND(COALESCE(?pop, 0) AS ?p)
  FILTER(?p >= {min_population})
}} GROUP BY ?departement ORDER BY DESC(?population) ?departement LIMIT {limit}""",
    "join": """SELECT ?member ?label ?population WHERE {{
  ?epci ti:siren "{siren}" ; a igeo:Intercommunalite .
  ?member ti:memberOf ?epci ; rdfs:label ?label .
  OPTIONAL {{ ?member ti:population ?population }}
}} ORDER BY ?label""",
    "label": """SELECT ?commune ?label WHERE {{
  ?commune a igeo:Commune ; rdfs:label ?label .
  FILTER({test})
}} LIMIT 50""",
}

# Present in the dataset and in every COG file (Narbonne and CA Le Grand Narbonne).
REPEATED = {
    "point": {"code": "11262"},
    "aggregate": {"min_population": 0, "limit": 1000},
    "join": {"siren": "241100593"},
    "label": {"test": 'CONTAINS(LCASE(STR(?label)), "narbonne")'},
}

SLOW_QUERY = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a a igeo:Commune . ?b a igeo:Commune .
  FILTER(STR(?a) < STR(?b))
}"""

_NEEDLE = re.compile(r"^[a-zà-ÿ' -]+$")


def render(kind: str, params: dict) -> str:
    return PREFIXES + TEMPLATES[kind].format(**params)


def slow_query() -> str:
    return PREFIXES + SLOW_QUERY


def repeated(kind: str) -> str:
    return render(kind, REPEATED[kind])


# ---------------------------------------------------------------- parameters from the data

@dataclass
class Facts:
    """What the variants draw from, read from one data file."""

    commune_codes: list[str]
    commune_labels: list[str]
    populations: list[int]
    member_epci_sirens: list[str]


def read_facts(path: Path) -> Facts:
    fmt = ox.RdfFormat.N_QUADS if path.suffix == ".nq" else ox.RdfFormat.N_TRIPLES
    codes, labels, populations, sirens, parents = set(), set(), {}, {}, set()
    commune_prefix, epci_prefix = _BASE + "commune/", _BASE + "intercommunalite/"
    for q in ox.parse(path=str(path), format=fmt):
        s, p, o = q.subject.value, q.predicate.value, q.object
        if s.startswith(commune_prefix):
            if p == _IGEO + "codeINSEE":
                codes.add(o.value)
            elif p == _RDFS_LABEL:
                labels.add(o.value)
            elif p == _TI + "population":
                populations[s] = int(o.value)
            elif p == _TI + "memberOf":
                parents.add(o.value)
        elif s.startswith(epci_prefix) and p == _TI + "siren":
            sirens[s] = o.value
    return Facts(commune_codes=sorted(codes), commune_labels=sorted(labels),
                 populations=sorted(populations.values()),
                 member_epci_sirens=sorted(sirens[e] for e in parents if e in sirens))


# ---------------------------------------------------------------- variants

def _needle(rng: random.Random, labels: list[str]) -> str:
    """A 4-6 character lower-case piece of a real label, made of letters, spaces, ' and - only."""
    for _ in range(1000):
        name = rng.choice(labels).lower()
        size = min(len(name), rng.randint(4, 6))
        start = rng.randint(0, len(name) - size)
        piece = name[start:start + size]
        if _NEEDLE.match(piece) and piece.strip():
            return piece
    return "an"


def _params(kind: str, i: int, rng: random.Random, facts: Facts) -> dict:
    if kind == "point":
        return {"code": rng.choice(facts.commune_codes)}
    if kind == "aggregate":
        # thresholds from the lower half of populations, so each variant still scans most communes
        lower = facts.populations[: max(1, len(facts.populations) // 2)] or [0]
        return {"min_population": rng.choice(lower), "limit": rng.randint(20, 1000)}
    if kind == "join":
        return {"siren": rng.choice(facts.member_epci_sirens)}
    needle = _needle(rng, facts.commune_labels)
    if i % 2:
        return {"test": f'REGEX(STR(?label), "{needle}", "i")'}
    return {"test": f'CONTAINS(LCASE(STR(?label)), "{needle}")'}


def variants(kind: str, facts: Facts, n: int, seed: int = 20181122) -> list[str]:
    """n variants of one kind (deterministic for a given data file, n and seed)."""
    rng = random.Random(f"{seed}:{kind}")
    return [render(kind, _params(kind, i, rng, facts)) for i in range(n)]


def mixed(facts: Facts, n: int, kinds=KINDS, seed: int = 20181122) -> list[str]:
    """Variants of several kinds, interleaved round-robin."""
    per_kind = [variants(k, facts, n, seed) for k in kinds]
    return [q for group in zip(*per_kind) for q in group]


# ---------------------------------------------------------------- files of request paths for wrk

def encode(query: str) -> str:
    """The query string of a SPARQL GET request (the endpoint path is prepended by the load generator)."""
    return "?query=" + quote(query, safe="")


def write_paths(path: Path, queries: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(encode(q) + "\n" for q in queries), encoding="ascii")
    return path
