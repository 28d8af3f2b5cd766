"""Tier and typology thresholds, versioned: every change is a new item (name, version) with
who changed it, when, why and what it was before — the audit trail is the table itself.

A change names the version it was based on; if someone else changed the thresholds since,
the conditional put fails and the change is refused (`StaleVersion`), never lost silently.
The score function reads the newest version (`ThresholdSource`, checked once a minute).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from riskwarn.core.config import ModelCutoffs, ScoringConfig, TierThresholds, TypologyThresholds
from riskwarn.core.drift import DriftBaseline
from riskwarn.store import condition_failed, iso, throttled_as_named

NAME = "thresholds"


class Thresholds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    tiers: TierThresholds = TierThresholds()
    typologies: TypologyThresholds = TypologyThresholds()
    model: ModelCutoffs = ModelCutoffs()  # the book's calibration (`riskwarn calibrate`)
    drift: DriftBaseline | None = None  # and its baseline of the model's inputs

    @classmethod
    def of(cls, cfg: ScoringConfig) -> Thresholds:
        return cls(tiers=cfg.tiers, typologies=cfg.thresholds, model=cfg.model_cutoffs,
                   drift=cfg.drift_baseline)

    def apply(self, cfg: ScoringConfig) -> ScoringConfig:
        return cfg.model_copy(update={"tiers": self.tiers, "thresholds": self.typologies,
                                      "model_cutoffs": self.model,
                                      "drift_baseline": self.drift or cfg.drift_baseline})


@dataclass(frozen=True)
class ThresholdVersion:
    version: int  # 0: the built-in defaults, never changed
    thresholds: Thresholds
    changed_by: str | None = None
    changed_at: str | None = None
    note: str | None = None


class StaleVersion(Exception):
    pass


def _version(item: dict[str, Any]) -> ThresholdVersion:
    return ThresholdVersion(
        version=int(item["version"]["N"]),
        thresholds=Thresholds.model_validate_json(item["body"]["S"]),
        changed_by=item["changed_by"]["S"], changed_at=item["changed_at"]["S"],
        note=item.get("note", {}).get("S"))


class ThresholdStore:
    def __init__(self, client: Any, table: str, defaults: Thresholds | None = None) -> None:
        self.client = client
        self.table = table
        self.defaults = defaults or Thresholds()

    def latest(self) -> ThresholdVersion:
        newest = self.history(limit=1, consistent=True)
        return newest[0] if newest else ThresholdVersion(0, self.defaults)

    def history(self, limit: int = 50, consistent: bool = False) -> list[ThresholdVersion]:
        """Versions, newest first."""
        items = self.client.query(
            TableName=self.table, KeyConditionExpression="#n = :n",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues={":n": {"S": NAME}},
            ScanIndexForward=False, Limit=limit, ConsistentRead=consistent).get("Items", [])
        return [_version(i) for i in items]

    def change(self, new: Thresholds, based_on: int, actor: str, note: str,
               now: datetime) -> ThresholdVersion:
        from botocore.exceptions import ClientError

        current = self.latest()
        if current.version != based_on:
            raise StaleVersion(f"thresholds are at version {current.version}, "
                               f"not {based_on}: read them again")
        version = ThresholdVersion(based_on + 1, new, actor, iso(now), note)
        try:
            self.client.put_item(
                TableName=self.table, ConditionExpression="attribute_not_exists(version)",
                Item={"name": {"S": NAME}, "version": {"N": str(version.version)},
                      "body": {"S": new.model_dump_json()},
                      "previous": {"S": current.thresholds.model_dump_json()},
                      "changed_by": {"S": actor}, "changed_at": {"S": version.changed_at or ""},
                      "note": {"S": note}})
        except ClientError as exc:
            if condition_failed(exc):
                raise StaleVersion("someone else changed the thresholds just now") from None
            raise
        return version


class ThresholdSource:
    """The score function's view of the thresholds: re-read at most once per `every`
    seconds; a new version gives a new config (and so a new Scorer)."""

    def __init__(self, store: ThresholdStore, base: ScoringConfig, every: float = 60.0) -> None:
        self.store = store
        self.base = base
        self.every = every
        self.version = 0
        self._checked = -1e18

    @throttled_as_named
    def config_if_changed(self, clock: float | None = None) -> ScoringConfig | None:
        now = time.monotonic() if clock is None else clock
        if now - self._checked < self.every:
            return None
        self._checked = now
        latest = self.store.latest()
        if latest.version == self.version:
            return None
        self.version = latest.version
        return latest.thresholds.apply(self.base)


def dumps(v: ThresholdVersion) -> dict[str, Any]:
    out: dict[str, Any] = orjson.loads(v.thresholds.model_dump_json())
    return {"version": v.version, "changed_by": v.changed_by, "changed_at": v.changed_at,
            "note": v.note, **out}
