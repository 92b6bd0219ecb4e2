from territoires_lod.server._cache import CachedAnswer, ResultCache


def answer(size: int) -> CachedAnswer:
    return CachedAnswer(b"x" * size, "text/plain")


def test_expensive_answers_are_kept_at_once_cheap_ones_when_asked_again():
    cache = ResultCache(max_bytes=8000, max_entry_bytes=500)
    cache.put("a", answer(10))  # expensive by default
    assert cache.get("a") is not None
    cache.put("b", answer(10), expensive=False)
    assert cache.get("b") is None
    cache.put("b", answer(10), expensive=False)
    assert cache.get("b") is not None
    assert (cache.hits, cache.misses) == (2, 1)


def test_one_off_answers_churn_in_probation_and_never_push_out_answers_read_again():
    cache = ResultCache(max_bytes=8000, max_entry_bytes=8000)
    assert cache.max_entry_bytes == 1000  # an entry must fit in probation, an eighth of the budget
    for n in range(5):
        cache.put(f"kept{n}", answer(99))
        assert cache.get(f"kept{n}") is not None  # read again: protected
    for n in range(1000):  # a flood of distinct, expensive, one-off answers
        cache.put(f"once{n}", answer(99))
    assert all(cache.get(f"kept{n}") is not None for n in range(5))
    assert cache.size <= 1000 + 5 * 104  # probation full, protected as it was
    assert cache.get("once999") is not None and cache.get("once0") is None


def test_the_budget_holds_and_protected_overflow_gets_a_last_chance_in_probation():
    cache = ResultCache(max_bytes=800, max_entry_bytes=100)
    for n in range(20):
        cache.put(f"k{n:02}", answer(97))  # 100 bytes each with the key
        cache.get(f"k{n:02}")
        assert cache.size <= cache.max_bytes
    assert len(cache) == 8  # 7 protected, the last one pushed out of it waiting in probation
    assert cache.get("k12") is not None  # back from probation
    assert cache.get("k11") is None


def test_derived_bytes_share_the_budget():
    cache = ResultCache(max_bytes=8000, max_entry_bytes=500)
    cache.put_extra(("gzip", "a"), b"zz")
    assert cache.get_extra(("gzip", "a")) is None  # derived once: not kept yet
    cache.put_extra(("gzip", "a"), b"zz")
    assert cache.get_extra(("gzip", "a")) == b"zz"
    assert cache.size == 2 + len(repr(("gzip", "a")))
