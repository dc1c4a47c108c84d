"""IAM ``Condition`` operators: parsing one ``{operator: {key: values}}`` block and evaluating it.

Semantics (spec/security-runtime-api.md §1.3, from AWS's IAM User Guide pages
*IAM JSON policy elements: Condition operators* and *Multivalued context keys*):

- Operators and keys of one ``Condition`` block are ANDed; the values listed for one key are
  ORed. A negated operator (``StringNotEquals``, ``NotIpAddress``, ...) is true only if *none* of
  the values matches.
- A key absent from the request: positive operators are false, negated ones true;
  ``...IfExists`` (any operator but ``Null``) makes an absent key true; ``Null: "true"`` is true
  exactly when the key is absent.
- ``ForAllValues:`` is true when every request value matches some policy value (and when the key
  is absent or empty); ``ForAnyValue:`` when at least one does (false when absent).
- Condition key names are case-insensitive; values are compared as the operator says: String
  (case-sensitive unless ``IgnoreCase``; ``*``/``?`` only in ``Like``), Numeric, Date (ISO-8601
  or seconds since the epoch), Bool, BinaryEquals (base-64), IpAddress (CIDR, IPv4 or IPv6) and
  Arn (segment by segment; ``ArnEquals`` is ``ArnLike``).

>>> block = parse_condition_block({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
...                               variables=True, field="Condition")
>>> block[0].evaluate({"aws:sourceip": ("203.0.113.7",)})
True
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from vigil.security.patterns import ContextValue, ResourcePattern, WildcardPattern, context_text

__all__ = [
    "ConditionBlockError",
    "ConditionClause",
    "Operator",
    "OperatorKind",
    "parse_condition_block",
]


class OperatorKind(Enum):
    """The family an operator's values belong to."""

    STRING_EQUALS = "StringEquals"
    STRING_EQUALS_IGNORE_CASE = "StringEqualsIgnoreCase"
    STRING_LIKE = "StringLike"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP_ADDRESS = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


_Comparison = Callable[[float, float], bool]
_COMPARISONS: dict[str, _Comparison] = {
    "Equals": lambda a, b: a == b,
    "NotEquals": lambda a, b: a == b,  # negated after comparison
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}

# base operator name -> (kind, negated, comparison for Numeric/Date)
_BASE_OPERATORS: dict[str, tuple[OperatorKind, bool, str | None]] = {
    "StringEquals": (OperatorKind.STRING_EQUALS, False, None),
    "StringNotEquals": (OperatorKind.STRING_EQUALS, True, None),
    "StringEqualsIgnoreCase": (OperatorKind.STRING_EQUALS_IGNORE_CASE, False, None),
    "StringNotEqualsIgnoreCase": (OperatorKind.STRING_EQUALS_IGNORE_CASE, True, None),
    "StringLike": (OperatorKind.STRING_LIKE, False, None),
    "StringNotLike": (OperatorKind.STRING_LIKE, True, None),
    "Bool": (OperatorKind.BOOL, False, None),
    "BinaryEquals": (OperatorKind.BINARY, False, None),
    "IpAddress": (OperatorKind.IP_ADDRESS, False, None),
    "NotIpAddress": (OperatorKind.IP_ADDRESS, True, None),
    "ArnEquals": (OperatorKind.ARN, False, None),
    "ArnLike": (OperatorKind.ARN, False, None),
    "ArnNotEquals": (OperatorKind.ARN, True, None),
    "ArnNotLike": (OperatorKind.ARN, True, None),
    "Null": (OperatorKind.NULL, False, None),
    **{
        family + name: (kind, name == "NotEquals", name)
        for family, kind in (("Numeric", OperatorKind.NUMERIC), ("Date", OperatorKind.DATE))
        for name in _COMPARISONS
    },
}

_SET_PREFIXES = {"ForAnyValue": "any", "ForAllValues": "all"}


@dataclass(frozen=True)
class Operator:
    """A parsed condition operator such as ``ForAnyValue:StringLikeIfExists``."""

    name: str
    base: str
    kind: OperatorKind
    negated: bool
    if_exists: bool
    set_operator: str | None  # "any", "all" or None
    comparison: str | None

    @classmethod
    def parse(cls, name: str) -> Operator | None:
        """The operator named ``name`` (case-sensitive, as IAM's), or ``None`` if unknown."""
        set_operator = None
        base = name
        if ":" in name:
            prefix, base = name.split(":", 1)
            set_operator = _SET_PREFIXES.get(prefix)
            if set_operator is None:
                return None
        if_exists = base.endswith("IfExists")
        if if_exists:
            base = base[: -len("IfExists")]
        known = _BASE_OPERATORS.get(base)
        if known is None or (if_exists and known[0] is OperatorKind.NULL):
            return None
        kind, negated, comparison = known
        return cls(name, base, kind, negated, if_exists, set_operator, comparison)


_PolicyValue = Any  # WildcardPattern | ResourcePattern | float | datetime | bool | bytes | network


@dataclass(frozen=True)
class ConditionClause:
    """One operator applied to one context key with its policy values (ORed)."""

    operator: Operator
    key: str  # as written in the policy
    values: tuple[str, ...]  # as written (JSON numbers and booleans as their JSON text)
    parsed: tuple[_PolicyValue, ...]

    @property
    def context_key(self) -> str:
        """The key in lower case, as request contexts are keyed."""
        return self.key.lower()

    def evaluate(self, context: Mapping[str, tuple[ContextValue, ...]]) -> bool:
        """Whether the clause holds for a request ``context`` (lower-case keys)."""
        op = self.operator
        request_values = context.get(self.context_key)
        if op.kind is OperatorKind.NULL:
            absent = not request_values
            return any(value is absent for value in self.parsed)
        if not request_values:
            if op.set_operator == "all":
                return True
            if op.set_operator == "any":
                return False
            return op.if_exists or op.negated
        if op.set_operator == "all":
            return all(self._value_holds(v, context) for v in request_values)
        return any(self._value_holds(v, context) for v in request_values)

    def _value_holds(
        self, request_value: ContextValue, context: Mapping[str, tuple[ContextValue, ...]]
    ) -> bool:
        matched = any(self._matches(request_value, p, context) for p in self.parsed)
        return not matched if self.operator.negated else matched

    def _matches(
        self,
        request_value: ContextValue,
        policy_value: _PolicyValue,
        context: Mapping[str, tuple[ContextValue, ...]],
    ) -> bool:
        kind = self.operator.kind
        if kind in (OperatorKind.STRING_EQUALS, OperatorKind.STRING_LIKE):
            return bool(policy_value.matches(context_text(request_value), context))
        if kind is OperatorKind.STRING_EQUALS_IGNORE_CASE:
            text = context_text(request_value)
            return bool(policy_value.matches(text, context, ignore_case=True))
        if kind is OperatorKind.ARN:
            return bool(policy_value.matches(context_text(request_value), context, whole_arn=True))
        if kind is OperatorKind.BOOL:
            return _as_bool(request_value) is policy_value
        if kind is OperatorKind.BINARY:
            return bool(_as_bytes(request_value) == policy_value)
        if kind is OperatorKind.IP_ADDRESS:
            address = _as_ip(request_value)
            return (
                address is not None
                and address.version == policy_value.version
                and (address in policy_value)
            )
        comparison = _COMPARISONS[self.operator.comparison or "Equals"]
        if kind is OperatorKind.NUMERIC:
            number = _as_number(request_value)
            return number is not None and comparison(number, policy_value)
        moment = _as_epoch(request_value)
        return moment is not None and comparison(moment, policy_value)


def parse_condition_block(
    block: object, *, variables: bool, field: str
) -> tuple[ConditionClause, ...]:
    """Parse a statement's ``Condition`` element.

    Parameters
    ----------
    block : object
        The JSON value: ``{operator: {key: value | [values]}}``.
    variables : bool
        Whether ``${...}`` in String/Arn values are policy variables (Version 2012-10-17).
    field : str
        Where the block sits, for error messages (``Statement[0].Condition``).

    Raises
    ------
    ValueError
        With a message naming the operator and key, if the block is malformed; the caller
        (:func:`vigil.security.policy.parse_policy`) turns it into a
        :class:`~vigil.security.errors.PolicyError` naming the statement.
    """
    if not isinstance(block, Mapping) or not block:
        raise ConditionBlockError(field, "must be a non-empty object of {operator: {key: values}}")
    clauses: list[ConditionClause] = []
    for name, keys in block.items():
        operator = Operator.parse(str(name))
        where = f"{field}.{name}"
        if operator is None:
            raise ConditionBlockError(where, f"is not a condition operator: {name!r}")
        if not isinstance(keys, Mapping) or not keys:
            raise ConditionBlockError(where, "must be a non-empty object of {key: values}")
        for key, raw in keys.items():
            values = raw if isinstance(raw, list) else [raw]
            if not values or not all(isinstance(v, str | bool | int | float) for v in values):
                raise ConditionBlockError(
                    f"{where}.{key}", "values must be strings, numbers or booleans (or a list)"
                )
            texts = tuple(_json_text(v) for v in values)
            parsed = tuple(
                _parse_value(operator, text, variables, f"{where}.{key}") for text in texts
            )
            clauses.append(ConditionClause(operator, str(key), texts, parsed))
    return tuple(clauses)


class ConditionBlockError(ValueError):
    """A malformed Condition block; ``field`` is the element (``Condition.StringEquals.k``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _json_text(value: str | bool | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_value(operator: Operator, text: str, variables: bool, field: str) -> _PolicyValue:
    kind = operator.kind
    if kind is OperatorKind.STRING_LIKE:
        return WildcardPattern.compile(text, variables=variables)
    if kind in (OperatorKind.STRING_EQUALS, OperatorKind.STRING_EQUALS_IGNORE_CASE):
        return WildcardPattern.compile(text, variables=variables, wildcards=False)
    if kind is OperatorKind.ARN:
        return ResourcePattern.compile(text, variables=variables)
    if kind in (OperatorKind.BOOL, OperatorKind.NULL):
        flag = _as_bool(text)
        if flag is None:
            raise ConditionBlockError(
                field, f"{operator.name} values must be true or false. Got {text!r}"
            )
        return flag
    if kind is OperatorKind.BINARY:
        decoded = _as_bytes(text)
        if decoded is None:
            raise ConditionBlockError(field, f"BinaryEquals values must be base-64. Got {text!r}")
        return decoded
    if kind is OperatorKind.IP_ADDRESS:
        try:
            return ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ConditionBlockError(
                field, f"{operator.name} values must be CIDR blocks or addresses. Got {text!r}"
            ) from None
    if kind is OperatorKind.NUMERIC:
        number = _as_number(text)
        if number is None:
            raise ConditionBlockError(
                field, f"{operator.name} values must be numbers. Got {text!r}"
            )
        return number
    moment = _as_epoch(text)
    if moment is None:
        raise ConditionBlockError(
            field,
            f"{operator.name} values must be ISO-8601 dates or seconds since the epoch. "
            f"Got {text!r}",
        )
    return moment


def _as_bool(value: ContextValue) -> bool | None:
    if isinstance(value, bool):
        return value
    text = context_text(value).strip().lower()
    return {"true": True, "false": False}.get(text)


def _as_bytes(value: ContextValue) -> bytes | None:
    if isinstance(value, bytes):
        return value
    try:
        return base64.b64decode(context_text(value), validate=True)
    except (binascii.Error, ValueError):
        return None


def _as_ip(value: ContextValue) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(context_text(value).strip())
    except ValueError:
        return None


def _as_number(value: ContextValue) -> float | None:
    if isinstance(value, bool | datetime | bytes):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _as_epoch(value: ContextValue) -> float | None:
    """Seconds since the epoch of a datetime, an ISO-8601 text or an epoch number."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.timestamp()
    if isinstance(value, bool | bytes):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    number = _as_number(text)
    if number is not None:
        return number
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)).timestamp()
