"""The base of the dataset's IRIs and its rule, without rdflib: the command line and the server's
query workers import this, not the graph code."""

from __future__ import annotations

CANONICAL_BASE = "https://w3id.org/territoires-industrie/"


def checked_base(base: str) -> str:
    if not base.endswith("/"):
        raise ValueError(f"base IRI must end with '/': {base!r}")
    return base
