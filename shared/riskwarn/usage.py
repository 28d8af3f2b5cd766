"""The one error every `riskwarn` command raises for bad input: one line on stderr and exit
status 2, never a traceback (`cli.main` turns it into that)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

N = TypeVar("N", int, float)


class UsageError(Exception):
    pass


def bounded(cast: Callable[[str], N], low: N, high: N | None = None) -> Callable[[str], N]:
    """An argparse type: a whole number (`int`) or a number (`float`) from `low` to `high`;
    argparse prints what is wrong in one line."""
    kind = "a whole number" if cast is int else "a number"

    def parse(text: str) -> N:
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {kind}: {text!r}") from None
        if high is None and value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low:g}: {text}")
        if high is not None and not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}: {text}")
        return value

    return parse
