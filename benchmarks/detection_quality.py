"""Detection that transfers: each outside generator scored by a model trained without it
(leave one generator out), against rules only and the fixed-threshold baseline on the same
file; our own generator's held-out seed by the shipped model.

Every file is a book going live: its first HISTORY_DAYS are history (the profiles learn
from them; `riskwarn calibrate` reads them, without labels), quality is measured on the
days after. For every file, four ways of scoring (alerts of tier medium and above count):
- `model`: rules + a model that never saw this generator, shipped cut-offs;
- `calibrated`: the same, cut-offs and the little-history amount set by `riskwarn
  calibrate` on the book's history;
- `rules only`: customer-baseline rules, no model;
- `baseline`: the plain fixed-threshold rules.

Targets (issue): on each outside generator, recall ≥ rules only's and ≥ the baseline's at
≤ 2 false alerts per 1,000 customer-days, and no model-only critical alert; on our held-out
seed, recall ≥ 0.95, subtle ≥ 0.90, right typology ≥ 0.85, precision ≥ 0.85, ≤ 1 false
alert per 1,000 customer-days. Trained models are cached in .riskwarn/eval/.

Last, one failure mode the issue named, on our seed: a stolen card replaying the customer's
own shops within hours at several times the amounts (benchmarks/stolen_card.py), scored by
the model, rules only and the baseline: does the model hide what the rules see?
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

import riskwarn
from benchmarks import stolen_card
from riskwarn.core.config import DEFAULT_MODEL_PATH, ScoringConfig
from riskwarn.core.events import Label
from riskwarn.core.model import RiskModel
from riskwarn.offline.backtest import run_backtest
from riskwarn.offline.calibration import calibrate
from riskwarn.offline.evaluation import read_episodes
from riskwarn.offline.synth import GenerateSpec, generate, write_jsonl

ROOT = Path(".riskwarn/eval")
OUTSIDE = ("finforge", "synthfin")
HISTORY_DAYS = 21


def _code_key(*parts: str) -> str:
    """A digest of the sources that make a cached file (generator, converters, features,
    training): a change to any of them makes a new file instead of reusing a stale one."""
    package = Path(next(iter(riskwarn.__path__)))
    digest = hashlib.sha256()
    for part in parts:
        for src in sorted((package / part).rglob("*.py")) if (package / part).is_dir() else [
                package / part]:
            digest.update(src.read_bytes())
    return digest.hexdigest()[:8]


def _outside_file(name: str, seed: int, customers: int, days: int) -> tuple[Path, Path]:
    from riskwarn.offline.outside import OutsideSpec, convert, write

    key = _code_key("offline/outside")
    events = ROOT / f"{name}-s{seed}-c{customers}-d{days}-{key}.jsonl"
    episodes = events.with_suffix(".episodes.jsonl")
    if not events.exists():
        ROOT.mkdir(parents=True, exist_ok=True)
        out = convert(name, OutsideSpec(seed=seed, customers=customers, days=days))
        part_ev, part_ep = events.with_suffix(".part"), episodes.with_suffix(".part")
        with open(part_ev, "wb") as ev, open(part_ep, "wb") as ep:
            write(out, ev, ep)
        part_ep.replace(episodes)  # an interrupted run leaves no file that looks whole
        part_ev.replace(events)
    return events, episodes


def _own_file(seed: int, customers: int, days: int, randomise: bool) -> Path:
    key = _code_key("offline/synth")
    path = ROOT / f"riskwarn-s{seed}-c{customers}-d{days}{'-r' if randomise else ''}-{key}.jsonl"
    if not path.exists():
        ROOT.mkdir(parents=True, exist_ok=True)
        spec = GenerateSpec(customers=customers, days=days, seed=seed, randomise=randomise)
        part = path.with_suffix(".part")
        with open(part, "wb") as out:
            write_jsonl(generate(spec), out)
        part.replace(path)
    return path


def _model_without(name: str) -> Path:
    """A model trained exactly as the shipped one, less one source (cached by its spec)."""
    from riskwarn.core.model import card_path
    from riskwarn.offline.training import TrainSpec, train

    spec = TrainSpec()
    spec = replace(spec, sources=tuple(s for s in spec.sources if s != name))
    key = hashlib.sha256(orjson.dumps(asdict(spec))).hexdigest()[:8] + _code_key(
        "offline/synth", "offline/outside", "core/features.py", "core/features_context.py",
        "core/features_other_events.py", "core/profile.py",
        "offline/training.py")
    out = ROOT / "models" / f"without-{name}-{key}"
    path = out / f"risk-model-{spec.version}.onnx"
    if not card_path(path).exists():  # the card is written last
        print(f"  training a model without {name} ...", file=sys.stderr)
        train(spec, out)
    return path


def _score(path: Path, cfg: ScoringConfig, labels: dict[str, Label] | None,
           live: datetime) -> dict[str, Any]:
    model = RiskModel.load(cfg.model_path) if cfg.use_model else None
    with open(path, "rb") as source:
        s = run_backtest(source, io.BytesIO(), cfg, model, labels=labels, measure_from=live)
    assert s.quality is not None and s.budget is not None
    return {**s.quality, **s.budget}


def _history(path: Path) -> tuple[list[bytes], datetime]:
    """The first HISTORY_DAYS of a file (it is in time order) and when the book goes live.
    The file starts where its first 1 % of events lie (a few customers' last activity long
    before, such as a dormant account's, is not the start of the book)."""
    with open(path, "rb") as f:
        lines = [line for line in f if line.strip()]
    first = datetime.fromisoformat(orjson.loads(lines[len(lines) // 100])["occurred_at"])
    live = first.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        days=HISTORY_DAYS)
    cut = live.isoformat()[:19]
    return [ln for ln in lines if orjson.loads(ln)["occurred_at"][:19] < cut], live


def evaluate(path: Path, model_path: Path, labels: dict[str, Label] | None
             ) -> dict[str, dict[str, Any]]:
    shipped = ScoringConfig(model_path=model_path)
    history, live = _history(path)
    cal = calibrate(history, shipped, RiskModel.load(model_path))
    calibrated = cal.applied(shipped)
    return {
        "model": _score(path, shipped, labels, live),
        "calibrated": _score(path, calibrated, labels, live),
        "rules only": _score(path, ScoringConfig(use_model=False), labels, live),
        "baseline": _score(path, ScoringConfig.fixed_rules_baseline(), labels, live),
    }


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "n/a" if v is None else str(v)


ROWS = ("episodes", "recall", "subtle_recall", "right_typology", "precision",
        "alerts_counted", "false_alerts_per_1000_customer_days", "model_only_critical")


def show(title: str, res: dict[str, dict[str, Any]]) -> None:
    modes = list(res)
    print(f"\n{title}  ({res['model']['active_customer_days']:,} active customer-days)")
    print(f"  {'':38}" + "".join(f"{m:>12}" for m in modes))
    for key in ROWS:
        print(f"  {key:38}" + "".join(f"{_fmt(res[m].get(key)):>12}" for m in modes))
    print(f"  {'over alert budget':38}" + "".join(
        f" {','.join(t[:3] for t in res[m]['over']) or '-':>11}" for m in modes))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=4000, help="our held-out seed's size")
    ap.add_argument("--outside-customers", type=int, default=1500)
    ap.add_argument("--days", type=int, default=45)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, help="also write every figure here")
    args = ap.parse_args()
    figures: dict[str, Any] = {}
    for name in OUTSIDE:
        events, episodes = _outside_file(name, 11, args.outside_customers, 60)
        with open(episodes, "rb") as f:
            labels = read_episodes(f)
        res = evaluate(events, _model_without(name), labels)
        figures[name] = res
        show(f"{name} (left out of training), {events.name}", res)
    own = _own_file(args.seed, args.customers, args.days, randomise=False)
    figures["riskwarn"] = res = evaluate(own, DEFAULT_MODEL_PATH, None)
    show(f"riskwarn held-out seed {args.seed}, {own.name} (shipped model)", res)
    wide = _own_file(args.seed + 1, args.customers // 2, args.days, randomise=True)
    figures["riskwarn-randomised"] = res = evaluate(wide, DEFAULT_MODEL_PATH, None)
    show(f"riskwarn randomised population seed {args.seed + 1}, {wide.name}", res)
    # one failure mode on our seed: a stolen card replaying the customer's own shops
    figures["stolen-card"] = res = stolen_card.evaluate(own, _history(own)[1],
                                                        DEFAULT_MODEL_PATH)
    stolen_card.show(res)
    if args.json:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
