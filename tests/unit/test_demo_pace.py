"""The demo holds its sending rate to what the local stack drains (no backlog reported as
latency), and speeds back up once the stack has caught up."""

from __future__ import annotations

import pytest

from riskwarn.local import demo
from riskwarn.local.demo import Pace


def test_the_demo_slows_to_what_the_stack_drains_and_recovers(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    clock = [0.0]
    monkeypatch.setattr(demo.time, "monotonic", lambda: clock[0])
    done = [0.0]
    pace = Pace(150, lambda: int(done[0]))
    sent = 0
    # a stack that drains 60 events/s while the demo sends at its pace, for 20 s
    for _ in range(200):
        clock[0] += 0.1
        sent += int(pace() * 0.1)
        done[0] = min(sent, done[0] + 6.0)
        pace.on_chunk(sent)
    assert pace.warned and "drains" in capsys.readouterr().err
    assert 40 <= pace() <= 70 and sent - done[0] < 3 * 70  # kept near the stack's rate
    # the stack speeds up (the other load went away): the demo goes back to its target
    for _ in range(200):
        clock[0] += 0.1
        sent += int(pace() * 0.1)
        done[0] = min(sent, done[0] + 50.0)
        pace.on_chunk(sent)
    assert pace() == 150


def test_a_stack_that_keeps_up_is_never_slowed(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(demo.time, "monotonic", lambda: clock[0])
    sent = [0]
    pace = Pace(150, lambda: sent[0])
    for _ in range(100):
        clock[0] += 0.1
        sent[0] += 15
        pace.on_chunk(sent[0])
    assert pace() == 150 and not pace.warned
