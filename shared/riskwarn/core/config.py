"""Scoring configuration: every threshold the typologies and tiers use, in one model.

Defaults follow DESIGN.md's typology and tier tables. A deployment overrides them with a JSON
file (`riskwarn backtest --config FILE`, or `RISKWARN_SCORING_CONFIG` for the Lambda).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, model_validator

from riskwarn.core.drift import DriftBaseline

Tier = Literal["low", "medium", "high", "critical"]
TIERS: tuple[Tier, ...] = ("low", "medium", "high", "critical")

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[3] / "models" / "risk-model-v2.onnx"

# Indicative rates into CNY; a deployment loads its treasury's daily table.
DEFAULT_RATES: dict[str, Decimal] = {
    "CNY": Decimal("1"),
    "USD": Decimal("7.20"),
    "EUR": Decimal("7.80"),
    "GBP": Decimal("9.10"),
    "HKD": Decimal("0.92"),
    "JPY": Decimal("0.048"),
    "SGD": Decimal("5.35"),
    "AUD": Decimal("4.70"),
    "CAD": Decimal("5.20"),
    "CHF": Decimal("8.10"),
    "MOP": Decimal("0.89"),
    "TWD": Decimal("0.22"),
    "KRW": Decimal("0.0052"),
    "THB": Decimal("0.20"),
}

# Illustrative list; compliance maintains the real one (FATF call-for-action and grey lists).
DEFAULT_HIGH_RISK_COUNTRIES = ("KP", "IR", "MM", "SY", "YE", "AF", "VU", "HT", "SS", "ML")

# Merchant categories the card schemes class as high risk (Visa's high-brand-risk and
# Mastercard's high-risk merchant registration programmes): money transfer (4829),
# quasi-cash and crypto (6051), stored-value loads (6540), betting and gambling (7995,
# 7801, 7802), telemarketing and direct marketing (5962, 5966, 5967). A rule input only:
# everyday categories (electronics 5732, miscellaneous retail 5999) are not on it, and the
# model never reads a category.
DEFAULT_RISKY_MCC = ("4829", "6051", "6540", "7995", "7801", "7802", "5962", "5966", "5967")

# Typologies a regulator requires to be looked at: the model may never hold them below
# medium (large cash transactions, structuring, high-risk jurisdictions).
DEFAULT_REGULATORY = ("AML-LARGE-CASH", "AML-STRUCTURING", "AML-HIGH-RISK-GEO")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TierThresholds(_Frozen):
    """Score (0–1000) at which each tier starts; below `low` no alert is raised."""

    low: int = 300
    medium: int = 500
    high: int = 700
    critical: int = 850

    @model_validator(mode="after")
    def _ordered(self) -> TierThresholds:
        if not 0 < self.low < self.medium < self.high < self.critical <= 1000:
            raise ValueError(
                "tier thresholds must rise: 0 < low < medium < high < critical <= 1000")
        return self

    def tier_for(self, score: int) -> Tier | None:
        if score >= self.critical:
            return "critical"
        if score >= self.high:
            return "high"
        if score >= self.medium:
            return "medium"
        if score >= self.low:
            return "low"
        return None


class ModelCutoffs(_Frozen):
    """Model risk (P(episode), 0..1) at which a model-driven score reaches low, medium and
    high; between cut-offs the score is interpolated, so tier thresholds keep their meaning.
    The model's score stops at the top of `model_alone_max_tier`: it never reaches critical.
    `riskwarn calibrate` sets these from a book's own history (alert budget)."""

    # Shipped defaults are deliberately strict: until a book is calibrated, the model alone
    # raises little (a model meeting a book it never saw scores it higher than its own).
    # Medium at 0.84, not 0.80: on our held-out seed the model alone raised 20 alerts
    # between the two, 1 of them on an episode (docs/typologies.md)
    low: float = 0.50
    medium: float = 0.84
    high: float = 0.95

    @model_validator(mode="after")
    def _ordered(self) -> ModelCutoffs:
        if not 0 < self.low < self.medium < self.high < 1:
            raise ValueError("model cut-offs must rise: 0 < low < medium < high < 1")
        return self


class AlertBudget(_Frozen):
    """Alerts per 1,000 customer-days a book can staff, per tier; and the share of them that
    the model alone may raise (medium and above). Backtests flag a run over budget;
    calibration sets the model's cut-offs to meet `model_only`, and FRAUD-UNUSUAL-AMOUNT's
    amount for customers with little history to meet `little_history`."""

    low: float = 20.0
    medium: float = 3.0
    high: float = 1.5
    critical: float = 0.5
    model_only: float = 0.5
    little_history: float = 0.5

    def for_tier(self, tier: Tier) -> float:
        return float(getattr(self, tier))


class ModelRail(_Frozen):
    """The flood rail (core/model_rail.py): when the model alone would raise more than
    `factor` × the budget's model-only rate on the book being scored, its cut-offs rise
    until it does not (never below the cut-offs in force). Measured over a window of the
    book's active customer-days decayed with `half_life_days`, after `min_customer_days`."""

    enabled: bool = True
    factor: float = Field(default=8.0, ge=1.0)
    half_life_days: float = Field(default=14.0, gt=0)
    min_customer_days: int = Field(default=5000, ge=1)


# Thresholds a release removed: a thresholds version stored before it still loads (they are
# dropped, not refused). established_payers / established_payees: a counterparty's two-way
# trade at any scale, replaced by its payouts at the payment's size (core/standing.py).
RETIRED_THRESHOLDS = ("established_payers", "established_payees")


class TypologyThresholds(_Frozen):
    """Defaults from DESIGN.md's typology table; amounts are in the reporting currency."""

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(k in data for k in RETIRED_THRESHOLDS):
            return {k: v for k, v in data.items() if k not in RETIRED_THRESHOLDS}
        return data

    large_cash: float = 50_000.0
    structuring_band_low: float = 0.80
    structuring_min_count: int = 3
    structuring_window_h: float = 24.0
    structuring_usual_per_month: float = 4.0  # a customer who banks like this every week
    rapid_in_floor: float = 20_000.0
    rapid_out_ratio: float = 0.80
    # and at most this multiple of it: debits of far more than came in are the customer's
    # own money leaving (a purchase from savings, a bill), which the receipt does not explain
    rapid_max_out: float = 1.5
    rapid_window_h: float = 24.0
    # ... or the account used as a conduit (typologies_flow.conduit): a payment to a payee
    # new to the customer, at least conduit_multiple × its largest typical amount and
    # conduit_floor, within conduit_window_h of a receipt from a payer new to it that was as
    # unusual for it, the two within conduit_ratio of each other either way
    conduit_window_h: float = 1.0
    conduit_multiple: float = 8.0
    conduit_floor: float = 5_000.0
    conduit_ratio: float = 25.0
    # money from parties the customer has dealt with before, or sent on to payees it has
    # paid before (under this share new): a business paid by its clients paying suppliers,
    # a family pooling for a purchase or paid on to the landlord, an investor moving a
    # redemption to the broker; the hit stands a tier lower (medium), and at low when the
    # model sees no risk in it
    rapid_new_share: float = 0.25
    # Cash paid in counts as money from a known party only at the customer's usual scale: a
    # shop banking its takings every day (cash on at least `cash_usual_days` days, decayed
    # like the other statistics) pays its family or a new supplier from them; cash beyond
    # `cash_usual_multiple` x its usual cash for the window (or from a customer who does not
    # bank cash) is nobody's money anyone can name
    cash_usual_days: float = Field(default=5.0, gt=0)
    cash_usual_multiple: float = Field(default=2.0, gt=0)
    high_risk_geo_floor: float = 1_000.0
    high_risk_repeat_count: int = 3  # under the floor, this many in 7 days fire
    high_risk_countries: tuple[str, ...] = DEFAULT_HIGH_RISK_COUNTRIES
    dormant_days: float = 180.0
    dormant_floor: float = 5_000.0
    dormant_wake_window_h: float = 72.0  # a large amount this soon after waking still counts
    velocity_multiple: float = 4.0
    velocity_min_count: int = 5
    velocity_min_sum: float = 5_000.0
    velocity_fixed_count: int = 6
    velocity_fixed_sum: float = 30_000.0
    # the card's day (typologies_velocity._card_day): at least velocity_day_min_count card
    # payments in 24 h whose sum without the largest is at least velocity_day_min_sum and
    # velocity_day_multiple x the card's usual active day over the week before, measured on
    # at least velocity_day_min_days days the card was used
    velocity_day_multiple: float = 10.0
    velocity_day_min_count: int = 5
    velocity_day_min_sum: float = 1_000.0
    velocity_day_min_days: int = 3
    unusual_multiple: float = 8.0
    unusual_floor: float = 10_000.0
    # a customer without a baseline of the payment's kind: at least this much, and
    # unusual_multiple x its largest typical amount of any kind
    unusual_fixed_amount: float = 30_000.0
    # a customer with little history (under baseline_min_txns transactions): this much, the
    # book's own scale (`riskwarn calibrate` sets it to the budget's `little_history` rate)
    unusual_little_history_amount: float = 30_000.0
    unusual_known_payee_factor: float = 3.0  # the multiple, ×3, to a payee paid before
    unusual_p95_multiple: float = 2.0  # and at least this many times the customer's p95
    # paid with money the customer moved in from its own accounts within 72 h (at least this
    # share of the amount): a planned payment (tuition, a car), standing only with the
    # model's support; a takeover's sweep of the savings is ATO-DRAIN's and the model's
    unusual_own_funded_share: float = Field(default=0.5, gt=0)
    # ... and held at low when paid to a counterparty the book trades with (core/standing.py;
    # also a one-hop chain receipt from one, and the rapid movement, pass-through and
    # unusual amount of one's own account): it has paid established_payouts of our other
    # customers sums of the payment's size (within established_scale_bands powers of two
    # below it: 2, a quarter of it or more), first seen established_days ago or more (a
    # broker, an exchange, an employer)
    established_days: float = Field(default=14.0, ge=0)
    established_payouts: int = Field(default=3, ge=1, le=8)
    established_scale_bands: int = Field(default=2, ge=0, le=8)
    # and this many times the largest of its kind the customer has paid recently (decayed:
    # a month-old largest counts half), so a rare but recurring large payment is its own
    unusual_largest_multiple: float = 2.5
    # FRAUD-UNUSUAL-AMOUNT split over new payees (typologies._new_payee_split): at least
    # split_min_payees transfers to payees new to the customer within split_window_h, each
    # split_multiple times its typical transfer or more, split_floor in all; not for a
    # customer that has made split_known_transfers transfers or more and sent
    # split_usual_share of them or more to new payees (new payees are its usual)
    split_min_payees: int = 2
    split_window_h: float = 6.0
    split_multiple: float = 2.0
    split_floor: float = 5_000.0
    split_known_transfers: int = 4
    split_usual_share: float = 0.8
    baseline_min_txns: int = 8
    card_testing_count: int = 5
    card_testing_merchants: int = 3
    card_testing_small: float = 100.0
    card_testing_window_min: float = 10.0
    # the slower test: this many small payments within the hour, at merchants all new to
    # the card (a tester spreads its probes out; a customer's coffee shops are known ones)
    card_testing_slow_count: int = 4
    card_testing_slow_window_min: float = 60.0
    login_burst_count: int = 5
    login_burst_window_min: float = 10.0
    # the slower test (with customer baselines): this many failed logins within the hour,
    # the latest from a device and a country both new to the customer (a guesser spreads
    # its tries out to stay under the fast test; a customer who forgot its password tries
    # from its own phone, or from home)
    login_burst_slow_count: int = 8
    credential_window_h: float = 24.0
    # after a login from a new device with a password alone (single-factor: weak proof that
    # it is the customer), a change of phone, e-mail or password stays suspect this long
    credential_weak_window_h: float = 72.0
    drain_floor: float = 10_000.0
    drain_share_of_balance_proxy: float = 0.5
    delinquency_dpd: int = 30
    delinquency_severe_dpd: int = 90
    partial_in_row: int = 2
    # early delinquency: past due by this many days and paying less than this share
    delinquency_early_dpd: int = 10
    delinquency_partial_share: float = 0.8
    risky_mcc: tuple[str, ...] = DEFAULT_RISKY_MCC
    # Mule typologies (core/mule.py). A passage: at least `pass_floor` in from other parties
    # within `pass_window_h` and `pass_share` of it sent on to other parties since.
    pass_floor: float = 20_000.0
    pass_share: float = 0.7
    # and at most this multiple of it: an account sending on more than came in draws on
    # money it had (a purchase from savings), not money passing through
    pass_max_out: float = 1.3
    pass_window_h: float = 6.0
    # AML-PASS-THROUGH: over 7 days, at least 2 x pass_floor in and this share of it out
    # again (the balance stays near zero); an account younger than young_account_days
    # scores young_account_bonus more
    pass_week_share: float = 0.9
    young_account_days: float = 30.0
    young_account_bonus: int = 80
    # AML-MULE-FAN-IN / -FAN-OUT: this many distinct parties new to the account within the
    # fan window, at least fan_floor in, and fan_sent_share of it sent on
    fan_window_h: float = 36.0
    fan_min_parties: int = 5
    fan_floor: float = 20_000.0
    fan_sent_share: float = 0.6
    # AML-PASS-THROUGH by forwarding (core/mule.forwarding): inflows each sent on almost
    # whole (at least forward_share of it, not more) within forward_within_h, at least
    # forward_min_cycles times within forward_window_h and forward_floor in all: an account
    # that keeps nothing of what it receives, whatever the size of the sums
    forward_share: float = 0.85
    forward_within_h: float = 1.0
    forward_window_h: float = 24.0
    forward_min_cycles: int = 3
    forward_floor: float = 2_000.0
    # FRAUD-REFUND-ABUSE: card purchases refunded by the same merchant (at least
    # refund_share of the purchase, not more) within refund_within_h, at least
    # refund_min_cycles times within refund_window_h and refund_floor refunded in all
    refund_share: float = 0.9
    refund_within_h: float = 6.0
    refund_window_h: float = 24.0
    refund_min_cycles: int = 2
    refund_floor: float = 2_000.0
    # AML-LAYERING-CHAIN (core/network.py): passages linked across accounts, each hop sent
    # on within chain_window_h of the one before; a chain of chain_min_hops pass-through
    # accounts fires; an account receiving from a pass-through account scores
    # chain_receive_score when the money came through at least chain_receive_hops of them
    chain_window_h: float = 24.0
    chain_min_hops: int = 2
    chain_receive_hops: int = 1
    chain_receive_score: int = 580
    # a credit of at least chain_pending_floor from a payer new to the customer that no hop
    # explained waits chain_window_h for the payer's hop (another shard's, a moment later)
    chain_pending_floor: float = 1_000.0
    # NETWORK-LINKED (core/network.linked): strength 1 at one hop from a confirmed mule or
    # fraud account, linked_second_hop at two; halved every linked_half_life_days; times
    # (amount / linked_amount_ref)^0.5, at most 1. Below linked_min_strength nothing fires;
    # the hit scores linked_base_score + strength x linked_span and adds strength x
    # linked_boost to the event's other hits
    linked_second_hop: float = 0.5
    linked_half_life_days: float = 30.0
    linked_amount_ref: float = 20_000.0
    linked_min_strength: float = 0.1
    linked_base_score: int = 300
    linked_span: int = 300
    linked_boost: int = 200

    @model_validator(mode="after")
    def _sane(self) -> TypologyThresholds:
        """Amounts, counts and windows are positive; shares are between 0 and 1 (a threshold
        changed through the staff API meets the same check)."""
        for name, value in self:
            if isinstance(value, int | float) and not isinstance(value, bool) and value <= 0:
                raise ValueError(f"{name} must be positive")
        for name in SHARES:
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} is a share: between 0 and 1")
        for name, pattern, what in LISTS:
            values = getattr(self, name)
            bad = [v for v in values if not re.fullmatch(pattern, v)]
            if bad:
                raise ValueError(f"{name}: {', '.join(bad[:3])} not {what}")
            if len(set(values)) != len(values):
                raise ValueError(f"{name}: each code once")
        self._windows()
        if not self.delinquency_early_dpd <= self.delinquency_dpd <= self.delinquency_severe_dpd:
            raise ValueError("delinquency days past due must rise: early <= dpd <= severe")
        for low, high in (("rapid_out_ratio", "rapid_max_out"), ("pass_share", "pass_max_out")):
            if getattr(self, high) < getattr(self, low):
                raise ValueError(f"{high} must be at least {low}: the sent-on band is empty")
        if self.delinquency_dpd > self.delinquency_severe_dpd:
            raise ValueError("delinquency_dpd must not exceed delinquency_severe_dpd")
        return self

    def _windows(self) -> None:
        """Windows the day's inflow or the ledger's week bound."""
        if self.pass_window_h > 24.0:
            raise ValueError("pass_window_h must be at most 24 (the day's inflow bounds it)")
        if self.forward_within_h > 24.0:
            raise ValueError("forward_within_h must be at most 24 (the day's inflow bounds it)")
        for name in ("forward_window_h", "refund_window_h", "split_window_h"):
            if getattr(self, name) > 168.0:
                raise ValueError(f"{name} must be at most 168 (the ledger keeps a week)")
        if self.fan_window_h > 72.0:
            raise ValueError("fan_window_h must be at most 72")


# the typology thresholds that are lists of codes: name, form, what the form is
LISTS = (("high_risk_countries", r"[A-Z]{2}", "ISO 3166 country codes (two capitals)"),
         ("risky_mcc", r"[0-9]{4}", "ISO 18245 merchant category codes (four digits)"))
SHARES = ("structuring_band_low", "rapid_out_ratio", "drain_share_of_balance_proxy",
          "delinquency_partial_share", "pass_share", "pass_week_share", "fan_sent_share",
          "linked_second_hop", "linked_min_strength", "forward_share", "refund_share",
          "split_usual_share")


class Severity(_Frozen):
    """Score a typology contributes when it fires, and whether a confident model may hold
    it at `low` (never for reportable or unambiguous patterns)."""

    score: int
    tempered: bool = False


DEFAULT_SEVERITY: dict[str, Severity] = {
    "AML-LARGE-CASH": Severity(score=560),
    "AML-STRUCTURING": Severity(score=760),
    "AML-RAPID-MOVEMENT": Severity(score=720, tempered=True),
    "AML-HIGH-RISK-GEO": Severity(score=700),
    "AML-DORMANT-REACTIVATION": Severity(score=600, tempered=True),
    "FRAUD-VELOCITY": Severity(score=680, tempered=True),
    "FRAUD-UNUSUAL-AMOUNT": Severity(score=640, tempered=True),
    "FRAUD-CARD-TESTING": Severity(score=820),
    "ATO-LOGIN-BURST": Severity(score=560),
    "ATO-CREDENTIAL-CHANGE": Severity(score=740, tempered=True),
    "ATO-DRAIN": Severity(score=900),
    "CREDIT-DELINQUENCY": Severity(score=560),
    "AML-MULE-FAN-IN": Severity(score=760),
    "AML-MULE-FAN-OUT": Severity(score=740),
    "AML-PASS-THROUGH": Severity(score=600, tempered=True),
    "AML-LAYERING-CHAIN": Severity(score=760),
    "FRAUD-REFUND-ABUSE": Severity(score=620),
    # scored by its link's strength (thresholds.linked_*); this is its most
    "NETWORK-LINKED": Severity(score=600),
}


class ScoringConfig(_Frozen):
    reporting_currency: str = "CNY"
    rates: dict[str, Decimal] = Field(default_factory=lambda: dict(DEFAULT_RATES))
    local_utc_offset_h: float = 8.0
    thresholds: TypologyThresholds = TypologyThresholds()
    severity: dict[str, Severity] = Field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    tiers: TierThresholds = TierThresholds()
    severe_delinquency_score: int = 760
    # Model: below this risk (P(episode), before the book's cut-offs) the model is confident
    # the event is ordinary, and may lower a tempered rule hit by one tier (never a
    # regulatory typology below medium). Calibration moves the cut-offs, not this.
    use_model: bool = True
    temper_below: float = Field(default=0.12, gt=0, lt=1)
    # A rule hit that stands only with the model's support (the customer's own payment or
    # its own spending at a faster pace) has it when the model's risk reaches low and is at
    # least this, P(episode): the low tier's cut-off is a queue's size, which calibration
    # sets from the budget (a book whose model is quiet gets a low one); what counts as
    # some risk is not the budget's to move.
    support_at: float = Field(default=0.5, gt=0, lt=1)
    model_cutoffs: ModelCutoffs = ModelCutoffs()
    # The highest tier the model can reach without a typology rule: never critical (the
    # automatic restriction always needs a named typology).
    model_alone_max_tier: Literal["low", "medium", "high"] = "high"
    regulatory_typologies: tuple[str, ...] = DEFAULT_REGULATORY
    alert_budget: AlertBudget = AlertBudget()
    model_rail: ModelRail = ModelRail()
    # the book's calibration baseline of the model's inputs (drift.py), set by calibrate
    drift_baseline: DriftBaseline | None = None
    model_path: Path = DEFAULT_MODEL_PATH
    # Baseline-aware rules (customer's own history, own accounts, new phone vs takeover).
    customer_baselines: bool = True
    # The mule typologies (fan-in, fan-out, pass-through: core/mule.py, with customer
    # baselines) and passages linked across customers through the counterparty graph
    # (AML-LAYERING-CHAIN: needs a network state, core/network.py); the fixed-rules
    # baseline has none
    network_typologies: bool = True
    extra_typology_bonus: int = 40
    dedup_window_h: float = 72.0

    @model_validator(mode="after")
    def _consistent(self) -> ScoringConfig:
        if self.reporting_currency not in self.rates:
            raise ValueError("the rate table must include the reporting currency")
        missing = set(DEFAULT_SEVERITY) - set(self.severity)
        if missing:
            raise ValueError(f"severity missing for typologies: {sorted(missing)}")
        unknown = set(self.regulatory_typologies) - set(DEFAULT_SEVERITY)
        if unknown:
            raise ValueError(f"regulatory_typologies: unknown codes {sorted(unknown)}")
        return self

    @classmethod
    def fixed_rules_baseline(cls) -> ScoringConfig:
        """The plain comparator: DESIGN.md's thresholds as fixed numbers, no customer
        baselines, no model. Backtests report it beside the full system."""
        return cls(use_model=False, customer_baselines=False, network_typologies=False)

    @classmethod
    def from_file(cls, path: Path) -> ScoringConfig:
        return cls.model_validate(orjson.loads(path.read_bytes()))
