"""Customer, report and configuration routes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from riskwarn.api.alerts import summary
from riskwarn.api.common import ApiPorts, answers, caller, errors, ports
from riskwarn.api.models import (
    AccessItem,
    Control,
    CustomerRisk,
    Evidence,
    MissedCase,
    MissedCaseIn,
    ProfileSummary,
    RepaymentItem,
    StrDraft,
    StrList,
    Summary,
    ThresholdHistory,
    ThresholdsIn,
    ThresholdsOut,
)
from riskwarn.api.str_document import render
from riskwarn.cases.access import ADMINS, READERS, REVIEWERS
from riskwarn.cases.lifecycle import DECIDED, NotFound
from riskwarn.cases.reporting import summarize
from riskwarn.core.config import TIERS
from riskwarn.core.profile import CustomerProfile
from riskwarn.runtime.observability import mask
from riskwarn.store.alert_queries import MAX_RANGE_DAYS, AlertFilter
from riskwarn.store.reports import MISSED_KIND, STR_KIND, plain
from riskwarn.store.thresholds import Thresholds, dumps

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
REPORT_FIELDS = ("alert_id, tier, risk_category, typologies, #status, created_at, claimed_at, "
                 "decided_at, sla_breaches, label, model_version")


def _when(ts: float) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts else None


def _profile(prof: CustomerProfile, masked: bool) -> ProfileSummary:
    devices = sorted(prof.devices)
    return ProfileSummary(
        first_seen=_when(prof.first_seen), last_event=_when(prof.last_event),
        events_seen=prof.n_events, transactions_last_7_days=len(prof.ledger),
        devices=[mask(d) for d in devices] if masked else devices,
        countries=sorted(prof.countries), known_counterparties=len(prof.counterparties),
        own_accounts=len(prof.own_accounts), failed_logins_recent=len(prof.failed_logins),
        recent_transactions=[
            Evidence.model_validate({**e, "counterparty": mask(e["counterparty"]) or None}
                                    if masked else e) for e in prof.transactions()],
        recent_access=[AccessItem.model_validate(e) for e in prof.access_events()],
        recent_repayments=[RepaymentItem.model_validate(e) for e in prof.repayment_events()])


def _active_controls(p: ApiPorts, customer_id: str) -> list[Control]:
    return [Control.model_validate(c) for c in p.controls.active_for_customer(customer_id)]


@router.get("/customers/<customer_id>/risk",
            summary="A customer's risk: profile summary, open alerts, active controls",
            responses=answers(CustomerRisk, 404))
def customer_risk(customer_id: CustomerId) -> CustomerRisk:
    who = caller(router)
    who.require(READERS, "reading customers")
    p = ports(router)
    profiles, _ = p.profiles.load([customer_id])
    now = datetime.now(UTC)
    recent = AlertFilter(now - timedelta(days=MAX_RANGE_DAYS), now, customer_id=customer_id)
    open_alerts = [summary(a) for a in map(plain, p.queries.all(recent))
                   if a["status"] not in DECIDED]
    controls = _active_controls(p, customer_id)
    prof = profiles.get(customer_id)
    if prof is not None and prof.n_events == 0:
        prof = None  # the store hands out a blank profile for a customer it never saw
    if prof is None and not open_alerts and not controls:
        raise NotFound(f"customer {customer_id}")
    tiers = [TIERS.index(a.tier) for a in open_alerts]
    return CustomerRisk(
        customer_id=customer_id,
        profile=_profile(prof, who.masked_view) if prof is not None else None,
        open_alerts=open_alerts, active_controls=controls,
        highest_open_tier=TIERS[max(tiers)] if tiers else None)


@router.get("/reports/summary", summary="Alerts by tier, category, typology and status; "
            "time to claim and decide; SLA breaches; false-positive and miss rates",
            responses=answers(Summary, 400))
def report_summary(
    start: Annotated[datetime, Query(alias="from", description="ISO 8601")],
    end: Annotated[datetime, Query(alias="to", description="ISO 8601")],
) -> Summary:
    caller(router).require(READERS, "reading reports")
    p = ports(router)
    start_at, end_at = (d if d.tzinfo else d.replace(tzinfo=UTC) for d in (start, end))
    f = AlertFilter(start_at, end_at)
    alerts = (plain(a) for a in p.queries.all(f, REPORT_FIELDS))
    doc = summarize(alerts, p.reports.of_kind(MISSED_KIND), start_at, end_at)
    return Summary.model_validate(doc)


@router.post("/cases/missed", summary="Report a confirmed case the system missed",
             status_code=201, responses=answers(MissedCase, 400, 415, status=201))
def report_missed(body: MissedCaseIn) -> MissedCase:
    who = caller(router)
    who.require(REVIEWERS, "reporting a missed case")
    case = ports(router).reports.add_missed(
        body.customer_id, body.period_from, body.period_to, body.typology, body.note,
        who.user, datetime.now(UTC))
    return MissedCase.model_validate(case)


@router.get("/reports/str", summary="Suspicious-transaction report drafts, newest first",
            responses=answers(StrList))
def str_drafts() -> StrList:
    caller(router).require(READERS, "reading reports")
    items = [StrDraft.model_validate({k: v for k, v in d.items() if k in StrDraft.model_fields})
             for d in ports(router).reports.of_kind(STR_KIND)]
    return StrList(items=items)


@router.get("/reports/str/<report_id>", summary="One STR draft as a document to download",
            responses={200: {"description": "The draft (Markdown)",
                             "content": {"text/markdown": {"schema": {"type": "string"}}}},
                       **errors(404)})
def str_document(report_id: Annotated[str, Path(pattern=r"^STR-AL-[0-9a-f]{20}$")]
                 ) -> Response[str]:
    who = caller(router)
    who.require(READERS, "reading reports")
    draft = ports(router).reports.get(report_id)
    if draft is None or draft.get("kind") != STR_KIND:
        raise NotFound(report_id)
    return Response(status_code=200, content_type="text/markdown; charset=utf-8",
                    body=render(draft, who.masked_view),
                    headers={"Content-Disposition": f'attachment; filename="{report_id}.md"'})


def _thresholds_out(doc: dict[str, Any]) -> ThresholdsOut:
    return ThresholdsOut.model_validate(doc)


@router.get("/config/thresholds", summary="The tier and typology thresholds in force",
            responses=answers(ThresholdsOut))
def get_thresholds() -> ThresholdsOut:
    caller(router).require(READERS, "reading configuration")
    return _thresholds_out(dumps(ports(router).thresholds.latest()))


@router.put("/config/thresholds", summary="Change the thresholds (admins; versioned, audited)",
            description="`based_on_version` is the version read: if someone changed the "
                        "thresholds since, the change is refused with 409.",
            responses=answers(ThresholdsOut, 400, 409, 415))
def put_thresholds(body: ThresholdsIn) -> ThresholdsOut:
    who = caller(router)
    who.require(ADMINS, "changing thresholds")
    store = ports(router).thresholds
    current = store.latest().thresholds
    new = Thresholds(tiers=body.tiers or current.tiers,
                     typologies=body.typologies or current.typologies,
                     model=body.model or current.model,
                     drift=body.drift or current.drift)
    version = store.change(new, body.based_on_version, who.user, body.note, datetime.now(UTC))
    return _thresholds_out(dumps(version))


@router.get("/config/thresholds/history", summary="Every threshold version, newest first",
            responses=answers(ThresholdHistory))
def threshold_history() -> ThresholdHistory:
    caller(router).require(READERS, "reading configuration")
    return ThresholdHistory(items=[_thresholds_out(dumps(v))
                                   for v in ports(router).thresholds.history()])
