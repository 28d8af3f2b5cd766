"""Alert routes: the queue, one alert in full, claim, decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from riskwarn.api.common import ApiPorts, answers, caller, ports
from riskwarn.api.models import (
    AlertDetail,
    AlertPage,
    AlertSummary,
    Category,
    Control,
    DecisionIn,
    DecisionOut,
    Tier,
)
from riskwarn.cases.access import READERS
from riskwarn.cases.network_view import graph
from riskwarn.runtime.observability import mask
from riskwarn.store.alert_queries import MAX_RANGE_DAYS, AlertFilter
from riskwarn.store.reports import plain

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

AlertId = Annotated[str, Path(pattern=r"^AL-[0-9a-f]{20}$", description="an alert id")]
StatusName = Literal["open", "in_review", "escalated", "confirmed", "false_positive", "closed",
                     "workflow_failed"]
DEFAULT_DAYS = 30  # the unfiltered listing walks one index partition per day
SINCE = (f"created at or after (ISO 8601; default: {DEFAULT_DAYS} days before 'to', or "
         f"{MAX_RANGE_DAYS} with a status or customer, so old open work stays in the queue)")
UNTIL = "created at or before (ISO 8601; default: now; no zone means UTC)"


def summary(item: dict[str, Any]) -> AlertSummary:
    return AlertSummary.model_validate({k: item[k] for k in AlertSummary.model_fields
                                        if k in item})


def controls_for(p: ApiPorts, alert: dict[str, Any]) -> list[Control]:
    return [Control.model_validate(c) for c in p.controls.for_alert(alert)]


def detail(p: ApiPorts, item: dict[str, Any], masked: bool) -> AlertDetail:
    doc = {**item, "controls": controls_for(p, item),
           "history": p.alerts.history_items(item["alert_id"]),
           "waiting_for_decision": "task_token" in item,
           "network": graph(item, masked)}
    doc.pop("task_token", None)
    if masked:
        doc["evidence"] = [{**e, "counterparty": mask(e.get("counterparty")) or None}
                           for e in item.get("evidence", [])]
    return AlertDetail.model_validate({k: v for k, v in doc.items()
                                       if k in AlertDetail.model_fields})


@router.get("/alerts", summary="The alert queue: filtered, newest first, a page at a time",
            responses=answers(AlertPage, 400))
def list_alerts(
    status: Annotated[StatusName | None, Query()] = None,
    tier: Annotated[Tier | None, Query()] = None,
    category: Annotated[Category | None, Query()] = None,
    typology: Annotated[str | None, Query(pattern=r"^[A-Z]+(-[A-Z]+)+$")] = None,
    customer_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    assignee: Annotated[str | None, Query(min_length=1, max_length=128,
                                          description="who holds it; `me` for the caller")
                        ] = None,
    start: Annotated[datetime | None, Query(alias="from", description=SINCE)] = None,
    end: Annotated[datetime | None, Query(alias="to", description=UNTIL)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> AlertPage:
    who = caller(router)
    who.require(READERS, "reading alerts")
    end_at = _utc(end) if end else datetime.now(UTC)
    days = MAX_RANGE_DAYS if status or customer_id else DEFAULT_DAYS
    start_at = _utc(start) if start else end_at - timedelta(days=days)
    holder = who.user if assignee == "me" else assignee
    f = AlertFilter(start_at, end_at, status, tier, category, typology, customer_id, holder)
    items, next_cursor = ports(router).queries.page(f, limit, cursor)
    return AlertPage(items=[summary(plain(i)) for i in items], next_cursor=next_cursor)


@router.get("/alerts/<alert_id>", summary="One alert: evidence, score, reasons, controls, "
            "history", responses=answers(AlertDetail, 404))
def get_alert(alert_id: AlertId) -> AlertDetail:
    who = caller(router)
    who.require(READERS, "reading alerts")
    p = ports(router)
    return detail(p, p.review.load(alert_id), who.masked_view)


@router.post("/alerts/<alert_id>/claim", summary="Assign the alert to the caller",
             responses=answers(AlertDetail, 404, 409))
def claim(alert_id: AlertId) -> AlertDetail:
    who = caller(router)
    p = ports(router)
    item = p.review.claim(alert_id, who, datetime.now(UTC))
    return detail(p, item, who.masked_view)


@router.post("/alerts/<alert_id>/decision",
             summary="Decide the alert: confirmed, false_positive or needs_info",
             description="High and critical alerts: completes the waiting workflow task. "
                         "Critical alerts are confirmed or cleared by two people: the first "
                         "decision is recorded as the first review (state "
                         "awaiting_second_review); a supervisor who is not the first "
                         "reviewer makes the final one. Low and medium alerts: recorded on "
                         "the alert. Two decisions at once: one wins, the other gets 409.",
             responses=answers(DecisionOut, 400, 404, 409, 415))
def decide(alert_id: AlertId, body: DecisionIn) -> DecisionOut:
    who = caller(router)
    p = ports(router)
    result = p.review.decide(alert_id, who, body.outcome, body.note, datetime.now(UTC))
    return DecisionOut(state=result.state, alert=detail(p, result.alert, who.masked_view))


def _utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
