"""What makes detection transfer to books riskwarn was not built on: outside generators
converted to the contract (labels apart), domain randomisation, calibration to a book's own
history, and the alert budget a backtest reports against."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import numpy as np
import orjson
import pytest

from riskwarn.cli import main
from riskwarn.core.config import AlertBudget, ScoringConfig
from riskwarn.core.events import parse_records
from riskwarn.core.model import Matrix
from riskwarn.offline.backtest import run_backtest
from riskwarn.offline.calibration import calibrate
from riskwarn.offline.evaluation import read_episodes
from riskwarn.offline.outside import OutsideSpec, convert
from riskwarn.offline.synth import GenerateSpec, generate
from tests.builders import at, raw

CFG = ScoringConfig()


@pytest.mark.parametrize("name", ["finforge", "synthfin"])
def test_outside_generators_convert_to_the_contract_with_labels_apart(name: str) -> None:
    out = convert(name, OutsideSpec(seed=5, customers=120, days=30))
    lines = [orjson.dumps(e) for e in out.events]
    events, rejected = parse_records(lines, CFG.rates)
    assert rejected == [] and len(events) == len(lines) > 500
    assert all(e.label is None for e in events)  # labels never ride on the events
    assert [e["occurred_at"] for e in out.events] == sorted(e["occurred_at"]
                                                            for e in out.events)
    ids = {e.event_id for e in events}
    assert len(ids) == len(events)
    assert out.episodes and all(r["event_id"] in ids for r in out.episodes)
    labels = read_episodes(orjson.dumps(r) for r in out.episodes)
    assert len({lab.episode for lab in labels.values()}) >= 1


def test_synthfin_transfers_are_a_debit_and_a_credit_naming_each_other() -> None:
    out = convert("synthfin", OutsideSpec(seed=5, customers=80, days=10))
    pairs: dict[str, list[dict[str, object]]] = {}
    for e in out.events:
        pairs.setdefault(str(e["event_id"])[:-2], []).append(e)
    credit, debit = sorted(next(iter(pairs.values())), key=lambda e: str(e["direction"]))
    assert (credit["direction"], debit["direction"]) == ("credit", "debit")
    assert debit["counterparty_id"] == credit["account_id"]
    assert credit["counterparty_id"] == debit["account_id"]


def test_randomised_population_varies_scale_currency_and_merchant_mix() -> None:
    spec = GenerateSpec(customers=150, days=8, warmup_days=4, seed=4, randomise=True)
    events = list(generate(spec))
    currencies = Counter(e["currency"] for e in events if e["event_type"] == "transaction")
    assert len(currencies) >= 4
    mccs = {e.get("merchant_category") for e in events}
    assert {"5732", "5999"} & mccs  # listed-looking categories used in ordinary life
    plain = list(generate(GenerateSpec(customers=150, days=8, warmup_days=4, seed=4)))
    assert {e["currency"] for e in plain if e["event_type"] == "transaction"} <= {
        "CNY", "JPY", "THB", "USD", "EUR", "GBP", "SGD", "AUD", "KRW"}
    _, rejected = parse_records([orjson.dumps(e) for e in events], CFG.rates)
    assert rejected == []


class QuantileModel:
    """A model whose risk is a fixed spread over events (deterministic by event order)."""

    version = "q-1"
    features = ("amount", "is_debit")

    def risk(self, matrix: Matrix) -> Matrix:
        return np.asarray((matrix[:, 0] % 97) / 97.0, dtype=np.float32)

    def typologies(self, rows: Matrix) -> list[str]:
        return ["FRAUD-UNUSUAL-AMOUNT"] * len(rows)

    def explain(self, rows: Matrix, top: int = 3, min_drop: float = 0.02,
                currency: str = "CNY") -> list[list[str]]:
        return [[] for _ in range(len(rows))]


def _history() -> list[bytes]:
    spec = GenerateSpec(customers=200, days=20, warmup_days=14, seed=9, episode_rate=0.0)
    return [orjson.dumps(e) for e in generate(spec)]


def test_calibration_keeps_model_only_alerts_within_the_budget() -> None:
    history = _history()
    model = QuantileModel()
    # Given a model that would flood the book with the shipped cut-offs
    flood = run_backtest(io.BytesIO(b"\n".join(history)), io.BytesIO(), CFG, model)
    assert flood.budget is not None and "model_only" in flood.budget["over"]
    # When the cut-offs are calibrated on the same history
    cal = calibrate(history, CFG, model)
    assert 0 < cal.cutoffs.low < cal.cutoffs.medium < cal.cutoffs.high < 1
    assert cal.expected_per_1000["medium"] <= CFG.alert_budget.model_only
    tuned = CFG.model_copy(update={"model_cutoffs": cal.cutoffs})
    run = run_backtest(io.BytesIO(b"\n".join(history)), io.BytesIO(), tuned, model)
    # Then model-only alerts at medium and above stay within it
    assert run.budget is not None
    assert run.budget["per_1000_customer_days"]["model_only"] <= CFG.alert_budget.model_only
    assert "model_only" not in run.budget["over"]
    assert run.budget["model_only_critical"] == 0


def _book(days: int, large: list[tuple[int, float]], customers: int = 300) -> list[bytes]:
    """`customers` each buying at a shop every day, and on the given days a customer new
    to the book (little history) paying the given sum to a payee."""
    events = [raw("transaction", customer_id=f"C{c}", account_id=f"A{c}-01",
                  occurred_at=at(c * 0.01, days=d), amount="120.00")
              for d in range(days) for c in range(customers)]
    events += [raw("transaction", customer_id=f"N{i}", account_id=f"N{i}-01",
                   occurred_at=at(12.0, days=d), amount=f"{amount:.2f}", method="transfer",
                   counterparty_id=f"P{i}")
               for i, (d, amount) in enumerate(large)]
    events.sort(key=lambda e: str(e["occurred_at"]))
    return [orjson.dumps(e) for e in events]


def test_calibration_sets_the_little_history_amount_from_the_settled_history() -> None:
    # Given a book whose new customers pay large sums, in the history's first two weeks
    # (every customer has little history there: not counted) and after them
    early = [(d, 110_000.0) for d in range(0, 14, 2)]
    late = [(15 + i, a) for i, a in enumerate((40e3, 45e3, 50e3, 55e3, 60e3, 70e3))]
    cal = calibrate(_book(30, early + late), CFG, QuantileModel())
    # When calibrated: 4,800 settled customer-days allow 2 such payments at 0.5 per 1,000
    little = cal.little
    assert little.customer_days >= 16 * 300
    assert 55_000 < little.amount < 55_001  # the third largest no longer fires
    assert little.expected_per_1000 <= CFG.alert_budget.little_history < little.per_1000
    # Then a backtest with it raises the two largest and not the rest
    lines = io.BytesIO(b"\n".join(_book(30, late)))
    out = io.BytesIO()
    run_backtest(lines, out, cal.applied(CFG).model_copy(update={"use_model": False}), None)
    fired = {a["customer_id"] for a in map(orjson.loads, out.getvalue().splitlines())
             if "FRAUD-UNUSUAL-AMOUNT" in a["typologies"]}
    assert fired == {"N4", "N5"}


def test_model_cut_offs_are_set_on_what_the_model_alone_may_raise() -> None:
    """Medium and high come from the events the model alone may raise past low: customers
    it has a baseline for, no money coming in. New customers' events (it may raise them to
    low at most) count at low only."""
    model = QuantileModel()  # risk 0.24 on the book's purchases of 120.00
    book = _book(30, [])
    newcomers = [orjson.dumps(raw("transaction", customer_id=f"X{i}", account_id=f"X{i}-01",
                                  occurred_at=at(6.0 + k, days=20 + i % 10),
                                  amount="96.00"))  # risk 0.99
                 for i in range(200) for k in range(3)]
    plain = calibrate(book, CFG, model)
    mixed = calibrate(sorted(book + newcomers, key=lambda b: orjson.loads(b)["occurred_at"]),
                      CFG, model)
    assert mixed.cutoffs == plain.cutoffs and plain.cutoffs.high < 0.5
    assert mixed.expected_per_1000["low"] > plain.expected_per_1000["low"]


def test_the_little_history_amount_moves_only_between_the_shipped_one_and_its_ceiling() -> None:
    from riskwarn.offline.calibration import LITTLE_CEILING, SHIPPED_LITTLE

    model = QuantileModel()
    quiet = calibrate(_book(30, [(20, 35_000.0)]), CFG, model).little
    assert quiet.amount == SHIPPED_LITTLE  # within the budget: nothing to raise
    flood = calibrate(_book(30, [(15 + i % 15, 900_000.0) for i in range(40)]), CFG,
                      model).little
    assert flood.amount == LITTLE_CEILING * SHIPPED_LITTLE
    short = calibrate(_book(10, [(8, 90_000.0)] * 5), CFG, model).little
    assert (short.amount, short.customer_days) == (SHIPPED_LITTLE, 0)  # nothing settled
    # a lower amount in force is where it starts from, and stays when nothing is over
    lower = CFG.model_copy(update={"thresholds": CFG.thresholds.model_copy(
        update={"unusual_little_history_amount": 20_000.0})})
    assert calibrate(_book(30, []), lower, model).little.amount == 20_000.0


def test_backtest_flags_a_run_over_budget() -> None:
    tight = CFG.model_copy(update={"use_model": False,
                                   "alert_budget": AlertBudget(low=0.001, medium=0.001)})
    lines = [orjson.dumps(raw("transaction", amount="60000", method="cash",
                              direction="credit", event_id=f"e{i}")) for i in range(3)]
    s = run_backtest(io.BytesIO(b"\n".join(lines)), io.BytesIO(), tight, None)
    assert s.budget is not None and "medium" in s.budget["over"]
    assert s.as_dict()["budget"]["budget"]["medium"] == 0.001


def test_calibrate_and_backtest_with_thresholds_from_the_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = tmp_path / "history.jsonl"
    history.write_bytes(b"\n".join(_history()) + b"\n")
    out = tmp_path / "thresholds.json"
    assert main(["calibrate", str(history), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "cut-offs P(episode)" in text
    assert "unusual amount of a customer with little history: from 30,000" in text
    doc = orjson.loads(out.read_bytes())
    assert set(doc) == {"tiers", "typologies", "model", "drift"}
    assert doc["typologies"]["unusual_little_history_amount"] == 30_000.0
    assert set(doc["drift"]["edges"]) == set(doc["drift"]["shares"]) and doc["drift"]["events"]
    assert main(["backtest", str(history), "--out", str(tmp_path / "a.jsonl"),
                 "--thresholds", str(out)]) == 0


@pytest.mark.parametrize(("argv", "message"), [
    (["calibrate", "nope.jsonl", "--out", "x.json"], "cannot read nope.jsonl"),
    (["calibrate", "nope.jsonl", "--out", "x.json", "--apply"], "--apply needs --note"),
    (["backtest", "nope.jsonl", "--out", "x", "--thresholds", "none.json"],
     "cannot read none.json"),
    (["convert", "nobody", "--out", "a", "--episodes", "b"], "invalid choice"),
])
def test_bad_arguments_are_one_line(argv: list[str], message: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_apply_without_a_stack_is_a_one_line_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISKWARN_TOKEN", raising=False)
    history = tmp_path / "h.jsonl"
    history.write_bytes(b"\n".join(_history()[:3000]) + b"\n")
    assert main(["calibrate", str(history), "--out", "t.json", "--apply", "--note",
                 "first calibration"]) == 2
    assert "no staff API" in capsys.readouterr().err


def test_psi_is_near_zero_on_the_same_population_and_large_on_a_shifted_one() -> None:
    from riskwarn.core.drift import baseline_of, psi

    rng = np.random.default_rng(3)
    history = rng.lognormal(0, 1, size=(20_000, 2)).astype(np.float32)
    base = baseline_of(history, ("a", "b"))
    same = rng.lognormal(0, 1, size=(20_000, 2)).astype(np.float32)
    shifted = same.copy()
    shifted[:, 1] *= 3.0
    assert max(psi(base, same, ("a", "b")).values()) < 0.01
    drift = psi(base, shifted, ("a", "b"))
    assert drift["a"] < 0.01 and drift["b"] > 0.25


def test_calibration_carries_a_drift_baseline_that_backtests_report_against(
        tmp_path: Path) -> None:
    history = _history()
    model = QuantileModel()
    cal = calibrate(history, CFG, model)
    assert set(cal.drift.edges) == set(model.features)
    tuned = CFG.model_copy(update={"model_cutoffs": cal.cutoffs, "drift_baseline": cal.drift})
    s = run_backtest(io.BytesIO(b"\n".join(history)), io.BytesIO(), tuned, model)
    assert set(s.psi) == set(model.features) and max(s.psi.values()) < 0.05
    assert s.daily and all(set(v) == {"low", "medium", "high", "critical"}
                           for v in s.daily.values())
    # the HTML report draws the daily rates and the PSI bars
    from riskwarn.offline.report import render_html, render_text

    page = render_html(s, source_name="h.jsonl")
    assert "polyline" in page and "Population stability" in page
    assert "alerts per 1,000 active customer-days (budget)" in render_text(s)


def test_the_score_function_measures_drift_per_batch() -> None:
    from riskwarn.core.drift import baseline_of
    from riskwarn.core.scoring import Scorer
    from riskwarn.runtime.stream import _drift

    model = QuantileModel()
    rows = np.asarray([[float(i), 1.0] for i in range(1, 2000)], dtype=np.float32)
    scorer = Scorer(CFG.model_copy(update={"drift_baseline": baseline_of(rows, model.features)}),
                    model)
    assert max(_drift(scorer, rows).values()) < 0.01
    assert _drift(scorer, rows * 50)["amount"] > 0.25
    assert _drift(Scorer(CFG, model), rows) == {}  # not calibrated yet: nothing to compare


def test_synthfin_labels_its_chains_ends_as_fraud_outside_the_mule_account_unit() -> None:
    """Every transfer synthfin marks as fraud is labelled on both its events: on a mule
    account as that account's episode (the unit recall counts), on the accounts feeding
    the chains and the brokers they end at as fraud outside the unit."""
    out = convert("synthfin", OutsideSpec(seed=5, customers=300, days=20))
    labels = read_episodes(orjson.dumps(r) for r in out.episodes)
    inside = {lab.episode for lab in labels.values() if lab.unit}
    outside = {lab.episode for lab in labels.values() if not lab.unit}
    assert inside and all(e.startswith("SF-MULE-") for e in inside)
    assert outside and all(e.startswith("SF-CHAIN-END-") for e in outside)
    fraud_transfers = {i[:-2] for i in labels}
    assert {i + "-d" for i in fraud_transfers} | {i + "-c" for i in fraud_transfers} == set(
        labels)  # both legs of each


def test_an_alert_on_fraud_outside_the_unit_is_neither_true_nor_false() -> None:
    from types import SimpleNamespace
    from typing import Any

    from riskwarn.core.events import Label
    from riskwarn.offline.evaluation import Evaluation

    labels = {"m1": Label(typology="AML-RAPID-MOVEMENT", episode="SF-MULE-1"),
              "s1": Label(typology="AML-LAYERING-CHAIN", episode="SF-CHAIN-END-2", unit=False)}
    ev = Evaluation(labels)
    events, rejected = parse_records([orjson.dumps(raw(event_id=i)) for i in ("m1", "s1", "x1")],
                                     CFG.rates)
    assert not rejected
    ev.observe_events(events)

    def alert(*ids: str) -> Any:
        return SimpleNamespace(tier="medium", typologies=["AML-RAPID-MOVEMENT"],
                               model_typology=None, event_ids=list(ids))

    for ids in (("s1",), ("x1",), ("m1", "s1")):
        ev.observe_alert(alert(*ids), None)
    q = ev.result()
    assert (q["episodes"], q["recall"]) == (1, 1.0)  # the chain's end is no episode
    assert (q["alerts_counted"], q["false_alerts"], q["alerts_on_fraud_outside_unit"]) == (
        2, 1, 1)
    assert q["precision"] == 0.5
