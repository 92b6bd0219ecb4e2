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


def none_match(header: str | None, etag: str) -> str | None:
    """How an If-None-Match header bears on a representation tagged `etag`: MATCH when one of its
    tags is the same (weak comparison), ANY for `*` (true if the representation exists), None
    when it is absent or names other tags."""
    if not header:
        return None
    if header.strip() == "*":
        return ANY
    opaque = etag.removeprefix("W/")
    position, end = 0, len(header)
    while position < end:
        found = _TAG.match(header, position)
        if found is None:
            return None  # a malformed list: as if absent (the answer is sent whole)
        if found.group(1) == opaque:
            return MATCH
        position = found.end()
    return None


def if_match_fails(header: str | None, etag: str | None = None) -> bool:
    """Whether an If-Match header fails for a representation that exists, tagged `etag` (None:
    untagged). It compares tags strongly: `*` holds, a strong tag holds when listed, and a weak
    tag (ours) never does. A malformed list fails (no tag of it can be read to match)."""
    if header is None or header.strip() == "*":
        return False
    if etag is None or etag.startswith("W/"):
        return True
    position, end = 0, len(header)
    while position < end:
        found = _TAG.match(header, position)
        if found is None:
            return True
        if not found.group(0).lstrip().startswith("W/") and found.group(1) == etag:
            return False
        position = found.end()
    return True


def not_modified_status(method: str) -> int:
    """What a request whose If-None-Match matched gets: 304 for GET and HEAD, 412 otherwise."""
    return 304 if method in ("GET", "HEAD") else 412
