"""What a person is told about a query the engine refused: parse errors in words, and hints."""

import re

import pyoxigraph as ox
import pytest

from territoires_lod.server._advice import evaluation_error_message, nesting_depth, readable_parse_error, \
    syntax_error_message


# Messages in the form pyoxigraph 0.5.13 writes them (its dozen lines of Unicode ranges shortened here)
LETTER = ("['A' ..= 'Z' | 'a' ..= 'z' | '\\u{00C0}'..='\\u{00D6}' | '\\u{00D8}'..='\\u{00F6}'\n"
          "| '\\u{00F8}'..='\\u{02FF}' | '\\u{0370}'..='\\u{037D}']")
NAME_CHAR = "['0' ..= '9' | '\\u{00B7}' | '\\u{0300}'..='\\u{036F}' | '\\u{203F}'..='\\u{2040}']"


@pytest.mark.parametrize(("query", "raw", "readable"), [
    ("SELECT * WHERE { ?s ?p ?o", f'error at 1:26: expected one of ",", "}}", {NAME_CHAR}, {LETTER}, [\'_\'], [_]',
     'error at 1:26: expected one of ",", "}", a digit or a name character, a letter, "_", any character '
     "(the end of the query)"),
    ('SELECT * WHERE { ?s ?p "\\u12" }', "error at 1:29: expected ['0' ..= '9' | 'A' ..= 'F' | 'a' ..= 'f']",
     "error at 1:29: expected a hexadecimal digit"),
    ("SELECT * {} LIMIT x", "error at 1:19: expected one of HAVING, OFFSET, ['0'..='9'], ['0'..='9']",
     "error at 1:19: expected one of HAVING, OFFSET, a digit"),  # each expectation once
    ("SELECT * { ?s ?p 1e }", "error at 1:19: expected ['e' | 'E']", 'error at 1:19: expected "e", "E"'),
    ("SELECT * WHERE { ?s ?p ?o }\nLIMT 1", "error at 2:7: expected one of HAVING, OFFSET",
     "error at 2:7: expected one of HAVING, OFFSET (the end of the query)"),
    ("SELEC * {}", "error at 1:10: expected CONSTRUCT", "error at 1:10: expected CONSTRUCT"),
])
def test_parse_errors_are_one_readable_line(query, raw, readable):
    assert readable_parse_error(raw, query) == readable


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p ?o", 'SELECT * WHERE { ?s ?p "\\u12" }', "SELEC * {}"])
def test_the_engine_s_own_parse_errors_come_out_readable(query):
    # whatever version of pyoxigraph is installed: one line, the position kept, no character ranges
    with pytest.raises(SyntaxError) as raised:
        ox.Store().query(query)
    position = re.search(r"error at \d+:\d+", str(raised.value)).group(0)
    readable = readable_parse_error(str(raised.value), query)
    assert readable.startswith(position) and "\n" not in readable and "..=" not in readable



# pyoxigraph 0.5.13 puts some checks among what it expected, as sentences: the sentence alone is said.
@pytest.mark.parametrize(("raw", "readable"), [
    (f'error at 1:62: expected one of "$", "(", ":", "<", "?", IF, TZ, The SELECT contains a variable that is '
     f"unbound, {NAME_CHAR}, ['_'], [_]",
     "error at 1:62: a variable in SELECT that is neither grouped nor aggregated: add it to GROUP BY, or use it "
     "inside an aggregate such as SAMPLE(?x)"),
    ('error at 1:40: expected one of "$", "(", IF, SELECT * is not authorized with GROUP BY, TZ, [_]',
     "error at 1:40: SELECT * cannot be used with GROUP BY: name the grouped variables and the aggregates"),
    (f"error at 1:32: expected one of Prefix not found, ['%'], {NAME_CHAR}, ['.']",
     "error at 1:32: a prefixed name whose prefix is not declared"),
    ("error at 1:31: expected IRI parsing failed",
     'error at 1:31: an IRI that is not valid (percent-encode a space as %20, and any of "<>{}|^`\\ in it)'),
    ("error at 1:49: expected <unreported>", "error at 1:49: the query is not valid SPARQL at this point"),
    ("error at 1:9: expected one of Some New Check the engine makes, [_]", "error at 1:9: Some New Check the engine makes"),
    # The parser's catch-all means something only where the query ends early.
    ("error at 1:31: expected one of OPTIONAL, [_]", "error at 1:31: expected OPTIONAL"),
    ("error at 1:9: expected [_]", "error at 1:9: expected any character"),
])
def test_a_problem_the_parser_names_is_said_alone(raw, readable):
    assert readable_parse_error(raw, "x" * 100) == readable


@pytest.mark.parametrize("query", [
    "SELECT ?s ?p (COUNT(?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s", "SELECT * WHERE { ?s ?p ?o } GROUP BY ?s",
    "SELECT ?s WHERE { <http://a b> ?p ?o }", "SELCT ?s WHERE { ?s ?p ?o }", "SELECT ?s WHERE { ?s rdfs:label ?l }",
    "SELECT ?s WHERE { { _:b ?p ?o } UNION { _:b ?p2 ?o2 } }", "SELECT ?s WHERE { ?s ?p “Albi” }",
])
def test_the_engine_s_own_messages_come_out_as_sentences(query):
    # whatever version of pyoxigraph is installed: one line of message, its position, no raw classes
    with pytest.raises(SyntaxError) as raised:
        ox.Store().query(query)
    message = syntax_error_message(str(raised.value), query)
    first = message.split("\n")[0]
    assert first.startswith("SPARQL syntax error: error at ") and "[_]" not in first and "..=" not in first
    assert "<unreported>" not in message


def test_an_unknown_function_is_named_with_the_cast_it_resembles():
    with pytest.raises(Exception) as raised:  # noqa: PT011 - pyoxigraph's class for it varies
        list(ox.Store().query('SELECT (<http://www.w3.org/2001/XMLSchema#integr>("1") AS ?x) WHERE {}'))
    message = evaluation_error_message(f"{type(raised.value).__name__}: {raised.value}")
    assert message == ("The query calls <http://www.w3.org/2001/XMLSchema#integr>, which is not a function this "
                       "endpoint knows (it knows SPARQL 1.1's functions and the XSD casts such as xsd:integer(…)). "
                       "Did you mean xsd:integer?")
    assert evaluation_error_message("RuntimeError: something else") == "The query could not be evaluated: something else"


def test_nesting_depth_counts_brackets_outside_strings_and_comments():
    assert nesting_depth('SELECT * { { ?s ?p "{{{(" } FILTER((1)) } # {{{{{') == 3
    assert nesting_depth("SELECT * {}") == 1 and nesting_depth("ASK") == 0
