"""Lexical analysis of a SPARQL request: its query form, whether it is an update, whether it
calls SERVICE. It reads tokens, not grammar, so it costs microseconds and needs no rdflib;
pyoxigraph parses the query for real later and reports syntax errors with their position.

The SERVICE check is a guard, so it must never miss a SERVICE that pyoxigraph would execute.
Three facts about pyoxigraph 0.5 shape it (each has a test in tests/test_server_lexer.py):

* pyoxigraph 0.5 decodes `\\uXXXX` escapes only inside strings and IRIs, while SPARQL 1.1
  §19.2 (and Oxigraph up to 0.4) decodes them over the whole text first. A query can be built
  so that one reading hides a SERVICE that the other sees (`"a\\u0022" SERVICE … "b"`), so the
  text is read both ways and SERVICE in either reading counts.
* Its keywords need no word boundary: `trueSERVICE<x>{}`, `1SERVICE<x>{}`, `SERVICE:a{}` and
  `SERVICEex:a{}` all call a service. So a bare word *containing* SERVICE counts, and so does a
  prefixed name whose prefix contains it when a `{` follows (except the name after GRAPH).
* Which `<` starts an IRI and which is "less than" depends on the grammar. `FILTER(1<2)SERVICE#>`
  lexes as one IRIREF, yet pyoxigraph reads `<` as less-than, `)` closing the filter and `#>` as
  a comment. Such an IRI (a `)`, then SERVICE, then `#`) counts too; real IRIs of that shape
  are rare enough that refusing them is the right trade.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
_PROLOGUE_WORDS = frozenset({"BASE", "PREFIX", "VERSION"})  # VERSION: SPARQL 1.2, which pyoxigraph 0.5 reads

# PN_CHARS_BASE (SPARQL 1.1 §19.8) beyond `\w`, which misses its symbols: `a℀:` (U+2100) is a
# prefix, not a word `a` and some punctuation. (Not the astral planes: pyoxigraph's grammar has none.)
_BASE = ("\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F"
         "\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD")
# Characters of names after the first (PN_CHARS, plus `.` `:` `%` of prefixed names). `\w`
# is wider than PN_CHARS: a wider name only glues together text pyoxigraph rejects anyway.
_NAME_CHARS = rf"\w{_BASE}\-.:%\u00B7\u0300-\u036F\u203F\u2040"
_NAME_CHARS_NO_DOT = rf"\w{_BASE}\-:%\u00B7\u0300-\u036F\u203F\u2040"

_TOKEN = re.compile(
    r"""
    # Whitespace and comments before the token, possessive so that a long run cannot backtrack.
    (?:\s|\#[^\r\n]*)*+
    (?:
    # Long strings need their closing quotes: pyoxigraph falls back to `''` followed by a short
    # string when they are missing, and so must we or `VALUES ?x {'''a' }` would swallow the rest.
      (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
                | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                | '(?:[^'\\\r\n]|\\.)*'?
                | "(?:[^"\\\r\n]|\\.)*"?)
      # IRIREF, with the \u escapes pyoxigraph 0.5 decodes inside IRIs.
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<var>[?$][\w[BASE]\u00B7\u0300-\u036F\u203F\u2040]+)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<bnode>_:[\w[BASE]\-.\u00B7\u0300-\u036F\u203F\u2040]*[\w[BASE]\-\u00B7\u0300-\u036F\u203F\u2040])
      # Keywords, prefixed names, numbers. A backslash escape (PN_LOCAL_ESC such as `\#`) belongs
      # to the name: `ex:a\#` is a name, not the start of a comment. A final dot ends a triple.
    | (?P<name>(?:[\w[BASE]:%]|\\.)(?:(?:[NAME]|\\.)*(?:[NAME_NO_DOT]|\\.))?)
    | (?P<punct>.)
    | (?P<end>\Z)  # stops the scan after trailing whitespace, which would otherwise be rescanned
    )
    """.replace("[NAME]", f"[{_NAME_CHARS}]").replace("[NAME_NO_DOT]", f"[{_NAME_CHARS_NO_DOT}]")
    .replace("[BASE]", _BASE),
    re.VERBOSE | re.DOTALL,
)

# One \u or \U escape, or any other backslash pair: Oxigraph's decoder consumes `\\` as a pair,
# so `\\u0041` stays as it is. It takes exactly 4 (8) characters after `u` (`U`) and decodes them
# with Rust's u32::from_str_radix, which also accepts a leading `+`.
_ESCAPE = re.compile(r"\\(?:u(.{0,4})|U(.{0,8})|.|$)", re.DOTALL)
_HEX_4 = re.compile(r"\+?[0-9A-Fa-f]{3}|[0-9A-Fa-f]{4}")
_HEX_8 = re.compile(r"\+?[0-9A-Fa-f]{7}|[0-9A-Fa-f]{8}")


@dataclass(frozen=True)
class Token:
    """A token outside comments: kind is word, pname, var, iri, string, langtag, bnode or punct."""

    kind: str
    text: str
    start: int


@dataclass(frozen=True)
class Analysis:
    """What the lexer could tell about a request without parsing it."""

    form: str | None  # SELECT, ASK, CONSTRUCT or DESCRIBE
    is_update: bool
    update_keyword: str | None  # INSERT, DELETE, LOAD, …: the operation keyword of an update
    uses_service: bool
    has_from: bool  # a FROM or FROM NAMED dataset clause
    volatile: bool = False  # calls NOW(), RAND(), UUID(), STRUUID() or BNODE(): a new answer each time


def unescape_codepoints(text: str) -> str:
    """Decode `\\uXXXX` and `\\UXXXXXXXX` over the whole text, as SPARQL 1.1 §19.2 says."""
    if "\\u" not in text and "\\U" not in text:
        return text
    return _ESCAPE.sub(_decode_escape, text)


def _decode_escape(match: re.Match[str]) -> str:
    short, long = match.group(1), match.group(2)
    digits, pattern = (short, _HEX_4) if short is not None else (long, _HEX_8)
    if digits is not None and pattern.fullmatch(digits):
        codepoint = int(digits, 16)
        if codepoint <= 0x10FFFF and not 0xD800 <= codepoint <= 0xDFFF:  # what char::from_u32 accepts
            return chr(codepoint)
    return match.group(0)


def tokenise(text: str) -> tuple[Token, ...]:
    """The tokens of `text` as pyoxigraph 0.5 reads it (no escape decoding), comments dropped."""
    return tuple(Token(*token) for token in _scan(text))


def undeclared_prefixes(text: str) -> list[str]:
    """The prefixes that prefixed names use without a PREFIX declaration, in order of first use."""
    declared, used = prefixes(text)
    known = set(declared)
    return [prefix for prefix in used if prefix not in known]


def prefixes(text: str) -> tuple[list[str], list[str]]:
    """The prefixes PREFIX declares, and those prefixed names use, each in order of first sight."""
    declared: dict[str, None] = {}
    used: dict[str, None] = {}
    after_prefix = False
    for kind, value, start in _scan(text):
        # `http://…` is a URL outside an IRI (`<http://a b>`: a space ends it), not a prefixed name.
        if kind == "pname" and not text.startswith("//", start + len(value)):
            prefix = value.split(":", 1)[0]
            if after_prefix:
                declared.setdefault(prefix, None)
            else:
                used.setdefault(prefix, None)
        after_prefix = kind == "word" and value.upper() == "PREFIX"
    return list(declared), list(used)


def analyse(text: str) -> Analysis:
    """Form, update keyword, SERVICE and FROM of a query or update, read both ways (see module)."""
    raw = _analyse_reading(text)
    decoded_text = unescape_codepoints(text)
    if decoded_text is text:
        return raw
    decoded = _analyse_reading(decoded_text)
    # The form follows the standard reading; a guard fires if either reading trips it.
    operation = decoded if (decoded.form or decoded.is_update) else raw
    return Analysis(
        form=operation.form,
        is_update=operation.is_update,
        update_keyword=operation.update_keyword,
        uses_service=raw.uses_service or decoded.uses_service,
        has_from=raw.has_from or decoded.has_from,
        volatile=raw.volatile or decoded.volatile,
    )


def _scan(text: str) -> Iterator[tuple[str, str, int]]:
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "end":
            return
        value, start = match.group(kind), match.start(kind)
        if kind == "name":
            kind = "pname" if ":" in value else "word"
        yield kind, value, start


# The prologue most queries have (PREFIX p: <iri>, BASE <iri>, comments), then the operation
# keyword, read by one regex: a quarter of the cost of the token scan. ASCII only and strict, so
# that whatever it matches the scan would read the same way; anything else takes the scan.
_SIMPLE_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_SIMPLE_OPERATION = re.compile(
    rf"(?:[ \t\r\n]|\#[^\r\n]*|(?:PREFIX[ \t\r\n]+(?:[A-Za-z][A-Za-z0-9_\-]*)?:|BASE)[ \t\r\n]*{_SIMPLE_IRI})*+"
    r"([A-Za-z]+)(?=[ \t\r\n{*?$(<])",
    re.IGNORECASE | re.ASCII,
)


def _operation_keyword_of(text: str) -> str | None:
    simple = _SIMPLE_OPERATION.match(text)
    if simple is not None and simple.group(1).upper() not in _PROLOGUE_WORDS:
        return simple.group(1).upper()
    return _operation_keyword(_scan(text))


def _analyse_reading(text: str) -> Analysis:
    keyword = _operation_keyword_of(text)
    form = next((f for f in FORMS if keyword and keyword.startswith(f)), None)
    update = next((u for u in UPDATE_KEYWORDS if keyword and keyword.startswith(u)), None)
    # Most queries name neither SERVICE nor FROM anywhere: they need no full scan. upper() is
    # the cautious test, since it maps more characters to S, E… than pyoxigraph's ASCII matching.
    upper = text.upper()
    uses_service = has_from = volatile = False
    tokens = None
    if "SERVICE" in upper or "FROM" in upper:
        tokens = list(_scan(text))
        uses_service = _uses_service(text, tokens)
        has_from = any(kind == "word" and value.upper().startswith("FROM") for kind, value, _ in tokens)
    # Substrings first (fractions of a µs), then a call, then the tokens: a GRAND or a foaf:knows
    # costs no token scan. (A case-insensitive regex over the text would cost 7 µs a query.)
    if ("NOW" in upper or "RAND" in upper or "UUID" in upper or "BNODE" in upper) and _VOLATILE_CALL.search(upper):
        tokens = tokens if tokens is not None else _scan(text)
        # Keywords glue on the left (`ORDER BYRAND()`, `FILTERBNODE()`): a word that ends with the name.
        volatile = any(kind == "word" and value.upper().endswith(_VOLATILE_NAMES) for kind, value, _ in tokens)
    return Analysis(form=form, is_update=update is not None, update_keyword=update,
                    uses_service=uses_service, has_from=has_from, volatile=volatile)


# Built-in functions whose value changes from one run of the same query to the next (SPARQL 1.1
# §17.4): their answers are neither cached nor given an ETag.
VOLATILE_FUNCTIONS = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})
# Searched in the upper-cased text: a name, then `(` or a comment (`NOW#…\n()`), which the tokens
# then skip. (Reading the comment here would cost the square of a line of `#NOW#NOW…`.)
_VOLATILE_CALL = re.compile(r"(?:NOW|RAND|UUID|BNODE)\s*+[(#]")
_VOLATILE_NAMES = tuple(VOLATILE_FUNCTIONS)


def operation_and_rest(text: str) -> tuple[str | None, Iterator[tuple[str, str, int]]]:
    """The operation keyword (see `_operation_keyword`) and the tokens after it, as (kind, text,
    start), comments dropped."""
    tokens = _scan(text)
    return _operation_keyword(tokens), tokens


def _operation_keyword(tokens: Iterator[tuple[str, str, int]]) -> str | None:
    """The first word after the prologue (BASE, PREFIX, VERSION and their names, IRIs, strings),
    upper-cased. It may be glued to what follows (`SELECTDISTINCT`), as pyoxigraph allows."""
    for kind, value, _ in tokens:
        if kind == "word":
            word = value.upper()
            if word not in _PROLOGUE_WORDS:
                return word
        elif kind not in ("pname", "iri", "string"):
            return None
    return None


def _uses_service(text: str, tokens: list[tuple[str, str, int]]) -> bool:
    for index, (kind, value, _) in enumerate(tokens):
        if kind == "word" and "SERVICE" in value.upper():
            return True
        if kind == "pname" and _service_glued_to_name(text, tokens, index):
            return True
        if kind == "iri" and _hides_service_after_less_than(value):
            return True
    return False


def _service_glued_to_name(text: str, tokens: list[tuple[str, str, int]], index: int) -> bool:
    """`SERVICE:a {` or `SERVICEex:a {`: pyoxigraph reads the keyword, then the name `:a`/`ex:a`."""
    prefix = tokens[index][1].split(":", 1)[0]
    if "SERVICE" not in prefix.upper():
        return False
    if index + 1 == len(tokens):
        return False
    _, following, start = tokens[index + 1]
    if following != "{" or text.startswith("{|", start):
        return False  # `{|` opens a SPARQL 1.2 annotation, not a group
    if index == 0:
        return True
    kind, previous, _ = tokens[index - 1]
    return not (kind == "word" and previous.upper() == "GRAPH")


def _hides_service_after_less_than(iri: str) -> bool:
    # Three finds instead of a regex: a backtracking pattern would be quadratic on long IRIs.
    upper = iri.upper()
    close = upper.find(")")
    service = upper.find("SERVICE", close) if close >= 0 else -1
    return service >= 0 and upper.find("#", service) >= 0
