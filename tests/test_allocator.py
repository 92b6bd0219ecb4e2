"""`territoires-lod serve` runs itself again with mimalloc preloaded, when it is installed."""

from __future__ import annotations

import ctypes.util
import os

import pytest

from territoires_lod import _allocator
from territoires_lod._allocator import ENV, allocator_in_use, exec_with_mimalloc

from .conftest import LiveServer, missing


def _mapped(pid: int) -> str:
    with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
        return maps.read()


def test_a_chosen_allocator_is_kept(monkeypatch):
    def no_exec(*args):
        raise AssertionError("must not run the command again")

    monkeypatch.setattr(os, "execve", no_exec)
    for choice in ("system", "mimalloc"):
        monkeypatch.setenv(ENV, choice)
        exec_with_mimalloc()


def test_without_mimalloc_the_command_goes_on(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setattr(_allocator.ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(os, "execve", lambda *args: pytest.fail("must not run the command again"))
    exec_with_mimalloc()


def test_the_command_runs_again_with_mimalloc_preloaded(monkeypatch):
    calls = []
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("LD_PRELOAD", "libother.so")
    monkeypatch.setattr(_allocator.ctypes.util, "find_library", lambda name: f"lib{name}.so.2")
    monkeypatch.setattr(os, "execve", lambda path, argv, env: calls.append((path, argv, env)))
    exec_with_mimalloc()
    [(path, argv, env)] = calls
    assert argv == __import__("sys").orig_argv
    assert env[ENV] == "mimalloc" and env["LD_PRELOAD"] == "libmimalloc.so.2 libother.so"


def test_this_process_reports_its_allocator():
    assert allocator_in_use() in ("mimalloc", "system")


@pytest.fixture(scope="module")
def mimalloc():
    if ctypes.util.find_library("mimalloc") is None:
        missing("libmimalloc2.0 (Debian) is not installed: `make test` installs it")


def test_the_server_runs_with_mimalloc(dist, mimalloc):
    with LiveServer("--data", str(dist / "territoires-industrie.nq"), env={ENV: ""}) as server:
        assert "libmimalloc" in _mapped(server.process.pid)


def test_the_server_keeps_glibc_malloc_when_asked(dist, mimalloc):
    with LiveServer("--data", str(dist / "territoires-industrie.nq"), env={ENV: "system"}) as server:
        assert "libmimalloc" not in _mapped(server.process.pid)
