"""The one place that owns Logger, Metrics and Tracer (powertools). Log lines are per
batch, never per event; personal data (IP, device, phone, e-mail) is never logged."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "riskwarn"
NAMESPACE = "riskwarn"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)


def mask(value: str | None, keep: int = 2) -> str:
    """`d-8f2c91ab` → `d-******ab`: enough to tell two values apart in a log, no more."""
    if not value:
        return ""
    shown = value[-keep:] if len(value) > keep else ""
    return value[:2] + "*" * max(len(value) - 2 - len(shown), 0) + shown
