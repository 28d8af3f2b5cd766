"""Mule typologies on one customer's ledger (its last 7 days, at most MAX_TXNS rows): many
new payers in and sent on (AML-MULE-FAN-IN), one inflow split to many new payees
(AML-MULE-FAN-OUT), and an account through which large sums pass while almost nothing stays
(AML-PASS-THROUGH). The passage found here (money in from other parties, most of it sent on
within hours; or a stranger's receipt and a payment to a stranger within the hour, both far
beyond the customer's usual: the account used as a conduit) is also what the counterparty
graph links across customers (core/network.py).

Money to and from the customer's own accounts, and card spending, never count as sent on.
Counts of distinct payers and payees are exact over the ledger's window: the ledger is the
bounded sketch (7 days, MAX_TXNS rows; a customer with more transactions in a week than that
has its oldest rows dropped first, so counts can only be under-stated, never inflated).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from riskwarn.core.cycles import closes_latest, forwards
from riskwarn.core.events import Transaction
from riskwarn.core.feature_row import FeatureRow
from riskwarn.core.features import Prepared, customer_known, typical_of
from riskwarn.core.profile import CARD, CASH, DAY, DEBIT, HOUR, NEW_CP, OWN, CustomerProfile

# Card spending at shops is consumption, not money sent on (as for rapid movement): it is
# left out of every "sent on" and "paid to" below, with the customer's own accounts
SKIP = OWN | CARD

MAX_PARTIES = 20  # payers / payees a passage or a reason names


@dataclass(frozen=True, slots=True)
class Passage:
    """Money that came into the customer's account from other parties and went on: `inflow`
    received within the pass window before `ts`, `out` sent on to other parties since the
    first of those inflows, this debit included."""

    ts: float
    inflow: float
    out: float
    payers: tuple[str, ...]
    payee: str
    first_in: float  # when the first of those inflows arrived
    event_ids: tuple[str, ...]
    inflows: tuple[tuple[str, float, float], ...] = ()  # (payer, amount, ts), the latest


def passage(prof: CustomerProfile, ev: Transaction, row: FeatureRow, prep: Prepared
            ) -> Passage | None:
    """The passage this debit completes, if it sends on at least the pass share of what
    came in from other parties within the pass window, and not much more than came in (the
    customer's own accounts do not count on either side); else the passage of an account
    used as a conduit, if it is one."""
    t = prep.cfg.thresholds
    if (ev.direction != "debit" or not prep.mules or ev.method == "card"
            or (ev.counterparty_id and ev.counterparty_id in prof.own_accounts)):
        return None
    if row["credit_sum_24h"] < t.pass_floor:
        return _through_conduit(prof, ev, row, prep)
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    lo, hi = led.window(ts - t.pass_window_h * HOUR, ts)
    inflow = out = 0.0
    first_in = 0.0
    payers: dict[str, None] = {}
    ids: list[str] = []
    inflows: list[tuple[str, float, float]] = []
    for i in range(lo, hi):
        bits = led.bits[i]
        if bits & SKIP:
            continue
        if bits & DEBIT:
            if inflow:  # sent on after money came in
                out += led.amounts[i]
                ids.append(led.event_ids[i])
        else:
            if not inflow:
                first_in = led.ts[i]
            inflow += led.amounts[i]
            ids.append(led.event_ids[i])
            inflows.append((led.counterparties[i], led.amounts[i], led.ts[i]))
            if led.counterparties[i]:
                payers[led.counterparties[i]] = None
    if inflow < t.pass_floor or not t.pass_share * inflow <= out <= t.pass_max_out * inflow:
        return _through_conduit(prof, ev, row, prep)
    return Passage(ts, inflow, out, tuple(payers)[:MAX_PARTIES], ev.counterparty_id or "",
                   first_in, tuple(ids), tuple(inflows[-MAX_PARTIES:]))


def conduit_receipt(prof: CustomerProfile, ev: Transaction, row: FeatureRow, prep: Prepared
                    ) -> tuple[int, float] | None:
    """The account used as a conduit (AML-RAPID-MOVEMENT, typologies_flow.conduit): this
    transfer, to a payee new to the customer, and within `conduit_window_h` before it a
    receipt from a payer new to it (not cash, not its own account), each at least
    `conduit_floor` and `conduit_multiple` × the customer's largest typical amount of any
    kind, the two within `conduit_ratio` of each other either way. The typical leaves the
    two out (the receipt would raise the typical receipt it is measured against; a first
    transfer out would be its own kind's typical). Returns the receipt's ledger row and the
    typical, or None."""
    t = prep.cfg.thresholds
    amount = row["amount"]
    if (not customer_known(row, prep) or not row["counterparty_new"]
            or ev.method in ("card", "cash") or amount < t.conduit_floor):
        return None
    spend = max(typical_of(prof.card_stats),
                _typical_without(prof.debit_stats, math.log(amount))
                if row["history_txns"] else 0.0)
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    lo, hi = led.window(ts - t.conduit_window_h * HOUR, ts)
    for i in range(hi - 1, lo - 1, -1):
        came = led.amounts[i]
        if (led.bits[i] & DEBIT or not led.bits[i] & NEW_CP or led.bits[i] & (OWN | CASH)
                or not amount / t.conduit_ratio <= came <= amount * t.conduit_ratio):
            continue
        typical = max(spend, _typical_without(prof.credit_stats, math.log(came)))
        least = max(t.conduit_floor, t.conduit_multiple * typical)
        if typical and came >= least and amount >= least:
            return i, typical
    return None


def _typical_without(stats: list[float], log_amount: float) -> float:
    """A kind's typical amount (features.typical_of: the exponent of its decayed mean log
    amount) with one amount it holds taken back out (0 when nothing else is left)."""
    weight, mean, n = stats[0], stats[1], stats[4]
    if n <= 1 or weight <= 1.0:
        return 0.0
    return math.exp((mean * weight - log_amount) / (weight - 1.0))


def _through_conduit(prof: CustomerProfile, ev: Transaction, row: FeatureRow, prep: Prepared
                     ) -> Passage | None:
    """The passage of an account used as a conduit: the stranger's receipt and this payment
    (a hop the counterparty graph links like any other)."""
    found = conduit_receipt(prof, ev, row, prep)
    if found is None:
        return None
    led, i = prof.ledger, found[0]
    payer = led.counterparties[i]
    return Passage(ev.occurred_at.timestamp(), led.amounts[i], row["amount"],
                   (payer,) if payer else (), ev.counterparty_id or "", led.ts[i],
                   (led.event_ids[i], ev.event_id), ((payer, led.amounts[i], led.ts[i]),))


@dataclass(frozen=True, slots=True)
class MuleFinding:
    code: str
    reason: str
    evidence: tuple[str, ...]
    score: int | None = None  # None: the typology's configured severity
    firm: bool = False  # no model may lower it (the pattern is unusual for anyone)


def money_text(v: float, prep: Prepared) -> str:
    """An amount in the reporting currency, as the mule and network reasons say it."""
    return f"{v:,.0f} {prep.cfg.reporting_currency}"


def _hours(seconds: float) -> str:
    h = seconds / HOUR
    return f"{h * 60:.0f} min" if h < 1 else f"{h:.0f} h"


def fan_in(prof: CustomerProfile, ev: Transaction, prep: Prepared) -> MuleFinding | None:
    """Many payers new to the account within the fan window, most of their money sent on."""
    t = prep.cfg.thresholds
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    lo, hi = led.window(ts - t.fan_window_h * HOUR, ts)
    payers: dict[str, None] = {}
    inflow = out = 0.0
    first = last = 0.0
    ids: list[str] = []
    for i in range(lo, hi):
        bits = led.bits[i]
        if bits & SKIP:
            continue
        if bits & DEBIT:
            if payers:
                out += led.amounts[i]
                ids.append(led.event_ids[i])
        elif bits & NEW_CP:
            payers[led.counterparties[i] or led.event_ids[i]] = None
            inflow += led.amounts[i]
            first = first or led.ts[i]
            last = led.ts[i]
            ids.append(led.event_ids[i])
    if (len(payers) < t.fan_min_parties or inflow < t.fan_floor
            or out < t.fan_sent_share * inflow):
        return None
    return MuleFinding(
        "AML-MULE-FAN-IN",
        f"{len(payers)} payers new to this account sent {money_text(inflow, prep)} within "
        f"{_hours(max(last - first, HOUR))}; {out / inflow:.0%} of it left within "
        f"{_hours(ts - first)}", tuple(ids))


def fan_out(prof: CustomerProfile, ev: Transaction, prep: Prepared) -> MuleFinding | None:
    """One large inflow split to many payees new to the account within the fan window."""
    t = prep.cfg.thresholds
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    lo, hi = led.window(ts - t.fan_window_h * HOUR, ts)
    big_at = -1
    for i in range(lo, hi):  # the largest inflow from another party in the window
        if not led.bits[i] & (DEBIT | OWN) and led.amounts[i] >= t.fan_floor and (
                big_at < 0 or led.amounts[i] > led.amounts[big_at]):
            big_at = i
    if big_at < 0:
        return None
    inflow = led.amounts[big_at]
    payees: dict[str, None] = {}
    out = 0.0
    ids = [led.event_ids[big_at]]
    for i in range(big_at + 1, hi):
        bits = led.bits[i]
        if bits & DEBIT and bits & NEW_CP and not bits & SKIP:
            payees[led.counterparties[i] or led.event_ids[i]] = None
            out += led.amounts[i]
            ids.append(led.event_ids[i])
    if len(payees) < t.fan_min_parties or out < t.fan_sent_share * inflow:
        return None
    return MuleFinding(
        "AML-MULE-FAN-OUT",
        f"{money_text(inflow, prep)} received and split to {len(payees)} payees new to this "
        f"account ({money_text(out, prep)}, {out / inflow:.0%} of it) within "
        f"{_hours(ts - led.ts[big_at])}", tuple(ids))


def pass_through(prof: CustomerProfile, ev: Transaction, found: Passage, prep: Prepared
                 ) -> MuleFinding | None:
    """Large sums through the account while its balance stays near zero: over the ledger's
    week, at least twice the pass floor came in from other parties and nearly all of it
    (the retained share under 1 - pass_week_share) went out again, the latest inflow sent
    on within hours. An account younger than `young_account_days` weighs more."""
    t = prep.cfg.thresholds
    led = prof.ledger
    week_in = week_out = 0.0
    for amount, bits in zip(led.amounts, led.bits, strict=True):
        if bits & SKIP:
            continue
        if bits & DEBIT:
            week_out += amount
        else:
            week_in += amount
    if week_in < 2 * t.pass_floor or week_out < t.pass_week_share * week_in:
        return None
    age_days = (found.ts - prof.first_seen) / DAY
    young = age_days < t.young_account_days
    sev = prep.cfg.severity["AML-PASS-THROUGH"].score
    reason = (f"{money_text(week_in, prep)} in and {money_text(week_out, prep)} out within 7 days "
              f"({max(0.0, 1 - week_out / week_in):.0%} kept); the latest "
              f"{money_text(found.inflow, prep)} was {found.out / found.inflow:.0%} sent on within "
              f"{_hours(found.ts - found.first_in)}")
    if young:
        reason += f"; the account is {age_days:.0f} days old"
    return MuleFinding("AML-PASS-THROUGH", reason, found.event_ids,
                       score=sev + t.young_account_bonus if young else sev)


def forwarding(prof: CustomerProfile, ev: Transaction, prep: Prepared) -> MuleFinding | None:
    """Inflows each sent on almost whole within minutes, again and again (AML-PASS-THROUGH
    by forwarding): the account keeps nothing of what it receives, whatever the size of the
    sums, so the pass floor does not apply. This debit must complete the latest cycle
    (core/cycles.forwards). Firm: forwarding every inflow whole within the hour, over and
    over, is no customer's usual."""
    t = prep.cfg.thresholds
    led = prof.ledger
    cycles = forwards(led, ev.occurred_at.timestamp(), t)
    if not closes_latest(led, cycles, ev.event_id, t.forward_min_cycles):
        return None
    received = sum(led.amounts[j] for j, _ in cycles)
    if received < t.forward_floor:
        return None
    sent = sum(led.amounts[i] for _, i in cycles)
    slowest = max(led.ts[i] - led.ts[j] for j, i in cycles)
    span = led.ts[cycles[-1][1]] - led.ts[cycles[0][0]]
    return MuleFinding(
        "AML-PASS-THROUGH",
        f"{len(cycles)} inflows ({money_text(received, prep)}) each sent on almost whole "
        f"({sent / received:.0%} in all) within {_hours(max(slowest, 60.0))} of arriving, "
        f"over {_hours(max(span, 60.0))}",
        tuple(led.event_ids[x] for pair in cycles for x in pair), firm=True)
