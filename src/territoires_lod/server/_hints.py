"""Hints for the mistakes people make most in a query that failed to parse: a PREFIX left out or
misspelt, a "." missing between triples, the SELECT clause written as in SQL (commas, COUNT(*)
without parentheses, TOP), SQL's AND/OR/LIKE, a misspelt keyword or function, a Turtle habit, a
form-encoded or JSON body sent as the query, quotes or spaces from a word processor, a blank node
in two groups. Read from tokens, not grammar: each hint is a guess, said as one, and none is given where
a well-formed query could look the same.

Only called once a query has failed, on the front's event loop: linear in the query's length, and
bounded where it compares names.
"""

from __future__ import annotations

import difflib
import re

from ._lexer import FORMS, Token, prefixes, tokenise

# Characters a word processor or a web page puts in for SPARQL's own, outside strings.
_LOOKALIKES = {
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
}
_SPACES = {"\u00a0": "a no-break space", "\u202f": "a narrow no-break space", "\u2007": "a figure space",
           "\u200b": "a zero-width space", "\u2060": "a word joiner", "\ufeff": "a zero-width no-break space"}
_COMMENT = re.compile(r"#[^\r\n]*")
_WIKIDATA = frozenset({"wdt", "wds", "wdv", "wdref", "p", "ps", "psv", "pq", "pqv", "pr", "prv", "wikibase", "bd"})
# Prefixes of vocabularies people use that this project does not declare (not typos of ours).
_KNOWN_ELSEWHERE = _WIKIDATA | frozenset({"geo", "geof", "skosxl", "dc", "dcterms", "dbo", "dbr", "dbp", "gn", "bif",
                                          "xml", "vcard", "time", "qb", "sh", "prov", "wgs84", "ogc", "sf"})
_SCHEMES = frozenset({"http", "https", "urn", "mailto", "tel", "ftp", "file", "doi", "tag"})  # an IRI without <>
_MOST_LISTED = 10  # undeclared prefixes named
_MOST_COMPARED = 50  # declared prefixes a misspelt one is compared with
_NOT_A_QUERY = "The text "
_AT_START = "A query starts with SELECT, ASK, CONSTRUCT or DESCRIBE, after any PREFIX and BASE lines"


def query_hints(query: str) -> list[str]:
    """What may be wrong with a query that failed to parse, a sentence each."""
    tokens = tokenise(query)
    start = _start_advice(tokens)
    if start.startswith(_NOT_A_QUERY):  # a JSON or form body: the rest would be noise
        return [start]
    hints = (start, _select_clause_advice(tokens), _word_advice(tokens),
             _missing_dot_advice(query, tokens), _blank_node_advice(tokens), _lookalike_advice(query, tokens),
             prefix_advice(query))
    return [hint for hint in hints if hint]


def prefix_advice(query: str) -> str:
    """The PREFIX lines the query lacks, if any (the parser's own message for an undeclared prefix
    is often about something else); for a misspelt prefix, the declared one it resembles."""
    from .._namespaces import PREFIXES

    declared, used = prefixes(query)
    known = set(declared)
    missing = [prefix for prefix in used if prefix not in known]
    if not missing:
        return ""
    # Bounded: this runs on the front's event loop, and a 64 KiB query can use thousands of prefixes.
    shown = missing[:_MOST_LISTED]
    declared = declared if len(missing) <= _MOST_LISTED else []
    iris = [p for p in shown if p in _SCHEMES]
    shown = [p for p in shown if p not in _SCHEMES]
    typos = {}
    for prefix in shown if len(declared) <= _MOST_COMPARED else ():
        same = [d for d in declared if d.lower() == prefix.lower()]
        # Only for a prefix no vocabulary is known by: rdf: is not a misspelt rdfs:, nor ps: a misspelt p:.
        close = same or (difflib.get_close_matches(prefix, declared, n=1, cutoff=0.6)
                         if prefix not in PREFIXES and prefix not in _KNOWN_ELSEWHERE else [])
        if close:
            typos[prefix] = f"{close[0]}:?" + (" (Prefixes are case-sensitive.)" if same else "")
    sentences = [f"The query uses {p}: without declaring it: did you mean {close}" for p, close in typos.items()]
    sentences += [f"{p}:… looks like an IRI: write it whole in <…>." for p in iris]
    to_add = [p for p in shown if p not in typos]
    if to_add:
        lines = "; ".join(f"PREFIX {p}: <{PREFIXES[p]}>" if p in PREFIXES else f"PREFIX {p}: <…>" for p in to_add)
        names = ", ".join(f"{p}:" for p in to_add)
        more = f" (and {len(missing) - len(shown)} more)" if len(missing) > len(shown) else ""
        sentences.append(f"The query uses {names}{more} without declaring {'it' if len(to_add) == 1 and not more else 'them'}: "
                         f"add {lines}.")
    if any(p in _WIKIDATA for p in to_add):
        sentences.append("(This endpoint holds the Territoires d'industrie data, not Wikidata: ask Wikidata's own "
                         "endpoint, https://query.wikidata.org/sparql, for its statements.)")
    return " ".join(sentences)


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
        example = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>" if word == "@PREFIX" else "BASE <http://…/>"
        return f"{first.text} is Turtle; SPARQL writes {word[1:]} (no @) and no dot at the end of the line: {example}."
    after = tokens[i + 1].text if i + 1 < len(tokens) else ""
    if first.kind == "word" and word == "QUERY" and after == "=":
        return (f"{_NOT_A_QUERY}starts with query=, as a form does: send it with Content-Type "
                "application/x-www-form-urlencoded (curl --data-urlencode 'query=…'), or send the query "
                "alone as application/sparql-query.")
    if first.text == "{" and i == 0 and after.startswith('"'):
        return f"{_NOT_A_QUERY}looks like JSON; send the SPARQL query itself, or as the query parameter of a form."
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
    i, end, last_term = 0, 0, ""
    while i < len(tokens):
        token, text = tokens[i], tokens[i].text
        hyphen = _hyphen_in_variable(tokens, i)
        if hyphen:
            return hyphen
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
            elif text == "~":  # a reifier (SPARQL 1.2): names the triple, is not a term of it
                i += 1
            i = min(i + 1, len(tokens))  # the skips above may run past the last token
            end = tokens[i - 1].start + len(tokens[i - 1].text)
            continue
        else:
            is_term = token.kind in _TERMS or (token.kind == "word" and (
                text in _TERM_WORDS or text[:1].isdigit() or text[:1] in "+-"))
            if is_term and text[:1].isdigit() and text[-1] in "eE" and i + 2 < len(tokens) \
                    and tokens[i + 1].text in "+-" and tokens[i + 1].start == token.start + len(text):
                i = min(i + 2, len(tokens))  # 1E+3: one number, read by the lexer as three tokens
            if token.kind == "word" and text.upper() == "VALUES":  # its rows are not triples
                while i < len(tokens) and tokens[i].text != "{":
                    i += 1
                i = _after_closing(tokens, i, "{", "}") if i < len(tokens) else i
                count = None
                continue
            i += 1
        if is_term and count is not None:
            if count >= 3:
                where = (f"at the end of line {query.count(chr(10), 0, end) + 1} (after {last_term})"
                         if "\n" in query[end:token.start] else f"before {text}")
                instead = f', or should the "{joined}" before it be a "."' if joined else ""
                return f'Is a "." missing {where}{instead}? A triple has three terms; {text} would be a fourth.'
            count += 1
        elif token.kind in ("word", "langtag") and not is_term:
            count = None if token.kind == "word" else count
        end = tokens[i - 1].start + len(tokens[i - 1].text)
        if is_term:
            last_term = query[token.start:end] if end - token.start <= 40 else query[token.start:token.start + 40] + "…"
    return ""


def _hyphen_in_variable(tokens: tuple[Token, ...], i: int) -> str:
    """`?code-insee`: a "-" glued between a variable and a name, which SPARQL names cannot hold."""
    if tokens[i].text != "-" or i == 0 or i + 1 >= len(tokens) or tokens[i - 1].kind != "var":
        return ""
    before, after = tokens[i - 1], tokens[i + 1]
    if before.start + len(before.text) == tokens[i].start and tokens[i].start + 1 == after.start:
        return f"A variable's name cannot hold \"-\": write {before.text}_{after.text}."
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
            if end == token.start and prev_kind == "pname" and token.text in "’'":  # glued to a name: ex:l’hôtel
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


_AGGREGATES = frozenset(("COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"))
# SPARQL 1.1's functions (§17.4), with SPARQL 1.2's that pyoxigraph 0.5 reads, in upper case.
_FUNCTIONS = _AGGREGATES | frozenset((
    "STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND", "ABS", "CEIL", "FLOOR",
    "ROUND", "CONCAT", "STRLEN", "UCASE", "LCASE", "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS",
    "STRBEFORE", "STRAFTER", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "NOW",
    "UUID", "STRUUID", "MD5", "SHA1", "SHA256", "SHA384", "SHA512", "COALESCE", "IF", "STRLANG", "STRDT",
    "SAMETERM", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "REGEX", "SUBSTR", "REPLACE", "EXISTS",
    "LANGDIR", "HASLANG", "HASLANGDIR", "STRLANGDIR", "ISTRIPLE", "TRIPLE", "SUBJECT", "PREDICATE", "OBJECT",
    "ADJUST"))
# What other languages call some of them (difflib's guesses are poor for these).
_ALIASES = {"LOWER": "LCASE", "LOWERCASE": "LCASE", "UPPER": "UCASE", "UPPERCASE": "UCASE", "LENGTH": "STRLEN",
            "LEN": "STRLEN", "SUBSTRING": "SUBSTR", "MID": "SUBSTR", "STARTSWITH": "STRSTARTS",
            "ENDSWITH": "STRENDS", "CONTAIN": "CONTAINS", "REGEXP": "REGEX", "TODAY": "NOW", "BIN": "BIND",
            "FILTRE": "FILTER", "ISNULL": "!BOUND", "NVL": "COALESCE", "IFNULL": "COALESCE"}
_CASTS = frozenset(("INT", "INTEGER", "FLOAT", "DOUBLE", "DECIMAL", "STRING", "DATE", "DATETIME", "BOOLEAN", "CAST"))
_GROUP_KEYWORDS = frozenset(("WHERE", "OPTIONAL", "MINUS", "GRAPH", "UNION"))  # each takes { … }
# Keywords a "(" may follow.
_BEFORE_PARENTHESIS = frozenset(("FILTER", "BIND", "ASC", "DESC", "HAVING", "BY", "IN", "NOT", "DISTINCT", "REDUCED",
                                 "VALUES", "A", "AS", "ORDERBY", "NOTEXISTS")) | frozenset(FORMS)  # pyoxigraph reads ORDERBY(
_SQL = frozenset(("AND", "OR", "LIKE", "NULL", "IS"))
_SELECT_ENDS = frozenset(("WHERE", "FROM"))
_SELECT_WORDS = ("WHERE", "FROM", "DISTINCT", "REDUCED", "NAMED")  # for a misspelt one
_AFTER_WHERE = frozenset(("GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "VALUES"))


def _select_clause_advice(tokens: tuple[Token, ...]) -> str:
    """What goes wrong between SELECT and WHERE: commas, an aggregate without its parentheses
    and name, a variable without its ?, nothing at all; and GROUP_CONCAT's separator."""
    concat = next((i for i, t in enumerate(tokens[:-1]) if t.text.upper() == "GROUP_CONCAT" and t.kind == "word"
                   and tokens[i + 1].text == "("), None)
    if concat is not None and "," in _top_level(_inside(tokens, concat + 1)):
        return 'GROUP_CONCAT takes its separator after a ";": GROUP_CONCAT(?x; SEPARATOR=", ").'
    start = next((i + 1 for i, t in enumerate(tokens) if t.kind == "word" and t.text.upper() == "SELECT"), None)
    if start is None:
        return ""
    i = start
    while i < len(tokens) and tokens[i].kind == "word" and tokens[i].text.upper() in ("DISTINCT", "REDUCED"):
        i += 1
    if i < len(tokens) and (tokens[i].text == "{" or tokens[i].text.upper() in _SELECT_ENDS):
        return "SELECT names what to return: variables (?x), expressions ((… AS ?x)) or *."
    while i < len(tokens) and tokens[i].text != "{" and tokens[i].text.upper() not in _SELECT_ENDS:
        token, word = tokens[i], tokens[i].text.upper()
        if token.text == ",":
            return "Variables in SELECT are separated by spaces, not commas."
        if token.kind == "word" and word in _FUNCTIONS:
            return f"In SELECT, {word}(…) goes in parentheses, with a name: ({word}(…) AS ?name)."
        if token.kind == "word" and word in _AFTER_WHERE:
            return f"{word} comes after the pattern: SELECT … WHERE {{ … }} {word} …"
        hyphen = _hyphen_in_variable(tokens, i)
        if hyphen:
            return hyphen
        if token.kind == "word" and word == "AS":
            return "An expression in SELECT goes in parentheses with its name: (?x AS ?y), (COUNT(*) AS ?n)."
        if token.kind == "word" and word == "TOP":
            return "TOP is SQL; SPARQL writes LIMIT after the pattern: SELECT … WHERE { … } LIMIT 10."
        glued = tokens[i - 1].start + len(tokens[i - 1].text) == token.start
        called = i + 1 < len(tokens) and tokens[i + 1].text == "("  # a misspelt function: _word_advice's
        if token.kind == "word" and token.text.isidentifier() and not glued and not called:
            close = difflib.get_close_matches(word, _SELECT_WORDS, n=1, cutoff=0.75)
            return f"{token.text}: did you mean {close[0]}?" if close else f"Variables start with ? (or $): ?{token.text}."
        if token.text == "(":
            inside = _inside(tokens, i)
            if not any(t.kind == "word" and t.text.upper() == "AS" or t.text == "{" for t in inside):
                return "An expression in SELECT needs a name: (… AS ?name)."
            i += len(inside) + 1
        i += 1
    return ""


def _top_level(tokens: tuple[Token, ...]) -> list[str]:
    """The texts of `tokens` outside any parentheses among them (a call's own arguments)."""
    depth, out = 0, []
    for token in tokens:
        depth += (token.text == "(") - (token.text == ")")
        if depth == 0 and token.text != ")":
            out.append(token.text)
    return out


def _inside(tokens: tuple[Token, ...], i: int) -> tuple[Token, ...]:
    """The tokens between the "(" at `i` and the ")" that closes it."""
    return tokens[i + 1:_after_closing(tokens, i, "(", ")") - 1]


def _word_advice(tokens: tuple[Token, ...]) -> str:
    """Words SPARQL does not have: SQL's, a function misspelt, FILTER without its parentheses,
    LIMIT or OFFSET without a number; a "'" that ended a '…' string early."""
    depth = 0
    for i, token in enumerate(tokens):
        depth += (token.text == "(") - (token.text == ")")
        if token.kind != "word":
            continue
        word, after = token.text.upper(), tokens[i + 1] if i + 1 < len(tokens) else None
        before = tokens[i - 1] if i else None
        glued = before is not None and before.start + len(before.text) == token.start
        if glued and before.kind == "string" and before.text.startswith("'"):
            return (f"A ' inside a '…' string ends it ({before.text}{token.text}…): write the string in double quotes, "
                    f"\"{before.text[1:-1]}'{token.text}…\", or the ' as \\'.")
        if word in _SQL and depth > 0 and not glued:  # in a condition, not in a broken IRI or string
            return (f"{token.text} is SQL; SPARQL writes && for AND, || for OR, !BOUND(?x) for IS NULL, "
                    f"and REGEX(?x, \"…\") or CONTAINS(?x, \"…\") for LIKE.")
        called = i + 2 < len(tokens) and tokens[i + 2].text == "("  # FILTER ex:f(?x) is a call: no parentheses needed
        if word == "FILTER" and after is not None and (after.kind in ("var", "string") or (
                after.kind in ("iri", "pname") and not called)):
            return f"FILTER takes its condition in parentheses: FILTER({after.text} …)."
        if word in ("LIMIT", "OFFSET") and after is not None and not after.text.isdigit():
            return f"{word} takes a whole number, 0 or more" + (" (leave LIMIT out for every row)." if word == "LIMIT"
                                                                 else ".")
        if after is None or after.text != "(" or not token.text.isidentifier() or len(word) < 2 \
                or word in _FUNCTIONS or word in _BEFORE_PARENTHESIS:
            continue
        if difflib.get_close_matches(word, FORMS, n=1, cutoff=0.6):
            continue  # a misspelt query form: _start_advice's
        if word in _GROUP_KEYWORDS:
            return f"{word} takes a group in braces: {word} {{ … }}, not ( … )."
        if word in _CASTS:
            return (f"{token.text} is not a SPARQL function; a value is converted with an XSD cast, e.g. "
                    f"xsd:integer(?x), xsd:decimal(?x), xsd:date(?x), STR(?x) (PREFIX xsd: "
                    f"<http://www.w3.org/2001/XMLSchema#>).")
        close = [_ALIASES[word]] if word in _ALIASES else difflib.get_close_matches(word, _FUNCTIONS, n=1, cutoff=0.8)
        return f"{token.text} is not a SPARQL function" + (f": did you mean {close[0]}?" if close else ".")
    return ""
