"""Backfill: build customer profiles from past events before alerts go live.

A new deployment (or the local demo) knows nothing of its customers: every first login is a
new device, every amount unusual. Backfill applies history through the same scoring core
(`featurize`: the profiles learn, no alert is raised) and writes the profiles once. For an
empty profiles table; a customer whose profile exists already is reported as not written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Scorer, featurize_lines
from riskwarn.store.profiles import ProfileStore

CHUNK = 20_000


@dataclass
class BackfillReport:
    events: int = 0
    rejected: int = 0
    customers: int = 0
    not_written: int = 0


def backfill(lines: Iterable[bytes], scorer: Scorer, store: ProfileStore) -> BackfillReport:
    report = BackfillReport()
    profiles: dict[str, CustomerProfile] = {}
    for feats, rejected in featurize_lines(lines, profiles, scorer.prep, chunk=CHUNK):
        report.events += len(feats.events) + len(feats.duplicates)
        report.rejected += len(rejected) + len(feats.conflicts)
    report.customers = len(profiles)
    report.not_written = len(store.save(profiles.values()))
    return report
