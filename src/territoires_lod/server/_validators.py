"""Entity tags, If-None-Match and If-Match (RFC 9110 §8.8.3, §13.1.1, §13.1.2) for /sparql answers,
dereferenced IRIs and downloads.

The tags are weak (`W/"…"`): the same answer goes out gzipped or not, and a content coding makes
another representation, which a strong tag would have to tell apart; If-None-Match compares tags
weakly anyway. `*` matches only a representation that exists: a query that fails, or an IRI
that names nothing, gets its error, not a 304.
"""

from __future__ import annotations

import re

ANY, MATCH = "any", "match"
_TAG = re.compile(r'\s*(?:W/)?("[^"]*")\s*(?:,|$)')


def weak_etag(digest: str) -> str:
    return f'W/"{digest}"'


def _tags(header: str):
    """(weak, opaque tag) for each entity tag of a list header; stops at anything malformed
    (yielding None last), since nothing after it can be read reliably."""
    position, end = 0, len(header)
    while position < end:
        found = _TAG.match(header, position)
        if found is None:
            yield None
            return
        yield found.group(0).lstrip().startswith("W/"), found.group(1)
        position = found.end()


def none_match(header: str | None, etag: str) -> str | None:
    """How an If-None-Match header bears on a representation tagged `etag`: MATCH when one of its
    tags is the same (weak comparison), ANY for `*` (true if the representation exists), None
    when it is absent or names other tags (a malformed list: as if absent, the answer goes whole)."""
    if not header:
        return None
    if header.strip() == "*":
        return ANY
    opaque = etag.removeprefix("W/")
    for tag in _tags(header):
        if tag is not None and tag[1] == opaque:
            return MATCH
    return None


def if_match_fails(header: str | None, etag: str | None = None) -> bool:
    """Whether an If-Match header fails for a representation that exists, tagged `etag` (None:
    untagged). It compares tags strongly: `*` holds, a strong tag holds when listed, and a weak
    tag (all of ours) never does. An empty header is taken as absent; a malformed list fails."""
    if header is None or header.strip() in ("", "*"):
        return False
    if etag is None or etag.startswith("W/"):
        return True
    return not any(tag is not None and not tag[0] and tag[1] == etag for tag in _tags(header))


def if_match_refuses(header: str | None, *, status: int, etag: str | None) -> bool:
    """Whether an answer of `status` becomes a 412 under an If-Match header: only a success or
    a 304 is evaluated (a request that fails anyway keeps its own error)."""
    return (200 <= status < 300 or status == 304) and if_match_fails(header, etag)


def not_modified_status(method: str) -> int:
    """What a request whose If-None-Match matched gets: 304 for GET and HEAD, 412 otherwise."""
    return 304 if method in ("GET", "HEAD") else 412
