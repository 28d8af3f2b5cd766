"""Work moto's server repeats on every request though its answer cannot change while the
local stack runs: done once. Semantics are untouched (those are in atomic.py); each patch is
idempotent and applies to this process only.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import orjson

from riskwarn.local import moto_speed_dynamodb


def apply() -> None:
    _parse_each_definition_once()
    _list_moto_modules_once()
    moto_speed_dynamodb.apply()
    _one_client_per_workflow_service()
    _shard_reads_from_their_position()
    _request_json_parsed_by_orjson()


def _parse_each_definition_once() -> None:
    """moto parses a state machine's ASL again for every execution (~0.2 s of CPU, holding
    the GIL while the score function waits). The parsed program keeps no execution state
    (retry counts live in the execution's own heap), so the local stack parses each
    definition once."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    original = AmazonStateLanguageParser.parse
    if getattr(original, "riskwarn_cached", False):
        return
    cache: dict[str, Any] = {}
    lock = threading.Lock()

    def parse(definition: str) -> Any:
        with lock:
            if definition not in cache:
                cache[definition] = original(definition)
            return cache[definition]

    parse.riskwarn_cached = True  # type: ignore[attr-defined]
    AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]


def _list_moto_modules_once() -> None:
    """moto's server finds the service of every request by listing its own package directory
    (~150 `isdir` calls) under the dispatcher's one lock: a tenth of the stack's CPU at a
    burst, and every request waits on it. The package does not change while it runs."""
    from moto import backends

    if getattr(backends.list_of_moto_modules, "riskwarn_cached", False):
        return
    modules = tuple(backends.list_of_moto_modules())

    @functools.wraps(backends.list_of_moto_modules)
    def listed() -> tuple[str, ...]:
        return modules

    listed.riskwarn_cached = True  # type: ignore[attr-defined]
    backends.list_of_moto_modules = listed


# moto's workflow modules that make a client for a task: each imported the maker by name
_TASK_MODULES = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service."
    "state_task_service_sqs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service."
    "state_task_service_sns",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service."
    "state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service."
    "state_task_service_sfn")


def _one_client_per_workflow_service() -> None:
    """moto's Step Functions builds a new boto3 client (and a new connection) for every task
    it runs; a client is thread-safe, so each (region, service) gets one — per place moto
    would point it: its in-process interception or the server on MOTO_PORT (a process that
    runs a local stack and then tests under mock_aws must not hand one's client to the
    other)."""
    import importlib

    from moto.core.models import botocore_stubber
    from moto.settings import moto_server_port
    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for
    if getattr(original, "riskwarn_cached", False):
        return
    clients: dict[tuple[str, str, bool, str], Any] = {}
    lock = threading.Lock()

    @functools.wraps(original)
    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        # a task's credentials (the state machine's role) are passed but moto's builder
        # ignores them (every client has the same fake keys): one client serves them all
        key = (region, service, bool(botocore_stubber.enabled), moto_server_port())
        with lock:
            if key not in clients:
                clients[key] = original(region, service)
            return clients[key]

    client_for.riskwarn_cached = True  # type: ignore[attr-defined]
    boto_client.boto_client_for = client_for
    for name in _TASK_MODULES:
        module = importlib.import_module(name)
        if getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = client_for  # type: ignore[attr-defined]


def _shard_reads_from_their_position() -> None:
    """moto reads a Kinesis shard from its first record on every GetRecords until it passes
    the iterator's position, and finds the newest sequence number by listing every key on
    every put: both grow with the shard (a poll every 50 ms per shard, all day). A shard's
    sequence numbers are consecutive (each put takes the newest + 1), so a read starts at
    the next one directly; a gap (never made by moto, but possible in principle) falls back
    to moto's scan."""
    from moto.kinesis.models import Shard

    original = Shard.get_records
    if getattr(original, "riskwarn_cached", False):
        return

    @functools.wraps(original)
    def get_records(self: Any, last_sequence_id: str, limit: int | None) -> Any:
        records = self.records
        if not records:
            return original(self, last_sequence_id, limit)
        first, newest = next(iter(records)), next(reversed(records))
        seq = max(int(last_sequence_id) + 1, first)
        if seq <= newest and seq not in records:
            return original(self, last_sequence_id, limit)
        results: list[Any] = []
        while seq <= newest and (not limit or len(results) < limit):
            record = records.get(seq)
            if record is None:
                return original(self, last_sequence_id, limit)
            results.append(record)
            seq += 1
        if not results:
            return [], int(last_sequence_id), 0
        behind = records[newest].created_at - results[-1].created_at
        return results, seq - 1, int(behind * 1000)

    def newest(self: Any) -> int:
        return next(reversed(self.records)) if self.records else 0

    def oldest(self: Any) -> int:
        return next(iter(self.records)) if self.records else 0

    get_records.riskwarn_cached = True  # type: ignore[attr-defined]
    Shard.get_records = get_records  # type: ignore[method-assign]
    Shard.get_max_sequence_number = newest  # type: ignore[method-assign]
    Shard.get_min_sequence_number = oldest  # type: ignore[method-assign]


def _request_json_parsed_by_orjson() -> None:
    """The JSON protocols' request bodies (DynamoDB, Kinesis, SQS, SNS, Step Functions) read
    with orjson: the same values, a few times faster. What orjson refuses (NaN, a body that
    is not JSON) goes moto's way, with moto's answer."""
    from moto.core.parse import BaseJSONParser

    original: Any = BaseJSONParser._parse_body_as_json
    if getattr(original, "riskwarn_cached", False):
        return

    @functools.wraps(original)
    def parse(self: Any, body_contents: Any) -> Any:
        if body_contents:
            try:
                return orjson.loads(body_contents)
            except (orjson.JSONDecodeError, TypeError):
                pass
        return original(self, body_contents)

    parse.riskwarn_cached = True  # type: ignore[attr-defined]
    BaseJSONParser._parse_body_as_json = parse  # type: ignore[method-assign]
