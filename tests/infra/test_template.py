"""template.yaml transforms offline, lints clean, and says what the issues ask of it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from riskwarn.local.template import ROOT, load_sam, transform

CFN = transform()
RES = CFN["Resources"]


def _of_type(kind: str) -> dict[str, Any]:
    return {k: v for k, v in RES.items() if v["Type"] == kind}


def test_transformed_template_passes_cfn_lint(tmp_path: Path) -> None:
    path = tmp_path / "template.json"
    path.write_text(json.dumps(CFN))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    done = subprocess.run([str(cfn_lint), str(path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_store_is_encrypted_with_the_key_and_recoverable() -> None:
    tables = _of_type("AWS::DynamoDB::Table")
    assert set(tables) == {"AlertsTable", "AlertHistoryTable", "ProfilesTable",
                           "AccountControlsTable", "ReportsTable", "ConfigTable",
                           "NetworkTable"}
    for name, t in tables.items():
        p = t["Properties"]
        assert p["SSESpecification"]["SSEEnabled"] is True, name
        assert p["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "RiskwarnKey"}, name
        assert p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], name
    for kind, prop in (("AWS::SQS::Queue", "KmsMasterKeyId"),
                       ("AWS::SNS::Topic", "KmsMasterKeyId")):
        for name, r in _of_type(kind).items():
            assert r["Properties"][prop] == {"Ref": "RiskwarnKey"}, name
    (stream,) = _of_type("AWS::Kinesis::Stream").values()
    assert stream["Properties"]["StreamEncryption"]["EncryptionType"] == "KMS"


def test_alerts_table_has_the_queue_and_customer_indexes() -> None:
    gsis = {g["IndexName"]: [k["AttributeName"] for k in g["KeySchema"]]
            for g in RES["AlertsTable"]["Properties"]["GlobalSecondaryIndexes"]}
    assert gsis == {"ByStatus": ["status", "created_at"],
                    "ByCustomer": ["customer_id", "created_at"],
                    "ByDay": ["created_day", "created_at"]}


def test_event_source_mapping_retries_bisects_and_keeps_failures() -> None:
    esm = RES["ScoreFunctionStream"]
    p = esm["Properties"]
    assert p["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert p["BisectBatchOnFunctionError"] is True
    assert p["MaximumRetryAttempts"] == 5 and p["MaximumRecordAgeInSeconds"] == 3600
    assert p["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["ScoreFailuresQueue", "Arn"]}
    for key in ("BatchSize", "MaximumBatchingWindowInSeconds", "ParallelizationFactor"):
        assert key in p


def test_each_tier_reaches_its_audience_only() -> None:
    subs = {(r["Properties"]["Protocol"], tuple(r["Properties"]["FilterPolicy"]["tier"]))
            for r in _of_type("AWS::SNS::Subscription").values()
            if "tier" in r["Properties"]["FilterPolicy"]}
    assert subs == {
        ("sqs", ("low",)), ("sqs", ("medium",)), ("sqs", ("high",)), ("sqs", ("critical",)),
        ("email", ("medium",)), ("email", ("high",)), ("sms", ("high",)),
        ("sms", ("critical",)), ("email", ("critical",)),
    }


@pytest.mark.parametrize("role_name", ["ScoreFunctionRole", "ReviewInboxFunctionRole",
                                       "ApiFunctionRole", "DispositionStepsFunctionRole",
                                       "DispositionStateMachineRole"])
def test_every_role_is_least_privilege(role_name: str) -> None:
    role = RES[role_name]["Properties"]
    statements = [st for pol in role["Policies"] for st in pol["PolicyDocument"]["Statement"]]
    for st in statements:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        assert all("*" not in a for a in actions), st
        # the one exception: callback task tokens cannot be scoped to a state machine
        assert st["Resource"] != "*" or actions == ["states:SendTaskSuccess"], st
    granted = {a for st in statements for a in (
        st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert not any(a in granted for a in ("dynamodb:DeleteItem", "dynamodb:Scan",
                                           "dynamodb:DeleteTable", "s3:GetObject"))


def test_alarms_watch_lag_errors_quarantine_failures_alert_rate_and_drift() -> None:
    alarms = _of_type("AWS::CloudWatch::Alarm")
    metrics = {r["Properties"]["MetricName"] for r in alarms.values()
               if "MetricName" in r["Properties"]}
    assert metrics == {"IteratorAge", "Errors", "RecordsQuarantined",
                       "ApproximateNumberOfMessagesVisible", "FeaturePSIMax"}
    rate = alarms["AlertRateAlarm"]["Properties"]
    used = {m["MetricStat"]["Metric"]["MetricName"] for m in rate["Metrics"] if "MetricStat" in m}
    assert used == {"AlertsRaised_medium", "AlertsRaised_high", "AlertsRaised_critical"}
    assert rate["Threshold"] == {"Ref": "AlertBudgetPer1000"}


def test_state_machine_is_jsonpath_only_and_wired_by_substitution() -> None:
    sam = load_sam()
    sm = sam["Resources"]["DispositionStateMachine"]["Properties"]
    asl = (ROOT / sm["DefinitionUri"]).read_text()
    used = set(re.findall(r"\$\{(\w+)\}", asl))
    assert used == set(sm["DefinitionSubstitutions"])  # every placeholder wired, no extra
    doc = orjson.loads(asl)
    assert doc.get("QueryLanguage", "JSONPath") == "JSONPath"
    assert "Assign" not in asl and "{%" not in asl


@pytest.mark.parametrize("param", ["RelationshipManagerEmail", "RiskOfficerEmail",
                                   "RiskOfficerPhone", "OnCallPhone", "SupervisorEmail"])
def test_contacts_are_parameters(param: str) -> None:
    assert param in load_sam()["Parameters"]


def test_the_workflow_writes_no_table_itself() -> None:
    """Its writes are steps of the disposition-steps function (the lifecycle's rules and
    stores): the state machine's role may invoke that function, and reach no table."""
    doc = orjson.loads((ROOT / "infra" / "statemachine" / "disposition.asl.json").read_text())
    resources = {s.get("Resource") for s in doc["States"].values() if s["Type"] == "Task"}
    assert resources == {"arn:aws:states:::lambda:invoke", "arn:aws:states:::sns:publish",
                         "arn:aws:states:::sqs:sendMessage.waitForTaskToken"}
    role = RES["DispositionStateMachineRole"]["Properties"]
    granted = {a for pol in role["Policies"] for st in pol["PolicyDocument"]["Statement"]
               for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert not any(a.startswith("dynamodb:") for a in granted), granted
    assert "lambda:InvokeFunction" in granted


def test_disposition_asl_is_what_its_builder_writes() -> None:
    builder = ROOT / "infra" / "statemachine" / "build_disposition.py"
    done = subprocess.run([sys.executable, str(builder), "--check"], timeout=60)
    assert done.returncode == 0, "run infra/statemachine/build_disposition.py and commit"


def test_the_console_is_private_behind_cloudfront_with_its_headers_and_pkce_sign_in() -> None:
    bucket = RES["ConsoleBucket"]["Properties"]
    sse = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    (read,) = [s for s in RES["ConsoleBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"] if s["Effect"] == "Allow"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "ConsoleDistribution" in json.dumps(read["Condition"])  # this distribution only
    dist = RES["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    assert dist["Origins"][0]["OriginAccessControlId"] == {
        "Fn::GetAtt": ["ConsoleOriginAccess", "Id"]}
    assert dist["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    headers = RES["ConsoleHeaders"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"]
    assert "frame-ancestors 'none'" in json.dumps(headers["ContentSecurityPolicy"])
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    client = RES["ConsoleClient"]["Properties"]
    assert client["AllowedOAuthFlows"] == ["code"] and client["GenerateSecret"] is False
    env = RES["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert "ConsoleDistribution" in json.dumps(env["RISKWARN_CONSOLE_ORIGIN"])
