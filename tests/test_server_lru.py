from territoires_lod.server._lru import BoundedLRU


def test_least_recently_used_out_within_bytes_and_entries():
    lru = BoundedLRU(max_bytes=30, max_entries=3)
    for key in "abc":
        lru.add(key, key.upper(), 10)
    assert lru.get("a") == "A"  # now the most recently used
    lru.add("d", "D", 10)
    assert lru.shrink() == [("b", "B", 10)]
    assert "b" not in lru and len(lru) == 3 and lru.size == 30
    lru.add("e", "E", 25)
    assert [key for key, _, _ in lru.shrink()] == ["c", "a", "d"]
    assert lru.pop("e") == "E" and lru.size == 0 and lru.get("e") is None
