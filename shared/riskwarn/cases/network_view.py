"""The network behind an alert as nodes and edges: what `GET /alerts/{id}` returns and the
STR draft lists. Edges: the money moves a chain or a link carried on the alert (other
customers' hops included) and, for a mule or network typology, the alert's own evidence
between its account and each counterparty. Accounts other than the alert's own are masked
for roles that see masked data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskwarn.core.network import MULE_TYPOLOGIES
from riskwarn.runtime.observability import mask


def graph(alert: Mapping[str, Any], masked: bool) -> dict[str, Any] | None:
    """`alert`: the stored alert as plain values. None when it has no network."""
    subject = alert.get("account_id") or "?"
    edges: list[dict[str, Any]] = [
        {"source": e["source"], "target": e["target"], "amount": float(e["amount"]),
         "at": str(e["at"])} for e in alert.get("network") or ()]
    if MULE_TYPOLOGIES & set(alert.get("typologies") or ()):
        for e in alert.get("evidence") or ():
            cp = e.get("counterparty")
            if not cp or e.get("own_account"):
                continue
            a, b = (subject, cp) if e.get("direction") == "debit" else (cp, subject)
            edges.append({"source": a, "target": b, "amount": float(e["amount"]),
                          "at": str(e["at"])})
    if not edges:
        return None
    seen = {(e["source"], e["target"], round(e["amount"], 2), e["at"][:19]): e for e in edges}
    edges = sorted(seen.values(), key=lambda e: e["at"])

    def name(account: str) -> str:
        return mask(account) if masked and account != subject else account

    ids = list(dict.fromkeys(a for e in edges for a in (e["source"], e["target"])))
    return {
        "nodes": [{"id": name(a), "role": "subject" if a == subject else "party"} for a in ids],
        "edges": [{**e, "source": name(e["source"]), "target": name(e["target"])}
                  for e in edges],
    }
