"""The template's Lambda functions, run in this process (moto runs functions only in docker).

Each `AWS::Serverless::Function` is loaded from its `CodeUri` and `Handler` exactly as Lambda
would (`functions/score/app.py` → `lambda_handler`). The functions are also registered with
moto's Lambda, and moto's one invoke path is pointed here, so `aws lambda invoke` and Step
Functions `lambda:invoke` tasks run the same handlers.
"""

from __future__ import annotations

import importlib.util
import io
import json
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from riskwarn.local.template import TEMPLATE, load_sam
from riskwarn.runtime.lambda_shapes import LambdaContext

Handler = Callable[[dict[str, Any], Any], Any]


class InProcessFunctions:
    def __init__(self, stack: str, region: str, template: Path = TEMPLATE) -> None:
        self.stack = stack
        self.region = region
        self.root = template.parent
        self.sam = load_sam(template)
        self.specs = {logical: res["Properties"] for logical, res in self.sam["Resources"].items()
                      if res["Type"] == "AWS::Serverless::Function"}
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        # Lambda's model: a function instance serves one invocation at a time. Each function
        # here is one instance (its handler module holds process-wide state, such as the
        # powertools resolver's current event), so its invocations queue behind this lock.
        self._instances = {logical: threading.Lock() for logical in self.specs}
        self.closed = False
        self._moto_invoke: Any = None  # moto's own invoke, put back on close()

    def close(self) -> None:
        """The stack has stopped: moto's workflow threads still waiting (a task token, a
        wait state) may wake later; their invocations fail here instead of running a
        handler in a process that has moved on (and sharing its logger and metrics)."""
        self.closed = True
        if self._moto_invoke is not None:
            from moto.awslambda.models import LambdaFunction

            LambdaFunction._invoke_lambda = self._moto_invoke  # type: ignore[method-assign]
            self._moto_invoke = None

    def name(self, logical: str) -> str:
        return f"{self.stack}-{logical}"

    def handler(self, logical: str) -> Handler:
        with self._lock:
            if logical not in self._handlers:
                props = self.specs[logical]
                module_name, func = props["Handler"].rsplit(".", 1)
                path = self.root / props["CodeUri"] / f"{module_name.replace('.', '/')}.py"
                spec = importlib.util.spec_from_file_location(
                    f"riskwarn_local_fn_{logical}", path)
                if spec is None or spec.loader is None:
                    raise RuntimeError(f"{logical}: cannot load {path}")
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                self._handlers[logical] = getattr(module, func)
        return self._handlers[logical]

    def invoke(self, logical: str, event: dict[str, Any]) -> Any:
        if self.closed:
            raise RuntimeError(f"{logical}: the local stack has stopped")
        timeout = int(self.specs[logical].get("Timeout", self._global("Timeout", 3)))
        ctx = LambdaContext(function_name=self.name(logical), region=self.region,
                            timeout_ms=timeout * 1000)
        handler = self.handler(logical)
        try:
            with self._instances[logical]:
                return handler(event, ctx)
        finally:
            # Metrics are off locally (POWERTOOLS_METRICS_DISABLED): nothing flushes them, so
            # drop what the invocation added instead of letting it pile up. (With metrics on,
            # each handler's decorator flushes its own; clearing here would race with it.)
            from aws_lambda_powertools.metrics.functions import is_metrics_disabled

            from riskwarn.runtime.observability import metrics

            if is_metrics_disabled():
                metrics.clear_metrics()

    def _global(self, key: str, default: Any) -> Any:
        return self.sam.get("Globals", {}).get("Function", {}).get(key, default)

    def register_with_moto(self, lam: Any, role_arns: dict[str, str]) -> None:
        """Create each function in moto's Lambda (a placeholder package) and send moto's
        invokes to the in-process handlers."""
        from moto.awslambda.models import LambdaFunction

        package = io.BytesIO()
        with zipfile.ZipFile(package, "w") as z:
            z.writestr("README.txt", "riskwarn local stack: this function runs in-process")
        by_name = {self.name(logical): logical for logical in self.specs}
        for logical, props in self.specs.items():
            lam.create_function(
                FunctionName=self.name(logical), Runtime=self._global("Runtime", "python3.11"),
                Role=role_arns[f"{logical}Role"], Handler=props["Handler"],
                Code={"ZipFile": package.getvalue()})
        functions = self

        def invoke_in_process(fn: Any, event: Any = None) -> tuple[str, bool, str]:
            logical = by_name.get(fn.function_name)
            if logical is None:
                return json.dumps({"errorMessage": "not a riskwarn function"}), True, ""
            try:
                payload = event if isinstance(event, dict) else json.loads(event or "{}")
                result = functions.invoke(logical, payload)
            except Exception as exc:  # Lambda reports a handler error as an errored invoke
                return (json.dumps({"errorType": type(exc).__name__,
                                    "errorMessage": str(exc)}), True, "")
            return json.dumps(result), False, ""

        self._moto_invoke = LambdaFunction._invoke_lambda
        LambdaFunction._invoke_lambda = invoke_in_process  # type: ignore[method-assign,assignment]
