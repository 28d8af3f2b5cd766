"""What a typology rule returns when it fires (`Hit`), the typology codes and their risk
categories, and the one way a rule makes a hit (severity from the config)."""

from __future__ import annotations

from dataclasses import dataclass

from riskwarn.core.features import Prepared
from riskwarn.core.network import MAX_EVIDENCE, Edge  # one bound for a hit's evidence

CATEGORY = {
    "AML-LARGE-CASH": "aml",
    "AML-STRUCTURING": "aml",
    "AML-RAPID-MOVEMENT": "aml",
    "AML-HIGH-RISK-GEO": "aml",
    "AML-DORMANT-REACTIVATION": "aml",
    "FRAUD-VELOCITY": "fraud",
    "FRAUD-UNUSUAL-AMOUNT": "fraud",
    "FRAUD-CARD-TESTING": "fraud",
    "ATO-LOGIN-BURST": "account_takeover",
    "ATO-CREDENTIAL-CHANGE": "account_takeover",
    "ATO-DRAIN": "account_takeover",
    "CREDIT-DELINQUENCY": "credit",
    # appended, not interleaved: the typology model's class indices follow this order
    "AML-MULE-FAN-IN": "aml",
    "AML-MULE-FAN-OUT": "aml",
    "AML-PASS-THROUGH": "aml",
    "AML-LAYERING-CHAIN": "aml",
    "NETWORK-LINKED": "aml",
    "FRAUD-REFUND-ABUSE": "fraud",
}
TYPOLOGIES: tuple[str, ...] = tuple(CATEGORY)


@dataclass(frozen=True, slots=True)
class Hit:
    code: str
    score: int
    reason: str
    evidence: tuple[str, ...]
    tempered: bool
    boost: int = 0  # added to the event's other hits (NETWORK-LINKED: a confirmed case near)
    # money between accounts behind the hit (from, to, amount, epoch s): the network a
    # chain or a link shows on its alert
    network: tuple[Edge, ...] = ()
    # the flow behind the hit is familiar to the customer (AML-RAPID-MOVEMENT: from and to
    # parties it has dealt with, or its usual cash takings)
    familiar: bool = False
    # another typology this hit states again on the same flow: it adds no weight of its own
    # when that typology is on the event (two statements of one flow are not two findings)
    restates: str = ""
    # the hit stands at its tier only when the model sees some risk in the event (its score
    # at low or above); a model that sees none holds it a tier lower (FRAUD-VELOCITY paid
    # mostly to payees the customer knows: its own spending at a faster pace)
    corroborate: bool = False
    # AML-RAPID-MOVEMENT's conduit (strangers' money far beyond the customer's scale, paid
    # on to a stranger within the hour): no standing of the account answers that
    conduit: bool = False
    # FRAUD-UNUSUAL-AMOUNT on a customer with little history (a fixed amount, nothing of
    # the customer's own to measure against): what calibration counts to set that amount
    little_history: bool = False

    @property
    def category(self) -> str:
        return CATEGORY[self.code]


def hit(prep: Prepared, code: str, reason: str, evidence: tuple[str, ...],
         score: int | None = None, tempered: bool = False, firm: bool = False) -> Hit:
    """`tempered`: the model may lower this hit even if its typology is not tempered;
    `firm`: it may not, whatever the typology (the pattern is unusual for anyone)."""
    sev = prep.cfg.severity[code]
    return Hit(code, sev.score if score is None else score, reason, evidence[-MAX_EVIDENCE:],
               (sev.tempered or tempered) and not firm and prep.cfg.use_model)
