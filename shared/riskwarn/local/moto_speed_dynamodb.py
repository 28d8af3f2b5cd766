"""DynamoDB's part of moto_speed.py: work moto's server repeats on every table request
though its answer cannot change while the local stack runs, done once. Semantics are
untouched (atomic.py); each patch is idempotent and applies to this process only.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

import orjson


def apply() -> None:
    _dynamodb_items_as_json()
    _dynamodb_requests_read_as_json()
    _parse_each_update_expression_once()
    _parse_each_condition_once()


# DynamoDB operations whose answers are items (or nothing): their wire form is the result's
# JSON as it stands
ITEM_OPERATIONS = frozenset({
    "GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
    "BatchWriteItem", "TransactGetItems", "TransactWriteItems"})


def _base64(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(type(value).__name__)


def _wire(value: Any) -> Any:
    """The result as DynamoDB's JSON protocol writes it: absent (None) members left out."""
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def _json(result: dict[str, Any]) -> str:
    """Binary values in base64. Items hold no None (DynamoDB's null is {"NULL": true}), so
    the result is written as it stands; only when a null shows in the text (an absent
    member, or a string that merely looks like one) is it walked to leave members out."""
    body = orjson.dumps(result, default=_base64)
    if b":null" in body or b"[null" in body or b",null" in body:
        body = orjson.dumps(_wire(result), default=_base64)
    return body.decode()


def _dynamodb_items_as_json() -> None:
    """moto writes every answer through a serializer driven by the API's shapes: for an item
    that walks each attribute value's ten possible members, about half of a DynamoDB call's
    time at a burst. An answer of items is already in its wire shape; it is written as JSON
    directly. Anything else (table descriptions with dates, errors) goes the shapes' way."""
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result
    if getattr(original, "riskwarn_cached", False):
        return

    @functools.wraps(original)
    def execute_result(self: Any, context: Any) -> Any:
        if context.operation_model.name in ITEM_OPERATIONS and isinstance(self.result, dict):
            try:
                body = _json(self.result)
            except TypeError:
                return original(self, context)
            version = context.service_model.metadata.get("jsonVersion", "1.0")
            return 200, {"Content-Type": f"application/x-amz-json-{version}"}, body
        return original(self, context)

    execute_result.riskwarn_cached = True  # type: ignore[attr-defined]
    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


def _decoded(value: Any) -> Any:
    """A DynamoDB request's JSON as moto's shape parser leaves it: binary attribute values
    (`B`, `BS`: base64 on the wire) as bytes, everything else as it stands."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "B" and isinstance(v, str):
                out[k] = base64.b64decode(v)
            elif k == "BS" and isinstance(v, list):
                out[k] = [base64.b64decode(b) for b in v]
            else:
                out[k] = _decoded(v)
        return out
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def _dynamodb_requests_read_as_json() -> None:
    """moto reads every request through a parser driven by the API's shapes, walking each
    member of every item: a tenth of the tables' process's time at a burst. An item
    operation's request is JSON whose only values of another type are binary attribute
    values (base64); it is read as it stands, those decoded. Anything else (and a body
    that is not a JSON object) goes the shapes' way."""
    from moto.dynamodb.responses import DynamoHandler

    original: Any = DynamoHandler.parse_parameters
    if getattr(original, "riskwarn_cached", False):
        return

    @functools.wraps(original)
    def parse_parameters(self: Any, request: Any) -> None:
        if self._get_action() in ITEM_OPERATIONS:
            try:
                body = orjson.loads(request.data or b"{}")
            except orjson.JSONDecodeError:
                body = None
            if isinstance(body, dict):
                self.params = _decoded(body)
                return
        original(self, request)

    parse_parameters.riskwarn_cached = True  # type: ignore[attr-defined]
    DynamoHandler.parse_parameters = parse_parameters  # type: ignore[method-assign]


def _parse_each_update_expression_once() -> None:
    """moto tokenises and parses an UpdateItem's expression on every call (a third of the
    call's time); its validator and executor work on a deep copy of the tree, and the other
    readers only read it, so one tree per expression serves every call."""
    from moto.dynamodb.parsing import expressions

    parser: Any = expressions.UpdateExpressionParser  # type: ignore[attr-defined]

    if getattr(parser.make, "riskwarn_cached", False):
        return
    parsed = functools.lru_cache(maxsize=4096)(parser.make)

    def make(cls: type, expression_str: str) -> Any:
        return parsed(expression_str)

    make.riskwarn_cached = True  # type: ignore[attr-defined]
    parser.make = classmethod(make)


# where a cached condition tree holds an expression attribute value: the placeholder's name
_SLOT = "riskwarn:value"
# the modules that imported moto's condition parsing by name
_CONDITION_MODULES = ("moto.dynamodb.comparisons", "moto.dynamodb.models",
                      "moto.dynamodb.models.table", "moto.dynamodb.responses")


def _parse_each_condition_once() -> None:
    """moto lexes and parses a write's condition expression on every call, twice (once to
    check the names it uses, once to decide): a quarter of the tables' process's time at
    a burst (`version = :v` on every profile written). The tree depends on the expression
    and its names only; the values are its leaves. One tree per (expression, names, value
    placeholders), parsed with the placeholders as leaves, serves every call, each building
    its own condition from it with its own values; the tree is only read. An expression
    moto refuses is never cached: each call gets moto's own error from moto's own parse."""
    import importlib

    from moto.dynamodb import comparisons

    if isinstance(getattr(comparisons.get_filter_expression, "__self__", None),
                  _CachedConditions):
        return
    parsing = _CachedConditions(comparisons)
    for name in _CONDITION_MODULES:
        module: Any = importlib.import_module(name)
        for attr, ours in (("get_filter_expression", parsing.condition),
                           ("create_condition_expression_parser", parsing.parser)):
            if hasattr(module, attr):
                parsing.originals[(name, attr)] = getattr(module, attr)
                setattr(module, attr, ours)


class _CachedConditions:
    """moto's condition parsing (`get_filter_expression`, and the parser the handlers make
    to read the names and values used), from one parsed tree per expression."""

    def __init__(self, comparisons: Any) -> None:
        original: Any = comparisons.ConditionExpressionParser
        value_kind = original.Kind.EXPRESSION_ATTRIBUTE_VALUE
        self.original = original

        class Tree(original):  # type: ignore[misc]
            def _make_op_condition(self, node: Any) -> Any:
                return node  # parse() ends by building the condition: stop at the tree

        class Bound(original):  # type: ignore[misc]
            def _make_operand(self, node: Any) -> Any:
                if (node.kind == value_kind and isinstance(node.value, dict)
                        and _SLOT in node.value):
                    return comparisons.AttributeValue(
                        self.expression_attribute_values[node.value[_SLOT]])
                return super()._make_operand(node)

        self.bound = Bound

        @functools.lru_cache(maxsize=1024)
        def tree(expr: str, names: tuple[tuple[str, str], ...], slots: tuple[str, ...]
                 ) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
            parser = Tree(expr, dict(names), {k: {_SLOT: k} for k in slots})
            node = parser.parse()
            return node, tuple(parser.expr_attr_names_found), tuple(
                parser.expr_attr_values_found)

        self.tree = tree
        parsing = self

        class Parser:
            """What moto's handlers ask of a condition parser: parse, and the names and
            values it found."""

            def __init__(self, expr: Any, names: Any, values: Any) -> None:
                self.args = (expr, names, values)
                self.expr_attr_names_found: list[str] = []
                self.expr_attr_values_found: list[str] = []

            def parse(self) -> Any:
                return parsing.parse(self)

        self.parser = Parser
        self.originals: dict[tuple[str, str], Any] = {}  # (module, name) -> moto's own

    def parse(self, asked: Any) -> Any:
        expr, names, values = asked.args
        if not expr:
            return self._moto_own(asked)  # no condition: moto's own answer
        try:
            node, names_found, values_found = self.tree(
                expr, tuple(sorted((names or {}).items())), tuple(sorted(values or {})))
        except Exception:
            return self._moto_own(asked)  # with moto's own error
        asked.expr_attr_names_found = list(names_found)
        asked.expr_attr_values_found = list(values_found)
        return self.bound(expr, names, values)._make_op_condition(node)

    def _moto_own(self, asked: Any) -> Any:
        parser = self.original(*asked.args)
        op = parser.parse()
        asked.expr_attr_names_found = parser.expr_attr_names_found
        asked.expr_attr_values_found = parser.expr_attr_values_found
        return op

    def condition(self, expr: Any, names: Any, values: Any) -> Any:
        return self.parse(self.parser(expr, names, values))
