"""A counterparty's standing in the book: which of our customers it has paid how much, and
since when. Kept in the network state (core/network.py: the DynamoDB table in the stream,
memory in the backtest) beside the account's hops.

An account the book trades with is a broker, an exchange, a payment institution, a
wholesaler, an employer: the money it is paid comes back to our customers. It is
*established* for a payment when it was first seen weeks ago and has paid several of our
other customers sums of this payment's size (`Standing.pays_out`: a broker's redemptions,
an exchange's withdrawals, wages). A fraudster's or a mule's collecting account is paid by
victims and pays none of our customers, or pays small sums around it (a person's account
is paid by and pays a handful of others: no sign of trade), or is new. What that answers,
each held at low with the reason (staff see it at low; another typology on the event, a
confirmed case's mark on the account or a model that alone reaches medium still raise it):
- an unusual amount paid to such an account (`hold_unusual`);
- a one-hop chain receipt from it: a payout, not a hop (core/network.receipt);
- its own trade (`hold_own_trade`): money it receives and passes on within hours (rapid
  movement, pass-through) and a large payment of the size it pays our customers anyway.
The conduit (strangers' money far beyond the customer's scale) and the chains still read
the money passing through such an account: money laundered out through a broker is the
mule's finding, not the amount's.

Bounds: `payouts` keeps, per power of two of the sum paid (`band`), at most `BAND_CAP` of
the customers it paid that much (as 32-bit hashes of their ids: two customers share a hash
about once in 4 billion pairs), so a flood of small payouts never hides the large ones;
`since` is the first time any customer of ours dealt with it.
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

BAND_CAP = 8  # customers kept per band of payouts
MAX_BAND = 47  # 2^47: beyond any single payment
REFRESH_S = 7 * DAY  # an account's item is written again this often (its TTL)
UNUSUAL = "FRAUD-UNUSUAL-AMOUNT"
PASSING = ("AML-RAPID-MOVEMENT", "AML-PASS-THROUGH")


def customer_key(customer_id: str) -> int:
    return zlib.crc32(customer_id.encode())


def band(amount: float) -> int:
    """The power of two a sum falls in (1–2: 0, 2–4: 1, ...): the scale of a payout."""
    return min(int(math.log2(amount)), MAX_BAND) if amount >= 1.0 else 0


@dataclass(frozen=True, slots=True)
class Standing:
    """`payouts`: band -> customers this account paid a sum of that band (at most
    BAND_CAP a band); `since`: first seen; `seen`: last written (epoch seconds)."""

    since: float = 0.0
    seen: float = 0.0
    payouts: Mapping[int, frozenset[int]] = field(default_factory=dict)

    def paid_at_scale(self, customer_id: str, amount: float, bands: int) -> int:
        """Other customers it paid a sum within `bands` powers of two below `amount`'s
        (bands 2: about a quarter of it or more) or above (the one asking left out)."""
        me, low = customer_key(customer_id), band(amount) - bands
        paid: set[int] = set()
        for b, keys in self.payouts.items():
            if b >= low:
                paid |= keys
        paid.discard(me)
        return len(paid)

    def pays_out(self, customer_id: str, ts: float, amount: float, prep: Prepared) -> str:
        """Whether the account pays our customers sums of `amount`'s size, and has for
        weeks: its payouts to ≥ established_payouts of our other customers, first seen ≥
        established_days before `ts` (the grounds, in words; "" if not)."""
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
    """What a batch adds to an account's standing: customers it paid, by band; the
    earliest time seen; `refresh`: written although nothing is new (its TTL)."""

    since: float
    payouts: dict[int, set[int]] = field(default_factory=dict)
    refresh: bool = False


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
    - what the batch adds to its counterparties' standing (the write): customers it paid,
      in a band where they are not yet counted and there is room; accounts first seen,
      and those whose last write is older than REFRESH_S, are written whatever is new
      (their items' TTL).
    `rates`: to the base currency (a payout's band is of its value there)."""
    now = dict(known)
    before: dict[int, Standing] = {}
    span: dict[str, tuple[float, float]] = {}  # account -> the batch's first and last dealing
    for ts, i, ev in dealt:
        account = str(ev.counterparty_id)
        was = now.get(account)
        if was is not None:
            before[i] = was
        span[account] = (span.get(account, (ts, ts))[0], ts)
        was = was or Standing(ts, ts)
        payouts = was.payouts
        if ev.direction != "debit":  # the account paid our customer: at which scale
            key, b = customer_key(ev.customer_id), band(float(ev.amount) * rates[ev.currency])
            at = payouts.get(b, frozenset())
            if key not in at and len(at) < BAND_CAP:
                payouts = {**payouts, b: at | {key}}
        if ts < was.since or payouts is not was.payouts or account not in now:
            now[account] = Standing(min(was.since, ts), max(was.seen, ts), payouts)
    added: dict[str, Note] = {}
    for account, (first, last) in span.items():
        was, grown = known.get(account, Standing()), now[account]
        stale = not was.seen or last - was.seen >= REFRESH_S
        paid = {b: set(keys - was.payouts.get(b, frozenset()))
                for b, keys in grown.payouts.items()}
        paid = {b: keys for b, keys in paid.items() if keys}
        if paid or stale:
            added[account] = Note(first, paid, stale)
    return before, added


def merged(was: Standing | None, note: Note, at: float) -> Standing:
    """An account's standing with a batch's note applied (the memory store's write)."""
    was = was or Standing()
    payouts = dict(was.payouts)
    for b, keys in note.payouts.items():
        payouts[b] = payouts.get(b, frozenset()) | keys
    return Standing(min(was.since, note.since) if was.since else note.since,
                    max(was.seen, at), payouts)


def hold_unusual(ev: Event, hits: list[Hit], found: Standing | None,
                 marked: Collection[str], prep: Prepared) -> list[Hit]:
    """An unusual amount paid to an established counterparty, held at low (the top of low:
    with another typology on the event it still adds its weight). `found`: the payee's
    standing just before the payment (`walk`; None for anything but a payment to another
    account). An account `marked` by a confirmed mule or fraud case (core/network.Link) is
    no counterparty the book trades with, whatever it paid."""
    # this one payment's amount; not a split over several new payees (its evidence names
    # them all): that one's sign is the spread to strangers, which one payee does not answer
    own = (ev.event_id,)
    grounds = _trade(ev, hits, found, lambda h: _single(h, own), marked, prep)
    if not grounds:
        return hits
    assert isinstance(ev, Transaction)  # what _trade found grounds for
    return _held(hits, lambda h: _single(h, own),
                 f"; held at low: paid to {ev.counterparty_id}, a counterparty the book trades "
                 f"with ({grounds})", prep)


def own_trade(h: Hit, event_id: str) -> bool:
    """A hit the account's own standing may answer: money passed through it (a rapid
    movement, not a conduit's; a pass-through) or an unusual amount of this one payment."""
    return (h.code in PASSING and not h.conduit) or _single(h, (event_id,))


def hold_own_trade(ev: Event, hits: list[Hit], own: Standing | None,
                   marked: Collection[str], prep: Prepared) -> list[Hit]:
    """What an account whose trade it is does, held at low with the reason: it has paid
    our other customers sums of this debit's size for weeks (`own`: the standing in the
    book of the event's own account, as the batch read it; `Standing.pays_out`) — a
    broker, an exchange, a payment institution. Money it receives and sends on within
    hours, and a payment of the size it pays our customers anyway, are its business, as an
    unusual amount paid to such an account is. A conduit's strangers' money, another
    typology, a confirmed case on the account (`marked`) or a model that alone reaches
    medium still raise it. A mule pays the next hop, not our customers around it at that
    scale. The cost: a takeover of such an account paying out at its usual size is the
    takeover typologies' and the model's to find."""
    grounds = _trade(ev, hits, own, lambda h: own_trade(h, ev.event_id), marked, prep,
                     own_account=True)
    if not grounds:
        return hits
    held = _held(hits, lambda h: own_trade(h, ev.event_id),
                 f"; held at low: this account pays our customers sums of this size "
                 f"({grounds})", prep)
    # the rapid movement and the pass-through of one flow, both held, are one finding
    rapid = any(h.code == PASSING[0] for h in held)
    return [replace(h, restates=PASSING[0]) if rapid and h.code == PASSING[1]
            and own_trade(h, ev.event_id) else h for h in held]


def _trade(ev: Event, hits: list[Hit], standing: Standing | None,
           which: Callable[[Hit], bool], marked: Collection[str], prep: Prepared,
           own_account: bool = False) -> str:
    """The grounds on which `standing` answers the hits `which` picks on the debit `ev`
    (`Standing.pays_out` at the debit's amount; "" when it does not): the payee's standing,
    or with `own_account` the paying account's own. A `marked` account answers nothing."""
    if (standing is None or not prep.cfg.customer_baselines or not isinstance(ev, Transaction)
            or ev.direction != "debit"
            or (ev.account_id if own_account else ev.counterparty_id) in marked
            or not any(which(h) for h in hits)):
        return ""
    return standing.pays_out(ev.customer_id, ev.occurred_at.timestamp(),
                             float(ev.amount) * prep.rates[ev.currency], prep)


def _single(h: Hit, own: tuple[str, ...]) -> bool:
    return h.code == UNUSUAL and h.evidence == own


def _held(hits: list[Hit], which: Callable[[Hit], bool], note: str, prep: Prepared
          ) -> list[Hit]:
    """The hits `which` picks at the top of low at most, the note added to their reason
    (with another typology on the event they still add their weight)."""
    low = prep.cfg.tiers.medium - 1
    return [replace(h, score=min(h.score, low), reason=h.reason + note) if which(h) else h
            for h in hits]
