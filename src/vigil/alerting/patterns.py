"""EventBridge event patterns: validation and matching.

A pattern is a JSON object that mirrors the events it selects (EventBridge User Guide, *Event
patterns*; spec alarms-events-registry.md §3.2). Every field of the pattern must match (AND);
fields the pattern does not name are ignored. A leaf is an array of *matchers*, any of which may
match (OR); when the event's field is an array, it matches if any element matches.

Matchers
    ``"s"``, ``300``, ``true``, ``null``
        Exact values. Strings are case-sensitive; ``null`` is not ``""``. A number matches by
        numeric equality, so ``[300]`` matches ``300.0`` (decision D4: what AWS does, after
        aws/event-ruler, not the 2023 text that said otherwise).
    ``{"prefix": "s"}``, ``{"suffix": "s"}``
        Also ``{"prefix": {"equals-ignore-case": "s"}}`` (and for suffix).
    ``{"equals-ignore-case": "s"}``, ``{"wildcard": "a*b"}``
        ``*`` matches any run of characters, ``\\*`` a literal star; ``**`` is rejected.
    ``{"anything-but": x}``
        ``x`` a string, a number, a list of strings or of numbers, or an object
        ``{"prefix" | "suffix" | "equals-ignore-case" | "wildcard": s or [s, ...]}``. It matches
        any value present that is not excluded, ``null`` included and non-strings for the
        string forms; an absent field never matches.
    ``{"numeric": [">", 0, "<=", 5]}``
        ``=``, or one lower bound (``>``/``>=``) and/or one upper bound (``<``/``<=``), over
        IEEE doubles. Never matches strings or ``null``.
    ``{"exists": true | false}``
        Whether the field is present as a leaf (``null`` counts as present; an object or an
        empty array does not).
    ``{"cidr": "10.0.0.0/24"}``
        IPv4 or IPv6 addresses (strings) inside the network.
    ``"$or": [{...}, {...}]``
        At any level, at least two sub-patterns, any of which may match.

Nested objects and arrays
    A pattern object matches an event object field by field. When the event holds an array of
    objects there, one element must match the whole sub-pattern (decision D5: fields come from
    one element, as aws/event-ruler's ``rulesForJSONEvent``), so ``{"employees": {"firstName":
    ["Anna"], "lastName": ["Jones"]}}`` does not match Anna and Jones in different elements. A
    pattern key ``"a.b"`` equals the nesting ``{"a": {"b": ...}}``. JSON inside a string is not
    parsed. Event keys that contain dots are not split (aws/event-ruler advises not to rely on it).

Validation raises :class:`~vigil.errors.InvalidEventPatternError` with EventBridge's own message,
``Event pattern is not valid. Reason: <reason>``, and the reasons aws/event-ruler and AWS give
(spec §3.4, decision D10), e.g. ``"int" must be an object or an array``, ``Empty arrays are not
allowed``, ``Unrecognized match type NUMERIC``, ``Bad numeric range operator: >``. A pattern text
is at most 4096 characters, and ``$or`` may expand to at most 1000 combinations.

One limit is Vigil's approximation: EventBridge refuses wildcard patterns it finds too complex
("Rule is too complex - try using fewer wildcard characters or fewer repeating character
sequences after a wildcard character") by an undocumented measure. Vigil computes the largest
number of positions of the pattern that one input string can keep alive at once (a subset
construction over the pattern's automaton) and refuses more than
:data:`MAX_WILDCARD_COMPLEXITY`; ``*:*:*:*:*:event-bus/*`` is refused, ``arn:aws:events:*:*:
event-bus/*`` is accepted.

>>> pattern = compile_pattern({"source": ["aws.cloudwatch"],
...                            "detail": {"state": {"value": ["ALARM"]}}})
>>> pattern.matches({"source": "aws.cloudwatch", "detail": {"state": {"value": "ALARM"}}})
True
>>> pattern.matches({"source": "aws.cloudwatch", "detail": {"state": {"value": "OK"}}})
False
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vigil.errors import InvalidEventPatternError

__all__ = [
    "MAX_OR_COMBINATIONS",
    "MAX_PATTERN_LENGTH",
    "MAX_WILDCARD_COMPLEXITY",
    "EventPattern",
    "compile_pattern",
    "matches",
]

MAX_PATTERN_LENGTH = 4096
"""Characters in a pattern's JSON text (EventBridge API, PutRule ``EventPattern``)."""

MAX_OR_COMBINATIONS = 1000
"""``$or`` may expand to at most this many combinations (EventBridge User Guide)."""

MAX_WILDCARD_COMPLEXITY = 10
"""Largest number of wildcard-pattern positions one input may keep alive (Vigil's limit)."""

_ABSENT = object()
_Test = Callable[[Any], bool]


def _fail(reason: str) -> InvalidEventPatternError:
    return InvalidEventPatternError(reason)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbers_equal(a: Any, b: Any) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return float(a) == float(b)


# ----------------------------------------------------------------------------------- matchers


@dataclass(frozen=True, slots=True)
class _Matcher:
    """One element of a leaf array: a test on one scalar, or an existence check."""

    test: _Test
    exists: bool | None = None  # set for {"exists": ...}; then ``test`` is unused


def _exact(expected: Any) -> _Test:
    if expected is None:
        return lambda v: v is None
    if isinstance(expected, bool):
        return lambda v: isinstance(v, bool) and v is expected
    if _is_number(expected):
        return lambda v: _is_number(v) and _numbers_equal(v, expected)
    return lambda v: isinstance(v, str) and v == expected


def _wildcard_regex(text: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    previous_star = False
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 < len(text) and text[i + 1] in "*\\":
                parts.append(re.escape(text[i + 1]))
                i += 2
                previous_star = False
                continue
            raise _fail(f"Invalid escape character at pos {i}")
        if char == "*":
            if previous_star:
                raise _fail(f"Consecutive wildcard characters at pos {i}")
            parts.append(".*")
            previous_star = True
        else:
            parts.append(re.escape(char))
            previous_star = False
        i += 1
    if _wildcard_complexity(text) > MAX_WILDCARD_COMPLEXITY:
        raise _fail(
            "Rule is too complex - try using fewer wildcard characters or fewer repeating "
            "character sequences after a wildcard character"
        )
    return re.compile("".join(parts), re.DOTALL)


def _wildcard_tokens(text: str) -> list[str | None]:
    """The pattern as literal characters and ``None`` for each unescaped ``*``."""
    tokens: list[str | None] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            tokens.append(text[i + 1])
            i += 2
        else:
            tokens.append(None if text[i] == "*" else text[i])
            i += 1
    return tokens


def _wildcard_complexity(text: str) -> int:
    """The most automaton positions any input keeps alive at once (subset construction)."""
    tokens = _wildcard_tokens(text)
    if tokens.count(None) < 2:
        return 1
    size = len(tokens)

    def close(states: frozenset[int]) -> frozenset[int]:
        out = set(states)
        for s in sorted(states):
            k = s
            while k < size and tokens[k] is None:  # a star may match nothing
                k += 1
                out.add(k)
        return frozenset(out)

    alphabet = {t for t in tokens if t is not None} | {"\x00"}
    start = close(frozenset({0}))
    seen = {start}
    frontier = [start]
    worst = len(start)
    while frontier:
        current = frontier.pop()
        for char in alphabet:
            moved = set()
            for s in current:
                if s < size and tokens[s] is None:
                    moved.add(s)
                elif s < size and tokens[s] == char:
                    moved.add(s + 1)
            nxt = close(frozenset(moved))
            if nxt and nxt not in seen:
                worst = max(worst, len(nxt))
                if worst > MAX_WILDCARD_COMPLEXITY or len(seen) > 10_000:
                    return worst if worst > MAX_WILDCARD_COMPLEXITY else MAX_WILDCARD_COMPLEXITY + 1
                seen.add(nxt)
                frontier.append(nxt)
    return worst


def _string_operand(value: Any, reason: str) -> str:
    if not isinstance(value, str):
        raise _fail(reason)
    return value


def _prefix_or_suffix(kind: str, operand: Any) -> _Test:
    if isinstance(operand, Mapping) and list(operand) == ["equals-ignore-case"]:
        text = _string_operand(
            operand["equals-ignore-case"], f"{kind} match pattern must be a string"
        )
        folded = text.casefold()
        if kind == "prefix":
            return lambda v: isinstance(v, str) and v.casefold().startswith(folded)
        return lambda v: isinstance(v, str) and v.casefold().endswith(folded)
    text = _string_operand(operand, f"{kind} match pattern must be a string")
    if kind == "prefix":
        return lambda v: isinstance(v, str) and v.startswith(text)
    return lambda v: isinstance(v, str) and v.endswith(text)


def _numeric(operand: Any) -> _Test:
    if not isinstance(operand, list):
        raise _fail("Value of numeric must be an array.")
    if not operand or not isinstance(operand[0], str):
        raise _fail(f"Invalid member in numeric match: {operand[0] if operand else ']'}")
    op = operand[0]
    if op not in ("=", ">", ">=", "<", "<="):
        raise _fail(f"Unrecognized numeric range operator: {op}")
    if len(operand) < 2 or not _is_number(operand[1]) or not math.isfinite(operand[1]):
        raise _fail(f"Value of {'equals' if op == '=' else op} must be numeric")
    first = float(operand[1])
    if op == "=":
        if len(operand) > 2:
            raise _fail("Too many elements in numeric expression")
        return lambda v: _is_number(v) and float(v) == first
    if op in ("<", "<="):
        if len(operand) > 2:
            raise _fail("Too many elements in numeric expression")
        return (
            (lambda v: _is_number(v) and v < first)
            if op == "<"
            else (lambda v: _is_number(v) and v <= first)
        )
    if len(operand) == 2:
        return (
            (lambda v: _is_number(v) and v > first)
            if op == ">"
            else (lambda v: _is_number(v) and v >= first)
        )
    upper_op = operand[2]
    if not isinstance(upper_op, str):
        raise _fail(f"Bad value in numeric range: {upper_op}")
    if upper_op not in ("<", "<="):
        raise _fail(f"Bad numeric range operator: {upper_op}")
    if len(operand) < 4 or not _is_number(operand[3]) or not math.isfinite(operand[3]):
        raise _fail(f"Value of {upper_op} must be numeric")
    if len(operand) > 4:
        raise _fail("Too many terms in numeric range expression")
    top = float(operand[3])
    if not first < top:
        raise _fail("Bottom must be less than top")
    low_open, high_open = op == ">", upper_op == "<"

    def in_range(v: Any) -> bool:
        if not _is_number(v):
            return False
        above = v > first if low_open else v >= first
        below = v < top if high_open else v <= top
        return bool(above and below)

    return in_range


def _cidr(operand: Any) -> _Test:
    text = _string_operand(operand, "prefix match pattern must be a string")
    if text.count("/") != 1:
        raise _fail("Malformed CIDR, one '/' required")
    address, bits = text.split("/")
    if not bits.isdigit():
        raise _fail("Malformed CIDR, mask bits must be an integer")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise _fail(f"Nonstandard IP address: {address}") from None
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise _fail(f"Malformed CIDR, {exc}") from None

    def inside(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            return ipaddress.ip_address(v) in network
        except ValueError:
            return False

    return inside


def _strings(value: Any, reason: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(s, str) for s in items):
        raise _fail(reason)
    return items


def _anything_but(operand: Any) -> _Test:
    if isinstance(operand, Mapping):
        if len(operand) != 1:
            raise _fail(
                "Anything-But expression name not found"
                if not operand
                else "Only one key allowed in match expression"
            )
        ((kind, value),) = operand.items()
        if kind in ("prefix", "suffix"):
            if isinstance(value, Mapping):
                raise _fail("Value of anything-but must be an array or single string/number value.")
            texts = _strings(value, "prefix/suffix match pattern must be a string")
            if any(t == "" for t in texts):
                raise _fail("Null prefix/suffix not allowed")
            if kind == "prefix":
                return lambda v: not (isinstance(v, str) and any(v.startswith(t) for t in texts))
            return lambda v: not (isinstance(v, str) and any(v.endswith(t) for t in texts))
        if kind == "equals-ignore-case":
            folded = {
                t.casefold()
                for t in _strings(
                    value,
                    "Inside anything-but/equals-ignore-case list, "
                    "number|start|null|boolean is not supported.",
                )
            }
            return lambda v: not (isinstance(v, str) and v.casefold() in folded)
        if kind == "wildcard":
            regexes = [
                _wildcard_regex(t)
                for t in _strings(value, "wildcard match pattern must be a string")
            ]
            return lambda v: not (isinstance(v, str) and any(r.fullmatch(v) for r in regexes))
        raise _fail(f"Unsupported anything-but pattern: {kind}")
    if isinstance(operand, list):
        for item in operand:
            if not (isinstance(item, str) or _is_number(item)):
                raise _fail("Inside anything but list, start|null|boolean is not supported.")
        has_number = any(_is_number(i) for i in operand)
        has_string = any(isinstance(i, str) for i in operand)
        if has_number == has_string:
            raise _fail(
                "Inside anything but list, either all values are number or string, "
                "mixed type is not supported"
            )
        excluded = list(operand)
    elif isinstance(operand, str) or _is_number(operand):
        excluded = [operand]
    else:
        raise _fail("Value of anything-but must be an array or single string/number value.")
    if isinstance(excluded[0], str):
        names = set(excluded)
        return lambda v: not (isinstance(v, str) and v in names)
    numbers = {float(n) for n in excluded}
    return lambda v: not (_is_number(v) and float(v) in numbers)


def _match_expression(expression: Mapping[str, Any]) -> _Matcher:
    if not expression:
        raise _fail("Match expression name not found")
    if len(expression) > 1:
        raise _fail("Only one key allowed in match expression")
    ((kind, operand),) = expression.items()
    if kind in ("prefix", "suffix"):
        return _Matcher(_prefix_or_suffix(kind, operand))
    if kind == "equals-ignore-case":
        folded = _string_operand(
            operand, "equals-ignore-case match pattern must be a string"
        ).casefold()
        return _Matcher(lambda v: isinstance(v, str) and v.casefold() == folded)
    if kind == "wildcard":
        regex = _wildcard_regex(_string_operand(operand, "wildcard match pattern must be a string"))
        return _Matcher(lambda v: isinstance(v, str) and regex.fullmatch(v) is not None)
    if kind == "anything-but":
        return _Matcher(_anything_but(operand))
    if kind == "numeric":
        return _Matcher(_numeric(operand))
    if kind == "exists":
        if not isinstance(operand, bool):
            raise _fail("exists match pattern must be either true or false.")
        return _Matcher(lambda v: True, exists=operand)
    if kind == "cidr":
        return _Matcher(_cidr(operand))
    raise _fail(f"Unrecognized match type {kind}")


# -------------------------------------------------------------------------------------- nodes


@dataclass(frozen=True, slots=True)
class _Leaf:
    matchers: tuple[_Matcher, ...]


@dataclass(frozen=True, slots=True)
class _Object:
    fields: tuple[tuple[str, _Leaf | _Object], ...]
    alternatives: tuple[tuple[_Object, ...], ...]  # each "$or": any of its sub-patterns

    def combinations(self) -> int:
        total = 1
        for _, child in self.fields:
            if isinstance(child, _Object):
                total *= child.combinations()
        for options in self.alternatives:
            total *= sum(o.combinations() for o in options)
        return total


def _compile_leaf(values: list[Any]) -> _Leaf:
    if not values:
        raise _fail("Empty arrays are not allowed")
    matchers: list[_Matcher] = []
    for value in values:
        if isinstance(value, Mapping):
            matchers.append(_match_expression(value))
        elif value is None or isinstance(value, str | bool) or _is_number(value):
            matchers.append(_Matcher(_exact(value)))
        else:
            raise _fail("Match value must be String, number, true, false, or null")
    return _Leaf(tuple(matchers))


def _compile_object(pattern: Mapping[str, Any]) -> _Object:
    if not pattern:
        raise _fail("Empty objects are not allowed")
    fields: list[tuple[str, _Leaf | _Object]] = []
    alternatives: list[tuple[_Object, ...]] = []
    for key, value in pattern.items():
        if not isinstance(key, str):
            raise _fail(f'"{key}" must be a string')
        if key == "$or":
            if not isinstance(value, list):
                raise _fail("It must be an Array followed with $or.")
            if not all(isinstance(v, Mapping) for v in value):
                raise _fail("Only JSON object is allowed in array of $or relationship.")
            if len(value) < 2:
                raise _fail("There must have at least 2 Objects in $or relationship.")
            alternatives.append(tuple(_compile_object(v) for v in value))
            continue
        if isinstance(value, Mapping):
            child: _Leaf | _Object = _compile_object(value)
        elif isinstance(value, list):
            child = _compile_leaf(value)
        else:
            raise _fail(f'"{key}" must be an object or an array')
        *parents, last = key.split(".") if "." in key and key.strip(".") == key else [key]
        for parent in reversed(parents):
            child, last = _Object(((last, child),), ()), parent
        fields.append((last, child))
    return _Object(tuple(fields), tuple(alternatives))


# ------------------------------------------------------------------------------------ matching


def _leaf_values(value: Any) -> list[Any]:
    """The scalars at a leaf position: none when absent, an object, or an empty array."""
    if value is _ABSENT or isinstance(value, Mapping):
        return []
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            out.extend(_leaf_values(item))
        return out
    return [value]


def _objects(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        out: list[Mapping[str, Any]] = []
        for item in value:
            out.extend(_objects(item))
        return out
    return []


def _match_leaf(leaf: _Leaf, value: Any) -> bool:
    scalars = _leaf_values(value)
    for matcher in leaf.matchers:
        if matcher.exists is not None:
            if matcher.exists == bool(scalars):
                return True
        elif any(matcher.test(s) for s in scalars):
            return True
    return False


def _match_object(node: _Object, value: Any) -> bool:
    candidates = _objects(value)
    if not candidates:
        return _match_fields(node, {})
    return any(_match_fields(node, c) for c in candidates)


def _match_fields(node: _Object, obj: Mapping[str, Any]) -> bool:
    for key, child in node.fields:
        value = obj.get(key, _ABSENT)
        if isinstance(child, _Leaf):
            if not _match_leaf(child, value):
                return False
        elif not _match_object(child, value):
            return False
    return all(any(_match_fields(alt, obj) for alt in options) for options in node.alternatives)


# ---------------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class EventPattern:
    """A validated event pattern.

    Attributes
    ----------
    text : str
        The pattern's compact JSON text.
    """

    text: str
    _root: _Object

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether ``event`` (an EventBridge event as a JSON object) matches.

        Parameters
        ----------
        event : mapping
            The whole event: envelope fields (``source``, ``detail-type``, ``resources``...) and
            ``detail``.
        """
        return _match_fields(self._root, event)

    def to_dict(self) -> dict[str, Any]:
        """The pattern as a JSON object."""
        loaded: dict[str, Any] = json.loads(self.text)
        return loaded


def compile_pattern(pattern: str | Mapping[str, Any]) -> EventPattern:
    """Validate ``pattern`` and prepare it for matching.

    Parameters
    ----------
    pattern : str or mapping
        JSON text (a repeated key: the last one wins, as in EventBridge) or a JSON object.

    Returns
    -------
    EventPattern

    Raises
    ------
    InvalidEventPatternError
        ``Event pattern is not valid. Reason: <reason>`` with EventBridge's reason.

    Examples
    --------
    >>> compile_pattern('{"detail": {"c": [{"NUMERIC": ["=", 5]}]}}')
    Traceback (most recent call last):
    ...
    vigil.errors.InvalidEventPatternError: Event pattern is not valid. Reason: Unrecognized match type NUMERIC
    """
    if isinstance(pattern, str):
        text = pattern
        try:
            loaded = json.loads(pattern)
        except ValueError as exc:
            raise _fail(str(exc)) from None
    elif isinstance(pattern, Mapping):
        loaded = pattern
        try:
            text = json.dumps(pattern, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise _fail(f"Pattern is not JSON: {exc}") from None
    else:
        raise _fail("Filter is not an object")
    if len(text) > MAX_PATTERN_LENGTH:
        raise _fail(
            f"Event pattern must be at most {MAX_PATTERN_LENGTH} characters. "
            f"Got {len(text)} instead."
        )
    if not isinstance(loaded, Mapping):
        raise _fail("Filter is not an object")
    root = _compile_object(loaded)
    if root.combinations() > MAX_OR_COMBINATIONS:
        raise _fail(f"The pattern expands to more than {MAX_OR_COMBINATIONS} combinations of $or")
    canonical = json.dumps(loaded, separators=(",", ":"), ensure_ascii=False)
    return EventPattern(canonical, root)


def matches(pattern: str | Mapping[str, Any] | EventPattern, event: Mapping[str, Any]) -> bool:
    """Whether ``event`` matches ``pattern`` (EventBridge's TestEventPattern).

    Raises
    ------
    InvalidEventPatternError
        If ``pattern`` is not valid.

    Examples
    --------
    >>> matches({"source": ["aws.ec2", "aws.fargate"]}, {"source": "aws.fargate"})
    True
    >>> matches({"detail": {"n": [{"numeric": [">", 100]}]}}, {"detail": {"n": "300"}})
    False
    """
    compiled = pattern if isinstance(pattern, EventPattern) else compile_pattern(pattern)
    return compiled.matches(event)
