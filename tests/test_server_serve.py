"""`serve`'s listening sockets: one per front on one port, and a clear error for a taken port."""

import socket

import pytest

from territoires_lod.server._serve import _listen


def test_one_socket_per_front_on_one_port_each_taking_connections():
    socks = _listen("127.0.0.1", 0, count=2)
    try:
        ports = {s.getsockname()[1] for s in socks}
        assert len(socks) == 2 and len(ports) == 1
        port = ports.pop()
        # The kernel spreads new connections over the sockets: with enough of them, each gets some.
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(64)]
        taken = []
        for sock in socks:
            sock.setblocking(False)
            count = 0
            while True:
                try:
                    conn, _ = sock.accept()
                except BlockingIOError:
                    break
                conn.close()
                count += 1
            taken.append(count)
        for client in clients:
            client.close()
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
