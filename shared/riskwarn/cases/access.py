"""Who may do what: the staff roles and the rules behind every API route.

| action                                   | analyst | supervisor | auditor | admin |
|------------------------------------------|---------|------------|---------|-------|
| read alerts, customers, reports, config  | yes     | yes        | yes     | yes   |
| claim an alert                           | yes     | yes        | no      | no    |
| decide a low / medium / high alert       | yes     | yes        | no      | no    |
| decide an escalated alert                | no      | yes        | no      | no    |
| critical: first review                   | yes     | yes        | no      | no    |
| critical: confirm or clear (final)       | no      | yes, not the first reviewer | no | no |
| report a missed case                     | yes     | yes        | no      | no    |
| change thresholds                        | no      | no         | no      | yes   |

Auditors and admins read device ids, IP addresses and counterparty accounts masked;
analysts and supervisors, who investigate, read them in clear.
docs/api.md carries the same table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ROLES = ("analyst", "supervisor", "auditor", "admin")
READERS = frozenset(ROLES)
REVIEWERS = frozenset({"analyst", "supervisor"})
SUPERVISORS = frozenset({"supervisor"})
ADMINS = frozenset({"admin"})


class Forbidden(Exception):
    pass


class Unauthenticated(Exception):
    pass


@dataclass(frozen=True)
class Caller:
    user: str
    groups: frozenset[str]

    @classmethod
    def from_claims(cls, claims: dict[str, Any] | None) -> Caller:
        """The caller as API Gateway's Cognito authorizer (or the local stack's) passes it:
        `cognito:username` (or `sub`) and `cognito:groups` (a list, or a comma/space
        separated string as API Gateway flattens it)."""
        if not claims:
            raise Unauthenticated("no authenticated caller")
        user = claims.get("cognito:username") or claims.get("username") or claims.get("sub")
        raw = claims.get("cognito:groups", "")
        if isinstance(raw, str):
            groups = raw.strip("[]").replace(",", " ").split()
        else:
            groups = [str(g) for g in raw]
        if not user:
            raise Unauthenticated("the token names no user")
        return cls(str(user), frozenset(g for g in groups if g in ROLES))

    def require(self, allowed: Iterable[str], doing: str) -> None:
        if not self.groups & frozenset(allowed):
            raise Forbidden(f"{doing} needs one of the roles: {', '.join(sorted(allowed))}")

    @property
    def masked_view(self) -> bool:
        """Only reviewers need a customer's devices, IPs and counterparties in clear;
        auditors and admins read them masked."""
        return not self.groups & REVIEWERS

    @property
    def is_supervisor(self) -> bool:
        return bool(self.groups & SUPERVISORS)
