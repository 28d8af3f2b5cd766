"""`riskwarn backtest` and friends as a person uses them: files in, alerts and a summary
out, bad lines reported by number, bad arguments answered in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from riskwarn.cases.alerts import Alert
from riskwarn.cli import main
from tests.builders import raw

RW = [sys.executable, "-m", "riskwarn.cli"]


@pytest.fixture(scope="module")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bt") / "events.jsonl"
    assert main(["generate", "--customers", "200", "--days", "30", "--seed", "5",
                 "--episode-rate", "0.3", "--out", str(path)]) == 0
    # two bad lines and a blank one among the good ones
    lines = path.read_bytes().splitlines(keepends=True)
    lines.insert(3, b"{not json\n")
    lines.insert(10, b"\n")
    lines.insert(20, orjson.dumps(raw("transaction", currency="XXX")) + b"\n")
    path.write_bytes(b"".join(lines))
    return path


def test_backtest_writes_alerts_summary_and_report(events_file: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out, report, summary = tmp_path / "a.jsonl", tmp_path / "r.html", tmp_path / "s.json"
    code = main(["backtest", str(events_file), "--out", str(out), "--report", str(report),
                 "--summary-json", str(summary)])
    assert code == 0
    text = capsys.readouterr().out
    assert "line 4: not valid JSON" in text
    assert "line 21: currency: no rate for XXX" in text
    s = orjson.loads(summary.read_bytes())
    total_lines = sum(1 for line in events_file.read_bytes().splitlines() if line.strip())
    assert s["events_read"] == total_lines
    assert s["events_scored"] + s["events_rejected"] == s["events_read"]
    assert s["events_rejected"] == 2
    alerts = [Alert.model_validate_json(line) for line in out.read_bytes().splitlines()]
    assert len(alerts) == s["alerts"] > 0
    assert len({a.alert_id for a in alerts}) == len(alerts)
    assert all(a.reason_codes for a in alerts)
    q = s["quality"]
    assert 54 <= q["episodes"] <= 60 and 0.0 <= q["precision"] <= 1.0
    assert sum(s["alerts_by_tier"].values()) == s["alerts"]
    page = report.read_text()
    assert "<svg" in page and "Recall per typology" in page and "Rejected events" in page


def test_baseline_mode_is_reported_as_such(events_file: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", str(events_file), "--out", str(tmp_path / "b.jsonl"),
                 "--baseline"]) == 0
    assert "fixed-threshold rules baseline" in capsys.readouterr().out


def test_backtest_reads_stdin_and_writes_stdout(events_file: Path) -> None:
    head = b"".join(events_file.read_bytes().splitlines(keepends=True)[:300])
    done = subprocess.run([*RW, "backtest", "-", "--out", "-", "--rules-only"], input=head,
                          capture_output=True, check=True, timeout=60)
    assert b"riskwarn backtest (rules only)" in done.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["backtest", "missing.jsonl", "--out", "x"], "riskwarn: cannot read missing.jsonl"),
    (["backtest"], "riskwarn backtest: the following arguments are required"),
    (["generate", "--customers", "none"], "not a whole number"),
    (["generate", "--episode-rate", "2"], "must be between 0 and 1"),
    (["generate", "--days", "5"], "warmup_days must leave"),
    (["frobnicate"], "invalid choice"),
    (["backtest", "x", "--out", "y", "--model", "nope.onnx"], "cannot read"),
])
def test_bad_arguments_get_one_line_and_exit_2(args: list[str], message: str,
                                               tmp_path: Path) -> None:
    if "--model" in args:
        (tmp_path / "x").write_text("")
        args = [a if a != "x" else str(tmp_path / "x") for a in args]
    done = subprocess.run([*RW, *args], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_bad_config_file_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"tiers": {"low": 900, "medium": 500}}')
    done = subprocess.run([*RW, "backtest", "-", "--out", "-", "--config", str(cfg)],
                          input="", capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "bad config" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_replay_without_a_queue_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run([*RW, "replay"], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.strip() == ("riskwarn replay: give --queue-url or set "
                                   "RISKWARN_SCORE_FAILURES_QUEUE_URL")
