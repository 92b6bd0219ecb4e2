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


def test_an_answer_of_a_kind_the_lexer_did_not_tell_is_neither_cached_nor_validated():
    # Its ETag and cache key would name the format of the other kind: a client that accepts only
    # Turtle would be served the JSON another client accepted.
    cache = ResultCache(max_bytes=1 << 20, max_entry_bytes=1 << 16)
    for analysis in (UNKNOWN, CONSTRUCT):
        pending = _begin(analysis, "*/*", cache)
        answer = finish_query(pending, QueryResult(b'{"head":{"vars":[]},"results":{"bindings":[]}}',
                                                   format_by_key("json"), 1.0), cache=cache, seconds=1.0)
        assert answer.status == 200 and answer.media_type == "application/sparql-results+json"
        assert "ETag" not in answer.headers and answer.headers["Cache-Control"] == "no-store"
        assert isinstance(_begin(analysis, "*/*", cache), PendingQuery)  # not from the cache
        turtle_only = _begin(analysis, "text/turtle", cache)
        assert isinstance(turtle_only, PendingQuery)
        refused = finish_query(turtle_only, QueryResult(b"{}", format_by_key("json"), 1.0), cache=cache,
                               seconds=1.0)
        assert refused.status == 406


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
