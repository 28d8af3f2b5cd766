"""A backtest with a history: the book goes live with no open alert, as production does
after its backfill (nothing raised in the history absorbs live evidence)."""

from __future__ import annotations

import io
from datetime import datetime

import orjson

from riskwarn.core.config import ScoringConfig
from riskwarn.core.events import Label
from riskwarn.offline.backtest import run_backtest
from tests.builders import at, line


def test_live_evidence_raises_a_live_alert_not_a_merge_into_the_history() -> None:
    geo = {"method": "transfer", "amount": "2000.00", "counterparty_country": "IR",
           "counterparty_id": "G1"}
    events = [line(event_id="h-1", occurred_at=at(0), **geo),  # history: an alert
              line(event_id="l-1", occurred_at=at(30), **geo)]  # live, 30 h later
    labels = {"l-1": Label(typology="AML-HIGH-RISK-GEO", episode="EP-1", subtle=False)}
    out = io.BytesIO()
    summary = run_backtest(io.BytesIO(b"\n".join(events)), out, ScoringConfig(use_model=False),
                           None, labels=labels,
                           measure_from=datetime.fromisoformat(at(24)))
    alerts = [orjson.loads(x) for x in out.getvalue().splitlines()]
    assert [a["event_ids"] for a in alerts] == [["h-1"], ["l-1"]]
    assert summary.quality is not None and summary.quality["recall"] == 1.0


def test_a_second_event_under_one_id_is_counted_rejected_with_its_line() -> None:
    events = [line(event_id="e-1", occurred_at=at(0)), line(event_id="e-2", occurred_at=at(1)),
              line(event_id="e-1", occurred_at=at(2), amount="990.00"),
              line(event_id="e-2", occurred_at=at(1))]  # the same event twice: a repeat
    summary = run_backtest(io.BytesIO(b"\n".join(events)), io.BytesIO(),
                           ScoringConfig(use_model=False), None)
    assert (summary.events_read, summary.events_scored, summary.rejected) == (4, 3, 1)
    (line_no, reason), = summary.rejects
    assert line_no == 3 and reason.startswith("event_id: an event with this id")
