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


def missing(message: str):
    """Something CI must have is missing: fail under CI=true, skip visibly elsewhere."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (make test installs it as root)")
    return path


def require_shared(relative: str) -> Path:
    """Material from ../shared/, which tests read in place (never copied into the repo)."""
    path = SHARED / relative
    if not path.exists():
        missing(f"{path} is absent (shared material outside this team's machines)")
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


# --- live servers started by the tests, on 127.0.0.1 and a free port ----------------------------

def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, *, process=None, seconds: float = 20) -> None:
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {process.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - 127.0.0.1 only
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no answer from {url} within {seconds} s")


class LiveServer:
    """`territoires-lod serve` in a subprocess; `url` is its /sparql endpoint."""

    def __init__(self, *args: str, root: Path | None = None, seconds: float = 20, env: dict | None = None,
                 preexec_fn=None) -> None:
        import subprocess
        import sys

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/sparql"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "territoires_lod._cli", *(["--root", str(root)] if root else []), "serve",
             "--host", "127.0.0.1", "--port", str(self.port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env=None if env is None else {**os.environ, **env}, preexec_fn=preexec_fn)
        try:
            wait_for_http(self.url, process=self.process, seconds=seconds)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        import subprocess

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@pytest.fixture(scope="session")
def live_dataset_server(dist):
    with LiveServer("--data", str(dist / "territoires-industrie.nq"), "--timeout", "2") as server:
        yield server
