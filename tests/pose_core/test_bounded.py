"""BoundedDict: oldest-first eviction, the eviction callback, the mapping protocol."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pose_core.bounded import BoundedDict


def test_the_oldest_entries_go_first_and_are_reported():
    evicted: list[tuple[str, int]] = []
    cache = BoundedDict[str, int](3, on_evict=lambda k, v: evicted.append((k, v)))
    for i, key in enumerate("abcde"):
        cache[key] = i
    assert list(cache.items()) == [("c", 2), ("d", 3), ("e", 4)]
    assert evicted == [("a", 0), ("b", 1)]


def test_updating_a_key_keeps_its_place_and_evicts_nothing():
    evicted: list[str] = []
    cache = BoundedDict[str, int](2, on_evict=lambda k, _v: evicted.append(k))
    cache["a"], cache["b"] = 1, 2
    cache["a"] = 10
    assert list(cache) == ["a", "b"] and cache["a"] == 10 and not evicted
    cache["c"] = 3  # "a" is still the oldest insertion
    assert list(cache) == ["b", "c"] and evicted == ["a"]


def test_the_mapping_protocol():
    cache = BoundedDict[tuple[str, int], str](4)
    cache[("x", 1)] = "one"
    assert ("x", 1) in cache and ("x", 2) not in cache
    assert cache.get(("x", 2)) is None and cache.get(("x", 1)) == "one"
    assert cache.setdefault(("x", 2), "two") == "two" and len(cache) == 2
    del cache[("x", 1)]
    assert cache.pop(("x", 2)) == "two" and len(cache) == 0
    with pytest.raises(KeyError):
        cache[("x", 1)]
    with pytest.raises(ValueError):
        BoundedDict(0)


@given(st.integers(1, 6), st.lists(st.integers(0, 9), max_size=40))
def test_it_holds_the_last_distinct_insertions(max_entries, keys):
    cache = BoundedDict[int, int](max_entries)
    model: dict[int, int] = {}
    for n, key in enumerate(keys):
        cache[key] = n
        model[key] = n
        while len(model) > max_entries:
            del model[next(iter(model))]
    assert list(cache.items()) == list(model.items())
