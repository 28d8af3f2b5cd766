"""The emulated AWS: moto's server in a process of its own, as AWS is a service of its own.

    python -m riskwarn.local.cloud --port 4566 --functions-port 4567 --ready FILE

The local stack (stack.py) starts it and runs the functions, the event-source mappings and
the front door in its own process. Keeping them apart does two things:
- the emulator and the functions each have a GIL (the emulator, at one core during a burst,
  is the local stack's limit: docs/capacity.md);
- the state outlives the functions' process, as AWS's does Lambda's: a stack killed hard
  (SIGKILL, a crash, a closed laptop lid) starts again on the same tables, streams, queues
  and workflows, its pollers resuming from the checkpoints they keep here
  (`riskwarn local up --resume`).

moto runs Lambda functions only in docker; here every Lambda invoke (`aws lambda invoke`, a
workflow's `lambda:invoke` task) is sent to the stack's functions endpoint, and waits for a
stack that is starting again, as Lambda's service would start a new instance.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

# how long an invoke waits for the functions' process to answer at all (a stack starting
# again); the handler's own run time is bounded by the function's timeout
REACH_S = 120.0


def prepare_moto() -> None:
    """moto as the local stack runs it, in any process that serves it: AWS's semantics
    (atomic conditional writes, transactions, ordered shards) and the speed-ups."""
    from riskwarn.local import moto_speed
    from riskwarn.local.atomic import keep_aws_semantics

    moto_speed.apply()
    keep_aws_semantics()


def forward_invokes(functions_url: str) -> None:
    """moto's one Lambda invoke path, sent to the functions endpoint over HTTP."""
    from moto.awslambda.models import LambdaFunction

    def invoke(fn: Any, event: Any = None) -> tuple[str, bool, str]:
        body = event if isinstance(event, bytes | str) else json.dumps(event or {})
        data = body.encode() if isinstance(body, str) else body
        url = f"{functions_url}/invoke/{fn.function_name}"
        deadline = time.monotonic() + REACH_S
        while True:
            req = urllib.request.Request(url, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=float(fn.timeout) + 30) as resp:
                    errored = resp.headers.get("X-Amz-Function-Error") is not None
                    return resp.read().decode(), errored, ""
            except urllib.error.HTTPError as exc:
                return json.dumps({"errorType": "ServiceException",
                                   "errorMessage": f"functions endpoint: {exc.code}"}), True, ""
            except (urllib.error.URLError, ConnectionError) as exc:
                if time.monotonic() > deadline:
                    return json.dumps({"errorType": "ServiceException",
                                       "errorMessage": f"functions unreachable: {exc}"}), \
                        True, ""
                time.sleep(0.5)

    LambdaFunction._invoke_lambda = invoke  # type: ignore[method-assign,assignment]


def serve(port: int, functions_port: int, ready: Path) -> None:
    from moto.server import ThreadedMotoServer

    for name in ("werkzeug", "moto.stepfunctions", "moto"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # an SLA passing is a task timeout to moto's executor, which logs it as an error with
    # the whole state's repr: expected flow (the alert's history records it)
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    prepare_moto()
    forward_invokes(f"http://127.0.0.1:{functions_port}")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/moto-api/config", method="POST",
        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    ready.write_text("ready")  # the stack waits for it
    stopped.wait()
    server.stop()


class Cloud:
    """The stack's handle on the emulator's process: started as its child, or found again
    (`--resume`) by the pid a killed stack left in its state file."""

    def __init__(self, port: int, pid: int, child: subprocess.Popen[bytes] | None = None
                 ) -> None:
        self.port = port
        self.pid = pid
        self.child = child

    @classmethod
    def start(cls, port: int, functions_port: int, folder: Path) -> Cloud:
        """In its own session (a Ctrl-C meant for the stack reaches the stack, which stops
        it), logging to `folder`/cloud-PORT.log; returns once it answers."""
        folder.mkdir(parents=True, exist_ok=True)
        ready = folder / f"cloud-{port}.ready"
        ready.unlink(missing_ok=True)
        log_path = folder / f"cloud-{port}.log"
        with open(log_path, "wb") as log:
            child = subprocess.Popen(
                [sys.executable, "-m", "riskwarn.local.cloud", "--port", str(port),
                 "--functions-port", str(functions_port), "--ready", str(ready)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        cloud = cls(port, child.pid, child)
        deadline = time.monotonic() + 120
        while not ready.exists():
            if child.poll() is not None or time.monotonic() > deadline:
                cloud.stop()
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the emulator did not start (log {log_path}):\n{tail}")
            time.sleep(0.05)
        ready.unlink(missing_ok=True)
        return cloud

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/moto-api/",
                                        timeout=5) as resp:
                resp.read()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not gone within 15 s."""
        if not self.pid:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        if self.child is not None:
            try:
                self.child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()
        else:  # found again: not our child, so watch it go
            deadline = time.monotonic() + 15
            while process_alive(self.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if process_alive(self.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
        self.pid = 0


def process_alive(pid: int) -> bool:
    """The process runs (a zombie, exited and not yet reaped by whoever adopted it, does
    not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def runs(pid: int, marker: str) -> bool:
    """The process is alive and its command line names `marker` (a state file's pid may by
    now belong to another program: never signal that one)."""
    if not process_alive(pid):
        return False
    try:
        return marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m riskwarn.local.cloud",
                                 description="moto's server for the local stack")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--functions-port", type=int, required=True)
    ap.add_argument("--ready", type=Path, required=True, help="written once it answers")
    args = ap.parse_args(argv)
    serve(args.port, args.functions_port, args.ready)
    return 0


if __name__ == "__main__":
    sys.exit(main())
