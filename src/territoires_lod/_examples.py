"""Example queries (queries/examples/*.rq) with their titles and descriptions, for tests and query UIs.

A query file opens with comment lines, one per field and language, then the query:

    # title: [fr] Les territoires d’une région
    # title: [en] The territories of a region
    # description: [fr] …
    # description: [en] …
    # federated: true        (optional: the query calls SERVICE; our endpoint refuses it)
    PREFIX …

the same header as the check queries (queries/checks/). `title` and `description` are required
in French and English; the file name without `.rq` is the example's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ._errors import DataError

LANGUAGES = ("fr", "en")
_TEXT_FIELDS = ("title", "description")
_HEADER = re.compile(r"#\s*(?P<key>[a-z]+)\s*:\s*(?:\[(?P<lang>[a-z]{2})\]\s*)?(?P<value>.*?)\s*")


@dataclass(frozen=True)
class Example:
    id: str
    title: dict[str, str]        # language → text
    description: dict[str, str]
    text: str                    # the whole file, header included (a valid query)
    path: Path
    federated: bool = False

    @property
    def ordered(self) -> bool:
        """Whether the answer's order is part of the answer (the query ends with ORDER BY)."""
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("#"))
        return re.search(r"\bORDER\s+BY\b[^{}]*$", body, re.IGNORECASE) is not None


def parse_example(path: Path, text: str | None = None) -> Example:
    """Read one example; raise DataError naming the file, line and field at fault."""
    text = path.read_text(encoding="utf-8") if text is None else text
    fields: dict[str, dict[str, str]] = {name: {} for name in _TEXT_FIELDS}
    federated = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        match = _HEADER.fullmatch(line)
        if match is None:
            raise DataError("expected '# field: [lang] text'", path=path, line=number)
        key, lang, value = match["key"], match["lang"], match["value"]
        if key == "federated":
            if value not in ("true", "false") or lang:
                raise DataError(f"'federated' is true or false, not {value!r}", path=path, line=number,
                                field=key)
            federated = value == "true"
            continue
        if key not in fields:
            raise DataError(f"unknown field {key!r} (title, description, federated)", path=path, line=number,
                            field=key)
        if lang not in LANGUAGES:
            raise DataError("give the language, [fr] or [en], before the text", path=path, line=number,
                            field=key)
        if lang in fields[key]:
            raise DataError(f"a second [{lang}] {key}", path=path, line=number, field=key)
        if not value:
            raise DataError("empty", path=path, line=number, field=key)
        fields[key][lang] = value
    for key in _TEXT_FIELDS:
        for lang in LANGUAGES:
            if lang not in fields[key]:
                raise DataError(f"missing '# {key}: [{lang}] …' line in the header", path=path, field=key)
    return Example(id=path.stem, title=fields["title"], description=fields["description"], text=text,
                   path=path, federated=federated)


def load_examples(queries_dir: Path | str = "queries/examples") -> list[Example]:
    """Every `*.rq` of `queries_dir`, sorted by id."""
    queries_dir = Path(queries_dir)
    if not queries_dir.is_dir():
        raise DataError("no such folder", path=queries_dir)
    return [parse_example(p) for p in sorted(queries_dir.glob("*.rq"))]
