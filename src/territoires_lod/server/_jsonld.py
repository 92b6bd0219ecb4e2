"""JSON-LD documents whose contexts are other local files, for pyoxigraph, which reads no context
from elsewhere (the JSON-LD dump names `context.jsonld` beside it).

A context named by a relative reference is read from the folder of the file naming it (or
below), written into the document, and so are the contexts those name (`@context` and
`@import`). Remote contexts are an error: the server opens no outbound connection because of
its data either.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path


class ContextError(SyntaxError):
    """A context that cannot be read here (pyoxigraph's parse errors are SyntaxErrors too)."""


def with_local_contexts(path: Path) -> tuple[bytes, list[Path]]:
    """The document at `path` with its local contexts written in, and the context files read
    (part of the data: their bytes belong in its version)."""
    try:
        document = json.loads(path.read_bytes())
    except ValueError as exc:
        raise ContextError(str(exc)) from None
    reader = _Contexts(root=path.resolve().parent)
    inlined = reader.nodes(document, path.resolve().parent)
    return json.dumps(inlined, ensure_ascii=False).encode("utf-8"), list(reader.read)


class _Contexts:
    def __init__(self, *, root: Path) -> None:
        self.root = root
        self.read: dict[Path, object] = {}  # each file's context, inlined, read once
        self.reading: list[Path] = []  # the chain being read, to name a cycle
        # Terms some context types @json (wherever it applies: a JSON literal is left as it is)
        self.json_terms: set[str] = set()

    def nodes(self, node, base: Path):
        """A node object or array with every `@context` in it inlined; not inside a JSON literal
        (`@value`, or a term a context types `@json`), whose keys are data."""
        if isinstance(node, list):
            return [self.nodes(item, base) for item in node]
        if not isinstance(node, dict):
            return node
        context = self.context(node["@context"], base) if "@context" in node else None  # first: its @json terms
        return {key: context if key == "@context"
                else value if key == "@value" or key in self.json_terms else self.nodes(value, base)
                for key, value in node.items()}

    def context(self, value, base: Path):
        if isinstance(value, list):
            return [self.context(item, base) for item in value]
        if isinstance(value, str):
            return self.file(value, base)
        if isinstance(value, dict):
            definition = self.nodes(value, base)  # scoped contexts in its term definitions
            self.json_terms.update(term for term, rule in definition.items()
                                   if isinstance(rule, dict) and rule.get("@type") == "@json")
            imported = definition.pop("@import", None)
            if isinstance(imported, str):
                found = self.file(imported, base)
                if not isinstance(found, dict):
                    raise ContextError(f"the JSON-LD context {imported!r} (@import) is not a single object")
                definition = {**found, **definition}
            return definition
        return value

    def file(self, reference: str, base: Path):
        if "://" in reference or reference.startswith("/") or ":" in reference.split("/")[0]:
            raise ContextError(f"the JSON-LD context {reference!r} is not a file in the data's folder: "
                               "save it there and name it relatively (remote contexts are not fetched)")
        source = (base / urllib.parse.unquote(reference)).resolve()
        if not source.is_relative_to(self.root):
            raise ContextError(f"the JSON-LD context {reference!r} is outside the data's folder ({self.root})")
        if source in self.reading:
            chain = " → ".join(p.name for p in [*self.reading[self.reading.index(source):], source])
            raise ContextError(f"the JSON-LD contexts name each other in a cycle: {chain}")
        if source not in self.read:
            try:
                document = json.loads(source.read_bytes())
            except (OSError, ValueError) as exc:
                raise ContextError(f"the JSON-LD context {reference!r} cannot be read from {source}: {exc}") from None
            if not isinstance(document, dict) or "@context" not in document:
                raise ContextError(f"{source} has no @context")
            self.reading.append(source)
            try:
                self.read[source] = self.context(document["@context"], source.parent)
            finally:
                self.reading.pop()
        return self.read[source]
