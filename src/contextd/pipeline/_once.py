"""Values loaded once per process, however many threads ask for them first at the same time.

The pipeline's heavy pieces (the token counter, magika, the language weights, the embedding
models) are loaded on first use, and a worker also loads them in a background thread at
start-up while its first source may already ask for them: without one lock per value, two
threads would both pay a load of seconds and hundreds of MB. A loader may also return None
("not available here"), which is a result to keep, not a reason to load again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, cast

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

_UNSET = object()


class Once(Generic[T]):
    """`load()`'s result, computed on the first `get()`."""

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._value: object = _UNSET

    def get(self) -> T:
        value = self._value
        if value is _UNSET:
            with self._lock:
                if self._value is _UNSET:
                    self._value = self._load()
                value = self._value
        return cast(T, value)

    def replace(self, value: T) -> None:
        """Keep `value` from now on (a model that failed at run time is switched off)."""
        with self._lock:
            self._value = value


class OnceByKey(Generic[K, T]):
    """`load(key)`'s result for each key, each computed on the first `get(key)`."""

    def __init__(self, load: Callable[[K], T]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._values: dict[K, T] = {}

    def get(self, key: K) -> T:
        try:
            return self._values[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._values:
                self._values[key] = self._load(key)
            return self._values[key]
