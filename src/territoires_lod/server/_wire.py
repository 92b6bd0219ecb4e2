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


class Reader:
    """Blocking reads of messages, buffered: one recv() brings a whole message or several (a
    query worker's loop; `recv` above reads exactly one message and nothing beyond it)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()

    def recv(self):
        """The next message; None when the other end has closed."""
        buffer = self._buffer
        while True:
            if len(buffer) >= _HEADER.size:
                end = _HEADER.size + _HEADER.unpack_from(buffer)[0]
                if len(buffer) >= end:
                    message = pickle.loads(memoryview(buffer)[_HEADER.size:end])  # noqa: S301 - our own processes
                    del buffer[:end]
                    return message
            chunk = self._sock.recv(1 << 16)
            if not chunk:
                return None
            buffer += chunk


class Connection(asyncio.Protocol):
    """The front's end of a worker's socket. Requests may be sent ahead (pipelined): the worker
    answers them in order, and each reply goes to `on_reply(message)` straight from the event
    loop's read callback; `on_lost()` is called once when the worker is gone."""

    def __init__(self, on_reply, on_lost) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buffer = bytearray()
        self._on_reply = on_reply
        self._on_lost = on_lost
        self._outgoing: list[bytes] = []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while len(buffer) >= _HEADER.size:
            end = _HEADER.size + _HEADER.unpack_from(buffer)[0]
            if len(buffer) < end:
                return
            message = pickle.loads(memoryview(buffer)[_HEADER.size:end])  # noqa: S301 - our own processes
            del buffer[:end]
            self._on_reply(message)

    def connection_lost(self, exc) -> None:
        self.closed = True
        self._on_lost()

    def send(self, message) -> None:
        """Queue a message; those sent in one turn of the event loop go in one write (each write
        wakes the worker: fewer wake-ups, less CPU on a busy machine)."""
        if self.closed:
            return
        if not self._outgoing:
            asyncio.get_running_loop().call_soon(self._flush)
        self._outgoing.append(encode(message))

    def _flush(self) -> None:
        outgoing, self._outgoing = self._outgoing, []
        if not self.closed:
            self.transport.write(b"".join(outgoing))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(sock: socket.socket, *, on_reply, on_lost) -> Connection:
    _, connection = await asyncio.get_running_loop().create_unix_connection(
        lambda: Connection(on_reply, on_lost), sock=sock)
    return connection
