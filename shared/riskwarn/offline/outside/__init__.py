"""Outside generators, converted to the event contract (docs/events.md): open-source
simulators from PyPI that riskwarn was not built on, so that detection is measured on
populations it did not make. Each converter yields events (JSON-ready dicts, in
`occurred_at` order) and, apart from them, the episodes: which events belong to which
labelled scenario. Labels never ride on the events.

The generators are installed with the `train` extra only (`pip install -e '.[train]'`);
the scoring path never imports this package.

| name | package (licence) | what it makes |
|---|---|---|
| `finforge` | finforge 3.0.0 (MIT) | persona-driven users over months; card fraud, account |
|  |  | takeover, mule accounts, refund abuse, invoice fraud |
| `synthfin` | synthfin-aml 9.2.0 (MIT) | a transfer graph with fan-in / fan-out mule chains |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import orjson

__all__ = ["GENERATORS", "Converted", "OutsideSpec", "convert", "write"]


@dataclass(frozen=True)
class OutsideSpec:
    seed: int = 3
    customers: int = 2000
    days: int = 60
    start: str = "2026-01-01"


@dataclass
class Converted:
    events: list[dict[str, Any]]
    # one row per labelled event: event_id, episode, typology, subtle, source_type, and
    # `unit: false` on fraud outside the unit recall counts (evaluation.read_episodes)
    episodes: list[dict[str, Any]]


def _finforge(spec: OutsideSpec) -> Converted:
    from riskwarn.offline.outside.finforge import convert as run

    return run(spec)


def _synthfin(spec: OutsideSpec) -> Converted:
    from riskwarn.offline.outside.synthfin import convert as run

    return run(spec)


GENERATORS: dict[str, Callable[[OutsideSpec], Converted]] = {
    "finforge": _finforge,
    "synthfin": _synthfin,
}


class MissingGenerator(Exception):
    """The outside generator's package is not installed (the `train` extra)."""


def convert(name: str, spec: OutsideSpec) -> Converted:
    if name not in GENERATORS:
        raise ValueError(f"unknown generator {name!r}: one of {', '.join(GENERATORS)}")
    try:
        out = GENERATORS[name](spec)
    except ModuleNotFoundError as exc:
        raise MissingGenerator(
            f"{name} needs the training extra: pip install -e '.[train]' ({exc.name} is "
            "missing)") from exc
    out.events.sort(key=lambda e: e["occurred_at"])
    return out


def write(out: Converted, events: IO[bytes], episodes: IO[bytes] | None) -> None:
    for event in out.events:
        events.write(orjson.dumps(event) + b"\n")
    if episodes is not None:
        for row in out.episodes:
            episodes.write(orjson.dumps(row) + b"\n")


def iso(ts: Any) -> str:
    """A pandas/numpy timestamp (naive, taken as UTC) as RFC 3339 with milliseconds."""
    text: str = ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
    return text
