"""Read the source tables (CSV and YAML) and check CSV rows against `datapackage.yaml`."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ._errors import DataError, DataErrors
from ._values import parse_partial_date


class YamlMap(dict):
    """A YAML mapping that remembers the line it starts on, for error messages."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> YamlMap:
    mapping = YamlMap(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Keep dates as text: the data gives partial dates (2019-03) and YAML would turn full ones into date objects.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.load(f, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except FileNotFoundError:
        raise DataError("file not found", path=path) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise DataError(f"not valid YAML: {exc.problem}", path=path, line=line) from None


@dataclass(frozen=True)
class Row:
    """One CSV row with its values converted by the schema."""

    path: Path
    line: int
    values: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def error(self, field: str, message: str) -> DataError:
        return DataError(message, path=self.path, line=self.line, field=field)


def read_table(path: Path, schema: dict) -> list[Row]:
    """Read a CSV file, check each row against the Table Schema, and convert its values.

    All errors of the file are collected and raised together, so a user fixes them in one pass.
    """
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    rows: list[Row] = []
    errors: list[DataError] = []
    try:
        f = path.open(encoding="utf-8", newline="")
    except FileNotFoundError:
        raise DataError("file not found", path=path) from None
    with f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != names:
            raise DataError(f"header must be {','.join(names)}; found {','.join(header or [])}",
                            path=path, line=1)
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(names):
                errors.append(DataError(f"expected {len(names)} fields, found {len(record)}",
                                        path=path, line=line))
                continue
            values = {}
            for field, cell in zip(fields, record):
                try:
                    values[field["name"]] = _convert(cell, field)
                except ValueError as exc:
                    errors.append(DataError(str(exc), path=path, line=line, field=field["name"]))
            rows.append(Row(path, line, values))
    if errors:
        raise DataErrors(errors)
    return rows


def _convert(cell: str, field: dict) -> Any:
    constraints = field.get("constraints", {})
    if cell != cell.strip():
        raise ValueError(f"leading or trailing spaces in {cell!r}")
    if cell == "":
        if constraints.get("required"):
            raise ValueError("required, but empty")
        return [] if field["type"] == "list" else None
    kind = field["type"]
    if kind == "list":
        items = cell.split()
        for item in items:
            _check_constraints(item, constraints)
        return items
    _check_constraints(cell, constraints)
    if kind == "integer":
        if not re.fullmatch(r"-?[0-9]+", cell):
            raise ValueError(f"not an integer: {cell!r}")
        value = int(cell)
        if "minimum" in constraints and value < constraints["minimum"]:
            raise ValueError(f"{value} is below the minimum {constraints['minimum']}")
        return value
    if kind == "partial-date":
        return parse_partial_date(cell)
    if field.get("format") == "uri" and not re.fullmatch(r"https?://\S+", cell):
        raise ValueError(f"not an http(s) URL: {cell!r}")
    return cell


def _check_constraints(value: str, constraints: dict) -> None:
    pattern = constraints.get("pattern")
    if pattern and not re.fullmatch(pattern, value):
        raise ValueError(f"{value!r} does not match the pattern {pattern}")
    enum = constraints.get("enum")
    if enum and value not in enum:
        raise ValueError(f"{value!r} is not one of {', '.join(enum)}")
