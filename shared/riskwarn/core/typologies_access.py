"""Typology rules on logins, profile changes and repayments: account takeover and credit
(the transaction rules are in core/typologies.py)."""

from __future__ import annotations

from riskwarn.core.events import Login, ProfileChange, Repayment
from riskwarn.core.feature_row import FeatureRow
from riskwarn.core.features import Prepared
from riskwarn.core.hits import Hit, hit
from riskwarn.core.profile import CustomerProfile


def login_burst(row: FeatureRow, ev: Login, prof: CustomerProfile,
                 prep: Prepared) -> Hit | None:
    t = prep.cfg.thresholds
    if ev.success:
        return None
    if row["failed_logins_10m"] >= t.login_burst_count:
        return hit(prep, "ATO-LOGIN-BURST",
                   f"{row['failed_logins_10m']:.0f} failed logins within "
                   f"{t.login_burst_window_min:.0f} minutes", (ev.event_id,))
    if (prep.cfg.customer_baselines and row["failed_logins_1h"] >= t.login_burst_slow_count
            and row["device_new"] and row["country_new"]):
        return hit(prep, "ATO-LOGIN-BURST",
                   f"{row['failed_logins_1h']:.0f} failed logins within the hour, from a "
                   f"device and a country new to the customer ({ev.country})",
                   (ev.event_id,))
    return None


def credential_change(row: FeatureRow, ev: ProfileChange, prof: CustomerProfile,
                       prep: Prepared) -> Hit | None:
    t = prep.cfg.thresholds
    since = row["hours_since_new_access"]
    if ev.field == "address":
        return None
    field = ev.field.replace("_", " ")
    if since > t.credential_window_h:
        # A takeover that waits out the window: the new device came in on a password alone
        # (0.75 and up: weak, or abroad, or after failed logins) and now the phone, e-mail
        # or password changes. At medium; firm: the device is new to the customer, so no
        # model can call it the customer's usual.
        if (not prep.cfg.customer_baselines or since > t.credential_weak_window_h
                or row["new_access_strong"] < 0.75 or ev.field == "device_binding"):
            return None
        return hit(prep, "ATO-CREDENTIAL-CHANGE",
                   f"{field} changed {since:.0f} h after a login from a new device with a "
                   "password alone", (ev.event_id,), score=prep.cfg.tiers.medium + 100,
                   firm=True)
    why = f"{field} changed {since:.1f} h after a login from a new device"
    strong = row["new_access_strong"] >= 1.0  # a new device in a new country, or failures
    if prep.cfg.customer_baselines and not strong and ev.field == "device_binding":
        # A new phone bound in a known country with no failed logins: the usual story.
        return hit(prep, "ATO-CREDENTIAL-CHANGE", why + " (looks like a new phone)", (
            ev.event_id,), score=prep.cfg.tiers.low + 50)
    if strong:
        why += " (new device in a new country, or after failed logins)"
    return hit(prep, "ATO-CREDENTIAL-CHANGE", why, (ev.event_id,))


def delinquency(row: FeatureRow, ev: Repayment, prep: Prepared) -> Hit | None:
    t = prep.cfg.thresholds
    dpd, partial = row["days_past_due"], row["partial_in_row"]
    if dpd >= t.delinquency_severe_dpd:
        return hit(prep, "CREDIT-DELINQUENCY", f"instalment {dpd:.0f} days past due",
                   (ev.event_id,), score=prep.cfg.severe_delinquency_score)
    if dpd >= t.delinquency_dpd:
        return hit(prep, "CREDIT-DELINQUENCY", f"instalment {dpd:.0f} days past due",
                   (ev.event_id,))
    if partial >= t.partial_in_row:
        return hit(prep, "CREDIT-DELINQUENCY", f"{partial:.0f} partial repayments in a row",
                   (ev.event_id,))
    if dpd >= t.delinquency_early_dpd and row["repay_ratio"] < t.delinquency_partial_share:
        return hit(prep, "CREDIT-DELINQUENCY",
                   f"instalment {dpd:.0f} days past due and only {row['repay_ratio']:.0%} "
                   "of it paid", (ev.event_id,))
    return None
