"""A local stack killed hard in the middle of a stream (SIGKILL: no clean-up of any kind)
starts again on the same state (`riskwarn local up --resume`) and finishes the stream:
every record scored, quarantined or on the on-failure queue; no alert raised twice; every
alert told at its tier, twice only the publishes the kill caught before their records (ten
alerts a publish, one publish per running instance at most); every high and critical alert
has its workflow.

The emulator (moto's server) runs in a process of its own and outlives the stack, as AWS
outlives a Lambda instance; the pollers resume from the checkpoints they keep in it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest

from riskwarn.cases.notify import BATCH
from riskwarn.local.cloud import process_alive
from riskwarn.local.stack import free_port
from tests.builders import eventually
from tests.e2e.ledger import Ledger, events_with_poison


def _up(cwd: Path, *extra: str) -> subprocess.Popen[str]:
    # its own session, as a terminal would run it: the kill reaches the stack only
    return subprocess.Popen(
        [sys.executable, "-m", "riskwarn.cli", "local", "up", *extra], cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"})


def _instances(kinesis: Any, state: dict[str, Any]) -> int:
    """The score function's instances at once: shards × the mapping's ParallelizationFactor
    (the template parameter the stack was provisioned with)."""
    refs = state["provisioned"]["refs"]
    shards = kinesis.describe_stream(StreamName=refs["EventStream"])["StreamDescription"][
        "Shards"]
    return len(shards) * int(refs["ParallelizationFactor"])


def _state(path: Path, not_pid: int = 0) -> dict[str, Any] | None:
    """The state file once the stack (another one than `not_pid`) has written it."""
    try:
        doc: dict[str, Any] = orjson.loads(path.read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None
    return doc if doc.get("pid") != not_pid else None


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    # whatever the test's outcome, no emulator is left behind
    state = _state(tmp_path / ".riskwarn" / "local.json")
    if state and process_alive(state["cloud"]["pid"]):
        os.kill(state["cloud"]["pid"], signal.SIGKILL)


def test_a_stack_killed_mid_stream_resumes_and_loses_nothing(workdir: Path) -> None:
    port, api_port = free_port(), free_port()
    path = workdir / ".riskwarn" / "local.json"
    first = _up(workdir, "--port", str(port), "--api-port", str(api_port))
    try:
        state = eventually(lambda: _state(path), timeout=120)
    finally:
        if first.poll() is not None:
            print(first.communicate()[1])
    assert state["pid"] == first.pid
    clients = {s: boto3.client(s, endpoint_url=state["endpoint"], region_name=state["region"],
                               aws_access_key_id="local", aws_secret_access_key="local")
               for s in ("kinesis", "dynamodb", "s3", "sqs", "stepfunctions")}
    ledger = Ledger.of(state, clients, events_with_poison())
    ledger.send()
    # killed while it works through the stream: some applied, most not yet
    eventually(lambda: len(ledger.applied()) >= 300, timeout=120)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)
    assert len(ledger.applied()) < len(ledger.records) - 500
    cloud = state["cloud"]["pid"]
    assert process_alive(cloud)  # the emulator and its state outlive the stack

    second = _up(workdir, "--resume")
    try:
        eventually(lambda: _state(path, not_pid=first.pid), timeout=120)
        settled = ledger.settled(timeout=300)
        alerts = ledger.assert_nothing_lost_nothing_twice(
            settled, told_again=_instances(clients["kinesis"], state) * BATCH)
        assert len(alerts) > 10
    finally:
        second.send_signal(signal.SIGINT)
        out, err = second.communicate(timeout=90)
    assert second.returncode == 0, err
    assert "resumed" in out and "Traceback" not in err
    # a clean stop takes the emulator with it
    eventually(lambda: not process_alive(cloud), timeout=30)
    assert not path.exists()


def test_resume_with_nothing_to_resume_is_a_one_line_error(tmp_path: Path) -> None:
    proc = _up(tmp_path, "--resume")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip().count("\n") == 0 and "no stack to resume" in err


def test_down_stops_what_a_killed_stack_left(workdir: Path) -> None:
    port, api_port = free_port(), free_port()
    path = workdir / ".riskwarn" / "local.json"
    first = _up(workdir, "--port", str(port), "--api-port", str(api_port))
    state = eventually(lambda: _state(path), timeout=120)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)
    cloud = state["cloud"]["pid"]
    assert process_alive(cloud)
    # a new stack on the same port is refused, with what to do in one line
    again = _up(workdir, "--port", str(port), "--api-port", str(free_port()))
    _, err = again.communicate(timeout=60)
    assert again.returncode == 2 and err.strip().count("\n") == 0
    assert "--resume" in err and "riskwarn local down" in err
    down = subprocess.run([sys.executable, "-m", "riskwarn.cli", "local", "down"], cwd=workdir,
                          capture_output=True, text=True, timeout=60)
    assert down.returncode == 0, down.stderr
    assert "stopped the emulator" in down.stdout
    assert not process_alive(cloud) and not path.exists()
