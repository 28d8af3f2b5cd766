"""The stream path: one Kinesis batch → profiles, alerts, notifications, workflows.

Vectorised per batch: every record decoded and validated, profiles loaded in BatchGetItem
calls of 100, one scoring pass (one ONNX call), profiles written back in version-checked
transactions of 100. Per record the outcome is one of:

- scored: applied to its customer's profile (or skipped as already applied: a redelivery);
- quarantined: not base64, not JSON or against the contract, or another event under an id
  already applied → S3 with the reason, never retried, the shard never blocks on it;
- failed: a transient failure (throttling, a version conflict) touched its customer → a
  batch item failure, so Lambda retries it; it is idempotent when it comes back.

received = scored + quarantined + failed, always.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from riskwarn.cases.alerts import Alert, dedup_keys, open_alert_for
from riskwarn.cases.lifecycle import WORKFLOW_TIERS
from riskwarn.cases.notify import Notifier
from riskwarn.cases.workflow import WorkflowStarter
from riskwarn.core.config import TIERS
from riskwarn.core.drift import psi
from riskwarn.core.events import ID_CONFLICT, Event, parse_records
from riskwarn.core.model import Matrix
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Profiles, Scored, Scorer
from riskwarn.process_cache import once_per_process
from riskwarn.runtime.recheck import RecheckSender, customer_of
from riskwarn.settings import Settings
from riskwarn.store import TransientStoreError
from riskwarn.store.alerts import NOT_TOLD, AlertStore, history_item
from riskwarn.store.network import NetworkStore
from riskwarn.store.profiles import ProfileStore
from riskwarn.store.quarantine import Quarantine
from riskwarn.store.thresholds import ThresholdSource, ThresholdStore


class RecordsFailed(Exception):
    """Raised for a record whose customer hit a transient failure: Lambda retries it."""


@dataclass(frozen=True, slots=True)
class Record:
    shard_id: str
    sequence: str
    data: str  # base64, as Kinesis delivers it

    @classmethod
    def from_lambda(cls, record: dict[str, Any]) -> Record:
        shard = str(record.get("eventID", "")).split(":", 1)[0] or "unknown-shard"
        kin = record["kinesis"]
        return cls(shard, kin["sequenceNumber"], kin["data"])


@dataclass
class StreamPorts:
    scorer: Scorer
    profiles: ProfileStore
    alerts: AlertStore
    quarantine: Quarantine
    notifier: Notifier
    workflow: WorkflowStarter
    model_version: str | None
    dedup_window_s: float
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # thresholds changed through the staff API reach scoring within a minute
    thresholds: ThresholdSource | None = None
    recheck: RecheckSender | None = None  # receipts waiting for a hop (runtime/recheck.py)

    def refresh_scorer(self) -> None:
        """New thresholds, if any; a failed read keeps scoring with the ones in force."""
        if self.thresholds is None:
            return
        try:
            cfg = self.thresholds.config_if_changed()
        except TransientStoreError:
            from riskwarn.runtime.observability import logger

            logger.warning("thresholds not re-read; scoring goes on with version %s",
                           self.thresholds.version)
            return
        if cfg is not None:
            self.scorer = Scorer(cfg, self.scorer.model, self.scorer.watch,
                                 self.scorer.network_port)


def _drift(scorer: Scorer, matrix: Matrix) -> dict[str, float]:
    """PSI of this batch's model inputs against the book's calibration baseline (none
    before the book is calibrated)."""
    baseline = scorer.cfg.drift_baseline
    if baseline is None or not len(matrix):
        return {}
    return psi(baseline, matrix, scorer.inputs)


@dataclass
class BatchOutcome:
    received: int
    scored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    failed: set[str] = field(default_factory=set)  # sequence numbers to retry
    alerts_raised: int = 0
    alerts_merged: int = 0
    notified: int = 0
    workflows_started: int = 0
    by_tier: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    psi: dict[str, float] = field(default_factory=dict)  # drift against the calibration
    rechecks: int = 0  # recheck records received (runtime/recheck.py), and sent
    rechecks_sent: int = 0

    @property
    def failed_count(self) -> int:
        return len(self.failed)


def process_records(records: list[Record], ports: StreamPorts) -> BatchOutcome:
    out = BatchOutcome(received=len(records))
    now = ports.clock()
    ports.refresh_scorer()

    # 1. decode and validate; bad records to quarantine; recheck records apart
    events, records_of, source, recheck = _decode(records, ports, out, now)

    # 2. profiles for the batch's customers
    profiles, failed_customers = ports.profiles.load(records_of)
    live = [e for e in events if e.customer_id not in failed_customers]

    # 3. score (one ONNX call), 4. alerts
    run = ports.scorer.run(live, profiles, recheck.keys() - failed_customers)
    out.duplicates = run.duplicates
    for event in run.conflicts:  # another event under an id already applied: not applied
        raw, rec = source[id(event)]
        records_of[event.customer_id].remove(rec)
        _quarantine(ports, out, raw, ID_CONFLICT, rec, now)
    out.psi = _drift(ports.scorer, run.matrix)
    actions = _alerts(ports, out, run.scored, profiles, failed_customers, now)

    # 5. tell and start workflows, before the profiles are written: if telling or a start
    # fails, the profile is not saved and the events come back; the alert, found written,
    # is told then if its tier's audience has not been (the alert keeps the tier told), and
    # its workflow started if it had not (a start is idempotent by the alert's id).
    # An alert raised and then raised in tier by a later event of the same batch is told
    # once, at the tier it ended with (SNS refuses two entries with one id in a batch).
    ready = [a for a in _by_alert(actions) if a.alert.customer_id not in failed_customers]
    failed_customers |= _notify(ports, out, ready, now)

    # 6. profiles back, version-checked (only those that changed: a batch delivered
    # twice leaves the profile exactly as the first delivery did)
    changed = run.changed | {s.event.customer_id for s in run.scored}
    writable = [p for c, p in profiles.items() if c not in failed_customers and c in changed]
    failed_customers |= ports.profiles.save(writable)
    _ask_recheck(ports, out, run.waiting - failed_customers)

    for cid, recs in records_of.items():
        if cid in failed_customers:
            out.failed.update(r.sequence for r in recs)
    out.scored = sum(len(recs) for cid, recs in records_of.items()
                     if cid not in failed_customers) - sum(
        n for cid, n in recheck.items() if cid not in failed_customers)
    return out


def _decode(records: list[Record], ports: StreamPorts, out: BatchOutcome, now: datetime
            ) -> tuple[list[Event], dict[str, list[Record]], dict[int, tuple[bytes, Record]],
                       dict[str, int]]:
    """The batch's valid events; per customer, the records they came in (the unit a failure
    retries); per event (by identity), its raw bytes and record; the customers recheck
    records name. Every bad record is quarantined with its reason."""
    raws: list[bytes] = []
    kept: list[Record] = []
    records_of: dict[str, list[Record]] = defaultdict(list)
    recheck: dict[str, int] = defaultdict(int)  # customer -> its recheck records
    for rec in records:
        try:
            raw = base64.b64decode(rec.data, validate=True)
        except (binascii.Error, ValueError):
            _quarantine(ports, out, rec.data.encode(), "not base64", rec, now)
            continue
        cid = customer_of(raw)
        if cid is not None:
            recheck[cid] += 1
            records_of[cid].append(rec)
            out.rechecks += 1
        else:
            raws.append(raw)
            kept.append(rec)
    events, rejected = parse_records(raws, ports.scorer.cfg.rates)
    bad = {r.position for r in rejected}
    for rej in rejected:
        _quarantine(ports, out, rej.raw, rej.reason, kept[rej.position], now)
    source: dict[int, tuple[bytes, Record]] = {}
    valid: list[Event] = []
    for event, (i, rec) in zip(events, ((i, r) for i, r in enumerate(kept) if i not in bad),
                               strict=True):
        why = _out_of_time(event, now)
        if why:
            _quarantine(ports, out, raws[i], why, rec, now)
            continue
        valid.append(event)
        records_of[event.customer_id].append(rec)
        source[id(event)] = raws[i], rec
    return valid, records_of, source, recheck


def _ask_recheck(ports: StreamPorts, out: BatchOutcome, customers: set[str]) -> None:
    """Recheck records for the customers that began to keep a receipt waiting for its
    payer's hop. One that is not put is no loss of data: the receipt waits for the
    customer's next event."""
    if customers and ports.recheck is not None:
        out.rechecks_sent += len(customers) - ports.recheck.send(customers)


MAX_AHEAD_S = 3600.0  # a source clock this far ahead of ours is wrong, not early
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # before it, a time is a default, not an event's


def _out_of_time(event: Event, now: datetime) -> str | None:
    """Why an event's time cannot be right, or None: from the future (it would move the
    customer's windows ahead and make every true event after it look late), or before
    2000 (an epoch or default value). Old events replayed later are fine."""
    ahead = (event.occurred_at - now).total_seconds()
    if ahead > MAX_AHEAD_S:
        return f"occurred_at: {ahead / 3600:,.1f} h after it was received (a clock ahead?)"
    if event.occurred_at < EARLIEST:
        return f"occurred_at: {event.occurred_at.year}, before 2000 (a default value?)"
    return None


@dataclass(frozen=True, slots=True)
class Follow:
    """What an alert still needs after it was written: telling its tier's audience, and
    (high and critical) its disposition workflow started."""

    alert: Alert
    tell: bool
    start: bool


def _by_alert(actions: list[Follow]) -> list[Follow]:
    """One follow-up per alert: the alert at the highest tier the batch saw it at (the
    latest of those), told if any firing needed it, started if any did."""
    merged: dict[str, Follow] = {}
    for f in actions:
        was = merged.get(f.alert.alert_id)
        if was is None:
            merged[f.alert.alert_id] = f
            continue
        top = f.alert if TIERS.index(f.alert.tier) >= TIERS.index(was.alert.tier) \
            else was.alert
        merged[f.alert.alert_id] = Follow(top, f.tell or was.tell, f.start or was.start)
    return list(merged.values())


def _alerts(ports: StreamPorts, out: BatchOutcome, scored: list[Scored], profiles: Profiles,
            failed_customers: set[str], now: datetime) -> list[Follow]:
    """Raise or merge every scored event's alert and write their history; returns what the
    alerts still need. A customer whose alert could not be written now is added to
    `failed_customers` (its records come back)."""
    to_notify: list[Follow] = []
    history: list[tuple[str, dict[str, Any]]] = []  # (customer, history item)
    for s in scored:
        cid = s.event.customer_id
        if cid in failed_customers:
            continue
        try:
            alert = _alert(ports, out, profiles[cid], s, now, history)
        except TransientStoreError:
            failed_customers.add(cid)
            continue
        if alert is not None:
            to_notify.append(alert)
    try:
        ports.alerts.append_history([item for _, item in history])
    except TransientStoreError:
        failed_customers |= {cid for cid, _ in history}
    return to_notify


def _quarantine(ports: StreamPorts, out: BatchOutcome, raw: bytes, reason: str, rec: Record,
                now: datetime) -> None:
    """Keep a bad record with its reason; if the bucket cannot take it now, the record is
    retried (a failure), never dropped."""
    try:
        ports.quarantine.put(raw, reason, rec.shard_id, rec.sequence, now)
    except TransientStoreError:
        out.failed.add(rec.sequence)
        return
    out.quarantined += 1


def _alert(ports: StreamPorts, out: BatchOutcome, prof: CustomerProfile, s: Scored,
           now: datetime, history: list[tuple[str, dict[str, Any]]]) -> Follow | None:
    """Raise a new alert or merge into the customer's open one. Returns what it still needs:
    telling, when its tier's audience has not been told (new, raised in tier, or written
    before and not told); its workflow, when it is high or critical and new, told now, or
    met again on a redelivered event (a start that failed is made then)."""
    ts = s.event.occurred_at.timestamp()
    keys = dedup_keys(s)
    ref = open_alert_for(prof.open_alerts, keys, ts, ports.dedup_window_s)
    evidence = prof.transactions(s.evidence)
    merged = ports.alerts.merge(ref[0], s, now, evidence) if ref is not None else None
    if merged is not None:  # (an open alert that is not there any more: raise a new one)
        alert = merged.merge.alert
        for n, entry in enumerate(merged.merge.entries):
            key = s.event.event_id + ("#tier" if n else "")
            history.append((prof.customer_id, history_item(alert.alert_id, entry, key)))
        for key in keys:
            prof.open_alerts[key] = (alert.alert_id, ts, alert.tier)
        out.alerts_merged += 1
        # a higher tier is told to its own audience (and starts a workflow if it needs one)
        return _follow(alert, merged.told, merged.replay)
    alert = Alert.from_scored(s, ports.model_version, now, evidence)
    existing = ports.alerts.put_new(alert)
    for key in keys:
        prof.open_alerts[key] = (alert.alert_id, ts, alert.tier)
    raised = alert.history[0]
    if existing is not None:  # raised before: the same history entry, rewritten
        raised = raised.model_copy(update={"at": existing.alert.created_at})
    history.append((prof.customer_id, history_item(alert.alert_id, raised, s.event.event_id)))
    if existing is None:
        out.alerts_raised += 1
        out.by_tier[alert.tier] += 1
        return _follow(alert, NOT_TOLD, replay=False)
    # told (if not yet) as it stands now: later evidence may have raised it since
    return _follow(existing.alert, existing.told, replay=True)


def _follow(alert: Alert, told: int, replay: bool) -> Follow | None:
    tell = told < TIERS.index(alert.tier)
    start = alert.tier in WORKFLOW_TIERS and (tell or replay)
    return Follow(alert, tell, start) if tell or start else None


def _notify(ports: StreamPorts, out: BatchOutcome, follows: list[Follow],
            now: datetime) -> set[str]:
    """Tell (and record the tier told), then start workflows; returns customers to retry.

    Ten alerts a publish, each publish's tiers recorded before the next publish: an
    instance that dies between a publish and its records tells those ten again when the
    records come back (at least once, never silently not at all; each copy carries the
    same notification id). A failed publish or record retries the customer; its workflow
    starts then."""
    if not follows:
        return set()
    retry: set[str] = set()
    tell = [f.alert for f in follows if f.tell]
    for chunk, failed_ids in ports.notifier.publish(tell):
        for alert in chunk:
            if alert.alert_id in failed_ids:
                retry.add(alert.customer_id)  # neither told nor started: all of it again
                continue
            try:
                ports.alerts.mark_told(alert.alert_id, alert.tier)
                out.notified += 1
            except TransientStoreError:
                retry.add(alert.customer_id)
    for f in follows:
        if not f.start or f.alert.customer_id in retry:
            continue
        try:
            if ports.workflow.start(f.alert, now):
                out.workflows_started += 1
        except TransientStoreError:
            retry.add(f.alert.customer_id)
    return retry


def build_ports(env: Settings) -> StreamPorts:
    """The production adapters for a deployment's settings (clients are lazy and cached)."""
    from riskwarn import aws
    from riskwarn.core.model import load_model

    cfg = env.scoring()
    model = load_model(cfg.model_path) if cfg.use_model else None
    ddb = aws.dynamodb(env.dynamodb_endpoint, env.region)
    return StreamPorts(
        scorer=Scorer(cfg, model, network=NetworkStore(ddb, env.network_table)),
        profiles=ProfileStore(ddb, env.profiles_table, env.profile_writes),
        alerts=AlertStore(ddb, env.alerts_table, env.history_table),
        quarantine=Quarantine(aws.s3(env.endpoint_url, env.region), env.quarantine_bucket),
        notifier=Notifier(aws.sns(env.endpoint_url, env.region), env.alerts_topic_arn),
        workflow=WorkflowStarter(aws.sfn(env.endpoint_url, env.region),
                                 env.disposition_state_machine_arn, env.timing()),
        model_version=model.version if model is not None else None,
        dedup_window_s=cfg.dedup_window_h * 3600.0,
        thresholds=ThresholdSource(ThresholdStore(ddb, env.config_table), cfg),
        recheck=RecheckSender(aws.kinesis(env.endpoint_url, env.region), env.event_stream)
        if env.event_stream else None,
    )


@once_per_process()
def production_ports() -> StreamPorts:
    """Built once per container, on the first batch (never at import)."""
    from riskwarn.settings import settings

    return build_ports(settings())


def score_batch(event: dict[str, Any], context: Any,
                ports: StreamPorts | None = None) -> dict[str, Any]:
    """The score function's logic: returns {"batchItemFailures": [...]} for Lambda."""
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    from riskwarn.runtime.observability import logger, metrics

    ports = ports or production_ports()
    records = event.get("Records", [])
    outcome = process_records([Record.from_lambda(r) for r in records], ports)

    def record_handler(record: Any) -> None:
        if record.kinesis.sequence_number in outcome.failed:
            raise RecordsFailed("transient failure for this record's customer")

    processor = BatchProcessor(event_type=EventType.KinesisDataStreams,
                               raise_on_entire_batch_failure=False)
    response = process_partial_response(event=event, record_handler=record_handler,
                                        processor=processor, context=context)
    for name, value in (("RecordsReceived", outcome.received),
                        ("RecordsScored", outcome.scored),
                        ("RecordsQuarantined", outcome.quarantined),
                        ("RecordsFailed", outcome.failed_count),
                        ("DuplicatesSkipped", outcome.duplicates),
                        ("AlertsRaised", outcome.alerts_raised),
                        ("AlertsMerged", outcome.alerts_merged),
                        ("RechecksReceived", outcome.rechecks),
                        ("RechecksSent", outcome.rechecks_sent)):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    for tier in TIERS:  # the per-day alert rate by tier (the budget alarm reads it)
        metrics.add_metric(name=f"AlertsRaised_{tier}", unit=MetricUnit.Count,
                           value=outcome.by_tier.get(tier, 0))
    # the model's medium cut-off in force: above the configured one, the flood rail has
    # raised it (the model alone would flood this book; calibrate it)
    metrics.add_metric(name="ModelCutoffMedium", unit=MetricUnit.NoUnit,
                       value=ports.scorer.cutoffs.medium)
    if outcome.psi:
        for feature, drift in outcome.psi.items():
            metrics.add_metric(name=f"PSI_{feature}", unit=MetricUnit.NoUnit, value=drift)
        metrics.add_metric(name="FeaturePSIMax", unit=MetricUnit.NoUnit,
                           value=max(outcome.psi.values()))
    logger.info("batch scored", extra={
        "received": outcome.received, "scored": outcome.scored,
        "duplicates": outcome.duplicates, "quarantined": outcome.quarantined,
        "failed": outcome.failed_count, "alerts_raised": outcome.alerts_raised,
        "alerts_merged": outcome.alerts_merged, "notified": outcome.notified,
        "workflows_started": outcome.workflows_started, "by_tier": dict(outcome.by_tier),
        "rechecks": outcome.rechecks, "rechecks_sent": outcome.rechecks_sent,
    })
    return dict(response)
