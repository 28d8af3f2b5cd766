"""The staff REST API: one powertools resolver, the routes of api/alerts.py and
api/reports.py, one exception handler that turns domain errors into 4xx JSON bodies.

The caller comes from the request context that API Gateway's Cognito authorizer fills
(`requestContext.authorizer.claims`); on the local stack the HTTP front door verifies a
locally signed token and fills the same place, so both go through the same role checks.
"""

from __future__ import annotations

import base64
import os
import threading
from typing import Any

import orjson
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from riskwarn.api import alerts, reports
from riskwarn.api.common import ApiPorts
from riskwarn.cases.access import Forbidden, Unauthenticated
from riskwarn.cases.disposition import Disposition
from riskwarn.cases.lifecycle import Conflict, NotFound
from riskwarn.cases.review import Review
from riskwarn.process_cache import once_per_process
from riskwarn.settings import Settings
from riskwarn.store.alert_queries import AlertQueries, BadQuery
from riskwarn.store.alerts import AlertStore
from riskwarn.store.cases import CaseStore
from riskwarn.store.controls import ControlStore
from riskwarn.store.network import NetworkStore
from riskwarn.store.profiles import ProfileStore
from riskwarn.store.reports import ReportStore
from riskwarn.store.thresholds import StaleVersion, Thresholds, ThresholdStore

TITLE = "riskwarn staff API"
VERSION = "1.0.0"


def build_api_ports(env: Settings) -> ApiPorts:
    from riskwarn import aws

    ddb = aws.dynamodb(env.dynamodb_endpoint, env.region)
    cases = CaseStore(ddb, env.alerts_table, env.history_table)
    disposition = Disposition(cases, aws.sfn(env.endpoint_url, env.region))
    return ApiPorts(
        settings=env, review=Review(cases, disposition, NetworkStore(ddb, env.network_table)),
        alerts=AlertStore(ddb, env.alerts_table, env.history_table),
        controls=ControlStore(ddb, env.controls_table),
        queries=AlertQueries(ddb, env.alerts_table),
        profiles=ProfileStore(ddb, env.profiles_table),
        reports=ReportStore(ddb, env.reports_table),
        thresholds=ThresholdStore(ddb, env.config_table, Thresholds.of(env.scoring())))


@once_per_process()
def production_api_ports() -> ApiPorts:
    from riskwarn.settings import settings

    return build_api_ports(settings())


def cors_for(origin: str | None) -> CORSConfig | None:
    """CORS for the staff console's origin only (the template sets it on AWS); none when
    the console is served beside the API (the local front door: the same origin)."""
    if not origin:
        return None
    return CORSConfig(allow_origin=origin, allow_headers=["Authorization", "Content-Type"],
                      max_age=600)


app = APIGatewayRestResolver(enable_validation=True,
                             cors=cors_for(os.environ.get("RISKWARN_CONSOLE_ORIGIN")))
app.configure_openapi(
    title=TITLE, version=VERSION,
    description="Alerts, decisions, customers, reports and thresholds for riskwarn staff. "
                "Every route needs a bearer token (Cognito; locally `riskwarn local token`); "
                "roles: analyst, supervisor, auditor, admin (docs/api.md).",
    security_schemes={"cognito": HTTPBearer(bearerFormat="JWT")},
    security=[{"cognito": []}])

STATUS = {Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409,
          StaleVersion: 409, BadQuery: 400}


@app.exception_handler([*STATUS, RequestValidationError])  # type: ignore[untyped-decorator]
def client_error(exc: Exception) -> Response[Any]:
    """The one place client mistakes become 4xx bodies: {statusCode, message} (and, for a
    request that breaks the schema, `detail`: where and why, as the spec's 422 says)."""
    if isinstance(exc, RequestValidationError):
        detail = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "invalid")),
                   "type": str(e.get("type", "value_error"))} for e in exc.errors()]
        first = detail[0] if detail else {"loc": [], "msg": "invalid request"}
        message = f"{'.'.join(str(x) for x in first['loc'])}: {first['msg']}"
        body: dict[str, Any] = {"statusCode": 422, "message": message, "detail": detail}
    else:
        status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
        text = str(exc) if not isinstance(exc, NotFound) else f"{exc} not found"
        body = {"statusCode": status, "message": text}
    return Response(status_code=body["statusCode"], content_type="application/json",
                    body=orjson.dumps(body).decode())


app.include_router(alerts.router)
app.include_router(reports.router)


@app.get("/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    return Response(status_code=200, content_type="application/json",
                    body=openapi_json())


def openapi_json() -> str:
    return app.get_openapi_json_schema(title=TITLE, version=VERSION)


# powertools keeps the request being resolved on the router class (process-wide): one
# request at a time, as a Lambda container serves them. Uncontended in Lambda; on a threaded
# host (the local front door, tests) it keeps two requests from reading each other's event.
_RESOLVING = threading.Lock()


def handle(event: dict[str, Any], context: Any, api_ports: ApiPorts | None = None
           ) -> dict[str, Any]:
    """The API function's logic: an API Gateway proxy event in, a proxy response out."""
    refused = _refusal(event)  # before powertools parses a body it cannot read
    if refused is not None:
        status, message = refused
        return {"statusCode": status, "headers": {"Content-Type": "application/json"},
                "body": orjson.dumps({"statusCode": status, "message": message}).decode(),
                "isBase64Encoded": False}
    ports = api_ports or production_api_ports()
    with _RESOLVING:
        app.append_context(ports=ports)  # type: ignore[no-untyped-call]
        return app.resolve(event, context)


def _refusal(event: dict[str, Any]) -> tuple[int, str] | None:
    """Bodies are UTF-8 JSON: another media type is a 415, undecodable bytes a 400."""
    body = event.get("body")
    if not body:
        return None
    headers = {k.lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    kind = headers.get("content-type", "").strip().lower()
    if kind and not kind.startswith("application/json"):
        return 415, "request bodies are application/json"
    if event.get("isBase64Encoded"):
        try:
            base64.b64decode(body, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return 400, "request body is not UTF-8 text"
    return None


if __name__ == "__main__":  # make openapi: python -m riskwarn.api.app > docs/openapi.json
    print(openapi_json())
