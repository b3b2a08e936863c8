"""Pieces of answers each worker keeps while what they show is unchanged (docs/live.md,
"Response cache"): a relation is five parts (missions, staffing, measures, disputes, events),
and a new event remakes the events part only, not the whole picture."""

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from cachetools import LRUCache

from app.changes.live import Hub

T = TypeVar("T")


class Kept:
    """Each piece is kept with the version of the resources it shows (`Hub.version`), read
    before it is made: a change that commits while it is being made moves the version, so the
    next request makes it again."""

    def __init__(self, hub: Hub, entries: int) -> None:
        self.hub = hub
        self.entries = entries  # 0: none kept
        self.kept: LRUCache[Hashable, tuple[int, Any]] = LRUCache(maxsize=max(entries, 1))
        self.lock = threading.Lock()  # pieces are made in the thread pool on PostgreSQL

    def get(self, key: Hashable, shows: Iterable[str], make: Callable[[], T]) -> T:
        if not self.entries:
            return make()
        version = self.hub.version(shows)
        with self.lock:
            found = self.kept.get(key)
        if found is not None and found[0] == version:
            value: T = found[1]
            return value
        made = make()
        with self.lock:
            self.kept[key] = (version, made)
        return made
