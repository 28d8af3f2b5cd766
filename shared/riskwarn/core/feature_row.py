"""The feature row's schema: every feature by name (`FeatureRow`), how a person reads each
value (model explanations), and which of them the shipped model reads, with the direction of
risk where it is known. core/features.py computes the rows; rules, the model, training and
explanations read them by these names.
"""

from __future__ import annotations

from typing import TypedDict


class FeatureRow(TypedDict):
    """One event's features, by name. Rules read them by name; a model's input columns are
    picked by the names its card lists, so adding or reordering a feature cannot shift a
    column under a model."""

    amount: float
    is_debit: float
    is_cash: float
    is_card: float
    is_transfer: float
    amount_vs_median: float
    amount_vs_p95: float
    amount_vs_largest: float
    history_txns: float
    debit_count_1h: float
    debit_sum_1h: float
    debit_count_1h_vs_usual: float
    debit_sum_1h_vs_usual: float
    debit_sum_24h: float
    credit_sum_24h: float
    out_in_ratio_24h: float
    out_in_ratio_72h: float
    credit_sum_72h: float
    band_count_72h: float
    band_sum_72h: float
    band_usual: float
    days_since_last_txn: float
    counterparty_new: float
    counterparty_high_risk: float
    high_risk_count_7d: float
    new_cp_debit_sum_24h: float
    own_inflow_72h: float
    country_new: float
    device_new: float
    failed_logins_10m: float
    failed_logins_1h: float
    hours_since_credential_change: float
    hours_since_new_access: float
    new_access_strong: float
    small_card_10m: float
    small_card_1h: float
    listed_mcc: float
    local_hour: float
    days_past_due: float
    partial_in_row: float
    dpd_increase: float
    repay_ratio: float
    is_login: float
    is_profile_change: float
    is_repayment: float
    login_failed: float
    contact_change: float
    weak_auth: float
    tenure_days: float
    new_cp_credit_sum_72h: float
    debit_24h_vs_median: float
    inflow_24h_vs_median: float
    new_payee_24h_vs_median: float
    new_cp_credit_72h_vs_median: float
    customer_txns: float
    refund_cycles: float
    on_trip: float


# How a person reads each feature's value (model explanations).
DESCRIPTIONS: dict[str, str] = {
    "amount": "amount {v:,.0f} {cur}",
    "is_debit": "money leaving the account",
    "is_cash": "a cash transaction",
    "is_card": "a card payment",
    "is_transfer": "a transfer",
    "amount_vs_median": "amount {v:.1f}x the customer's 90-day median",
    "amount_vs_p95": "amount {v:.1f}x the customer's 90-day 95th percentile",
    "amount_vs_largest": "amount {v:.1f}x the largest the customer has paid recently",
    "history_txns": "only {v:.0f} transactions of history",
    "debit_count_1h": "{v:.0f} debits in the last hour",
    "debit_sum_1h": "{v:,.0f} {cur} debited in the last hour",
    "debit_count_1h_vs_usual": "debits in the last hour {v:.1f}x the customer's usual",
    "debit_sum_1h_vs_usual": "amount debited in the last hour {v:.1f}x the customer's usual",
    "debit_sum_24h": "{v:,.0f} {cur} debited in 24 h",
    "credit_sum_24h": "{v:,.0f} {cur} received from other parties in 24 h",
    "out_in_ratio_24h": "{v:.0%} of the last 24 h's inflow sent on to other parties",
    "out_in_ratio_72h": "{v:.0%} of the last 72 h's inflow sent on to other parties",
    "credit_sum_72h": "{v:,.0f} {cur} received from other parties in 72 h",
    "band_count_72h": "{v:.0f} cash movements of 50-100% of the reporting threshold in 72 h",
    "band_sum_72h": "near-threshold cash totalling {v:,.0f} {cur} in 72 h",
    "band_usual": "the customer's usual near-threshold cash: {v:.1f} a month",
    "days_since_last_txn": "{v:.0f} days since the previous transaction",
    "counterparty_new": "a counterparty the customer has not paid before",
    "counterparty_high_risk": "a counterparty in a high-risk country",
    "high_risk_count_7d": "{v:.0f} transfers with high-risk countries in 7 days",
    "new_cp_debit_sum_24h": "{v:,.0f} {cur} transferred to new payees in 24 h",
    "own_inflow_72h": "{v:,.0f} {cur} moved in from the customer's own accounts in 72 h",
    "country_new": "activity from a country not seen before",
    "device_new": "a device not seen before",
    "failed_logins_10m": "{v:.0f} failed logins in 10 minutes",
    "failed_logins_1h": "{v:.0f} failed logins in the last hour",
    "hours_since_credential_change": "{v:.1f} h after a credential change",
    "hours_since_new_access": "{v:.1f} h after a login from a new device or country",
    "new_access_strong": "the new access came from a new device in a new country or after "
                         "failed logins",
    "small_card_10m": "{v:.0f} small card payments in 10 minutes",
    "small_card_1h": "{v:.0f} small card payments in the last hour",
    "listed_mcc": "a merchant category on the card schemes' high-risk list",
    "local_hour": "at {v:.0f}h local time",
    "days_past_due": "{v:.0f} days past due",
    "partial_in_row": "{v:.0f} partial repayments in a row",
    "dpd_increase": "days past due up {v:.0f} since the previous instalment",
    "repay_ratio": "paid {v:.0%} of the instalment",
    "is_login": "a login",
    "is_profile_change": "a profile change",
    "is_repayment": "a loan repayment",
    "login_failed": "a failed login",
    "contact_change": "a change of phone, e-mail or password",
    "weak_auth": "a password-only login",
    "tenure_days": "customer known for {v:.0f} days",
    "new_cp_credit_sum_72h": "{v:,.0f} {cur} received from new counterparties in 72 h",
    "debit_24h_vs_median": "debits of the last 24 h {v:.1f}x the customer's typical debit",
    "inflow_24h_vs_median": "inflow of the last 24 h {v:.1f}x the customer's typical credit",
    "new_payee_24h_vs_median": "sent to new payees in 24 h: {v:.1f}x the customer's typical "
                               "debit",
    "new_cp_credit_72h_vs_median": "received from new counterparties in 72 h: {v:.1f}x the "
                                   "customer's typical credit",
    "customer_txns": "{v:.0f} transactions of the customer's history",
    "refund_cycles": "{v:.0f} card purchases refunded by the merchant within hours, in 24 h",
    "on_trip": "in a country the customer's own device logged in from on arrival (a trip)",
}
FEATURE_NAMES: tuple[str, ...] = tuple(FeatureRow.__annotations__)

# What the shipped model reads, with the direction of risk where it is known (+1: risk
# never falls as the value rises; -1: never rises; 0: free). Only behaviour relative to the
# customer (ratios, counts, new/known, times since): no absolute amount, no merchant
# category, no local hour or tenure, so no one book's scale or mix can drive it.
MODEL_INPUTS: dict[str, int] = {
    "is_debit": 0, "is_cash": 0, "is_card": 0, "is_transfer": 0,
    "amount_vs_median": 1, "amount_vs_p95": 1,
    "history_txns": 0,
    "debit_count_1h": 1, "debit_count_1h_vs_usual": 1, "debit_sum_1h_vs_usual": 1,
    "debit_24h_vs_median": 1, "inflow_24h_vs_median": 1,
    "out_in_ratio_24h": 1, "out_in_ratio_72h": 1,
    "band_count_72h": 1,
    "days_since_last_txn": 0,
    "counterparty_new": 1, "counterparty_high_risk": 1, "high_risk_count_7d": 1,
    "new_payee_24h_vs_median": 1, "new_cp_credit_72h_vs_median": 1,
    "country_new": 1, "device_new": 1,
    "failed_logins_10m": 1, "failed_logins_1h": 1,
    "hours_since_credential_change": -1, "hours_since_new_access": -1,
    "new_access_strong": 1,
    "small_card_10m": 1, "small_card_1h": 1,
    "days_past_due": 1, "partial_in_row": 1, "dpd_increase": 1, "repay_ratio": -1,
    "is_login": 0, "is_profile_change": 0, "is_repayment": 0,
    "login_failed": 1, "contact_change": 1, "weak_auth": 0,
    "refund_cycles": 1, "on_trip": -1,
}
