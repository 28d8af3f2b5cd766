"""`riskwarn backtest`: score a JSON Lines file of events with an in-memory profile store.

Streams: events are read, scored and written in batches; alerts leave memory once their
de-duplication window has passed, so memory stays flat on any file size (it grows with the
number of customers, not events).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from riskwarn.cases.alerts import Alert, AlertBook
from riskwarn.core.config import TIERS, ScoringConfig
from riskwarn.core.drift import counts, psi_of_counts
from riskwarn.core.events import ID_CONFLICT, Event, Label, parse_records
from riskwarn.core.model import ModelPort
from riskwarn.core.network import MemoryNetwork
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Scorer
from riskwarn.offline.evaluation import Evaluation
from riskwarn.offline.progress import Progress

BATCH = 2000
KEEP_REJECT_DETAILS = 1000


@dataclass
class Summary:
    events_read: int = 0
    events_scored: int = 0
    rejected: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    alerts: int = 0
    by_tier: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    by_typology: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    model_version: str | None = None
    mode: str = "full"
    quality: dict[str, Any] | None = None
    budget: dict[str, Any] | None = None
    # drift: alerts per 1,000 active customer-days by UTC day and tier; PSI per model input
    # against the calibration baseline (with --thresholds from riskwarn calibrate)
    daily: dict[str, dict[str, float]] = field(default_factory=dict)
    psi: dict[str, float] = field(default_factory=dict)
    # the model's cut-offs configured and in force at the end (the flood rail may raise them)
    model_cutoffs: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def events_per_second(self) -> float:
        return self.events_read / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "model_version": self.model_version,
            "events_read": self.events_read,
            "events_scored": self.events_scored,
            "events_rejected": self.rejected,
            "rejected_by_reason": dict(self.rejected_by_reason.most_common()),
            "first_rejects": [{"line": n, "reason": r} for n, r in self.rejects[:20]],
            "alerts": self.alerts,
            "alerts_by_tier": dict(self.by_tier),
            "alerts_by_category": dict(self.by_category.most_common()),
            "alerts_by_typology": dict(self.by_typology.most_common()),
            "seconds": round(self.seconds, 2),
            "events_per_second": round(self.events_per_second),
            "quality": self.quality,
            "budget": self.budget,
            "daily_alert_rate_per_1000": self.daily,
            "psi": self.psi,
            "model_cutoffs": self.model_cutoffs,
        }


def _batches(stream: IO[bytes]) -> Iterator[tuple[list[bytes], list[int], int]]:
    """(non-blank lines, their line numbers, bytes read) per batch."""
    lines: list[bytes] = []
    numbers: list[int] = []
    size = 0
    for number, line in enumerate(stream, start=1):
        size += len(line)
        if not line.strip():
            continue
        lines.append(line)
        numbers.append(number)
        if len(lines) >= BATCH:
            yield lines, numbers, size
            lines, numbers, size = [], [], 0
    if lines or size:
        yield lines, numbers, size


def run_backtest(
    source: IO[bytes],
    sink: IO[bytes],
    cfg: ScoringConfig,
    model: ModelPort | None,
    *,
    total_bytes: int | None = None,
    progress: bool = False,
    labels: Mapping[str, Label] | None = None,
    measure_from: datetime | None = None,
) -> Summary:
    """Score a file; with `measure_from`, what comes before it is the book's history: the
    profiles learn from it, its alerts are written, but quality and the budget are measured
    on the events from `measure_from` on (a book goes live after its history)."""
    run = _Run(sink, cfg, model, labels, measure_from)
    bar = Progress(total_bytes, enabled=progress)
    started = time.perf_counter()
    for lines, numbers, size in _batches(source):
        run.batch(lines, numbers)
        bar.update(size, run.summary.events_read)
    for alert in run.book.drain():
        run.emit(alert)
    bar.close()
    return run.finish(time.perf_counter() - started)


class _Run:
    """One backtest's state: profiles, the open alerts, what is measured."""

    def __init__(self, sink: IO[bytes], cfg: ScoringConfig, model: ModelPort | None,
                 labels: Mapping[str, Label] | None, measure_from: datetime | None) -> None:
        self.sink = sink
        self.cfg = cfg
        self.scorer = Scorer(cfg, model, network=MemoryNetwork())
        version = model.version if (model is not None and cfg.use_model) else None
        self.summary = Summary(model_version=version,
                               mode="full" if cfg.use_model else "rules only")
        if not cfg.customer_baselines and not cfg.use_model:
            self.summary.mode = "fixed-threshold rules baseline"
        self.profiles: dict[str, CustomerProfile] = {}
        self.book = AlertBook(cfg.dedup_window_h, version)
        self.evaluation = Evaluation(labels or {})
        self.traps: dict[str, str | None] = {}
        self.watermark = float("-inf")
        self.start = measure_from.timestamp() if measure_from is not None else None
        self.live = False
        self.line_of: dict[int, int] = {}  # the current batch's events (by identity): line
        self.baseline = cfg.drift_baseline if self.scorer.model is not None else None
        self.binned: dict[str, Any] = {}
        self.day_alerts: Counter[tuple[str, str]] = Counter()

    def emit(self, alert: Alert) -> None:
        summary = self.summary
        self.sink.write(alert.model_dump_json().encode())
        self.sink.write(b"\n")
        summary.alerts += 1
        summary.by_tier[alert.tier] += 1
        summary.by_category[alert.risk_category] += 1
        for code in alert.typologies:
            summary.by_typology[code] += 1
        trap = self.traps.pop(alert.alert_id, None)
        self.day_alerts[(alert.occurred_at.date().isoformat(), alert.tier)] += 1
        if self.start is None or alert.occurred_at.timestamp() >= self.start:
            self.evaluation.observe_alert(alert, trap)

    def batch(self, lines: list[bytes], numbers: list[int]) -> None:
        summary = self.summary
        events, rejected = parse_records(lines, self.cfg.rates)
        summary.events_read += len(lines)
        summary.events_scored += len(events)
        for rej in rejected:
            self.reject(numbers[rej.position], rej.reason)
        bad = {rej.position for rej in rejected}
        self.line_of = {id(e): n for e, n in zip(
            events, (n for i, n in enumerate(numbers) if i not in bad), strict=True)}
        start = self.start
        if start is not None and not self.live:
            history = [e for e in events if e.occurred_at.timestamp() < start]
            if len(history) < len(events):  # the book goes live inside this batch
                self.score(history)
                self.go_live()
                events = [e for e in events if e.occurred_at.timestamp() >= start]
        self.evaluation.observe_events(events if start is None else [
            e for e in events if e.occurred_at.timestamp() >= start])
        self.score(events)

    def reject(self, line: int, reason: str) -> None:
        summary = self.summary
        summary.rejected += 1
        summary.rejected_by_reason[reason.split(":")[0]] += 1
        if len(summary.rejects) < KEEP_REJECT_DETAILS:
            summary.rejects.append((line, reason))

    def go_live(self) -> None:
        """The book goes live with no open alert: production backfills its history without
        raising any, so nothing raised in the history absorbs live evidence."""
        self.live = True
        for alert in self.book.drain():
            self.emit(alert)

    def score(self, events: list[Event]) -> None:
        run = self.scorer.run(events, self.profiles)
        for event in run.conflicts:  # another event under an id already applied
            self.summary.events_scored -= 1
            self.reject(self.line_of.get(id(event), 0), ID_CONFLICT)
        if self.baseline is not None and len(run.matrix):
            for name, c in counts(self.baseline, run.matrix, self.scorer.inputs).items():
                self.binned[name] = self.binned[name] + c if name in self.binned else c
        for scored in run.scored:
            prof = self.profiles[scored.event.customer_id]
            alert, new = self.book.add(scored, now=scored.event.occurred_at,
                                       evidence=prof.transactions(scored.evidence))
            if new:
                extra = scored.event.model_extra or {}
                self.traps[alert.alert_id] = extra.get("trap")
        if events:
            self.watermark = max(self.watermark,
                                 max(e.occurred_at.timestamp() for e in events))
            for alert in self.book.closable(self.watermark):
                self.emit(alert)

    def finish(self, seconds: float) -> Summary:
        summary = self.summary
        summary.seconds = seconds
        summary.budget = self.evaluation.budget(self.cfg.alert_budget)
        if self.scorer.model is not None:
            summary.model_cutoffs = {"configured": self.cfg.model_cutoffs.model_dump(),
                                     "in_force": self.scorer.cutoffs.model_dump()}
        summary.daily = _daily_rates(self.day_alerts, self.evaluation.active_days)
        if self.baseline is not None:
            summary.psi = psi_of_counts(self.baseline, self.binned)
        if self.evaluation.labelled:
            summary.quality = self.evaluation.result()
        return summary


def _daily_rates(alerts: Counter[tuple[str, str]], active: set[tuple[str, int]]
                 ) -> dict[str, dict[str, float]]:
    per_day = Counter(datetime.fromtimestamp(d * 86_400, UTC).date().isoformat()
                      for _, d in active)
    out: dict[str, dict[str, float]] = {}
    for day, n in sorted(per_day.items()):
        out[day] = {t: round(1000.0 * alerts[(day, t)] / n, 3) for t in TIERS}
    return out


def dump_summary(summary: Summary) -> bytes:
    return orjson.dumps(summary.as_dict(), option=orjson.OPT_INDENT_2)
