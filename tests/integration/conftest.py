"""The real handler logic against moto, with every resource built from template.yaml."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import orjson
import pytest

from riskwarn import process_cache
from riskwarn.core.config import DEFAULT_MODEL_PATH
from riskwarn.local.cloud import prepare_moto
from riskwarn.local.provision import Provisioned, provision
from riskwarn.local.template import transform
from riskwarn.runtime.stream import StreamPorts, build_ports
from riskwarn.settings import Settings
from tests.builders import drain_queue, lambda_kinesis_event

REGION = "us-east-1"
TEMPLATE = transform()


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "riskwarn",
    }.items():
        monkeypatch.setenv(key, value)
    process_cache.reset()
    yield
    # a test that scored without the handler's flush leaves metrics behind: drop them
    from riskwarn.runtime.observability import metrics

    metrics.clear_metrics()


def _partition_key(line: bytes) -> str:
    """The customer id, as sources use it; a broken record gets any key."""
    try:
        return str(orjson.loads(line).get("customer_id", "?"))
    except orjson.JSONDecodeError:
        return "?"


@dataclass
class Stack:
    p: Provisioned
    ports: StreamPorts
    settings: Settings

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    def send(self, lines: list[bytes]) -> dict[str, Any]:
        """Put records on the stream (partition key = customer), read them back per shard
        as the event-source mapping would, and return one Lambda event with them all in
        shard order."""
        kin = self.client("kinesis")
        name = self.p.ref("EventStream")
        for i in range(0, len(lines), 500):
            entries = [{"Data": line, "PartitionKey": _partition_key(line)}
                       for line in lines[i:i + 500]]
            kin.put_records(StreamName=name, Records=entries)
        records: list[dict[str, Any]] = []
        for shard in kin.describe_stream(StreamName=name)["StreamDescription"]["Shards"]:
            it = kin.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                resp = kin.get_records(ShardIterator=it, Limit=10_000)
                records += [{**r, "ShardId": shard["ShardId"]} for r in resp["Records"]]
                if not resp["Records"]:
                    break
                it = resp.get("NextShardIterator")
        return lambda_kinesis_event(records, self.p.attrs[("EventStream", "Arn")])

    def queue_messages(self, logical: str) -> list[dict[str, Any]]:
        return drain_queue(self.client("sqs"), self.p.ref(logical))


def _functions_in_process(p: Provisioned, monkeypatch: pytest.MonkeyPatch) -> None:
    """The template's functions registered with moto's Lambda and run in this process, so
    the state machine's Lambda tasks run the real handlers (as on the local stack), with
    the environment the template gives them."""
    from moto.awslambda.models import LambdaFunction

    from riskwarn.local.functions import InProcessFunctions

    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", LambdaFunction._invoke_lambda)
    for key, value in p.function_env("DispositionStepsFunction").items():
        monkeypatch.setenv(key, value)
    process_cache.reset()
    functions = InProcessFunctions(p.stack, REGION)
    functions.register(boto3.client("lambda", region_name=REGION),
                       {logical: arn for (logical, attr), arn in p.attrs.items()
                        if attr == "Arn"})

    def invoke(fn: Any, event: Any = None) -> tuple[str, bool, str]:
        body, errored = functions.answer(fn.function_name, event)
        return body.decode(), errored, ""

    # moto's one invoke path: to the handlers in this process (the local stack's emulator
    # sends it to the stack's functions endpoint instead, through the same `answer`)
    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", invoke)


@pytest.fixture(params=["transact", "put"])
def stack(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """Both ways of writing profiles (store/profiles.py) go through every test."""
    from moto import mock_aws

    prepare_moto()  # the moto the local stack runs: AWS's atomic writes, the speed-ups
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        p = provision(TEMPLATE, lambda s: boto3.client(s, region_name=REGION), region=REGION)
        _functions_in_process(p, monkeypatch)
        # the model: the repository's copy instead of the layer's /opt path
        settings = Settings.from_variables(p.function_env("ScoreFunction"),
                                           model_path=DEFAULT_MODEL_PATH,
                                           profile_writes=request.param)
        yield Stack(p, build_ports(settings), settings)
        # Executions run on moto's threads and outlive the mock: stop them, or they write
        # into the next test's tables.
        sfn = boto3.client("stepfunctions", region_name=REGION)
        for machine in sfn.list_state_machines()["stateMachines"]:
            for ex in sfn.list_executions(stateMachineArn=machine["stateMachineArn"],
                                          statusFilter="RUNNING")["executions"]:
                with contextlib.suppress(Exception):  # moto cannot stop one not yet running
                    sfn.stop_execution(executionArn=ex["executionArn"])
