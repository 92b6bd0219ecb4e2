"""`serve`'s listening sockets: one per front on one port, and a clear error for a taken port."""

import contextlib
import os
import select
import socket
import sys
import time

import pytest

from territoires_lod.server._serve import _listen

from .conftest import LiveServer


def test_one_socket_per_front_on_one_port_each_taking_connections():
    socks = _listen("127.0.0.1", 0, count=2)
    try:
        ports = {s.getsockname()[1] for s in socks}
        assert len(socks) == 2 and len(ports) == 1
        port = ports.pop()
        # The kernel spreads new connections over the sockets: with enough of them, each gets some.
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(64)]
        taken = dict.fromkeys(socks, 0)
        deadline = time.monotonic() + 10  # a handshake may reach its queue a little later under load
        while sum(taken.values()) < 64 and time.monotonic() < deadline:
            ready, _, _ = select.select(socks, [], [], 0.1)
            for sock in ready:
                sock.accept()[0].close()
                taken[sock] += 1
        for client in clients:
            client.close()
        taken = list(taken.values())
        assert sum(taken) == 64 and min(taken) > 0
    finally:
        for sock in socks:
            sock.close()


def test_a_closed_socket_leaves_its_connections_to_the_others():
    socks = _listen("127.0.0.1", 0, count=2)
    port = socks[0].getsockname()[1]
    socks[0].close()  # a front that is gone
    try:
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        socks[1].settimeout(2)
        for _ in clients:
            socks[1].accept()[0].close()
        for client in clients:
            client.close()
    finally:
        socks[1].close()


@pytest.mark.parametrize("count", [1, 2])
def test_a_port_already_taken_is_a_clear_error_not_a_share(count):
    for first in (1, 2):  # whether the server already there has one socket or several
        taken = _listen("127.0.0.1", 0, count=first)
        port = taken[0].getsockname()[1]
        try:
            with pytest.raises(ValueError, match=rf"cannot listen on 127\.0\.0\.1:{port} \(--host, --port\)"):
                _listen("127.0.0.1", port, count=count)
        finally:
            for sock in taken:
                sock.close()


def test_without_reuse_port_the_fronts_share_one_socket():
    socks = _listen("127.0.0.1", 0, count=3, reuse_port=False)
    try:
        assert len(socks) == 3 and socks[0] is socks[1] is socks[2]
        with pytest.raises(ValueError, match="Address already in use"):
            _listen("127.0.0.1", socks[0].getsockname()[1], count=2)
    finally:
        socks[0].close()


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as f:
            for line in list(f)[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                    inodes.add(fields[9])
    return inodes


def _tree(pid: int) -> dict[int, list[int]]:
    """Each process of the tree under `pid` (itself included) and its children."""
    tree, todo = {}, [pid]
    while todo:
        current = todo.pop()
        children = []
        for task in os.listdir(f"/proc/{current}/task"):
            with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as f:
                children += [int(c) for c in f.read().split()]
        tree[current] = children
        todo += children
    return tree


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    return inodes


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreads connections on Linux only")
def test_each_front_alone_holds_its_own_listening_socket(dist):
    with LiveServer("--data", str(dist / "territoires-industrie.nq"), "--fronts", "2") as server:
        listening = _listening_inodes(server.port)
        tree = _tree(server.process.pid)
        holders = {pid: _socket_inodes(pid) & listening for pid in tree}
    assert len(listening) == 2
    assert not holders[server.process.pid]  # the supervisor closed them once the fronts were forked
    fronts = [pid for pid, held in holders.items() if held]
    # Each socket in exactly one process, a front (a child of the supervisor without children of
    # its own: not the zygote, nor one of its workers).
    assert len(fronts) == 2 and all(len(holders[pid]) == 1 for pid in fronts)
    assert holders[fronts[0]] != holders[fronts[1]]
    assert all(pid in tree[server.process.pid] and not tree[pid] for pid in fronts)


@pytest.mark.parametrize("host, port", [("127.0.0.1", 70000), ("192.0.2.1", 8000)])
def test_an_address_that_cannot_be_listened_on_is_a_clear_error(host, port):
    # A port out of range; an address (TEST-NET-1) that is not this machine's.
    with pytest.raises(ValueError, match=r"cannot listen on .* \(--host, --port\): "):
        _listen(host, port, count=2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_query_workers_do_not_carry_the_fronts_web_stack(dist):
    # FastAPI (pydantic's compiled core) and uvicorn's parser are imported after the zygote forks
    # and before the fronts do: each query worker would otherwise hold tens of MiB more.
    def mapped(pid):
        with open(f"/proc/{pid}/maps", encoding="ascii", errors="replace") as f:
            return f.read()

    with LiveServer("--data", str(dist / "territoires-industrie.nq"), "--fronts", "2") as server:
        tree = _tree(server.process.pid)
        zygote = next(pid for pid in tree[server.process.pid] if tree[pid])
        fronts = [pid for pid in tree[server.process.pid] if pid != zygote]
        for pid in (zygote, *tree[zygote]):
            assert "pydantic_core" not in mapped(pid) and "httptools" not in mapped(pid)
        assert all("pydantic_core" in mapped(pid) for pid in fronts)


def _limits_after(soft: int, hard: int) -> tuple[int, int, int]:
    """(connections per front, soft, hard) as `connections_per_front` leaves them, in a child
    process whose open-file limits were set to `soft`, `hard` (a lowered hard limit is for good)."""
    import subprocess

    code = ("import resource\n"
            f"resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, {hard}))\n"
            "from territoires_lod.server._serve import connections_per_front\n"
            "n = connections_per_front()\n"
            "print(n, *resource.getrlimit(resource.RLIMIT_NOFILE))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return tuple(int(x) for x in out.stdout.split())


def test_the_open_file_limit_is_raised_for_the_connections_a_front_holds():
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 4096 + 256:
        pytest.skip(f"this machine's hard open-file limit ({hard}) is below what a front asks for")
    connections, soft, _ = _limits_after(1024, hard)  # a common default soft limit
    assert connections == 4096 and soft == 4096 + 256


def test_under_a_low_hard_limit_a_front_holds_fewer_connections():
    connections, soft, hard = _limits_after(512, 1000)
    assert (soft, hard) == (1000, 1000) and connections == 1000 - 256  # 503 past them, not resets


def _low_file_limit() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))


def test_a_front_under_a_low_file_limit_answers_503_past_what_it_can_hold(dist):
    import httpx

    server = LiveServer("--data", str(dist / "territoires-industrie.nq"), "--fronts", "1", preexec_fn=_low_file_limit)
    idle = []
    try:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(60)]  # 300 - 256 = 44 held
        time.sleep(0.5)
        answer = httpx.get(server.url, params={"query": "ASK {}"}, timeout=10)
        assert answer.status_code == 503  # not a reset
    finally:
        for sock in idle:
            sock.close()
        server.stop()
    assert "each front answers 503 past 44 connections" in server.process.stderr.read()
