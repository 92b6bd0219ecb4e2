"""The columns of `SELECT *`, in the order the query names its variables.

SPARQL leaves the order of `SELECT *`'s variables open, and Oxigraph sorts them by name, so
`SELECT * { ?commune rdfs:label ?nom ; ti:population ?pop }` came out as nom, commune, pop: a
spreadsheet or a YASGUI table with its columns shuffled. Jena, Virtuoso and GraphDB follow the
query's order, as people expect. The engine still decides *which* variables are in scope
(subqueries, MINUS, BIND); only their order is taken from the text, and the `*` is replaced by
that list, which selects the same solutions.
"""

from __future__ import annotations

import re

from ._lexer import operation_and_rest

# A cheap test first: most queries name their columns, and need no token scan.
_MAYBE_STAR = re.compile(r"SELECT\s*(?:(?:DISTINCT|REDUCED)\s*)?\*", re.IGNORECASE)


def select_star(text: str) -> tuple[int, list[str]] | None:
    """Where the `*` of a query's own `SELECT *` is (not a subquery's), and the variables named
    after it in order of first appearance, without `?` or `$`; None for any other query."""
    if "*" not in text or _MAYBE_STAR.search(text) is None:
        return None
    keyword, tokens = operation_and_rest(text)
    if keyword != "SELECT":  # another form, or a keyword glued to the next (`SELECTDISTINCT`)
        return None
    kind, value, start = next(tokens, ("end", "", 0))
    if kind == "word" and value.upper() in ("DISTINCT", "REDUCED"):
        kind, value, start = next(tokens, ("end", "", 0))
    if value != "*":
        return None
    names: dict[str, None] = {}
    for kind, value, _ in tokens:
        if kind == "var":
            names.setdefault(value[1:], None)
    return start, list(names)


def with_star_in_order(text: str, star: tuple[int, list[str]], in_scope: list[str]) -> str:
    """`text` with its `*` replaced by the variables `in_scope` (as the engine found them), in the
    order the query names them; `text` itself when that is already the engine's order."""
    offset, named = star
    scope = set(in_scope)
    ordered = [name for name in named if name in scope]
    listed = set(ordered)
    ordered += [name for name in in_scope if name not in listed]  # named only in an odd spelling
    if ordered == in_scope:
        return text
    return f"{text[:offset]} {' '.join('?' + name for name in ordered)} {text[offset + 1:]}"
