"""Event builders for tests: valid events by default, any field overridable."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from riskwarn.core.events import EVENT_ADAPTER, Event
from riskwarn.runtime.lambda_shapes import LambdaContext, kinesis_event

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in UTC+8
_ids = itertools.count()


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll until `check` gives something truthy (work on other threads); fail after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met before the deadline")


def at(hours: float = 0.0, *, days: float = 0.0) -> str:
    return (T0 + timedelta(hours=hours, days=days)).isoformat().replace("+00:00", "Z")


def raw(event_type: str = "transaction", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": f"e-{next(_ids)}",
        "event_type": event_type,
        "occurred_at": at(),
        "customer_id": "C1",
        "channel": "mobile",
        "country": "CN",
        "device_id": "d-home",
    }
    if event_type == "transaction":
        base |= {"account_id": "A1-01", "amount": "100.00", "currency": "CNY",
                 "direction": "debit", "method": "card", "counterparty_id": "M1"}
    elif event_type == "login":
        base |= {"success": True, "auth_method": "biometric"}
    elif event_type == "profile_change":
        base |= {"field": "email"}
    elif event_type == "repayment":
        base |= {"account_id": "L1", "due_amount": "3000.00", "paid_amount": "3000.00",
                 "currency": "CNY", "days_past_due": 0}
    base.update(fields)
    return base


def event(event_type: str = "transaction", **fields: Any) -> Event:
    return EVENT_ADAPTER.validate_python(raw(event_type, **fields))


def txn(hours: float = 0.0, amount: float | str = 100, *, days: float = 0.0,
        **fields: Any) -> Event:
    return event("transaction", occurred_at=at(hours, days=days), amount=str(amount), **fields)


def login(hours: float = 0.0, *, days: float = 0.0, **fields: Any) -> Event:
    return event("login", occurred_at=at(hours, days=days), **fields)


def change(hours: float = 0.0, *, days: float = 0.0, **fields: Any) -> Event:
    return event("profile_change", occurred_at=at(hours, days=days), **fields)


def repayment(hours: float = 0.0, *, days: float = 0.0, **fields: Any) -> Event:
    return event("repayment", occurred_at=at(hours, days=days), **fields)


# ---- Lambda shapes (the product's own: riskwarn.runtime.lambda_shapes) ----------------------

def generate_context() -> LambdaContext:
    return LambdaContext()


def lambda_kinesis_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    """A Kinesis → Lambda event from records as GetRecords returns them (plus their shard)."""
    return kinesis_event(records, stream_arn)


# ---- a batch with something to alert on (stream, local stack) ------------------------------

def line(event_type: str = "transaction", **fields: Any) -> bytes:
    return orjson.dumps(raw(event_type, **fields))


def scenario() -> list[bytes]:
    """Ordinary life for two customers, and three who each do something an alert is for."""
    lines = []
    for cid in ("C-N1", "C-N2"):
        for h in range(6):
            lines.append(line("login", customer_id=cid, occurred_at=at(h)))
            lines.append(line(customer_id=cid, occurred_at=at(h + 0.5), amount="85.20",
                               counterparty_id=f"M{h}"))
    for h, amount in ((1, "45000.00"), (4, "46500.00"), (9, "47900.00")):  # structuring
        lines.append(line(customer_id="C-STRUCT", occurred_at=at(h), amount=amount,
                           method="cash", direction="credit", counterparty_id=None))
    lines.append(line(customer_id="C-CASH", occurred_at=at(2), amount="60000.00",
                       method="cash", direction="credit", counterparty_id=None))
    for i in range(7):  # card testing
        lines.append(line(customer_id="C-CARD", occurred_at=at(3 + i / 60), amount="12.00",
                           counterparty_id=f"W{i % 4}", merchant_category="5999"))
    return lines


def drain_queue(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Every message on an SQS queue (JSON bodies), deleted as read."""
    out: list[dict[str, Any]] = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not msgs:
            return out
        out += [orjson.loads(m["Body"]) for m in msgs]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
