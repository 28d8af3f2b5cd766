"""`riskwarn local …`: up, send, token, outbox, demo (the embedded local stack)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from riskwarn.local.stack import STATE_FILE, TIER_QUEUES, port_of
from riskwarn.usage import UsageError as LocalUsageError  # one line for the user, exit 2
from riskwarn.usage import bounded

SEND_CHUNK = 500  # PutRecords limit
POSITIVE = bounded(int, 1)
port_number = bounded(int, 1, 65535)  # a TCP port to listen on


def add_parsers(sub: Any) -> None:
    local = sub.add_parser("local", help="the embedded local stack (no AWS account, no docker)")
    cmds = local.add_subparsers(dest="local_command", required=True)
    up = cmds.add_parser("up", help="start moto, create every resource, run the functions")
    _ports(up)
    up.add_argument("--resume", action="store_true",
                    help="start again on the emulator a stack killed hard left running "
                         "(its tables, streams, queues, workflows; the pollers' checkpoints)")
    s = cmds.add_parser("send", help="put events onto the local stream")
    s.add_argument("events", help="JSON Lines events file, - for stdin")
    s.add_argument("--rate", type=POSITIVE, help="events per second (default: at once)")
    t = cmds.add_parser("token", help="print a locally signed staff token")
    t.add_argument("--user", required=True)
    t.add_argument("--groups", required=True, help="comma separated: analyst, supervisor, "
                   "auditor, admin")
    t.add_argument("--hours", type=POSITIVE, default=8)
    dn = cmds.add_parser("down", help="stop a stack and its emulator (one killed hard left "
                         "its emulator running)")
    dn.add_argument("--state", type=Path, default=STATE_FILE,
                    help=f"the stack's state file (default {STATE_FILE})")
    o = cmds.add_parser("outbox", help="what staff would have received, by tier and channel")
    o.add_argument("--tier", choices=sorted(TIER_QUEUES))
    o.add_argument("--limit", type=POSITIVE, default=20)
    d = cmds.add_parser("demo", help="start the stack, stream a generated day, decide, report")
    _ports(d)
    d.add_argument("--customers", type=POSITIVE, default=2000)
    d.add_argument("--rate", type=POSITIVE, default=150,
                   help="events per second (default 150: a day in about a minute)")
    d.add_argument("--seed", type=int, default=11)
    d.add_argument("--serve", action="store_true", help="keep serving after the summary")
    for p in (s, t, o):
        p.add_argument("--state", type=Path, default=STATE_FILE,
                       help=f"the running stack's state file (default {STATE_FILE})")


def _ports(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=port_number, default=4566, help="moto's port (default 4566)")
    p.add_argument("--api-port", type=port_number, default=8080,
                   help="staff API port (default 8080)")
    p.add_argument("--state", type=Path, default=STATE_FILE,
                   help=f"where the stack writes its state file (default {STATE_FILE})")


def run(args: argparse.Namespace) -> int:
    from botocore.exceptions import EndpointConnectionError

    try:
        if args.local_command == "up":
            return _up(args)
        if args.local_command == "send":
            return _send(args)
        if args.local_command == "token":
            return _token(args)
        if args.local_command == "outbox":
            return _outbox(args)
        if args.local_command == "down":
            return _down(args)
        from riskwarn.local.demo import run_demo

        return run_demo(args)
    except EndpointConnectionError as exc:
        raise LocalUsageError(f"riskwarn local: the local stack does not answer "
                              f"({exc.kwargs.get('endpoint_url', '')}): start it with "
                              "`riskwarn local up`") from None


def load_state(path: Path) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise LocalUsageError(f"riskwarn local: no local stack ({path} not found): start one "
                              "with `riskwarn local up`") from None
    except orjson.JSONDecodeError:
        raise LocalUsageError(f"riskwarn local: {path} is not a local stack's state") from None
    return doc


def client(state: dict[str, Any], service: str) -> Any:
    import boto3

    make: Any = boto3.client
    return make(service, endpoint_url=state["endpoint"], region_name=state["region"],
                aws_access_key_id="local", aws_secret_access_key="local")


# ---- up ----------------------------------------------------------------------------------
def start_stack(args: argparse.Namespace) -> Any:
    from riskwarn.local.stack import LocalConfig, LocalStack, NothingToResume, PortInUse

    stack = LocalStack(LocalConfig(port=args.port, api_port=args.api_port,
                                   state_file=args.state,
                                   resume=getattr(args, "resume", False)))
    try:
        p = stack.start()
    except (PortInUse, NothingToResume) as exc:
        raise LocalUsageError(f"riskwarn local: {exc}") from None
    if stack.cfg.resume and stack.cloud is not None:
        print(f"resumed on the emulator at {stack.endpoint} (process {stack.cloud.pid})")
    print(f"moto (the local AWS)   {stack.endpoint}   region {stack.cfg.region}")
    print(f"staff API              {stack.api_url}   (spec: {stack.api_url}/openapi.json)")
    print(f"state                  {stack.cfg.state_file}")
    kinds: dict[str, list[str]] = {}
    for logical, why in sorted(p.not_created.items()):
        kinds.setdefault(why, []).append(logical)
    print("not created on moto (the local stack stands in):")
    for why, names in kinds.items():
        print(f"  {why}: {len(names)} ({', '.join(names[:3])}{', …' if len(names) > 3 else ''})")
    for logical, why in p.adjusted.items():
        print(f"  adjusted {logical}: {why}")
    return stack


def wait_for_ctrl_c() -> None:
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    while not done.wait(0.5):
        pass


def _up(args: argparse.Namespace) -> int:
    stack = start_stack(args)
    print("ready: `riskwarn local send EVENTS.jsonl`, `riskwarn local token --user ana "
          "--groups analyst`, `riskwarn local outbox`; Ctrl-C stops")
    try:
        wait_for_ctrl_c()
    finally:
        stack.stop()
        print("stopped")
    return 0


def _down(args: argparse.Namespace) -> int:
    """The stack's process (if it still runs) is asked to stop as Ctrl-C would; the emulator
    a stack killed hard left behind is stopped, and the state file removed."""
    import os

    from riskwarn.local.cloud import Cloud, process_alive, runs

    state = load_state(args.state)
    pid, cloud = int(state.get("pid", 0)), state.get("cloud", {})
    if pid and pid != os.getpid() and runs(pid, "riskwarn"):
        os.kill(pid, signal.SIGINT)  # it stops its emulator and removes the state file
        deadline = time.monotonic() + 60
        while process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        print(f"stopped the stack (process {pid})")
    if cloud.get("pid") and runs(int(cloud["pid"]), "riskwarn.local.cloud"):
        Cloud(port_of(str(state["endpoint"])), int(cloud["pid"])).stop()
        print(f"stopped the emulator (process {cloud['pid']}); its state is gone")
    args.state.unlink(missing_ok=True)
    return 0


# ---- send -----------------------------------------------------------------------------------
def _partition_key(line: bytes) -> str:
    try:
        doc = orjson.loads(line)
        return str(doc.get("customer_id") or "unknown") if isinstance(doc, dict) else "unknown"
    except orjson.JSONDecodeError:
        return "unknown"  # still sent: the score function quarantines it with its reason


def send(kinesis: Any, stream: str, lines: Iterable[bytes],
         rate: int | Callable[[], float] | None = None,
         on_chunk: Any = None) -> Iterator[tuple[bytes, float]]:
    """Put lines on the stream (partition key = customer id), paced at `rate` per second
    (a number, or a function read before each chunk: the demo slows down when the stack
    falls behind); yields each line with the time it was put. Failed entries are put
    again."""
    chunk: list[bytes] = []
    due = time.monotonic()  # when the next chunk may go
    sent = 0
    current: Callable[[], float] | None = (
        None if rate is None else rate if callable(rate) else (lambda: float(rate)))

    def flush() -> Iterator[tuple[bytes, float]]:
        nonlocal sent
        pending = list(chunk)
        while pending:
            resp = kinesis.put_records(StreamName=stream, Records=[
                {"Data": line, "PartitionKey": _partition_key(line)} for line in pending])
            at = time.time()
            failed = [pending[i] for i, r in enumerate(resp["Records"]) if "ErrorCode" in r]
            yield from ((line, at) for line in pending if line not in failed)
            pending = failed
        sent += len(chunk)
        chunk.clear()
        if on_chunk:
            on_chunk(sent)

    def step() -> int:
        return SEND_CHUNK if current is None else max(1, min(SEND_CHUNK,
                                                             int(current() // 10)))

    size = step()
    for line in lines:
        line = line.strip()
        if not line:
            continue
        chunk.append(line)
        if len(chunk) >= size:
            n = len(chunk)
            yield from flush()
            if current is not None:
                due = max(due, time.monotonic() - 1.0) + n / max(current(), 1e-9)
                ahead = due - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
                size = step()
    if chunk:
        yield from flush()


def _read(name: str) -> IO[bytes]:
    if name == "-":
        return sys.stdin.buffer
    try:
        return open(name, "rb")
    except OSError as exc:
        raise LocalUsageError(f"riskwarn local send: cannot read {name}: {exc.strerror}"
                              ) from None


def _send(args: argparse.Namespace) -> int:
    state = load_state(args.state)
    src = _read(args.events)
    n = 0
    try:
        for _ in send(client(state, "kinesis"), state["resources"]["EventStream"], src,
                      args.rate):
            n += 1
    finally:
        if src is not sys.stdin.buffer:
            src.close()
    print(f"sent {n:,} events to {state['resources']['EventStream']}", file=sys.stderr)
    return 0


# ---- token ---------------------------------------------------------------------------------
def _token(args: argparse.Namespace) -> int:
    from riskwarn.local.tokens import sign

    state = load_state(args.state)
    groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    try:
        print(sign(args.user, groups, state["token_secret"], ttl_s=args.hours * 3600))
    except ValueError as exc:
        raise LocalUsageError(f"riskwarn local token: {exc}") from None
    return 0


# ---- outbox --------------------------------------------------------------------------------
def peek(sqs: Any, url: str, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` messages on a queue, oldest first, left on it: each is received (hidden
    for a moment, so the next receive goes further) and then made visible again at once."""
    seen: dict[str, dict[str, Any]] = {}
    while len(seen) < limit:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, limit - len(seen)),
                                   VisibilityTimeout=30,
                                   AttributeNames=["SentTimestamp"]).get("Messages", [])
        if not msgs:
            break
        seen.update((m["MessageId"], m) for m in msgs)
    handles = [m["ReceiptHandle"] for m in seen.values()]
    for i in range(0, len(handles), 10):
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": str(j), "ReceiptHandle": h, "VisibilityTimeout": 0}
            for j, h in enumerate(handles[i:i + 10])])
    return sorted(seen.values(), key=lambda m: int(m["Attributes"]["SentTimestamp"]))


def describe(body: str) -> str:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:140]
    if isinstance(doc, dict) and "alert_id" in doc and "score" in doc:
        from riskwarn.cases.notify import sms_text_of

        return sms_text_of(doc)
    if isinstance(doc, dict):
        return str(doc.get("summary") or doc.get("event") or body)[:140]
    return body[:140]


def _outbox(args: argparse.Namespace) -> int:
    state = load_state(args.state)
    sqs = client(state, "sqs")
    tiers = [args.tier] if args.tier else list(state["tier_queues"])
    for tier in tiers:
        msgs = peek(sqs, state["tier_queues"][tier], args.limit)
        print(f"== {tier}: {len(msgs)} shown")
        for m in msgs:
            print(f"  {describe(m['Body'])}")
    for logical, cap in sorted(state.get("captures", {}).items()):
        if args.tier and f'"{args.tier}"' not in cap.get("filter", ""):
            continue
        msgs = peek(sqs, cap["queue_url"], args.limit)
        print(f"== {cap['protocol']} to {cap['endpoint']} ({logical}): {len(msgs)} shown")
        for m in msgs:
            print(f"  {describe(m['Body'])}")
    return 0
