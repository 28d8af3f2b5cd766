"""Profile windows, their size bound, late events, and the stored form."""

from __future__ import annotations

import zlib

import orjson

from riskwarn.core.config import ScoringConfig
from riskwarn.core.feature_row import FeatureRow
from riskwarn.core.features import Prepared, observe
from riskwarn.core.profile import (
    MAX_ACCESS,
    MAX_COUNTERPARTIES,
    MAX_SMALL_SET,
    MAX_TXNS,
    CustomerProfile,
    ProfileState,
)
from riskwarn.store.profiles import decode, encode
from tests.builders import change, login, repayment, txn

PREP = Prepared.of(ScoringConfig(use_model=False))


def feed(prof: CustomerProfile, *events: object) -> FeatureRow:
    row: FeatureRow | None = None
    for ev in events:
        row = observe(prof, ev, PREP)  # type: ignore[arg-type]
    return row


def test_windows_count_what_falls_inside_them() -> None:
    prof = CustomerProfile("C1")
    row = feed(prof,
               txn(-30, 1_000, direction="credit", method="transfer", counterparty_id="X"),
               txn(-20, 500, counterparty_id="M1"),
               txn(-0.5, 200, counterparty_id="M2"),
               txn(0, 300, counterparty_id="M3"))
    assert row["debit_count_1h"] == 2
    assert row["debit_sum_1h"] == 500
    assert row["debit_sum_24h"] == 1_000
    assert row["credit_sum_24h"] == 0  # the credit is 30 h old
    assert row["credit_sum_72h"] == 1_000


def test_typical_amount_is_compared_before_the_event_updates_it() -> None:
    prof = CustomerProfile("C1")
    feed(prof, *[txn(-24.0 * i, 100) for i in range(20, 0, -1)])
    row = feed(prof, txn(0, 1_000))
    assert 9.5 < row["amount_vs_median"] < 10.5


def test_ledger_is_bounded_in_rows_and_days() -> None:
    prof = CustomerProfile("C1")
    # 2,000 transactions over 10 days: far more than the bound
    feed(prof, *[txn(i * 0.12, 10, counterparty_id=f"M{i}") for i in range(2_000)])
    assert len(prof.ledger) <= MAX_TXNS
    assert len(prof.counterparties) <= MAX_COUNTERPARTIES
    newest = prof.ledger.ts[-1]
    assert newest - prof.ledger.ts[0] <= 7 * 86_400 + 86_400
    state = prof.to_state().model_dump_json()
    assert len(state) < 60_000  # well under DynamoDB's 400 KB item


def test_known_devices_are_capped_least_recently_seen_first() -> None:
    prof = CustomerProfile("C1")
    feed(prof, *[login(i, device_id=f"d-{i}") for i in range(MAX_SMALL_SET + 3)])
    assert len(prof.devices) == MAX_SMALL_SET
    assert "d-0" not in prof.devices and f"d-{MAX_SMALL_SET + 2}" in prof.devices


def test_late_event_lands_at_its_own_time_and_counts_in_its_windows() -> None:
    # Given a profile that has seen events up to t=10 h
    prof = CustomerProfile("C1")
    feed(prof, txn(0, 100, counterparty_id="M1"), txn(10, 100, counterparty_id="M2"))
    # When an event from t=0.5 h arrives late
    row = feed(prof, txn(0.5, 300, counterparty_id="M3"))
    # Then its own windows are measured as of its own time
    assert row["debit_count_1h"] == 2  # itself and the one at t=0
    assert prof.ledger.ts == sorted(prof.ledger.ts)
    # And later events see it in their windows (nothing rewound, nothing lost)
    row = feed(prof, txn(11, 50, counterparty_id="M4"))
    assert row["debit_sum_24h"] == 550
    assert prof.last_event == max(prof.ledger.ts)


def test_state_round_trips_through_json() -> None:
    prof = CustomerProfile("C1")
    feed(prof, login(-5, device_id="d-a"), txn(-2, 900, direction="credit", method="cash"),
         txn(-1, 50, counterparty_id="M1"))
    state = ProfileState.model_validate(orjson.loads(prof.to_state().model_dump_json()))
    again = CustomerProfile.from_state(state)
    assert again.to_state() == prof.to_state()
    # and scoring continues identically from the restored copy
    nxt = txn(0, 70)
    assert feed(again, nxt) == feed(prof, nxt)


def _traveller() -> CustomerProfile:
    """A profile with every kind of stored row: logins, cash, card abroad, a repayment, a
    profile change, an open alert."""
    prof = CustomerProfile("C1")
    feed(prof, login(-50, device_id="d-a"), txn(-49, 900, direction="credit", method="cash"),
         txn(-48, 50, counterparty_id="M1"), login(-3, country="JP", device_id="d-a"),
         txn(-2, 8_000, country="JP", method="card", counterparty_id="HOTEL"),
         repayment(-1), change(0, field="email"))
    prof.open_alerts["FRAUD"] = ("AL-1", 1.0, "medium")
    return prof


def test_the_stores_blob_is_the_states_json_and_decodes_to_the_same_profile() -> None:
    """The store serialises the profile's fields directly (no model built per write): the
    JSON must be what dumping the pydantic state gives, and read back the same profile."""
    prof = _traveller()
    blob = encode(prof)
    assert orjson.loads(zlib.decompress(blob)) == orjson.loads(
        prof.to_state().model_dump_json())
    assert decode(blob).to_state() == prof.to_state()


def test_a_stored_profile_reads_back_as_validating_it_would_without_validating() -> None:
    """The stream reads profiles without pydantic (hot path): the same profile, field for
    field and type for type, as validating the stored JSON gives."""
    import pytest

    prof = _traveller()
    prof.pending_receipts.append((1.0, "E-1", "P1", 900.0, "A-1", "transfer"))
    doc = orjson.loads(zlib.decompress(encode(prof)))
    slow = CustomerProfile.from_state(ProfileState.model_validate(doc))
    fast = CustomerProfile.from_stored(orjson.loads(zlib.decompress(encode(prof))))
    assert repr(fast.stored()) == repr(slow.stored()) and fast.to_state() == slow.to_state()
    assert fast.open_alerts["FRAUD"] == ("AL-1", 1.0, "medium") and fast.access
    assert all(isinstance(r, tuple) for r in fast.access + fast.pending_receipts)
    # a field stored before it existed takes its default; one it does not know is refused
    del doc["trips"]
    assert CustomerProfile.from_stored(dict(doc)).trips == {}
    with pytest.raises(ValueError, match="unknown fields"):
        CustomerProfile.from_stored({**doc, "surprise": 1})
    with pytest.raises(ValueError, match="no customer_id"):
        CustomerProfile.from_stored({k: v for k, v in doc.items() if k != "customer_id"})


def test_logins_and_profile_changes_are_kept_for_a_week_with_what_was_new() -> None:
    prof = CustomerProfile("C1")
    feed(prof, login(days=-10, device_id="d-a"), *(login(days=-6 + k / 24, device_id="d-a")
                                                     for k in range(2 * MAX_ACCESS)))
    assert len(prof.access) == MAX_ACCESS  # bounded in number ...
    feed(prof, login(-2, device_id="d-b", country="VN", success=False),
         login(-1, device_id="d-b", country="VN"), change(0, device_id="d-b", field="phone"))
    kept = prof.access_events()
    assert len(kept) <= MAX_ACCESS and [e["at"] for e in kept] == sorted(e["at"] for e in kept)
    assert [(e["kind"], e["new_device"], e["new_country"]) for e in kept[-3:]] == [
        ("login_failed", True, True), ("login", True, True), ("change:phone", False, False)]
    # ... and in days: the first login, ten days back, is gone
    assert all(e["at"] > login(days=-7).occurred_at.isoformat() for e in kept)


def test_a_trip_is_what_the_customers_own_phone_vouches_for() -> None:
    """Card payments in a country the customer's own known phone logged in from (away from
    home, within 30 days of arriving) are on a trip; anywhere else, or after a login from a
    new phone, they are not."""
    prof = CustomerProfile("C1")
    feed(prof, login(-48.0), txn(-47.0))  # home: CN, phone d-home
    assert prof.home_country == "CN"
    assert feed(prof, txn(-1.0, country="JP"))["on_trip"] == 0.0  # before the phone is there
    feed(prof, login(0.0, country="JP"))
    assert feed(prof, txn(1.0, country="JP"))["on_trip"] == 1.0
    assert feed(prof, txn(2.0, country="US"))["on_trip"] == 0.0  # not where the phone is
    assert feed(prof, txn(3.0, country="CN"))["on_trip"] == 0.0  # home is no trip
    assert feed(prof, txn(31 * 24.0, country="JP"))["on_trip"] == 0.0  # 30 days on
    thief = CustomerProfile("C1")
    feed(thief, login(-48.0), txn(-47.0))
    feed(thief, login(0.0, country="VN", device_id="d-new"))  # someone else's phone
    feed(thief, login(0.5, country="VN", success=False))  # a failed try proves nothing
    assert feed(thief, txn(1.0, country="VN"))["on_trip"] == 0.0
