"""Runtime settings of the AWS-facing code, read once from the environment (the template
sets them). Logic never reads the environment: it is handed a Settings object."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from riskwarn.cases.workflow import Timing
from riskwarn.core.config import DEFAULT_MODEL_PATH, ScoringConfig
from riskwarn.process_cache import once_per_process


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RISKWARN_", frozen=True, extra="ignore")

    alerts_table: str = "riskwarn-alerts"
    history_table: str = "riskwarn-alert-history"
    profiles_table: str = "riskwarn-profiles"
    network_table: str = "riskwarn-network"  # the counterparty graph (core/network.py)
    controls_table: str = "riskwarn-account-controls"
    alerts_topic_arn: str = ""
    quarantine_bucket: str = "riskwarn-quarantine"
    disposition_state_machine_arn: str = ""
    # the score function's own stream: receipts waiting for their payer's hop are looked at
    # again through it (core/late_receipts.py); empty: no recheck records are sent
    event_stream: str = ""
    reports_table: str = "riskwarn-reports"
    config_table: str = "riskwarn-config"  # versioned thresholds (staff API)
    # disposition timing (seconds): review SLA by tier, supervisor SLA, follow-up period
    review_sla_high_seconds: int = 24 * 3600
    review_sla_critical_seconds: int = 2 * 3600
    supervisor_sla_seconds: int = 4 * 3600
    follow_up_seconds: int = 14 * 86_400
    restriction_hours: float = 72.0
    model_path: Path = DEFAULT_MODEL_PATH
    scoring_config: Path | None = None  # JSON overriding ScoringConfig defaults
    endpoint_url: str | None = None  # the embedded local stack; None on AWS
    # the local stack's tables, served by an emulator process of their own (local/cloud.py);
    # None: DynamoDB at endpoint_url like every other service
    dynamodb_endpoint_url: str | None = None
    profile_writes: Literal["transact", "put"] = "transact"  # see store/profiles.py
    region: str = "us-east-1"

    @classmethod
    def from_variables(cls, variables: Mapping[str, str], **overrides: Any) -> Settings:
        """Settings from a function's environment variables (as the template sets them),
        without reading this process's environment."""
        values: dict[str, Any] = {k.removeprefix("RISKWARN_").lower(): v
                                  for k, v in variables.items() if k.startswith("RISKWARN_")}
        return cls.model_validate({**values, **overrides})

    @property
    def dynamodb_endpoint(self) -> str | None:
        return self.dynamodb_endpoint_url or self.endpoint_url

    def timing(self) -> Timing:
        return Timing(self.review_sla_high_seconds, self.review_sla_critical_seconds,
                      self.supervisor_sla_seconds, self.follow_up_seconds,
                      self.restriction_hours)

    def scoring(self) -> ScoringConfig:
        cfg = (ScoringConfig.from_file(self.scoring_config) if self.scoring_config
               else ScoringConfig())
        return cfg.model_copy(update={"model_path": self.model_path})


@once_per_process()
def settings() -> Settings:
    return Settings()
