"""FRAUD-VELOCITY: payments far faster than the customer's own pace: within the hour against
its usual active hour (a fixed count and sum for a customer without that history), and a
card's day against its usual day (several days of spending squeezed into one, as a stolen
card is used before it is blocked).

Who was paid, and how much each payment was, say what the burst is: mostly payees new to
the customer is how stolen cards and taken-over accounts are emptied (firm: no model may call
it usual); mostly payees it has paid before at its usual amounts is its own spending at a
faster pace (it stands only with the model's support); anything else is tempered.
"""

from __future__ import annotations

from dataclasses import replace

from riskwarn.core.events import Transaction
from riskwarn.core.feature_row import FeatureRow
from riskwarn.core.features import Prepared, baseline_ready
from riskwarn.core.hits import Hit, hit
from riskwarn.core.mule import money_text as money  # in the reporting currency
from riskwarn.core.profile import (
    ABOVE_TYPICAL,
    CARD,
    DAY,
    DEBIT,
    HOUR,
    NEW_CP,
    OWN,
    WEEK,
    CustomerProfile,
)

PAID = DEBIT | CARD  # a card payment


def velocity(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
             prep: Prepared) -> Hit | None:
    if ev.direction != "debit":
        return None
    found = _hour(row, ev, prof, prep) if row["debit_count_1h"] >= 3 else None
    if found is None and ev.method == "card" and prep.cfg.customer_baselines:
        found = _card_day(ev, prof, prep)
    return found


def _card_day(ev: Transaction, prof: CustomerProfile, prep: Prepared) -> Hit | None:
    """The card's spending of the last 24 h against its usual active day over the ledger's
    week before (several days of spending squeezed into one, as a stolen card is used before
    it is blocked). The day's largest payment is left out of the sum: one big purchase is the
    unusual-amount rule's, not a pace. The model reads no day's pace, so it may not call this
    burst usual (firm), except the customer's own spending (its shops, its usual amounts),
    which needs the model's support as within the hour."""
    t = prep.cfg.thresholds
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    start, hi = led.window(ts - DAY, ts)
    day = [i for i in range(start, hi) if led.bits[i] & PAID == PAID]
    if len(day) < t.velocity_day_min_count:
        return None  # the common case: a few rows looked at
    before = 0.0
    days: set[int] = set()
    for i in range(led.window(ts - WEEK, ts)[0], start):
        if led.bits[i] & PAID == PAID:
            before += led.amounts[i]
            days.add(int((ts - led.ts[i]) // DAY))
    if len(days) < t.velocity_day_min_days:
        return None
    amounts = [led.amounts[i] for i in day]
    usual = before / len(days)
    total = sum(amounts)
    rest = total - max(amounts)
    if rest < t.velocity_day_min_sum or rest < t.velocity_day_multiple * usual:
        return None
    why = (f"{len(day)} card payments totalling {money(total, prep)} in 24 h, "
           f"{total / usual:.1f}x the card's usual day ({money(usual, prep)} on the "
           f"{len(days)} days it was used in the week before)")
    return _burst(why, day, prof, prep, informed=False)


def _hour(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
          prep: Prepared) -> Hit | None:
    t = prep.cfg.thresholds
    n, s = row["debit_count_1h"], row["debit_sum_1h"]
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    lo, hi = led.window(ts - HOUR, ts)
    debits = [i for i in range(lo, hi) if led.bits[i] & DEBIT]
    if prep.cfg.customer_baselines:
        # money moved to the customer's own accounts is no payment: not part of a pace
        paid = [i for i in debits if not led.bits[i] & OWN]
        if len(paid) < len(debits):
            if len(paid) < 3:
                return None
            n, s, debits = float(len(paid)), sum(led.amounts[i] for i in paid), paid
    if baseline_ready(row, prep):
        # against the customer's usual hour, for the payments alone
        n_vs = row["debit_count_1h_vs_usual"] * n / max(row["debit_count_1h"], 1.0)
        s_vs = row["debit_sum_1h_vs_usual"] * min(s / max(row["debit_sum_1h"], 1e-9), 1.0)
        by_count = n >= t.velocity_min_count and n_vs >= t.velocity_multiple
        by_sum = n >= 3 and s >= t.velocity_min_sum and s_vs >= t.velocity_multiple
        why = (f"{n:.0f} debits totalling {money(s, prep)} in the last hour, "
               f"{max(n_vs, s_vs):.1f}x the customer's usual hour")
    else:
        by_count = n >= t.velocity_fixed_count
        by_sum = n >= 3 and s >= t.velocity_fixed_sum
        why = f"{n:.0f} debits totalling {money(s, prep)} in the last hour"
    if not (by_count or by_sum):
        return None
    return _burst(why, debits, prof, prep)


def _burst(why: str, debits: list[int], prof: CustomerProfile, prep: Prepared,
           informed: bool = True) -> Hit:
    """`informed`: the model reads the pace this burst is measured by (the hour's); a pace it
    cannot see (the day's) it may not call usual, except the customer's own spending."""
    led = prof.ledger
    ids = tuple(led.event_ids[i] for i in debits)
    new = sum(1 for i in debits if led.bits[i] & NEW_CP)
    if 2 * new >= len(debits) >= 3:
        # mostly to payees the customer has never paid: how stolen cards and taken-over
        # accounts are emptied; no model may call it the customer's usual
        return hit(prep, "FRAUD-VELOCITY", f"{why}; {new} of them to payees new to the "
                   "customer", ids, firm=True)
    known = len(debits) - new
    large = sum(1 for i in debits if led.bits[i] & ABOVE_TYPICAL)
    if 2 * known <= len(debits) or 2 * large >= len(debits):
        return hit(prep, "FRAUD-VELOCITY", why, ids, firm=not informed)
    # Mostly to payees the customer has paid before (its shops, its usual payees) and at its
    # usual amounts (a stolen card replaying its shops at five times the price is not): the
    # customer's own spending at a faster pace, until the model sees risk in it too.
    return replace(hit(prep, "FRAUD-VELOCITY", f"{why}; {known} of them to payees the "
                       "customer has paid before", ids), corroborate=True, familiar=True)
