"""Shared fixtures: the repository layout, the built dataset, and tool/material availability."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from territoires_lod import Project, build, build_graph, load_records

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI") == "true"


def require_tool(name: str) -> str:
    """The path of a tool CI must have: fail under CI=true when missing, skip visibly elsewhere."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (make test installs it as root)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def require_shared(relative: str) -> Path:
    """Material from ../shared/: fail under CI=true when absent, skip visibly elsewhere."""
    path = SHARED / relative
    if not path.exists():
        message = f"{path} is absent (shared material outside this team's machines)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def copy_project(tmp_path: Path) -> Project:
    """A private copy of the project inputs, for tests that change data or shapes."""
    for name in ("data", "shapes", "ontology"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "queries").mkdir()
    shutil.copytree(ROOT / "queries" / "checks", tmp_path / "queries" / "checks")
    return Project(tmp_path)


@pytest.fixture(scope="session")
def records():
    return load_records(ROOT / "data")


@pytest.fixture(scope="session")
def dataset(records):
    return build_graph(records)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Project:
    """One real build into a temporary dist/, shared by the tests that read dumps."""
    project = copy_project(tmp_path_factory.mktemp("build"))
    build(project)
    return project


@pytest.fixture(scope="session")
def dist(built_project) -> Path:
    return built_project.dist


@pytest.fixture(scope="session")
def union(dataset):
    from territoires_lod._validate import union_graph

    return union_graph(dataset)
