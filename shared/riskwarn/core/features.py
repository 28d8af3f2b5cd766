"""Features: one event + the customer's profile → one row of floats, then the profile learns
the event. The same code serves the Lambda, backtest, training and the benchmarks.

Window features include the event itself; baseline features (typical amount, known devices,
usual hourly spend) are read *before* the event updates them, so an event is compared with
the customer as they were. A late event (older than the profile's newest) is placed at its
own time in the ledger and its windows are measured as of its own time; decayed statistics
take it with its already-decayed weight. Nothing is rewound: alerts already raised stand.

Here: the dispatch (`observe`) and the payment row; what every row reads (the prepared
config, devices, countries, trips, failed logins) is in core/features_context.py, the rows
of events that move no money in core/features_other_events.py.
"""

from __future__ import annotations

import math
from bisect import bisect_right

from riskwarn.core.cycles import refunds
from riskwarn.core.events import Event, Login, ProfileChange, Transaction
from riskwarn.core.feature_row import FeatureRow
from riskwarn.core.features_context import (
    Prepared,
    _access,
    _common,
    _customer_txns,
    _failed,
    _on_trip,
    _since_h,
)
from riskwarn.core.features_other_events import _login, _profile_change, _repayment
from riskwarn.core.profile import (
    ABOVE_TYPICAL,
    BAND,
    C_BAND_N,
    C_BAND_SUM,
    C_CREDIT_SUM,
    C_DEBIT_N,
    C_DEBIT_SUM,
    C_HIGH_RISK_N,
    C_NEWCP_IN,
    C_NEWCP_SUM,
    C_OUT_SUM,
    C_OWN_IN,
    C_SMALL_CARD_N,
    CARD,
    CASH,
    DAY,
    DEBIT,
    HIGH_RISK,
    HOUR,
    MAX_COUNTERPARTIES,
    MAX_SMALL_SET,
    NEW_CP,
    OWN,
    SMALL_CARD,
    TRANSFER,
    CustomerProfile,
    bump,
    decayed,
    ew_sd,
    ew_update,
    raise_max,
    touch,
)

__all__ = ["CAP_RATIO", "Prepared", "baseline_ready", "observe", "typical_amount"]

CAP_RATIO = 1000.0


def observe(prof: CustomerProfile, event: Event, prep: Prepared) -> FeatureRow:
    """Feature row for `event`, then fold the event into `prof`."""
    ts = event.occurred_at.timestamp()
    if not prof.n_events:
        prof.first_seen = ts
    prof.n_events += 1
    if ts > prof.last_event:
        prof.last_event = ts
    if isinstance(event, Transaction):
        return _transaction(prof, event, ts, prep)
    if isinstance(event, Login):
        return _login(prof, event, ts, prep)
    if isinstance(event, ProfileChange):
        return _profile_change(prof, event, ts, prep)
    return _repayment(prof, event, ts, prep)


def _bits(prof: CustomerProfile, ev: Transaction, amount: float, ts: float, prep: Prepared
          ) -> int:
    """The ledger row's bits; the profile learns the counterparty (new ones are marked)."""
    method = ev.method
    debit = ev.direction == "debit"
    bits = DEBIT if debit else 0
    if method == "cash":
        bits |= CASH
        if prep.band_low <= amount < prep.cfg.thresholds.large_cash:
            bits |= BAND
    elif method == "card":
        bits |= CARD
        if debit and amount <= prep.small_card:
            bits |= SMALL_CARD
    else:
        bits |= TRANSFER
    cp = ev.counterparty_id
    if cp:
        if cp in prof.own_accounts:
            bits |= OWN
        elif touch(prof.counterparties, cp, ts, MAX_COUNTERPARTIES) and prof.n_events > 1:
            bits |= NEW_CP
    elif method not in ("cash", "card") and prof.n_events > 1:
        # a transfer that names no party: nobody can show the customer knows it, so it
        # counts as new (money from and to unnamed parties is not a familiar flow)
        bits |= NEW_CP
    if method != "card" and ev.counterparty_country in prep.high_risk:
        bits |= HIGH_RISK
    return bits


def _count_usual(prof: CustomerProfile, bits: int, amount: float, ts: float) -> None:
    """The decayed counters of what the customer usually does: cash in the reporting band,
    cash paid in (amount and days), transfers out to others and to new payees."""
    if bits & BAND:
        bump(prof.band_usual, ts)
    if bits & CASH and not bits & DEBIT:
        if prof.cash_days[1] // DAY != ts // DAY:  # (a late deposit may count its day again)
            bump(prof.cash_days, ts)
        bump(prof.cash_in, ts, amount)
    if bits & DEBIT and bits & TRANSFER and not bits & OWN:
        bump(prof.transfers_out, ts)
        if bits & NEW_CP:
            bump(prof.transfers_out_new, ts)


def _transaction(prof: CustomerProfile, ev: Transaction, ts: float, prep: Prepared
                 ) -> FeatureRow:
    amount = float(ev.amount) * prep.rates[ev.currency]
    debit = ev.direction == "debit"
    stats, largest = _kind(prof, ev)
    n_hist = stats[4]
    log_amount = math.log(amount)
    if n_hist:
        median = math.exp(stats[1])
        p95 = math.exp(stats[1] + 1.645 * ew_sd(stats))
        vs_median = min(amount / median, CAP_RATIO)
        vs_p95 = min(amount / p95, CAP_RATIO)
    else:
        vs_median = vs_p95 = 0.0
    vs_largest = 0.0
    if largest is not None:
        top = decayed(largest, ts)
        vs_largest = min(amount / top, CAP_RATIO) if top else 0.0
        raise_max(largest, ts, amount)
    days_idle = min((ts - prof.last_txn) / DAY, 400.0) if prof.last_txn else 0.0
    band_usual = decayed(prof.band_usual, ts)
    country_new, device_new = _access(prof, ev, ts)

    cp = ev.counterparty_id or ""
    bits = _bits(prof, ev, amount, ts, prep)
    if debit and vs_median >= prep.cfg.thresholds.split_multiple:
        bits |= ABOVE_TYPICAL
    cp_new = 1.0 if bits & NEW_CP else 0.0
    high_risk = 1.0 if bits & HIGH_RISK else 0.0
    touch(prof.own_accounts, ev.account_id, ts, MAX_SMALL_SET)

    led = prof.ledger
    led.add(ts, amount, bits, cp, ev.event_id)
    tl = led.ts
    hi = bisect_right(tl, ts)
    lo10m = bisect_right(tl, ts - 600.0)
    lo1h = bisect_right(tl, ts - HOUR)
    lo24 = bisect_right(tl, ts - DAY)
    lo72 = bisect_right(tl, ts - 3 * DAY)
    lo7d = bisect_right(tl, ts - 7 * DAY)
    cum = led.cum
    now = cum[hi]
    h1 = cum[lo1h]
    h24 = cum[lo24]
    h72 = cum[lo72]
    d_n1 = now[C_DEBIT_N] - h1[C_DEBIT_N]
    d_s1 = now[C_DEBIT_SUM] - h1[C_DEBIT_SUM]
    d_s24 = now[C_DEBIT_SUM] - h24[C_DEBIT_SUM]
    own72 = now[C_OWN_IN] - h72[C_OWN_IN]
    # Credits from other parties: money from the customer's own accounts is already theirs.
    c24 = now[C_CREDIT_SUM] - h24[C_CREDIT_SUM] - (now[C_OWN_IN] - h24[C_OWN_IN])
    c72 = now[C_CREDIT_SUM] - h72[C_CREDIT_SUM] - own72
    out24 = now[C_OUT_SUM] - h24[C_OUT_SUM]
    out72 = now[C_OUT_SUM] - h72[C_OUT_SUM]
    hourly = prof.hourly
    if debit:
        usual_n = hourly[1] if hourly[6] else 0.0
        usual_s = hourly[2] if hourly[6] else 0.0
        n_vs = d_n1 / usual_n if usual_n else 0.0
        s_vs = d_s1 / usual_s if usual_s else 0.0
        if ts >= hourly[3]:  # a late debit does not reopen a finished hour
            _hourly_update(hourly, amount, ts)
    else:
        n_vs = s_vs = 0.0
    _count_usual(prof, bits, amount, ts)
    ew_update(stats, log_amount, ts)
    if ts > prof.last_txn:
        if prof.last_txn and days_idle >= prep.cfg.thresholds.dormant_days:
            prof.woke_at, prof.dormant_spell_days = ts, days_idle
        prof.last_txn = ts
    f10, f60 = _failed(prof, ts) if prof.failed_logins else (0.0, 0.0)
    hour, tenure, since_cred = _common(prof, ts, prep)
    credit_median = typical_of(prof.credit_stats)
    debit_median = typical_of(prof.debit_stats)
    new_cp_out = now[C_NEWCP_SUM] - h24[C_NEWCP_SUM]
    new_cp_in = now[C_NEWCP_IN] - h72[C_NEWCP_IN]
    return {
        "amount": amount,
        "is_debit": 1.0 if debit else 0.0,
        "is_cash": 1.0 if bits & CASH else 0.0,
        "is_card": 1.0 if bits & CARD else 0.0,
        "is_transfer": 1.0 if bits & TRANSFER else 0.0,
        "amount_vs_median": vs_median,
        "amount_vs_p95": vs_p95,
        "amount_vs_largest": vs_largest,
        "history_txns": min(n_hist, 1000.0),
        "debit_count_1h": d_n1,
        "debit_sum_1h": d_s1,
        "debit_count_1h_vs_usual": min(n_vs, CAP_RATIO),
        "debit_sum_1h_vs_usual": min(s_vs, CAP_RATIO),
        "debit_sum_24h": d_s24,
        "credit_sum_24h": c24,
        "out_in_ratio_24h": min(out24 / c24, 5.0) if c24 else 0.0,
        "out_in_ratio_72h": min(out72 / c72, 5.0) if c72 else 0.0,
        "credit_sum_72h": c72,
        "band_count_72h": now[C_BAND_N] - h72[C_BAND_N],
        "band_sum_72h": now[C_BAND_SUM] - h72[C_BAND_SUM],
        "band_usual": band_usual * (30.0 / 43.28),  # decayed count → per month (τ ≈ 43.3 d)
        "days_since_last_txn": days_idle,
        "counterparty_new": cp_new,
        "counterparty_high_risk": high_risk,
        "high_risk_count_7d": now[C_HIGH_RISK_N] - cum[lo7d][C_HIGH_RISK_N],
        "new_cp_debit_sum_24h": new_cp_out,
        "own_inflow_72h": own72,
        "country_new": country_new,
        "device_new": device_new,
        "failed_logins_10m": f10,
        "failed_logins_1h": f60,
        "hours_since_credential_change": since_cred,
        "hours_since_new_access": _since_h(ts, prof.new_access_at),
        "new_access_strong": prof.new_access_strong,
        "small_card_10m": now[C_SMALL_CARD_N] - cum[lo10m][C_SMALL_CARD_N],
        "small_card_1h": now[C_SMALL_CARD_N] - h1[C_SMALL_CARD_N],
        "listed_mcc": 1.0 if ev.merchant_category in prep.risky_mcc else 0.0,
        "local_hour": hour,
        "days_past_due": 0.0, "partial_in_row": 0.0, "dpd_increase": 0.0, "repay_ratio": 0.0,
        "is_login": 0.0, "is_profile_change": 0.0, "is_repayment": 0.0, "login_failed": 0.0,
        "contact_change": 0.0, "weak_auth": 0.0,
        "tenure_days": tenure,
        "new_cp_credit_sum_72h": new_cp_in,
        "debit_24h_vs_median": _ratio(d_s24, debit_median),
        "inflow_24h_vs_median": _ratio(c24, credit_median),
        "new_payee_24h_vs_median": _ratio(new_cp_out, debit_median),
        "new_cp_credit_72h_vs_median": _ratio(new_cp_in, credit_median),
        "customer_txns": _customer_txns(prof),
        # on a refund to the card: the purchases refunded within hours over the last
        # day, this one included (one return is ordinary; again and again is abuse)
        "refund_cycles": float(len(refunds(led, ts, prep.cfg.thresholds)))
        if bits & CARD and not debit else 0.0,
        "on_trip": _on_trip(prof, ev.country, ts),
    }


def _kind(prof: CustomerProfile, ev: Transaction) -> tuple[list[float], list[float] | None]:
    """The statistics of the transaction's kind (card, other debits, credits) and, for
    debits, the kind's decayed largest amount."""
    if ev.direction != "debit":
        return prof.credit_stats, None
    if ev.method == "card":
        return prof.card_stats, prof.card_largest
    return prof.debit_stats, prof.debit_largest


def customer_known(row: FeatureRow, prep: Prepared) -> bool:
    """A customer we know: enough transactions of any kind to compare with its own (with
    customer baselines); under that it has little history."""
    return (prep.cfg.customer_baselines
            and row["customer_txns"] >= prep.cfg.thresholds.baseline_min_txns)


def baseline_ready(row: FeatureRow, prep: Prepared) -> bool:
    """Enough history of the transaction's kind to measure it against the customer's own."""
    return (prep.cfg.customer_baselines
            and row["history_txns"] >= prep.cfg.thresholds.baseline_min_txns)


def typical_amount(prof: CustomerProfile, first_of: Transaction | None = None) -> float:
    """The customer's largest typical amount of any kind (card, other debits, credits).
    `first_of`: a transaction the profile has just applied as the first of its kind, whose
    kind's typical amount is then that transaction itself and is left out."""
    own = None if first_of is None else _kind(prof, first_of)[0]
    return max((typical_of(s) for s in (prof.card_stats, prof.debit_stats, prof.credit_stats)
                if s is not own), default=0.0)


def typical_of(stats: list[float]) -> float:
    """The customer's typical amount of one kind (0 before any history)."""
    return math.exp(stats[1]) if stats[4] else 0.0


def _ratio(value: float, typical: float) -> float:
    return min(value / typical, CAP_RATIO) if typical else 0.0


def _hourly_update(hourly: list[float], amount: float, ts: float) -> None:
    """Usual debits per active hour: [w, mean count, mean sum, bucket start, bucket count,
    bucket sum, hours seen]. An hour is folded into the means once it is over, so a burst
    never raises the baseline it is compared with."""
    w, mean_n, mean_s, start, count, total, seen = hourly
    if ts < start + HOUR and count:
        hourly[4] = count + 1.0
        hourly[5] = total + amount
        return
    if count:
        decay = math.exp(-(ts - start) / (30 * DAY)) if w else 1.0
        w = w * decay + 1.0
        hourly[0] = w
        hourly[1] = mean_n + (count - mean_n) / w
        hourly[2] = mean_s + (total - mean_s) / w
        hourly[6] = seen + 1.0
    hourly[3], hourly[4], hourly[5] = ts, 1.0, amount
