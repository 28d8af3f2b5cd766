"""What every feature row reads, whatever the event: the config flattened for the hot path
(`Prepared`), whether the event's device and country are new to the customer, its failed
logins, trips abroad vouched for by its own device, the local hour, tenure and time since
a credential change (core/features.py builds the rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from riskwarn.core.config import ScoringConfig
from riskwarn.core.events import Event
from riskwarn.core.profile import (
    DAY,
    HOUR,
    MAX_SMALL_SET,
    NEW_COUNTRY,
    NEW_DEVICE,
    CustomerProfile,
    touch,
)

NEVER_H = 720.0  # "hours since" when it never happened

TRIP_DAYS = 30.0  # how long a login from the customer's own device vouches for a country


@dataclass(frozen=True, slots=True)
class Prepared:
    """Config flattened for the hot path (floats, sets), built once per config."""

    cfg: ScoringConfig
    rates: dict[str, float]
    high_risk: frozenset[str]
    risky_mcc: frozenset[str]
    band_low: float
    small_card: float
    offset_s: float
    mules: bool  # the mule typologies (core/mule.py) are looked for

    @classmethod
    def of(cls, cfg: ScoringConfig) -> Prepared:
        t = cfg.thresholds
        return cls(
            cfg=cfg,
            rates={k: float(v) for k, v in cfg.rates.items()},
            high_risk=frozenset(t.high_risk_countries),
            risky_mcc=frozenset(t.risky_mcc),
            band_low=0.5 * t.large_cash,
            small_card=t.card_testing_small,
            offset_s=cfg.local_utc_offset_h * HOUR,
            mules=cfg.customer_baselines and cfg.network_typologies,
        )


def _access(prof: CustomerProfile, event: Event, ts: float, learn: bool = True
            ) -> tuple[float, float]:
    """Whether the event's country and device are new to the customer. Only events that
    prove the customer is there (not failed logins) teach the profile a device or country:
    an attacker's tenth failed try from a new phone is still from a new phone."""
    first = prof.n_events <= 1
    if learn and event.country and not prof.home_country:
        prof.home_country = event.country
    return (_new(prof.countries, event.country, ts, learn, first),
            _new(prof.devices, event.device_id, ts, learn, first))


def _new(known: dict[str, float], key: str | None, ts: float, learn: bool,
         first: bool) -> float:
    if key is None:
        return 0.0
    is_new = touch(known, key, ts, MAX_SMALL_SET) if learn else key not in known
    return 1.0 if is_new and not first else 0.0


def _flags(device_new: float, country_new: float) -> int:
    return (NEW_DEVICE if device_new else 0) | (NEW_COUNTRY if country_new else 0)


def _since_h(ts: float, then: float) -> float:
    if not then or then > ts:
        return NEVER_H
    return min((ts - then) / HOUR, NEVER_H)


def _failed(prof: CustomerProfile, ts: float) -> tuple[float, float]:
    f10 = f60 = 0.0
    for t in prof.failed_logins:
        if ts - HOUR < t <= ts:
            f60 += 1.0
            if t > ts - 600.0:
                f10 += 1.0
    return f10, f60


def _common(prof: CustomerProfile, ts: float, prep: Prepared) -> tuple[float, float, float]:
    hour = ((ts + prep.offset_s) % DAY) / HOUR
    tenure = min((ts - prof.first_seen) / DAY, 365.0)
    return hour, tenure, _since_h(ts, prof.credential_change_at)


def _on_trip(prof: CustomerProfile, country: str | None, ts: float) -> float:
    """1 in a country away from home that the customer's own known device logged in from,
    within TRIP_DAYS of the first such login: the customer is there."""
    since = prof.trips.get(country) if country and prof.trips else None
    return 1.0 if since is not None and 0.0 <= ts - since <= TRIP_DAYS * DAY else 0.0


def _trip(prof: CustomerProfile, country: str, ts: float) -> None:
    """Remember when the customer's own device arrived in `country` (the first login of
    this trip: later logins there do not extend it)."""
    trips = prof.trips
    since = trips.get(country)
    if since is None or not 0.0 <= ts - since <= TRIP_DAYS * DAY:
        trips[country] = ts
    for old in [c for c, at in trips.items() if ts - at > TRIP_DAYS * DAY]:
        del trips[old]
    while len(trips) > MAX_SMALL_SET:
        del trips[min(trips, key=trips.__getitem__)]


def _customer_txns(prof: CustomerProfile) -> float:
    """How much of the customer the profile knows: transactions of every kind (decayed)."""
    return min(prof.card_stats[4] + prof.debit_stats[4] + prof.credit_stats[4], 1000.0)
