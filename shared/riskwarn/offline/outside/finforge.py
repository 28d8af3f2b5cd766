"""finforge 3.0.0 (MIT) → the event contract.

Each row is one card payment or transfer of one user. Amounts are USD-like: they enter as
USD and are converted like any foreign amount. Merchant categories are mapped to ISO 18245
codes by finforge's own category (and, for a few merchants whose category is generic, by
their kind: gift cards, wallet top-ups, crypto exchanges, online gaming), as an acquirer
would report them. Transfers finforge describes only as "Incoming Transfer" / "Outgoing
Transfer" name no party (counterparty null). One episode per labelled fraud scenario
(`fraud_scenario_id`).
"""

from __future__ import annotations

import re
from typing import Any

from riskwarn.offline.outside import Converted, OutsideSpec, iso

TRANSFER_CATEGORIES = {"transfer", "income", "business_income", "payroll", "vendor_payment",
                       "office_rent", "housing", "professional_services", "insurance"}
MCC = {"food": "5814", "coffee": "5814", "dining": "5812", "meals": "5812",
       "groceries": "5411", "travel": "4121", "business_travel": "4722", "fuel": "5541",
       "shopping": "5311", "entertainment": "7832", "subscription": "4899",
       "software": "5734", "utilities": "4900", "healthcare": "8062", "education": "8211",
       "inventory": "5046"}
MERCHANT_MCC = {"Luxury Electronics": "5732", "Gift Cards": "5999",
                "Digital Wallet Topup": "6540", "Crypto Exchange": "6051",
                "Online Gaming": "7994", "Pharmacy": "5912", "Flipkart": "5999",
                "Amazon": "5999", "Premium Marketplace": "5999"}
# finforge's fraud types → the nearest riskwarn typology (for the typology model's name
# only; detection counts any alert on the scenario's events).
TYPOLOGY = {"card_fraud": "FRAUD-VELOCITY", "account_takeover": "ATO-DRAIN",
            "mule_account": "AML-RAPID-MOVEMENT", "refund_abuse": "FRAUD-REFUND-ABUSE",
            "business_invoice_fraud": "FRAUD-UNUSUAL-AMOUNT"}


# finforge writes these as the "merchant" of transfers that name no party: a description,
# not a counterparty (the contract's null)
UNNAMED = {"Incoming Transfer", "Outgoing Transfer"}


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").upper()[:60]


def convert(spec: OutsideSpec) -> Converted:
    from finforge import DatasetGenerator

    months = max(1, round(spec.days / 30))
    df = (DatasetGenerator(seed=spec.seed).with_users(spec.customers).with_persona("mixed")
          .for_months(months).with_fraud(rate=0.03).generate())
    events: list[dict[str, Any]] = []
    episodes: list[dict[str, Any]] = []
    cols = ("transaction_id", "user_id", "timestamp", "merchant", "category", "amount",
            "transaction_type", "fraud_type", "fraud_scenario_id")
    for tid, user, ts, merchant, category, amount, kind, fraud, scenario in zip(
            *(df[c] for c in cols), strict=True):
        value = round(abs(float(amount)), 2)
        if value < 0.01:
            continue
        transfer = category in TRANSFER_CATEGORIES or "Transfer" in merchant
        event: dict[str, Any] = {
            "event_id": f"ff-{spec.seed}-{tid}", "event_type": "transaction",
            "occurred_at": iso(ts), "customer_id": f"FF-{user}",
            "account_id": f"FF-{user}-01", "channel": "mobile" if transfer else "pos",
            "amount": f"{value:.2f}", "currency": "USD",
            "direction": "credit" if kind == "credit" else "debit",
            "method": "transfer" if transfer else "card",
            "counterparty_id": None if merchant in UNNAMED else f"FFM-{_slug(merchant)}",
        }
        if not transfer:
            event["merchant_category"] = MERCHANT_MCC.get(merchant, MCC.get(category, "5999"))
        events.append(event)
        if fraud != "none":
            episodes.append({"event_id": event["event_id"], "episode": f"FF-{scenario}",
                             "typology": TYPOLOGY.get(fraud, "FRAUD-UNUSUAL-AMOUNT"),
                             "subtle": False, "source_type": fraud})
    return Converted(events, episodes)
