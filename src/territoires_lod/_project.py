"""Where the build reads and writes (no rdflib: `serve` finds the dumps with it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    """Where the build reads and writes; defaults are the repository layout."""

    root: Path = Path(".")

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes"

    @property
    def checks(self) -> Path:
        return self.root / "queries" / "checks"

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "territoires-industrie.ttl"

    @property
    def dist(self) -> Path:
        return self.root / "dist"
