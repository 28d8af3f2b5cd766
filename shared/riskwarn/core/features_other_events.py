"""Feature rows for the events that move no money: logins, profile changes and loan
repayments (the transaction features stay 0; access, credential and time features are
filled in). core/features.observe dispatches here.
"""

from __future__ import annotations

from riskwarn.core.events import Login, ProfileChange, Repayment
from riskwarn.core.feature_row import FEATURE_NAMES, FeatureRow
from riskwarn.core.features_context import (
    Prepared,
    _access,
    _common,
    _customer_txns,
    _failed,
    _flags,
    _since_h,
    _trip,
)
from riskwarn.core.profile import (
    HOUR,
    MAX_FAILED_LOGINS,
    MAX_REPAYMENTS,
    CustomerProfile,
)

CONTACT_FIELDS = {"phone": 1.0, "email": 1.0, "password": 1.0, "device_binding": 0.5,
                  "address": 0.25}

_ZERO_ROW: FeatureRow = dict.fromkeys(FEATURE_NAMES, 0.0)  # type: ignore[assignment]


def _other_row(prof: CustomerProfile, ts: float, prep: Prepared, country_new: float,
               device_new: float, failed: tuple[float, float], strong: float) -> FeatureRow:
    """The row shared by logins, profile changes and repayments: no money moved, so the
    transaction features stay 0; access, credential and time features are filled in."""
    hour, tenure, since_cred = _common(prof, ts, prep)
    row = _ZERO_ROW.copy()
    row["history_txns"] = min(prof.card_stats[4] + prof.debit_stats[4], 1000.0)
    row["customer_txns"] = _customer_txns(prof)
    row["country_new"] = country_new
    row["device_new"] = device_new
    row["failed_logins_10m"], row["failed_logins_1h"] = failed
    row["hours_since_credential_change"] = since_cred
    row["hours_since_new_access"] = _since_h(ts, prof.new_access_at)
    row["new_access_strong"] = strong
    row["local_hour"] = hour
    row["tenure_days"] = tenure
    return row


def _login(prof: CustomerProfile, ev: Login, ts: float, prep: Prepared) -> FeatureRow:
    had_failures = bool(prof.failed_logins) and _failed(prof, ts)[1] > 0
    country_new, device_new = _access(prof, ev, ts, learn=ev.success)
    if not ev.success:
        fl = prof.failed_logins
        fl.append(ts)
        if len(fl) > MAX_FAILED_LOGINS or ts - fl[0] > HOUR:
            prof.failed_logins = [t for t in fl if t > ts - HOUR][-MAX_FAILED_LOGINS:]
    if (ev.success and ev.device_id and not device_new and ev.country
            and ev.country != prof.home_country):
        _trip(prof, ev.country, ts)  # its own phone, away from home: a trip
    if ev.success and (country_new or device_new):
        prof.new_access_at = ts
        # a takeover needs a device of its own; the customer's own device in a new country
        # is a trip (0); a new device enrolled with a second factor (one-time code,
        # biometric) most often a new phone (0.5), with a password alone weaker proof that
        # it is the customer (0.75); a new device in a new country or after failed logins
        # is the attacker's pattern (1)
        prof.new_access_strong = (
            1.0 if had_failures or (country_new and device_new) else
            (0.75 if ev.auth_method == "password" else 0.5) if device_new else 0.0)
    failed = _failed(prof, ts) if prof.failed_logins else (0.0, 0.0)
    prof.note_access(ts, ev.event_id, "login" if ev.success else "login_failed",
                     _flags(device_new, country_new))
    row = _other_row(prof, ts, prep, country_new, device_new, failed, prof.new_access_strong)
    row["is_login"] = 1.0
    row["login_failed"] = 0.0 if ev.success else 1.0
    row["weak_auth"] = 1.0 if ev.auth_method == "password" else 0.0
    return row


def _profile_change(
    prof: CustomerProfile, ev: ProfileChange, ts: float, prep: Prepared

) -> FeatureRow:
    country_new, device_new = _access(prof, ev, ts)
    failed = _failed(prof, ts) if prof.failed_logins else (0.0, 0.0)
    contact = CONTACT_FIELDS[ev.field]
    prof.note_access(ts, ev.event_id, f"change:{ev.field}", _flags(device_new, country_new))
    # the row says how long since the *previous* credential change, then this one counts
    row = _other_row(prof, ts, prep, country_new, device_new, failed, prof.new_access_strong)
    row["is_profile_change"] = 1.0
    row["contact_change"] = contact
    if contact >= 0.5 and ts > prof.credential_change_at:
        prof.credential_change_at = ts
    return row


def _repayment(prof: CustomerProfile, ev: Repayment, ts: float, prep: Prepared) -> FeatureRow:
    country_new, device_new = _access(prof, ev, ts)
    due = float(ev.due_amount)
    ratio = float(ev.paid_amount) / due if due else 1.0
    dpd = float(ev.days_past_due)
    history = prof.repayments
    prev_dpd = history[-1][1] if history else 0.0
    partial = 0.0
    if ratio < 0.999:
        partial = 1.0
        for _, _, r in reversed(history):
            if r >= 0.999:
                break
            partial += 1.0
    history.append([ts, dpd, ratio])
    if len(history) > MAX_REPAYMENTS:
        del history[0]
    row = _other_row(prof, ts, prep, country_new, device_new, (0.0, 0.0), 0.0)
    row["is_repayment"] = 1.0
    row["days_past_due"] = dpd
    row["partial_in_row"] = partial
    row["dpd_increase"] = max(dpd - prev_dpd, 0.0)
    row["repay_ratio"] = min(ratio, 2.0)
    return row
