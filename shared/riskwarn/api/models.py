"""The staff API's request and response bodies (they become docs/openapi.json)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from riskwarn.core.config import ModelCutoffs, TierThresholds, TypologyThresholds
from riskwarn.core.drift import DriftBaseline
from riskwarn.store.alert_queries import EARLIEST

Tier = Literal["low", "medium", "high", "critical"]
Category = Literal["fraud", "aml", "account_takeover", "credit"]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
DAY = timedelta(days=1)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    statusCode: int
    message: str


class Evidence(BaseModel):
    event_id: str
    at: str
    amount: float
    direction: str
    method: str
    counterparty: str | None = None
    own_account: bool = False


class AccessItem(BaseModel):
    """A login or profile change of the last 7 days (the timeline around an alert)."""

    event_id: str
    at: str
    kind: str  # login, login_failed, change:<field>
    new_device: bool = False
    new_country: bool = False


class RepaymentItem(BaseModel):
    """A loan repayment the profile keeps (its last 12): when, how late, how much of it."""

    at: str
    days_past_due: int
    paid_share: float


class HistoryItem(BaseModel):
    at: str
    actor: str
    action: str
    detail: str


class Control(BaseModel):
    account_id: str
    control_id: str
    kind: str
    status: str
    alert_id: str | None = None
    reason: str | None = None
    created_at: str | None = None
    expires_at: str | None = None
    lifted_at: str | None = None


class FirstReview(BaseModel):
    actor: str
    outcome: str
    note: str
    at: str


class AlertSummary(BaseModel):
    alert_id: str
    customer_id: str
    account_id: str | None = None
    tier: Tier
    score: int
    risk_category: Category
    typologies: list[str]
    status: str
    created_at: str
    assignee: str | None = None
    review_stage: str | None = None
    review_due_at: str | None = None
    model_version: str | None = None


class NetworkNode(BaseModel):
    id: str  # an account (masked for roles that see masked data, but the alert's own)
    role: Literal["subject", "party"]  # the alert's own account, or another


class NetworkLink(BaseModel):
    source: str
    target: str
    amount: float  # reporting currency
    at: str


class NetworkGraph(BaseModel):
    """The money between accounts behind a mule or network alert."""

    nodes: list[NetworkNode]
    edges: list[NetworkLink]


class AlertDetail(AlertSummary):
    reason_codes: list[str]
    event_ids: list[str]
    evidence: list[Evidence]
    model_score: int = 0
    model_typology: str | None = None
    occurred_at: str
    last_evidence_at: str
    claimed_at: str | None = None
    decided_at: str | None = None
    decided_by: str | None = None
    last_decision: str | None = None
    label: str | None = None
    first_review: FirstReview | None = None
    sla_breaches: int = 0
    waiting_for_decision: bool = False
    controls: list[Control] = Field(default_factory=list)
    history: list[HistoryItem] = Field(default_factory=list)
    network: NetworkGraph | None = None


class AlertPage(BaseModel):
    items: list[AlertSummary]
    next_cursor: str | None = None


class DecisionIn(_In):
    outcome: Literal["confirmed", "false_positive", "needs_info"]
    note: Text


class DecisionOut(BaseModel):
    state: Literal["completed", "recorded", "awaiting_second_review"]
    alert: AlertDetail


class ProfileSummary(BaseModel):
    first_seen: str | None
    last_event: str | None
    events_seen: int
    transactions_last_7_days: int
    devices: list[str]
    countries: list[str]
    known_counterparties: int
    own_accounts: int
    failed_logins_recent: int
    # the ledger's last 7 days (the timeline around an alert); counterparties masked for
    # roles that see masked data
    recent_transactions: list[Evidence] = Field(default_factory=list)
    # its logins and profile changes of the last 7 days, beside them
    recent_access: list[AccessItem] = Field(default_factory=list)
    # and its loan repayments (the last 12)
    recent_repayments: list[RepaymentItem] = Field(default_factory=list)


class CustomerRisk(BaseModel):
    customer_id: str
    profile: ProfileSummary | None
    open_alerts: list[AlertSummary]
    active_controls: list[Control]
    highest_open_tier: Tier | None = None


class Rate(BaseModel):
    decided: int
    false_positives: int
    rate: float


class Summary(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    alerts: int
    by_tier: dict[str, int]
    by_category: dict[str, int]
    by_typology: dict[str, int]
    by_status: dict[str, int]
    mean_seconds_to_claim: float | None
    mean_seconds_to_decide: float | None
    sla_breaches: int
    alerts_with_sla_breach: int
    false_positive_rate_by_typology: dict[str, Rate]
    false_positive_rate_by_model_version: dict[str, Rate]
    confirmed: int
    missed_cases: int
    miss_rate: float | None
    by_day_tier: dict[str, dict[str, int]] = Field(default_factory=dict)  # UTC day -> tier
    by_day_typology: dict[str, dict[str, int]] = Field(default_factory=dict)


class MissedCaseIn(_In):
    customer_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    period_from: datetime
    period_to: datetime
    typology: Annotated[str, StringConstraints(pattern=r"^[A-Z]+(-[A-Z]+)+$")] | None = None
    note: Text

    @model_validator(mode="after")
    def _period(self) -> MissedCaseIn:
        if self.period_from.tzinfo is None or self.period_to.tzinfo is None:
            raise ValueError("period_from and period_to need a time zone (e.g. Z)")
        if self.period_from < EARLIEST or self.period_to > datetime.now(UTC) + DAY:
            raise ValueError("a missed case lies between 1970 and today")
        if self.period_from >= self.period_to:
            raise ValueError("period_from must be before period_to")
        return self


class MissedCase(BaseModel):
    report_id: str
    customer_id: str
    period_from: str
    period_to: str
    typology: str | None = None
    note: str
    reported_by: str
    created_at: str


class StrDraft(BaseModel):
    report_id: str
    alert_id: str
    customer_id: str
    account_id: str | None = None
    status: str
    created_at: str
    confirmed_by: str | None = None
    score: int | None = None
    typologies: list[str] = Field(default_factory=list)


class StrList(BaseModel):
    items: list[StrDraft]


class ThresholdsOut(BaseModel):
    version: int
    changed_by: str | None = None
    changed_at: str | None = None
    note: str | None = None
    tiers: TierThresholds
    typologies: TypologyThresholds
    model: ModelCutoffs
    drift: DriftBaseline | None = None


class ThresholdsIn(_In):
    """What changes: `tiers`, `typologies`, the model's cut-offs (`model`, as `riskwarn
    calibrate` writes them), or several; what is left out stays as it is."""

    based_on_version: Annotated[int, Field(ge=0)]
    tiers: TierThresholds | None = None
    typologies: TypologyThresholds | None = None
    model: ModelCutoffs | None = None
    drift: DriftBaseline | None = None  # sent with `model` by `riskwarn calibrate --apply`
    note: Text

    @model_validator(mode="after")
    def _something(self) -> ThresholdsIn:
        if self.tiers is None and self.typologies is None and self.model is None:
            raise ValueError("give tiers, typologies, model or several")
        return self


class ThresholdHistory(BaseModel):
    items: list[ThresholdsOut]


def drop_none(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v is not None}
