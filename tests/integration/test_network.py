"""The counterparty graph on moto: hops written to the network table by one batch are found
by a later batch (another shard's or a later delivery), and the chain's alert carries it."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from riskwarn.cases.alerts import alert_id_for
from riskwarn.core.standing import Note, Standing
from riskwarn.runtime.stream import score_batch
from riskwarn.store.alerts import from_item
from riskwarn.store.network import NetworkStore, decode
from tests.builders import at, eventually, generate_context, line
from tests.integration.conftest import Stack
from tests.integration.desk import Desk
from tests.integration.test_api import Client


def _t(cid: str, hours: float, amount: str, direction: str, cp: str) -> bytes:
    return line(customer_id=cid, account_id=f"{cid}-01", occurred_at=at(hours), amount=amount,
                direction=direction, method="transfer", counterparty_id=cp)


def test_a_chain_split_over_two_batches_is_found_through_the_network_table(
        stack: Stack) -> None:
    ddb = stack.client("dynamodb")
    # Given A passes money to B in one batch ...
    first = [_t("NA", 1.0, "60000.00", "credit", "SRC-01"),
             _t("NA", 1.5, "57000.00", "debit", "NB-01"),
             _t("NB", 1.5, "57000.00", "credit", "NA-01")]
    assert score_batch(stack.send(first), generate_context(), stack.ports) == {
        "batchItemFailures": []}
    item = ddb.get_item(TableName=stack.p.ref("NetworkTable"),
                        Key={"account": {"S": "NA-01"}})["Item"]
    (hop,) = decode("NA-01", item["hops"]["B"]).hops
    assert (hop.payee, hop.hops) == ("NB-01", 1)
    assert int(item["expires_at"]["N"]) > hop.ts  # the item expires (TTL)
    # ... and B passes it on to C in a later one
    second = [_t("NB", 2.0, "55000.00", "debit", "NC-01"),
              _t("NC", 2.0, "55000.00", "credit", "NB-01")]
    assert score_batch(stack.send(first + second), generate_context(), stack.ports) == {
        "batchItemFailures": []}
    # Then B's and C's alerts name the chain, with its accounts in order
    alerts = [from_item(i) for i in ddb.scan(TableName=stack.p.ref("AlertsTable"))["Items"]]
    chained = {a.customer_id: a for a in alerts if "AML-LAYERING-CHAIN" in a.typologies}
    assert set(chained) == {"NB", "NC"}
    assert chained["NC"].tier in ("high", "critical")
    assert any("NA-01 -> NB-01" in r for r in chained["NB"].reason_codes)


def _records(event: dict[str, Any], keep: Callable[[bytes], bool]) -> dict[str, Any]:
    """The Lambda event with only the records whose data `keep` picks (one shard's)."""
    return {"Records": [r for r in event["Records"]
                        if keep(base64.b64decode(r["kinesis"]["data"]))]}


def _legs() -> tuple[list[bytes], bytes]:
    """NA passes 57,000 to NB, NB passes 55,000 to NC (their shards' side), and NC's credit
    from NB."""
    return [_t("NA", 1.0, "60000.00", "credit", "SRC-01"),
            _t("NA", 1.5, "57000.00", "debit", "NB-01"),
            _t("NB", 1.5, "57000.00", "credit", "NA-01"),
            _t("NB", 2.0, "55000.00", "debit", "NC-01")], _t("NC", 2.0, "55000.00", "credit",
                                                               "NB-01")


def test_a_receipt_scored_before_its_payers_hop_is_found_by_the_recheck_record(
        stack: Stack) -> None:
    """C's shard scores C's credit from B before B's shard has written B's hop (both legs
    of one transfer arrive together); the recheck record it puts on the stream finds it."""
    ddb = stack.client("dynamodb")
    ab, credit = _legs()
    # C's shard first: no hop on NB-01 yet, so the credit (from a payer new to C, who has
    # bought a coffee before) waits, and C's shard is asked
    coffee = line(customer_id="NC", account_id="NC-01", occurred_at=at(-24.0), amount="30.00",
                  method="card", counterparty_id="CAFE")
    assert score_batch(stack.send([coffee, credit]), generate_context(), stack.ports) == {
        "batchItemFailures": []}
    everything = stack.send(ab)
    (recheck,) = [r for r in everything["Records"]
                  if base64.b64decode(r["kinesis"]["data"]).startswith(b'{"recheck"')]
    assert recheck["kinesis"]["partitionKey"] == "NC"
    # B's shard: B's hop, paid to NC-01
    score_batch(_records(everything, lambda d: b'"customer_id":"N' in d and b'"NC"' not in d),
                generate_context(), stack.ports)
    table = stack.p.ref("AlertsTable")
    assert not [i for i in ddb.scan(TableName=table)["Items"] if i["customer_id"]["S"] == "NC"]
    # C's shard again: the recheck record raises the receipt on the credit itself
    assert score_batch({"Records": [recheck]}, generate_context(), stack.ports) == {
        "batchItemFailures": []}
    (alert,) = [from_item(i) for i in ddb.scan(TableName=table)["Items"]
                if i["customer_id"]["S"] == "NC"]
    credit_id = orjson.loads(credit)["event_id"]
    assert alert.typologies == ["AML-LAYERING-CHAIN"] and alert.alert_id == alert_id_for(
        credit_id)
    assert any("received from NB-01, which passed on" in r for r in alert.reason_codes)
    assert ("NB-01", "NC-01") in {(e.source, e.target) for e in alert.network}
    # delivered again, it raises nothing twice
    score_batch({"Records": [recheck]}, generate_context(), stack.ports)
    assert len([i for i in ddb.scan(TableName=table)["Items"]
                if i["customer_id"]["S"] == "NC"]) == 1


def test_a_recheck_that_came_before_the_payers_hop_is_sent_again_by_the_hop(
        stack: Stack) -> None:
    """The payer's shard lags: C's recheck finds no hop yet. C's shard left its wait on
    NB-01's item, so the batch that writes NB-01's hop names NC and puts another recheck
    record for it, which raises the receipt (no later event of C's needed)."""
    ddb = stack.client("dynamodb")
    ab, credit = _legs()

    def rechecks(event: dict[str, Any]) -> list[dict[str, Any]]:
        return [r for r in event["Records"]
                if base64.b64decode(r["kinesis"]["data"]).startswith(b'{"recheck"')]

    score_batch(stack.send([credit]), generate_context(), stack.ports)  # NC's first event
    (first,) = rechecks(stack.send([]))
    score_batch({"Records": [first]}, generate_context(), stack.ports)  # before the hop
    table = stack.p.ref("AlertsTable")
    assert not [i for i in ddb.scan(TableName=table)["Items"] if i["customer_id"]["S"] == "NC"]
    everything = stack.send(ab)
    score_batch(_records(everything, lambda d: b'"customer_id":"N' in d and b'"NC"' not in d),
                generate_context(), stack.ports)  # NB's shard writes the hop, names NC
    # (NA's first credit, from an outside account, waits too: its own recheck)
    second = [r for r in rechecks(stack.send([])) if r["kinesis"]["partitionKey"] == "NC"
              and r["kinesis"]["sequenceNumber"] != first["kinesis"]["sequenceNumber"]]
    assert len(second) == 1
    score_batch({"Records": second}, generate_context(), stack.ports)
    (alert,) = [from_item(i) for i in ddb.scan(TableName=table)["Items"]
                if i["customer_id"]["S"] == "NC"]
    assert alert.typologies == ["AML-LAYERING-CHAIN"]
    assert alert.alert_id == alert_id_for(orjson.loads(credit)["event_id"])
    # the wait is told once: NB's next hop names nobody
    item = ddb.get_item(TableName=stack.p.ref("NetworkTable"), Key={"account": {"S": "NB-01"}},
                        ConsistentRead=True)["Item"]
    assert not [k for k in item if k.startswith("wait_")]


@pytest.mark.parametrize("stack", ["transact"], indirect=True)
def test_the_chain_is_a_graph_in_the_api_and_a_confirmed_mule_links_its_payers(
        stack: Stack) -> None:
    ddb = stack.client("dynamodb")
    chain = [_t("NA", 1.0, "60000.00", "credit", "SRC-01"),
             _t("NA", 1.5, "57000.00", "debit", "NB-01"),
             _t("NB", 1.5, "57000.00", "credit", "NA-01"),
             _t("NB", 2.0, "55000.00", "debit", "NC-01"),
             _t("NC", 2.0, "55000.00", "credit", "NB-01")]
    score_batch(stack.send(chain), generate_context(), stack.ports)
    alerts = {a.customer_id: a for a in (
        from_item(i) for i in ddb.scan(TableName=stack.p.ref("AlertsTable"))["Items"])
        if "AML-LAYERING-CHAIN" in a.typologies}
    api = Client(stack)
    # Given the chain's alert on the receiving account: the API shows its network
    status, doc, _ = api.call("GET", f"/alerts/{alerts['NC'].alert_id}")
    assert status == 200
    moves = {(e["source"], e["target"]) for e in doc["network"]["edges"]}
    assert {("SRC-01", "NA-01"), ("NA-01", "NB-01"), ("NB-01", "NC-01")} <= moves
    roles = {n["id"]: n["role"] for n in doc["network"]["nodes"]}
    assert roles["NC-01"] == "subject" and roles["NA-01"] == "party"
    # an auditor sees the accounts other than the alert's own masked
    status, doc, _ = api.call("GET", f"/alerts/{alerts['NC'].alert_id}", user="aud",
                              groups=("auditor",))
    ids = {n["id"] for n in doc["network"]["nodes"]}
    assert "NC-01" in ids and "NA-01" not in ids and "NB-01" not in ids
    # When an analyst confirms the middle account's alert as a mule
    desk = Desk(stack)
    mule = alerts["NB"].alert_id
    assert eventually(lambda: desk.waiting(mule))
    assert api.call("POST", f"/alerts/{mule}/claim")[0] == 200
    body = {"outcome": "confirmed", "note": "mule: passes on at once"}
    status, doc, _ = api.call("POST", f"/alerts/{mule}/decision", body=body)
    assert status == 200
    if doc["state"] == "awaiting_second_review":  # critical: a supervisor decides too
        status, doc, _ = api.call("POST", f"/alerts/{mule}/decision", user="sue",
                                  groups=("supervisor",), body=body)
        assert status == 200 and doc["state"] == "completed"
    # the STR draft lists the money between the accounts
    assert eventually(lambda: api.call("GET", f"/reports/str/STR-{mule}")[0] == 200)
    text = api.call("GET", f"/reports/str/STR-{mule}")[1]
    assert "Money between accounts" in text and "| NA-01 | NB-01 |" in text
    assert eventually(lambda: "network_marked" in desk.history(mule))
    item = ddb.get_item(TableName=stack.p.ref("NetworkTable"),
                        Key={"account": {"S": "NB-01"}})["Item"]
    assert [k for k in item if k.startswith("mark_")] == [f"mark_{mule}"]
    assert "hops" in item  # the score function's hops and the workflow's mark side by side
    # Then a customer who pays the confirmed mule's account is linked to it
    # (now: the mark is as old as the decision, and events after it are linked)
    payer = [line(customer_id="NE", account_id="NE-01", amount="25000.00", direction="debit",
                  method="transfer", counterparty_id="NB-01",
                  occurred_at=datetime.now(UTC).isoformat())]
    score_batch(stack.send(chain + payer), generate_context(), stack.ports)
    linked = [from_item(i) for i in ddb.scan(TableName=stack.p.ref("AlertsTable"))["Items"]
              if i["customer_id"]["S"] == "NE"]
    assert linked and "NETWORK-LINKED" in linked[0].typologies
    assert any("one hop from NB-01" in r for r in linked[0].reason_codes)


@pytest.mark.parametrize("stack", ["transact"], indirect=True)
def test_a_medium_mule_alert_confirmed_on_the_alert_itself_marks_the_graph(
        stack: Stack) -> None:
    from riskwarn.cases.alerts import Alert, EvidenceItem, alert_id_for
    from riskwarn.store.alerts import to_item

    ddb = stack.client("dynamodb")
    now = datetime.now(UTC)
    aid = alert_id_for("e-p2")
    alert = Alert(alert_id=aid, customer_id="NP", account_id="NP-01", tier="medium",
                  score=600, risk_category="aml", typologies=["AML-PASS-THROUGH"],
                  reason_codes=["passes money through"], event_ids=["e-p1", "e-p2"],
                  occurred_at=now, last_evidence_at=now, created_at=now, evidence=[
                      EvidenceItem(event_id="e-p1", at=now, amount=30_000.0,
                                   direction="credit", method="transfer",
                                   counterparty="PAYER-01"),
                      EvidenceItem(event_id="e-p2", at=now, amount=29_000.0,
                                   direction="debit", method="transfer",
                                   counterparty="PAYEE-01")])
    ddb.put_item(TableName=stack.p.ref("AlertsTable"), Item=to_item(alert))
    api = Client(stack)
    status, doc, _ = api.call("POST", f"/alerts/{aid}/decision",
                              body={"outcome": "confirmed", "note": "a mule, by its own story"})
    assert status == 200 and doc["state"] == "recorded", doc
    for account, hops in (("NP-01", 0), ("PAYER-01", 1), ("PAYEE-01", 1)):
        item = ddb.get_item(TableName=stack.p.ref("NetworkTable"),
                            Key={"account": {"S": account}})["Item"]
        (mark,) = decode(account, None, [item[f"mark_{aid}"]["S"]]).marks
        assert (mark.hops, mark.case_account) == (hops, "NP-01")
    history = [h["action"] for h in api.call("GET", f"/alerts/{aid}")[1]["history"]]
    assert history[-2:] == ["confirmed", "network_marked"]


def test_a_counterpartys_standing_is_kept_in_the_network_table_and_holds_an_unusual_amount(
        stack: Stack) -> None:
    """Customers of many shards count towards one account's standing (set ADDs: none lost);
    a later batch reads it, and an unusual amount paid to that account stands at low."""
    ddb = stack.client("dynamodb")
    book = [line(customer_id=f"NP{i}", account_id=f"NP{i}-01", occurred_at=at(days=-30 + i),
                 amount="40000.00", direction=d, method="transfer", counterparty_id="HUB-01")
            for i in range(6) for d in ("debit", "credit")]
    assert score_batch(stack.send(book), generate_context(), stack.ports) == {
        "batchItemFailures": []}
    item = ddb.get_item(TableName=stack.p.ref("NetworkTable"),
                        Key={"account": {"S": "standing#HUB-01"}})["Item"]
    assert len(item["paid_b15"]["NS"]) == 6  # the six it paid 40,000 (2^15 to 2^16)
    assert int(item["expires_at"]["N"]) > float(item["seen"]["N"])  # the item expires (TTL)
    paid = _t("NQ", 0.0, "50000.00", "debit", "HUB-01")
    assert score_batch(stack.send([paid]), generate_context(), stack.ports) == {
        "batchItemFailures": []}
    alerts = [from_item(i) for i in ddb.scan(TableName=stack.p.ref("AlertsTable"))["Items"]]
    (held,) = [a for a in alerts if a.customer_id == "NQ"]
    assert held.tier == "low"
    assert any("a counterparty the book trades with (it has paid 6 of our other customers "
               "sums of this size" in r for r in held.reason_codes)


def test_many_standing_writes_at_once_go_in_parallel_and_lose_nothing(stack: Stack) -> None:
    """A backfill's history writes thousands of accounts' standing: in parallel, each whole."""
    store = NetworkStore(stack.client("dynamodb"), stack.p.ref("NetworkTable"))
    added = {f"BF-{i:03d}": Note(1_000.0 + i, {11: {i + 2}, 15: {3}}, True) for i in range(40)}
    store.note(added, 5_000.0)
    _, standing = store.read((), set(added))
    assert set(standing) == set(added)
    assert standing["BF-007"] == Standing(1_007.0, 5_000.0,
                                          {11: frozenset({9}), 15: frozenset({3})})
    store.note({"BF-007": Note(900.0, {15: {4}})}, 6_000.0)
    _, again = store.read((), {"BF-007"})
    assert again["BF-007"].payouts == {11: frozenset({9}), 15: frozenset({3, 4})}  # ADDed
