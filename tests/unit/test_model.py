"""The ONNX export scores like the training library, and the loader refuses a model that
does not match its card or this code's features."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import orjson
import pytest

from riskwarn.core.config import DEFAULT_MODEL_PATH
from riskwarn.core.feature_row import MODEL_INPUTS
from riskwarn.core.model import ModelError, RiskModel, card_path, typology_path
from riskwarn.offline.training import CLASSES, INPUTS, TrainSpec, fit, train, training_data

# our generator alone keeps the unit tests fast; the outside sources have their own tests
SMALL = TrainSpec(version="t", customers=300, days=24, warmup_days=10, rounds=15,
                  typology_rounds=10, episode_rate=0.8, sources=("riskwarn",))


@pytest.fixture(scope="module")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model")
    train(SMALL, out)
    return out / "risk-model-t.onnx"


def test_onnx_scores_equal_lightgbm_within_tolerance(small_model: Path) -> None:
    # Given the same training data and classifiers the exporter saw, fitted again
    data = training_data(SMALL)
    risk, typ = fit(SMALL, data)
    model = RiskModel.load(small_model)
    # When both score every row
    native = np.asarray(risk.predict_proba(data.x))[:, 1]
    onnx = model.risk(data.x)
    # Then they agree (ONNX keeps thresholds as float32: allow a small tolerance)
    assert onnx.shape == native.shape == (len(data.y),)
    diff = np.abs(onnx - native)
    assert float(np.quantile(diff, 0.999)) < 1e-4
    assert float(diff.max()) < 0.05
    # and so does the typology model (on the episode rows, where it is used)
    rows = data.x[data.y > 0]
    native_t = np.asarray(typ.predict_proba(rows))
    onnx_t = model.typology_probabilities(rows)
    assert onnx_t.shape == native_t.shape == (len(rows), len(model.classes))
    assert float(np.quantile(np.abs(onnx_t - native_t), 0.999)) < 1e-4
    agree = np.mean(np.argmax(onnx_t, axis=1) == np.argmax(native_t, axis=1))
    assert agree > 0.999


def test_explanations_name_features_that_move_the_score(small_model: Path) -> None:
    model = RiskModel.load(small_model)
    baseline = model.baselines.reshape(1, -1).copy()
    risky = baseline.copy()
    risky[0, INPUTS.index("failed_logins_10m")] = 9
    risky[0, INPUTS.index("login_failed")] = 1
    risky[0, INPUTS.index("is_login")] = 1
    risky[0, INPUTS.index("device_new")] = 1
    (why,) = model.explain(risky)
    assert why, "a clearly risky row must be explained"
    assert any("failed login" in w or "device" in w for w in why)
    (calm,) = model.explain(baseline)
    assert calm == []


def test_loader_refuses_a_tampered_model(small_model: Path, tmp_path: Path) -> None:
    copy = tmp_path / small_model.name
    shutil.copy(small_model, copy)
    shutil.copy(card_path(small_model), card_path(copy))
    shutil.copy(typology_path(small_model), typology_path(copy))
    copy.write_bytes(copy.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="sha256"):
        RiskModel.load(copy)


def test_loader_refuses_a_model_trained_on_other_features(small_model: Path,
                                                          tmp_path: Path) -> None:
    copy = tmp_path / small_model.name
    shutil.copy(small_model, copy)
    shutil.copy(typology_path(small_model), typology_path(copy))
    card = orjson.loads(card_path(small_model).read_bytes())
    card["features"] = [*card["features"][:-1], "no_such_feature"]
    card_path(copy).write_bytes(orjson.dumps(card))
    with pytest.raises(ModelError, match="no_such_feature"):
        RiskModel.load(copy)


def test_the_model_reads_its_inputs_by_name(small_model: Path) -> None:
    # the card lists the columns by name; scoring builds the matrix from those names
    card = orjson.loads(card_path(small_model).read_bytes())
    assert RiskModel.load(small_model).features == tuple(card["features"]) == INPUTS
    for banned in ("amount", "listed_mcc", "local_hour", "tenure_days", "debit_sum_24h"):
        assert banned not in INPUTS  # absolute amounts, categories, clock and tenure


def test_risk_never_falls_as_a_rising_risk_feature_rises(small_model: Path) -> None:
    # monotone constraints: for every +1 feature, raising it on real rows never lowers risk
    model = RiskModel.load(small_model)
    rng = np.random.default_rng(5)
    rows = np.repeat(model.baselines.reshape(1, -1), 200, axis=0)
    rows += rng.gamma(1.0, 2.0, size=rows.shape).astype(np.float32) * (rng.random(
        rows.shape) < 0.3)
    for j, name in enumerate(INPUTS):
        direction = MODEL_INPUTS[name]
        if not direction:
            continue
        higher = rows.copy()
        higher[:, j] += 5.0
        delta = (model.risk(higher) - model.risk(rows)) * direction
        assert float(delta.min()) >= -1e-5, name


def test_missing_model_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot read"):
        RiskModel.load(tmp_path / "nope.onnx")


def test_committed_model_loads_and_has_a_card() -> None:
    model = RiskModel.load(DEFAULT_MODEL_PATH)
    card = orjson.loads(card_path(DEFAULT_MODEL_PATH).read_bytes())
    # the typology model knows the typologies its training data has episodes of, in
    # CLASSES' order: the generator's mule rings label collectors, layers and distributors;
    # pass-through and links to confirmed cases are rules only (no generator labels them)
    assert model.classes == ("NORMAL", *(c for c in CLASSES if c in model.classes))
    assert set(CLASSES) - set(model.classes) == {"AML-PASS-THROUGH", "NETWORK-LINKED"}
    assert card["features"] == list(INPUTS) == list(model.features)
    zeros = np.zeros((3, len(INPUTS)), dtype=np.float32)
    assert model.risk(zeros).shape == (3,)
    assert all(t in CLASSES for t in model.typologies(zeros))


def test_training_is_byte_for_byte_deterministic(small_model: Path, tmp_path: Path) -> None:
    again = train(SMALL, tmp_path)
    assert again["sha256"] == orjson.loads(card_path(small_model).read_bytes())["sha256"]
    assert (tmp_path / small_model.name).read_bytes() == small_model.read_bytes()
    assert typology_path(tmp_path / small_model.name).read_bytes() == typology_path(
        small_model).read_bytes()


def test_training_rows_carry_their_episodes_typology(small_model: Path) -> None:
    # Every labelled event becomes a row of its own typology; the rest are ordinary
    from collections import Counter

    from riskwarn.offline.synth import GenerateSpec, generate

    gen = GenerateSpec(customers=SMALL.customers, days=SMALL.days, seed=SMALL.seed,
                       warmup_days=SMALL.warmup_days, episode_rate=SMALL.episode_rate,
                       randomise=True)
    expected = Counter(e["label"]["typology"] for e in generate(gen) if "label" in e)
    card = orjson.loads(card_path(small_model).read_bytes())
    counted = {k: v for k, v in card["training"]["rows_per_class"].items()
               if k != "NORMAL" and v}
    assert counted == dict(expected)
    assert card["training"]["rows_per_class"]["NORMAL"] > sum(expected.values())
