"""FRAUD-UNUSUAL-AMOUNT split over new payees: money sent to several payees the customer has
never paid, within hours, each payment well above its typical transfer.

Invoice and payment-redirection fraud (a fake supplier, "our bank details have changed"),
authorised-push-payment scams and a taken-over account emptied in parts all look like this:
no single payment need be large enough for the unusual-amount rule, but two or more first
payments to strangers, each several times what the customer usually transfers, in one
morning, are. The comparison is with the customer: a customer that pays someone new almost
every time (a marketplace seller paying suppliers, a customer of a peer-to-peer book) is
not surprised by new payees, so its own share of transfers to new payees switches it off.
"""

from __future__ import annotations

from bisect import bisect_right

from riskwarn.core.events import Transaction
from riskwarn.core.feature_row import FeatureRow
from riskwarn.core.features import Prepared, customer_known
from riskwarn.core.hits import Hit, hit
from riskwarn.core.mule import money_text as money
from riskwarn.core.profile import (
    ABOVE_TYPICAL,
    DEBIT,
    HOUR,
    NEW_CP,
    OWN,
    TRANSFER,
    CustomerProfile,
    decayed,
)

# a transfer out to a payee new to the customer, several times its typical transfer when
# it was sent (each payment is measured against the typical before it, so the split's
# own earlier payments cannot raise the bar for its later ones)
SPLIT = DEBIT | TRANSFER | NEW_CP | ABOVE_TYPICAL


def new_payee_split(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
                    prep: Prepared) -> Hit | None:
    """Called for a transfer out to a new payee (the caller checks); `prof` already holds
    the event."""
    t = prep.cfg.thresholds
    # a customer we know (its transactions of any kind), with a typical transfer to compare
    if not (customer_known(row, prep) and row["amount_vs_median"] >= t.split_multiple):
        return None
    median = row["amount"] / row["amount_vs_median"]  # its typical transfer, before this one
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    lo = bisect_right(led.ts, ts - t.split_window_h * HOUR)
    hi = bisect_right(led.ts, ts)
    rows = [i for i in range(lo, hi)
            if led.bits[i] & SPLIT == SPLIT and not led.bits[i] & OWN]
    if len(rows) < t.split_min_payees:
        return None
    amounts = [led.amounts[i] for i in rows]
    total = sum(amounts)
    if total < t.split_floor:
        return None
    # before these payments, how usual were new payees for this customer?
    earlier = decayed(prof.transfers_out, ts) - len(rows)
    earlier_new = decayed(prof.transfers_out_new, ts) - len(rows)
    usual = ""
    if earlier >= t.split_known_transfers:
        share = max(earlier_new, 0.0) / earlier
        if share >= t.split_usual_share:
            return None
        usual = f"; {1 - share:.0%} of its earlier transfers went to payees it had paid before"
    span = (ts - led.ts[rows[0]]) / HOUR
    why = (f"{len(rows)} transfers to payees new to the customer within "
           + (f"{span * 60:.0f} min" if span < 1 else f"{span:.1f} h")
           + f" ({_listed(amounts, prep)}, {money(total, prep)} in all), each at least "
             f"{t.split_multiple:g}x its typical transfer when sent (before this one: "
             f"{money(median, prep)})" + usual)
    return hit(prep, "FRAUD-UNUSUAL-AMOUNT", why, tuple(led.event_ids[i] for i in rows),
               firm=True)


def _listed(amounts: list[float], prep: Prepared) -> str:
    shown = [f"{a:,.0f}" for a in amounts[:4]] + (["..."] if len(amounts) > 4 else [])
    return (", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]) + (
        f" {prep.cfg.reporting_currency}")
