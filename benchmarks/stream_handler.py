"""The score function's logic against moto in-process: throughput per core for batches of
100, 500 and 1,000 records, split into scoring and AWS I/O, and the AWS calls per batch.

Target (issue): writes in batches, so calls grow as batch/25 (here: /100 for profiles, which
need version-checked TransactWriteItems), not as batch.
"""

from __future__ import annotations

import base64
import os
import sys
import time
from typing import Any

os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true",
                   "POWERTOOLS_METRICS_NAMESPACE": "riskwarn", "POWERTOOLS_LOG_LEVEL": "WARNING"})

import logging

import orjson

from benchmarks._data import events_file
from riskwarn import aws, process_cache
from riskwarn.core.config import DEFAULT_MODEL_PATH
from riskwarn.local.provision import provision
from riskwarn.local.template import transform
from riskwarn.runtime.observability import metrics
from riskwarn.runtime.stream import StreamPorts, build_ports, score_batch
from riskwarn.settings import Settings


class Timed:
    """Wraps a port; adds the time spent in its methods to a shared clock."""

    def __init__(self, inner: Any, clock: dict[str, float], key: str) -> None:
        self._inner, self._clock, self._key = inner, clock, key

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self._clock[self._key] += time.perf_counter() - t0
        return timed


def _event(lines: list[bytes], start: int) -> dict[str, Any]:
    return {"Records": [{
        "kinesis": {"partitionKey": orjson.loads(line)["customer_id"],
                    "sequenceNumber": str(start + i), "data": base64.b64encode(line).decode(),
                    "kinesisSchemaVersion": "1.0", "approximateArrivalTimestamp": 0.0},
        "eventSource": "aws:kinesis", "eventID": f"shardId-000000000000:{start + i}",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/bench",
        "awsRegion": "us-east-1", "eventVersion": "1.0", "eventName": "aws:kinesis:record",
    } for i, line in enumerate(lines)]}


def run(batch: int, lines: list[bytes], writes: str) -> dict[str, float]:
    from moto import mock_aws

    from riskwarn.local.cloud import prepare_moto

    prepare_moto()  # the moto the local stack runs (docs/local.md)
    with mock_aws():
        process_cache.reset()
        p = provision(transform(), lambda s: aws.any_client(s, None, "us-east-1"))
        ports = build_ports(Settings.from_variables(
            p.function_env("ScoreFunction"), model_path=DEFAULT_MODEL_PATH,
            profile_writes=writes))
        clock = {"scoring": 0.0, "aws": 0.0}
        timed = StreamPorts(
            scorer=Timed(ports.scorer, clock, "scoring"),  # type: ignore[arg-type]
            profiles=Timed(ports.profiles, clock, "aws"),  # type: ignore[arg-type]
            alerts=Timed(ports.alerts, clock, "aws"),  # type: ignore[arg-type]
            quarantine=Timed(ports.quarantine, clock, "aws"),  # type: ignore[arg-type]
            notifier=Timed(ports.notifier, clock, "aws"),  # type: ignore[arg-type]
            workflow=Timed(ports.workflow, clock, "aws"),  # type: ignore[arg-type]
            model_version=ports.model_version, dedup_window_s=ports.dedup_window_s)
        n_batches = len(lines) // batch
        t0 = time.perf_counter()
        for b in range(n_batches):
            out = score_batch(_event(lines[b * batch:(b + 1) * batch], b * batch), None, timed)
            assert not out["batchItemFailures"]
            metrics.clear_metrics()  # the handler's decorator flushes them; here, drop them
        total = time.perf_counter() - t0
        n = n_batches * batch
        net = getattr(ports.scorer.network_port, "calls", 0)
        return {
            "records": n, "total": total, "scoring": clock["scoring"], "aws": clock["aws"],
            "ddb_calls": (ports.profiles.calls + ports.alerts.calls + net) / n_batches,
            "network_calls": net / n_batches,
            "profile_calls": ports.profiles.calls / n_batches,
            "alert_calls": ports.alerts.calls / n_batches,
            "sns_calls": ports.notifier.calls / n_batches,
            "sfn_calls": ports.workflow.calls / n_batches,
        }


def main() -> int:
    logging.getLogger("riskwarn").setLevel(logging.WARNING)
    logging.getLogger("moto").setLevel(logging.ERROR)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    lines = events_file(800, 30, seed=4).read_bytes().splitlines()
    print("score function against moto in-process, one core, generated records "
          "(800 customers)")
    print(f"  {'writes':>9}{'batch':>6}{'records':>8}{'records/s':>11}{'scoring':>9}"
          f"{'AWS I/O':>9}{'other':>7}{'DynamoDB calls':>16}{'profiles':>10}{'alerts':>8}"
          f"{'graph':>7}{'SNS':>6}{'SFN':>6}")
    for writes, batch, n in (("transact", 100, 10_000), ("transact", 500, 10_000),
                             ("transact", 1000, 10_000), ("put", 1000, 3_000)):
        r = run(batch, lines[:n], writes)
        other = r["total"] - r["scoring"] - r["aws"]
        print(f"  {writes:>9}{batch:>6}{int(r['records']):>8}"
              f"{r['records'] / r['total']:>11,.0f}"
              f"{r['scoring'] / r['total']:>9.0%}{r['aws'] / r['total']:>9.0%}"
              f"{other / r['total']:>7.0%}{r['ddb_calls']:>16.1f}{r['profile_calls']:>10.1f}"
              f"{r['alert_calls']:>8.1f}{r['network_calls']:>7.1f}{r['sns_calls']:>6.1f}"
              f"{r['sfn_calls']:>6.1f}")
    print("  calls are per batch. graph: the counterparty graph's BatchGetItem (100 accounts "
          "a call: each account and its non-card counterparties) and an UpdateItem per "
          "account that passed money through. transact: profiles read with BatchGetItem "
          "(100 keys) and written with TransactWriteItems (100 conditional puts) per 100 "
          "customers; put: one conditional PutItem per customer. moto as the local stack runs "
          "it (transactions backed up per item, item answers written as JSON): its times "
          "say nothing of DynamoDB's.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
