"""AML-RAPID-MOVEMENT: money received and sent on to other parties within hours (FATF:
funds passed through an account; the PBOC's 快进快出), and when that flow is familiar to
the customer — from and to parties it has dealt with, sent on to payees it has paid before,
or its own usual cash takings — a tier lower, where it stands only when the model sees some
risk in it. And the account used as a conduit (`conduit`): a stranger's money far beyond
the customer's usual, and within the hour a stranger paid as much beyond it.
"""

from __future__ import annotations

import math
from dataclasses import replace

from riskwarn.core.config import TypologyThresholds
from riskwarn.core.events import Transaction
from riskwarn.core.feature_row import FeatureRow
from riskwarn.core.features import Prepared
from riskwarn.core.hits import Hit, hit
from riskwarn.core.mule import conduit_receipt
from riskwarn.core.mule import money_text as money
from riskwarn.core.profile import CASH, DAY, DEBIT, HOUR, OWN, TAU, CustomerProfile, decayed


def rapid_movement(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
                    prep: Prepared) -> Hit | None:
    t = prep.cfg.thresholds
    if ev.direction != "debit":
        return None
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    if prep.cfg.customer_baselines:
        if ev.counterparty_id in prof.own_accounts:
            return None  # moving money between the customer's own accounts
        inflow = row["credit_sum_24h"]  # from other parties only
        out = row["out_in_ratio_24h"] * inflow
    else:
        inflow, out = row["credit_sum_24h"], row["debit_sum_24h"]
    if (inflow < t.rapid_in_floor or out < t.rapid_out_ratio * inflow
            or (prep.cfg.customer_baselines and out > t.rapid_max_out * inflow)):
        # not the receipt sent on (too little of it, or mostly the customer's own money
        # leaving), unless the account served as a conduit
        return conduit(row, ev, prof, prep) if prep.cfg.customer_baselines else None
    lo, hi = led.window(ts - t.rapid_window_h * HOUR, ts)
    ids = tuple(led.event_ids[i] for i in range(lo, hi)
                if not (prep.cfg.customer_baselines and led.bits[i] & OWN))
    reason = (f"{money(inflow, prep)} received and {out / inflow:.0%} of it "
              f"({money(out, prep)}) sent on to other parties within {t.rapid_window_h:.0f} h")
    familiar = (_familiar_flow(row, prof, ts, out, prep)
                if prep.cfg.customer_baselines else "")
    if familiar:
        return replace(hit(prep, "AML-RAPID-MOVEMENT", reason + familiar, ids,
                           score=_medium(prep), tempered=True),
                       familiar=True, corroborate=True)
    return hit(prep, "AML-RAPID-MOVEMENT", reason, ids)


def conduit(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
            prep: Prepared) -> Hit | None:
    """The account used as a conduit (mule.conduit_receipt): money from a payer new to the
    customer, far beyond anything it usually receives or pays, and within the hour a payment
    as far beyond its usual to a payee new to it. The two sums need not match (a mule keeps a
    cut, adds money it was sent before, or pays on what another payer sent), so the sum sent
    on is not what tells; the pair is: a stranger's money that is not the customer's scale,
    and a stranger paid at that scale straight after. A customer who receives a large sum
    and spends it on a purchase pays a payee it knows, or later, or in the band the rule
    above already weighs; a customer whose receipts and payments are all large is not
    unusual at that scale (its typical amount is)."""
    found = conduit_receipt(prof, ev, row, prep)
    if found is None:
        return None
    i, typical = found
    led = prof.ledger
    amount = row["amount"]
    came, minutes = led.amounts[i], (ev.occurred_at.timestamp() - led.ts[i]) / 60.0
    reason = (f"{money(came, prep)} from {led.counterparties[i] or 'a payer'}, new to the "
              f"customer and {came / typical:.0f}x its typical amount, then "
              f"{money(amount, prep)} to {ev.counterparty_id}, a payee new to it, "
              f"{minutes:.0f} min later: the account used as a conduit")
    return replace(hit(prep, "AML-RAPID-MOVEMENT", reason, (led.event_ids[i], ev.event_id),
                       score=_medium(prep), tempered=True), conduit=True)


def _medium(prep: Prepared) -> int:
    """Rapid movement's score at most at the top of medium: a familiar flow, a conduit."""
    return min(prep.cfg.severity["AML-RAPID-MOVEMENT"].score, prep.cfg.tiers.high - 1)


def _familiar_flow(row: FeatureRow, prof: CustomerProfile, ts: float, out: float,
                   prep: Prepared) -> str:
    """How the money passing through is familiar to the customer ("" when it is not).
    Paid on to payees it has paid before, from whoever: a shop paying its usual suppliers
    from its takings, an investor moving a redemption to its broker, relatives pooling money
    the customer pays on to its landlord or school. Layering sends money where the account
    has never sent any (the next hop, the one who recruited the mule); paying the
    customer's own standing obligations is not passing money on.
    To a new payee, only money from parties it knows or cash at the customer's usual scale:
    family pooling for a purchase, a business paid by its regular clients paying a new
    supplier, a shop paying its family from the takings it banks every day — not cash the
    customer does not usually bank, which comes from nobody anyone can name (cash placed
    and wired to a stranger is the oldest laundering there is). A mule's receipts come
    from payers new to the account."""
    credit = row["credit_sum_72h"]
    if not credit:
        return ""
    t = prep.cfg.thresholds
    new_share = t.rapid_new_share
    came_new = row["new_cp_credit_sum_72h"] / credit  # cash is not from a new party here
    went_new = row["new_cp_debit_sum_24h"] / out if out else 0.0
    if came_new < new_share and went_new < new_share:
        return ", from and to parties the customer has dealt with before"
    if went_new < new_share:
        return ", sent on to payees the customer has paid before"
    led = prof.ledger
    lo, hi = led.window(ts - 3 * DAY, ts)
    cash = [i for i in range(lo, hi) if led.bits[i] & CASH and not led.bits[i] & DEBIT]
    cash_in = sum(led.amounts[i] for i in cash)
    if came_new + cash_in / credit < new_share:
        return ", from parties the customer has dealt with before"
    usual = usual_cash(prof, ts, cash_in, len({led.ts[i] // DAY for i in cash}), t)
    beyond = max(cash_in - t.cash_usual_multiple * usual, 0.0)
    if usual and came_new + beyond / credit < new_share:
        return (", from parties the customer has dealt with before and its usual cash "
                f"takings ({money(cash_in, prep)} paid in within 72 h; usually about "
                f"{money(usual, prep)})")
    return ""


def usual_cash(prof: CustomerProfile, ts: float, window_cash: float, window_days: int,
               t: TypologyThresholds) -> float:
    """The cash a customer who banks cash usually pays in over 72 h; 0 for one that paid
    cash in on fewer than `cash_usual_days` days (decayed) before the window. From the
    decayed totals without the window's own cash, over the customer's history before the
    window: a decayed sum over a history of length T holds τ·(1 − e^(−T/τ)) times the
    rate, so a customer a fortnight old is not taken for one that banks half as much."""
    if decayed(prof.cash_days, ts) - window_days < t.cash_usual_days:
        return 0.0
    before = max(decayed(prof.cash_in, ts) - window_cash, 0.0)
    span = max(ts - 3 * DAY - prof.first_seen, DAY)
    return before / (TAU * (1.0 - math.exp(-span / TAU))) * 3 * DAY
