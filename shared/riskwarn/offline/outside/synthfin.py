"""synthfin-aml 9.2.0 (MIT) → the event contract.

A transfer graph: every edge is one transfer, so it becomes a debit event on the sender's
account and a credit event on the receiver's, each naming the other as counterparty. Every
agent is a customer. One episode per mule account (`is_fraud` on the node): the events on
that account that belong to fraud edges. The fraud edges' other ends — the accounts that
feed the chains and the brokers they end at — are labelled too, outside the unit recall
counts (`unit: false`): an alert on a transfer synthfin marks as fraud is no false alert,
but the issue's unit is the mule account.

synthfin's package `__init__` imports torch (an optional extra for its graph baselines):
only its generator module is imported here, and numba is given a writable cache folder.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import types
from typing import Any

from riskwarn.offline.outside import Converted, OutsideSpec, iso


def _generator_module() -> Any:
    os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(tempfile.gettempdir(), "numba"))
    if "synthfin_aml_pkg" not in sys.modules:
        spec = importlib.util.find_spec("synthfin_aml_pkg")
        if spec is None or spec.submodule_search_locations is None:
            raise ModuleNotFoundError("synthfin_aml_pkg", name="synthfin_aml_pkg")
        package = types.ModuleType("synthfin_aml_pkg")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["synthfin_aml_pkg"] = package  # the generator alone, without torch
    import synthfin_aml_pkg.generator as generator

    return generator


def convert(spec: OutsideSpec) -> Converted:
    import contextlib
    import io

    gen = _generator_module().FraudGraphGenerator(seed=spec.seed)
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its progress
        gen.generate_transactions(agents=spec.customers, days=spec.days,
                                  start_date=spec.start)
        nodes, edges = gen.to_dataframes()
    mules = set(int(a) for a in nodes.loc[nodes["is_fraud"], "agent_id"])
    events: list[dict[str, Any]] = []
    episodes: list[dict[str, Any]] = []

    def account(agent: int) -> str:
        return f"SF-{agent:06d}-01"

    cols = ("txn_id", "source_id", "target_id", "timestamp", "amount", "is_fraud")
    for tid, src, dst, ts, amount, fraud in zip(*(edges[c] for c in cols), strict=True):
        value = round(float(amount), 2)
        if value < 0.01:
            continue
        at = iso(ts)
        for agent, other, direction in ((int(src), int(dst), "debit"),
                                        (int(dst), int(src), "credit")):
            event_id = f"sf-{spec.seed}-{tid}-{direction[0]}"
            events.append({
                "event_id": event_id, "event_type": "transaction", "occurred_at": at,
                "customer_id": f"SF-{agent:06d}", "account_id": account(agent),
                "channel": "mobile", "amount": f"{value:.2f}", "currency": "USD",
                "direction": direction, "method": "transfer",
                "counterparty_id": account(other),
            })
            if fraud and agent in mules:
                episodes.append({"event_id": event_id, "episode": f"SF-MULE-{agent:06d}",
                                 "typology": "AML-RAPID-MOVEMENT", "subtle": False,
                                 "source_type": "mule_account"})
            elif fraud:  # the chain's source paying in, or its last account paid: fraud,
                # but not a mule account's (the unit recall counts)
                episodes.append({"event_id": event_id, "episode": f"SF-CHAIN-END-{agent:06d}",
                                 "typology": "AML-LAYERING-CHAIN", "subtle": False,
                                 "source_type": "chain_end", "unit": False})
    return Converted(events, episodes)
