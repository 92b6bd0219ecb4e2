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


_GONE = "the query worker closed its connection"


class Connection(asyncio.Protocol):
    """The front's end of a worker's socket, one request at a time: `await connection.ask(message)`.
    A Protocol rather than a StreamReader: the reply resolves a future directly from the event
    loop's read callback, which saves the stream machinery on each of thousands of cheap queries."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buffer = bytearray()
        self._reply: asyncio.Future | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) < _HEADER.size:
            return
        end = _HEADER.size + _HEADER.unpack_from(self._buffer)[0]
        if len(self._buffer) < end:
            return
        message = pickle.loads(memoryview(self._buffer)[_HEADER.size:end])  # noqa: S301 - our own processes
        del self._buffer[:end]
        if self._reply is not None and not self._reply.done():
            self._reply.set_result(message)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self._reply is not None and not self._reply.done():
            self._reply.set_exception(EOFError(_GONE))

    def ask(self, message) -> asyncio.Future:
        """Send one message; the future resolves to the reply (EOFError when the worker is gone)."""
        self._reply = asyncio.get_running_loop().create_future()
        if self.closed:
            self._reply.set_exception(EOFError(_GONE))
        else:
            self.transport.write(encode(message))
        return self._reply

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(sock: socket.socket) -> Connection:
    _, connection = await asyncio.get_running_loop().create_unix_connection(Connection, sock=sock)
    return connection
