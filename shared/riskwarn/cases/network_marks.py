"""A confirmed mule or fraud decision marks the counterparty graph (NETWORK-LINKED): the
alert's account as the confirmed case (hop 0) and every account its evidence paid or was
paid by (hop 1), with the money between them. One implementation for both ways a decision
is made: the disposition workflow's confirm step (high and critical alerts) and a decision
recorded on the alert itself (low and medium, cases/review.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from riskwarn.core.network import MARKING_CATEGORIES, MULE_TYPOLOGIES, Link, NetworkPort


def marks_network(alert: Mapping[str, Any]) -> bool:
    """A fraud or account-takeover case, or one with a mule or network typology."""
    return (alert.get("risk_category") in MARKING_CATEGORIES
            or bool(MULE_TYPOLOGIES & set(alert.get("typologies") or ())))


def mark_confirmed(network: NetworkPort, alert: Mapping[str, Any], account_id: str,
                   at: datetime) -> tuple[int, str] | None:
    """Mark the graph for a confirmed `alert` (as stored, plain values): the accounts
    marked and the history line to record, or None when this kind of case marks nothing.
    Idempotent (one mark per alert and account)."""
    if not marks_network(alert):
        return None
    alert_id = str(alert["alert_id"])
    between: dict[str, float] = {}
    for item in alert.get("evidence") or ():
        cp = item.get("counterparty")
        if cp and not item.get("own_account"):
            between[cp] = between.get(cp, 0.0) + float(item.get("amount") or 0)
    when = at.timestamp()
    network.mark(account_id, Link(account_id, alert_id, when, 0, sum(between.values())))
    for cp, amount in sorted(between.items()):
        network.mark(cp, Link(account_id, alert_id, when, 1, amount))
    return len(between) + 1, (f"{account_id} marked as a confirmed case; {len(between)} "
                               "accounts it paid or was paid by marked as linked to it")
