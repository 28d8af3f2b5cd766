"""Traps (ordinary behaviour a careless system flags) and labelled typology episodes, plain
and subtle (the same scheme by someone who knows the usual thresholds)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from riskwarn.offline.synth.population import (
    DAY,
    FOREIGN,
    HOUR,
    Customer,
    base,
    login,
    ordinary_payer,
    txn,
)

Planned = list[tuple[float, dict[str, Any]]]
HIGH_RISK = ("IR", "KP", "MM", "SY", "YE", "AF")
RISKY_MCC = ("5732", "5944", "6051", "5999")


def _new_id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.randrange(10**8):08d}"


def _new_device(rng: random.Random) -> str:
    return f"d-{rng.getrandbits(32):08x}"


# ---- traps -----------------------------------------------------------------------------

def holiday_abroad(c: Customer, t0: float) -> Planned:
    rng = c.rng
    country, currency = rng.choice(FOREIGN)
    out: Planned = []
    days = rng.randint(4, 9)
    c.away.append((t0 - 2 * HOUR, t0 + days * DAY))
    for day in range(days):
        d = t0 + day * DAY
        out.append(login(c, d + rng.uniform(1, 3) * HOUR, country=country))
        for _ in range(rng.randint(1, 4)):
            out.append(txn(c, d + rng.uniform(1, 12) * HOUR,
                           c.card_median * rng.lognormvariate(0.6, 0.8), "debit", "card",
                           currency=currency, channel="pos", country=country,
                           counterparty_id=_new_id(rng, "MX"), merchant_category="5812"))
    hotel = c.card_median * rng.uniform(8, 30)
    out.append(txn(c, t0 + 2 * HOUR, hotel, "debit", "card", currency=currency, country=country,
                   channel="pos", counterparty_id=_new_id(rng, "HOTEL"), merchant_category="7011"))
    return [(t, {**e, "trap": "holiday_abroad"}) for t, e in out]


def big_purchase(c: Customer, t0: float) -> Planned:
    rng = c.rng
    amount = rng.uniform(20_000, 150_000)
    out: Planned = []
    if c.savings:
        out.append(txn(c, t0, amount * rng.uniform(1.0, 1.1), "credit", "transfer",
                       counterparty_id=c.savings))
        out.append(txn(c, t0, amount * rng.uniform(1.0, 1.1), "debit", "transfer",
                       account=c.savings, counterparty_id=c.current))
    seller = rng.choice(("CARDEALER", "FURNITURE", "SCHOOL", "HOSPITAL", "TRAVELAGENT"))
    out.append(txn(c, t0 + rng.uniform(1, 30) * HOUR, amount, "debit", "transfer",
                   channel=rng.choice(("mobile", "branch")),
                   counterparty_id=_new_id(rng, seller)))
    return [(t, {**e, "trap": "big_purchase"}) for t, e in out]


def bonus_to_own(c: Customer, t0: float) -> Planned:
    rng = c.rng
    if not c.savings or c.segment != "salaried":
        return []
    bonus = max(c.salary, 8_000) * rng.uniform(2, 6)
    moved = bonus * rng.uniform(0.8, 1.0)
    out = [
        txn(c, t0, bonus, "credit", "transfer", channel="api",
            counterparty_id=ordinary_payer(c)),
        txn(c, t0 + rng.uniform(0.5, 8) * HOUR, moved, "debit", "transfer",
            counterparty_id=c.savings),
    ]
    out.append(txn(c, out[1][0], moved, "credit", "transfer", account=c.savings,
                   counterparty_id=c.current))
    return [(t, {**e, "trap": "bonus_to_own"}) for t, e in out]


def new_phone(c: Customer, t0: float) -> Planned:
    rng = c.rng
    device = _new_device(rng)
    out = [login(c, t0, device_id=device, auth_method="otp"),
           base(c, t0 + rng.uniform(60, 900), "profile_change", field="device_binding",
                device_id=device)]
    c.new_phone, c.phone_from = device, t0  # in use from now on (planned before other traps)
    return [(t, {**e, "trap": "new_phone"}) for t, e in out]


def late_repayment(c: Customer, t0: float) -> Planned:
    if not c.loan:
        return []
    # a few days late, in full or a little short (paid from a card that came up short)
    paid = c.instalment * (1.0 if c.rng.random() < 0.7 else c.rng.uniform(0.85, 0.99))
    out = [base(c, t0, "repayment", account_id=c.loan, due_amount=f"{c.instalment:.2f}",
                paid_amount=f"{paid:.2f}", currency="CNY", channel="api",
                days_past_due=c.rng.randint(1, 12))]
    return [(t, {**e, "trap": "late_repayment"}) for t, e in out]


def returned_purchase(c: Customer, t0: float) -> Planned:
    """Something bought and taken back: the whole price refunded (or most of it: a
    restocking fee) days later, or within hours (the wrong size); now and then a second
    return at another shop later in the week."""
    rng = c.rng
    out: Planned = []
    for k in range(2 if rng.random() < 0.2 else 1):
        shop, mcc = rng.choice(c.merchants)
        bought = t0 + k * rng.uniform(1.5, 5) * DAY
        price = c.card_median * rng.uniform(3, 15)
        back = bought + (rng.uniform(1, 5) * HOUR if rng.random() < 0.3
                         else rng.uniform(1, 10) * DAY)
        share = 1.0 if rng.random() < 0.7 else rng.uniform(0.85, 0.97)
        out.append(txn(c, bought, price, "debit", "card", channel="pos",
                       counterparty_id=shop, merchant_category=mcc))
        out.append(txn(c, back, price * share, "credit", "card", channel="pos",
                       counterparty_id=shop, merchant_category=mcc))
    return [(t, {**e, "trap": "returned_purchase"}) for t, e in out]


# new_phone first: the traps planned after it use the phone in use at their time
TRAPS: dict[str, tuple[float, Callable[[Customer, float], Planned]]] = {
    "new_phone": (0.05, new_phone),
    "holiday_abroad": (0.06, holiday_abroad),
    "big_purchase": (0.05, big_purchase),
    "bonus_to_own": (0.08, bonus_to_own),
    "late_repayment": (0.15, late_repayment),
    "returned_purchase": (0.06, returned_purchase),
}

# ---- episodes --------------------------------------------------------------------------


def large_cash(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    if not subtle:
        return [txn(c, t0, rng.uniform(50_000, 200_000), "credit", "cash", channel="branch")]
    # Split under the band at two branches on one business day (both in branch hours, the
    # customer's local time), together above the threshold.
    opens = t0 - (t0 + c.local) % DAY + rng.uniform(9.5, 11.5) * HOUR
    return [txn(c, opens + k * rng.uniform(2, 5) * HOUR, rng.uniform(26_000, 39_000), "credit",
                "cash", channel="branch") for k in range(2)]


def structuring(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    if not subtle:
        n, lo, hi, span = rng.randint(3, 5), 40_000, 49_900, 20 * HOUR
    else:
        n, lo, hi, span = rng.randint(4, 6), 26_000, 39_500, rng.uniform(48, 70) * HOUR
    times = sorted(t0 + rng.uniform(0, span) for _ in range(n))
    return [txn(c, t, rng.uniform(lo, hi), "credit", "cash", channel=rng.choice(("branch", "atm")))
            for t in times]


def rapid_movement(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    inflow = rng.uniform(40_000, 300_000)
    parts = 2 if subtle else 1
    out = [txn(c, t0 + k * 3 * HOUR, inflow / parts, "credit", "transfer", channel="api",
               counterparty_id=_new_id(rng, "X")) for k in range(parts)]
    share = rng.uniform(0.75, 0.9) if subtle else rng.uniform(0.85, 1.0)
    n = rng.randint(3, 5) if subtle else rng.randint(1, 3)
    span = rng.uniform(30, 60) * HOUR if subtle else rng.uniform(2, 18) * HOUR
    for k in range(n):
        out.append(txn(c, t0 + 6 * HOUR + span * (k + 1) / n, inflow * share / n, "debit",
                       "transfer", counterparty_id=_new_id(rng, "Y")))
    return out


def high_risk_geo(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    country = rng.choice(HIGH_RISK)
    if not subtle:
        return [txn(c, t0, rng.uniform(5_000, 200_000), rng.choice(("debit", "credit")),
                    rng.choice(("transfer", "fx")), channel="web",
                    counterparty_id=_new_id(rng, "G"), counterparty_country=country)]
    cp = _new_id(rng, "G")
    return [txn(c, t0 + k * rng.uniform(20, 40) * HOUR, rng.uniform(300, 950), "debit",
                "transfer", channel="web", counterparty_id=cp, counterparty_country=country)
            for k in range(rng.randint(3, 5))]


def dormant_reactivation(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    big = txn(c, t0 + (rng.uniform(6, 30) * HOUR if subtle else 0), rng.uniform(20_000, 200_000),
              rng.choice(("debit", "credit")), "transfer", channel="web",
              counterparty_id=_new_id(rng, "R"))
    if not subtle:
        return [big]
    probe = txn(c, t0, rng.uniform(50, 900), "credit", "transfer", channel="web",
                counterparty_id=_new_id(rng, "R"))
    return [probe, big]


def _card_shop(c: Customer, prefix: str, known: float) -> tuple[str, str]:
    """Where a stolen card is spent: a merchant new to the customer in a listed category,
    or, with probability `known`, one the customer uses too (the big online shops everybody
    pays at): card fraud is not always at a stranger's shop."""
    rng = c.rng
    if known and rng.random() < known:
        return rng.choice(c.merchants)
    return _new_id(rng, prefix), rng.choice(RISKY_MCC)


def velocity(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    out: Planned = []
    hours = rng.randint(3, 4) if subtle else 1
    per_hour = (rng.randint(4, 5), rng.randint(9, 15))[0 if subtle else 1]
    # randomised: bursts from three payments an hour up, some at the customer's own shops
    known = 0.0
    if c.wide:
        per_hour, known = rng.randint(3, per_hour), rng.choice((0.0, 0.5, 1.0))
    for h in range(hours):
        for _ in range(per_hour):
            amount = c.card_median * rng.uniform(2, 6) + rng.uniform(200, 800)
            shop, mcc = _card_shop(c, "V", known)
            out.append(txn(c, t0 + h * HOUR + rng.uniform(0, 3300), amount, "debit", "card",
                           channel="api", counterparty_id=shop, merchant_category=mcc))
    return out


def unusual_amount(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    night = t0 - (t0 + c.local) % DAY + rng.uniform(1, 5) * HOUR - c.local + DAY
    known = 0.3 if c.wide else 0.0  # randomised: now and then at one of the customer's shops
    if not subtle:
        amount = max(c.card_median * rng.uniform(15, 40), 12_000)
        shop, mcc = _card_shop(c, "U", known)
        return [txn(c, night, amount, "debit", "card", channel="api", country="US",
                    currency="USD", counterparty_id=shop, merchant_category=mcc)]
    out: Planned = []
    for k in range(rng.randint(2, 3)):
        shop, mcc = _card_shop(c, "U", known)
        out.append(txn(c, night + k * rng.uniform(0.3, 2) * HOUR,
                       c.card_median * rng.uniform(4, 7) + 1_500, "debit", "card",
                       channel="api", counterparty_id=shop, merchant_category=mcc))
    return out


def refund_abuse(c: Customer, t0: float, subtle: bool) -> Planned:
    """Goods bought and refunded within hours, again and again (refund abuse; money
    laundered through refunds to the card): plain, three to five cycles at shops new to the
    customer, refunded in full within two hours; subtle, two at shops the customer uses,
    refunded a little short hours later."""
    rng = c.rng
    cycles = 2 if subtle else rng.randint(3, 5)
    shops = [rng.choice(c.merchants) if subtle else (_new_id(rng, "R"), rng.choice(
        ("5999", "5732", "5311"))) for _ in range(2)]
    out: Planned = []
    at = t0
    for k in range(cycles):
        shop, mcc = shops[k % 2]
        price = c.card_median * rng.uniform(3, 10) + rng.uniform(800, 2_500)
        back = at + (rng.uniform(2, 5.5) if subtle else rng.uniform(0.3, 2)) * HOUR
        share = rng.uniform(0.9, 0.97) if subtle else rng.uniform(0.97, 1.0)
        bought = txn(c, at, price, "debit", "card", channel="api", counterparty_id=shop,
                     merchant_category=mcc)
        out.append((bought[0], {**bought[1], "_cover": True}))  # a purchase, on its own
        out.append(txn(c, back, price * share, "credit", "card", channel="api",
                       counterparty_id=shop, merchant_category=mcc))
        at = back + rng.uniform(0.2, 2) * HOUR
    return out


def card_testing(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    n, merchants, span = (4, 3, rng.uniform(20, 40) * 60) if subtle else (
        rng.randint(6, 10), rng.randint(4, 8), rng.uniform(3, 8) * 60)
    shops = [_new_id(rng, "W") for _ in range(merchants)]
    out = [txn(c, t0 + span * k / n, rng.uniform(1, 40), "debit", "card", channel="api",
               counterparty_id=shops[k % merchants], merchant_category="5999")
           for k in range(n)]
    return out


def login_burst(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    device = _new_device(rng)
    country = rng.choice(("RU", "VN", "NG", "BR", "US"))
    if not subtle:
        times = [t0 + rng.uniform(0, 500) for _ in range(rng.randint(6, 12))]
    else:
        times = [t0 + w * 900 + rng.uniform(0, 400) for w in range(4) for _ in range(3)]
    return [login(c, t, success=False, device_id=device, country=country,
                  auth_method="password", channel="web") for t in sorted(times)]


def _takeover(c: Customer, t0: float, subtle: bool, gap_h: float) -> tuple[Planned, str]:
    rng = c.rng
    device = _new_device(rng)
    country = c.home if subtle else rng.choice(("RU", "VN", "NG", "BR"))
    out: Planned = []
    if not subtle:
        out += [login(c, t0 - k * 60, success=False, device_id=device, country=country,
                      auth_method="password", channel="web") for k in range(1, 3)]
    out.append(login(c, t0, device_id=device, country=country, auth_method="password",
                     channel="web"))
    out.append(base(c, t0 + gap_h * HOUR, "profile_change", device_id=device, country=country,
                    field=rng.choice(("phone", "email", "password")), channel="web"))
    return out, device


def credential_change(c: Customer, t0: float, subtle: bool) -> Planned:
    gap = c.rng.uniform(26, 40) if subtle else c.rng.uniform(0.2, 6)
    return _takeover(c, t0, subtle, gap)[0]


def drain(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    gap = rng.uniform(0.2, 3)
    out, device = _takeover(c, t0, subtle, gap)
    start = t0 + gap * HOUR
    if not subtle:
        out.append(txn(c, start + rng.uniform(0.2, 5) * HOUR, rng.uniform(20_000, 100_000),
                       "debit", "transfer", channel="web", device_id=device,
                       counterparty_id=_new_id(rng, "Z")))
        return out
    for k in range(rng.randint(3, 5)):
        out.append(txn(c, start + (k + 1) * rng.uniform(1, 3) * HOUR, rng.uniform(3_000, 8_000),
                       "debit", "transfer", channel="web", device_id=device,
                       counterparty_id=_new_id(rng, "Z")))
    return out


def delinquency(c: Customer, t0: float, subtle: bool) -> Planned:
    rng = c.rng
    due = c.instalment
    if not subtle:
        dpd = rng.randint(30, 120)
        paid = due if rng.random() < 0.5 else due * rng.uniform(0.2, 0.8)
        return [base(c, t0, "repayment", account_id=c.loan, due_amount=f"{due:.2f}",
                     paid_amount=f"{paid:.2f}", currency="CNY", days_past_due=dpd, channel="api")]
    return [base(c, t0, "repayment", account_id=c.loan, due_amount=f"{due:.2f}",
                 paid_amount=f"{due * rng.uniform(0.3, 0.7):.2f}", currency="CNY",
                 days_past_due=rng.randint(12, 27), channel="api")]


Episode = Callable[[Customer, float, bool], Planned]
EPISODES: dict[str, Episode] = {
    "AML-LARGE-CASH": large_cash,
    "AML-STRUCTURING": structuring,
    "AML-RAPID-MOVEMENT": rapid_movement,
    "AML-HIGH-RISK-GEO": high_risk_geo,
    "AML-DORMANT-REACTIVATION": dormant_reactivation,
    "FRAUD-VELOCITY": velocity,
    "FRAUD-UNUSUAL-AMOUNT": unusual_amount,
    "FRAUD-CARD-TESTING": card_testing,
    "ATO-LOGIN-BURST": login_burst,
    "ATO-CREDENTIAL-CHANGE": credential_change,
    "ATO-DRAIN": drain,
    "CREDIT-DELINQUENCY": delinquency,
    "FRAUD-REFUND-ABUSE": refund_abuse,
}


def eligible(c: Customer, typology: str) -> bool:
    if typology == "CREDIT-DELINQUENCY":
        return c.loan is not None and not c.dormant
    if typology == "AML-DORMANT-REACTIVATION":
        return c.dormant
    return not c.dormant
