"""`riskwarn decide` is a client of the staff API like any other: through the front door
over HTTP, with a staff token, under the same role checks and four eyes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from riskwarn.api.app import build_api_ports, handle
from riskwarn.cases.alerts import alert_id_for
from riskwarn.cli import main
from riskwarn.local.front_door import FrontDoor
from riskwarn.local.tokens import sign
from tests.builders import eventually
from tests.integration.conftest import Stack
from tests.integration.desk import Desk

SECRET = "a-test-secret-for-the-local-front-door-only"


@pytest.fixture
def front_door(stack: Stack) -> Iterator[str]:
    ports = build_api_ports(stack.settings)

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        return handle(event, None, ports)

    server = make_server("127.0.0.1", 0, FrontDoor(invoke, SECRET), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _decide(url: str, alert_id: str, user: str, *groups: str) -> int:
    return main(["decide", alert_id, "--outcome", "confirmed", "--note", "structuring",
                 "--api-url", url, "--token", sign(user, groups, SECRET)])


@pytest.mark.parametrize("stack", ["transact"], indirect=True)
def test_a_critical_alert_is_never_closed_by_one_person_from_the_cli(
        stack: Stack, front_door: str, capsys: pytest.CaptureFixture[str]) -> None:
    desk = Desk(stack)
    alert_id = alert_id_for("cli-critical")
    desk.start(desk.raise_alert(alert_id, "critical"))
    eventually(lambda: desk.waiting(alert_id))
    # the first review by an analyst: recorded, the alert stays open for a second person
    assert _decide(front_door, alert_id, "ana", "analyst") == 0
    assert "awaiting_second_review" in capsys.readouterr().out
    # the same person again, even holding the supervisor role: refused, one line, exit 2
    assert _decide(front_door, alert_id, "ana", "analyst", "supervisor") == 2
    assert "403" in (err := capsys.readouterr().err) and "four eyes" in err
    assert "Traceback" not in err
    # an auditor may not decide at all; no token is a usage error, not a traceback
    assert _decide(front_door, alert_id, "aud", "auditor") == 2
    assert "403" in capsys.readouterr().err
    assert main(["decide", alert_id, "--outcome", "confirmed", "--note", "x",
                 "--api-url", front_door, "--token", "not-a-token"]) == 2
    assert "401" in capsys.readouterr().err
    assert desk.status(alert_id) != "closed"
    # a supervisor who is not the first reviewer closes it; history names both people
    assert _decide(front_door, alert_id, "sue", "supervisor") == 0
    assert "completed" in capsys.readouterr().out
    eventually(lambda: desk.status(alert_id) == "closed")
    items = stack.client("dynamodb").query(
        TableName=stack.p.ref("AlertHistoryTable"), KeyConditionExpression="alert_id = :a",
        ExpressionAttributeValues={":a": {"S": alert_id}})["Items"]
    assert {("ana", "first_review"), ("sue", "confirmed")} <= {
        (i["actor"]["S"], i["action"]["S"]) for i in items}

