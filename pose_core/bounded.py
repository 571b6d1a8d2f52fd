"""A dict that holds at most a fixed number of entries, dropping the oldest first.

Sessions keep results so that a rerun or a step back costs no inference, but each
result holds images or model output: a cap bounds a session's memory. Oldest-first
(by insertion, not by use) is enough there, because a session's recent work is what
it returns to, and it keeps eviction predictable for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedDict(MutableMapping[K, V]):
    """A mapping of at most ``max_entries`` items; adding one more drops the oldest.

    "Oldest" is by insertion: assigning to an existing key keeps its place (as a
    ``dict`` does). Deleting an entry yourself does not call ``on_evict``.

    Args:
        max_entries: The most entries kept (at least 1).
        on_evict: Called with each (key, value) dropped to make room, e.g. to delete a
            file the value refers to.

    Example:
        >>> recent = BoundedDict[str, int](2)
        >>> recent["a"], recent["b"], recent["c"] = 1, 2, 3
        >>> list(recent)
        ['b', 'c']
    """

    def __init__(self, max_entries: int, on_evict: Callable[[K, V], None] | None = None) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.max_entries = max_entries
        self._on_evict = on_evict
        self._items: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __setitem__(self, key: K, value: V) -> None:
        self._items[key] = value
        while len(self._items) > self.max_entries:
            oldest = next(iter(self._items))  # dicts keep insertion order
            evicted = self._items.pop(oldest)
            if self._on_evict is not None:
                self._on_evict(oldest, evicted)

    def __delitem__(self, key: K) -> None:
        del self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        # Faster than MutableMapping's, which goes through __getitem__ and KeyError.
        return key in self._items

    def __repr__(self) -> str:
        return f"BoundedDict({self.max_entries}, {self._items!r})"
