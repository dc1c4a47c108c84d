"""Wildcard patterns of IAM policies: actions, resource names and ``${...}`` policy variables.

The rules (spec/security-runtime-api.md §1.1, from AWS's IAM User Guide):

- ``*`` matches any run of characters (including ``/`` and ``:``), ``?`` exactly one.
- Actions (``service:Name``) match **case-insensitively**; resource names **case-sensitively**.
- A resource name is matched segment by segment: an ARN
  ``arn:partition:service:region:account:resource`` has 6 colon-separated segments (the resource
  part keeps any further colons), a Vigil resource name ``vrn:vigil:type/name`` has 3. A ``*``
  ending the last segment of a shorter pattern may cross ``:`` (``arn:aws:s3:::*`` and
  ``arn:aws:sagemaker:*`` both work); the service segment takes no wildcards.
- Policy variables ``${key}`` and ``${key, 'default'}`` are expanded from the request context
  only where the policy's ``Version`` is ``2012-10-17``, only in the resource part of a name (and
  in String/Arn condition values), and the value is matched literally (a ``*`` in a user name is
  no wildcard). ``${*}``, ``${?}`` and ``${$}`` stand for the literal characters. A variable
  whose key has no single value makes the pattern match nothing.

>>> WildcardPattern.compile("vigil:Describe*").matches("vigil:describeendpoint", ignore_case=True)
True
>>> ResourcePattern.compile("arn:aws:s3:::b/*").matches("arn:aws:s3:::b/a/b/c.txt", {})
True
>>> ResourcePattern.compile("vrn:vigil:endpoint/ep-?").matches("vrn:vigil:endpoint/ep-10", {})
False
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache

__all__ = [
    "ContextValue",
    "ResourcePattern",
    "Variable",
    "Wildcard",
    "WildcardPattern",
    "context_text",
    "split_resource_name",
    "union_regex",
]

ContextValue = str | bool | int | float | datetime | bytes
"""One value of a request-context key (``aws:SourceIp``, ``aws:CurrentTime``, ...)."""


class Wildcard(Enum):
    """``*`` (any run of characters) or ``?`` (exactly one)."""

    ANY = "*"
    ONE = "?"


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_LITERAL_VARIABLES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class Variable:
    """A policy variable: ``${key}`` or ``${key, 'default'}`` (the key in lower case)."""

    key: str
    default: str | None = None


Token = str | Variable | Wildcard  # a str is literal text


def context_text(value: ContextValue) -> str:
    """A context value as the text that String operators and variables compare.

    Booleans are ``true``/``false``, datetimes ISO-8601 in UTC with a ``Z``, bytes decoded as
    UTF-8 (replacement characters for invalid bytes).

    >>> context_text(True), context_text(datetime(2026, 12, 7, 2, tzinfo=UTC))
    ('true', '2026-12-07T02:00:00Z')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


@dataclass(frozen=True)
class WildcardPattern:
    """A text pattern with ``*``/``?`` wildcards and, optionally, policy variables.

    Build with :meth:`compile`; match with :meth:`matches`.
    """

    text: str
    tokens: tuple[Token, ...]
    wildcards: bool

    @classmethod
    def compile(
        cls, text: str, *, variables: bool = False, wildcards: bool = True
    ) -> WildcardPattern:
        """Parse ``text``; with ``variables`` the ``${...}`` references are variables."""
        return cls(text=text, tokens=_tokenize(text, variables, wildcards), wildcards=wildcards)

    @property
    def has_variables(self) -> bool:
        """Whether the pattern refers to at least one policy variable."""
        return any(isinstance(token, Variable) for token in self.tokens)

    def variable_keys(self) -> tuple[str, ...]:
        """The (lower-case) context keys the pattern's variables refer to."""
        return tuple(t.key for t in self.tokens if isinstance(t, Variable))

    def matches(
        self,
        text: str,
        context: Mapping[str, tuple[ContextValue, ...]] | None = None,
        *,
        ignore_case: bool = False,
    ) -> bool:
        """Whether ``text`` matches; ``context`` (lower-case keys) supplies variable values."""
        if not self.has_variables:
            return _regex(self.tokens, ignore_case).fullmatch(text) is not None
        resolved: list[str] = []
        for token in self.tokens:
            if isinstance(token, Variable):
                value = _variable_value(token, context or {})
                if value is None:
                    return False
                resolved.append(re.escape(value))
            else:
                resolved.append(_token_regex(token))
        flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
        return re.fullmatch("".join(resolved), text, flags) is not None


def union_regex(patterns: list[WildcardPattern], *, ignore_case: bool) -> re.Pattern[str]:
    """One regex matching any of ``patterns`` (which must have no variables), for speed."""
    bodies = [
        "".join(_token_regex(t) for t in p.tokens if not isinstance(t, Variable)) for p in patterns
    ]
    flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    return re.compile("|".join(f"(?:{body})" for body in bodies), flags)


def _tokenize(text: str, variables: bool, wildcards: bool) -> tuple[Token, ...]:
    tokens: list[Token] = []
    position = 0
    for match in _VARIABLE.finditer(text) if variables else ():
        tokens.extend(_literal_tokens(text[position : match.start()], wildcards))
        inner = match.group(1)
        if inner in _LITERAL_VARIABLES:
            tokens.append(_LITERAL_VARIABLES[inner])
        else:
            with_default = _DEFAULT.match(inner)
            if with_default is not None:
                tokens.append(Variable(with_default.group(1).lower(), with_default.group(2)))
            else:
                tokens.append(Variable(inner.strip().lower()))
        position = match.end()
    tokens.extend(_literal_tokens(text[position:], wildcards))
    return tuple(tokens)


def _literal_tokens(text: str, wildcards: bool) -> list[Token]:
    if not wildcards:
        return [text] if text else []
    parts = (part for part in re.split(r"([*?])", text) if part)
    return [Wildcard(part) if part in ("*", "?") else part for part in parts]


def _token_regex(token: str | Wildcard) -> str:
    if token is Wildcard.ANY:
        return ".*"
    if token is Wildcard.ONE:
        return "."
    return re.escape(token.value if isinstance(token, Wildcard) else token)


@lru_cache(maxsize=4096)
def _regex(tokens: tuple[Token, ...], ignore_case: bool) -> re.Pattern[str]:
    body = "".join(_token_regex(t) for t in tokens if not isinstance(t, Variable))
    return re.compile(body, (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL)


def _variable_value(
    variable: Variable, context: Mapping[str, tuple[ContextValue, ...]]
) -> str | None:
    values = context.get(variable.key)
    if values is not None and len(values) == 1:
        return context_text(values[0])
    return variable.default if values is None or len(values) == 0 else None


def split_resource_name(name: str) -> tuple[str, ...]:
    """The segments of a resource name: 6 for ``arn:``, 3 for ``vrn:``, else the whole name.

    >>> split_resource_name("arn:aws:sagemaker:us-east-1:111122223333:endpoint/a:b")
    ('arn', 'aws', 'sagemaker', 'us-east-1', '111122223333', 'endpoint/a:b')
    >>> split_resource_name("vrn:vigil:monitoring-schedule/s1")
    ('vrn', 'vigil', 'monitoring-schedule/s1')
    """
    if name.startswith("arn:"):
        return tuple(name.split(":", 5))
    if name.startswith("vrn:"):
        return tuple(name.split(":", 2))
    return (name,)


def _service_index(segments: tuple[str, ...]) -> int | None:
    if segments[0] == "arn":
        return 2
    if segments[0] == "vrn":
        return 1
    return None


@dataclass(frozen=True)
class ResourcePattern:
    """A ``Resource``/``NotResource`` value (or an ``Arn...`` condition value), segment-wise."""

    text: str
    segments: tuple[WildcardPattern, ...]

    @classmethod
    def compile(cls, text: str, *, variables: bool = False) -> ResourcePattern:
        """Parse ``text``; variables (when allowed) only in the last, resource segment."""
        parts = split_resource_name(text)
        service = _service_index(parts)
        last = len(parts) - 1
        segments = tuple(
            WildcardPattern.compile(part, variables=variables and i == last, wildcards=i != service)
            for i, part in enumerate(parts)
        )
        return cls(text=text, segments=segments)

    def variable_keys(self) -> tuple[str, ...]:
        """The context keys referred to by variables in the pattern."""
        return tuple(key for segment in self.segments for key in segment.variable_keys())

    def matches(
        self,
        name: str,
        context: Mapping[str, tuple[ContextValue, ...]],
        *,
        whole_arn: bool = False,
    ) -> bool:
        """Whether the resource ``name`` matches.

        With ``whole_arn`` (the ``Arn...`` condition operators) both must have the same number
        of segments: a shorter pattern's final ``*`` does not cross ``:``.
        """
        if self.text == "*":
            return True
        parts = split_resource_name(name)
        ours = self.segments
        if len(parts) != len(ours):
            crossing = (
                not whole_arn
                and len(ours) < len(parts)
                and ours[-1].tokens[-1:] == (Wildcard.ANY,)
                and parts[0] == ours[0].text
            )
            if not crossing:
                return False
            parts = (*parts[: len(ours) - 1], ":".join(parts[len(ours) - 1 :]))
        return all(p.matches(s, context) for p, s in zip(ours, parts, strict=True))
