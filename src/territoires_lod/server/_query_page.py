"""/query: YASGUI with the example queries as tabs, or a plain form with a results table (when the
assets are not installed, without JavaScript, or when a query is given in the URL). The form's
queries go through the same `answer_sparql` as /sparql: same safety rules, same cache."""

from __future__ import annotations

import asyncio
import urllib.parse

from ._answer import Settings, answer_sparql
from ._cache import ResultCache
from ._engine import Engine
from ._linkeddata import other_language
from ._pages import Linker, render
from ._site import Site

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
MAX_ROWS = 1000


def results_table(body: bytes, media_type: str, *, linker: Linker | None) -> dict:
    """A table of the first MAX_ROWS rows of a SPARQL JSON result (SELECT or ASK) or N-Triples
    (graphs), read lazily: a result of 64 MiB costs the front no more than its first rows."""
    import itertools

    import pyoxigraph as ox

    def cell(term) -> dict:
        if term is None:
            return {"text": ""}
        if isinstance(term, ox.NamedNode):
            return {"text": term.value, "href": linker.href(term.value) if linker else term.value}
        return {"text": term.value}

    if media_type.startswith("application/sparql-results+json"):
        results = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        if isinstance(results, ox.QueryBoolean):
            return {"vars": ["boolean"], "rows": [[{"text": str(bool(results)).lower()}]], "more": False}
        names = [v.value for v in results.variables]
        rows = [[cell(solution[n]) for n in names] for solution in itertools.islice(results, MAX_ROWS + 1)]
    else:
        names = ["s", "p", "o"]
        triples = sorted(itertools.islice(ox.parse(body, ox.RdfFormat.N_TRIPLES), MAX_ROWS + 1), key=str)
        rows = [[cell(t.subject), cell(t.predicate), cell(t.object)] for t in triples]
    return {"vars": names, "rows": rows[:MAX_ROWS], "more": len(rows) > MAX_ROWS}


async def query_page(*, query_text: str | None, lang: str, examples: list[dict], yasgui: bool, engine: Engine,
                     settings: Settings, cache: ResultCache, site: Site | None, endpoint: str) -> bytes:
    linker = Linker(base=site.base if site else "", lang=lang, labels={})
    table = error = None
    if query_text:
        answer = await answer_sparql(
            method="GET", content_type_header=None, query_string=urllib.parse.urlencode({"query": query_text}).encode(),
            body=b"", accept=ACCEPT, if_none_match=None, engine=engine, settings=settings, cache=cache,
            describe=lambda _accept: None, base_iri=endpoint)
        if answer.status == 200:
            table = await asyncio.to_thread(results_table, answer.body, answer.media_type,
                                            linker=linker if site else None)
        else:
            error = answer.body.decode("utf-8", "replace").strip()
    shown = [{"title": ex["title"].get(lang) or ex["title"].get("fr"),
              "description": ex["description"].get(lang) or ex["description"].get("fr"),
              "query": ex["query"], "href": "/query?" + urllib.parse.urlencode(
                  {"query": ex["query"], **({"lang": lang} if lang != "fr" else {})})}
             for ex in examples]
    return await asyncio.to_thread(
        render, "query.html", lang=lang, linker=linker, yasgui=yasgui and not query_text, yasgui_missing=not yasgui,
        examples=shown, examples_json=[{"title": e["title"], "query": e["query"]} for e in shown],
        query_text=query_text or (shown[0]["query"] if shown else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"),
        table=table, error=error, endpoint=endpoint,
        other_language_href=other_language("/query", lang))
