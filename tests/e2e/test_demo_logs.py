"""A whole demo run's logs, at the level production logs (INFO), hold no personal data: no
device id, IP address, phone number, e-mail address or counterparty account of any event
streamed or backfilled (EVENTS.md: personal data is never logged in clear)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson

from riskwarn.local.demo import _events
from riskwarn.local.stack import free_port

CUSTOMERS, SEED = 60, 11
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"\+\d{8,15}\b")


def _personal_values() -> set[str]:
    history, today, _ = _events(CUSTOMERS, SEED)
    values: set[str] = set()
    for line in (*history, *today):
        ev = orjson.loads(line)
        for key in ("ip", "device_id", "counterparty_account"):
            if isinstance(ev.get(key), str) and len(ev[key]) >= 6:
                values.add(ev[key])
    return values


def test_a_demo_run_logs_no_personal_data(tmp_path: Path) -> None:
    env = {**os.environ, "RISKWARN_LOCAL_LOG_LEVEL": "INFO"}
    done = subprocess.run(
        [sys.executable, "-m", "riskwarn.cli", "local", "demo", "--customers", str(CUSTOMERS),
         "--seed", str(SEED), "--rate", "1000", "--port", str(free_port()),
         "--api-port", str(free_port()), "--state", str(tmp_path / "local.json")],
        capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    logs = done.stdout + done.stderr
    json_lines = [ln for ln in logs.splitlines() if ln.startswith("{")]
    assert any('"batch scored"' in ln for ln in json_lines), "the functions' INFO logs ran"
    personal = _personal_values()
    assert len(personal) > 50  # the events carry devices and IPs: the scan has something to find
    leaked = sorted(v for v in personal if v in logs)
    assert not leaked, leaked[:5]
    assert not EMAIL.search(logs) and not PHONE.search(logs)
