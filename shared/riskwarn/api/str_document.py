"""A suspicious-transaction report draft as a document an investigator completes and files.

The draft holds what riskwarn knows (the alert, its reasons and the evidence); the sections
a person must write are marked. Masked for roles that do not investigate.
"""

from __future__ import annotations

from typing import Any

from riskwarn.cases.network_view import graph
from riskwarn.runtime.observability import mask


def render(draft: dict[str, Any], masked: bool) -> str:
    def party(value: str | None) -> str:
        return (mask(value) if masked else value) or "-"

    lines = [
        f"# Suspicious-transaction report — DRAFT {draft['report_id']}",
        "",
        f"- Status: {draft.get('status', 'draft')}",
        f"- Created: {draft.get('created_at', '-')}",
        f"- Alert: {draft.get('alert_id', '-')} (score {draft.get('score', '-')})",
        f"- Customer: {draft.get('customer_id', '-')}",
        f"- Account: {draft.get('account_id', '-')}",
        f"- Confirmed by: {draft.get('confirmed_by', '-')}",
        f"- Typologies: {', '.join(draft.get('typologies', [])) or '-'}",
        "",
        "## Grounds for suspicion (from the alert)",
        "",
        *[f"- {r}" for r in draft.get("reason_codes", [])],
        "",
        "## Reviewer's note",
        "",
        str(draft.get("note") or "-"),
        "",
        "## Transactions",
        "",
        "| time | direction | method | amount | counterparty | own account |",
        "|---|---|---|---:|---|---|",
    ]
    for e in draft.get("evidence", []):
        lines.append(f"| {e.get('at', '-')} | {e.get('direction', '-')} | "
                     f"{e.get('method', '-')} | {float(e.get('amount', 0)):,.2f} | "
                     f"{party(e.get('counterparty'))} | "
                     f"{'yes' if e.get('own_account') else 'no'} |")
    network = graph(draft, masked)
    if network is not None:
        lines += ["", "## Money between accounts (the network)", "",
                  "| time | from | to | amount |", "|---|---|---|---:|"]
        lines += [f"| {e['at']} | {e['source']} | {e['target']} | {e['amount']:,.2f} |"
                  for e in network["edges"]]
    lines += ["", f"Evidence event ids: {', '.join(draft.get('event_ids', [])) or '-'}", "",
              "## To be completed by the reporting officer", "",
              "- Subject details as held in the customer record",
              "- Narrative: what is suspicious and why", "",
              "- Action taken (account frozen by riskwarn's disposition workflow)", ""]
    return "\n".join(lines)
