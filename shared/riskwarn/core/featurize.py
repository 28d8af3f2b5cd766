"""Events → feature rows and typology hits, each event applied to its customer's profile in
time order: the first half of the scoring core (core/scoring.py), and the one loop behind
backfill, calibration and training (`featurize_lines`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

import numpy as np

from riskwarn.core.events import (
    Event,
    Rejected,
    Transaction,
    fingerprint,
    in_customer_order,
    parse_records,
)
from riskwarn.core.feature_row import FEATURE_NAMES, FeatureRow
from riskwarn.core.features import Prepared, observe
from riskwarn.core.hits import Hit
from riskwarn.core.model import Matrix
from riskwarn.core.mule import Passage, passage
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.typologies import evaluate

Profiles = MutableMapping[str, CustomerProfile]


@dataclass(slots=True)
class Featurized:
    events: list[Event]  # in the order they were applied (per customer, by occurred_at)
    rows: list[FeatureRow]
    matrix: Matrix  # the named `inputs` of each row, in that order (float32)
    hits: list[list[Hit]]
    duplicates: list[Event]  # already applied to their profile earlier: skipped
    conflicts: list[Event]  # an id applied already with other content: refused, not applied
    passages: list[Passage | None]  # per event: the passage a debit completes (core/mule)


def featurize(events: Sequence[Event], profiles: Profiles, prep: Prepared,
              inputs: Sequence[str] = ()) -> Featurized:
    """Apply each event to its customer's profile in time order; one feature row and the
    typology hits per event. An event the profile has applied already (a redelivery) is
    skipped, so it never counts twice in a window; another event under an id the profile
    has applied is a conflict, not applied (the caller quarantines it). `inputs` names the
    matrix's columns (a model's card lists them)."""
    ordered: list[Event] = []
    duplicates: list[Event] = []
    conflicts: list[Event] = []
    rows: list[FeatureRow] = []
    hits: list[list[Hit]] = []
    passages: list[Passage | None] = []
    for event in in_customer_order(events):
        prof = profiles.get(event.customer_id)
        if prof is None:
            prof = profiles[event.customer_id] = CustomerProfile(event.customer_id)
        applied = prof.remember(event.event_id, fingerprint(event))
        if applied != "new":
            (duplicates if applied == "again" else conflicts).append(event)
            continue
        ordered.append(event)
        row = observe(prof, event, prep)
        rows.append(row)
        found = passage(prof, event, row, prep) if isinstance(event, Transaction) else None
        passages.append(found)
        hits.append(evaluate(row, event, prof, prep, found))
    return Featurized(ordered, rows, feature_matrix(rows, inputs), hits, duplicates, conflicts,
                      passages)


def featurize_lines(lines: Iterable[bytes], profiles: Profiles, prep: Prepared,
                    inputs: Sequence[str] = (), chunk: int = 5000
                    ) -> Iterator[tuple[Featurized, list[Rejected]]]:
    """JSON Lines parsed and featurized a chunk at a time, the profiles learning as they go:
    the one loop behind backfill, calibration and training (no alert is raised here)."""
    buffer: list[bytes] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= chunk:
            events, rejected = parse_records(buffer, prep.cfg.rates)
            buffer = []
            yield featurize(events, profiles, prep, inputs), rejected
    if buffer:
        events, rejected = parse_records(buffer, prep.cfg.rates)
        yield featurize(events, profiles, prep, inputs), rejected


def feature_matrix(rows: Sequence[FeatureRow], inputs: Sequence[str]) -> Matrix:
    """The named columns of each row as one float32 matrix (rows × inputs)."""
    width = len(inputs)
    if not width or not rows:
        return np.zeros((len(rows), width), dtype=np.float32)
    unknown = set(inputs) - set(FEATURE_NAMES)
    if unknown:
        raise ValueError(f"unknown feature names: {sorted(unknown)}")
    pick = itemgetter(*inputs)
    values = chain.from_iterable(map(pick, rows)) if width > 1 else map(pick, rows)
    return np.fromiter(values, dtype=np.float32, count=len(rows) * width).reshape(
        len(rows), width)
