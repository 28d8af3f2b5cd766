"""The emulated AWS: moto's server in a process of its own, as AWS is a service of its own.

    python -m riskwarn.local.cloud --port 4566 --functions-port 4567 --tables-port 4568 \
        --ready FILE

The local stack (stack.py) starts it and runs the functions, the event-source mappings and
the front door in its own process. Keeping them apart does two things:
- the emulator and the functions each have a GIL (docs/capacity.md has how each is used
  during a burst);
- the tables (DynamoDB) are served by a process of their own (`--tables-port`), which the
  emulator starts and stops with itself: most of a burst's emulated work is DynamoDB's,
  and in one process with the streams, queues and workflows it was the local stack's limit
  (docs/capacity.md). The stack's own clients call it directly; DynamoDB requests sent to
  the emulator's one endpoint (a test, the AWS CLI) are passed on to it;
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

from riskwarn.local.server import emulator_server

# how long an invoke waits for the functions' process to answer at all (a stack starting
# again); the handler's own run time is bounded by the function's timeout
REACH_S = 120.0


# The cyclic collector's young-generation threshold in the local stack's processes (Python's
# default is 700 allocations): moto keeps every item, record and message as Python objects
# and a burst allocates millions, so collections at the default ran all the time
GC_YOUNG_THRESHOLD = 50_000


def tune_collector() -> tuple[int, int, int]:
    """This process's collector for throughput; returns the thresholds it had."""
    import gc

    before = gc.get_threshold()
    gc.freeze()  # what the process has built so far is not looked at again
    gc.set_threshold(GC_YOUNG_THRESHOLD, before[1], before[2])
    return before


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


Spawned = tuple[subprocess.Popen[bytes], Path, Path]  # the process, its ready file, its log


def _spawn(port: int, folder: Path, args: list[str], **popen: Any) -> Spawned:
    """An emulator's process (this module) on `port`, logging to `folder`/cloud-PORT.log;
    it writes its ready file once it answers."""
    ready = folder / f"cloud-{port}.ready"
    ready.unlink(missing_ok=True)
    log_path = folder / f"cloud-{port}.log"
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "riskwarn.local.cloud", "--port", str(port),
             "--ready", str(ready), *args],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, **popen)
    return child, ready, log_path


def _await_ready(child: subprocess.Popen[bytes], ready: Path, log: Path) -> None:
    deadline = time.monotonic() + 120
    while not ready.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the emulator did not start (log {log}):\n{tail}")
        time.sleep(0.05)
    ready.unlink(missing_ok=True)


def serve(port: int, functions_port: int, ready: Path, tables_port: int = 0,
          tables_of: int = 0) -> None:
    """The emulator on `port` (with `tables_port`: its tables in a child process there);
    or, with `tables_of`, the tables' process of the emulator of that pid."""
    for name in ("werkzeug", "moto.stepfunctions", "moto"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # an SLA passing is a task timeout to moto's executor, which logs it as an error with
    # the whole state's repr: expected flow (the alert's history records it)
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    # the tables' process, this one's child: it stops when this process does, even when
    # this one is killed hard (it watches its parent)
    tables = (_spawn(tables_port, ready.parent, ["--tables-of", str(os.getpid())])
              if tables_port else None)
    prepare_moto()
    tune_collector()
    if functions_port:
        forward_invokes(f"http://127.0.0.1:{functions_port}")
    server = emulator_server(port, tables_port)
    server.start()
    if not tables_of:
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/moto-api/config", method="POST",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    try:
        if tables is not None:
            _await_ready(*tables)
        ready.write_text("ready")  # the stack waits for it
        while not stopped.wait(1.0):
            if tables_of and os.getppid() != tables_of:
                break  # the emulator is gone, killed hard: its tables go with it
    finally:
        server.stop()
        if tables is not None:
            child = tables[0]
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


class Cloud:
    """The stack's handle on the emulator's process: started as its child, or found again
    (`--resume`) by the pid a killed stack left in its state file."""

    def __init__(self, port: int, pid: int, child: subprocess.Popen[bytes] | None = None,
                 tables_port: int = 0) -> None:
        self.port = port
        self.pid = pid
        self.child = child
        self.tables_port = tables_port  # its tables' process (0: none, DynamoDB at `port`)

    @property
    def tables_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.tables_port or self.port}"

    @classmethod
    def start(cls, port: int, functions_port: int, folder: Path, tables_port: int = 0
              ) -> Cloud:
        """In its own session (a Ctrl-C meant for the stack reaches the stack, which stops
        it), logging to `folder`/cloud-PORT.log; returns once it (and its tables' process)
        answers."""
        folder.mkdir(parents=True, exist_ok=True)
        child, ready, log_path = _spawn(
            port, folder, ["--functions-port", str(functions_port),
                           "--tables-port", str(tables_port)], start_new_session=True)
        cloud = cls(port, child.pid, child, tables_port)
        try:
            _await_ready(child, ready, log_path)
        except RuntimeError:
            cloud.stop()
            raise
        return cloud

    def answers(self) -> bool:
        for endpoint in {f"http://127.0.0.1:{self.port}", self.tables_endpoint}:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=5) as resp:
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
    ap.add_argument("--functions-port", type=int, default=0,
                    help="where Lambda invokes go (0: none)")
    ap.add_argument("--tables-port", type=int, default=0,
                    help="serve DynamoDB from a child process on this port (0: here)")
    ap.add_argument("--tables-of", type=int, default=0,
                    help="run as the tables' process of the emulator of this pid")
    ap.add_argument("--ready", type=Path, required=True, help="written once it answers")
    args = ap.parse_args(argv)
    serve(args.port, args.functions_port, args.ready, args.tables_port, args.tables_of)
    return 0


if __name__ == "__main__":
    sys.exit(main())
