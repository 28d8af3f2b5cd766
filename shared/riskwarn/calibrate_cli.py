"""`riskwarn calibrate HISTORY --out THRESHOLDS.json [--apply --note WHY]`.

Writes the thresholds in force with the model's cut-offs, and the amount that is unusual
for a customer with little history, set from the history (calibration.py). `--apply`
sends them to the staff API as a new thresholds version (`PUT /config/thresholds`, admins
only): the same validation, audit trail (who, when, why, previous values) and
stale-version check as any change made there.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from riskwarn.core.config import ScoringConfig
from riskwarn.offline.calibration import SETTLE_DAYS, Calibration, calibrate
from riskwarn.staff_client import Api, NoApi, Unreachable, for_cli
from riskwarn.store.thresholds import Thresholds


class CalibrateError(Exception):
    pass


def run_calibrate(args: argparse.Namespace, cfg: ScoringConfig) -> int:
    from riskwarn.core.model import ModelError, RiskModel
    from riskwarn.usage import UsageError

    if args.apply and not args.note:
        raise UsageError("riskwarn calibrate: --apply needs --note (why, for the audit trail)")
    try:
        model = RiskModel.load(cfg.model_path)
    except ModelError as exc:
        raise UsageError(f"riskwarn: {exc}") from None
    try:
        with open(args.history, "rb") as history:
            cal = calibrate(history, cfg, model)
    except OSError as exc:
        raise UsageError(f"riskwarn: cannot read {args.history}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"riskwarn calibrate: {exc}") from None
    thresholds = Thresholds.of(cal.applied(cfg))
    try:
        Path(args.out).write_bytes(thresholds.model_dump_json(indent=2).encode() + b"\n")
    except OSError as exc:
        raise UsageError(f"riskwarn: cannot write {args.out}: {exc.strerror}") from None
    print(describe(cal, model.version))
    if args.apply:
        try:
            version = apply(cal, args.note, args.api_url, args.token)
        except CalibrateError as exc:
            raise UsageError(f"riskwarn calibrate --apply: {exc}") from None
        print(f"applied as thresholds version {version}")
    return 0


def describe(cal: Calibration, model_version: str) -> str:
    c = cal.cutoffs
    e = cal.expected_per_1000
    f = cal.little
    little = (f"  unusual amount of a customer with little history: from {f.amount:,.0f} "
             f"({f.per_1000:.2f} such payments per 1,000 settled customer-days above the "
             f"lowest amount, {f.expected_per_1000:.2f} above this one)" if f.customer_days
             else f"  unusual amount of a customer with little history: from {f.amount:,.0f} "
                  f"(the history is too short to set it: under {SETTLE_DAYS + 1} days)")
    return (f"calibrated model {model_version} on {cal.events:,} events, "
            f"{cal.customer_days:,} active customer-days ({cal.unhit_events:,} with no rule "
            f"hit)\n  cut-offs P(episode): low {c.low:.4f}  medium {c.medium:.4f}  "
            f"high {c.high:.4f}\n  model-only events per 1,000 customer-days at these cut-offs: "
            f"low+ {e['low']:.2f}  medium+ {e['medium']:.2f}  high {e['high']:.2f} (medium "
            f"and high: per 1,000 days of customers the model has a baseline for)\n{little}")


def apply(cal: Calibration, note: str, api_url: str | None, token: str | None) -> int:
    try:
        api = for_cli(api_url, token, "an admin's")
    except NoApi as exc:
        raise CalibrateError(str(exc)) from None
    return apply_through(api, cal, note)


def apply_through(api: Api, cal: Calibration, note: str) -> int:
    """A new thresholds version with the calibrated model cut-offs, drift baseline and
    little-history amount (the rest as they are), through the staff API: its role check,
    validation, audit trail and stale-version check."""
    try:
        status, doc = api.call("GET", "/config/thresholds")
        if status == 200:
            typologies = {**doc["typologies"], **cal.typology_values()}
            body = {"based_on_version": doc["version"], "model": cal.cutoffs.model_dump(),
                    "typologies": typologies, "drift": cal.drift.model_dump(), "note": note}
            status, doc = api.call("PUT", "/config/thresholds", body)
    except Unreachable as exc:
        raise CalibrateError(str(exc)) from None
    if status != 200:
        raise CalibrateError(f"{status} {doc.get('message')}")
    return int(doc["version"])

