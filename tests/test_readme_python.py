"""The README's "Python usage" snippets run as written (the endpoint one against a live server)."""

import contextlib
import io
import os
import re

import pytest

from .conftest import ROOT


def python_usage_snippets() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python usage\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def run(code: str) -> str:
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)  # the snippets use paths relative to the project folder
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README
    finally:
        os.chdir(cwd)
    return out.getvalue()


def test_there_are_two_snippets():
    assert len(python_usage_snippets()) == 2


def test_loading_the_graph_from_the_package():
    lines = run(python_usage_snippets()[0]).splitlines()
    assert lines[0] == "10"
    assert "territories-of-a-region — The territories of a region, according to each source" in lines


@pytest.mark.usefixtures("dist")
def test_querying_a_running_endpoint_with_sparqlwrapper(live_dataset_server):
    snippet = python_usage_snippets()[1]
    assert "http://127.0.0.1:8000/sparql" in snippet
    lines = run(snippet.replace("http://127.0.0.1:8000/sparql", live_dataset_server.url)).splitlines()
    assert len(lines) == 10
    assert "Pau – Tarbes 3 false" in lines and "Narbonne 4 true" in lines
