"""Faults survived on the local stack, nothing lost: a few thousand events with poison
records mixed in, streamed while DynamoDB throttles, SNS refuses a publish, Step Functions
refuses a start and S3 refuses a quarantine write. Afterwards every input is scored,
quarantined or on the on-failure queue; no alert is raised twice; no tier of an alert is
told twice; every high and critical alert has its workflow."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from riskwarn.local.stack import LocalConfig, LocalStack, free_port
from tests.e2e.ledger import Ledger, events_with_poison

# (service, operation) → fail every Nth call, at most `times` times, with this error code
FAULTS = {
    ("dynamodb", "BatchGetItem"): (5, 4, "ProvisionedThroughputExceededException"),
    ("dynamodb", "PutItem"): (97, 4, "ProvisionedThroughputExceededException"),
    ("sns", "PublishBatch"): (4, 3, "Throttling"),
    ("sfn", "StartExecution"): (3, 3, "ThrottlingException"),
    ("s3", "PutObject"): (3, 3, "SlowDown"),
}


class Injector:
    """Wraps every boto3 call in this process (the in-process functions' included); calls
    the table names fail on schedule, before they reach the emulator."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.injected: Counter[tuple[str, str]] = Counter()
        self.on = True
        self.lock = threading.Lock()

    def wrap(self, real: Any) -> Any:
        injector = self

        def call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            key = (client.meta.service_model.endpoint_prefix
                   if client.meta.service_model.service_name != "stepfunctions" else "sfn",
                   operation)
            fault = FAULTS.get(key)
            if fault and injector.on:
                every, times, code = fault
                with injector.lock:
                    injector.calls[key] += 1
                    fire = (injector.calls[key] % every == 0
                            and injector.injected[key] < times)
                    if fire:
                        injector.injected[key] += 1
                if fire:
                    raise ClientError({"Error": {"Code": code, "Message": "injected"}},
                                      operation)
            return real(client, operation, params)

        return call


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, Injector]]:
    injector = Injector()
    real = BaseClient._make_api_call
    stack = LocalStack(LocalConfig(port=free_port(), api_port=free_port(),
                                   state_file=tmp_path_factory.mktemp("f") / "local.json"))
    stack.start()
    BaseClient._make_api_call = injector.wrap(real)  # type: ignore[method-assign]
    try:
        yield stack, injector
    finally:
        BaseClient._make_api_call = real  # type: ignore[method-assign]
        stack.stop()


def test_faults_lose_nothing_and_do_nothing_twice(faulty: tuple[LocalStack, Injector]
                                                  ) -> None:
    stack, injector = faulty
    state = orjson.loads(stack.cfg.state_file.read_bytes())
    clients = {s: stack.client(s) for s in ("kinesis", "dynamodb", "s3", "sqs",
                                            "stepfunctions")}
    ledger = Ledger.of(state, clients, events_with_poison())
    ledger.send()
    settled = ledger.settled(timeout=240)
    injector.on = False
    # every fault was met at least once
    assert set(injector.injected) == set(FAULTS), injector.injected
    ledger.assert_nothing_lost_nothing_twice(settled)
