"""What a process builds once and keeps: settings, AWS clients, the ports of each function.

In Lambda an execution environment builds these on its first invocation and reuses them
(cold start once, warm after). Everything cached this way registers here, so whoever must
start over in the same process — the embedded local stack when it points the functions at
a new emulator, a test that switches endpoints — calls `reset()`, the one hook, instead of
reaching into the modules that keep them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_CACHES: list[Any] = []


def once_per_process(maxsize: int = 1) -> Callable[[F], F]:
    """`functools.lru_cache`, registered with `reset()`."""

    def wrap(fn: F) -> F:
        cached = lru_cache(maxsize=maxsize)(fn)
        _CACHES.append(cached)
        return cached  # type: ignore[return-value]

    return wrap


def reset() -> None:
    """Forget everything cached per process (it is built again on next use)."""
    for cached in _CACHES:
        cached.cache_clear()
