"""Cycles on one customer's ledger, matched row to row: money that comes back as it went (a
card purchase refunded by the same merchant) or goes on as it came (an inflow forwarded
almost whole). One implementation for the rules (FRAUD-REFUND-ABUSE, AML-PASS-THROUGH by
forwarding) and the model's input `refund_cycles`.

Each closing row takes the latest row still open before it (at the same party, when the
party matters) within the time limit whose amount it matches: at least `share` of it, not
more. A row closes one cycle at most and is closed at most once.
"""

from __future__ import annotations

from riskwarn.core.config import TypologyThresholds
from riskwarn.core.profile import CARD, DEBIT, HOUR, OWN, TxnLedger

Pairs = list[tuple[int, int]]  # (opening row, closing row), ledger indices


def matched(led: TxnLedger, lo: int, hi: int, *, need: int, skip: int, open_debit: bool,
            within_s: float, share: float, by_party: bool) -> Pairs:
    """Cycles among rows lo..hi-1 that carry every bit of `need` and none of `skip`: a row
    opens when its direction is `open_debit`, and the other direction closes."""
    pending: dict[str, list[int]] = {}
    pairs: Pairs = []
    for i in range(lo, hi):
        bits = led.bits[i]
        if bits & skip or bits & need != need:
            continue
        key = led.counterparties[i] if by_party else ""
        if by_party and not key:
            continue
        if bool(bits & DEBIT) == open_debit:
            pending.setdefault(key, []).append(i)
            continue
        rows = pending.get(key)
        if not rows:
            continue
        amount, at = led.amounts[i], led.ts[i]
        for k in range(len(rows) - 1, -1, -1):
            j = rows[k]
            if at - led.ts[j] > within_s:
                break
            if share * led.amounts[j] <= amount <= led.amounts[j]:
                pairs.append((j, i))
                del rows[k]
                break
    return pairs


def refunds(led: TxnLedger, ts: float, t: TypologyThresholds) -> Pairs:
    """Card purchases refunded by the same merchant within `refund_within_h`, over the
    `refund_window_h` before `ts`."""
    lo, hi = led.window(ts - t.refund_window_h * HOUR, ts)
    return matched(led, lo, hi, need=CARD, skip=OWN, open_debit=True,
                   within_s=t.refund_within_h * HOUR, share=t.refund_share, by_party=True)


def forwards(led: TxnLedger, ts: float, t: TypologyThresholds) -> Pairs:
    """Inflows from other parties sent on almost whole by one debit within
    `forward_within_h`, over the `forward_window_h` before `ts` (card spending and the
    customer's own accounts are not sending on)."""
    lo, hi = led.window(ts - t.forward_window_h * HOUR, ts)
    return matched(led, lo, hi, need=0, skip=OWN | CARD, open_debit=False,
                   within_s=t.forward_within_h * HOUR, share=t.forward_share, by_party=False)


def closes_latest(led: TxnLedger, pairs: Pairs, event_id: str, least: int) -> bool:
    """At least `least` cycles, and the event `event_id` closes the latest of them: a rule
    on cycles fires on the row that completes them, once."""
    return len(pairs) >= least and led.event_ids[pairs[-1][1]] == event_id
