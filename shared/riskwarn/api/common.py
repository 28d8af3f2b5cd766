"""What every route needs: its ports (stores, clients) and the authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from riskwarn.api.models import ErrorBody
from riskwarn.cases.access import Caller
from riskwarn.cases.review import Review
from riskwarn.settings import Settings
from riskwarn.store.alert_queries import AlertQueries
from riskwarn.store.alerts import AlertStore
from riskwarn.store.controls import ControlStore
from riskwarn.store.profiles import ProfileStore
from riskwarn.store.reports import ReportStore
from riskwarn.store.thresholds import ThresholdStore

_ERROR_TEXT = {400: "Bad request", 401: "No authenticated caller",
               403: "The caller's roles do not allow this", 404: "Not found",
               409: "Conflict with the current state: read it again",
               415: "Request bodies are application/json"}


def answers(ok: Any, *codes: int, status: int = 200) -> dict[int, Any]:
    """OpenAPI responses of a route: its success (body model `ok`) and the client errors
    it can answer (401 and 403 always)."""
    out: dict[int, Any] = {status: {"description": "Success",
                                    "content": {"application/json": {"model": ok}}}}
    out.update({code: {"description": _ERROR_TEXT[code],
                       "content": {"application/json": {"model": ErrorBody}}}
                for code in sorted({401, 403, *codes})})
    return out


def errors(*codes: int) -> dict[int, Any]:
    """Client errors only (a route whose success is not JSON declares it itself)."""
    return {k: v for k, v in answers(None, *codes).items() if k != 200}


@dataclass
class ApiPorts:
    settings: Settings
    alerts: AlertStore  # history (reads)
    controls: ControlStore
    review: Review
    queries: AlertQueries
    profiles: ProfileStore
    reports: ReportStore
    thresholds: ThresholdStore


def ports(router: APIGatewayRouter) -> ApiPorts:
    p: ApiPorts = router.context["ports"]
    return p


def caller(router: APIGatewayRouter) -> Caller:
    event: Any = router.current_event
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    return Caller.from_claims(claims)
