"""Coverage-guided fuzzing of the stream's decode path (`make fuzz`): bytes as Kinesis
would deliver them → base64 → the contract's parser → the clock checks → the scoring core,
profiles kept between inputs (so repeated and conflicting event ids meet). The invariant:
every record comes out as an event that is scored, a redelivery, a conflict or a rejection
with a reason — nothing raises, nothing is lost.

    make fuzz                      # FUZZ_RUNS=200000 by default
    .venv/bin/python -m tests.fuzz.decode -runs=1000000 .riskwarn/fuzz-corpus

libFuzzer's own options pass through; it prints the executions and writes any crashing
input under .riskwarn/fuzz-crashes/ (exit status non-zero).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import sys
from datetime import UTC, datetime
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from riskwarn.core.config import DEFAULT_MODEL_PATH, ScoringConfig
    from riskwarn.core.events import parse_records
    from riskwarn.core.model import RiskModel
    from riskwarn.core.profile import CustomerProfile
    from riskwarn.core.scoring import Scorer
    from riskwarn.runtime.stream import _out_of_time

CFG = ScoringConfig()
SCORER = Scorer(CFG, RiskModel.load(DEFAULT_MODEL_PATH))
NOW = datetime(2026, 11, 3, tzinfo=UTC)
PROFILES: dict[str, CustomerProfile] = {}
CORPUS = Path(".riskwarn/fuzz-corpus")


def one_input(data: bytes) -> None:
    # up to eight records in a batch, separated as a producer's lines would be; each one
    # either base64 (as Kinesis delivers) or raw (as a replay file holds it)
    records = data.split(b"\n")[:8]
    raws: list[bytes] = []
    for rec in records:
        if not rec.startswith(b"{"):
            # not base64: the parser gets the bytes as they are
            with contextlib.suppress(binascii.Error, ValueError):
                rec = base64.b64decode(rec, validate=True)
        raws.append(rec)
    events, rejected = parse_records(raws, CFG.rates)
    assert len(events) + len(rejected) == len(raws)
    assert all(r.reason for r in rejected)
    timely = [e for e in events if _out_of_time(e, NOW) is None]
    if len(PROFILES) > 2000:
        PROFILES.clear()
    run = SCORER.run(timely, PROFILES)
    assert run.applied + run.duplicates + len(run.conflicts) == len(timely)
    for scored in run.scored:
        assert 0 <= scored.score <= 1000 and scored.tier and scored.reasons


def seed_corpus() -> None:
    """A few valid events of each type (and their base64 form) to start from."""
    from tests.builders import line

    CORPUS.mkdir(parents=True, exist_ok=True)
    seeds = [line(), line("login"), line("profile_change"), line("repayment"),
             line(amount="60000.00", method="cash", direction="credit",
                  counterparty_id=None),
             line(counterparty_country="IR", method="transfer", amount="2000.00")]
    for i, s in enumerate(seeds):
        (CORPUS / f"seed-{i}").write_bytes(s)
        (CORPUS / f"seed-{i}-b64").write_bytes(base64.b64encode(s))
    (CORPUS / "seed-batch").write_bytes(b"\n".join(seeds))


if __name__ == "__main__":
    seed_corpus()
    argv = sys.argv if any(not a.startswith("-") for a in sys.argv[1:]) else [
        *sys.argv, str(CORPUS)]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()
