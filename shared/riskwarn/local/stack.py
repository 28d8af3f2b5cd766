"""The embedded local stack: moto's server in a process of its own (cloud.py), every resource
from template.yaml, the Lambda handlers in this process behind event-source mappings, the
staff API on localhost.

    stack = LocalStack(LocalConfig(port=4566, api_port=8080)); stack.start() ... stack.stop()

A stack killed hard leaves the emulator running with its state; `LocalConfig(resume=True)`
(`riskwarn local up --resume`) starts the functions, mappings and API again on it.

`start` writes the endpoints, resource names and the token secret to
`.riskwarn/local.json` (mode 0600) so any AWS client and `riskwarn local …` can use it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from riskwarn.core.config import DEFAULT_MODEL_PATH
from riskwarn.local.cloud import Cloud, tune_collector
from riskwarn.local.pollers import (
    Checkpoints,
    KinesisShardPoller,
    Mapping,
    PollerStats,
    SqsPoller,
)
from riskwarn.local.provision import Provisioned, provision

STATE_FILE = Path(".riskwarn") / "local.json"
# the staff console as `make console` builds it, served by the front door at /
CONSOLE_DIST = Path(__file__).resolve().parents[3] / "console" / "dist"
TIER_QUEUES = {"low": "AlertsLowQueue", "medium": "AlertsMediumQueue",
               "high": "AlertsHighQueue", "critical": "AlertsCriticalQueue",
               "supervisor": "SupervisorQueue"}
# Short clocks, so a person watching sees SLAs, escalations and follow-ups happen.
LOCAL_TIMING = {"RISKWARN_REVIEW_SLA_HIGH_SECONDS": "120",
                "RISKWARN_REVIEW_SLA_CRITICAL_SECONDS": "60",
                "RISKWARN_SUPERVISOR_SLA_SECONDS": "120",
                "RISKWARN_FOLLOW_UP_SECONDS": "20", "RISKWARN_RESTRICTION_HOURS": "1"}


_AWS_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local"}


class PortInUse(Exception):
    pass


class NothingToResume(Exception):
    pass


def _read_state(path: Path) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise NothingToResume(f"no stack to resume: {path}: {exc}") from None
    if "provisioned" not in doc or "cloud" not in doc:
        raise NothingToResume(f"no stack to resume: {path} is not a local stack's state")
    return doc


@dataclass
class LocalConfig:
    port: int = 4566
    api_port: int = 8080
    region: str = "us-east-1"
    stack: str = "riskwarn"
    state_file: Path = STATE_FILE
    timing: dict[str, str] = field(default_factory=lambda: dict(LOCAL_TIMING))
    batching_window_s: int = 0  # the template's default is 1 s; 0 locally for latency
    # batches of a shard at once: the template's default (docs/capacity.md measured 4)
    parallelization: int = 2
    functions_port: int = 0  # where the emulator sends Lambda invokes (0: any free port)
    tables_port: int = 0  # the emulator's tables' process (cloud.py; 0: any free port)
    resume: bool = False  # start on the emulator a killed stack left (from state_file)


def port_of(url: str) -> int:
    """The port of a local address in a state file (`http://127.0.0.1:4566`)."""
    return int(url.rsplit(":", 1)[1])


def _free(port: int) -> bool:
    """Nothing listens on the port. Connections of a stack that just stopped may linger in
    TIME_WAIT; the servers bind with SO_REUSEADDR, so the check does too (a second `make
    demo` right after the first must start)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalStack:
    def __init__(self, cfg: LocalConfig | None = None) -> None:
        self.cfg = cfg or LocalConfig()
        self.endpoint = f"http://127.0.0.1:{self.cfg.port}"
        self.api_url = f"http://127.0.0.1:{self.cfg.api_port}"
        self.p: Provisioned | None = None
        self.stats: dict[str, PollerStats] = {}
        self.secret = ""
        self.functions: Any = None  # InProcessFunctions, once started
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._servers: list[Any] = []
        self._saved_env: dict[str, str | None] = {}
        self._saved_log_level: int | None = None
        self._saved_gc: tuple[int, int, int] | None = None
        self.cloud: Cloud | None = None
        self.functions_port = 0

    # ---- start / stop ---------------------------------------------------------------------
    def start(self) -> Provisioned:
        """The emulator (a process of its own: cloud.py), every resource, the functions, the
        mappings, the front door; with `resume`, the functions, mappings and front door on
        the emulator a stack that was killed left running."""
        from riskwarn.local.template import transform
        from riskwarn.local.tokens import new_secret

        if self.cfg.resume:
            return self._resume()
        for port in (self.cfg.port, self.cfg.api_port):
            if not _free(port):
                left = self.cfg.state_file.exists()  # a stack killed hard left its emulator
                raise PortInUse(f"port {port} on 127.0.0.1 is in use: pick another with "
                                "--port / --api-port" + (
                                    f"; a stack killed hard left {self.cfg.state_file}: "
                                    "`riskwarn local up --resume` starts it again, "
                                    "`riskwarn local down` stops what is left" if left else ""))
        self.functions_port = self.cfg.functions_port or free_port()
        self._prepare_process()
        self.cloud = Cloud.start(self.cfg.port, self.functions_port,
                                 self.cfg.state_file.parent,
                                 tables_port=self.cfg.tables_port or free_port())
        p = provision(transform(region=self.cfg.region), self.client,
                      stack=self.cfg.stack, region=self.cfg.region, capture=True,
                      parameters={"BatchingWindowSeconds": self.cfg.batching_window_s,
                                  "ParallelizationFactor": self.cfg.parallelization})
        Checkpoints.create(self.client("dynamodb"), self.checkpoints_table)
        return self._serve(p, new_secret(), register=True)

    def _resume(self) -> Provisioned:
        from riskwarn.local.template import transform

        state = _read_state(self.cfg.state_file)
        self.endpoint, self.api_url = state["endpoint"], state["api"]
        self.cfg.port, self.cfg.api_port = port_of(self.endpoint), port_of(self.api_url)
        self.cfg.stack, self.cfg.region = state["stack"], state["region"]
        self.functions_port = int(state["cloud"]["functions_port"])
        self.cloud = Cloud(self.cfg.port, int(state["cloud"]["pid"]),
                           tables_port=int(state["cloud"].get("tables_port", 0)))
        if not self.cloud.answers():
            raise NothingToResume(f"no emulator answers at {self.endpoint} (its process "
                                  f"{self.cloud.pid} is gone): start a new stack")
        for port in (self.cfg.api_port, self.functions_port):
            if not _free(port):
                raise PortInUse(f"port {port} on 127.0.0.1 is in use: is the stack running "
                                "already?")
        self._prepare_process()
        saved = state["provisioned"]
        p = Provisioned(
            stack=self.cfg.stack, region=self.cfg.region, template=transform(
                region=self.cfg.region), refs=saved["refs"],
            attrs={(logical, attr): value for logical, attr, value in saved["attrs"]},
            not_created=state["not_created"], adjusted=state["adjusted"], capture=True,
            captures=state["captures"])
        # the same token secret: tokens issued before the crash still hold
        return self._serve(p, state["token_secret"], register=False)

    def _serve(self, p: Provisioned, secret: str, register: bool) -> Provisioned:
        """On a provisioned emulator: the functions (registered with its Lambda unless they
        are already), the mappings, the front door, the state file."""
        self.p = p
        self._function_environment(p)
        self.secret = secret
        self._start_functions(p, register=register)
        self._start_api()
        self._write_state(p)
        return p

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:  # a poller finishes the invocation it is in, then stops
            t.join(timeout=60)
            if t.is_alive():
                logging.getLogger("riskwarn.local").warning("%s did not stop", t.name)
        if self.functions is not None:
            self.functions.close()
        for server in reversed(self._servers):
            with contextlib.suppress(Exception):
                server.shutdown()
        if self.cloud is not None:  # the emulator and its state go with the stack
            self.cloud.stop()
        with contextlib.suppress(FileNotFoundError):  # its endpoints are gone with it
            if self.secret and orjson.loads(self.cfg.state_file.read_bytes()).get(
                    "token_secret") == self.secret:
                self.cfg.state_file.unlink()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if self._saved_gc is not None:
            import gc

            gc.set_threshold(*self._saved_gc)
            gc.unfreeze()
            self._saved_gc = None
        if self._saved_log_level is not None:
            from riskwarn.runtime.observability import logger

            logger.setLevel(self._saved_log_level)
        self._reset_caches()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- pieces ------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        from riskwarn import aws

        # the tables directly in their own process (the emulator would pass them on)
        endpoint = self.tables_endpoint if service == "dynamodb" else self.endpoint
        return aws.any_client(service, endpoint, self.cfg.region)

    @property
    def tables_endpoint(self) -> str:
        """Where the tables (DynamoDB) answer: their own process's endpoint."""
        return self.cloud.tables_endpoint if self.cloud else self.endpoint

    @property
    def checkpoints_table(self) -> str:
        """The event-source mappings' positions (pollers.Checkpoints), in the emulator."""
        return f"{self.cfg.stack}-local-esm-checkpoints"

    def _prepare_process(self) -> None:
        """This process as the stack runs in it: AWS credentials, region and moto's port in
        the environment (given back on stop); the servers' request logs quiet."""
        self._setenv(_AWS_ENV | {"AWS_DEFAULT_REGION": self.cfg.region,
                                 "MOTO_PORT": str(self.cfg.port)})
        if self._saved_gc is None:  # the functions, pollers and front door run here
            self._saved_gc = tune_collector()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        # metrics are off locally (nothing collects EMF): no warning per invocation about it
        warnings.filterwarnings("ignore", message="No application metrics to publish")

    def _setenv(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _function_environment(self, p: Provisioned) -> None:
        """The functions' environment as the template sets it, pointed at the local stack;
        logs and metrics kept quiet (the pollers report instead)."""
        env = p.function_env("ScoreFunction")
        env.update(self.cfg.timing)
        env.update({"RISKWARN_ENDPOINT_URL": self.endpoint,
                    "RISKWARN_DYNAMODB_ENDPOINT_URL": self.tables_endpoint,
                    "RISKWARN_MODEL_PATH": str(DEFAULT_MODEL_PATH),
                    # RISKWARN_LOCAL_LOG_LEVEL=INFO: the log lines production writes
                    "POWERTOOLS_LOG_LEVEL": os.environ.get("RISKWARN_LOCAL_LOG_LEVEL",
                                                           "WARNING"),
                    "POWERTOOLS_METRICS_DISABLED": "true",
                    "POWERTOOLS_TRACE_DISABLED": "true"})
        # the functions' logger is one per process, made when first imported (before this
        # stack or now): it takes the stack's level and gets its own back on stop
        from riskwarn.runtime.observability import logger

        self._saved_log_level = logger.log_level
        self._setenv(env)
        logger.setLevel(env["POWERTOOLS_LOG_LEVEL"])
        self._reset_caches()

    @staticmethod
    def _reset_caches() -> None:
        """The functions build their settings, clients and ports once per process, as in
        Lambda; pointed at a new emulator they start over (the one hook)."""
        from riskwarn import process_cache

        process_cache.reset()

    def _start_functions(self, p: Provisioned, register: bool) -> None:
        from werkzeug.serving import make_server

        from riskwarn.local.functions import InProcessFunctions

        mappings = Mapping.all_in(p)
        kin = self.client("kinesis")
        shards = {m.logical: [s["ShardId"] for s in kin.describe_stream(
            StreamName=m.source_arn.rsplit("/", 1)[1])["StreamDescription"]["Shards"]]
            for m in mappings if m.kind == "kinesis"}
        # as many instances of a stream's function as Lambda runs at once: shards ×
        # ParallelizationFactor; the workflows' steps a few (many executions wake at once
        # when SLAs pass); the API one (its resolver is module state)
        instances: dict[str, int] = {"DispositionStepsFunction": 4}
        for m in mappings:
            instances[m.function] = instances.get(m.function, 0) + len(
                shards.get(m.logical, [])) * m.parallelization
        functions = InProcessFunctions(self.cfg.stack, self.cfg.region,
                                       instances={k: v for k, v in instances.items() if v})
        if register:
            functions.register(self.client("lambda"), {
                logical: arn for (logical, attr), arn in p.attrs.items() if attr == "Arn"})
        self.functions = functions
        invokes = make_server("127.0.0.1", self.functions_port, functions.endpoint(),
                              threaded=True)
        threading.Thread(target=invokes.serve_forever, name="invokes", daemon=True).start()
        self._servers.append(invokes)
        checkpoints = Checkpoints(self.client("dynamodb"), self.checkpoints_table)
        # every handler (a broken one fails start-up), and what they import lazily,
        # imported here on one thread before any poller or the front door runs: two
        # threads importing one package for the first time at once can meet it
        # half-initialised (a circular-import error)
        for logical in functions.specs:
            functions.handler(logical)
        import aws_lambda_powertools.event_handler
        import aws_lambda_powertools.utilities.batch
        import aws_lambda_powertools.utilities.data_classes  # noqa: F401
        for m in mappings:
            stats = self.stats.setdefault(m.logical, PollerStats())
            if m.kind == "kinesis":
                for shard in shards[m.logical]:
                    poller = KinesisShardPoller(m, shard, self.client("kinesis"),
                                                self.client("sqs"), functions.invoke,
                                                self.queue_url, stats, checkpoints)
                    self._spawn(poller.run, f"{m.logical}-{shard}")
            else:
                sqs_poller = SqsPoller(m, self.client("sqs"), functions.invoke,
                                       self.queue_url(m.source_arn), stats)
                self._spawn(sqs_poller.run, m.logical)

    def _spawn(self, target: Any, name: str) -> None:
        def guarded() -> None:
            while not self._stop.is_set():
                try:
                    target(self._stop)
                except Exception as exc:  # moto hiccup: report, keep polling
                    logging.getLogger("riskwarn.local").warning("%s: %s", name, exc)
                    self._stop.wait(0.5)

        t = threading.Thread(target=guarded, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def queue_url(self, arn: str) -> str:
        name = arn.rsplit(":", 1)[1]
        return f"{self.endpoint}/{arn.split(':')[4]}/{name}"

    def _start_api(self) -> None:
        from werkzeug.serving import make_server

        from riskwarn.local.front_door import FrontDoor

        door = FrontDoor(lambda event: self.functions.invoke("ApiFunction", event), self.secret,
                         console=CONSOLE_DIST)
        server = make_server("127.0.0.1", self.cfg.api_port, door, threaded=True)
        t = threading.Thread(target=server.serve_forever, name="api", daemon=True)
        t.start()
        self._servers.append(server)

    def _write_state(self, p: Provisioned) -> None:
        doc = {
            "endpoint": self.endpoint, "api": self.api_url, "region": self.cfg.region,
            "stack": self.cfg.stack, "pid": os.getpid(), "started_at": time.time(),
            "token_secret": self.secret,
            "resources": {k: v for k, v in p.refs.items()
                          if k in p.template["Resources"]},
            "tier_queues": {tier: p.ref(q) for tier, q in TIER_QUEUES.items()},
            "captures": p.captures, "not_created": p.not_created, "adjusted": p.adjusted,
            # what `--resume` needs to start again on the same emulator
            "cloud": {"pid": self.cloud.pid if self.cloud else 0,
                      "functions_port": self.functions_port,
                      "tables_port": self.cloud.tables_port if self.cloud else 0},
            "provisioned": {"refs": p.refs, "attrs": [[logical, attr, value] for (
                logical, attr), value in p.attrs.items()]},
        }
        path = self.cfg.state_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
        path.chmod(0o600)
