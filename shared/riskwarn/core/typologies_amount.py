"""FRAUD-UNUSUAL-AMOUNT: a debit far beyond the customer's own amounts (its median, its
spread, the largest it has paid recently; without that history, its largest typical
amount of any kind, and a fixed amount for a customer with little history at all, the
book's own scale, which calibration sets), at half the multiple at a merchant
category the card schemes list as high risk and at three times it to a payee paid before —
and what shows the customer itself made it (`_planned`): then it stands only with the
model's support.
"""

from __future__ import annotations

from dataclasses import replace

from riskwarn.core.events import Transaction
from riskwarn.core.feature_row import FeatureRow
from riskwarn.core.features import Prepared, baseline_ready, customer_known, typical_amount
from riskwarn.core.hits import Hit, hit
from riskwarn.core.mule import money_text as money  # in the reporting currency
from riskwarn.core.profile import CustomerProfile


def unusual_amount(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
                   prep: Prepared) -> Hit | None:
    if ev.direction != "debit":
        return None
    if prep.cfg.customer_baselines and ev.counterparty_id in prof.own_accounts:
        return None  # savings moved to the current account: the money stays the customer's
    t = prep.cfg.thresholds
    amount = row["amount"]
    # At a merchant category the card schemes list as high risk (quasi-cash, money
    # transfer, gambling) an unusual amount counts at half the multiple; the category
    # alone never fires anything.
    listed = bool(row["listed_mcc"])
    multiple = t.unusual_multiple * (0.5 if listed else 1.0)
    # A payee the customer has paid before is part of its own behaviour (a supplier, the
    # landlord, payroll): there the amount must stand out by far more.
    known = bool(ev.counterparty_id) and not row["counterparty_new"]
    if known:
        multiple *= t.unusual_known_payee_factor
    little = False
    if baseline_ready(row, prep):
        # many times the typical amount, and beyond the customer's own spread (p95):
        # a customer whose amounts range widely is not unusual at its own top end
        # nor at an amount it has paid before (a rare but recurring large payment)
        largest = row["amount_vs_largest"]
        if (amount < t.unusual_floor or row["amount_vs_median"] < multiple
                or row["amount_vs_p95"] < t.unusual_p95_multiple
                or 0 < largest < t.unusual_largest_multiple):
            return None
        why = (f"amount {row['amount_vs_median']:.1f}x the customer's 90-day median "
               f"({money(amount, prep)})" + (
                   f", {largest:.1f}x the largest it has paid recently" if largest else "") + (
                   f" at a high-risk merchant category ({ev.merchant_category})"
                   if listed else "") + (" to a payee paid before" if known else ""))
    else:
        little = not customer_known(row, prep)
        if amount < (t.unusual_little_history_amount if little else t.unusual_fixed_amount):
            return None
        why = f"a single debit of {money(amount, prep)}"
        if not little:
            # no history of this kind, but a customer we know: compare with its largest
            # typical amount of any kind (a salary, a usual transfer)
            typical = typical_amount(prof, ev if not row["history_txns"] else None)
            if typical and amount < multiple * typical:
                return None
            why += f", {amount / typical:.0f}x the customer's largest typical amount" if (
                typical) else ""
    planned = _planned(row, ev, prep)
    return replace(hit(prep, "FRAUD-UNUSUAL-AMOUNT", why + planned, (ev.event_id,)),
                   corroborate=bool(planned), little_history=little)


def _planned(row: FeatureRow, ev: Transaction, prep: Prepared) -> str:
    """What shows the customer itself made this large payment ("" when nothing does): made
    in person at a branch, where staff know who pays; or paid with money the customer moved
    in from its own accounts within 72 h (savings for a tuition fee, a car). Nobody else is
    using the account, so the unusual amount stands only when the model sees some risk."""
    if not prep.cfg.customer_baselines:
        return ""
    if at_branch_counter(ev):
        return ", made in person at a branch"
    funded = row["own_inflow_72h"]
    if funded >= prep.cfg.thresholds.unusual_own_funded_share * row["amount"]:
        return (f", paid with {money(funded, prep)} the customer moved in from its own "
                "accounts within 72 h")
    return ""


def at_branch_counter(ev: Transaction) -> bool:
    """Made in person at a branch counter, where staff know who pays: nobody else is using
    the customer's credentials (an unusual amount's planned payment; no takeover's drain)."""
    return ev.channel == "branch"
