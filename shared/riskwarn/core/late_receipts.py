"""Receipts whose payer's hop was not written yet: the receiving end of a chain whose legs
are scored by different shards at the same moment.

A transfer from B to C is two events: B's debit (on B's shard: the passage that writes
B's hop) and C's credit (on C's shard: the receipt that looks the hop up). Both legs
arrive together, so C's shard often reads B's account before B's shard has written the
hop. A credit of at least `chain_pending_floor` from an account new to C that no hop
explained is therefore kept on C's profile for `chain_window_h` (at most MAX_PENDING),
and looked at again — against the state read for the batch, the payer's account
included — whenever C's profile is scored next: C's next event, or the recheck record the
stream puts on C's shard right after the batch that kept it (runtime/stream.py), so a
collecting account that never moves again is found too. A receipt found late is raised
on the credit itself (its alert id is the one it would have had), through the same rules
and alert lifecycle as one found at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

from riskwarn.core.events import Transaction
from riskwarn.core.features import Prepared
from riskwarn.core.network import AccountFlows, Finding, receipt
from riskwarn.core.profile import HOUR, CustomerProfile
from riskwarn.core.standing import Standing

MAX_PENDING = 8


def keep(prof: CustomerProfile, ev: Transaction, amount: float, prep: Prepared) -> bool:
    """Keep a credit no hop explained, if it is large enough; whether it was kept."""
    if amount < prep.cfg.thresholds.chain_pending_floor or not ev.counterparty_id:
        return False
    if ev.counterparty_id in prof.own_accounts:  # money from its own account
        return False
    pending = prof.pending_receipts
    if any(p[1] == ev.event_id for p in pending):
        return False
    pending.append((ev.occurred_at.timestamp(), ev.event_id, ev.counterparty_id,
                    round(amount, 2), ev.account_id, ev.channel))
    pending.sort(key=lambda p: p[0])
    del pending[:-MAX_PENDING]
    return True


def payers(profiles: Mapping[str, CustomerProfile], customers: Iterable[str]) -> set[str]:
    """The payer accounts of the customers' waiting receipts (to read with the batch)."""
    return {p[2] for c in customers if c in profiles for p in profiles[c].pending_receipts}


def recheck(profiles: Mapping[str, CustomerProfile], customers: Collection[str],
            state: Mapping[str, AccountFlows], prep: Prepared,
            standing: Mapping[str, Standing] | None = None
            ) -> list[tuple[Transaction, Finding]]:
    """The customers' waiting receipts that a hop now explains, each with its credit (as
    the profile kept it) and its finding; those and the expired ones stop waiting.
    `standing`: the payers' standing in the book as read (core/network.receipt)."""
    standing = standing or {}
    window = prep.cfg.thresholds.chain_window_h * HOUR
    out: list[tuple[Transaction, Finding]] = []
    for cid in customers:
        prof = profiles.get(cid)
        if prof is None or not prof.pending_receipts:
            continue
        still: list[tuple[float, str, str, float, str, str]] = []
        for entry in prof.pending_receipts:
            ts, event_id, payer, amount, account, channel = entry
            if prof.last_event - ts > window:
                continue  # expired: a hop written this late is no longer this credit's
            found = receipt(-1, event_id, account, payer, amount, ts, state, prep, cid,
                            standing.get(payer))
            if found is None:
                still.append(entry)
                continue
            credit = Transaction.model_construct(  # as it was validated when it came
                event_type="transaction", event_id=event_id,
                occurred_at=datetime.fromtimestamp(ts, UTC), customer_id=cid,
                channel=channel, account_id=account,  # type: ignore[arg-type]
                amount=Decimal(f"{amount:.2f}"), currency=prep.cfg.reporting_currency,
                direction="credit", method="transfer", counterparty_id=payer)
            out.append((credit, found))
        prof.pending_receipts = still
    return out
