"""The `riskwarn` command: generate, train, backtest.

A bad argument or unreadable file gives one line on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, NoReturn, TypeVar

import orjson

from riskwarn.core.config import ScoringConfig
from riskwarn.usage import UsageError, bounded

T = TypeVar("T")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


_positive_int = bounded(int, 1)
_share = bounded(float, 0.0, 1.0)


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="riskwarn", description="Customer-risk early warning.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    g = sub.add_parser("generate", help="write synthetic events (JSON Lines)")
    g.add_argument("--customers", type=_positive_int, default=1000)
    g.add_argument("--days", type=_positive_int, default=45)
    g.add_argument("--seed", type=int, default=7)
    g.add_argument("--start", type=_date, default=datetime(2026, 9, 1, tzinfo=UTC))
    g.add_argument("--warmup-days", type=int, default=14)
    g.add_argument("--episode-rate", type=_share, default=0.05)
    g.add_argument("--subtle-share", type=_share, default=0.4)
    g.add_argument("--ring-rate", type=_share, default=0.01,
                   help="share of customers recruited into mule rings (at most 0.2)")
    g.add_argument("--randomise", action="store_true",
                   help="domain randomisation: wide spending scales, activity, currencies, "
                        "time zones and merchant mixes")
    g.add_argument("--out", default="-", help="file to write, - for stdout (default)")

    c = sub.add_parser("convert", help="run an outside open-source generator and write its "
                                       "events and episodes (needs the train extra)")
    c.add_argument("generator", choices=["finforge", "synthfin"])
    c.add_argument("--customers", type=_positive_int, default=2000)
    c.add_argument("--days", type=_positive_int, default=60)
    c.add_argument("--seed", type=int, default=3)
    c.add_argument("--out", required=True, help="events file to write (JSON Lines)")
    c.add_argument("--episodes", required=True, help="episodes file to write (JSON Lines)")

    k = sub.add_parser("calibrate", help="set the model's tier cut-offs from a book's own "
                                         "history (alert budget)")
    k.add_argument("history", help="JSON Lines events file of the book's recent history")
    k.add_argument("--out", required=True, help="thresholds file to write (JSON)")
    k.add_argument("--config", type=Path, help="scoring config (JSON) overriding defaults")
    k.add_argument("--model", type=Path, help="ONNX model (default: the committed one)")
    k.add_argument("--apply", action="store_true",
                   help="also write it as a new thresholds version through the staff API "
                        "(admin token; same checks and audit as PUT /config/thresholds)")
    k.add_argument("--note", help="why (kept in the thresholds' history); needed with --apply")
    k.add_argument("--api-url", help="staff API (default: the running local stack's)")
    k.add_argument("--token", help="bearer token (default RISKWARN_TOKEN)")

    t = sub.add_parser("train", help="train the risk model and export it to ONNX")
    t.add_argument("--out-dir", type=Path, default=Path("models"))
    t.add_argument("--version", default="v2")
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--customers", type=_positive_int, default=4000)
    t.add_argument("--days", type=_positive_int, default=45)

    b = sub.add_parser("backtest", help="score an events file and write its alerts")
    b.add_argument("events", help="JSON Lines events file, - for stdin")
    b.add_argument("--out", required=True, help="alerts file to write (JSON Lines)")
    b.add_argument("--report", help="also write an HTML report here")
    b.add_argument("--summary-json", help="also write the summary as JSON here")
    b.add_argument("--config", type=Path, help="scoring config (JSON) overriding defaults")
    b.add_argument("--model", type=Path, help="ONNX model (default: the committed one)")
    b.add_argument("--thresholds", type=Path,
                   help="thresholds file (riskwarn calibrate --out) to score with")
    b.add_argument("--episodes", type=Path,
                   help="labels kept apart from the events (riskwarn convert --episodes)")
    mode = b.add_mutually_exclusive_group()
    mode.add_argument("--rules-only", action="store_true", help="no model")
    mode.add_argument("--baseline", action="store_true",
                      help="plain fixed-threshold rules: no customer baselines, no model")
    b.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    r = sub.add_parser("replay", help="re-drive batches the stream gave up on (on-failure "
                                      "queue); settings from RISKWARN_* variables")
    r.add_argument("--queue-url", help="the on-failure queue (default "
                                       "RISKWARN_SCORE_FAILURES_QUEUE_URL)")
    r.add_argument("--max-messages", type=_positive_int, default=100)

    d = sub.add_parser("decide", help="decide an alert through the staff API, as the staff "
                                      "member whose token is given (the API's role checks "
                                      "and four eyes apply)")
    d.add_argument("alert_id")
    d.add_argument("--outcome", required=True,
                   choices=["confirmed", "false_positive", "needs_info"])
    d.add_argument("--note", required=True, help="why: kept in the alert's history")
    d.add_argument("--token", help="the decider's staff token (default: RISKWARN_TOKEN)")
    d.add_argument("--api-url", help="the staff API (default: RISKWARN_API_URL, or the "
                                     "running local stack's)")

    from riskwarn.local.commands import add_parsers

    add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "generate":
            return _generate(args)
        if args.command == "train":
            return _train(args)
        if args.command == "convert":
            return _convert(args)
        if args.command == "calibrate":
            from riskwarn.calibrate_cli import run_calibrate

            return run_calibrate(args, _config(args))
        if args.command == "replay":
            return _replay(args)
        if args.command == "decide":
            return _decide(args)
        if args.command == "local":
            from riskwarn.local.commands import run

            return run(args)
        return _backtest(args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def _open_out(name: str) -> IO[bytes]:
    if name == "-":
        return sys.stdout.buffer
    try:
        return open(name, "wb")
    except OSError as exc:
        raise UsageError(f"riskwarn: cannot write {name}: {exc.strerror}") from None


def _generate(args: argparse.Namespace) -> int:
    from riskwarn.offline.synth import GenerateSpec, generate, write_jsonl

    try:
        spec = GenerateSpec(customers=args.customers, days=args.days, seed=args.seed,
                            start=args.start, warmup_days=args.warmup_days,
                            episode_rate=args.episode_rate, subtle_share=args.subtle_share,
                            ring_rate=args.ring_rate, randomise=args.randomise)
    except ValueError as exc:
        raise UsageError(f"riskwarn generate: {exc}") from None
    out = _open_out(args.out)
    try:
        n = write_jsonl(generate(spec), out)
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    print(f"wrote {n:,} events for {spec.customers:,} customers over {spec.days} days",
          file=sys.stderr)
    return 0


def _convert(args: argparse.Namespace) -> int:
    from riskwarn.offline.outside import MissingGenerator, OutsideSpec, convert, write

    try:
        out = convert(args.generator, OutsideSpec(seed=args.seed, customers=args.customers,
                                                  days=args.days))
    except MissingGenerator as exc:
        raise UsageError(f"riskwarn convert: {exc}") from None
    events, episodes = _open_out(args.out), _open_out(args.episodes)
    try:
        write(out, events, episodes)
    finally:
        for f in (events, episodes):
            if f is not sys.stdout.buffer:
                f.close()
    scenarios = len({r["episode"] for r in out.episodes if r.get("unit", True)})
    print(f"wrote {len(out.events):,} events and {scenarios:,} episodes "
          f"({len(out.episodes):,} labelled events) from {args.generator}", file=sys.stderr)
    return 0


def _train(args: argparse.Namespace) -> int:
    try:
        from riskwarn.offline.training import TrainSpec, train
    except ImportError:
        raise UsageError("riskwarn train: needs the train extra (pip install "
                         "'riskwarn[train]')") from None
    spec = TrainSpec(version=args.version, seed=args.seed, customers=args.customers,
                     days=args.days)
    card = train(spec, args.out_dir)
    print(f"model {card['version']}: {card['training']['rows']:,} rows, "
          f"sha256 {card['sha256']}")
    print(f"written to {args.out_dir}/risk-model-{card['version']}.onnx")
    return 0


def _config(args: argparse.Namespace) -> ScoringConfig:
    cfg = _base_config(args)
    thresholds = getattr(args, "thresholds", None)
    if thresholds is not None:
        from riskwarn.store.thresholds import Thresholds

        cfg = _read_json(thresholds, "thresholds", Thresholds.model_validate_json).apply(cfg)
    return cfg


def _read_json(path: Path, what: str, parse: Callable[[bytes], T]) -> T:
    """A JSON file the command was given: unreadable or invalid is a one-line error."""
    try:
        return parse(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"riskwarn: cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:  # pydantic's ValidationError and JSON errors alike
        first = str(exc).splitlines()[0]
        raise UsageError(f"riskwarn: bad {what} {path}: {first}") from None


def _base_config(args: argparse.Namespace) -> ScoringConfig:
    cfg = ScoringConfig() if args.config is None else _read_json(
        args.config, "config", lambda raw: ScoringConfig.model_validate(orjson.loads(raw)))
    if getattr(args, "baseline", False):
        return cfg.model_copy(update={"use_model": False, "customer_baselines": False})
    if getattr(args, "rules_only", False):
        return cfg.model_copy(update={"use_model": False})
    if args.model is not None:
        return cfg.model_copy(update={"model_path": args.model})
    return cfg


def _backtest(args: argparse.Namespace) -> int:
    from riskwarn.core.model import ModelError, RiskModel
    from riskwarn.offline.backtest import dump_summary, run_backtest
    from riskwarn.offline.report import render_html, render_text

    cfg = _config(args)
    model = None
    if cfg.use_model:
        try:
            model = RiskModel.load(cfg.model_path)
        except ModelError as exc:
            raise UsageError(f"riskwarn: {exc}") from None
    if args.events == "-":
        source: IO[bytes] = sys.stdin.buffer
        total = None
    else:
        try:
            source = open(args.events, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise UsageError(f"riskwarn: cannot read {args.events}: {exc.strerror}") from None
        total = Path(args.events).stat().st_size
    labels = None
    if args.episodes is not None:
        from riskwarn.offline.evaluation import read_episodes

        try:
            with open(args.episodes, "rb") as f:
                labels = read_episodes(f)
        except OSError as exc:
            raise UsageError(f"riskwarn: cannot read {args.episodes}: {exc.strerror}") from None
        except ValueError as exc:
            raise UsageError(f"riskwarn: {args.episodes}: {exc}") from None
    sink = _open_out(args.out)
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    try:
        summary = run_backtest(source, sink, cfg, model, total_bytes=total, progress=progress,
                               labels=labels)
    finally:
        if source is not sys.stdin.buffer:
            source.close()
        if sink is not sys.stdout.buffer:
            sink.close()
    print(render_text(summary))
    if args.summary_json:
        Path(args.summary_json).write_bytes(dump_summary(summary) + b"\n")
    if args.report:
        Path(args.report).write_text(render_html(summary, source_name=args.events))
    return 0


def _replay(args: argparse.Namespace) -> int:
    import os

    from riskwarn import aws
    from riskwarn.runtime.replay import replay
    from riskwarn.runtime.stream import score_batch
    from riskwarn.settings import settings

    env = settings()
    queue = args.queue_url or os.environ.get("RISKWARN_SCORE_FAILURES_QUEUE_URL")
    if not queue:
        raise UsageError("riskwarn replay: give --queue-url or set "
                         "RISKWARN_SCORE_FAILURES_QUEUE_URL")
    from riskwarn.runtime.observability import metrics

    # as in the function: each batch's metrics are flushed (EMF on stdout) when it is done
    handle = metrics.log_metrics(lambda event, context: score_batch(event, context))
    report = replay(aws.sqs(env.endpoint_url, env.region),
                    aws.kinesis(env.endpoint_url, env.region), queue,
                    lambda event: handle(event, None), max_messages=args.max_messages)
    print(f"{report.messages} failure records read, {report.records} stream records "
          f"replayed, {report.replayed_messages} batches done")
    for item in report.still_failing:
        print(f"  still failing: {item}")
    return 0 if not report.still_failing else 1


def _decide(args: argparse.Namespace) -> int:
    """A decision is a staff member's: it goes through the staff API with their token, so
    the same role checks, four eyes and history apply as in every other client."""
    from urllib.parse import quote

    from riskwarn.staff_client import NoApi, Unreachable, for_cli

    try:
        status, doc = for_cli(args.api_url, args.token, "the decider's").call(
            "POST", f"/alerts/{quote(args.alert_id, safe='')}/decision",
            {"outcome": args.outcome, "note": args.note})
    except (NoApi, Unreachable) as exc:
        raise UsageError(f"riskwarn decide: {exc}") from None
    if status != 200:
        raise UsageError(f"riskwarn decide: {status} {doc.get('message', '')}".rstrip())
    alert = doc["alert"]
    print(f"{args.alert_id}: {doc['state']} ({args.outcome}); status {alert['status']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
