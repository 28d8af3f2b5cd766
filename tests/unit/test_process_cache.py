"""What a process builds once: per execution environment (the local stack runs a pool of a
function's instances in one process, each with its own), forgotten on reset."""

from __future__ import annotations

import itertools

from riskwarn import process_cache


def test_each_instance_builds_its_own_and_keeps_it() -> None:
    made = itertools.count()

    @process_cache.once_per_process()
    def ports() -> int:
        return next(made)

    outside = ports()
    with process_cache.instance("Score#0"):
        first = ports()
        assert ports() == first
    with process_cache.instance("Score#1"):
        second = ports()
    with process_cache.instance("Score#0"):
        assert ports() == first
    assert len({outside, first, second}) == 3 and ports() == outside
    process_cache.reset()
    with process_cache.instance("Score#0"):
        assert ports() not in {outside, first, second}
