"""A counterparty's standing in the book: how many of our customers have paid it, how many
it has paid, and since when. Kept in the network state (core/network.py: the DynamoDB
table in the stream, memory in the backtest) beside the account's hops.

An account the book trades with is a broker, an exchange, a payment institution, a
wholesaler, an employer. It is *established* for a payment when it was first seen weeks
ago and either
- many of our customers pay it *and* it pays many of them (two-way trade), or
- it has paid several of our other customers sums of this payment's size (the money comes
  back: a broker's redemptions, an exchange's withdrawals, wages).
A large payment to it is unusual for the customer (FRAUD-UNUSUAL-AMOUNT fires) but is not
what an unusual amount warns of: a fraudster's or a mule's collecting account is paid by
victims and pays none of our customers, or pays on small sums, or is new. So an unusual
amount paid to an established counterparty is held at low (`hold_unusual`): staff see it
at low, with the reason, and it
stands only with other typologies on the event or a model that alone reaches medium. The
flow typologies (rapid movement, conduit, chains) still read the money passing through
such an account: money laundered out through a broker is the mule's finding, not the
amount's.

Bounds: each side keeps at most `CAP` customers (as 32-bit hashes of their ids: two
customers share a hash about once in 4 billion pairs), enough for the thresholds (which
must stay under it); `payouts` keeps, per power of two of the sum paid (`band`), at most
`BAND_CAP` of the customers it paid that much, so a flood of small payouts never hides
the large ones; `since` is the first time any customer of ours dealt with it.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from riskwarn.core.events import Event, Transaction
from riskwarn.core.profile import DAY

if TYPE_CHECKING:
    from riskwarn.core.features import Prepared
    from riskwarn.core.hits import Hit

CAP = 16  # customers kept per side
BAND_CAP = 8  # customers kept per band of payouts
MAX_BAND = 47  # 2^47: beyond any single payment
REFRESH_S = 7 * DAY  # an established account's item is written again this often (its TTL)
UNUSUAL = "FRAUD-UNUSUAL-AMOUNT"
PASSING = ("AML-RAPID-MOVEMENT", "AML-PASS-THROUGH")


def customer_key(customer_id: str) -> int:
    return zlib.crc32(customer_id.encode())


def band(amount: float) -> int:
    """The power of two a sum falls in (1–2: 0, 2–4: 1, ...): the scale of a payout."""
    return min(int(math.log2(amount)), MAX_BAND) if amount >= 1.0 else 0


@dataclass(frozen=True, slots=True)
class Standing:
    """`payers`: customers that paid this account; `payees`: customers it paid (hashed,
    at most CAP each); `payouts`: band -> customers it paid a sum of that band (at most
    BAND_CAP a band); `since`: first seen; `seen`: last written (epoch seconds)."""

    since: float = 0.0
    seen: float = 0.0
    payers: frozenset[int] = frozenset()
    payees: frozenset[int] = frozenset()
    payouts: Mapping[int, frozenset[int]] = field(default_factory=dict)

    def counts(self, customer_id: str) -> tuple[int, int]:
        """Other customers that paid it, and that it paid (the one asking left out)."""
        me = customer_key(customer_id)
        return len(self.payers - {me}), len(self.payees - {me})

    def paid_at_scale(self, customer_id: str, amount: float, bands: int) -> int:
        """Other customers it paid a sum within `bands` powers of two below `amount`'s
        (bands 2: about a quarter of it or more) or above."""
        me, low = customer_key(customer_id), band(amount) - bands
        paid: set[int] = set()
        for b, keys in self.payouts.items():
            if b >= low:
                paid |= keys
        paid.discard(me)
        return len(paid)

    def grounds(self, customer_id: str, ts: float, amount: float, prep: Prepared) -> str:
        """Why the book trades with this account, for a payment of `amount` by
        `customer_id` at `ts` ("" when it is not established)."""
        t = prep.cfg.thresholds
        days = (ts - self.since) / DAY
        if days < t.established_days:
            return ""
        paid_by, paid = self.counts(customer_id)
        if paid_by >= t.established_payers and paid >= t.established_payees:
            return (f"paid by {paid_by}{'+' if paid_by >= CAP - 1 else ''} of our customers "
                    f"and paying {paid}{'+' if paid >= CAP - 1 else ''} of them, for "
                    f"{days:.0f} days")
        return self.pays_out(customer_id, ts, amount, prep)

    def pays_out(self, customer_id: str, ts: float, amount: float, prep: Prepared) -> str:
        """Whether the account pays our customers sums of `amount`'s size, and has for
        weeks: its payouts to ≥ established_payouts of our other customers ("" if not)."""
        t = prep.cfg.thresholds
        days = (ts - self.since) / DAY
        if days < t.established_days:
            return ""
        at_scale = self.paid_at_scale(customer_id, amount, t.established_scale_bands)
        if at_scale < t.established_payouts:
            return ""
        return (f"it has paid {at_scale} of our other customers sums of this size, "
                f"dealing with the book for {days:.0f} days")


@dataclass(slots=True)
class Note:
    """What a batch adds to an account's standing: customers that paid it and that it
    paid (and at which band), the earliest time seen; `refresh`: written although nothing
    is new (its TTL)."""

    since: float
    payers: set[int] = field(default_factory=set)
    payees: set[int] = field(default_factory=set)
    refresh: bool = False
    payouts: dict[int, set[int]] = field(default_factory=dict)


Dealing = tuple[float, int, Transaction]  # when, the event's index in the batch, the event


def _dealt(ev: Event) -> bool:
    """A transfer between accounts (no card payment at a shop, no cash): what standing
    counts."""
    return (isinstance(ev, Transaction) and bool(ev.counterparty_id)
            and ev.method not in ("card", "cash") and ev.counterparty_id != ev.account_id)


def dealings(events: Sequence[Event]) -> list[Dealing]:
    """The batch's transfers between accounts, in time order across its customers."""
    out = [(ev.occurred_at.timestamp(), i, ev) for i, ev in enumerate(events)
           if _dealt(ev)]
    out.sort(key=lambda d: (d[0], d[1]))
    return out  # type: ignore[return-value]


def counterparties(dealt: Sequence[Dealing]) -> set[str]:
    return {str(ev.counterparty_id) for _, _, ev in dealt}


def walk(dealt: Sequence[Dealing], known: Mapping[str, Standing], rates: Mapping[str, float]
         ) -> tuple[dict[int, Standing], dict[str, Note]]:
    """One pass over the batch's dealings, in time order across its customers:
    - the standing of each dealing's counterparty (payee or payer) just before it (by the
      event's index): the standing read, with the batch's earlier events added, as if each
      had been written before the next was scored;
    - what the batch adds to its counterparties' standing (the write): customers not yet
      counted on a side with room left; accounts first seen, and those whose last write is
      older than REFRESH_S, are written whatever is new (their items' TTL).
    `rates`: to the base currency (a payout's band is of its value there)."""
    now = dict(known)
    before: dict[int, Standing] = {}
    span: dict[str, tuple[float, float]] = {}  # account -> the batch's first and last dealing
    for ts, i, ev in dealt:
        account, debit = str(ev.counterparty_id), ev.direction == "debit"
        was = now.get(account)
        if was is not None:
            before[i] = was
        span[account] = (span.get(account, (ts, ts))[0], ts)
        was = was or Standing(ts, ts)
        key = customer_key(ev.customer_id)
        side = was.payers if debit else was.payees
        grow = key not in side and len(side) < CAP
        payouts = was.payouts
        if not debit:  # the account paid our customer: at which scale
            b = band(float(ev.amount) * rates[ev.currency])
            at = payouts.get(b, frozenset())
            if key not in at and len(at) < BAND_CAP:
                payouts = {**payouts, b: at | {key}}
        if grow or ts < was.since or payouts is not was.payouts:
            side = side | {key} if grow else side
            now[account] = Standing(min(was.since, ts), max(was.seen, ts),
                                    side if debit else was.payers,
                                    was.payees if debit else side, payouts)
    added: dict[str, Note] = {}
    for account, (first, last) in span.items():
        was, grown = known.get(account, Standing()), now[account]
        stale = not was.seen or last - was.seen >= REFRESH_S
        payers, payees = set(grown.payers - was.payers), set(grown.payees - was.payees)
        paid = {b: set(keys - was.payouts.get(b, frozenset()))
                for b, keys in grown.payouts.items()}
        paid = {b: keys for b, keys in paid.items() if keys}
        if payers or payees or paid or stale:
            added[account] = Note(first, payers, payees, stale, paid)
    return before, added


def merged(was: Standing | None, note: Note, at: float) -> Standing:
    """An account's standing with a batch's note applied (the memory store's write)."""
    was = was or Standing()
    payouts = dict(was.payouts)
    for b, keys in note.payouts.items():
        payouts[b] = payouts.get(b, frozenset()) | keys
    return Standing(min(was.since, note.since) if was.since else note.since,
                    max(was.seen, at), was.payers | note.payers, was.payees | note.payees,
                    payouts)


def hold_unusual(ev: Event, hits: list[Hit], found: Standing | None,
                 marked: Collection[str], prep: Prepared) -> list[Hit]:
    """An unusual amount paid to an established counterparty, held at low (the top of low:
    with another typology on the event it still adds its weight). `found`: the payee's
    standing just before the payment (`walk`; None for anything but a payment to another
    account). An account `marked` by a
    confirmed mule or fraud case (core/network.Link) is no counterparty the book trades
    with, however many customers dealt with it."""
    # this one payment's amount; not a split over several new payees (its evidence names
    # them all): that one's sign is the spread to strangers, which one payee does not answer
    own = (ev.event_id,)
    ts = ev.occurred_at.timestamp()
    if (found is None or not prep.cfg.customer_baselines or not isinstance(ev, Transaction)
            or ev.counterparty_id in marked
            or not any(h.code == UNUSUAL and h.evidence == own for h in hits)):
        return hits
    grounds = found.grounds(ev.customer_id, ts, float(ev.amount) * prep.rates[ev.currency],
                            prep)
    if not grounds:
        return hits
    return _held(hits, lambda h: h.code == UNUSUAL and h.evidence == own,
                 f"; held at low: paid to {ev.counterparty_id}, a counterparty the book trades "
                 f"with ({grounds})", prep)


def passes_on(h: Hit) -> bool:
    """Money passed through the account, which its own standing may answer: a rapid
    movement (not a conduit's) or a pass-through."""
    return h.code in PASSING and not h.conduit


def hold_passing_on(ev: Event, hits: list[Hit], own: Standing | None,
                    marked: Collection[str], prep: Prepared) -> list[Hit]:
    """Money received and sent on within hours by an account whose business that is: it
    has paid our other customers sums of this size for weeks (`own`: the standing in the
    book of the event's own account, as the batch read it; `Standing.pays_out`) — a
    broker, an exchange, a payment institution passing clients' money on. Held at low with
    the reason, as an unusual amount paid to such an account is; a conduit's strangers'
    money, another typology, a confirmed case on the account (`marked`) or a model that
    alone reaches medium still raise it. A mule pays the next hop, not our customers
    around it at that scale."""
    if (own is None or not prep.cfg.customer_baselines or not isinstance(ev, Transaction)
            or ev.direction != "debit" or ev.account_id in marked
            or not any(passes_on(h) for h in hits)):
        return hits
    amount = float(ev.amount) * prep.rates[ev.currency]
    grounds = own.pays_out(ev.customer_id, ev.occurred_at.timestamp(), amount, prep)
    if not grounds:
        return hits
    held = _held(hits, passes_on, f"; held at low: this account pays our customers sums "
                                  f"of this size ({grounds})", prep)
    # the rapid movement and the pass-through of one flow, both held, are one finding
    rapid = any(h.code == PASSING[0] for h in held)
    return [replace(h, restates=PASSING[0]) if rapid and h.code == PASSING[1] and passes_on(h)
            else h for h in held]


def _held(hits: list[Hit], which: Callable[[Hit], bool], note: str, prep: Prepared
          ) -> list[Hit]:
    """The hits `which` picks at the top of low at most, the note added to their reason
    (with another typology on the event they still add their weight)."""
    low = prep.cfg.tiers.medium - 1
    return [replace(h, score=min(h.score, low), reason=h.reason + note) if which(h) else h
            for h in hits]
