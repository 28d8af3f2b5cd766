"""`riskwarn train`: generated data → the scoring core's own features → LightGBM → ONNX.

Deterministic: the data comes from a seed, LightGBM runs single-threaded with
`deterministic=True`, and the ONNX export is byte-stable, so the committed model's sha256
is reproduced by running the same command (tests/unit/test_model_reproducible.py).
Needs the `train` extra; the scoring path never imports this module.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from riskwarn.core.config import ScoringConfig
from riskwarn.core.events import Label
from riskwarn.core.feature_row import MODEL_INPUTS
from riskwarn.core.features import Prepared
from riskwarn.core.model import NORMAL, Matrix, card_path, typology_path
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import featurize_lines
from riskwarn.core.typologies import TYPOLOGIES
from riskwarn.offline.synth import GenerateSpec, generate

CLASSES: tuple[str, ...] = TYPOLOGIES  # the typology model's classes; 0 in y = ordinary
CHUNK = 5000
INPUTS: tuple[str, ...] = tuple(MODEL_INPUTS)
# Our generator (domain-randomised) and two outside open-source generators (offline/outside)
SOURCES: tuple[str, ...] = ("riskwarn", "finforge", "synthfin")


@dataclass(frozen=True)
class TrainSpec:
    version: str = "v2"
    seed: int = 1
    customers: int = 4000
    days: int = 45
    warmup_days: int = 21
    episode_rate: float = 1.0  # every customer carries an episode: many positive rows
    # ... but weighed down to a realistic prevalence, so probabilities are not inflated
    # by the training mix: each episode row weighs prevalence / episode_rate.
    prevalence: float = 0.1
    normal_keep: float = 0.3  # share of ordinary rows kept; each weighs 1/keep
    rounds: int = 80  # risk model (binary)
    num_leaves: int = 31
    learning_rate: float = 0.1
    typology_rounds: int = 40  # typology model (multiclass over episode rows)
    typology_leaves: int = 15
    typology_learning_rate: float = 0.2
    sources: tuple[str, ...] = SOURCES  # each source weighs the same in total
    outside_customers: int = 1000
    outside_days: int = 60


@dataclass
class TrainingSet:
    x: Matrix
    y: np.ndarray[Any, np.dtype[np.int32]]
    weight: np.ndarray[Any, np.dtype[np.float32]]
    events: int
    by_source: dict[str, int]


def _keep(event_id: str, share: float) -> bool:
    digest = hashlib.blake2b(event_id.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32 < share


def rows_of(lines: Iterable[bytes], cfg: ScoringConfig, normal_keep: float,
            positive_weight: float = 1.0, labels: Mapping[str, Label] | None = None
            ) -> TrainingSet:
    """Feature rows exactly as the live path computes them, labelled from the episodes
    (on the events, or from an episodes file)."""
    prep = Prepared.of(cfg)
    profiles: dict[str, CustomerProfile] = {}
    index = {name: i for i, name in enumerate(CLASSES, start=1)}  # 0 = ordinary
    labels = labels or {}
    xs: list[Matrix] = []
    ys: list[int] = []
    ws: list[float] = []
    total = 0
    for feats, rejected in featurize_lines(lines, profiles, prep, INPUTS, CHUNK):
        if rejected:
            raise ValueError(f"generator produced bad events: {rejected[0].reason}")
        total += len(feats.events) + len(feats.duplicates)
        keep: list[int] = []
        for i, ev in enumerate(feats.events):
            label = ev.label or labels.get(ev.event_id)
            if label is None and not _keep(ev.event_id, normal_keep):
                continue
            keep.append(i)
            ys.append(index.get(label.typology, 0) if label else 0)
            ws.append(positive_weight if label else 1.0 / normal_keep)
        xs.append(feats.matrix[keep])
    return TrainingSet(np.concatenate(xs), np.asarray(ys, dtype=np.int32),
                       np.asarray(ws, dtype=np.float32), total, {})


def _lgbm(objective: str, rounds: int, leaves: int, rate: float, seed: int,
          monotone: bool = False) -> Any:
    import lightgbm as lgb

    extra: dict[str, Any] = {}
    if monotone:  # the direction of risk where it is known (feature_row.MODEL_INPUTS)
        extra = {"monotone_constraints": [MODEL_INPUTS[n] for n in INPUTS],
                 "monotone_constraints_method": "advanced"}
    return lgb.LGBMClassifier(
        **extra,
        objective=objective, n_estimators=rounds, num_leaves=leaves, learning_rate=rate,
        min_child_samples=20, subsample=1.0, colsample_bytree=1.0, reg_lambda=5.0,
        random_state=seed, n_jobs=1, deterministic=True, force_col_wise=True, verbosity=-1,
    )


def classifier(spec: TrainSpec) -> Any:
    """The risk model: ordinary (0) or an episode (1); single-threaded, deterministic."""
    return _lgbm("binary", spec.rounds, spec.num_leaves, spec.learning_rate, spec.seed,
                 monotone=True)


def typology_classifier(spec: TrainSpec) -> Any:
    """The typology model: ordinary + one class per typology, fitted on every row. Trained
    on episode rows alone it confused typologies on ambiguous rows (a takeover's logins
    named as card testing); with the ordinary class beside them it names them right."""
    return _lgbm("multiclass", spec.typology_rounds, spec.typology_leaves,
                 spec.typology_learning_rate, spec.seed)


def fit(spec: TrainSpec, data: TrainingSet) -> tuple[Any, Any]:
    risk = classifier(spec)
    risk.fit(data.x, (data.y > 0).astype(np.int32), sample_weight=data.weight)
    typ = typology_classifier(spec)
    typ.fit(data.x, data.y, sample_weight=data.weight)
    return risk, typ


def _export(clf: Any, name: str) -> bytes:
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType

    onnx_model = onnxmltools.convert_lightgbm(
        clf, initial_types=[("input", FloatTensorType([None, len(INPUTS)]))], zipmap=False,
        target_opset=15,
    )
    # Byte-stable export: the converter names the graph with a random UUID, stamps its own
    # build string, and lists the opsets in the order of a set (it changed from run to run
    # on a loaded machine): name, stamp and order are fixed here.
    onnx_model.graph.name = name
    onnx_model.producer_version = ""
    opsets = sorted((o.domain, o.version) for o in onnx_model.opset_import)
    del onnx_model.opset_import[:]
    for domain, version in opsets:
        onnx_model.opset_import.add(domain=domain, version=version)
    blob: bytes = onnx_model.SerializeToString()
    return blob


def _lines(events: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    return (orjson.dumps(e) for e in events)


def source_rows(name: str, spec: TrainSpec, cfg: ScoringConfig) -> TrainingSet:
    """One source's rows: our generator (domain-randomised) or an outside one."""
    if name == "riskwarn":
        gen = GenerateSpec(customers=spec.customers, days=spec.days, seed=spec.seed,
                           warmup_days=spec.warmup_days, episode_rate=spec.episode_rate,
                           randomise=True)
        return rows_of(_lines(generate(gen)), cfg, spec.normal_keep,
                       spec.prevalence / max(spec.episode_rate, 1e-9))
    from riskwarn.offline.outside import OutsideSpec, convert

    out = convert(name, OutsideSpec(seed=spec.seed, customers=spec.outside_customers,
                                    days=spec.outside_days))
    labels = {r["event_id"]: Label(typology=r["typology"], episode=r["episode"])
              for r in out.episodes if r.get("unit", True)}  # what the data set's unit is
    return rows_of(_lines(iter(out.events)), cfg, spec.normal_keep, 1.0, labels)


def training_data(spec: TrainSpec, cfg: ScoringConfig | None = None) -> TrainingSet:
    """Every source's rows, each source weighed to the same total: no one generator's
    population decides what ordinary looks like."""
    cfg = cfg or ScoringConfig(use_model=False)
    parts = [source_rows(name, spec, cfg) for name in spec.sources]
    target = float(np.mean([p.weight.sum() for p in parts]))
    weights = [p.weight * np.float32(target / float(p.weight.sum())) for p in parts]
    return TrainingSet(np.concatenate([p.x for p in parts]),
                       np.concatenate([p.y for p in parts]),
                       np.concatenate(weights).astype(np.float32),
                       sum(p.events for p in parts),
                       {n: p.events for n, p in zip(spec.sources, parts, strict=True)})


def train(spec: TrainSpec, out_dir: Path, cfg: ScoringConfig | None = None) -> dict[str, Any]:
    """Train both models, export them to ONNX, write `risk-model-<version>.onnx`,
    `risk-model-<version>.typology.onnx` and the card; return the card."""
    data = training_data(spec, cfg)
    risk, typ = fit(spec, data)
    blob = _export(risk, f"riskwarn_risk_model_{spec.version}")
    typ_blob = _export(typ, f"riskwarn_typology_model_{spec.version}")
    normal_rows = data.x[data.y == 0]
    baselines = {n: float(np.median(normal_rows[:, j])) for j, n in enumerate(INPUTS)}
    counts = np.bincount(data.y, minlength=len(CLASSES) + 1)
    card: dict[str, Any] = {
        "version": spec.version,
        # the typology model's output columns: ordinary, then the typologies present
        "classes": [(NORMAL, *CLASSES)[int(i)] for i in typ.classes_],
        "features": list(INPUTS),
        "monotone": {n: MODEL_INPUTS[n] for n in INPUTS if MODEL_INPUTS[n]},
        "baselines": baselines,
        "sha256": hashlib.sha256(blob).hexdigest(),
        "typology_sha256": hashlib.sha256(typ_blob).hexdigest(),
        "algorithm": "LightGBM gradient-boosted trees: a binary risk model and a multiclass "
                     "typology model, exported with onnxmltools",
        "training": {
            **asdict(spec),
            "events_generated": data.events,
            "events_by_source": data.by_source,
            "rows": len(data.y),
            "rows_per_class": {c: int(n) for c, n in zip((NORMAL, *CLASSES), counts,
                                                          strict=True)},
            "libraries": _versions(),
        },
        "metrics": _train_metrics(risk, typ, data),
        "protected_attributes": "none: no gender, ethnicity, religion, age or proxy of them",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / f"risk-model-{spec.version}.onnx"
    model_path.write_bytes(blob)
    typology_path(model_path).write_bytes(typ_blob)
    card_path(model_path).write_bytes(orjson.dumps(card, option=orjson.OPT_INDENT_2) + b"\n")
    return card


def _train_metrics(risk: Any, typ: Any, data: TrainingSet) -> dict[str, float]:
    p = np.asarray(risk.predict_proba(data.x), dtype=np.float32)[:, 1]
    w = data.weight
    positive = data.y > 0
    flagged = p >= 0.5
    tp = float(w[positive & flagged].sum())
    probs = np.asarray(typ.predict_proba(data.x[positive])) if positive.any() else None
    named = (np.argmax(probs[:, 1:], axis=1) + 1) if probs is not None else np.zeros(0)
    return {
        "train_event_recall_at_500": round(tp / max(float(w[positive].sum()), 1.0), 4),
        "train_event_precision_at_500": round(tp / max(float(w[flagged].sum()), 1.0), 4),
        "train_typology_accuracy": round(float(
            (named == data.y[positive]).mean()) if positive.any() else 0.0, 4),
    }


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    names = ("lightgbm", "onnxmltools", "onnx", "numpy", "onnxruntime", "finforge",
             "synthfin-aml")
    return {"python": platform.python_version(), **{n: version(n) for n in names}}
