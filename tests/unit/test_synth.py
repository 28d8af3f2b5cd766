"""The generator is seeded and reproducible, and labels what it injects."""

from __future__ import annotations

import io
from collections import Counter

import orjson
import pytest

from riskwarn.core.config import DEFAULT_RATES
from riskwarn.core.events import parse_records
from riskwarn.offline.synth import GenerateSpec, generate, write_jsonl
from riskwarn.offline.synth.scenarios import EPISODES

SPEC = GenerateSpec(customers=150, days=30, seed=11, episode_rate=0.5)


def _bytes(spec: GenerateSpec) -> bytes:
    buf = io.BytesIO()
    write_jsonl(generate(spec), buf)
    return buf.getvalue()


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    assert _bytes(SPEC) == _bytes(SPEC)
    assert _bytes(SPEC) != _bytes(GenerateSpec(customers=150, days=30, seed=12,
                                               episode_rate=0.5))


def test_every_generated_event_honours_the_contract_and_is_in_time_order() -> None:
    lines = _bytes(SPEC).splitlines()
    events, rejected = parse_records(lines, DEFAULT_RATES)
    assert rejected == []
    times = [e.occurred_at for e in events]
    assert times == sorted(times)
    assert len({e.event_id for e in events}) == len(events)


def test_episodes_cover_every_typology_with_plain_and_subtle_variants() -> None:
    labels = [orjson.loads(line)["label"] for line in _bytes(SPEC).splitlines()
              if b'"label"' in line]
    episodes = {(lab["episode"], lab["typology"], lab["subtle"]) for lab in labels}
    by_typology = Counter(t for _, t, _ in episodes)
    assert set(by_typology) == set(EPISODES)
    assert {s for _, _, s in episodes} == {True, False}
    # a typology with too few eligible customers (dormant, with a loan) gets fewer
    wanted = round(SPEC.customers * SPEC.episode_rate)
    assert 0.9 * wanted <= len(episodes) <= wanted


def test_traps_are_tagged_but_not_labelled() -> None:
    lines = [orjson.loads(line) for line in _bytes(SPEC).splitlines() if b'"trap"' in line]
    assert {e["trap"] for e in lines} >= {"holiday_abroad", "new_phone", "bonus_to_own"}
    assert not any("label" in e for e in lines)


@pytest.mark.parametrize("bad", [
    {"customers": 0}, {"days": 10, "warmup_days": 9}, {"episode_rate": 1.5},
])
def test_bad_spec_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        GenerateSpec(**bad)  # type: ignore[arg-type]
