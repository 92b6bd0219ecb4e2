"""Length-prefixed pickled messages over a Unix stream socket (front ↔ query workers).

Only our own processes are at either end of these sockets, so pickle is safe here.
"""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct

_HEADER = struct.Struct("!I")


def encode(message) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(payload)) + payload


def send(sock: socket.socket, message) -> None:
    sock.sendall(encode(message))


def recv(sock: socket.socket):
    """Blocking read of one message; None when the other end has closed."""
    header = _recv_exactly(sock, _HEADER.size)
    if header is None:
        return None
    payload = _recv_exactly(sock, _HEADER.unpack(header)[0])
    return None if payload is None else pickle.loads(payload)  # noqa: S301 - our own processes


def _recv_exactly(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


async def async_recv(reader: asyncio.StreamReader):
    """One message from a worker; raises EOFError when the worker is gone."""
    try:
        header = await reader.readexactly(_HEADER.size)
        payload = await reader.readexactly(_HEADER.unpack(header)[0])
    except asyncio.IncompleteReadError:
        raise EOFError("the query worker closed its connection") from None
    return pickle.loads(payload)  # noqa: S301 - our own processes
