"""Before and after the engine (_answer.py): validators and cache keys, and the format an answer
may be written in, whatever kind of result the engine gives."""

from __future__ import annotations

from territoires_lod.server._answer import Answer, PendingQuery, Settings, begin_query, finish_query
from territoires_lod.server._cache import ResultCache
from territoires_lod.server._engine import QueryResult
from territoires_lod.server._lexer import Analysis
from territoires_lod.server._media import format_by_key
from territoires_lod.server._protocol import SparqlRequest

# A form the lexer could not tell (the engine will): the answer may be of either kind.
UNKNOWN = Analysis(form=None, is_update=False, update_keyword=None, uses_service=False, has_from=False)
CONSTRUCT = Analysis(form="CONSTRUCT", is_update=False, update_keyword=None, uses_service=False, has_from=False)


def _begin(analysis: Analysis, accept: str, cache: ResultCache) -> Answer | PendingQuery:
    request = SparqlRequest(query="a query", default_graphs=(), named_graphs=(), format_param=None,
                            analysis=analysis)
    return begin_query(request, accept=accept, if_none_match=None, version="v1", settings=Settings(), cache=cache)


def test_when_the_form_is_unknown_each_graph_format_has_its_own_etag_and_cache_entry():
    cache = ResultCache(max_bytes=1 << 20, max_entry_bytes=1 << 16)
    turtle = _begin(UNKNOWN, "text/turtle", cache)
    ntriples = _begin(UNKNOWN, "application/n-triples", cache)
    assert isinstance(turtle, PendingQuery) and isinstance(ntriples, PendingQuery)
    assert turtle.etag != ntriples.etag
    answer = finish_query(turtle, QueryResult(b"<a> <b> <c> .\n", format_by_key("turtle"), 1.0), cache=cache,
                          seconds=1.0)
    assert answer.status == 200 and answer.media_type.startswith("text/turtle")
    again = _begin(UNKNOWN, "application/n-triples", cache)  # not the Turtle just cached
    assert isinstance(again, PendingQuery)
    assert isinstance(_begin(UNKNOWN, "text/turtle", cache), Answer)  # that one is


def test_an_answer_in_a_format_the_client_refused_is_a_406_and_is_not_cached():
    cache = ResultCache(max_bytes=1 << 20, max_entry_bytes=1 << 16)
    pending = _begin(UNKNOWN, "text/csv", cache)  # fine for a SELECT; the engine answers a graph
    assert isinstance(pending, PendingQuery)
    answer = finish_query(pending, QueryResult(b"<a> <b> <c> .\n", format_by_key("turtle"), 1.0), cache=cache,
                          seconds=1.0)
    assert answer.status == 406 and b"text/csv" in answer.body
    assert isinstance(_begin(UNKNOWN, "text/csv", cache), PendingQuery)


def test_an_answer_of_the_expected_kind_is_not_negotiated_again():
    cache = ResultCache(max_bytes=1 << 20, max_entry_bytes=1 << 16)
    pending = _begin(CONSTRUCT, "text/turtle", cache)
    answer = finish_query(pending, QueryResult(b"<a> <b> <c> .\n", format_by_key("turtle"), 1.0), cache=cache,
                          seconds=1.0)
    assert answer.status == 200
