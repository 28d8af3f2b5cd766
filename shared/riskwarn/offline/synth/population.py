"""Synthetic customers and their ordinary days, by segment.

Everything is drawn from one `random.Random` per customer (seeded from the run's seed and
the customer's index), so a run is reproducible whatever the number of customers.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

DAY = 86_400.0
HOUR = 3600.0
LOCAL = 8 * HOUR  # customers live at UTC+8

SEGMENTS = {  # share of customers, card spend median, card payments a day, logins a day
    "salaried": (0.42, 120.0, 2.2, 1.6),
    "student": (0.12, 45.0, 2.0, 2.5),
    "retired": (0.16, 85.0, 1.0, 0.6),
    "small_business": (0.18, 260.0, 3.0, 2.0),
    "high_net_worth": (0.12, 700.0, 2.0, 1.2),
}
MCC_EVERYDAY = ("5411", "5812", "5814", "5541", "5912", "4111", "5311", "5651", "5499", "7832")
FOREIGN = (("JP", "JPY"), ("TH", "THB"), ("US", "USD"), ("FR", "EUR"), ("GB", "GBP"),
           ("SG", "SGD"), ("AU", "AUD"), ("KR", "KRW"))
RATE = {"CNY": 1.0, "JPY": 0.048, "THB": 0.20, "USD": 7.2, "EUR": 7.8, "GBP": 9.1,
        "SGD": 5.35, "AUD": 4.7, "KRW": 0.0052, "HKD": 0.92}


@dataclass
class Customer:
    index: int
    cid: str
    segment: str
    rng: random.Random
    home: str
    current: str
    savings: str | None
    loan: str | None
    devices: list[str]
    card_median: float
    card_rate: float
    login_rate: float
    merchants: list[tuple[str, str]]
    payees: list[str]
    salary: float
    pay_day: int
    cash_shop: bool
    dormant: bool
    loan_day: int
    instalment: float
    currency: str = "CNY"  # the account's currency (amounts are planned in CNY)
    local: float = LOCAL  # the customer's UTC offset, seconds
    wide: bool = False  # domain-randomised (its episodes vary more, too)
    # a new phone from `phone_from` on (the new_phone trap); before it, devices[0]
    new_phone: str | None = None
    phone_from: float = float("inf")
    # spans (UTC epoch s) the customer is abroad: no card payments or logins at home then
    away: list[tuple[float, float]] = field(default_factory=list)
    planned: dict[int, list[tuple[float, dict[str, Any]]]] = field(default_factory=dict)
    skip_repayment_days: set[int] = field(default_factory=set)
    seq: int = 0

    def event_id(self) -> str:
        self.seq += 1
        return f"E{self.index:06d}-{self.seq:05d}"

    def device_at(self, ts: float) -> str:
        """The phone the customer uses at `ts`."""
        return self.new_phone if self.new_phone and ts >= self.phone_from else self.devices[0]

    def is_away(self, ts: float) -> bool:
        return any(lo <= ts < hi for lo, hi in self.away)

    def plan(self, ts: float, event: dict[str, Any], start: float) -> None:
        day = int((ts - start) // DAY)
        self.planned.setdefault(day, []).append((ts, event))


# Domain randomisation (`riskwarn generate --randomise`, and training): each customer's
# spending scale, activity, currency, time zone and merchant mix drawn wide, so that no one
# book's level or mix separates ordinary customers from episodes.
LISTED_EVERYDAY = ("5732", "5999", "5944", "4829", "6051", "7995", "5967", "6540")
CURRENCIES = ("CNY", "CNY", "HKD", "USD", "EUR", "SGD", "GBP", "JPY")
OFFSETS_H = (8.0, 8.0, 9.0, 7.0, 1.0, 0.0, -5.0, 5.5)


def make_customer(index: int, seed: int, randomise: bool = False) -> Customer:
    rng = random.Random(f"{seed}:{index}")
    roll = rng.random()
    acc = 0.0
    segment = "salaried"
    for name, (share, *_rest) in SEGMENTS.items():
        acc += share
        if roll < acc:
            segment = name
            break
    if randomise:
        segment = rng.choice(tuple(SEGMENTS))
    _, card_median, card_rate, login_rate = SEGMENTS[segment]
    cid = f"C{index:07d}"
    has_loan = rng.random() < (0.45 if segment in ("salaried", "small_business") else 0.15)
    salary = {
        "salaried": rng.lognormvariate(math.log(12_000), 0.5),
        "student": rng.lognormvariate(math.log(2_000), 0.3),
        "retired": rng.lognormvariate(math.log(4_500), 0.3),
        "small_business": 0.0,
        "high_net_worth": rng.lognormvariate(math.log(90_000), 0.6),
    }[segment]
    c = Customer(
        index=index, cid=cid, segment=segment, rng=rng,
        home="CN" if rng.random() < 0.93 else "HK",
        current=f"A{index:07d}-01",
        savings=f"A{index:07d}-02" if rng.random() < 0.6 or segment == "high_net_worth" else None,
        loan=f"L{index:07d}" if has_loan else None,
        devices=[f"d-{rng.getrandbits(32):08x}" for _ in range(1 + (rng.random() < 0.3))],
        card_median=card_median * rng.lognormvariate(0, 0.35),
        card_rate=card_rate * rng.lognormvariate(0, 0.3),
        login_rate=login_rate * rng.lognormvariate(0, 0.3),
        merchants=[(f"M{rng.randrange(50_000):05d}", rng.choice(MCC_EVERYDAY))
                   for _ in range(rng.randint(8, 20))],
        payees=[f"P{rng.randrange(10**7):07d}" for _ in range(rng.randint(2, 6))],
        salary=salary,
        pay_day=rng.randint(1, 28),
        cash_shop=segment == "small_business" and rng.random() < 0.5,
        dormant=segment != "small_business" and rng.random() < 0.03,
        loan_day=rng.randint(1, 28),
        instalment=rng.lognormvariate(math.log(3_000), 0.5),
    )
    if randomise:
        _randomise(c)
    return c


def _randomise(c: Customer) -> None:
    rng = c.rng
    scale = math.exp(rng.uniform(math.log(0.2), math.log(5.0)))
    c.card_median *= scale
    c.salary *= scale
    c.instalment *= scale
    c.card_rate *= rng.lognormvariate(0, 0.6)
    c.login_rate *= rng.lognormvariate(0, 0.6)
    c.wide = True
    c.currency = rng.choice(CURRENCIES)
    c.local = rng.choice(OFFSETS_H) * HOUR
    if rng.random() < 0.5:  # listed categories used in ordinary life
        for _ in range(rng.randint(1, 4)):
            c.merchants.append((f"M{rng.randrange(50_000):05d}", rng.choice(LISTED_EVERYDAY)))


def base(c: Customer, ts: float, event_type: str, **fields: Any) -> tuple[float, dict[str, Any]]:
    ev: dict[str, Any] = {
        # occurred_at is set when the event is written, from its planned time
        "event_id": c.event_id(), "event_type": event_type, "occurred_at": "",
        "customer_id": c.cid, "channel": fields.pop("channel", "mobile"),
        "country": fields.pop("country", c.home),
        "device_id": fields.pop("device_id", None) or c.device_at(ts),
    }
    ev.update(fields)
    return ts, ev


def txn(c: Customer, ts: float, amount: float, direction: str, method: str, *,
        currency: str | None = None, account: str | None = None, **fields: Any
        ) -> tuple[float, dict[str, Any]]:
    currency = currency or c.currency
    amount = max(round(amount / RATE[currency], 2), 0.01)
    return base(c, ts, "transaction", account_id=account or c.current, amount=f"{amount:.2f}",
                currency=currency, direction=direction, method=method, **fields)


def login(c: Customer, ts: float, success: bool = True, **fields: Any
          ) -> tuple[float, dict[str, Any]]:
    fields.setdefault("auth_method", c.rng.choice(("biometric", "biometric", "otp", "password")))
    rng = c.rng
    fields.setdefault("ip", f"10.{c.index % 250}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
    return base(c, ts, "login", success=success, **fields)


def waking(c: Customer, day_start: float) -> float:
    """A time of day when people are awake (local 7:00–23:00), as UTC epoch seconds."""
    return day_start - c.local + c.rng.uniform(7, 23) * HOUR


def _logins(c: Customer, day_start: float, out: list[tuple[float, dict[str, Any]]]) -> None:
    """A day's logins: now and then a typo, rarely a forgotten password and a reset."""
    rng = c.rng
    for _ in range(_poisson(rng, c.login_rate)):
        t = waking(c, day_start)
        roll = rng.random()
        if roll < 0.04:  # a typo
            out.append(login(c, t - 40, success=False, auth_method="password"))
        elif roll < 0.05:  # a forgotten password: a few tries, then a reset
            tries = rng.randint(2, 4)
            out.extend(login(c, t - 60 * k, success=False, auth_method="password")
                       for k in range(tries, 0, -1))
            if rng.random() < 0.5:
                out.append(base(c, t - 20, "profile_change", field="password"))
        out.append(login(c, t))


def ordinary_day(c: Customer, day: int, day_start: float) -> list[tuple[float, dict[str, Any]]]:
    """One day of a customer's usual life."""
    rng = c.rng
    out: list[tuple[float, dict[str, Any]]] = []
    if c.dormant:
        return out
    at_home: list[tuple[float, dict[str, Any]]] = []
    _logins(c, day_start, at_home)
    for _ in range(_poisson(rng, c.card_rate)):
        merchant, mcc = rng.choice(c.merchants)
        amount = c.card_median * rng.lognormvariate(0, 0.8)
        at_home.append(txn(c, waking(c, day_start), amount, "debit", "card", channel="pos",
                           counterparty_id=merchant, merchant_category=mcc))
    # abroad, nobody pays in the shops at home or logs in from there (the trip's own
    # logins and payments are planned by the trap)
    out.extend(e for e in at_home if not c.is_away(e[0]))
    dom = 1 + day % 30
    if c.salary and dom == c.pay_day:
        out.append(txn(c, day_start - c.local + 9 * HOUR, c.salary * rng.uniform(0.97, 1.03),
                       "credit", "transfer", channel="api", counterparty_id=ordinary_payer(c)))
        if c.savings and rng.random() < 0.5:
            out.append(txn(c, waking(c, day_start) + 3 * HOUR, c.salary * rng.uniform(0.1, 0.3),
                           "debit", "transfer", counterparty_id=c.savings))
    if dom == (c.pay_day + 3) % 28 + 1 and c.segment != "student":
        out.append(txn(c, waking(c, day_start), c.salary * rng.uniform(0.15, 0.3) + 1_500,
                       "debit", "transfer", counterparty_id=c.payees[0]))
    if rng.random() < 0.08:
        payee = rng.choice(c.payees) if rng.random() < 0.7 else f"P{rng.randrange(10**7):07d}"
        out.append(txn(c, waking(c, day_start), c.card_median * rng.lognormvariate(1.5, 0.8),
                       "debit", "transfer", counterparty_id=payee))
    if c.savings and dom == 1:  # monthly interest: the savings account shows up early
        out.append(txn(c, day_start - c.local + 2 * HOUR, rng.uniform(5, 80), "credit", "transfer",
                       account=c.savings, channel="api", counterparty_id="INTEREST"))
    if c.segment == "small_business":
        out.extend(_business_day(c, day_start))
    elif c.segment == "high_net_worth" and rng.random() < 0.05:
        amount = c.salary * rng.uniform(0.3, 1.2)
        out.append(txn(c, waking(c, day_start), amount, "debit", "transfer", channel="web",
                       counterparty_id=f"BROKER-{c.index % 13}"))
    if c.loan and dom == c.loan_day and day not in c.skip_repayment_days:
        out.append(base(c, day_start - c.local + 10 * HOUR, "repayment", account_id=c.loan,
                        due_amount=f"{c.instalment:.2f}", paid_amount=f"{c.instalment:.2f}",
                        currency="CNY", days_past_due=0, channel="api"))
    return out


def ordinary_payer(c: Customer) -> str:
    kind = {"salaried": "EMPLOYER", "student": "PARENT", "retired": "PENSION",
            "high_net_worth": "INVEST"}[c.segment]
    return f"{kind}-{c.index % 97}"


def _business_day(c: Customer, day_start: float) -> list[tuple[float, dict[str, Any]]]:
    rng = c.rng
    out = []
    if rng.random() < 0.85:
        settle = c.card_median * rng.lognormvariate(math.log(40), 0.4)
        out.append(txn(c, day_start - c.local + 6 * HOUR, settle, "credit", "transfer",
                       channel="api", counterparty_id="ACQUIRER-1"))
    if c.cash_shop and rng.random() < 0.9:
        amount = min(c.card_median * rng.lognormvariate(math.log(90), 0.35), 48_500.0)
        out.append(txn(c, day_start - c.local + rng.uniform(17, 19) * HOUR, amount, "credit",
                       "cash", channel="branch"))
    if rng.random() < 0.25:
        out.append(txn(c, waking(c, day_start), c.card_median * rng.lognormvariate(3, 0.6),
                       "debit", "transfer", channel="web", counterparty_id=rng.choice(c.payees)))
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1
