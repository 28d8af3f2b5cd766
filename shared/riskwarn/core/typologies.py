"""Typology rules (DESIGN.md's table): each reads the event's feature row and the customer's
profile (already holding the event) and, when it fires, says why in words a person can read.

With `customer_baselines` on, rules compare with the customer's own history and know the
customer's own accounts; off, they are the plain fixed-threshold comparator.
"""

from __future__ import annotations

from dataclasses import replace

from riskwarn.core.cycles import closes_latest, refunds
from riskwarn.core.events import Event, Login, ProfileChange, Transaction
from riskwarn.core.feature_row import FeatureRow
from riskwarn.core.features import Prepared
from riskwarn.core.hits import CATEGORY, TYPOLOGIES, Hit, hit
from riskwarn.core.mule import (
    MuleFinding,
    Passage,
    fan_in,
    fan_out,
    forwarding,
    pass_through,
)
from riskwarn.core.mule import money_text as money  # in the reporting currency
from riskwarn.core.profile import (
    CASH,
    DAY,
    DEBIT,
    HIGH_RISK,
    HOUR,
    NEW_CP,
    OWN,
    SMALL_CARD,
    TRANSFER,
    CustomerProfile,
)
from riskwarn.core.typologies_access import credential_change, delinquency, login_burst
from riskwarn.core.typologies_amount import at_branch_counter, unusual_amount
from riskwarn.core.typologies_flow import rapid_movement
from riskwarn.core.typologies_payees import new_payee_split
from riskwarn.core.typologies_velocity import velocity

__all__ = ["CATEGORY", "TYPOLOGIES", "Hit", "evaluate"]


def evaluate(row: FeatureRow, event: Event, prof: CustomerProfile, prep: Prepared,
             found: Passage | None = None) -> list[Hit]:
    """Every typology that fires for this event. Cheap guards first: most events are
    ordinary and should cost a few comparisons, not nine rule calls. `found`: the passage
    this debit completes (core/mule.passage), if any."""
    if isinstance(event, Transaction):
        return _transaction_hits(row, event, prof, prep, found)
    one: Hit | None
    if isinstance(event, Login):
        one = login_burst(row, event, prof, prep)
    elif isinstance(event, ProfileChange):
        one = credential_change(row, event, prof, prep)
    else:
        one = delinquency(row, event, prep)
    return [] if one is None else [one]


def _transaction_hits(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
                      prep: Prepared, found: Passage | None) -> list[Hit]:
    t = prep.cfg.thresholds
    amount = row["amount"]
    debit = ev.direction == "debit"
    candidates: list[Hit | None] = []
    if ev.method == "cash":  # rare: single or same-day cumulative reportable cash
        candidates.append(_large_cash(row, ev, prof, prep))
    if amount >= t.structuring_band_low * t.large_cash:
        candidates.append(_structuring(row, ev, prof, prep))
    if debit:
        candidates.extend(_debit_hits(row, ev, prof, prep, found))
    elif (row["refund_cycles"] >= t.refund_min_cycles  # refunds to the card
          and prep.cfg.customer_baselines):
        candidates.append(_refund_abuse(ev, prof, prep))
    if row["counterparty_high_risk"]:
        candidates.append(_high_risk_geo(row, ev, prof, prep))
    if row["days_since_last_txn"] >= t.dormant_days or (
            prof.woke_at and ev.occurred_at.timestamp() - prof.woke_at
            <= t.dormant_wake_window_h * HOUR):
        candidates.append(_dormant(row, ev, prof, prep))
    return [h for h in candidates if h is not None] if candidates else []


def _debit_hits(row: FeatureRow, ev: Transaction, prof: CustomerProfile, prep: Prepared,
                found: Passage | None) -> list[Hit | None]:
    t = prep.cfg.thresholds
    out: list[Hit | None] = []
    rapid = (rapid_movement(row, ev, prof, prep)
             if row["credit_sum_24h"] >= min(t.rapid_in_floor, t.conduit_floor) else None)
    out.append(rapid)
    out.append(velocity(row, ev, prof, prep))
    unusual = None
    if row["amount"] >= min(t.unusual_floor, t.unusual_fixed_amount,
                            t.unusual_little_history_amount):
        out.append(unusual := unusual_amount(row, ev, prof, prep))
    if (unusual is None and row["counterparty_new"] and ev.method not in ("card", "cash")
            and row["new_cp_debit_sum_24h"] >= t.split_floor):  # transfers to new payees
        out.append(new_payee_split(row, ev, prof, prep))
    if (row["small_card_10m"] >= t.card_testing_count
            or row["small_card_1h"] >= t.card_testing_slow_count):
        out.append(_card_testing(row, ev, prof, prep))
    if (row["counterparty_new"]
            and row["hours_since_credential_change"] <= t.credential_window_h):
        out.append(_drain(row, ev, prof, prep))
    if prep.mules:
        out.extend(_mule_hits(row, ev, prof, prep, found,
                              familiar=rapid is not None and rapid.familiar))
    if row["on_trip"] and ev.method == "card" and prep.cfg.customer_baselines:
        out = [_on_trip(h, ev, prep) if h is not None and h.code in TRAVEL else h for h in out]
    return out


# what a traveller's card does on holiday: a hotel bill, a few shops in an hour
TRAVEL = frozenset({"FRAUD-UNUSUAL-AMOUNT", "FRAUD-VELOCITY"})


def _on_trip(found: Hit, ev: Transaction, prep: Prepared) -> Hit:
    """A card payment in a country the customer's own known phone logged in from on
    arrival (features: on_trip) is the customer spending on a trip: the hit stands in the
    low tier, says why, and stays on the alert list. A stolen card abroad comes without the
    customer's phone; a new device vouches for nothing."""
    return replace(found, score=min(found.score, prep.cfg.tiers.medium - 1), tempered=True,
                   reason=f"{found.reason}; card payment in {ev.country}, where the customer's "
                          "own phone logged in on arrival (a trip): low")


def _mule_hits(row: FeatureRow, ev: Transaction, prof: CustomerProfile, prep: Prepared,
               found: Passage | None, familiar: bool = False) -> list[Hit | None]:
    """`familiar`: this debit's rapid movement is a flow familiar to the customer; the
    pass-through of the same receipts (an investor's redemption moved to its broker) says
    it again, stands no higher and may be lowered as it may."""
    t = prep.cfg.thresholds
    findings: list[MuleFinding | None] = []
    through = pass_through(prof, ev, found, prep) if found is not None else None
    restated = familiar and through is not None  # not forwarding: that is firm
    # forwarding needs the inflow this debit sends on (at least its amount) within the
    # forward window's hour limit, which is at most a day
    if (through is None and ev.method != "card"
            and row["credit_sum_24h"] >= row["amount"]):
        through = forwarding(prof, ev, prep)
    findings.append(through)
    if row["new_cp_credit_sum_72h"] >= t.fan_floor:
        findings.append(fan_in(prof, ev, prep))
    if row["counterparty_new"] and row["credit_sum_72h"] >= t.fan_floor:
        findings.append(fan_out(prof, ev, prep))
    hits = [None if f is None else hit(prep, f.code, f.reason, f.evidence, score=f.score,
                                       firm=f.firm)
            for f in findings]
    first = hits[0]
    if restated and first is not None:  # the pass-through's hit, first of the findings
        hits[0] = replace(first, score=min(first.score, prep.cfg.tiers.high - 1),
                          restates="AML-RAPID-MOVEMENT", corroborate=True,
                          reason=first.reason + (
                              "; the same flow as the rapid movement, familiar to the "
                              "customer"))
    return hits


def _large_cash(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
                prep: Prepared) -> Hit | None:
    """Reportable cash: one transaction at the threshold, or (with customer baselines) the
    same day's cash in one direction together at it — large-value reporting counts a
    business day's cumulative cash (PBOC: 单笔或者当日累计), so splitting it does not hide it."""
    amount = row["amount"]
    limit = prep.cfg.thresholds.large_cash
    if ev.method != "cash":
        return None
    kind = "withdrawal" if ev.direction == "debit" else "deposit"
    if amount >= limit:
        return hit(prep, "AML-LARGE-CASH",
                   f"cash {kind} of {money(amount, prep)}, at or above the {money(limit, prep)} "
                   "reporting threshold", (ev.event_id,))
    if not prep.cfg.customer_baselines:
        return None  # the plain comparator reads DESIGN's table literally: one transaction
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    day_start = ts - (ts + prep.offset_s) % DAY
    lo, hi = led.window(day_start - 1e-3, ts)
    debit = ev.direction == "debit"
    picked = [i for i in range(lo, hi)
              if led.bits[i] & CASH and bool(led.bits[i] & DEBIT) == debit]
    total = sum(led.amounts[i] for i in picked)
    if len(picked) < 2 or total < limit:
        return None
    return hit(prep, "AML-LARGE-CASH",
               f"{len(picked)} cash {kind}s totalling {money(total, prep)} on one day, at or above "
               f"the {money(limit, prep)} reporting threshold (cumulative in a day)",
               tuple(led.event_ids[i] for i in picked))


def _structuring(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
                 prep: Prepared) -> Hit | None:
    t = prep.cfg.thresholds
    low, high = t.structuring_band_low * t.large_cash, t.large_cash
    if ev.method not in ("cash", "transfer") or not low <= row["amount"] < high:
        return None
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    lo, hi = led.window(ts - t.structuring_window_h * HOUR, ts)
    debit = ev.direction == "debit"
    # Splitting is done by whoever sets the amounts: the customer, for cash it pays in or
    # takes out and transfers it sends; a payer new to it, for money paid in. A transfer
    # from a payer that had paid the customer before the window (a card acquirer's
    # settlement of a shop's takings, a salary) is that payer's routine, not a split; a
    # payer first seen within the window counts with every payment it split.
    rows = range(lo, hi)
    fresh = {led.counterparties[i] for i in rows if led.bits[i] & NEW_CP}
    picked = [
        i for i in rows
        if bool(led.bits[i] & DEBIT) == debit and led.bits[i] & (CASH | TRANSFER)
        and not led.bits[i] & OWN and low <= led.amounts[i] < high
        and (debit or not led.bits[i] & TRANSFER or led.bits[i] & NEW_CP
             or led.counterparties[i] in fresh)
    ]
    if not any(led.event_ids[i] == ev.event_id for i in picked):
        return None  # this event is not one of the movements
    if len(picked) < t.structuring_min_count:
        return None
    total = sum(led.amounts[i] for i in picked)
    if total <= high:
        return None
    amounts = [led.amounts[i] for i in picked]
    span_h = max((led.ts[picked[-1]] - led.ts[picked[0]]) / HOUR, 0.1)
    kind = "withdrawals" if debit else "deposits"
    usual = prep.cfg.customer_baselines and row["band_usual"] >= t.structuring_usual_per_month
    return hit(prep, "AML-STRUCTURING",
               f"{len(picked)} {kind} of {min(amounts):,.0f}-{money(max(amounts), prep)} within "
               f"{span_h:.0f} h, total {money(total, prep)}, each just under the "
               f"{money(high, prep)} threshold" + (
                    f" (the customer usually banks {row['band_usual']:.0f} such amounts a month)"
                    if usual else ""),
               tuple(led.event_ids[i] for i in picked), tempered=usual)


def _high_risk_geo(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
                   prep: Prepared) -> Hit | None:
    if not row["counterparty_high_risk"]:
        return None
    t = prep.cfg.thresholds
    floor = t.high_risk_geo_floor if prep.cfg.customer_baselines else 0.0
    way = "to" if ev.direction == "debit" else "from"
    if row["amount"] < floor:
        # small amounts count when they repeat: several transfers with listed
        # jurisdictions within a week, each under the floor
        repeats = row["high_risk_count_7d"]
        if repeats < t.high_risk_repeat_count:
            return None
        led = prof.ledger
        lo, hi = led.window(ev.occurred_at.timestamp() - 7 * 24 * HOUR,
                            ev.occurred_at.timestamp())
        ids = tuple(led.event_ids[i] for i in range(lo, hi) if led.bits[i] & HIGH_RISK)
        return hit(prep, "AML-HIGH-RISK-GEO",
                   f"{repeats:.0f} transfers with counterparties in high-risk jurisdictions "
                   f"within 7 days, each under {money(floor, prep)} (the latest "
                   f"{money(row['amount'], prep)} {way} {ev.counterparty_country})", ids)
    return hit(prep, "AML-HIGH-RISK-GEO",
               f"{ev.method} of {money(row['amount'], prep)} {way} a counterparty in "
               f"{ev.counterparty_country}, a high-risk jurisdiction", (ev.event_id,))


def _dormant(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
             prep: Prepared) -> Hit | None:
    """A large amount on an account that was dormant: on the first transaction after the
    spell or within `dormant_wake_window_h` of it (a small probe often wakes it first)."""
    t = prep.cfg.thresholds
    if row["amount"] < t.dormant_floor:
        return None
    woke = prof.woke_at
    if woke and ev.occurred_at.timestamp() > woke:
        after = (ev.occurred_at.timestamp() - woke) / HOUR
        why = (f"{money(row['amount'], prep)} {ev.direction} {after:.0f} h after the account woke "
               f"from {prof.dormant_spell_days:.0f} days without any transaction")
    else:
        why = (f"{money(row['amount'], prep)} {ev.direction} after "
               f"{row['days_since_last_txn']:.0f} days without any transaction")
    return hit(prep, "AML-DORMANT-REACTIVATION", why, (ev.event_id,))


def _refund_abuse(ev: Transaction, prof: CustomerProfile, prep: Prepared) -> Hit | None:
    """Card purchases refunded by the same merchant within hours, again and again: goods
    bought and returned in a cycle (refund abuse; money laundered through refunds to the
    card). A refund days later, or once, is a customer returning something. This card
    credit must complete the latest cycle (core/cycles.refunds)."""
    t = prep.cfg.thresholds
    led = prof.ledger
    cycles = refunds(led, ev.occurred_at.timestamp(), t)
    if not closes_latest(led, cycles, ev.event_id, t.refund_min_cycles):
        return None
    refunded = sum(led.amounts[i] for _, i in cycles)
    if refunded < t.refund_floor:
        return None
    shops = len({led.counterparties[j] for j, _ in cycles})
    slowest = max(led.ts[i] - led.ts[j] for j, i in cycles) / HOUR
    return hit(prep, "FRAUD-REFUND-ABUSE",
               f"{len(cycles)} card purchases refunded by the merchant within "
               f"{max(slowest, 1.0):.0f} h of buying ({money(refunded, prep)} refunded, "
               f"{shops} merchant{'s' if shops > 1 else ''}) within "
               f"{t.refund_window_h:.0f} h",
               tuple(led.event_ids[x] for pair in cycles for x in pair))


def _card_testing(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
                  prep: Prepared) -> Hit | None:
    """Small card payments at several merchants: many within minutes, or fewer within the
    hour at merchants each new to the customer when first paid."""
    t = prep.cfg.thresholds
    if ev.method != "card":
        return None
    led = prof.ledger
    ts = ev.occurred_at.timestamp()
    for count, minutes, only_new in ((t.card_testing_count, t.card_testing_window_min, False),
                                     (t.card_testing_slow_count, t.card_testing_slow_window_min,
                                      True)):
        lo, hi = led.window(ts - minutes * 60.0, ts)
        picked = [i for i in range(lo, hi) if led.bits[i] & SMALL_CARD]
        if len(picked) < count:
            continue
        merchants = {led.counterparties[i] for i in picked}
        if len(merchants) < t.card_testing_merchants:
            continue
        if only_new and len({led.counterparties[i] for i in picked
                             if led.bits[i] & NEW_CP}) < len(merchants):
            continue
        new = " new to the customer" if only_new else ""
        return hit(prep, "FRAUD-CARD-TESTING",
                   f"{len(picked)} card payments of at most {money(t.card_testing_small, prep)} at "
                   f"{len(merchants)} merchants{new} within {minutes:.0f} minutes",
                   tuple(led.event_ids[i] for i in picked))
    return None


def _drain(row: FeatureRow, ev: Transaction, prof: CustomerProfile,
           prep: Prepared) -> Hit | None:
    t = prep.cfg.thresholds
    since_cred = row["hours_since_credential_change"]
    if ev.direction != "debit" or not row["counterparty_new"] or since_cred > t.credential_window_h:
        return None
    if prep.cfg.customer_baselines:
        # A takeover: access from a new device or country, a credential change, then
        # transfers (several small ones count together) to payees never paid before; made
        # with the taken credentials, so not at a branch counter.
        if (ev.method == "card" or at_branch_counter(ev)
                or row["hours_since_new_access"] > 2 * t.credential_window_h):
            return None
        amount = row["new_cp_debit_sum_24h"]
    else:
        amount = row["amount"]
    if amount < t.drain_floor:
        return None
    return hit(prep, "ATO-DRAIN",
               f"{money(amount, prep)} sent to payees never paid before, "
               f"{since_cred:.1f} h after a credential change", (ev.event_id,))
