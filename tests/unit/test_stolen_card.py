"""The stolen-card replay (benchmarks/stolen_card.py): ordinary customers only, their last
card-active days replayed at their own shops, squeezed into the hours asked, each amount
multiplied, labelled as one episode per customer, in time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from benchmarks import stolen_card
from benchmarks.stolen_card import _ordinary, build

LIVE = datetime(2026, 3, 1, tzinfo=UTC)
END = LIVE + timedelta(days=30)


def _card(cid: str, when: datetime, amount: float, shop: str, **extra: Any) -> dict[str, Any]:
    return {"event_id": f"{cid}-{when.timestamp():.0f}-{shop}", "event_type": "transaction",
            "occurred_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "customer_id": cid,
            "account_id": f"{cid}-01", "channel": "pos", "amount": f"{amount:.2f}",
            "currency": "CNY", "direction": "debit", "method": "card",
            "counterparty_id": shop, "merchant_category": "5411", **extra}


def _book(tmp_path: Path) -> Path:
    rows = []
    for cid in ("C1", "C2", "C3"):
        for day in range(20):
            for k, shop in enumerate(("M1", "M2")):
                rows.append(_card(cid, LIVE - timedelta(days=20 - day, hours=-10 - k),
                                  50.0 + k, shop))
    rows.append(_card("C2", LIVE + timedelta(days=3), 80.0, "M1", trap="big_purchase"))
    rows.append(_card("C3", LIVE + timedelta(days=3), 80.0, "M1",
                      label={"typology": "AML-LARGE-CASH", "episode": "EP-1"}))
    rows.sort(key=lambda r: r["occurred_at"])
    path = tmp_path / "book.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows))
    return path


def test_only_ordinary_customers_are_replayed(tmp_path: Path) -> None:
    people = _ordinary(_book(tmp_path))
    assert set(people) == {"C1"}  # a trap or a labelled event marks a customer


def test_the_replay_is_the_customers_own_days_faster_and_dearer(tmp_path: Path) -> None:
    people = _ordinary(_book(tmp_path))
    lines, labels = build(people, LIVE, END, hours=4, multiple=5.0)
    events = [orjson.loads(b) for b in lines]
    replay = [e for e in events if e["event_id"] in labels]
    assert len(replay) == 2 * stolen_card.DAYS_REPLAYED  # its last 3 card days, 2 a day
    assert {labels[e["event_id"]].episode for e in replay} == {"STOLEN-C1"}
    assert {e["counterparty_id"] for e in replay} == {"M1", "M2"}  # its own shops
    assert sorted(float(e["amount"]) for e in replay) == [250.0] * 3 + [255.0] * 3
    times = [datetime.fromisoformat(e["occurred_at"].replace("Z", "+00:00")) for e in replay]
    assert max(times) - min(times) <= timedelta(hours=4)
    assert min(times) >= LIVE + timedelta(days=7)  # read against a week of live habits
    assert [e["occurred_at"] for e in events] == sorted(e["occurred_at"] for e in events)
    assert len(events) - len(replay) == len(people["C1"])  # its own events, all kept


def test_every_speed_replays_the_same_customers_at_the_same_moment(tmp_path: Path) -> None:
    people = _ordinary(_book(tmp_path))
    fast = build(people, LIVE, END, hours=4, multiple=3.0)[1]
    slow = build(people, LIVE, END, hours=12, multiple=5.0)[1]
    assert fast.keys() == slow.keys()
