"""What a person can do about a query the engine refused: the parser's message in words, and
hints for the mistakes people make most (a PREFIX left out or misspelt, a typo in the query
form, quotes or spaces from a word processor, a form-encoded body sent as the query itself).

Only called once a query has failed, so it may take its time (a few tokenisations).
"""

from __future__ import annotations

import difflib
import re

from ._lexer import FORMS, Token, tokenise, undeclared_prefixes

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

# Characters a word processor or a web page puts in for SPARQL's own, outside strings.
_LOOKALIKES = {
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
}
_SPACES = {"\u00a0": "a no-break space", "\u202f": "a narrow no-break space", "\u2007": "a figure space",
           "\u200b": "a zero-width space", "\u2060": "a word joiner", "\ufeff": "a zero-width no-break space"}
_COMMENT = re.compile(r"#[^\r\n]*")
_WIKIDATA = frozenset({"wdt", "wds", "wdv", "wdref", "p", "ps", "psv", "pq", "pqv", "pr", "prv", "wikibase", "bd"})
_MOST_LISTED = 10  # undeclared prefixes named
_MOST_COMPARED = 50  # declared prefixes a misspelt one is compared with
_AT_START = "A query starts with SELECT, ASK, CONSTRUCT or DESCRIBE, after any PREFIX and BASE lines"


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


def query_advice(query: str) -> str:
    """Hints for a query that failed to parse, each on its own line ('' when none applies)."""
    tokens = tokenise(query)
    hints = [hint for hint in (_start_advice(tokens), _missing_dot_advice(query, tokens), _blank_node_advice(tokens),
                               _lookalike_advice(query, tokens), prefix_advice(query)) if hint]
    return "".join(f"\n{hint}" for hint in hints)


def prefix_advice(query: str) -> str:
    """The PREFIX lines the query lacks, if any (the parser's own message for an undeclared prefix
    is often about something else); for a misspelt prefix, the declared one it resembles."""
    from .._namespaces import PREFIXES

    missing = undeclared_prefixes(query)
    if not missing:
        return ""
    # Bounded: this runs on the front's event loop, and a 64 KiB query can use thousands of prefixes.
    shown = missing[:_MOST_LISTED]
    declared = _declared_prefixes(tokenise(query)) if len(missing) <= _MOST_LISTED else []
    typos = {}
    for prefix in shown if len(declared) <= _MOST_COMPARED else ():
        close = difflib.get_close_matches(prefix, declared, n=1, cutoff=0.6)
        if close and prefix not in PREFIXES:  # rdf: is not a misspelt rdfs:
            typos[prefix] = close[0]
    sentences = [f"The query uses {p}: without declaring it: did you mean {close}:?" for p, close in typos.items()]
    to_add = [p for p in shown if p not in typos]
    if to_add:
        lines = "; ".join(f"PREFIX {p}: <{PREFIXES[p]}>" if p in PREFIXES else f"PREFIX {p}: <…>" for p in to_add)
        names = ", ".join(f"{p}:" for p in to_add)
        more = f" (and {len(missing) - len(shown)} more)" if len(missing) > len(shown) else ""
        sentences.append(f"The query uses {names}{more} without declaring {'it' if len(missing) == 1 else 'them'}: "
                         f"add {lines}.")
    if any(p in _WIKIDATA for p in to_add):
        sentences.append("(This endpoint holds the Territoires d'industrie data, not Wikidata: ask Wikidata's own "
                         "endpoint, https://query.wikidata.org/sparql, for its statements.)")
    return " ".join(sentences)


def _declared_prefixes(tokens: tuple[Token, ...]) -> list[str]:
    return [tokens[i + 1].text.split(":", 1)[0] for i in range(len(tokens) - 1)
            if tokens[i].kind == "word" and tokens[i].text.upper() == "PREFIX" and tokens[i + 1].kind == "pname"]


def _start_advice(tokens: tuple[Token, ...]) -> str:
    """What is wrong before the query form: a Turtle @prefix, a dot after PREFIX, a form-encoded
    or JSON body, a misspelt SELECT…"""
    kinds = [token.kind for token in tokens]
    i = 0
    while i < len(tokens) and tokens[i].kind == "word" and tokens[i].text.upper() in ("PREFIX", "BASE"):
        declaration = ["word", "pname", "iri"] if tokens[i].text.upper() == "PREFIX" else ["word", "iri"]
        if kinds[i:i + len(declaration)] != declaration:
            return ""  # a broken declaration: the parser's message says where
        i += len(declaration)
        if i < len(tokens) and tokens[i].text == ".":
            return f"A PREFIX or BASE line ends with its IRI, without a dot: remove the \".\" after {tokens[i - 1].text}."
    if i >= len(tokens):
        return ""
    first = tokens[i]
    word = first.text.upper()
    if first.kind == "word" and (word in FORMS or word in ("VERSION", "PREFIX", "BASE")):
        return ""
    if first.kind == "langtag" and word in ("@PREFIX", "@BASE"):
        return (f"{first.text} is Turtle; SPARQL writes {word[1:]} (no @) and no dot at the end of the line: "
                f"{word[1:]} rdfs: <http://www.w3.org/2000/01/rdf-schema#>.")
    after = tokens[i + 1].text if i + 1 < len(tokens) else ""
    if first.kind == "word" and word == "QUERY" and after == "=":
        return ("The text starts with query=, as a form does: send it with Content-Type "
                "application/x-www-form-urlencoded (curl --data-urlencode 'query=…'), or send the query "
                "alone as application/sparql-query.")
    if first.text == "{" and i == 0 and after.startswith('"'):
        return "The text looks like JSON; send the SPARQL query itself, or as the query parameter of a form."
    if first.kind == "word" and word.isalpha():
        close = difflib.get_close_matches(word, FORMS, n=1, cutoff=0.6)
        if close:
            return f"{_AT_START}; this one has {first.text} there: did you mean {close[0]}?"
    shown = first.text if len(first.text) <= 30 else first.text[:30] + "…"
    comment = " (a comment starts with #)" if first.text in ("/", "-") else ""
    return f"{_AT_START}; this one has {shown} there{comment}."


_TERMS = frozenset(("var", "iri", "pname", "string", "bnode"))
_TERM_WORDS = frozenset(("a", "true", "false"))
_BRACKETS = {"[": "]", "(": ")"}


def _missing_dot_advice(query: str, tokens: tuple[Token, ...]) -> str:
    """A fourth term in a triple, most often the next triple after a missing ".". Counted only
    where a triple is sure to be read: from `{`, `}` or `.` up to any keyword."""
    count: int | None = None  # terms of the triple being read; None: not reading one
    joined = ""  # the ";" or "," that continued it, if one did
    i, end = 0, 0
    while i < len(tokens):
        token, text = tokens[i], tokens[i].text
        if token.kind == "punct" and text in _BRACKETS:  # a blank node, a collection, a call's arguments
            i = _after_closing(tokens, i)
            is_term = True
        elif text == "<" and i + 1 < len(tokens) and tokens[i + 1].text == "<":  # an RDF-star << … >>
            i = _after_quoted_triple(tokens, i)
            is_term = True
        elif token.kind == "punct":
            if text in "{}.":
                count, joined = 0, ""
            elif text in ";," and count is not None:
                count, joined = (1 if text == ";" else 2), text
            elif text in "/|" and count:  # a property path: one predicate
                count -= 1
            elif text == "^":  # a datatype (^^) or an inverse path: not a term of its own
                while i + 1 < len(tokens) and tokens[i + 1].text == "^":
                    i += 1
                i += 1
            i += 1
            end = tokens[i - 1].start + len(tokens[i - 1].text)
            continue
        else:
            is_term = token.kind in _TERMS or (token.kind == "word" and (
                text in _TERM_WORDS or text[:1].isdigit() or text[:1] in "+-"))
            if token.kind == "word" and text.upper() == "VALUES":  # its rows are not triples
                while i < len(tokens) and tokens[i].text != "{":
                    i += 1
                i = _after_closing(tokens, i, "{", "}") if i < len(tokens) else i
                count = None
                continue
            i += 1
        if is_term and count is not None:
            if count >= 3:
                where = (f"at the end of line {query.count(chr(10), 0, end) + 1} (after {query[:end].split()[-1]})"
                         if "\n" in query[end:token.start] else f"before {text}")
                instead = f', or should the "{joined}" before it be a "."' if joined else ""
                return f'Is a "." missing {where}{instead}? A triple has three terms; {text} would be a fourth.'
            count += 1
        elif token.kind in ("word", "langtag") and not is_term:
            count = None if token.kind == "word" else count
        end = tokens[i - 1].start + len(tokens[i - 1].text)
    return ""


def _blank_node_advice(tokens: tuple[Token, ...]) -> str:
    """A blank node label used in two groups, which SPARQL forbids (§4.1.4). Not in a CONSTRUCT
    template, whose blank nodes are new ones, nor across an annotation `{| … |}`."""
    groups: list[int] = [-1]  # the `{` each token is in
    seen: dict[str, int] = {}
    i = _after_construct_template(tokens)
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "punct" and token.text == "{":
            annotation = i + 1 < len(tokens) and tokens[i + 1].text == "|"
            groups.append(groups[-1] if annotation else i)
        elif token.kind == "punct" and token.text == "}" and len(groups) > 1:
            groups.pop()
        elif token.kind == "bnode" and seen.setdefault(token.text, groups[-1]) != groups[-1]:
            variable = "?" + re.sub(r"\W", "_", token.text[2:])
            return (f"The blank node {token.text} is used in two groups ({{ … }}), which SPARQL does not allow: "
                    f"write a variable ({variable}) instead.")
        i += 1
    return ""


def _after_construct_template(tokens: tuple[Token, ...]) -> int:
    """Where the query's patterns begin: after CONSTRUCT's template, if it has one."""
    for i, token in enumerate(tokens):
        if token.kind == "word" and token.text.upper() in FORMS:
            if token.text.upper() == "CONSTRUCT" and i + 1 < len(tokens) and tokens[i + 1].text == "{":
                return _after_closing(tokens, i + 1, "{", "}")
            return i
    return 0


def _after_quoted_triple(tokens: tuple[Token, ...], i: int) -> int:
    """The index after the `>>` that closes the `<<` at `i` (quoted triples nest)."""
    depth = 0
    while i < len(tokens):
        pair = tokens[i].text + (tokens[i + 1].text if i + 1 < len(tokens) else "")
        if pair in ("<<", ">>"):
            depth += 1 if pair == "<<" else -1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return i


def _after_closing(tokens: tuple[Token, ...], i: int, opening: str | None = None, closing: str | None = None) -> int:
    """The index after the bracket that closes the one at `i`."""
    opening = opening or tokens[i].text
    closing = closing or _BRACKETS[opening]
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind == "punct":
            depth += (tokens[j].text == opening) - (tokens[j].text == closing)
            if depth == 0:
                return j + 1
    return len(tokens)


def _lookalike_advice(query: str, tokens: tuple[Token, ...]) -> str:
    """Typographic quotes and unusual spaces outside strings, IRIs and comments."""
    found: dict[str, None] = {}
    end, prev_kind, in_name = 0, "", ""
    for token in (*tokens, Token("end", "", len(query))):
        for char in _COMMENT.sub("", query[end:token.start]):  # between tokens: spaces and comments
            if char in _SPACES:
                found[char] = None
        if token.kind == "punct" and (token.text in _LOOKALIKES or token.text in _SPACES):
            found[token.text] = None
            if end == token.start and prev_kind in ("pname", "word"):  # glued to a name: l’hôtel
                in_name = token.text
        end, prev_kind = token.start + len(token.text), token.kind
    hints = []
    for char in found:
        code = f"U+{ord(char):04X}"
        if char == in_name:
            hints.append(f"{char} ({code}) cannot be part of a prefixed name (nor can '): write that IRI whole, in <…>")
        elif char in _LOOKALIKES:
            hints.append(f"{char} ({code}) is not a SPARQL quote: write {_LOOKALIKES[char]}")
        else:
            hints.append(f"{_SPACES[char]} ({code}) outside a string is not a space to SPARQL: type a plain space")
    if not hints:
        return ""
    return "The query has characters a word processor or web page may have put in: " + "; ".join(hints) + "."


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
