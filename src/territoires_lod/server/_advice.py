"""What a person is told about a query the engine refused: the parser's message in words
(its character classes, the problems it names among what it expected), then the hints of
_hints.py; an unknown function named.
"""

from __future__ import annotations

import difflib
import logging
import re

from ._hints import query_hints
from ._lexer import tokenise

log = logging.getLogger("territoires_lod.server")

POSITION = re.compile(r"\berror at (\d+):(\d+)")  # a parse error's line and column (pyoxigraph, Oxigraph)
_CHAR_CLASS = re.compile(r"\[[^\[\]]*\]")

# pyoxigraph puts some of its checks among what it expected, as sentences: said for a person.
_SENTENCES = {
    "Prefix not found": "a prefixed name whose prefix is not declared",
    "IRI parsing failed": "an IRI that is not valid (percent-encode a space as %20, and any of \"<>{}|^`\\ in it)",
    "The SELECT contains a variable that is unbound":
        "a variable in SELECT that is neither grouped nor aggregated: add it to GROUP BY, or use it "
        "inside an aggregate such as SAMPLE(?x)",
    "SELECT * is not authorized with GROUP BY":
        "SELECT * cannot be used with GROUP BY: name the grouped variables and the aggregates",
    "The SELECT overrides an existing variable using an expression":
        "an expression in SELECT (… AS ?x) names a variable the query already binds: choose another name",
    "Duplicated variable name in SELECT": "a variable named twice in SELECT",
    "The query limit should be a non negative integer":
        "LIMIT takes a whole number, 0 or more, small enough to count with 64 bits",
}
_UNREPORTED = "<unreported>"
_ANY = "any character"
_NOT_VALID_HERE = "the query is not valid SPARQL at this point"


def query_advice(query: str) -> str:
    """Hints for a query that failed to parse, each on its own line ('' when none applies). The
    hints are guesses from tokens: one that fails must not turn a syntax error into a 500."""
    try:
        return "".join(f"\n{hint}" for hint in query_hints(query))
    except Exception:  # noqa: BLE001 - logged; the parser's message stands alone
        log.exception("no hints for a query that failed to parse")
        return ""


def syntax_error_message(message: str, query: str) -> str:
    """The whole message of a parse error: pyoxigraph's `message` made readable, then the hints
    that apply to `query`."""
    return f"SPARQL syntax error: {readable_parse_error(message, query)}{query_advice(query)}"


def _class_in_words(found: re.Match) -> str:
    """One of pyoxigraph's character classes (`['0'..='9']`, `['A' ..= 'Z' | …]`, `[_]`) in words."""
    text = found.group(0)
    inner = text[1:-1].replace(" ", "").replace("\n", "")
    if inner == "_":
        return _ANY
    if "..=" not in inner:  # a few characters: ['e' | 'E']
        return ", ".join(f'"{c.strip(chr(39))}"' for c in inner.split("|"))
    digits, letters = "'0'..='9'" in inner, "'A'..='Z'" in inner or "'a'..='z'" in inner
    if digits and ("'a'..='f'" in inner or "'A'..='F'" in inner) and not letters:
        return "a hexadecimal digit"
    if letters:
        return "a letter or digit" if digits else "a letter"
    return "a digit" if inner == "'0'..='9'" else "a digit or a name character" if digits else "a name character"


def readable_parse_error(message: str, query: str) -> str:
    """pyoxigraph's parse error, for a person: its character classes (a dozen lines of Unicode
    ranges) in words, each expectation once, on one line, and a position at the end of the
    query said in words (the parser often reports there what is wrong earlier). Where the parser
    names the problem among what it expected (a sentence), that problem alone is said."""
    tidy = _CHAR_CLASS.sub(_class_in_words, " ".join(message.split()))
    at = POSITION.search(tidy)
    lines = query.split("\n")
    at_end = at is not None and int(at.group(1)) >= len(lines) and int(at.group(2)) > len(lines[-1].rstrip())
    head, sep, expected = tidy.partition("expected ")
    if sep and at is not None and at.end() <= len(head):  # Oxigraph's form: "error at L:C: expected …"
        items = list(dict.fromkeys(e.strip() for e in expected.removeprefix("one of ").split(", ")))
        problems = [_SENTENCES.get(item, item) for item in items if _is_sentence(item)]
        if problems:
            tidy = head + "; ".join(problems)
        else:
            # The parser's catch-all ("any character") says something only where the query ends early.
            items = [item for item in items if item != _UNREPORTED and (at_end or item != _ANY or len(items) == 1)]
            one_of = "one of " if expected.startswith("one of ") and len(items) > 1 else ""
            tidy = head + (sep + one_of + ", ".join(items) if items else _NOT_VALID_HERE)
    return tidy + " (the end of the query)" if at_end else tidy


def _is_sentence(item: str) -> bool:
    """An item of pyoxigraph's expected list that is a message, not a token: our own words for
    character classes begin in lower case, keywords are one word, characters are quoted."""
    return item in _SENTENCES or (item[:1].isupper() and item.count(" ") >= 2)


_UNKNOWN_FUNCTION = re.compile(r"The custom function <([^>]*)> is not supported")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_CASTS = ("boolean", "double", "float", "decimal", "integer", "string", "date", "time", "dateTime", "duration",
          "yearMonthDuration", "dayTimeDuration")


def evaluation_error_message(message: str) -> str:
    """The engine's message for a query that parsed but could not be evaluated, for a person:
    no Python class name, and a function the engine does not know said so."""
    unknown = _UNKNOWN_FUNCTION.search(message)
    if unknown is None:
        return f"The query could not be evaluated: {message.removeprefix('RuntimeError: ')}"
    iri = unknown.group(1)
    close = difflib.get_close_matches(iri.removeprefix(_XSD), _CASTS, n=1, cutoff=0.6) if iri.startswith(_XSD) else []
    return (f"The query calls <{iri}>, which is not a function this endpoint knows (it knows SPARQL 1.1's "
            f"functions and the XSD casts such as xsd:integer(…))." + (f" Did you mean xsd:{close[0]}?" if close else ""))


# pyoxigraph's parser recurses once per level: past about 2,500 levels a worker's 8 MiB stack
# overflows (a crash, not an error). Deeper than this, a crash is put down to the nesting.
DEEPEST_NESTING = 1000


def nesting_depth(query: str) -> int:
    """How deep the query's braces, parentheses and brackets go (outside strings and comments)."""
    depth = deepest = 0
    for token in tokenise(query):
        if token.kind == "punct" and token.text in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif token.kind == "punct" and token.text in "})]":
            depth -= 1
    return deepest
