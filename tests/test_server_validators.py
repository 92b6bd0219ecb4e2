"""Entity tags and If-None-Match (_validators.py): weak tags, weak comparison, `*`."""

from __future__ import annotations

import pytest

from territoires_lod.server._validators import (ANY, MATCH, if_match_fails, if_match_refuses, none_match,
                                                not_modified_status, weak_etag)

TAG = weak_etag("abc123")


def test_tags_are_weak():
    assert TAG == 'W/"abc123"'


@pytest.mark.parametrize(("header", "outcome"), [
    (None, None),
    ("", None),
    ("*", ANY),
    (" * ", ANY),
    ('W/"abc123"', MATCH),
    ('"abc123"', MATCH),  # weak comparison: the strong form of the same tag matches
    ('"other", W/"abc123"', MATCH),
    ('W/"other" ,"abc123" ', MATCH),
    ('"other"', None),
    ('"abc1234"', None),
    ('"abc12"', None),
    ('w/"abc123"', None),  # W/ is case-sensitive: a malformed list is as if absent
    ("abc123", None),
    ('"abc123', None),
])
def test_if_none_match(header, outcome):
    assert none_match(header, TAG) == outcome


@pytest.mark.parametrize(("method", "status"), [("GET", 304), ("HEAD", 304), ("POST", 412)])
def test_a_matched_condition_is_304_for_reads_412_otherwise(method, status):
    assert not_modified_status(method) == status


@pytest.mark.parametrize(("header", "fails"), [
    (None, False),
    ("", False),  # empty: as if absent
    ("*", False),
    (" * ", False),
    ('"x"', True),
    ('W/"x"', True),  # a weak tag never matches strongly
    ('"a", "b"', True),
])
def test_if_match_holds_only_as_any_on_weak_tags(header, fails):
    assert if_match_fails(header) is fails
    assert if_match_fails(header, 'W/"x"') is fails


@pytest.mark.parametrize(("header", "fails"), [
    ('"x"', False),
    (' "a" , "x" ', False),
    ('W/"x"', True),  # strong comparison: a weak tag in the header never matches
    ('"y"', True),
    ('"x', True),  # malformed: no tag to match
    ("*", False),
])
def test_if_match_compares_strong_tags(header, fails):
    assert if_match_fails(header, '"x"') is fails


@pytest.mark.parametrize(("status", "refused"), [(200, True), (206, True), (304, True), (404, False), (503, False)])
def test_if_match_is_evaluated_on_successes_only(status, refused):
    assert if_match_refuses('"x"', status=status, etag='W/"x"') is refused
