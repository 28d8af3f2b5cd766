"""What the local stack changes in moto (local/atomic.py, local/moto_speed*.py) keeps
DynamoDB's answers: a cancelled transaction leaves every item it named as it was, without
copying a table, and the answers written the fast way equal moto's own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from riskwarn.local.cloud import prepare_moto

REGION = "us-east-1"


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    prepare_moto()
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        _tables(client)
        yield client


def _tables(client: Any) -> None:
    """`one` keyed by a hash key, `two` by a hash and a range key."""
    for name, keys in (("one", {"k": "S"}), ("two", {"k": "S", "r": "N"})):
        client.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": k, "KeyType": "HASH" if i == 0 else "RANGE"}
                       for i, k in enumerate(keys)],
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": t}
                                  for k, t in keys.items()])


def _items(client: Any) -> dict[str, list[Any]]:
    return {t: sorted((i for i in client.scan(TableName=t, ConsistentRead=True)["Items"]),
                      key=repr) for t in ("one", "two")}


def _transaction(failing: bool) -> list[dict[str, Any]]:
    return [
        {"Put": {"TableName": "one", "Item": {"k": {"S": "new"}, "v": {"N": "1"}},
                 "ConditionExpression": "attribute_not_exists(k)"}},
        {"Update": {"TableName": "one", "Key": {"k": {"S": "old"}},
                    "UpdateExpression": "SET v = v + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {"TableName": "two", "Key": {"k": {"S": "a"}, "r": {"N": "1"}}}},
        {"Put": {"TableName": "two", "Item": {"k": {"S": "a"}, "r": {"N": "2"},
                                              "b": {"B": b"\x00\xff"}},
                 "ConditionExpression": "attribute_exists(k)" if failing
                 else "attribute_not_exists(k)"}},
    ]


def _seed(client: Any) -> None:
    client.put_item(TableName="one", Item={"k": {"S": "old"}, "v": {"N": "5"}})
    client.put_item(TableName="two", Item={"k": {"S": "a"}, "r": {"N": "1"}})


def test_a_cancelled_transaction_leaves_every_item_it_named_as_it_was(ddb: Any) -> None:
    _seed(ddb)
    before = _items(ddb)
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=_transaction(failing=True))
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in err.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert _items(ddb) == before  # the put, the update and the delete undone


def test_a_transaction_that_holds_writes_every_item(ddb: Any) -> None:
    _seed(ddb)
    ddb.transact_write_items(TransactItems=_transaction(failing=False))
    after = _items(ddb)
    assert [i["k"]["S"] for i in after["one"]] == ["new", "old"]
    assert next(i for i in after["one"] if i["k"]["S"] == "old")["v"] == {"N": "6"}
    assert after["two"] == [{"k": {"S": "a"}, "r": {"N": "2"}, "b": {"B": b"\x00\xff"}}]


def test_the_backup_copies_no_table(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    def refuse(self: Any, memo: Any) -> Any:
        raise AssertionError("a whole table was copied")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)
    _seed(ddb)
    before = _items(ddb)
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=_transaction(failing=True))
    assert _items(ddb) == before
    ddb.transact_write_items(TransactItems=_transaction(failing=False))
    assert len(_items(ddb)["one"]) == 2


def _conversation(client: Any) -> list[Any]:
    """Every item-answering operation once, binary values and absent members included."""
    def answer(resp: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in resp.items() if k != "ResponseMetadata"}

    out = []
    for i in range(5):
        out.append(answer(client.put_item(
            TableName="two", Item={"k": {"S": "c"}, "r": {"N": str(i)}, "blob": {"B": bytes([i])},
                                   "m": {"M": {"l": {"L": [{"NULL": True}, {"BOOL": False}]}}},
                                   "tags": {"SS": ["x", "null"]},
                                   "bins": {"BS": [b"\x00", bytes([i, 255])]}})))
    out.append(answer(client.put_item(TableName="one", Item={"k": {"S": "p"}, "n": {"N": "1"}},
                                      ReturnValues="ALL_OLD")))
    out.append(answer(client.put_item(TableName="one", Item={"k": {"S": "p"}, "n": {"N": "2"}},
                                      ReturnValues="ALL_OLD")))
    for value in ("3", "4"):  # one expression, two values: the parsed expression holds none
        out.append(answer(client.update_item(
            TableName="one", Key={"k": {"S": "p"}}, UpdateExpression="SET n = n + :d, s = :s",
            ExpressionAttributeValues={":d": {"N": value}, ":s": {"S": value}},
            ReturnValues="ALL_NEW")))
    # binary values are bytes to moto, as its shapes' reader leaves them: sizes in bytes
    out.append(answer(client.update_item(
        TableName="two", Key={"k": {"S": "c"}, "r": {"N": "1"}}, UpdateExpression="SET z = :t",
        ConditionExpression="size(#b) = :one AND size(bins) = :two AND #b = :b",
        ExpressionAttributeNames={"#b": "blob"},
        ExpressionAttributeValues={":one": {"N": "1"}, ":two": {"N": "2"}, ":t": {"S": "t"},
                                   ":b": {"B": bytes([1])}}, ReturnValues="ALL_NEW")))
    out.append(answer(client.get_item(TableName="two", Key={"k": {"S": "c"}, "r": {"N": "1"}})))
    out.append(answer(client.get_item(TableName="two", Key={"k": {"S": "c"}, "r": {"N": "9"}})))
    out.append(answer(client.batch_get_item(RequestItems={"two": {"Keys": [
        {"k": {"S": "c"}, "r": {"N": str(i)}} for i in range(3)]}})))
    out.append(answer(client.query(TableName="two", KeyConditionExpression="k = :k",
                                   ExpressionAttributeValues={":k": {"S": "c"}}, Limit=2)))
    out.append(answer(client.query(TableName="two", KeyConditionExpression="k = :k",
                                   ExpressionAttributeValues={":k": {"S": "c"}},
                                   ReturnConsumedCapacity="TOTAL")))
    out.append(answer(client.scan(TableName="one")))
    out.append(answer(client.transact_get_items(TransactItems=[
        {"Get": {"TableName": "one", "Key": {"k": {"S": "p"}}}}])))
    out.append(answer(client.batch_write_item(RequestItems={"one": [
        {"PutRequest": {"Item": {"k": {"S": "q"}}}}]})))
    out.append(answer(client.delete_item(TableName="one", Key={"k": {"S": "q"}},
                                         ReturnValues="ALL_OLD")))
    return out


def test_fast_answers_equal_moto_own(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.responses import DynamoResult

    fast = _conversation(ddb)
    for table in ("one", "two"):
        ddb.delete_table(TableName=table)
    from moto.core.parse import BaseJSONParser

    fast_path: Any = DynamoResult.execute_result
    monkeypatch.setattr(DynamoResult, "execute_result", fast_path.__wrapped__)
    fast_parse: Any = BaseJSONParser._parse_body_as_json  # requests read by moto's json too
    monkeypatch.setattr(BaseJSONParser, "_parse_body_as_json", fast_parse.__wrapped__)
    from moto.dynamodb.responses import DynamoHandler

    fast_read: Any = DynamoHandler.parse_parameters  # and through the API's shapes
    monkeypatch.setattr(DynamoHandler, "parse_parameters", fast_read.__wrapped__)
    _tables(ddb)
    assert fast == _conversation(ddb)
    assert fast[7]["Attributes"]["n"] == {"N": "5"} and fast[8]["Attributes"]["n"] == {"N": "9"}
    assert fast[9]["Attributes"]["z"] == {"S": "t"}


# conditions on writes: (expression, names, values), each tried on an item it holds for and
# one it does not; one expression comes twice with other values (one tree, two conditions)
CONDITIONS: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("version = :v", {}, {":v": {"N": "3"}}),
    ("version = :v", {}, {":v": {"N": "4"}}),
    ("attribute_not_exists(k)", {}, {}),
    ("attribute_exists(#n) AND #n < :r", {"#n": "rank"}, {":r": {"N": "2"}}),
    ("attribute_not_exists(told) OR told < :r", {}, {":r": {"N": "1"}}),
    ("begins_with(s, :p) OR size(l) > :n", {}, {":p": {"S": "ab"}, ":n": {"N": "1"}}),
    ("s IN (:a, :b) AND version BETWEEN :lo AND :hi", {},
     {":a": {"S": "x"}, ":b": {"S": "abc"}, ":lo": {"N": "1"}, ":hi": {"N": "3"}}),
    ("NOT attribute_type(s, :t) AND (version <> :v)", {}, {":t": {"S": "N"}, ":v": {"N": "9"}}),
    ("version = ", {}, {}),  # refused: moto's error, every time
    ("#gone = :v", {}, {":v": {"N": "1"}}),  # a name not given
    ("attribute_not_exists(k)", {"#u": "u"}, {":u": {"N": "1"}}),  # given, not used
]


def _write(client: Any, how: str, item: dict[str, Any], expr: str, names: dict[str, str],
           values: dict[str, Any]) -> Any:
    """One conditional write of `how` (put, update, transact): "ok" or the error."""
    given: dict[str, Any] = {"ConditionExpression": expr}
    if names:
        given["ExpressionAttributeNames"] = names
    try:
        if how == "put":
            client.put_item(TableName="one", Item=item, **given,
                            **({"ExpressionAttributeValues": values} if values else {}))
        elif how == "update":
            client.update_item(TableName="one", Key={"k": item["k"]},
                               UpdateExpression="SET w = :w",
                               ExpressionAttributeValues={**values, ":w": {"S": "upd"}},
                               **given)
        else:
            client.transact_write_items(TransactItems=[{"Put": {
                "TableName": "one", "Item": item, **given,
                **({"ExpressionAttributeValues": values} if values else {})}}])
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"].get("Message")
    except Exception as exc:  # moto's parser raising as it is, in process
        return type(exc).__name__, str(exc)
    return "ok"


def _conditional_writes(client: Any) -> list[Any]:
    out: list[Any] = []
    held = {"k": {"S": "c"}, "version": {"N": "3"}, "rank": {"N": "1"}, "s": {"S": "abc"},
            "l": {"L": [{"N": "1"}, {"N": "2"}]}}
    for expr, names, values in CONDITIONS * 2:
        for stored in (held, {**held, "version": {"N": "4"}, "rank": {"N": "5"}}):
            for how in ("put", "update", "transact"):
                client.put_item(TableName="one", Item=stored)
                out.append(_write(client, how, {**held, "w": {"S": how}}, expr, names, values))
                out.append(client.get_item(TableName="one", Key={"k": {"S": "c"}})["Item"])
    return out


def test_cached_conditions_decide_as_moto_own(ddb: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from moto.dynamodb import comparisons

    fast = _conditional_writes(ddb)
    parsing: Any = comparisons.get_filter_expression.__self__  # type: ignore[attr-defined]
    assert parsing.originals
    for (module, attr), own in parsing.originals.items():
        monkeypatch.setattr(importlib.import_module(module), attr, own)
    assert fast == _conditional_writes(ddb)
    assert "ok" in fast and any(isinstance(r, tuple) and r[0] == "ConditionalCheckFailedException"
                                for r in fast)


def test_shard_reads_equal_moto_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws
    from moto.kinesis.models import Shard

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    prepare_moto()
    with mock_aws():
        kin = boto3.client("kinesis", region_name=REGION)
        kin.create_stream(StreamName="s", ShardCount=2)
        for i in range(0, 300, 100):
            kin.put_records(StreamName="s", Records=[
                {"Data": f"r{n}".encode(), "PartitionKey": f"k{n % 7}"}
                for n in range(i, i + 100)])
        shards = [s["ShardId"] for s in kin.describe_stream(StreamName="s")[
            "StreamDescription"]["Shards"]]

        def reads() -> list[Any]:
            out: list[Any] = []
            for shard in shards:
                first = kin.get_shard_iterator(StreamName="s", ShardId=shard,
                                               ShardIteratorType="TRIM_HORIZON")
                seqs = []
                for limit in (1, 7, 50, 10_000):
                    it = first["ShardIterator"]
                    while True:
                        page = kin.get_records(ShardIterator=it, Limit=limit)
                        out.append([(r["SequenceNumber"], r["Data"], r["PartitionKey"])
                                    for r in page["Records"]])
                        seqs += [r["SequenceNumber"] for r in page["Records"]]
                        if not page["Records"]:
                            break
                        it = page["NextShardIterator"]
                for where in ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                               "StartingSequenceNumber": seqs[len(seqs) // 3]},
                              {"ShardIteratorType": "AT_SEQUENCE_NUMBER",
                               "StartingSequenceNumber": seqs[5]},
                              {"ShardIteratorType": "LATEST"}):
                    it = kin.get_shard_iterator(StreamName="s", ShardId=shard,
                                                **where)["ShardIterator"]
                    page = kin.get_records(ShardIterator=it, Limit=20)
                    out.append([r["SequenceNumber"] for r in page["Records"]])
                    out.append(page["NextShardIterator"])
            return out

        fast = reads()
        fast_read: Any = Shard.get_records
        monkeypatch.setattr(Shard, "get_records", fast_read.__wrapped__)
        assert fast == reads()
        assert sum(len(page) for page in fast[:8]) > 0
