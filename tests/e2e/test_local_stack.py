"""The embedded local stack, started in-process on free ports: events sent with plain boto3,
alerts seen and decided through the HTTP API, the workflow finishing, the notification in
its tier's queue; the `riskwarn local` commands against it."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest

from riskwarn.cli import main
from riskwarn.local.demo import Api
from riskwarn.local.stack import LocalConfig, LocalStack, free_port
from riskwarn.local.tokens import new_secret, sign
from tests.builders import eventually, scenario

FAST = {"RISKWARN_REVIEW_SLA_HIGH_SECONDS": "60", "RISKWARN_REVIEW_SLA_CRITICAL_SECONDS": "60",
        "RISKWARN_SUPERVISOR_SLA_SECONDS": "60", "RISKWARN_FOLLOW_UP_SECONDS": "1",
        "RISKWARN_RESTRICTION_HOURS": "1"}


def started(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[LocalStack]:
    """A local stack on free ports with fast workflow clocks, stopped afterwards."""
    state = tmp_path_factory.mktemp(name) / "local.json"
    stack = LocalStack(LocalConfig(port=free_port(), api_port=free_port(), state_file=state,
                                   timing=FAST))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    yield from started(tmp_path_factory, "local")


def http(stack: LocalStack, method: str, path: str, user: str = "ana",
         groups: tuple[str, ...] = ("analyst",), body: Any = None,
         token: str | None = None) -> tuple[int, Any]:
    """The staff API over HTTP, as the demo calls it."""
    token = token if token is not None else sign(user, groups, stack.secret)
    return Api(stack.api_url, token).call(method, path, body)


def test_events_in_alerts_out_decided_through_the_api(local: LocalStack) -> None:
    state = orjson.loads(local.cfg.state_file.read_bytes())
    # any AWS client can use the local stack from its state file: plain boto3 here
    kin = boto3.client("kinesis", endpoint_url=state["endpoint"], region_name=state["region"],
                       aws_access_key_id="x", aws_secret_access_key="x")
    lines = scenario()
    kin.put_records(StreamName=state["resources"]["EventStream"], Records=[
        {"Data": line, "PartitionKey": orjson.loads(line)["customer_id"]} for line in lines])
    # the event-source mapping picks them up: alerts appear in the API, once every record
    # is scored (customers' lanes run at once: one's alert may rise while another's appears)
    done = local.stats["ScoreFunctionStream"]
    eventually(lambda: done.events >= len(lines))
    wanted = {"C-STRUCT", "C-CASH", "C-CARD"}

    def raised() -> dict[str, Any] | None:  # each scenario customer's alert, once all are in
        page = {a["customer_id"]: a for a in http(local, "GET", "/alerts?limit=50")[1]["items"]}
        return page if wanted <= set(page) else None

    by_customer = eventually(raised)
    high = by_customer["C-STRUCT"]
    assert high["tier"] in ("high", "critical")
    alert_id = high["alert_id"]
    # its disposition workflow asks for a decision (the review inbox ran in-process)
    eventually(lambda: http(local, "GET", f"/alerts/{alert_id}")[1]["waiting_for_decision"])
    assert http(local, "POST", f"/alerts/{alert_id}/claim")[0] == 200
    body = {"outcome": "false_positive", "note": "known business: cash-heavy shop"}
    status, doc = http(local, "POST", f"/alerts/{alert_id}/decision", body=body)
    if doc.get("state") == "awaiting_second_review":  # critical: a supervisor confirms
        status, doc = http(local, "POST", f"/alerts/{alert_id}/decision", user="sue",
                           groups=("supervisor",), body=body)
    assert status == 200 and doc["state"] == "completed"
    # the workflow finishes: lifted, labelled, followed up, closed
    eventually(lambda: http(local, "GET", f"/alerts/{alert_id}")[1]["status"] == "closed")
    sfn = boto3.client("stepfunctions", endpoint_url=state["endpoint"],
                       region_name=state["region"], aws_access_key_id="x",
                       aws_secret_access_key="x")
    machine = state["resources"]["DispositionStateMachine"]
    execution = machine.replace(":stateMachine:", ":execution:") + f":{alert_id}"
    eventually(lambda: sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED")
    # and its notification went to its tier's queue
    sqs = boto3.client("sqs", endpoint_url=state["endpoint"], region_name=state["region"],
                       aws_access_key_id="x", aws_secret_access_key="x")
    msgs = sqs.receive_message(QueueUrl=state["tier_queues"][high["tier"]],
                               MaxNumberOfMessages=10)["Messages"]
    assert alert_id in {orjson.loads(m["Body"])["alert_id"] for m in msgs}


def test_the_front_door_checks_tokens_and_serves_the_spec(local: LocalStack) -> None:
    assert http(local, "GET", "/alerts", token="not-a-token")[0] == 401
    forged = sign("eve", ["admin"], new_secret())  # signed, but not with this stack's key
    assert http(local, "GET", "/alerts", token=forged)[0] == 401
    # an encoded '#' is part of the path, not a fragment: no such alert route, not the list
    status, doc = http(local, "GET", "/alerts/%23%23%20note")
    assert status in (404, 422) and "items" not in doc
    with urllib.request.urlopen(local.api_url + "/openapi.json", timeout=10) as resp:
        spec = orjson.loads(resp.read())
    assert "/alerts/{alert_id}/decision" in spec["paths"]


def test_local_commands_send_token_and_outbox(local: LocalStack, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    state = str(local.cfg.state_file)
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join(scenario()) + b"\n{broken\n")
    assert main(["local", "send", str(events), "--state", state, "--rate", "1000"]) == 0
    assert f"sent {len(scenario()) + 1} events" in capsys.readouterr().err  # broken one too
    assert main(["local", "token", "--user", "ana", "--groups", "analyst",
                 "--state", state]) == 0
    token = capsys.readouterr().out.strip()
    assert http(local, "GET", "/config/thresholds", token=token)[0] == 200
    assert main(["local", "token", "--user", "ana", "--groups", "wizard",
                 "--state", state]) == 2
    assert "unknown groups" in capsys.readouterr().err
    eventually(lambda: local.stats["ScoreFunctionStream"].events >= 2 * len(scenario()) + 1)
    assert main(["local", "outbox", "--tier", "medium", "--state", state]) == 0
    out = capsys.readouterr().out
    assert "== medium" in out and "riskwarn MEDIUM aml alert" in out
    assert "sms to" in out or "email to" in out  # captured, not sent


def test_a_port_in_use_is_one_line(local: LocalStack, capsys: pytest.CaptureFixture[str]
                                   ) -> None:
    assert main(["local", "up", "--port", str(local.cfg.port),
                 "--api-port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "in use" in err


def test_lambda_invoke_runs_the_in_process_handler(local: LocalStack) -> None:
    """`aws lambda invoke` (and Step Functions lambda:invoke tasks) reach the same handlers."""
    from riskwarn.local.proxy import proxy_event
    from riskwarn.runtime.lambda_shapes import sqs_event

    lam = local.client("lambda")
    resp = lam.invoke(FunctionName="riskwarn-ApiFunction",
                      Payload=orjson.dumps(proxy_event("GET", "/openapi.json")))
    answer = orjson.loads(resp["Payload"].read())
    assert answer["statusCode"] == 200 and "/alerts" in orjson.loads(answer["body"])["paths"]
    # a review task for an alert that does not exist: reported as a batch item failure
    message = {"MessageId": "m-1", "ReceiptHandle": "r", "MD5OfBody": "x", "Body": orjson.dumps(
        {"alert_id": "AL-none", "stage": "review", "task_token": "t"}).decode()}
    resp = lam.invoke(FunctionName="riskwarn-ReviewInboxFunction", Payload=orjson.dumps(
        sqs_event([message], "arn:aws:sqs:us-east-1:123456789012:review")))
    assert orjson.loads(resp["Payload"].read()) == {
        "batchItemFailures": [{"itemIdentifier": "m-1"}]}


def test_send_reads_stdin(local: LocalStack, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(b"\n".join(scenario()[:5]) + b"\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["local", "send", "-", "--state", str(local.cfg.state_file)]) == 0
    assert "sent 5 events" in capsys.readouterr().err


def test_local_up_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    port, api_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskwarn.cli", "local", "up", "--port", str(port),
         "--api-port", str(api_port)], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    try:
        state = tmp_path / ".riskwarn" / "local.json"
        eventually(state.exists, timeout=60)
        with urllib.request.urlopen(f"http://127.0.0.1:{api_port}/openapi.json",
                                    timeout=10) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "ready" in out and out.rstrip().endswith("stopped") and "Traceback" not in err
    assert not state.exists()  # its endpoints are gone with it


def test_fifty_staff_at_once_each_get_their_own_answer(local: LocalStack) -> None:
    # fifty customers, each with one reportable cash deposit: fifty alerts
    from tests.builders import line

    state = orjson.loads(local.cfg.state_file.read_bytes())
    kin = boto3.client("kinesis", endpoint_url=state["endpoint"], region_name=state["region"],
                       aws_access_key_id="x", aws_secret_access_key="x")
    customers = [f"C-CROWD-{i:02d}" for i in range(50)]
    kin.put_records(StreamName=state["resources"]["EventStream"], Records=[
        {"Data": line(customer_id=c, amount="60000.00", method="cash", direction="credit",
                      counterparty_id=None), "PartitionKey": c} for c in customers])

    def alerts() -> dict[str, str] | None:
        found = {}
        for c in customers:
            items = http(local, "GET", f"/alerts?customer_id={c}")[1]["items"]
            if not items:
                return None
            found[c] = items[0]["alert_id"]
        return found

    alert_of = eventually(alerts, timeout=60)
    users = {c: f"analyst-{i:02d}" for i, c in enumerate(customers)}
    barrier = threading.Barrier(len(customers))
    answers: dict[str, list[tuple[int, Any]]] = {c: [] for c in customers}

    def work(c: str) -> None:
        barrier.wait()  # fifty claims at once, each by its own user for its own alert
        answers[c].append(http(local, "POST", f"/alerts/{alert_of[c]}/claim", user=users[c]))
        barrier.wait()  # then fifty "my alerts" at once
        answers[c].append(http(local, "GET", "/alerts?assignee=me", user=users[c]))

    threads = [threading.Thread(target=work, args=(c,)) for c in customers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for c in customers:
        (claim_status, claimed), (list_status, mine) = answers[c]
        assert claim_status == 200 and claimed["alert_id"] == alert_of[c]
        assert claimed["assignee"] == users[c]
        assert list_status == 200
        assert [a["alert_id"] for a in mine["items"]] == [alert_of[c]]
