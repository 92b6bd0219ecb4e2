"""Messages between the front and its query workers (server/_wire.py)."""

import asyncio
import socket
import threading

from territoires_lod.server import _wire


def test_the_reader_returns_messages_one_by_one_however_they_arrive():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        data = _wire.encode({"n": 1}) + _wire.encode(("two", b"\x00" * 100_000)) + _wire.encode(3)
        # in uneven pieces, some splitting a header, from another thread (the reader blocks)
        pieces = [data[:2], data[2:7], data[7:70_000], data[70_000:]]
        sender = threading.Thread(target=lambda: [theirs.sendall(p) for p in pieces])
        sender.start()
        reader = _wire.Reader(ours)
        assert reader.recv() == {"n": 1}
        assert reader.recv() == ("two", b"\x00" * 100_000)
        assert reader.recv() == 3
        sender.join()
        theirs.shutdown(socket.SHUT_WR)
        assert reader.recv() is None


def test_a_connection_sends_in_one_write_and_hands_each_reply_over_in_order():
    async def body():
        ours, theirs = socket.socketpair()
        replies, lost = [], []
        connection = await _wire.connect(ours, on_reply=replies.append, on_lost=lambda: lost.append(True))
        for n in range(3):
            connection.send(n)
        await asyncio.sleep(0.05)
        theirs.setblocking(False)
        received = theirs.recv(1 << 16)
        assert received == b"".join(_wire.encode(n) for n in range(3))
        theirs.sendall(_wire.encode("a") + _wire.encode("b")[:3])
        await asyncio.sleep(0.05)
        theirs.sendall(_wire.encode("b")[3:])
        await asyncio.sleep(0.05)
        assert replies == ["a", "b"]
        theirs.close()
        await asyncio.sleep(0.05)
        assert lost == [True] and connection.closed
        connection.send("ignored once closed")
        connection.close()
    asyncio.run(body())
