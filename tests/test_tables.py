from pathlib import Path

import pytest

from territoires_lod._errors import DataError, DataErrors
from territoires_lod._tables import read_table, read_yaml

SCHEMA = {"fields": [
    {"name": "id", "type": "string", "constraints": {"required": True, "pattern": "[a-z]+"}},
    {"name": "value", "type": "integer", "constraints": {"minimum": 0}},
    {"name": "date", "type": "partial-date"},
    {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
    {"name": "sources", "type": "list", "constraints": {"required": True}},
    {"name": "url", "type": "string", "format": "uri"},
]}
HEADER = "id,value,date,kind,sources,url\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_are_converted(tmp_path):
    rows = read_table(write(tmp_path, HEADER + "abc,4,2019-03,a,s1 s2,https://x.fr\n\n"), SCHEMA)
    assert len(rows) == 1
    row = rows[0]
    assert (row["id"], row["value"], row["date"].text, row["sources"], row.line) == ("abc", 4, "2019-03", ["s1", "s2"], 2)


@pytest.mark.parametrize(("line", "field", "message"), [
    ("ABC,1,,,s,", "id", "does not match the pattern"),
    (",1,,,s,", "id", "required"),
    ("abc,x,,,s,", "value", "not an integer"),
    ("abc,-1,,,s,", "value", "below the minimum"),
    ("abc,1,2018-02-30,,s,", "date", "not a real date"),
    ("abc,1,,c,s,", "kind", "is not one of a, b"),
    ("abc,1,,,,", "sources", "required"),
    ("abc,1,,,s,ftp://x", "url", "not an http(s) URL"),
    ("abc, 1,,,s,", "value", "spaces"),
])
def test_bad_cells_name_file_line_and_field(tmp_path, line, field, message):
    path = write(tmp_path, HEADER + "ok,1,,,s,\n" + line + "\n")
    with pytest.raises(DataErrors) as info:
        read_table(path, SCHEMA)
    [error] = info.value.errors
    assert (error.line, error.field) == (3, field)
    assert message in str(error)
    assert str(error).startswith(f"{path}:3: {field}: ") or f"t.csv:3: {field}: " in str(error)


def test_all_errors_of_a_file_are_reported_together(tmp_path):
    with pytest.raises(DataErrors) as info:
        read_table(write(tmp_path, HEADER + "A,x,,,s,\nb,1,,z,s,\n"), SCHEMA)
    assert [(e.line, e.field) for e in info.value.errors] == [(2, "id"), (2, "value"), (3, "kind")]


def test_wrong_header_and_field_count(tmp_path):
    with pytest.raises(DataError, match="header must be id,value"):
        read_table(write(tmp_path, "id,value\n"), SCHEMA)
    with pytest.raises(DataErrors, match="expected 6 fields, found 2"):
        read_table(write(tmp_path, HEADER + "a,b\n"), SCHEMA)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "nope.csv", SCHEMA)
    with pytest.raises(DataError, match="file not found"):
        read_yaml(tmp_path / "nope.yaml")


def test_yaml_keeps_lines_and_dates_as_text(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nitems:\n  - {id: x, date: 2018-11-22}\n", encoding="utf-8")
    doc = read_yaml(path)
    assert doc["items"][0].line == 3
    assert doc["items"][0]["date"] == "2018-11-22"


def test_bad_yaml_names_the_line(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb: [unclosed\nc: 2\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_yaml(path)
    assert info.value.line is not None and "not valid YAML" in str(info.value)
