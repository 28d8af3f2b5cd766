"""`riskwarn local demo` (`make demo`): the whole system on one machine, in about two minutes.

1. start the local stack (moto, every resource from template.yaml, functions in-process);
2. generate customers with 14 days of history and a day with injected typologies; backfill
   the history into the profiles table (the profiles learn; no alerts);
3. stream the day onto Kinesis at a steady rate (progress bar): the score function scores it,
   alerts are written, notified by tier, workflows start;
4. staff decide a few alerts through the HTTP API (claim, decide; four eyes on a critical);
5. short local clocks let follow-ups close the decided workflows;
6. print what happened: events, alerts by tier and typology, notifications per tier, workflow
   outcomes, end-to-end latency (put → alert written → notification queued) p50/p95.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from typing import Any

import orjson

from riskwarn.cases.alerts import alert_id_for
from riskwarn.core.config import TIERS
from riskwarn.local.commands import peek, send, start_stack, wait_for_ctrl_c
from riskwarn.local.stack import CONSOLE_DIST, TIER_QUEUES, LocalStack
from riskwarn.staff_client import Api

HISTORY_DAYS = 14


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _events(customers: int, seed: int) -> tuple[list[bytes], list[bytes], datetime]:
    from riskwarn.offline.synth import GenerateSpec, generate

    spec = GenerateSpec(customers=customers, days=HISTORY_DAYS + 4, seed=seed,
                        warmup_days=HISTORY_DAYS, episode_rate=0.03)
    day = spec.start + timedelta(days=HISTORY_DAYS)
    cut, end = day.isoformat()[:19], (day + timedelta(days=1)).isoformat()[:19]
    history: list[bytes] = []
    today: list[bytes] = []
    for event in generate(spec):
        at = str(event["occurred_at"])[:19]
        if at < cut:
            history.append(orjson.dumps(event))
        elif at < end:
            today.append(orjson.dumps(event))
    return history, today, day


def _progress(total: int) -> Any:
    """A bar on a terminal; otherwise a line at each quarter."""
    started = time.monotonic()
    tty = sys.stderr.isatty()
    shown = [0.0, -1]

    def show(sent: int) -> None:
        now = time.monotonic()
        share = sent / max(total, 1)
        rate = sent / max(now - started, 1e-9)
        text = f"[{'#' * int(share * 30):<30}] {share:4.0%} {sent:,} events {rate:,.0f}/s"
        if tty and (now - shown[0] >= 0.2 or sent >= total):
            sys.stderr.write(f"\r  {text}")
            shown[0] = now
        elif not tty and int(share * 4) > shown[1]:
            sys.stderr.write(f"  {text}\n")
            shown[1] = int(share * 4)
        sys.stderr.flush()

    return show


class Pace:
    """The demo's sending rate, held to what the stack drains: when the records put but
    not yet scored pass two seconds' worth, it warns (once) and slows to what the stack was
    measured to drain; once the stack has caught up it speeds back towards the target. So
    the latency the demo reports is the stack's, not a queue's."""

    def __init__(self, target: float, processed: Any, floor: float = 20.0) -> None:
        self.target = self.rate = float(target)
        self.processed = processed  # () -> records the stack has finished
        self.floor = floor
        self.window = (time.monotonic(), 0)  # (when, processed then): the drain rate's base
        self.drain = 0.0  # the stack's drain rate, last measured (events/s)
        self.peak = 0.0
        self.slowest = float(target)
        self.warned = False

    def __call__(self) -> float:
        return self.rate

    def on_chunk(self, sent: int) -> None:
        now, done = time.monotonic(), self.processed()
        since, before = self.window
        if now - since >= 1.0:
            self.drain = (done - before) / (now - since)
            self.peak = max(self.peak, self.drain)
            self.window = (now, done)
        backlog = sent - done
        if backlog > 2 * self.rate and 0 < self.drain < self.rate:
            slower = max(self.floor, min(self.rate, self.drain * 0.9))
            if not self.warned:
                sys.stderr.write(
                    f"\n  warning: the local stack drains {self.drain:,.0f} events/s here, "
                    f"below the demo's {self.rate:,.0f}/s ({backlog:,} behind): slowing "
                    "down (a busy or slow machine)\n")
                self.warned = True
            self.rate = slower
            self.slowest = min(self.slowest, slower)
        elif backlog < 0.5 * self.rate and self.rate < self.target:
            self.rate = min(self.target, self.rate * 1.25)


def _wait(check: Any, timeout: float, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    return check()


def run_demo(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    stack = start_stack(args)
    try:
        _run(stack, args, t0)
        if args.serve:
            print("serving: Ctrl-C stops")
            wait_for_ctrl_c()
    finally:
        stack.stop()
    return 0


def _run(stack: LocalStack, args: argparse.Namespace, t0: float) -> None:
    from riskwarn.local.tokens import sign
    from riskwarn.offline.backfill import backfill
    from riskwarn.runtime.stream import production_ports

    assert stack.p is not None
    p = stack.p
    print(f"\n1. generating {args.customers:,} customers: {HISTORY_DAYS} days of history and "
          "one day with injected typologies")
    history, today, day = _events(args.customers, args.seed)
    ports = production_ports()
    rep = backfill(history, ports.scorer, ports.profiles)
    print(f"   history: {rep.events:,} events → {rep.customers:,} profiles backfilled "
          f"({rep.not_written} not written), {rep.counterparties:,} counterparties' standing")
    _calibrate(stack, history, ports.scorer)

    print(f"2. streaming {len(today):,} events of {day:%Y-%m-%d} at {args.rate:,}/s")
    put_at: dict[str, float] = {}
    show = _progress(len(today))
    stats = stack.stats["ScoreFunctionStream"]
    pace = Pace(args.rate, lambda: stats.events + stats.sent_to_on_failure)

    def on_chunk(sent: int) -> None:
        show(sent)
        pace.on_chunk(sent)

    started = time.monotonic()
    for line, at in send(stack.client("kinesis"), p.ref("EventStream"), today, pace,
                         on_chunk):
        put_at[alert_id_for(orjson.loads(line)["event_id"])] = at
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    _wait(lambda: stats.events + stats.sent_to_on_failure >= len(today), 60)
    took = time.monotonic() - started
    print(f"   scored {stats.events:,} events (and {stats.rechecks:,} recheck records: "
          f"receipts waiting for a hop) in {stats.batches:,} batches "
          f"({stats.retries} retries, {stats.sent_to_on_failure} to the failure queue) "
          f"in {took:,.0f} s: {stats.events / max(took, 1e-9):,.0f} events/s end to end")
    if pace.warned:
        print(f"   the stack fell behind {args.rate:,}/s here (drained up to "
              f"{pace.peak:,.0f}/s): the demo slowed to {pace.slowest:,.0f}/s at its "
              "slowest, so the latency below is the stack's, not a backlog's")

    print("3. staff decide through the API "
          f"({stack.api_url}; tokens from `riskwarn local token`)")
    ana = Api(stack.api_url, sign("ana", ["analyst"], stack.secret))
    sue = Api(stack.api_url, sign("sue", ["supervisor"], stack.secret))
    decided = _decide(ana, sue)

    print("4. letting the workflows follow up (local clocks: follow-up "
          f"{stack.cfg.timing['RISKWARN_FOLLOW_UP_SECONDS']} s)")
    _wait(lambda: all(sue.call("GET", f"/alerts/{a}")[1].get("status") == "closed"
                      for a in decided), 60, every=1.0)
    _summary(stack, sue, put_at, len(today), t0)


def _calibrate(stack: LocalStack, history: list[bytes], scorer: Any) -> None:
    """The book is calibrated on its own history before it goes live: the model's cut-offs
    and the little-history amount from the backfilled days, applied by an admin through
    the staff API."""
    from riskwarn.calibrate_cli import apply_through, describe
    from riskwarn.local.tokens import sign
    from riskwarn.offline.calibration import calibrate

    if scorer.model is None:
        return
    cal = calibrate(history, scorer.cfg, scorer.model)
    admin = Api(stack.api_url, sign("ada", ["admin"], stack.secret))
    version = apply_through(admin, cal, f"calibrated on {HISTORY_DAYS} days of backfilled "
                            "history")
    print("   " + describe(cal, scorer.model.version).replace("\n", "\n   "))
    print(f"   applied by ada (admin) as thresholds version {version}")


def _decide(ana: Api, sue: Api) -> list[str]:
    decided: list[str] = []
    plan = [("high", "confirmed", "card fraud confirmed with the customer"),
            ("high", "false_positive", "customer travelling, confirmed by phone"),
            ("medium", "false_positive", "known payee"),
            ("critical", "confirmed", "structuring confirmed")]
    for tier, outcome, note in plan:
        _, page = sue.call("GET", f"/alerts?tier={tier}&status=open&limit=5")
        ids = [a["alert_id"] for a in page.get("items", []) if a["alert_id"] not in decided]
        if not ids:
            print(f"   no open {tier} alert to decide")
            continue
        alert_id = ids[0]
        if tier in ("high", "critical"):  # wait until its workflow asks for a decision
            _wait(lambda a=alert_id: sue.call("GET", f"/alerts/{a}")[1].get(
                "waiting_for_decision"), 20)
        ana.call("POST", f"/alerts/{alert_id}/claim")
        status, doc = ana.call("POST", f"/alerts/{alert_id}/decision",
                               {"outcome": outcome, "note": note})
        line = f"   ana: {tier} {alert_id} → {outcome} ({status} {doc.get('state', '')})"
        if doc.get("state") == "awaiting_second_review":
            status, doc = sue.call("POST", f"/alerts/{alert_id}/decision",
                                   {"outcome": outcome, "note": "second review: agreed"})
            line += f"; sue (supervisor, four eyes) → {status} {doc.get('state', '')}"
        print(line)
        decided.append(alert_id)
    return decided


def _summary(stack: LocalStack, api: Api, put_at: dict[str, float], sent: int,
             t0: float) -> None:
    assert stack.p is not None
    p = stack.p
    now = datetime.now().astimezone()
    q = (f"from={(now - timedelta(hours=1)).isoformat()}&to={now.isoformat()}"
         ).replace("+", "%2B")
    _, report = api.call("GET", f"/reports/summary?{q}")
    written, queued = _latencies(stack, put_at)
    sfn = stack.client("stepfunctions")
    runs: dict[str, int] = {}
    for status in ("RUNNING", "SUCCEEDED", "FAILED", "ABORTED"):
        runs[status] = len(sfn.list_executions(stateMachineArn=p.ref("DispositionStateMachine"),
                                               statusFilter=status)["executions"])
    sqs = stack.client("sqs")
    told = {tier: int(sqs.get_queue_attributes(QueueUrl=p.ref(q), AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
        for tier, q in TIER_QUEUES.items()}
    typ = sorted(report.get("by_typology", {}).items(), key=lambda kv: -kv[1])
    print("\n== riskwarn demo summary")
    print(f"events in            {sent:,}")
    print(f"alerts               {report.get('alerts', 0):,}  by tier "
          f"{report.get('by_tier', {})}")
    print("by typology          " + ", ".join(f"{k} {v}" for k, v in typ))
    print(f"notifications queued {told}")
    print(f"workflows            {runs}  alert status {report.get('by_status', {})}")
    print(f"latency put → alert written       p50 {_pct(written, .5) * 1000:,.0f} ms   "
          f"p95 {_pct(written, .95) * 1000:,.0f} ms   ({len(written)} alerts)")
    print(f"latency put → notification queued p50 {_pct(queued, .5) * 1000:,.0f} ms   "
          f"p95 {_pct(queued, .95) * 1000:,.0f} ms   ({len(queued)} alerts' first "
          "notifications)")
    print(f"demo time            {time.monotonic() - t0:,.0f} s")
    print("\nwhere to look next:")
    print(f"  console      {stack.api_url}/  (sign in as any demo member of staff; with "
          "--serve, while it runs)" if (CONSOLE_DIST / "index.html").exists() else
          "  console      not built (make console)")
    print(f"  staff API    {stack.api_url}/openapi.json  (token: riskwarn local token --user "
          "ana --groups analyst)")
    print("  outbox       riskwarn local outbox --tier high   (with --serve, or `riskwarn "
          "local up`)")
    print(f"  AWS clients  endpoint {stack.endpoint}, names in {stack.cfg.state_file}")
    print("  docs         docs/local.md, docs/api.md")


def _latencies(stack: LocalStack, put_at: dict[str, float]) -> tuple[list[float], list[float]]:
    """Put → alert written (its created_at), put → the alert's first notification queued
    (SQS SentTimestamp), for alerts raised by an event of this run (merges are not new
    alerts). A later notification of the same alert (a later event raised its tier) is not
    timed from the put of the event that opened the alert: the wait between the two events
    is the customer's, not the stack's."""
    assert stack.p is not None
    ddb = stack.client("dynamodb")
    written: list[float] = []
    created: dict[str, float] = {}
    args: dict[str, Any] = {"TableName": stack.p.ref("AlertsTable"),
                            "ProjectionExpression": "alert_id, created_at"}
    while True:
        resp = ddb.scan(**args)
        for item in resp["Items"]:
            alert_id = item["alert_id"]["S"]
            if alert_id in put_at:
                at = datetime.fromisoformat(item["created_at"]["S"]).timestamp()
                created[alert_id] = at
                written.append(at - put_at[alert_id])
        if "LastEvaluatedKey" not in resp:
            break
        args["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    first: dict[str, float] = {}
    sqs = stack.client("sqs")
    for tier, q in TIER_QUEUES.items():
        if tier not in TIERS:  # supervisors hear of escalations, not of new alerts
            continue
        for m in peek(sqs, stack.p.ref(q), 300):
            doc = orjson.loads(m["Body"])
            alert_id = doc.get("alert_id") if isinstance(doc, dict) else None
            if alert_id in put_at:
                sent = int(m["Attributes"]["SentTimestamp"]) / 1000
                first[alert_id] = min(first.get(alert_id, sent), sent)
    return written, [sent - put_at[alert_id] for alert_id, sent in first.items()]


