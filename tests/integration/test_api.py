"""The staff API's handler against moto: every route × role, decisions completing real
workflow executions, four eyes, concurrent decisions, paging, reports, thresholds."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from riskwarn.api.app import build_api_ports, handle
from riskwarn.api.common import ApiPorts
from riskwarn.cases.alerts import alert_id_for
from riskwarn.local.proxy import proxy_event
from riskwarn.store.thresholds import ThresholdSource, ThresholdStore
from tests.builders import eventually
from tests.integration.conftest import Stack
from tests.integration.desk import Desk

pytestmark = pytest.mark.parametrize("stack", ["transact"], indirect=True)

ROLES = ("analyst", "supervisor", "auditor", "admin")


class Client:
    def __init__(self, stack: Stack) -> None:
        self.ports: ApiPorts = build_api_ports(stack.settings)

    def call(self, method: str, target: str, user: str = "ana",
             groups: tuple[str, ...] = ("analyst",), body: Any = None
             ) -> tuple[int, Any, dict[str, Any]]:
        claims = {"cognito:username": user, "cognito:groups": ",".join(groups)} if user else None
        raw = orjson.dumps(body) if body is not None else None
        resp = handle(proxy_event(method, target, {"Content-Type": "application/json"}, raw,
                                  claims), None, self.ports)
        headers = {k.lower(): v[0] for k, v in resp.get("multiValueHeaders", {}).items()}
        text = resp["body"]
        doc = orjson.loads(text) if headers.get("content-type", "").startswith(
            "application/json") else text
        return resp["statusCode"], doc, headers


@pytest.fixture
def desk(stack: Stack) -> Desk:
    return Desk(stack)


@pytest.fixture
def api(stack: Stack) -> Client:
    return Client(stack)


def _alert(desk: Desk, key: str, tier: str, **kw: Any) -> str:
    alert_id = alert_id_for(key)
    desk.raise_alert(alert_id, tier, **kw)
    return alert_id


# ---- every route × role -------------------------------------------------------------------
def _routes(alert_id: str) -> list[tuple[str, str, Any, set[str]]]:
    everyone = set(ROLES)
    reviewers = {"analyst", "supervisor"}
    now = datetime.now(UTC)
    return [
        ("GET", "/alerts", None, everyone),
        ("GET", f"/alerts/{alert_id}", None, everyone),
        ("POST", f"/alerts/{alert_id}/claim", None, reviewers),
        ("POST", f"/alerts/{alert_id}/decision", {"outcome": "needs_info", "note": "n"},
         reviewers),
        ("GET", "/customers/C-1/risk", None, everyone),
        ("GET", f"/reports/summary?from={(now - timedelta(days=1)).isoformat()}"
                f"&to={now.isoformat()}".replace("+", "%2B"), None, everyone),
        ("POST", "/cases/missed", {"customer_id": "C-1", "period_from": "2026-01-01T00:00:00Z",
                                   "period_to": "2026-01-31T00:00:00Z", "note": "found late"},
         reviewers),
        ("GET", "/reports/str", None, everyone),
        ("GET", f"/reports/str/STR-{alert_id}", None, everyone),  # none yet: 404 to readers
        ("GET", "/config/thresholds", None, everyone),
        ("GET", "/config/thresholds/history", None, everyone),
        ("PUT", "/config/thresholds", {"based_on_version": 0, "note": "n",
                                       "tiers": {"low": 300, "medium": 500, "high": 700,
                                                 "critical": 850}}, {"admin"}),
    ]


def test_the_table_covers_every_route_of_the_api(stack: Stack) -> None:
    """A new route cannot escape the table: its operations are the published spec's (the
    spec is kept equal to the routes by tests/unit/test_api_spec.py)."""
    import re
    from pathlib import Path

    spec = orjson.loads(Path("docs/openapi.json").read_bytes())
    published = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    tabled = {(m, re.sub(r"/[A-Za-z]+-[0-9a-f]{8,}|/C-1|/STR-[^/]+", "/{}", t.split("?")[0]))
              for m, t, _, _ in _routes(alert_id_for("x"))}
    assert {(m, re.sub(r"\{[^}]+\}", "{}", p)) for m, p in published} == tabled


# a role each, and callers whose token carries no group or only a group riskwarn does not know
@pytest.mark.parametrize("role", [*ROLES, "", "root"])
def test_every_route_allows_its_roles_and_forbids_the_others(api: Client, desk: Desk,
                                                             role: str) -> None:
    alert_id = _alert(desk, "matrix", "medium")
    for method, target, body, allowed in _routes(alert_id):
        groups = (role,) if role else ()
        status, doc, _ = api.call(method, target, user=f"u-{role or 'nogroup'}", groups=groups,
                                  body=body)
        if role in allowed:
            assert status < 300 or (status == 404 and "/str/" in target), (
                method, target, role, status, doc)
        else:
            assert status == 403, (method, target, role, status, doc)
            assert doc["message"]


def test_no_token_is_401_and_unknown_alert_is_404(api: Client) -> None:
    status, doc, _ = api.call("GET", "/alerts", user="")
    assert status == 401 and doc["message"]
    status, doc, _ = api.call("GET", f"/alerts/{alert_id_for('none')}")
    assert status == 404 and "not found" in doc["message"]
    status, doc, _ = api.call("GET", "/alerts/not-an-id")
    assert status == 422
    status, doc, _ = api.call("GET", "/alerts?limit=0")
    assert status == 422
    status, doc, _ = api.call("GET", "/alerts?cursor=garbage")
    assert status == 400 and "cursor" in doc["message"]
    status, doc, _ = api.call("GET", "/alerts?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")
    assert status == 400 and "before" in doc["message"]
    status, doc, _ = api.call("GET", "/alerts?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z")
    assert status == 400 and "366 days" in doc["message"]
    status, doc, _ = api.call("GET", "/alerts?from=0001-01-01T00:00:00%2B00:01")  # schemathesis
    assert status == 400 and "1970" in doc["message"]
    status, doc, _ = api.call("POST", "/cases/missed", body={
        "customer_id": "C-1", "period_from": "0001-01-01T00:00:00+00:01",
        "period_to": "2026-01-01T00:00:00Z", "note": "n"})
    assert status == 422
    status, doc, _ = api.call("POST", f"/alerts/{alert_id_for('x')}/decision",
                              body={"outcome": "maybe", "note": "x"})
    assert status == 422


# ---- decisions ------------------------------------------------------------------------------
def test_a_decision_completes_the_real_workflow_and_is_audited(api: Client, desk: Desk) -> None:
    alert_id = _alert(desk, "wf-high", "high", category="fraud")
    desk.start(desk_alert(desk, alert_id))
    eventually(lambda: desk.waiting(alert_id))
    status, doc, _ = api.call("POST", f"/alerts/{alert_id}/claim", user="ana")
    assert status == 200 and doc["assignee"] == "ana" and doc["status"] == "in_review"
    status, doc, _ = api.call("POST", f"/alerts/{alert_id}/claim", user="ben")
    assert status == 409 and "claimed by ana" in doc["message"]
    status, doc, _ = api.call("POST", f"/alerts/{alert_id}/decision", user="ana",
                              body={"outcome": "false_positive", "note": "known payee"})
    assert status == 200 and doc["state"] == "completed"
    eventually(lambda: desk.status(alert_id) == "closed")
    eventually(lambda: desk.execution(alert_id) == "SUCCEEDED")
    status, doc, _ = api.call("GET", f"/alerts/{alert_id}", groups=("auditor",), user="aud")
    actors = {(h["action"], h["actor"]) for h in doc["history"]}
    assert ("claimed", "ana") in actors and ("false_positive", "ana") in actors
    assert doc["label"] == "negative" and doc["claimed_at"] and doc["decided_at"]


def desk_alert(desk: Desk, alert_id: str) -> Any:
    from riskwarn.store.alerts import from_item

    return from_item(desk.alert(alert_id))


def test_two_decisions_at_once_one_wins_the_other_gets_409(api: Client, desk: Desk) -> None:
    alert_id = _alert(desk, "race", "high", category="fraud")
    desk.start(desk_alert(desk, alert_id))
    eventually(lambda: desk.waiting(alert_id))
    results: list[int] = []
    barrier = threading.Barrier(2)

    def decide(user: str, outcome: str) -> None:
        barrier.wait()
        status, _, _ = api.call("POST", f"/alerts/{alert_id}/decision", user=user,
                                body={"outcome": outcome, "note": user})
        results.append(status)

    threads = [threading.Thread(target=decide, args=a) for a in (("ana", "confirmed"),
                                                                 ("ben", "false_positive"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]


def test_critical_alerts_need_four_eyes_and_a_supervisor(api: Client, desk: Desk) -> None:
    alert_id = _alert(desk, "crit", "critical", category="aml")
    desk.start(desk_alert(desk, alert_id))
    eventually(lambda: desk.waiting(alert_id))
    body = {"outcome": "confirmed", "note": "structuring"}
    status, doc, _ = api.call("POST", f"/alerts/{alert_id}/decision", user="ana", body=body)
    assert status == 200 and doc["state"] == "awaiting_second_review"
    assert doc["alert"]["first_review"]["actor"] == "ana"
    status, doc, _ = api.call("POST", f"/alerts/{alert_id}/decision", user="al", body=body)
    assert status == 403 and "supervisor" in doc["message"]  # a second analyst is not enough
    status, doc, _ = api.call("POST", f"/alerts/{alert_id}/decision", user="ana",
                              groups=("analyst", "supervisor"), body=body)
    assert status == 403 and "four eyes" in doc["message"]  # not the first reviewer again
    status, doc, _ = api.call("POST", f"/alerts/{alert_id}/decision", user="sue",
                              groups=("supervisor",), body=body)
    assert status == 200 and doc["state"] == "completed"
    eventually(lambda: desk.status(alert_id) == "closed")
    # the STR draft the workflow wrote is listed and downloadable
    status, doc, _ = api.call("GET", "/reports/str", groups=("auditor",), user="aud")
    assert [d["alert_id"] for d in doc["items"]] == [alert_id]
    status, text, headers = api.call("GET", f"/reports/str/STR-{alert_id}")
    assert status == 200 and headers["content-type"].startswith("text/markdown")
    assert "attachment" in headers["content-disposition"] and "sue" in text
    assert "45,001.00" in text


def test_medium_alerts_are_decided_on_the_alert_itself(api: Client, desk: Desk) -> None:
    alert_id = _alert(desk, "medium", "medium", category="fraud")
    status, doc, _ = api.call("POST", f"/alerts/{alert_id}/decision",
                              body={"outcome": "confirmed", "note": "card stolen"})
    assert status == 200 and doc["state"] == "recorded"
    assert doc["alert"]["status"] == "closed" and doc["alert"]["label"] == "positive"
    status, doc, _ = api.call("POST", f"/alerts/{alert_id}/decision",
                              body={"outcome": "false_positive", "note": "again"})
    assert status == 409


# ---- reading ----------------------------------------------------------------------------------
def test_the_queue_filters_pages_newest_first_and_masks_for_auditors(api: Client,
                                                                    desk: Desk) -> None:
    base = datetime.now(UTC) - timedelta(days=3)
    ids = [_alert(desk, f"q{i}", "high" if i % 2 else "medium", customer=f"C-{i % 3}",
                  created=base + timedelta(hours=10 * i)) for i in range(7)]
    seen: list[str] = []
    cursor = None
    while True:
        target = "/alerts?limit=3" + (f"&cursor={cursor}" if cursor else "")
        status, doc, _ = api.call("GET", target)
        assert status == 200 and len(doc["items"]) <= 3
        seen += [a["alert_id"] for a in doc["items"]]
        cursor = doc["next_cursor"]
        if not cursor:
            break
    assert seen == ids[::-1]  # newest first, across days, nothing twice
    _, doc, _ = api.call("GET", "/alerts?tier=high&limit=50")
    assert [a["alert_id"] for a in doc["items"]] == [ids[i] for i in (5, 3, 1)]
    _, doc, _ = api.call("GET", "/alerts?customer_id=C-0&status=open")
    assert {a["alert_id"] for a in doc["items"]} == {ids[0], ids[3], ids[6]}
    api.call("POST", f"/alerts/{ids[2]}/claim", user="ana")
    _, doc, _ = api.call("GET", "/alerts?status=in_review&assignee=me", user="ana")
    assert [a["alert_id"] for a in doc["items"]] == [ids[2]]
    _, doc, _ = api.call("GET", "/alerts?assignee=me", user="ben")
    assert doc["items"] == []
    _, doc, _ = api.call("GET", "/alerts?typology=AML-STRUCTURING&limit=2")
    assert len(doc["items"]) == 2 and doc["next_cursor"]
    _, clear, _ = api.call("GET", f"/alerts/{ids[0]}", groups=("analyst",))
    _, masked, _ = api.call("GET", f"/alerts/{ids[0]}", groups=("auditor",), user="aud")
    assert clear["evidence"][0]["amount"] == masked["evidence"][0]["amount"]


def test_customer_risk_and_the_management_summary(api: Client, desk: Desk, stack: Stack) -> None:
    med = _alert(desk, "sum-med", "medium", category="fraud", customer="C-7")
    _alert(desk, "sum-high", "high", category="aml", customer="C-7")
    api.call("POST", f"/alerts/{med}/claim", user="ana")
    api.call("POST", f"/alerts/{med}/decision", user="ana",
             body={"outcome": "false_positive", "note": "payroll"})
    status, doc, _ = api.call("GET", "/customers/C-7/risk")
    assert status == 200 and doc["highest_open_tier"] == "high"
    assert [a["tier"] for a in doc["open_alerts"]] == ["high"]
    assert api.call("GET", "/customers/C-unknown/risk")[0] == 404
    now = datetime.now(UTC)
    api.call("POST", "/cases/missed", body={
        "customer_id": "C-8", "period_from": (now - timedelta(days=2)).isoformat(),
        "period_to": now.isoformat(), "typology": "AML-RAPID-MOVEMENT", "note": "found by audit"})
    q = (f"from={(now - timedelta(days=1)).isoformat()}"
         f"&to={(now + timedelta(minutes=1)).isoformat()}").replace("+", "%2B")
    status, doc, _ = api.call("GET", f"/reports/summary?{q}", groups=("auditor",), user="aud")
    assert status == 200, doc
    assert doc["alerts"] == 2 and doc["by_tier"] == {"medium": 1, "high": 1}
    assert doc["by_status"] == {"closed": 1, "open": 1}
    assert doc["false_positive_rate_by_typology"]["AML-STRUCTURING"]["rate"] == 1.0
    assert doc["missed_cases"] == 1 and doc["miss_rate"] == 1.0
    assert doc["mean_seconds_to_claim"] is not None and doc["mean_seconds_to_decide"] is not None


# ---- thresholds -----------------------------------------------------------------------------
def test_threshold_changes_are_versioned_audited_and_reach_scoring(api: Client,
                                                                   stack: Stack) -> None:
    admin = {"user": "root", "groups": ("admin",)}
    _, current, _ = api.call("GET", "/config/thresholds")
    assert current["version"] == 0 and current["tiers"]["high"] == 700
    change = {"based_on_version": 0, "note": "tighter after review",
              "tiers": {"low": 320, "medium": 520, "high": 720, "critical": 860}}
    status, doc, _ = api.call("PUT", "/config/thresholds", body=change, **admin)
    assert status == 200 and doc["version"] == 1 and doc["changed_by"] == "root"
    status, doc, _ = api.call("PUT", "/config/thresholds", body=change, **admin)
    assert status == 409  # based on a version that is no longer current
    bad = {**change, "based_on_version": 1, "tiers": {"low": 900, "medium": 500, "high": 700,
                                                        "critical": 850}}
    assert api.call("PUT", "/config/thresholds", body=bad, **admin)[0] == 422
    # a typology change alone keeps the tiers as they are
    typ = {"based_on_version": 1, "note": "cash threshold per the new rule",
           "typologies": {**current["typologies"], "large_cash": 40_000.0}}
    status, doc, _ = api.call("PUT", "/config/thresholds", body=typ, **admin)
    assert status == 200 and doc["version"] == 2 and doc["tiers"]["high"] == 720
    assert doc["typologies"]["large_cash"] == 40_000.0
    negative = {"based_on_version": 2, "note": "n",
                "typologies": {**current["typologies"], "large_cash": -1}}
    assert api.call("PUT", "/config/thresholds", body=negative, **admin)[0] == 422
    for lists in ({"high_risk_countries": ["IR", "iran"]}, {"risky_mcc": ["7995", "799"]},
                  {"high_risk_countries": ["KP", "KP"]}):
        odd = {"based_on_version": 2, "note": "n", "typologies": {**current["typologies"],
                                                                   **lists}}
        status, doc, _ = api.call("PUT", "/config/thresholds", body=odd, **admin)
        assert status == 422 and next(iter(lists)) in str(doc)
    _, hist, _ = api.call("GET", "/config/thresholds/history")
    assert [v["version"] for v in hist["items"]] == [2, 1]
    # the score function's view picks the new version up
    source = ThresholdSource(ThresholdStore(stack.client("dynamodb"),
                                            stack.settings.config_table), stack.settings.scoring())
    cfg = source.config_if_changed(clock=0.0)
    assert cfg is not None and cfg.tiers.high == 720 and cfg.thresholds.large_cash == 40_000
    assert source.config_if_changed(clock=1.0) is None  # checked at most once a minute


def test_customer_risk_reads_the_scored_profile_and_masks_devices_for_auditors(
        api: Client, stack: Stack) -> None:
    from riskwarn.runtime.stream import score_batch
    from tests.builders import generate_context, raw

    lines = [orjson.dumps(raw("login", customer_id="C-42", device_id="d-7f3a9c21",
                              occurred_at=f"2026-11-0{d}T09:00:00Z")) for d in range(1, 4)]
    lines.append(orjson.dumps(raw(customer_id="C-42", occurred_at="2026-11-03T10:00:00Z",
                                  device_id="d-7f3a9c21",
                                  amount="250.00", counterparty_id="SHOP-0042")))
    lines.append(orjson.dumps(raw("repayment", customer_id="C-42", device_id="d-7f3a9c21",
                                  occurred_at="2026-11-03T11:00:00Z", paid_amount="1500.00",
                                  days_past_due=4)))
    score_batch(stack.send(lines), generate_context(), stack.ports)
    _, clear, _ = api.call("GET", "/customers/C-42/risk")
    assert clear["profile"]["events_seen"] == 5 and clear["profile"]["devices"] == ["d-7f3a9c21"]
    # the timeline around an alert: the ledger's last 7 days
    (txn,) = clear["profile"]["recent_transactions"]
    assert (txn["amount"], txn["counterparty"]) == (250.0, "SHOP-0042")
    # ... and its logins beside them (no device or country in them: flags only)
    assert [(a["kind"], a["at"][:10], a["new_device"]) for a in clear["profile"][
        "recent_access"]] == [("login", f"2026-11-0{d}", False) for d in range(1, 4)]
    # ... and its repayments: late, half paid
    assert clear["profile"]["recent_repayments"] == [
        {"at": "2026-11-03T11:00:00+00:00", "days_past_due": 4, "paid_share": 0.5}]
    status, masked, _ = api.call("GET", "/customers/C-42/risk", user="aud", groups=("auditor",))
    assert status == 200 and masked["profile"]["devices"] != ["d-7f3a9c21"]
    assert masked["profile"]["devices"][0].endswith("21") and "*" in masked["profile"]["devices"][0]
    hidden = masked["profile"]["recent_transactions"][0]["counterparty"]
    assert hidden != "SHOP-0042" and "*" in hidden


def test_fifty_requests_at_once_each_answer_is_the_callers_own(api: Client, desk: Desk) -> None:
    # Given fifty open alerts and fifty analysts, all asking at the same moment
    ids = [_alert(desk, f"many-{i}", "medium", category="fraud") for i in range(50)]
    results: dict[int, tuple[int, Any]] = {}
    barrier = threading.Barrier(len(ids))

    def claim(i: int) -> None:
        barrier.wait()
        status, doc, _ = api.call("POST", f"/alerts/{ids[i]}/claim", user=f"analyst-{i}")
        results[i] = (status, doc)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then every answer is about the caller's own request: its alert, its name
    assert sorted(results) == list(range(len(ids)))
    for i, (status, doc) in results.items():
        assert status == 200, doc
        assert doc["alert_id"] == ids[i] and doc["assignee"] == f"analyst-{i}"
