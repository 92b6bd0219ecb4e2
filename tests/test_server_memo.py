"""The response memo (server/_memo.py): bounded, least recently used out; header lines that
cannot be split. How the HTTP protocol uses it is tested in test_server_http.py."""

from __future__ import annotations

import pytest

from territoires_lod.server._memo import SCOPE_KEY, ResponseMemo, encode_headers, remember


def _key(n: int) -> tuple:
    return (b"GET", b"/sparql?query=%d" % n, (b"host", b"h"))


def test_memo_returns_what_it_was_given():
    memo = ResponseMemo(max_bytes=1 << 20)
    memo.put(_key(1), status_line=b"HTTP/1.1 200 OK\r\n", head=b"a: b\r\n\r\n", body=b"body")
    assert memo.get(_key(1))[:3] == (b"HTTP/1.1 200 OK\r\n", b"a: b\r\n\r\n", b"body")
    assert memo.get(_key(2)) is None
    assert memo.hits == 1


def test_memo_is_bounded_in_bytes_and_entries_least_recently_used_out():
    memo = ResponseMemo(max_bytes=8000, max_entries=3)
    for n in range(3):
        memo.put(_key(n), status_line=b"", head=b"", body=b"x" * 100)
    memo.get(_key(0))  # now the most recently used
    memo.put(_key(3), status_line=b"", head=b"", body=b"x" * 100)
    assert len(memo) == 3 and memo.get(_key(1)) is None and memo.get(_key(0)) is not None
    memo.put(_key(4), status_line=b"", head=b"", body=b"x" * 999)  # too big: over an eighth of the budget
    assert memo.get(_key(4)) is None
    for n in range(10, 30):
        memo.put(_key(n), status_line=b"", head=b"", body=b"x" * 900)
    assert memo.size <= 8000


def test_memo_forgets_everything_when_told_the_data_changed():
    memo = ResponseMemo(max_bytes=1 << 20)
    memo.put(_key(1), status_line=b"HTTP/1.1 200 OK\r\n", head=b"\r\n", body=b"old")
    memo.forget()  # a backend published again
    assert memo.get(_key(1)) is None and len(memo) == 0


def test_memo_follows_a_version_and_forgets_when_it_changes():
    memo = ResponseMemo(max_bytes=1 << 20)
    memo.follow("v1")
    memo.put(_key(1), status_line=b"HTTP/1.1 200 OK\r\n", head=b"\r\n", body=b"old")
    memo.follow("v1")
    assert memo.get(_key(1)) is not None
    memo.follow("v2")
    assert memo.get(_key(1)) is None and memo.generation == 1


def test_an_answer_begun_before_the_data_changed_is_not_learnt():
    memo = ResponseMemo(max_bytes=1 << 20)
    scope = {SCOPE_KEY: (memo, _key(1), memo.generation)}
    memo.forget()  # while that request was being answered
    remember(scope, status=200, headers=[(b"a", b"b")], body=b"old")
    assert memo.get(_key(1)) is None
    scope = {SCOPE_KEY: (memo, _key(1), memo.generation)}
    remember(scope, status=200, headers=[(b"a", b"b")], body=b"new")
    assert memo.get(_key(1))[2] == b"new"


def test_header_lines_cannot_be_split():
    assert encode_headers([(b"a", b"b"), (b"c", b"d")]) == b"a: b\r\nc: d\r\n"
    for bad in (b"x\r\nset-cookie: y", b"x\ny", b"x\0"):
        with pytest.raises(RuntimeError):
            encode_headers([(b"a", bad)])
