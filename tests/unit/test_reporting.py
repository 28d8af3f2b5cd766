"""The management summary's figures, on hand-made alerts (definitions in docs/api.md)."""

from __future__ import annotations

from datetime import UTC, datetime

from riskwarn.cases.reporting import summarize

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


def _alert(n: int, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {"alert_id": f"AL-{n}", "tier": "high", "risk_category": "fraud",
                               "typologies": ["FRAUD-VELOCITY"], "status": "open",
                               "created_at": "2026-11-10T10:00:00.000Z"}
    base.update(kw)
    return base


def test_rates_times_breaches_and_misses() -> None:
    alerts = [
        _alert(1, label="positive", status="closed", model_version="v1",
               claimed_at="2026-11-10T10:10:00.000Z", decided_at="2026-11-10T11:00:00.000Z"),
        _alert(2, label="negative", status="closed", model_version="v1",
               typologies=["FRAUD-VELOCITY", "FRAUD-UNUSUAL-AMOUNT"],
               claimed_at="2026-11-10T10:30:00.000Z", decided_at="2026-11-10T12:00:00.000Z",
               sla_breaches=2),
        _alert(3, tier="medium", risk_category="aml", typologies=["AML-LARGE-CASH"]),
    ]
    missed = [
        {"period_from": "2026-10-20T00:00:00Z", "period_to": "2026-11-02T00:00:00Z"},  # overlaps
        {"period_from": "2026-09-01T00:00:00Z", "period_to": "2026-09-30T00:00:00Z"},  # before
    ]
    s = summarize(alerts, missed, START, END)
    assert s["alerts"] == 3 and s["by_tier"] == {"high": 2, "medium": 1}
    assert s["by_typology"] == {"FRAUD-VELOCITY": 2, "FRAUD-UNUSUAL-AMOUNT": 1,
                                "AML-LARGE-CASH": 1}
    assert s["mean_seconds_to_claim"] == 1200.0 and s["mean_seconds_to_decide"] == 5400.0
    assert s["sla_breaches"] == 2 and s["alerts_with_sla_breach"] == 1
    assert s["false_positive_rate_by_typology"] == {
        "FRAUD-UNUSUAL-AMOUNT": {"decided": 1, "false_positives": 1, "rate": 1.0},
        "FRAUD-VELOCITY": {"decided": 2, "false_positives": 1, "rate": 0.5}}
    assert s["false_positive_rate_by_model_version"]["v1"]["rate"] == 0.5
    assert s["confirmed"] == 1 and s["missed_cases"] == 1 and s["miss_rate"] == 0.5


def test_nothing_decided_gives_no_rates_rather_than_zero() -> None:
    s = summarize([_alert(1)], [], START, END)
    assert s["mean_seconds_to_decide"] is None and s["miss_rate"] is None
    assert s["false_positive_rate_by_typology"] == {}


def test_alerts_over_time_by_tier_and_typology_per_day() -> None:
    alerts = [_alert(1), _alert(2, created_at="2026-11-11T23:59:59.000Z", tier="critical"),
              _alert(3, created_at="2026-11-11T00:00:00.000Z", typologies=["AML-LARGE-CASH"])]
    s = summarize(alerts, [], START, END)
    assert s["by_day_tier"] == {"2026-11-10": {"high": 1},
                                "2026-11-11": {"critical": 1, "high": 1}}
    assert s["by_day_typology"]["2026-11-11"] == {"FRAUD-VELOCITY": 1, "AML-LARGE-CASH": 1}
