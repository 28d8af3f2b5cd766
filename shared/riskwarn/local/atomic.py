"""AWS's semantics where moto does not keep them itself under threads.

- Conditional writes are atomic in DynamoDB; moto's are not against another thread (the
  check and the write are two steps in Python). `serialise_dynamodb_writes()` wraps moto's
  write methods in one process-wide lock, so two writers racing on one item see what
  DynamoDB would show them: one wins, the other's condition fails.
- A transaction is all or nothing. moto backs one up by deep-copying every table it touches,
  once per item: a TransactWriteItems of 100 puts into a table of 50,000 profiles copies the
  table 100 times. `transactions_back_up_their_items()` keeps the same all-or-nothing rule
  by copying only the items the transaction names, and putting them back if it is cancelled.
- A Kinesis shard takes puts while it is read. moto's shard reads its records by iterating
  the dict a put adds to ("OrderedDict mutated during iteration": a 500 the client retries);
  `serialise_kinesis_shards()` gives each read and put the shard to itself.

The local stack and the tests that run handlers on threads call `keep_aws_semantics()` once.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable
from typing import Any

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_LOCK = threading.RLock()
_SHARDS = threading.Lock()
_MARK = "_riskwarn_serialised"
_TX_MARK = "_riskwarn_item_backup"


def keep_aws_semantics() -> None:
    """All of the below (idempotent)."""
    serialise_dynamodb_writes()
    transactions_back_up_their_items()
    serialise_kinesis_shards()


def serialise_kinesis_shards() -> None:
    from moto.kinesis.models import Shard

    for name in ("get_records", "put_record"):
        method = getattr(Shard, name)
        if not getattr(method, _MARK, False):
            setattr(Shard, name, _locked(method, _SHARDS))


def serialise_dynamodb_writes() -> None:
    """Wrap moto's DynamoDB write methods in one process-wide lock (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in WRITES:
        method = getattr(DynamoDBBackend, name)
        if getattr(method, _MARK, False):
            continue
        setattr(DynamoDBBackend, name, _locked(method))


def _locked(method: Callable[..., Any], lock: Any = _LOCK) -> Callable[..., Any]:
    @functools.wraps(method)
    def write(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return method(*args, **kwargs)

    setattr(write, _MARK, True)
    return write


class _TablesNotCopied:
    """Stands for the `copy` module inside moto's DynamoDB backend: copies anything but a
    whole table (the transaction's own backup, below, holds the items it touches)."""

    def __init__(self, table_type: type) -> None:
        self._table = table_type

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        return obj if isinstance(obj, self._table) else copy.deepcopy(obj, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def transactions_back_up_their_items() -> None:
    """moto's TransactWriteItems, backed up per item instead of per table (idempotent). The
    write lock is held around the whole transaction, backup and restore included."""
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, _TX_MARK, False):
        return
    models.copy = _TablesNotCopied(Table)  # type: ignore[assignment,attr-defined]
    original = backend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _LOCK:
            saved = _touched(self, transact_items)
            try:
                original(self, transact_items)
            except Exception:
                _restore(saved)
                raise

    setattr(transact_write_items, _TX_MARK, True)
    setattr(transact_write_items, _MARK, getattr(original, _MARK, False))
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]


Saved = list[tuple[Any, Any, Any, Any]]  # (table, hash key, range key, item or None)


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> Saved:
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved: Saved = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Item") if op_type == "Put" else op.get("Key")
            try:
                hash_key = DynamoType(key[table.hash_key_attr])
                range_key = (DynamoType(key[table.range_key_attr])
                             if table.range_key_attr else None)
                current = table.get_item(hash_key, range_key)
            except Exception:  # moto's own validation answers for a bad key
                continue
            # a put or a delete replaces the stored item (moto builds a new one), so the
            # item itself is its backup; only an update changes it in place
            saved.append((table, hash_key, range_key,
                          copy.deepcopy(current) if op_type == "Update" else current))
    return saved


def _restore(saved: Saved) -> None:
    for table, hash_key, range_key, item in reversed(saved):
        if item is None:
            if range_key is not None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items.pop(hash_key, None)
        elif range_key is not None:
            table.items[hash_key][range_key] = item
        else:
            table.items[hash_key] = item
