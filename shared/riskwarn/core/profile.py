"""Per-customer state the features need, bounded in size, with a serialisable form.

`CustomerProfile` is the working object (plain slots: the hot path mutates it per event);
`ProfileState` is its pydantic form, versioned, for stores. Bounds (docs/architecture.md):
at most MAX_TXNS transactions over the last 7 days, MAX_COUNTERPARTIES counterparties,
MAX_SMALL_SET devices / countries / own accounts, MAX_FAILED_LOGINS failed logins,
MAX_REPAYMENTS repayments and MAX_ACCESS logins and profile changes over the last 7 days —
about 28 KB as JSON at worst, far under DynamoDB's 400 KB item.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

HOUR = 3600.0  # seconds: the one definition the scoring core's modules share
DAY = 86_400.0
WEEK = 7 * DAY
MAX_TXNS = 256
MAX_COUNTERPARTIES = 200
MAX_SMALL_SET = 8
MAX_FAILED_LOGINS = 20
MAX_REPAYMENTS = 12
MAX_ACCESS = 32
NEW_DEVICE, NEW_COUNTRY = 1, 2  # an access entry's flags
MAX_SEEN = 128  # event ids remembered for idempotency (a redelivery within them is ignored)
UNKNOWN_CONTENT = -1  # an id remembered before contents were (any content counts as the same)
Applied = Literal["new", "again", "conflict"]
# Exponentially weighted statistics: a 30-day half-life keeps ~7/8 of the weight in 90 days.
HALF_LIFE = 30 * 86_400.0
TAU = HALF_LIFE / math.log(2)

# Bits describing a ledger row.
DEBIT = 1
CASH = 2
CARD = 4
TRANSFER = 8
OWN = 16
NEW_CP = 32
BAND = 64  # cash of 50–100 % of the reporting threshold
SMALL_CARD = 128
HIGH_RISK = 256
# a debit of at least split_multiple × the customer's typical amount of its kind when it was
# made (the typical before it): what FRAUD-UNUSUAL-AMOUNT's split over new payees sums
ABOVE_TYPICAL = 512

# Cumulative columns kept per ledger row (prefix sums: any window is one subtraction).
C_DEBIT_N, C_DEBIT_SUM, C_CREDIT_SUM, C_OUT_SUM, C_BAND_N, C_BAND_SUM = range(6)
C_NEWCP_SUM, C_OWN_IN, C_SMALL_CARD_N, C_HIGH_RISK_N, C_NEWCP_IN = range(6, 11)
N_CUM = 11


class TxnLedger:
    """A customer's transactions of the last 7 days, time-ordered, with prefix sums so a
    window aggregate costs two bisects and a subtraction: `cum[i]` holds the totals of
    rows before i, one tuple per row (columns C_*)."""

    __slots__ = ("amounts", "bits", "counterparties", "cum", "event_ids", "ts")

    def __init__(self) -> None:
        self.ts: list[float] = []
        self.amounts: list[float] = []
        self.bits: list[int] = []
        self.counterparties: list[str] = []
        self.event_ids: list[str] = []
        self.cum: list[tuple[float, ...]] = [_ZERO]

    def __len__(self) -> int:
        return len(self.ts)

    def add(self, ts: float, amount: float, bits: int, counterparty: str, event_id: str) -> None:
        if self.ts and ts < self.ts[-1]:
            self._insert_late(ts, amount, bits, counterparty, event_id)
            return
        self.ts.append(ts)
        self.amounts.append(amount)
        self.bits.append(bits)
        self.counterparties.append(counterparty)
        self.event_ids.append(event_id)
        self.cum.append(_next_cum(self.cum[-1], amount, bits))
        if len(self.ts) > MAX_TXNS or ts - self.ts[0] > WEEK + 86_400.0:
            self._trim(ts)

    def window(self, start: float, end: float) -> tuple[int, int]:
        """Row range [lo, hi) with start < ts <= end."""
        return bisect_right(self.ts, start), bisect_right(self.ts, end)

    def _insert_late(
        self, ts: float, amount: float, bits: int, counterparty: str, event_id: str
    ) -> None:
        at = bisect_right(self.ts, ts)
        self.ts.insert(at, ts)
        self.amounts.insert(at, amount)
        self.bits.insert(at, bits)
        self.counterparties.insert(at, counterparty)
        self.event_ids.insert(at, event_id)
        self.rebuild()
        if len(self.ts) > MAX_TXNS:
            self._trim(self.ts[-1])

    def _trim(self, now: float) -> None:
        """Drop rows older than 7 days (and past MAX_TXNS). Prefix sums stay valid: every
        window total is a difference, so the dropped rows' base simply stays in cum[0]."""
        cut = max(bisect_left(self.ts, now - WEEK), len(self.ts) - MAX_TXNS)
        if cut <= 0:
            return
        for seq in (self.ts, self.amounts, self.bits, self.counterparties, self.event_ids):
            del seq[:cut]
        del self.cum[:cut]

    def rebuild(self) -> None:
        cum = [_ZERO]
        for amount, bits in zip(self.amounts, self.bits, strict=True):
            cum.append(_next_cum(cum[-1], amount, bits))
        self.cum = cum


_ZERO: tuple[float, ...] = (0.0,) * N_CUM


def _next_cum(prev: tuple[float, ...], amount: float, bits: int) -> tuple[float, ...]:
    d_n, d_s, c_s, out, band_n, band_s, newcp, own_in, small, risky, newcp_in = prev
    if bits & DEBIT:
        d_n += 1.0
        d_s += amount
        if not bits & (OWN | CARD):  # sent on: transfers and cash, not spending at shops
            out += amount
        if bits & NEW_CP and not bits & CARD:  # transfers to new payees, not new shops
            newcp += amount
        if bits & SMALL_CARD:
            small += 1.0
    else:
        c_s += amount
        if bits & OWN:
            own_in += amount
        elif bits & NEW_CP:
            newcp_in += amount
    if bits & BAND:
        band_n += 1.0
        band_s += amount
    if bits & HIGH_RISK:
        risky += 1.0
    return (d_n, d_s, c_s, out, band_n, band_s, newcp, own_in, small, risky, newcp_in)


def ew_update(stats: list[float], x: float, ts: float) -> None:
    """Time-decayed weighted mean/variance: stats = [weight, mean, m2, last_ts, n]."""
    w, mean, m2, last, n = stats
    decay = math.exp(-(ts - last) / TAU) if ts > last and w else 1.0
    w = w * decay + 1.0
    delta = x - mean
    mean += delta / w
    m2 = m2 * decay + delta * (x - mean)
    stats[0], stats[1], stats[2], stats[4] = w, mean, m2, n + 1
    if ts > last:
        stats[3] = ts


def ew_sd(stats: list[float]) -> float:
    w = stats[0]
    return math.sqrt(max(stats[2] / w, 0.0)) if w > 0 else 0.0


def decayed(value_ts: list[float], now: float) -> float:
    """Value of a decayed counter [value, last_ts] as seen at `now`."""
    value, last = value_ts
    if not value or now <= last:
        return value
    return value * math.exp(-(now - last) / TAU)


def bump(value_ts: list[float], now: float, amount: float = 1.0) -> None:
    if now >= value_ts[1]:
        value_ts[0] = decayed(value_ts, now) + amount
        value_ts[1] = now
    else:  # a late event adds its already-decayed weight
        value_ts[0] += amount * math.exp(-(value_ts[1] - now) / TAU)


def raise_max(value_ts: list[float], now: float, amount: float) -> None:
    """A decayed maximum [value, last_ts]: the larger of the decayed value and `amount`."""
    if now >= value_ts[1]:
        value_ts[0] = max(decayed(value_ts, now), amount)
        value_ts[1] = now
    else:  # a late event counts as already decayed
        value_ts[0] = max(value_ts[0], amount * math.exp(-(value_ts[1] - now) / TAU))


def touch(known: dict[str, float], key: str, ts: float, cap: int) -> bool:
    """Remember `key` as seen at `ts`; returns whether it was new. Past `cap` the least
    recently seen goes first (recency is refreshed at most once a day per key, which keeps
    the common case — a key seen again today — to one lookup)."""
    seen = known.get(key)
    if seen is not None:
        if ts > seen + 86_400.0:
            del known[key]
            known[key] = ts
        return False
    known[key] = ts
    if len(known) > cap:
        del known[next(iter(known))]
    return True


def _stats() -> list[float]:
    return [0.0, 0.0, 0.0, 0.0, 0.0]


@dataclass(slots=True, eq=False)
class CustomerProfile:
    """The working profile: every field declared here once. `ProfileState`, its stored form,
    is derived from these fields (the ledger is stored as `txns`, `seen` as a list)."""

    customer_id: str
    version: int = 0
    first_seen: float = 0.0
    last_event: float = 0.0
    last_txn: float = 0.0
    n_events: int = 0
    # Log-amount statistics [weight, mean, m2, last_ts, n] for card debits, other debits and
    # credits: a coffee and the rent have different "typical" amounts.
    card_stats: list[float] = field(default_factory=_stats)
    debit_stats: list[float] = field(default_factory=_stats)
    # The largest card debit and other debit [amount, ts], decayed like the statistics (a
    # month-old largest counts half): a customer who has paid this much before is not
    # unusual at that amount, however rare it is among its payments.
    card_largest: list[float] = field(default_factory=lambda: [0.0, 0.0])
    debit_largest: list[float] = field(default_factory=lambda: [0.0, 0.0])
    credit_stats: list[float] = field(default_factory=_stats)
    # The customer's transfers out to others and those of them to payees new to it, as
    # decayed counts [value, ts]: how usual a new payee is for this customer (some pay
    # someone new every time)
    transfers_out: list[float] = field(default_factory=lambda: [0.0, 0.0])
    transfers_out_new: list[float] = field(default_factory=lambda: [0.0, 0.0])
    hourly: list[float] = field(default_factory=lambda: [0.0] * 7)  # features._hourly_update
    band_usual: list[float] = field(default_factory=lambda: [0.0, 0.0])
    # Cash paid in, decayed [value, ts]: the amount, and the days with any (one per UTC day):
    # what the customer's usual cash takings are (typologies: rapid movement's familiar flow)
    cash_in: list[float] = field(default_factory=lambda: [0.0, 0.0])
    cash_days: list[float] = field(default_factory=lambda: [0.0, 0.0])
    devices: dict[str, float] = field(default_factory=dict)
    countries: dict[str, float] = field(default_factory=dict)
    counterparties: dict[str, float] = field(default_factory=dict)
    own_accounts: dict[str, float] = field(default_factory=dict)
    failed_logins: list[float] = field(default_factory=list)
    # The first country the customer was seen in (its home), and the other countries its
    # own known device logged in from, with when: a trip the customer's phone vouches for
    # (features: on_trip)
    home_country: str = ""
    trips: dict[str, float] = field(default_factory=dict)
    new_access_at: float = 0.0
    new_access_strong: float = 0.0
    # The last 7 days' logins and profile changes [ts, event id, kind, flags]: kind "login",
    # "login_failed" or "change:<field>"; flags NEW_DEVICE | NEW_COUNTRY. The timeline around
    # an alert shows them beside the transactions (a takeover is logins, then a change).
    access: list[tuple[float, str, str, int]] = field(default_factory=list)
    credential_change_at: float = 0.0
    # the first transaction after a dormant spell, and how many days the spell lasted
    woke_at: float = 0.0
    dormant_spell_days: float = 0.0
    repayments: list[list[float]] = field(default_factory=list)  # [ts, days_past_due, paid/due]
    # Credits from another account that no pass-through hop explained yet, kept for
    # chain_window_h: the payer's hop may be written a moment later by another shard
    # (core/late_receipts.py). [ts, event id, payer, amount, account, channel], oldest first.
    pending_receipts: list[tuple[float, str, str, float, str, str]] = field(
        default_factory=list)
    # [UTC day, the model's highest risk that day on events no rule fired on (-1: none)]:
    # what the flood rail counts (core/model_rail.py)
    model_day: list[float] = field(default_factory=lambda: [-1.0, -1.0])
    # The last MAX_SEEN event ids applied, each with its content's fingerprint: a redelivered
    # event is not counted twice, and another event under an applied id is refused.
    seen: dict[str, int] = field(default_factory=dict)
    # De-duplication: typology key -> (alert id, latest evidence time, tier) of open alerts.
    open_alerts: dict[str, tuple[str, float, str]] = field(default_factory=dict)
    ledger: TxnLedger = field(default_factory=lambda: TxnLedger())

    def remember(self, event_id: str, content: int) -> Applied:
        """Record an event about to be applied: "new"; "again" if this event (same id, same
        content fingerprint) was applied already — a redelivery, skipped; "conflict" if an
        event with this id but other content was — a second event under one id, refused."""
        seen = self.seen
        known = seen.get(event_id)
        if known is not None:
            return "again" if known in (content, UNKNOWN_CONTENT) else "conflict"
        seen[event_id] = content
        if len(seen) > MAX_SEEN:
            del seen[next(iter(seen))]
        return "new"

    def note_access(self, ts: float, event_id: str, kind: str, flags: int) -> None:
        """Keep a login or profile change for the timeline (in time order, bounded)."""
        log = self.access
        entry = (ts, event_id, kind, flags)
        if not log or ts >= log[-1][0]:
            log.append(entry)
        else:
            log.insert(bisect_right([e[0] for e in log], ts), entry)
        cut = log[-1][0] - WEEK
        if log[0][0] < cut or len(log) > MAX_ACCESS:
            self.access = [e for e in log if e[0] >= cut][-MAX_ACCESS:]

    def access_events(self) -> list[dict[str, Any]]:
        """The last 7 days' logins and profile changes, as the timeline shows them."""
        return [{"event_id": eid, "at": _iso(ts),
                 "kind": kind, "new_device": bool(flags & NEW_DEVICE),
                 "new_country": bool(flags & NEW_COUNTRY)}
                for ts, eid, kind, flags in self.access]

    def repayment_events(self) -> list[dict[str, Any]]:
        """The repayments kept (the last MAX_REPAYMENTS): when, days past due, share paid."""
        return [{"at": _iso(ts), "days_past_due": int(dpd),
                 "paid_share": round(ratio, 4)} for ts, dpd, ratio in self.repayments]

    def transactions(self, event_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """What the ledger knows of these events (all of its last 7 days when None: amount
        in the reporting currency, direction, method, counterparty, time): the evidence an
        investigator needs, and the customer's timeline around an alert."""
        wanted = None if event_ids is None else set(event_ids)
        led = self.ledger
        out: list[dict[str, Any]] = []
        for i, eid in enumerate(led.event_ids):
            if wanted is None or eid in wanted:
                bits = led.bits[i]
                method = "cash" if bits & CASH else "card" if bits & CARD else "transfer"
                out.append({
                    "event_id": eid,
                    "at": _iso(led.ts[i]),
                    "amount": round(led.amounts[i], 2),
                    "direction": "debit" if bits & DEBIT else "credit",
                    "method": method,
                    "counterparty": led.counterparties[i] or None,
                    "own_account": bool(bits & OWN),
                })
        return out

    def to_state(self) -> BaseModel:
        return ProfileState.model_construct(
            **{name: _copy(value) for name, value in self.stored().items()})

    def stored(self) -> dict[str, Any]:
        """The stored form's fields as plain values (JSON-ready: lists, dicts, numbers,
        strings), shared with the profile. A store serialises this directly: the same JSON
        as dumping `to_state()`, without building the model first."""
        led = self.ledger
        values = {name: getattr(self, name) for name in _PLAIN}
        values["seen"] = list(self.seen.items())
        values["txns"] = list(zip(led.ts, led.amounts, led.bits, led.counterparties,
                                  led.event_ids, strict=True))
        return values

    @classmethod
    def from_state(cls, state: BaseModel) -> CustomerProfile:
        prof = cls(**{name: _copy(getattr(state, name)) for name in _PLAIN})
        return prof._filled(getattr(state, "seen"), getattr(state, "txns"))  # noqa: B009

    @classmethod
    def from_stored(cls, doc: dict[str, Any]) -> CustomerProfile:
        """A profile from its stored form just parsed from JSON (what `stored()` wrote,
        read back): the parser's lists and dicts become the profile's own, neither
        validated nor copied again (a profile load is on the stream's hot path; the same
        profile as `from_state(ProfileState.model_validate(doc))`, tested). A field stored
        before it existed takes its default; one the profile does not know is refused."""
        unknown = doc.keys() - _STORED_KEYS
        if unknown or "customer_id" not in doc:
            raise ValueError(f"not a stored profile: unknown fields {sorted(unknown)}"
                             if unknown else "not a stored profile: no customer_id")
        values = {name: doc[name] for name in _PLAIN if name in doc}
        for name, shape in _TUPLES.items():  # JSON has no tuples: rows come back as lists
            if name in values:
                v = values[name]
                values[name] = ({k: tuple(r) for k, r in v.items()} if shape is dict
                                else [tuple(r) for r in v])
        return cls(**values)._filled(doc.get("seen", ()), doc.get("txns", ()))

    def _filled(self, seen: Iterable[Any], txns: Iterable[Any]) -> CustomerProfile:
        # a profile stored before contents were fingerprinted lists bare ids
        self.seen = {}
        for entry in seen:
            if isinstance(entry, str):
                self.seen[entry] = UNKNOWN_CONTENT
            else:
                self.seen[entry[0]] = entry[1]
        led = self.ledger
        for t, a, b, c, e in txns:
            led.ts.append(t)
            led.amounts.append(a)
            led.bits.append(b)
            led.counterparties.append(c)
            led.event_ids.append(e)
        led.rebuild()
        return self


def _iso(ts: float) -> str:
    """An event time as the API and the timeline write it (UTC, ISO 8601)."""
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _copy(value: Any) -> Any:
    """A copy deep enough that the profile and its stored form share no list or dict."""
    if isinstance(value, list):
        return [list(v) if isinstance(v, list) else v for v in value]
    if isinstance(value, dict):
        return dict(value)
    return value


_STORED_AS = {"ledger": ("txns", list[tuple[float, float, int, str, str]]),
              "seen": ("seen", list[tuple[str, int] | str])}
_PLAIN = tuple(f.name for f in fields(CustomerProfile) if f.name not in _STORED_AS)
_STORED_KEYS = frozenset(_PLAIN) | {name for name, _ in _STORED_AS.values()}


def _tuple_fields() -> dict[str, type]:
    """The plain fields holding tuples (a list of them, or a dict of them): `from_stored`
    turns their JSON lists back into tuples, as validating the stored form would."""
    hints = get_type_hints(CustomerProfile)
    out: dict[str, type] = {}
    for name in _PLAIN:
        origin, args = get_origin(hints[name]), get_args(hints[name])
        if origin in (list, dict) and args and get_origin(args[-1]) is tuple:
            out[name] = origin
    return out


_TUPLES = _tuple_fields()


def _state_model() -> type[BaseModel]:
    hints = get_type_hints(CustomerProfile)
    spec: dict[str, Any] = {}
    for f in fields(CustomerProfile):
        name, kind = _STORED_AS.get(f.name, (f.name, hints[f.name]))
        if f.name in _STORED_AS:
            spec[name] = (kind, Field(default_factory=list))
        elif f.default is not MISSING:
            spec[name] = (kind, f.default)
        elif f.default_factory is not MISSING:
            spec[name] = (kind, Field(default_factory=f.default_factory))
        else:
            spec[name] = (kind, ...)
    return create_model("ProfileState", __config__=ConfigDict(extra="forbid"),
                        __doc__=_STATE_DOC, **spec)


_STATE_DOC = """The stored form of a profile (derived from CustomerProfile's fields). `version`
rises by one on every write, so a store can refuse a stale write (optimistic concurrency)."""
ProfileState = _state_model()
