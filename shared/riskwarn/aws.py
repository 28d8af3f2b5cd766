"""boto3 clients: created lazily on first use, cached per process, pointed at the embedded
local stack when `Settings.endpoint_url` is set. Nothing connects at import time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from riskwarn.process_cache import once_per_process

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient


@once_per_process(maxsize=32)
def _client(service: str, endpoint_url: str | None, region: str) -> Any:
    import boto3
    from botocore.config import Config

    # Retries: the SDK's standard mode backs off on throttling before we see an error;
    # what is still failing after it becomes a batch item failure for Lambda to retry.
    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5,
                    read_timeout=10)
    make: Any = boto3.client  # typed per service below
    return make(service, endpoint_url=endpoint_url, region_name=region, config=config)


def any_client(service: str, endpoint_url: str | None, region: str) -> Any:
    """An untyped client, for code that walks many services (local provisioning)."""
    return _client(service, endpoint_url, region)


def dynamodb(endpoint_url: str | None, region: str) -> DynamoDBClient:
    return _client("dynamodb", endpoint_url, region)  # type: ignore[no-any-return]


def sns(endpoint_url: str | None, region: str) -> SNSClient:
    return _client("sns", endpoint_url, region)  # type: ignore[no-any-return]


def s3(endpoint_url: str | None, region: str) -> S3Client:
    return _client("s3", endpoint_url, region)  # type: ignore[no-any-return]


def sfn(endpoint_url: str | None, region: str) -> SFNClient:
    return _client("stepfunctions", endpoint_url, region)  # type: ignore[no-any-return]


def kinesis(endpoint_url: str | None, region: str) -> KinesisClient:
    return _client("kinesis", endpoint_url, region)  # type: ignore[no-any-return]


def sqs(endpoint_url: str | None, region: str) -> SQSClient:
    return _client("sqs", endpoint_url, region)  # type: ignore[no-any-return]

