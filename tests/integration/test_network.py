"""The counterparty graph on moto: hops written to the network table by one batch are found
by a later batch (another shard's or a later delivery), and the chain's alert carries it."""

from __future__ import annotations

from riskwarn.runtime.stream import score_batch
from riskwarn.store.alerts import from_item
from riskwarn.store.network import decode
from tests.builders import at, generate_context, line
from tests.integration.conftest import Stack


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
