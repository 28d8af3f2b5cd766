"""What a process builds once and keeps: settings, AWS clients, the ports of each function.

In Lambda an execution environment builds these on its first invocation and reuses them
(cold start once, warm after). Everything cached this way registers here, so whoever must
start over in the same process — the embedded local stack when it points the functions at
a new emulator, a test that switches endpoints — calls `reset()`, the one hook, instead of
reaching into the modules that keep them.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_CACHES: list[Any] = []
# Which execution environment the running code belongs to. In Lambda that is the process;
# the embedded local stack runs several instances of a function in one process (a pool, as
# Lambda scales out) and gives each its own key, so each builds and keeps its own.
_INSTANCE: ContextVar[str] = ContextVar("riskwarn_instance", default="")


@contextmanager
def instance(key: str) -> Iterator[None]:
    """Run as the execution environment `key` (the local stack's function instances)."""
    token = _INSTANCE.set(key)
    try:
        yield
    finally:
        _INSTANCE.reset(token)


def once_per_process(maxsize: int = 1) -> Callable[[F], F]:
    """`functools.lru_cache` per execution environment, registered with `reset()`."""

    def wrap(fn: F) -> F:
        caches: dict[str, Callable[..., Any]] = {}
        lock = threading.Lock()

        @functools.wraps(fn)
        def cached(*args: Any, **kwargs: Any) -> Any:
            key = _INSTANCE.get()
            mine = caches.get(key)
            if mine is None:
                with lock:
                    mine = caches.setdefault(key, lru_cache(maxsize=maxsize)(fn))
            return mine(*args, **kwargs)

        cached.cache_clear = caches.clear  # type: ignore[attr-defined]
        _CACHES.append(cached)
        return cached  # type: ignore[return-value]

    return wrap


def reset() -> None:
    """Forget everything cached per process (it is built again on next use)."""
    for cached in _CACHES:
        cached.cache_clear()
