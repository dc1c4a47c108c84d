"""IAM-style policy documents and their evaluation: explicit Deny wins, then Allow, default deny.

A policy is the JSON AWS IAM uses for identity-based policies::

    {"Version": "2012-10-17",
     "Statement": [{"Sid": "ReadSchedules", "Effect": "Allow",
                    "Action": ["vigil:Describe*", "vigil:List*"],
                    "Resource": "vrn:vigil:monitoring-schedule/*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}

:func:`parse_policy` checks a document and names the statement and field of any mistake;
:func:`evaluate` decides a :class:`Request` against every policy attached to a principal (its
own and its groups', pooled) the way IAM does (spec/security-runtime-api.md §1.2, AWS's
*Policy evaluation logic*):

1. a statement *applies* when its action, its resource and all its conditions match;
2. any applicable ``Deny`` gives an **explicit deny**;
3. otherwise any applicable ``Allow`` gives **allowed**;
4. otherwise the result is an **implicit deny**.

The :class:`Decision` names the statements that decided it, as IAM's policy simulator does
(``EvalDecision``, ``MatchedStatements``, ``MissingContextValues``).

>>> policy = parse_policy({"Version": "2012-10-17", "Statement": [
...     {"Effect": "Allow", "Action": "vigil:*", "Resource": "*"},
...     {"Sid": "NoDeletes", "Effect": "Deny", "Action": "vigil:Delete*", "Resource": "*"}]},
...     name="ops")
>>> evaluate([policy], Request("vigil:DeleteEndpoint", "vrn:vigil:endpoint/churn")).explain()
'explicitDeny: vigil:DeleteEndpoint on vrn:vigil:endpoint/churn denied by ops Statement[1] (Sid NoDeletes)'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from vigil.security.conditions import ConditionBlockError, ConditionClause, parse_condition_block
from vigil.security.errors import PolicyError
from vigil.security.patterns import ContextValue, ResourcePattern, WildcardPattern, union_regex

__all__ = [
    "POLICY_VERSIONS",
    "Decision",
    "EvalDecision",
    "MatchedStatement",
    "Policy",
    "Request",
    "Statement",
    "evaluate",
    "normalize_context",
    "parse_policy",
]

POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
"""The policy language versions IAM accepts; variables are expanded only in ``2012-10-17``."""

_DEFAULT_VERSION = "2008-10-17"  # IAM's version when a document names none
_ACTION = re.compile(r"^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+)$")
_SID = re.compile(r"^[A-Za-z0-9]*$")
_POLICY_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)

Effect = Literal["Allow", "Deny"]
EvalDecision = Literal["allowed", "explicitDeny", "implicitDeny"]
"""IAM policy simulator's ``EvalDecision`` values."""


@dataclass(frozen=True)
class Statement:
    """One parsed statement; ``index`` is its 0-based position in the policy."""

    index: int
    sid: str | None
    effect: Effect
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[ConditionClause, ...]
    _action_regex: re.Pattern[str] = field(repr=False, compare=False)
    _resource_patterns: tuple[ResourcePattern, ...] = field(repr=False, compare=False)

    def label(self) -> str:
        """``Statement[i]`` with the Sid when there is one."""
        return f"Statement[{self.index}]" + (f" (Sid {self.sid})" if self.sid else "")

    def matches_action(self, action: str) -> bool:
        """Whether ``action`` is covered by ``Action`` (or excluded from ``NotAction``)."""
        hit = self._action_regex.fullmatch(action) is not None
        return hit != self.not_action

    def matches_resource(
        self, resources: Sequence[str], context: Mapping[str, tuple[ContextValue, ...]]
    ) -> bool:
        """Whether any of the names of the resource is covered (or, NotResource, none is)."""
        hit = any(p.matches(name, context) for name in resources for p in self._resource_patterns)
        return hit != self.not_resource

    def context_keys(self) -> tuple[str, ...]:
        """The (lower-case) context keys the statement's conditions and variables read."""
        keys = [c.context_key for c in self.conditions]
        keys += [k for p in self._resource_patterns for k in p.variable_keys()]
        return tuple(dict.fromkeys(keys))


@dataclass(frozen=True)
class Policy:
    """A parsed policy document, named (``name``) as it is attached (``DataScientist``)."""

    name: str
    version: str
    id: str | None
    statements: tuple[Statement, ...]
    document: Mapping[str, Any] = field(repr=False, compare=False)


def parse_policy(document: str | bytes | Mapping[str, Any], *, name: str) -> Policy:
    """Parse and check an IAM-style policy document.

    Parameters
    ----------
    document : str, bytes or mapping
        The JSON text or its decoded object.
    name : str
        The policy's name, used in decisions and errors.

    Returns
    -------
    Policy

    Raises
    ------
    PolicyError
        If the document is not valid JSON or not a valid policy; ``path`` is ``name`` and
        ``field`` the element (``Statement[2].Effect``), the message names the Sid.

    Notes
    -----
    Identity-based policies only: ``Principal``/``NotPrincipal`` are refused, and each statement
    needs exactly one of ``Action``/``NotAction`` and of ``Resource``/``NotResource``.
    """
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise PolicyError(f"is not valid JSON: {exc}", path=name) from None
    if not isinstance(document, Mapping):
        raise PolicyError("a policy must be a JSON object", path=name)
    unknown = sorted(set(document) - _POLICY_KEYS)
    if unknown:
        raise PolicyError(f"unknown policy element {unknown[0]!r}", path=name, field=unknown[0])
    version = document.get("Version", _DEFAULT_VERSION)
    if version not in POLICY_VERSIONS:
        raise PolicyError(
            f"Version must be one of {', '.join(POLICY_VERSIONS)}. Got {version!r} instead.",
            path=name,
            field="Version",
        )
    policy_id = document.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        raise PolicyError("Id must be a string", path=name, field="Id")
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise PolicyError(
            "Statement must be a statement object or a non-empty list of them",
            path=name,
            field="Statement",
        )
    statements = tuple(
        _parse_statement(s, i, name, version == "2012-10-17") for i, s in enumerate(raw)
    )
    sids = [s.sid for s in statements if s.sid]
    for sid in sids:
        if sids.count(sid) > 1:
            raise PolicyError(f"Sid {sid!r} is used twice; Sids must be unique", path=name)
    return Policy(name, version, policy_id, statements, document)


def _parse_statement(raw: object, index: int, name: str, variables: bool) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where} must be an object", path=name, field=where)
    sid = raw.get("Sid")
    label = where + (f" (Sid {sid})" if isinstance(sid, str) and sid else "")

    def fail(element: str, message: str) -> PolicyError:
        return PolicyError(f"{label}: {message}", path=name, field=f"{where}.{element}")

    if "Principal" in raw or "NotPrincipal" in raw:
        element = "Principal" if "Principal" in raw else "NotPrincipal"
        raise fail(element, f"{element} is not allowed in an identity-based policy")
    unknown = sorted(set(raw) - _STATEMENT_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown statement element {unknown[0]!r}")
    if sid is not None and (not isinstance(sid, str) or not _SID.match(sid)):
        raise fail("Sid", f"Sid must be alphanumeric text. Got {sid!r} instead.")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise fail("Effect", f"Effect must be 'Allow' or 'Deny'. Got {effect!r} instead.")
    action_key, actions = _one_of(raw, "Action", "NotAction", fail)
    for action in actions:
        if not _ACTION.match(action):
            raise fail(action_key, f"{action!r} is not an action of the form service:Name or *")
    resource_key, resources = _one_of(raw, "Resource", "NotResource", fail)
    conditions: tuple[ConditionClause, ...] = ()
    if "Condition" in raw:
        try:
            conditions = parse_condition_block(
                raw["Condition"], variables=variables, field="Condition"
            )
        except ConditionBlockError as exc:
            raise fail(exc.field, f"{exc.field} {exc}") from None
    return Statement(
        index=index,
        sid=sid or None,
        effect=effect,
        actions=actions,
        not_action=action_key == "NotAction",
        resources=resources,
        not_resource=resource_key == "NotResource",
        conditions=conditions,
        _action_regex=union_regex([WildcardPattern.compile(a) for a in actions], ignore_case=True),
        _resource_patterns=tuple(
            ResourcePattern.compile(r, variables=variables) for r in resources
        ),
    )


def _one_of(
    raw: Mapping[str, Any], key: str, not_key: str, fail: Any
) -> tuple[str, tuple[str, ...]]:
    present = [k for k in (key, not_key) if k in raw]
    if len(present) != 1:
        problem = "both" if present else "neither"
        raise fail(key, f"a statement needs exactly one of {key} and {not_key}, not {problem}")
    value = raw[present[0]]
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise fail(present[0], f"{present[0]} must be a non-empty string or list of strings")
    return present[0], tuple(values)


def normalize_context(
    context: Mapping[str, ContextValue | Sequence[ContextValue] | None],
) -> dict[str, tuple[ContextValue, ...]]:
    """Request-context keys in lower case, every value a tuple (``None`` drops the key).

    >>> normalize_context({"aws:SourceIp": "203.0.113.7", "aws:TagKeys": ["a", "b"]})
    {'aws:sourceip': ('203.0.113.7',), 'aws:tagkeys': ('a', 'b')}
    """
    normalized: dict[str, tuple[ContextValue, ...]] = {}
    for key, value in context.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            normalized[key.lower()] = tuple(value)
        else:
            normalized[key.lower()] = (value,)  # type: ignore[assignment]
    return normalized


@dataclass(frozen=True, init=False)
class Request:
    """One request to authorise.

    Parameters
    ----------
    action : str
        ``service:Name``, e.g. ``vigil:InvokeEndpoint``.
    resource : str
        The resource's name, e.g. ``vrn:vigil:endpoint/churn``; ``*`` for actions on no
        particular resource (``vigil:ListEndpoints``).
    context : mapping, optional
        Condition keys (any case) to a value or a list of values: ``aws:username``,
        ``aws:SourceIp``, ``aws:CurrentTime``, ``aws:SecureTransport``, ``aws:PrincipalTag/team``.
    aliases : sequence of str, optional
        Other names of the same resource (the SageMaker ARN of an endpoint, spec D6): a
        statement matches if it matches any name.
    """

    action: str
    resource: str
    context: Mapping[str, tuple[ContextValue, ...]]
    aliases: tuple[str, ...]

    def __init__(
        self,
        action: str,
        resource: str = "*",
        context: Mapping[str, ContextValue | Sequence[ContextValue] | None] | None = None,
        aliases: Iterable[str] = (),
    ) -> None:
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "resource", resource)
        object.__setattr__(self, "context", normalize_context(context or {}))
        object.__setattr__(self, "aliases", tuple(aliases))

    @property
    def names(self) -> tuple[str, ...]:
        """The resource's name followed by its aliases."""
        return (self.resource, *self.aliases)


@dataclass(frozen=True)
class MatchedStatement:
    """A statement that applied to the request (IAM simulator's ``MatchedStatements``)."""

    policy: str
    index: int
    sid: str | None
    effect: Effect

    def label(self) -> str:
        """``<policy> Statement[i] (Sid x)``."""
        return f"{self.policy} Statement[{self.index}]" + (f" (Sid {self.sid})" if self.sid else "")


@dataclass(frozen=True)
class Decision:
    """The outcome of :func:`evaluate`.

    Attributes
    ----------
    decision : {"allowed", "explicitDeny", "implicitDeny"}
    matched_statements : tuple of MatchedStatement
        The Deny statements that applied (explicit deny) or the Allow statements (allowed);
        empty for an implicit deny.
    missing_context_values : tuple of str
        Context keys that statements matching the action and resource read but the request
        lacked (they may be why an Allow did not apply).
    """

    action: str
    resource: str
    decision: EvalDecision
    matched_statements: tuple[MatchedStatement, ...]
    missing_context_values: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        """Whether the request is allowed."""
        return self.decision == "allowed"

    def explain(self) -> str:
        """One line a person can read, naming the deciding statements."""
        what = f"{self.action} on {self.resource}"
        names = ", ".join(m.label() for m in self.matched_statements)
        if self.decision == "explicitDeny":
            return f"explicitDeny: {what} denied by {names}"
        if self.decision == "allowed":
            return f"allowed: {what} allowed by {names}"
        missing = (
            f" (missing context values: {', '.join(self.missing_context_values)})"
            if self.missing_context_values
            else ""
        )
        return f"implicitDeny: no statement allows {what}{missing}"

    def denial_message(self, principal: str) -> str:
        """AWS's ``AccessDeniedException`` text for a denial (spec §1.4).

        >>> Decision("vigil:InvokeEndpoint", "vrn:vigil:endpoint/a", "implicitDeny", (), ()
        ...          ).denial_message("vrn:vigil:principal/bob")  # doctest: +NORMALIZE_WHITESPACE
        'User: vrn:vigil:principal/bob is not authorized to perform: vigil:InvokeEndpoint on
         resource: vrn:vigil:endpoint/a because no identity-based policy allows the
         vigil:InvokeEndpoint action'
        """
        head = (
            f"User: {principal} is not authorized to perform: {self.action} "
            f"on resource: {self.resource}"
        )
        if self.decision == "explicitDeny":
            return f"{head} with an explicit deny in an identity-based policy"
        return f"{head} because no identity-based policy allows the {self.action} action"


def evaluate(policies: Iterable[Policy], request: Request) -> Decision:
    """Decide ``request`` against the pooled ``policies`` of one principal, as IAM does.

    Parameters
    ----------
    policies : iterable of Policy
        Every policy attached to the principal and to its groups (order does not matter).
    request : Request

    Returns
    -------
    Decision
        ``explicitDeny`` if any applicable statement denies, else ``allowed`` if any allows,
        else ``implicitDeny``.

    References
    ----------
    AWS IAM User Guide, *Policy evaluation logic* (reference_policies_evaluation-logic).
    """
    allows: list[MatchedStatement] = []
    denies: list[MatchedStatement] = []
    missing: dict[str, None] = {}
    names = request.names
    for policy in policies:
        for statement in policy.statements:
            if not statement.matches_action(request.action):
                continue
            if not statement.matches_resource(names, request.context):
                _note_missing(statement, request, missing)
                continue
            if not all(c.evaluate(request.context) for c in statement.conditions):
                _note_missing(statement, request, missing)
                continue
            matched = MatchedStatement(
                policy.name, statement.index, statement.sid, statement.effect
            )
            (denies if statement.effect == "Deny" else allows).append(matched)
    if denies:
        return Decision(request.action, request.resource, "explicitDeny", tuple(denies), ())
    if allows:
        return Decision(request.action, request.resource, "allowed", tuple(allows), ())
    return Decision(request.action, request.resource, "implicitDeny", (), tuple(missing))


def _note_missing(statement: Statement, request: Request, missing: dict[str, None]) -> None:
    for key in statement.context_keys():
        if key not in request.context:
            missing[key] = None
