"""Mule typologies on one customer (fan-in, fan-out, pass-through) and the chain across
customers through the counterparty graph, with the traps a real book holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from riskwarn.core.config import ScoringConfig
from riskwarn.core.events import Event
from riskwarn.core.network import AccountFlows, Hop, Link, MemoryNetwork
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Scored, Scorer
from tests.builders import at as when
from tests.builders import txn

RULES = ScoringConfig(use_model=False)


def _history(cid: str, days: int = 40) -> list[Event]:
    """An ordinary customer: a card purchase every day for `days` days (known merchant)."""
    return [txn(-24.0 * d, 120, customer_id=cid, account_id=f"{cid}-01", method="card",
                counterparty_id="MERCHANT-1") for d in range(days, 0, -1)]


def _t(cid: str, hours: float, amount: float, direction: str, cp: str, **kw: Any) -> Event:
    return txn(hours, amount, customer_id=cid, account_id=f"{cid}-01", direction=direction,
               method="transfer", counterparty_id=cp, **kw)


def _score(events: list[Event], network: MemoryNetwork | None = None,
           profiles: dict[str, CustomerProfile] | None = None,
           cfg: ScoringConfig = RULES) -> list[Scored]:
    profiles = {} if profiles is None else profiles
    return Scorer(cfg, None, network=network or MemoryNetwork()).score(events, profiles)


def _codes(scored: list[Scored], cid: str | None = None) -> set[str]:
    return {c for s in scored if cid is None or s.event.customer_id == cid
            for c in s.typologies}


def test_many_new_payers_sent_on_is_fan_in() -> None:
    inflows = [_t("C1", 1.0 + i, 6_000, "credit", f"PAYER-{i}") for i in range(6)]
    scored = _score([*_history("C1"), *inflows, _t("C1", 9.0, 30_000, "debit", "OUT-1")])
    (fan,) = [s for s in scored if "AML-MULE-FAN-IN" in s.typologies]
    assert fan.tier == "high"
    assert any("6 payers new to this account sent 36,000 CNY" in r and "83% of it left" in r
               for r in fan.reasons)


def test_a_small_business_paid_by_many_customers_is_not_fan_in() -> None:
    # many new payers, but the money stays: a shop's takings, paid out in small amounts
    inflows = [_t("SHOP", 1.0 + i, 6_000, "credit", f"BUYER-{i}") for i in range(8)]
    scored = _score([*_history("SHOP"), *inflows, _t("SHOP", 12.0, 2_000, "debit", "SUP-1")])
    assert "AML-MULE-FAN-IN" not in _codes(scored)


def test_one_inflow_split_to_many_new_payees_is_fan_out() -> None:
    out = [_t("C2", 2.0 + i * 0.5, 8_000, "debit", f"PAYEE-{i}") for i in range(6)]
    scored = _score([*_history("C2"), _t("C2", 1.0, 50_000, "credit", "SRC-1"), *out])
    assert "AML-MULE-FAN-OUT" in _codes(scored)
    (fan,) = [s for s in scored if "AML-MULE-FAN-OUT" in s.typologies][-1:]
    assert any("split to 5 payees new" in r or "split to 6 payees new" in r
               for r in fan.reasons)


def test_a_salary_swept_to_own_savings_and_bills_to_known_payees_is_not_fan_out() -> None:
    known = [_t("C3", -24.0 * d, 500, "debit", f"BILL-{d}") for d in range(1, 7)]
    prof = CustomerProfile("C3")
    prof.own_accounts["C3-SAVINGS"] = 0.0
    out = [_t("C3", 2.0, 30_000, "debit", "C3-SAVINGS"),
           *(_t("C3", 3.0 + i, 600, "debit", f"BILL-{i + 1}") for i in range(6))]
    scored = _score([*_history("C3"), *known, _t("C3", 1.0, 45_000, "credit", "EMPLOYER"),
                     *out], profiles={"C3": prof})
    assert not _codes(scored) & {"AML-MULE-FAN-OUT", "AML-MULE-FAN-IN", "AML-PASS-THROUGH"}


def test_a_young_account_passing_large_sums_is_pass_through_and_weighs_more() -> None:
    cycles = []
    for day in range(3):
        cycles += [_t("YOUNG", 24.0 * day + 1, 25_000, "credit", f"IN-{day}"),
                   _t("YOUNG", 24.0 * day + 2, 24_000, "debit", f"OUT-{day}")]
    # rapid movement (everything sent on within the day) kept out of the way
    cfg = RULES.model_copy(update={"thresholds": RULES.thresholds.model_copy(
        update={"rapid_out_ratio": 1.0})})
    young = [s for s in _score(cycles, cfg=cfg) if "AML-PASS-THROUGH" in s.typologies]
    old = [s for s in _score([*_history("YOUNG", 60), *cycles], cfg=cfg)
           if "AML-PASS-THROUGH" in s.typologies]
    assert young and old
    assert young[-1].score > old[-1].score
    assert any("days old" in r for r in young[-1].reasons)
    assert not any("days old" in r for r in old[-1].reasons)


def test_sending_far_more_than_came_in_is_spending_not_passing_through() -> None:
    found = _score([*_history("RICH"), _t("RICH", 1.0, 25_000, "credit", "IN-1"),
                    _t("RICH", 2.0, 90_000, "debit", "HOUSE-SELLER")])
    assert "AML-PASS-THROUGH" not in _codes(found)


def _chain() -> list[Event]:
    """SRC pays A; A passes it to B; B passes it to C; C passes it to D (fees taken)."""
    return [
        _t("A", 1.0, 60_000, "credit", "SRC-01"),
        _t("A", 1.5, 57_000, "debit", "B-01"), _t("B", 1.5, 57_000, "credit", "A-01"),
        _t("B", 2.0, 55_000, "debit", "C-01"), _t("C", 2.0, 55_000, "credit", "B-01"),
        _t("C", 2.5, 53_000, "debit", "D-01"), _t("D", 2.5, 53_000, "credit", "C-01"),
    ]


def test_a_chain_across_customers_in_one_batch_is_found_whatever_their_order() -> None:
    history = [e for c in "ABCD" for e in _history(c)]
    net = MemoryNetwork()
    profiles: dict[str, CustomerProfile] = {}
    _score(history, net, profiles)
    chain = _chain()
    scored = _score(list(reversed(chain)), net, profiles)  # D's events first
    chained = [s for s in scored if "AML-LAYERING-CHAIN" in s.typologies]
    assert {s.event.customer_id for s in chained} >= {"B", "C", "D"}
    (c_out,) = [s for s in chained if s.event.customer_id == "C" and s.event.direction == "debit"]
    assert c_out.tier == "high"
    assert any("3 accounts in a row" in r and "A-01 -> B-01 -> C-01 -> D-01" in r
               for r in c_out.reasons)
    # measured from where the chain began: A's inflow, 1.5 h before C sent it on
    assert any("within 1.5 h" in r and "60,000 CNY in at A-01" in r for r in c_out.reasons)
    # the evidence spans the chain's customers (an investigator follows the money): A's
    # inflow and payment to B, B's payment to C, C's own
    assert {chain[0].event_id, chain[1].event_id, chain[3].event_id,
            chain[5].event_id} <= set(c_out.evidence)


def test_a_chain_split_over_batches_is_found_through_the_state() -> None:
    net = MemoryNetwork()
    profiles: dict[str, CustomerProfile] = {}
    _score([e for c in "ABCD" for e in _history(c)], net, profiles)
    chain = _chain()
    first = _score(chain[:3], net, profiles)  # A passes to B, B has not passed on yet
    assert "AML-LAYERING-CHAIN" not in _codes(first, "A")
    later = _score(chain[3:], net, profiles)  # another batch (or shard), later
    assert "AML-LAYERING-CHAIN" in _codes(later, "B")
    assert "AML-LAYERING-CHAIN" in _codes(later, "D")


def test_redelivered_batch_adds_no_hop_twice() -> None:
    net = MemoryNetwork()
    profiles: dict[str, CustomerProfile] = {}
    batch = [e for c in "AB" for e in _history(c)] + _chain()[:4]
    _score(batch, net, profiles)
    hops = len(net.accounts["B-01"].hops)
    _score(batch, net, {})  # fresh profiles: every event applied again
    assert len(net.accounts["B-01"].hops) == hops


def test_the_fixed_rules_baseline_has_no_network_and_no_mule_typologies() -> None:
    cfg = ScoringConfig.fixed_rules_baseline()
    net = MemoryNetwork()
    scored = _score([e for c in "ABCD" for e in _history(c)] + _chain(), net, cfg=cfg)
    assert not _codes(scored) & {"AML-LAYERING-CHAIN", "AML-PASS-THROUGH"}
    assert net.accounts == {}


def test_hops_survive_their_stored_form() -> None:
    hop = Hop("B-01", "B", 10.0, 5.0, 57_000.0, 55_000.0, ("A-01",), "C-01", 2,
              ("A-01", "B-01"), ("e1", "e2"), start=2.0, start_in=60_000.0)
    assert Hop.from_json(hop.to_json()) == hop
    # a hop stored before the chain's start was kept: it began where it began itself
    old = {k: v for k, v in hop.to_json().items() if k not in ("s", "n")}
    assert Hop.from_json(old).began == (5.0, 57_000.0)
    flows = AccountFlows("B-01")
    assert flows.add(hop, 3600.0) and not flows.add(hop, 3600.0)
    assert flows.paid("C-01", 20.0, 3600.0) == hop
    assert flows.paid("C-01", 10.0 + 7200.0, 3600.0) is None  # outside the window


@pytest.mark.parametrize("field", ["pass_share", "pass_week_share", "fan_sent_share"])
def test_shares_are_checked(field: str) -> None:
    with pytest.raises(ValueError, match="share"):
        ScoringConfig.model_validate({"thresholds": {field: 1.5}})


def _marked(net: MemoryNetwork, account: str, hops: int, days_ago: float,
            amount: float = 30_000.0) -> None:


    confirmed = datetime.fromisoformat(when(-24.0 * days_ago)).timestamp()
    net.mark(account, Link("MULE-01", "AL-MULE", confirmed, hops, amount))


def test_paying_a_confirmed_mule_account_is_linked_and_decays_with_time_and_hops() -> None:
    def linked(hops: int, days_ago: float, amount: float = 25_000) -> list[Scored]:
        net = MemoryNetwork()
        _marked(net, "MULE-01" if hops == 1 else "MID-01", hops - 1, days_ago)
        cp = "MULE-01" if hops == 1 else "MID-01"
        return [s for s in _score([*_history("Y"), _t("Y", 1.0, amount, "debit", cp)], net)
                if "NETWORK-LINKED" in s.typologies]

    (fresh,) = linked(1, 1)
    assert fresh.tier == "medium" and any(
        "one hop from MULE-01, confirmed in alert AL-MULE" in r for r in fresh.reasons)
    (two,) = linked(2, 1)
    assert two.score < fresh.score and two.tier == "low"
    (small,) = linked(1, 1, amount=2_000)
    assert small.score < fresh.score
    assert linked(1, 200) == []  # half-lives later: no link left to speak of


def test_an_account_the_mule_dealt_with_is_linked_on_its_own_next_payment() -> None:
    net = MemoryNetwork()
    _marked(net, "Y-01", 1, 2)  # Y paid or was paid by the confirmed account
    scored = _score([*_history("Y"), txn(1.0, 150, customer_id="Y", account_id="Y-01",
                                         method="card", counterparty_id="MERCHANT-1")], net)
    assert "NETWORK-LINKED" in _codes(scored)


def test_a_link_raises_the_customers_other_alert() -> None:
    burst = [_t("Z", 1.0 + i * 0.1, 3_000, "debit", f"NEW-{i}") for i in range(6)]
    plain = _score([*_history("Z"), *burst])
    net = MemoryNetwork()
    _marked(net, "Z-01", 1, 1)
    raised = _score([*_history("Z"), *burst], net)
    assert max(s.score for s in raised) > max(s.score for s in plain)
    top = max(raised, key=lambda s: s.score)
    assert {"FRAUD-VELOCITY", "NETWORK-LINKED"} <= set(top.typologies)


def test_card_spending_after_pay_day_is_not_money_sent_on() -> None:
    # a big inflow, then a shopping spree at six shops new to the card: consumption
    spree = [txn(2.0 + i * 0.5, 5_500, customer_id="SHOPPER", account_id="SHOPPER-01",
                 method="card", counterparty_id=f"NEW-SHOP-{i}") for i in range(6)]
    scored = _score([*_history("SHOPPER"), _t("SHOPPER", 1.0, 40_000, "credit", "EMPLOYER"),
                     *spree])
    assert not _codes(scored) & {"AML-MULE-FAN-OUT", "AML-PASS-THROUGH", "AML-LAYERING-CHAIN"}
