"""The template's Lambda functions, run in this process (moto runs functions only in docker).

Each `AWS::Serverless::Function` is loaded from its `CodeUri` and `Handler` exactly as Lambda
would (`functions/score/app.py` → `lambda_handler`). The functions are also registered with
the emulator's Lambda, which sends its invokes to this process's functions endpoint
(cloud.py), so `aws lambda invoke` and Step Functions `lambda:invoke` tasks run the same
handlers.
"""

from __future__ import annotations

import importlib.util
import io
import json
import queue
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from riskwarn import process_cache
from riskwarn.local.template import TEMPLATE, load_sam
from riskwarn.runtime.lambda_shapes import LambdaContext

Handler = Callable[[dict[str, Any], Any], Any]


class InProcessFunctions:
    def __init__(self, stack: str, region: str, template: Path = TEMPLATE,
                 instances: dict[str, int] | None = None) -> None:
        self.stack = stack
        self.region = region
        self.root = template.parent
        self.sam = load_sam(template)
        self.specs = {logical: res["Properties"] for logical, res in self.sam["Resources"].items()
                      if res["Type"] == "AWS::Serverless::Function"}
        self._by_name = {self.name(logical): logical for logical in self.specs}
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        # Lambda's model: an instance serves one invocation at a time, and a function scales
        # out to more instances. Each instance here keeps its own settings, clients and ports
        # (process_cache, keyed by instance); an invocation waits for a free one. One each
        # but where the stack asks for more (the score function: one per shard, as many as
        # Lambda runs at once): the API function's resolver is module state, shared.
        self._pools: dict[str, queue.SimpleQueue[str]] = {}
        for logical in self.specs:
            pool: queue.SimpleQueue[str] = queue.SimpleQueue()
            for n in range((instances or {}).get(logical, 1)):
                pool.put(f"{logical}#{n}")
            self._pools[logical] = pool
        self.closed = False

    def close(self) -> None:
        """The stack has stopped: invocations still arriving (a workflow waking) fail here
        instead of running a handler in a process that has moved on."""
        self.closed = True

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
        ctx = LambdaContext(function_name=self.name(logical), region=self.region,
                            timeout_ms=self._timeout(logical) * 1000)
        handler = self.handler(logical)
        pool = self._pools[logical]
        key = pool.get()
        try:
            with process_cache.instance(key):
                return handler(event, ctx)
        finally:
            pool.put(key)
            # Metrics are off locally (POWERTOOLS_METRICS_DISABLED): nothing flushes them, so
            # drop what the invocation added instead of letting it pile up. (With metrics on,
            # each handler's decorator flushes its own; clearing here would race with it.)
            from aws_lambda_powertools.metrics.functions import is_metrics_disabled

            from riskwarn.runtime.observability import metrics

            if is_metrics_disabled():
                metrics.clear_metrics()

    def _timeout(self, logical: str) -> int:
        """The function's timeout in seconds, as the template sets it."""
        return int(self.specs[logical].get("Timeout", self._global("Timeout", 3)))

    def _global(self, key: str, default: Any) -> Any:
        return self.sam.get("Globals", {}).get("Function", {}).get(key, default)

    def register(self, lam: Any, role_arns: dict[str, str]) -> None:
        """Create each function in the emulator's Lambda (a placeholder package): the
        emulator sends its invokes to `endpoint()` (cloud.forward_invokes)."""
        package = io.BytesIO()
        with zipfile.ZipFile(package, "w") as z:
            z.writestr("README.txt", "riskwarn local stack: this function runs in-process")
        for logical, props in self.specs.items():
            lam.create_function(
                FunctionName=self.name(logical), Runtime=self._global("Runtime", "python3.11"),
                Role=role_arns[f"{logical}Role"], Handler=props["Handler"],
                Timeout=self._timeout(logical),
                Code={"ZipFile": package.getvalue()})

    def answer(self, name: str, payload: bytes | str | dict[str, Any] | None) -> tuple[bytes, bool]:
        """An invoke of the function `name` as Lambda answers it: the result as JSON, or the
        handler's error as the payload with the invoke marked errored."""
        logical = self._by_name.get(name)
        if logical is None:
            return json.dumps({"errorType": "ResourceNotFoundException",
                               "errorMessage": f"no function {name}"}).encode(), True
        try:
            event = payload if isinstance(payload, dict) else json.loads(payload or b"{}")
            return json.dumps(self.invoke(logical, event)).encode(), False
        except Exception as exc:  # Lambda reports a handler error as an errored invoke
            return json.dumps({"errorType": type(exc).__name__,
                               "errorMessage": str(exc)}).encode(), True

    def endpoint(self) -> Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]:
        """The functions' invoke endpoint (WSGI) the emulator calls (cloud.forward_invokes):
        `POST /invoke/<function name>` with the event; an errored invoke is answered with
        `X-Amz-Function-Error`, as Lambda's API does."""

        def app(environ: dict[str, Any], start: Callable[..., Any]) -> list[bytes]:
            path = str(environ.get("PATH_INFO", ""))
            if environ.get("REQUEST_METHOD") != "POST" or not path.startswith("/invoke/"):
                start("404 Not Found", [("Content-Type", "application/json")])
                return [b'{"message": "POST /invoke/<function name>"}']
            size = int(environ.get("CONTENT_LENGTH") or 0)
            body, errored = self.answer(path.removeprefix("/invoke/"),
                                        environ["wsgi.input"].read(size))
            headers = [("Content-Type", "application/json")]
            if errored:
                headers.append(("X-Amz-Function-Error", "Unhandled"))
            start("200 OK", headers)
            return [body]

        return app
