"""The public event contract (docs/events.md) as pydantic models, and the batch parser.

A bad record never raises out of `parse_records`: it comes back as a `Rejected` with the
reason, so callers quarantine it and go on with the rest of the batch.
"""

from __future__ import annotations

import ipaddress
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Id128 = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Id64 = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Money = Annotated[Decimal, Field(ge=0, decimal_places=2, allow_inf_nan=False, max_digits=18)]
PositiveMoney = Annotated[
    Decimal, Field(gt=0, decimal_places=2, allow_inf_nan=False, max_digits=18)
]
Channel = Literal["mobile", "web", "branch", "atm", "pos", "api"]


_OCTET = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"{_OCTET}(\.{_OCTET}){{3}}"
# IPv6: hex groups with at least two colons, optionally ending in an embedded IPv4.
_IPV6 = rf"[0-9A-Fa-f]{{0,4}}(:[0-9A-Fa-f]{{0,4}}){{2,7}}(:{_IPV4})?"
# Checked by pydantic-core's regex engine (no Python call per record); `ipaddress`
# settles the rare IPv6 forms the pattern lets through.
IpAddress = Annotated[
    str, StringConstraints(max_length=45, pattern=rf"^({_IPV4}|{_IPV6})$"),
    AfterValidator(lambda v: v if "." in v and ":" not in v else _ipv6(v)),
]


def _ipv6(value: str) -> str:
    ipaddress.IPv6Address(value)  # raises ValueError on a bad address
    return value


class Label(BaseModel):
    """Ground truth on generated data: which injected episode an event belongs to.
    Scoring never reads it; backtests use it to measure detection quality."""

    model_config = ConfigDict(extra="allow", frozen=True)

    typology: str
    episode: str
    subtle: bool = False
    # False: fraud the data set labels outside the unit its recall counts (synthfin's
    # payments from the accounts that feed its mule chains; the unit is mule accounts): an
    # alert on it is no false alert, and it is no episode to find
    unit: bool = True


class _EventBase(BaseModel):
    # Unknown fields are kept (extra="allow") but nothing in scoring reads them.
    model_config = ConfigDict(extra="allow", frozen=True)

    event_id: Id128
    occurred_at: AwareDatetime
    customer_id: Id64
    channel: Channel
    country: Country | None = None
    device_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    ip: IpAddress | None = None
    label: Label | None = None


class Transaction(_EventBase):
    event_type: Literal["transaction"]
    account_id: Id64
    amount: PositiveMoney
    currency: Currency
    direction: Literal["debit", "credit"]
    method: Literal["transfer", "card", "cash", "cheque", "fx"]
    counterparty_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    counterparty_country: Country | None = None
    merchant_category: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = None


class Login(_EventBase):
    event_type: Literal["login"]
    success: bool
    auth_method: Literal["password", "otp", "biometric", "token"] | None = None


class ProfileChange(_EventBase):
    event_type: Literal["profile_change"]
    field: Literal["phone", "email", "address", "password", "device_binding"]


class Repayment(_EventBase):
    event_type: Literal["repayment"]
    account_id: Id64
    due_amount: Money
    paid_amount: Money
    currency: Currency
    days_past_due: Annotated[int, Field(ge=0, le=36_500)]


Event = Annotated[
    Transaction | Login | ProfileChange | Repayment, Field(discriminator="event_type")
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


# An event is a few hundred bytes; Kinesis takes records up to 1 MB. Anything past this is
# not an event (a payload dumped into a field): quarantined, never parsed or kept.
MAX_RECORD_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that broke the contract: where it was, why, and its raw bytes."""

    position: int
    reason: str
    raw: bytes


def describe_error(exc: ValidationError) -> str:
    """One line a person can act on: the first few failing fields and why."""
    parts = []
    for err in exc.errors(include_url=False)[:3]:
        loc = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
        # The union tag prefixes every location; drop it to keep the field name readable.
        for tag in ("transaction.", "login.", "profile_change.", "repayment."):
            loc = loc.removeprefix(tag)
        if err["type"] == "json_invalid":
            parts.append("not valid JSON")
        elif loc in ("transaction", "login", "profile_change", "repayment"):
            parts.append(err["msg"])
        else:
            parts.append(f"{loc or 'record'}: {err['msg']}".replace("Value error, ", ""))
    return "; ".join(parts)


def _as_bytes(raw: bytes | str) -> bytes:
    return raw.encode() if isinstance(raw, str) else raw


def parse_records(
    records: Iterable[bytes | str],
    rates: dict[str, Decimal],
    *,
    first_position: int = 0,
) -> tuple[list[Event], list[Rejected]]:
    """Validate each record on its own; a bad one is rejected with a reason, never raised.

    An unknown currency is bad input (docs/events.md): the amount cannot be compared with
    any threshold.
    """
    events: list[Event] = []
    rejected: list[Rejected] = []
    validate = EVENT_ADAPTER.validate_json
    for pos, raw in enumerate(records, start=first_position):
        if len(raw) > MAX_RECORD_BYTES:
            data = _as_bytes(raw)
            rejected.append(Rejected(pos, f"record of {len(data):,} bytes: an event is at "
                                          f"most {MAX_RECORD_BYTES:,}", data))
            continue
        try:
            event = validate(raw)
        except ValidationError as exc:
            rejected.append(Rejected(pos, describe_error(exc), _as_bytes(raw)))
            continue
        except (ValueError, TypeError, ArithmeticError) as exc:
            # A few inputs slip past pydantic's own errors (e.g. a list where a Decimal
            # goes becomes a Decimal tuple): still bad input, still a reason.
            rejected.append(Rejected(pos, f"bad value: {exc}", _as_bytes(raw)))
            continue
        if isinstance(event, Transaction | Repayment) and event.currency not in rates:
            rejected.append(Rejected(pos, f"currency: no rate for {event.currency}",
                                     _as_bytes(raw)))
            continue
        events.append(event)
    return events, rejected


# Why a second event under an applied id is refused (quarantined by the stream, counted as
# rejected by a backtest): the first one stands, this one is kept for a person to look at.
ID_CONFLICT = ("event_id: an event with this id and other content was applied already "
               "(ids are unique; a redelivery repeats the content)")


def fingerprint(event: Event) -> int:
    """A fingerprint of the event's whole content as validated (its JSON form; key order and
    spacing of the record do not matter): a redelivery has the same one, a second event
    sent under an applied id has another."""
    return zlib.crc32(event.__pydantic_serializer__.to_json(event))


def in_customer_order(events: Sequence[Event]) -> list[Event]:
    """Events grouped by customer (first appearance), each customer's in `occurred_at`
    order; ties keep arrival order. Customers are independent, so only their own order
    matters."""
    by_customer: dict[str, list[Event]] = {}
    for event in events:
        by_customer.setdefault(event.customer_id, []).append(event)
    ordered: list[Event] = []
    for group in by_customer.values():
        if len(group) > 1:
            group.sort(key=_sort_key)
        ordered.extend(group)
    return ordered


def _sort_key(event: Event) -> datetime:
    return event.occurred_at
