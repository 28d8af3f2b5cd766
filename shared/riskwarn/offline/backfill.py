"""Backfill: build customer profiles from past events before alerts go live.

A new deployment (or the local demo) knows nothing of its customers: every first login is a
new device, every amount unusual. Backfill applies history through the same scoring core
(`featurize`: the profiles learn, no alert is raised) and writes the profiles once. For an
empty profiles table; a customer whose profile exists already is reported as not written.
With the scorer's counterparty graph (network typologies on), the history's counterparties'
standing in the book is written too (core/standing.py: whom they paid how much, since
when), so a counterparty the book trades with is known from the first live day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from riskwarn.core.network import MemoryNetwork
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Scorer, featurize_lines
from riskwarn.core.standing import Note, dealings, walk
from riskwarn.store.profiles import ProfileStore

CHUNK = 20_000


@dataclass
class BackfillReport:
    events: int = 0
    rejected: int = 0
    customers: int = 0
    not_written: int = 0
    counterparties: int = 0  # whose standing was written


def backfill(lines: Iterable[bytes], scorer: Scorer, store: ProfileStore) -> BackfillReport:
    report = BackfillReport()
    profiles: dict[str, CustomerProfile] = {}
    seen = MemoryNetwork()  # the history's standing, gathered as the stream's would be
    for feats, rejected in featurize_lines(lines, profiles, scorer.prep, chunk=CHUNK):
        report.events += len(feats.events) + len(feats.duplicates)
        report.rejected += len(rejected) + len(feats.conflicts)
        dealt = dealings(feats.events)
        if dealt:
            seen.note(walk(dealt, seen.standings, scorer.prep.rates)[1], dealt[-1][0])
    report.customers = len(profiles)
    report.not_written = len(store.save(profiles.values()))
    standing = seen.standings
    if scorer.network is not None and standing:
        scorer.network.note({a: Note(s.since, {b: set(k) for b, k in s.payouts.items()},
                                     True)
                             for a, s in standing.items()},
                            max(s.seen for s in standing.values()))
        report.counterparties = len(standing)
    return report
