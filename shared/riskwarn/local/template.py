"""template.yaml → plain CloudFormation, offline: the SAM transform with aws-sam-translator,
the state machine's ASL inlined, local code paths given an s3:// placeholder."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
PLACEHOLDER = "s3://riskwarn-local-build/placeholder.zip"


class _NoManagedPolicies:
    """The translator maps managed policy names to ARNs through IAM; offline there is no
    IAM, and the template names no managed policy itself."""

    def load(self) -> dict[str, str]:
        return {}


def load_sam(path: Path = TEMPLATE) -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse

    doc: dict[str, Any] = yaml_parse(path.read_text())
    return doc


def transform(path: Path = TEMPLATE, region: str = "us-east-1") -> dict[str, Any]:
    from samtranslator.translator.transform import transform as sam_transform

    sam = copy.deepcopy(load_sam(path))
    for logical, res in sam["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            # as `sam deploy` does: the ASL goes to S3 and the template points at it; the
            # local stack reads the file itself (state_machine_definitions)
            props["DefinitionUri"] = {"Bucket": "riskwarn-local-build",
                                      "Key": f"statemachine/{logical}.asl.json"}
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = PLACEHOLDER
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    params = {name: spec.get("Default") for name, spec in sam.get("Parameters", {}).items()}
    out: dict[str, Any] = sam_transform(sam, params, _NoManagedPolicies())
    _stage_metadata(sam, out)
    return out


def _stage_metadata(sam: dict[str, Any], out: dict[str, Any]) -> None:
    """SAM does not carry an Api's Metadata onto the stage it generates: copy the checkov
    skips there, so the reason for a stage's skip lives in template.yaml beside the Api."""
    for logical, res in sam["Resources"].items():
        skips = res.get("Metadata", {}).get("checkov")
        if res["Type"] != "AWS::Serverless::Api" or not skips:
            continue
        for made in out["Resources"].values():
            if (made["Type"] == "AWS::ApiGateway::Stage"
                    and made["Properties"].get("RestApiId") == {"Ref": logical}):
                made.setdefault("Metadata", {})["checkov"] = skips


def state_machine_definitions(path: Path = TEMPLATE) -> dict[str, Any]:
    """The ASL of each state machine, by logical id (transform() points them at S3)."""
    sam = load_sam(path)
    return {logical: orjson.loads((path.parent / res["Properties"]["DefinitionUri"])
                                  .read_bytes())
            for logical, res in sam["Resources"].items()
            if res["Type"] == "AWS::Serverless::StateMachine"
            and isinstance(res["Properties"].get("DefinitionUri"), str)}


if __name__ == "__main__":  # `make scan`: the transformed template for checkov, on stdout
    import sys

    sys.stdout.buffer.write(orjson.dumps(transform(), option=orjson.OPT_INDENT_2))
