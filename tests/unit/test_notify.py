"""What staff receive: short SMS without personal data, a structured document, attributes
the subscriptions filter on."""

from __future__ import annotations

import orjson

from riskwarn.cases.alerts import Alert
from riskwarn.cases.notify import SMS_MAX, message
from riskwarn.core.config import ScoringConfig
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Scorer
from riskwarn.runtime.observability import mask
from tests.builders import txn
from tests.fakes import FakeModel


def _alert(customer_id: str = "C0000123") -> Alert:
    ev = txn(0, 60_000, method="cash", direction="credit", customer_id=customer_id,
             ip="203.0.113.9", device_id="d-secret-device")
    profiles: dict[str, CustomerProfile] = {}
    (s,) = Scorer(ScoringConfig(), FakeModel()).score([ev], profiles)
    return Alert.from_scored(s, "v1")


def test_sms_is_short_and_names_only_the_customer_and_alert() -> None:
    alert = _alert("C" + "9" * 63)  # the longest customer id the contract allows
    body = orjson.loads(message(alert)["Message"])
    sms = body["sms"]
    assert len(sms) <= SMS_MAX
    assert alert.alert_id in sms
    assert "203.0.113.9" not in sms and "d-secret" not in sms


def test_document_and_attributes() -> None:
    alert = _alert()
    msg = message(alert)
    body = orjson.loads(msg["Message"])
    doc = orjson.loads(body["sqs"])
    assert doc["alert_id"] == alert.alert_id and doc["tier"] == alert.tier
    assert doc["reason_codes"] == alert.reason_codes
    assert "203.0.113.9" not in msg["Message"] and "d-secret-device" not in msg["Message"]
    attrs = msg["MessageAttributes"]
    assert attrs["tier"]["StringValue"] == alert.tier
    # the consumers' dedup key: one tier's telling of one alert, the same in every copy
    assert doc["notification_id"] == attrs["notification_id"]["StringValue"] == \
        f"{alert.alert_id}/{alert.tier}"
    assert message(alert) == msg
    assert orjson.loads(attrs["typologies"]["StringValue"]) == sorted(alert.typologies)
    assert msg["MessageStructure"] == "json" and "email" in body


def test_mask_keeps_values_apart_without_showing_them() -> None:
    assert mask("d-8f2c91ab") == "d-******ab"
    assert mask("203.0.113.9") != mask("203.0.113.8")
    assert "113" not in mask("203.0.113.9")
    assert mask(None) == ""


def test_a_publish_call_that_fails_fails_only_its_own_alerts() -> None:
    from typing import Any

    from botocore.exceptions import ClientError

    from riskwarn.cases.notify import Notifier

    class Topic:  # a port fake: the second PublishBatch call is throttled
        def __init__(self) -> None:
            self.calls: list[list[str]] = []

        def publish_batch(self, **kw: Any) -> dict[str, Any]:
            self.calls.append([e["Id"] for e in kw["PublishBatchRequestEntries"]])
            if len(self.calls) == 2:
                raise ClientError({"Error": {"Code": "Throttling"}}, "PublishBatch")
            return {"Successful": [], "Failed": []}

    alerts = [_alert(f"C{i:07d}") for i in range(25)]
    topic = Topic()
    failed: set[str] = set()
    for _, chunk_failed in Notifier(topic, "arn:topic").publish(alerts):  # type: ignore[arg-type]
        failed |= chunk_failed
    # the first ten were told and stand; the next ten failed; the last five were told
    assert [len(c) for c in topic.calls] == [10, 10, 5]
    assert failed == {a.alert_id for a in alerts[10:20]}
