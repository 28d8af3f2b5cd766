"""Shared benchmark data: generated events as JSON Lines bytes, cached under .riskwarn/."""

from __future__ import annotations

from pathlib import Path

from riskwarn.offline.synth import GenerateSpec, generate, write_jsonl

CACHE = Path(__file__).resolve().parents[1] / ".riskwarn" / "bench"


def events_file(customers: int, days: int, seed: int = 3) -> Path:
    """A generated events file, made once and reused (the generator is deterministic)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"events-{customers}x{days}-s{seed}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as out:
            write_jsonl(generate(GenerateSpec(customers=customers, days=days, seed=seed)),
                        out)
        tmp.rename(path)
    return path
