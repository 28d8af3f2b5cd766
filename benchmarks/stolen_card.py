"""A stolen card on ordinary customers: does the model hide what the rules see?

The shape of a card-fraud simulator's stolen card: several days of the customer's own card
spending replayed within a few hours, at its own shops, each amount multiplied. It is the
hardest case for a model that reads the customer's habits: the shops and the kinds of
purchase are the customer's own; only the pace and the amounts are not.

Built on our held-out seed (a perturbation of our own data, so a check of one failure mode,
not a measure of detection on a population): CUSTOMERS customers with no labelled event and
no trap, each given one replay of its last DAYS_REPLAYED card-active days before a random
moment of the measured period, squeezed into each of SPEEDS hours, at each of MULTIPLES.
Only these customers' events are scored (the profiles are per customer). For each way of
scoring (the shipped model, rules only, the fixed-threshold baseline): the share of replays
with an alert at medium or above, and the false alerts on the same customers' other days.

Run by `make evaluate` (benchmarks/detection_quality.py) and on its own:
`python -m benchmarks.stolen_card`.
"""

from __future__ import annotations

import io
import random
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from riskwarn.core.config import ScoringConfig
from riskwarn.core.events import Label
from riskwarn.core.model import RiskModel
from riskwarn.offline.backtest import run_backtest

CUSTOMERS = 300
DAYS_REPLAYED = 3
SPEEDS = (4, 12)  # hours the replayed days are squeezed into
MULTIPLES = (3.0, 5.0)
MIN_PAYMENTS = 5  # card payments in the replayed days (fewer is not a spree)
SEED = 41
TYPOLOGY = "FRAUD-VELOCITY"


def _when(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00"))


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _ordinary(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every customer's events, in file order, less the customers with any labelled event or
    trap (what is left is ordinary behaviour)."""
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    marked: set[str] = set()
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            ev = orjson.loads(line)
            cid = ev["customer_id"]
            if "label" in ev or "trap" in ev:
                marked.add(cid)
            events[cid].append(ev)
    return {c: evs for c, evs in events.items() if c not in marked}


def _card_days(evs: list[dict[str, Any]], before: datetime) -> list[list[dict[str, Any]]]:
    """The customer's card payments before `before`, grouped by UTC day, oldest first."""
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ev in evs:
        if (ev.get("method") == "card" and ev.get("direction") == "debit"
                and _when(ev) < before):
            days[ev["occurred_at"][:10]].append(ev)
    return [days[d] for d in sorted(days)]


def build(people: dict[str, list[dict[str, Any]]], live: datetime, end: datetime,
          hours: float, multiple: float) -> tuple[list[bytes], dict[str, Label]]:
    """The chosen customers' events with one replay each, in time order, and its labels.
    `people`: ordinary customers' events (`_ordinary`); the same seed picks the same
    customers and moments for every speed and multiple."""
    rng = random.Random(SEED)
    lines: list[tuple[str, bytes]] = []
    labels: dict[str, Label] = {}
    chosen = 0
    for cid in sorted(people):
        if chosen >= CUSTOMERS:
            break
        evs = people[cid]
        # a moment in the measured period, a week after the book went live (the replay is
        # read against the customer's habits, which need the history)
        start = live + timedelta(days=7) + timedelta(
            seconds=rng.uniform(0, max((end - live).total_seconds() - 9 * 86_400, 1)))
        days = _card_days(evs, start)[-DAYS_REPLAYED:]
        spent = [ev for day in days for ev in day]
        if len(days) < DAYS_REPLAYED or len(spent) < MIN_PAYMENTS:
            continue
        chosen += 1
        episode = f"STOLEN-{cid}"
        step = hours * 3600 / len(spent)
        for k, ev in enumerate(spent):
            copy = {key: v for key, v in ev.items() if key not in ("label", "trap")}
            copy["event_id"] = f"{episode}-{k:03d}"
            copy["occurred_at"] = _stamp(start + timedelta(seconds=step * k + rng.uniform(
                0, step / 2)))
            copy["amount"] = f"{float(ev['amount']) * multiple:.2f}"
            labels[copy["event_id"]] = Label(typology=TYPOLOGY, episode=episode)
            lines.append((copy["occurred_at"], orjson.dumps(copy)))
        lines.extend((ev["occurred_at"], orjson.dumps(ev)) for ev in evs)
    lines.sort(key=lambda t: t[0])
    return [b for _, b in lines], labels


def _score(lines: list[bytes], cfg: ScoringConfig, labels: dict[str, Label],
           live: datetime) -> dict[str, Any]:
    model = RiskModel.load(cfg.model_path) if cfg.use_model else None
    s = run_backtest(io.BytesIO(b"\n".join(lines)), io.BytesIO(), cfg, model, labels=labels,
                     measure_from=live)
    assert s.quality is not None
    q = s.quality
    return {"replays": q["episodes"], "caught": q["recall"],
            "false_alerts": q["false_alerts"],
            "false_alerts_per_1000_customer_days": q["false_alerts_per_1000_customer_days"],
            "active_customer_days": q["active_customer_days"]}


def evaluate(path: Path, live: datetime, model_path: Path) -> dict[str, Any]:
    """Figures by speed and multiple, for the model, rules only and the baseline."""
    with open(path, "rb") as f:
        last = f.seek(0, 2)
        f.seek(max(0, last - 4096))
        end = _when(orjson.loads(f.read().splitlines()[-1]))
    modes = {"model": ScoringConfig(model_path=model_path),
             "rules only": ScoringConfig(use_model=False),
             "baseline": ScoringConfig.fixed_rules_baseline()}
    people = _ordinary(path)
    out: dict[str, Any] = {}
    for hours in SPEEDS:
        for multiple in MULTIPLES:
            lines, labels = build(people, live, end, hours, multiple)
            out[f"{hours} h x{multiple:g}"] = {
                name: _score(lines, cfg, labels, live) for name, cfg in modes.items()}
    return out


def show(res: dict[str, Any]) -> None:
    first = next(iter(res.values()))
    print(f"\nstolen card on our held-out seed: {first['model']['replays']} ordinary customers,"
          f" {DAYS_REPLAYED} days of card spending replayed at their own shops "
          f"({first['model']['active_customer_days']:,} active customer-days)")
    print(f"  {'replay':16}{'':4}" + "".join(f"{m:>22}" for m in first))
    for variant, modes in res.items():
        print(f"  {variant:16}{'':4}" + "".join(
            f"{v['caught']:>10.3f} caught {v['false_alerts']:>3} FA" for v in modes.values()))


def main() -> int:
    from benchmarks.detection_quality import _history, _own_file
    from riskwarn.core.config import DEFAULT_MODEL_PATH

    own = _own_file(7, 4000, 45, randomise=False)
    _, live = _history(own)
    show(evaluate(own, live, DEFAULT_MODEL_PATH))
    return 0


if __name__ == "__main__":
    sys.exit(main())
