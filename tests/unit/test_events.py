"""The event contract: what is accepted, what is rejected and why, and that a bad record
never raises out of the parser."""

from __future__ import annotations

import json
from decimal import Decimal

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskwarn.core.config import DEFAULT_RATES
from riskwarn.core.events import Transaction, in_customer_order, parse_records
from tests.builders import event, raw


def _parse(*records: dict[str, object] | bytes) -> tuple[list[object], list[object]]:
    lines = [r if isinstance(r, bytes) else orjson.dumps(r) for r in records]
    events, rejected = parse_records(lines, DEFAULT_RATES)
    return list(events), list(rejected)


def test_valid_events_of_every_type_parse() -> None:
    # Given one valid record of each type
    records = [raw(t) for t in ("transaction", "login", "profile_change", "repayment")]
    # When parsed
    events, rejected = _parse(*records)
    # Then all four are accepted, with their own types
    assert rejected == []
    assert [type(e).__name__ for e in events] == [
        "Transaction", "Login", "ProfileChange", "Repayment"]


def test_money_is_decimal_never_float() -> None:
    ev = event("transaction", amount="49800.10")
    assert isinstance(ev, Transaction)
    assert ev.amount == Decimal("49800.10")
    number = event("transaction", amount=12.5)
    assert isinstance(number, Transaction) and number.amount == Decimal("12.5")


def test_unknown_fields_are_kept_but_not_required() -> None:
    ev = event("login", trap="x", source_system="core")
    assert ev.model_extra == {"trap": "x", "source_system": "core"}


def test_bad_records_are_rejected_with_reasons_and_the_rest_goes_on() -> None:
    # Given a batch mixing good and bad records
    good = raw("login")
    batch = [
        b"not json at all",
        orjson.dumps(raw("transaction", amount="-5")),
        orjson.dumps({k: v for k, v in raw("login").items() if k != "customer_id"}),
        orjson.dumps(raw("transaction", currency="XYZ")),
        orjson.dumps(raw("transaction", amount="1.001")),
        orjson.dumps(raw("transaction", occurred_at="2026-11-28T09:15:02")),  # no offset
        orjson.dumps(raw("wire")),
        orjson.dumps(raw("login", ip="999.1.1.1")),
        orjson.dumps(good),
    ]
    # When parsed
    events, rejected = parse_records(batch, DEFAULT_RATES)
    # Then only the good one passes and each bad one says why, at its position
    assert [e.event_id for e in events] == [good["event_id"]]
    reasons = {r.position: r.reason for r in rejected}
    assert reasons[0] == "not valid JSON"
    assert "amount" in reasons[1] and "greater than 0" in reasons[1]
    assert "customer_id" in reasons[2] and "required" in reasons[2].lower()
    assert reasons[3] == "currency: no rate for XYZ"
    assert "amount" in reasons[4] and "decimal places" in reasons[4]
    assert "occurred_at" in reasons[5] and "timezone" in reasons[5]
    assert "event_type" in reasons[6] or "tag" in reasons[6]
    assert "ip" in reasons[7]
    assert all(r.raw == batch[r.position] for r in rejected)


def test_a_list_where_money_goes_is_rejected_not_raised() -> None:
    # Found by hypothesis: pydantic reads a list as a Decimal tuple and raises ValueError
    events, rejected = _parse(raw("transaction", amount=[None, None, None]))
    assert events == [] and rejected[0].reason.startswith("bad value")  # type: ignore[attr-defined]


def test_customer_order_sorts_each_customer_by_time_and_keeps_ties() -> None:
    a2 = event("login", customer_id="A", occurred_at="2026-11-02T10:00:00Z", event_id="a2")
    a1 = event("login", customer_id="A", occurred_at="2026-11-02T09:00:00+00:00", event_id="a1")
    b1 = event("login", customer_id="B", occurred_at="2026-11-02T08:00:00Z", event_id="b1")
    a3 = event("login", customer_id="A", occurred_at="2026-11-02T10:00:00Z", event_id="a3")
    ordered = in_customer_order([a2, b1, a1, a3])
    assert [e.event_id for e in ordered] == ["a1", "a2", "a3", "b1"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=12), children, max_size=6),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(list(raw("transaction"))), json_values).map(
        lambda d: json.dumps(raw("transaction") | d).encode()),
))
def test_parser_never_raises_and_accounts_for_every_record(record: bytes) -> None:
    # Whatever arrives, the parser answers with an event or a reason, never an exception
    events, rejected = parse_records([record, orjson.dumps(raw("login"))], DEFAULT_RATES)
    assert len(events) + len(rejected) == 2
    assert all(r.reason for r in rejected)
    assert events[-1].event_type == "login"


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e12"), places=2))
def test_any_positive_two_place_amount_round_trips(amount: Decimal) -> None:
    ev = event("transaction", amount=str(amount))
    assert isinstance(ev, Transaction) and ev.amount == amount


GOOD = orjson.dumps(raw("login"))
NESTED = b"[" * 5000 + b"]" * 5000
BAD_INPUT = {
    "random bytes": (bytes(range(256)), "not valid JSON"),
    "truncated": (GOOD[:-7], "not valid JSON"),
    "1 MB": (orjson.dumps(raw("login", note="x" * 1_000_000)), "at most 65,536"),
    "deeply nested": (NESTED, "not valid JSON"),
    "nested in a field": (GOOD[:-1] + b',"x":' + NESTED + b"}", "not valid JSON"),
    "NaN as a string": (orjson.dumps(raw("transaction", amount="NaN")), "finite"),
    "Infinity": (orjson.dumps(raw("transaction", amount="Infinity")), "finite"),
    "NaN as JSON": (json.dumps(raw("transaction") | {"amount": float("nan")}).encode(),
                    "finite"),
    "invalid UTF-8": (GOOD[:-1] + b',"x":"\xff\xfe"}', "not valid JSON"),
    "unknown type": (orjson.dumps(raw("wire")), "tag"),
    "unknown currency": (orjson.dumps(raw("transaction", currency="ZZZ")), "no rate for ZZZ"),
    "amount as a word": (orjson.dumps(raw("transaction", amount="twelve")), "amount"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUT))
def test_each_kind_of_bad_input_is_rejected_with_its_reason(name: str) -> None:
    """The batch goes on: the good record after the bad one is parsed."""
    record, why = BAD_INPUT[name]
    events, rejected = parse_records([record, GOOD], DEFAULT_RATES)
    assert [e.event_id for e in events] == [orjson.loads(GOOD)["event_id"]]
    (rej,) = rejected
    assert rej.position == 0 and why in rej.reason and rej.raw == record


def test_numbers_as_strings_and_strings_as_numbers_are_both_money() -> None:
    """The contract takes a decimal as a string or a JSON number; either is a Decimal."""
    for amount in ("12.50", 12.5):
        (ev,), _ = parse_records([orjson.dumps(raw("transaction", amount=amount))],
                                 DEFAULT_RATES)
        assert isinstance(ev, Transaction) and ev.amount == Decimal("12.50")
