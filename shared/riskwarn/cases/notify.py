"""Notifications: one SNS topic, fanned out by tier through subscription filter policies on
the message attributes `tier`, `risk_category` and `typologies` (template.yaml).

One message per alert, with a body per protocol: a structured JSON document for SQS and
integrations, a readable text for e-mail, and an SMS of at most 140 characters carrying
no personal data beyond the customer and alert ids. Sent with PublishBatch (10 a call).

Telling is at least once: a standard topic cannot promise exactly once, and a publish that
succeeded just before its instance died (before the tier told was recorded on the alert) is
published again when the records come back. Every message carries a `notification_id`,
the alert and the tier, the same in every copy: integrations reading the tier queues skip
one they have handled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from riskwarn.cases.alerts import Alert
from riskwarn.store import TransientStoreError, throttled_as_named

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

BATCH = 10  # PublishBatch limit
SMS_MAX = 140


def sms_text(alert: Alert) -> str:
    return sms_text_of(document(alert))


def sms_text_of(doc: dict[str, Any]) -> str:
    """The SMS for an alert's notification document (the local outbox renders it too)."""
    text = (f"riskwarn {str(doc['tier']).upper()} {doc['risk_category']} alert "
            f"{doc['alert_id']} customer {doc['customer_id']} score {doc['score']}")
    return text[:SMS_MAX]


def notification_id(alert: Alert) -> str:
    """The same for every copy of one tier's telling of one alert (the consumers' dedup key)."""
    return f"{alert.alert_id}/{alert.tier}"


def document(alert: Alert) -> dict[str, Any]:
    return {
        "notification_id": notification_id(alert),
        "alert_id": alert.alert_id,
        "customer_id": alert.customer_id,
        "account_id": alert.account_id,
        "tier": alert.tier,
        "score": alert.score,
        "risk_category": alert.risk_category,
        "typologies": alert.typologies,
        "reason_codes": alert.reason_codes,
        "occurred_at": alert.occurred_at.isoformat(),
        "created_at": alert.created_at.isoformat(),
        "model_version": alert.model_version,
    }


def email_text(alert: Alert) -> str:
    lines = [f"riskwarn {alert.tier} alert {alert.alert_id}",
             f"customer {alert.customer_id}, {alert.risk_category}, score {alert.score}",
             "typologies: " + ", ".join(alert.typologies), "", "why:"]
    lines += [f"- {r}" for r in alert.reason_codes]
    return "\n".join(lines)


def message(alert: Alert) -> dict[str, Any]:
    doc = orjson.dumps(document(alert)).decode()
    body = {"default": doc, "sqs": doc, "lambda": doc, "https": doc,
            "email": email_text(alert), "email-json": doc, "sms": sms_text(alert)}
    return {
        "Id": alert.alert_id.replace("-", "")[:80],
        "Message": orjson.dumps(body).decode(),
        "MessageStructure": "json",
        "Subject": f"riskwarn {alert.tier} alert {alert.alert_id}"[:100],
        "MessageAttributes": {
            "notification_id": {"DataType": "String", "StringValue": notification_id(alert)},
            "tier": {"DataType": "String", "StringValue": alert.tier},
            "risk_category": {"DataType": "String", "StringValue": alert.risk_category},
            "typologies": {"DataType": "String.Array",
                           "StringValue": orjson.dumps(sorted(alert.typologies)).decode()},
        },
    }


class Notifier:
    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self.client = client
        self.topic_arn = topic_arn
        self.calls = 0

    def publish(self, alerts: list[Alert]) -> Iterator[tuple[list[Alert], set[str]]]:
        """Publish each alert once, ten a call; yields each call's alerts with the ids that
        failed (to be retried) before making the next call, so the caller records what was
        told first. A call that fails transiently fails its own ten; the calls before it
        stand (their alerts were told and must not be told again)."""
        for i in range(0, len(alerts), BATCH):
            chunk = alerts[i:i + BATCH]
            try:
                failed = self._publish_batch(chunk)
            except TransientStoreError:
                failed = {a.alert_id for a in chunk}
            yield chunk, failed

    @throttled_as_named
    def _publish_batch(self, chunk: list[Alert]) -> set[str]:
        entries: Any = [message(a) for a in chunk]
        by_entry = {e["Id"]: a.alert_id for e, a in zip(entries, chunk, strict=True)}
        self.calls += 1
        resp: Any = self.client.publish_batch(TopicArn=self.topic_arn,
                                              PublishBatchRequestEntries=entries)
        return {by_entry[f["Id"]] for f in resp.get("Failed", [])}
