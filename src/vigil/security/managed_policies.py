"""Managed policies for the personas of SageMaker Role Manager, as Vigil policy documents.

Role Manager defines the *Data Scientist* and *MLOps* personas (and *SageMaker Compute*, the
role jobs and endpoints run as; Vigil's service runs those itself), spec/security-runtime-api.md
§1.6. Vigil keeps those two under their AWS names and adds three of its own (spec D9):

``DataScientist`` (Role Manager)
    Reads every monitoring, endpoint, registry and alerting resource; creates and runs baselines
    and monitoring schedules; creates model packages (but does not approve them). No audit, no
    credentials, no user code.
``MLOps`` (Role Manager)
    Reads the same; manages endpoints (create, update, weights, delete, invoke), the model
    registry including approval (``UpdateModelPackage``), alarms and event rules, and registers
    user code (python model entry points are deployed through endpoints).
``Administrator`` (Vigil)
    ``vigil:*`` on every resource.
``Auditor`` (Vigil)
    Reads and verifies the audit log, nothing else.
``InvokeOnly`` (Vigil)
    For an application: invokes endpoints and puts ground truth.

The documents are built from :data:`vigil.security.actions.ACTIONS`, so an action added to the
catalog with a family and access level joins the personas that cover it.

>>> from vigil.security.policy import Request, evaluate
>>> policies = managed_policies()
>>> evaluate([policies["Auditor"]], Request("vigil:VerifyAuditLog")).allowed
True
>>> evaluate([policies["DataScientist"]], Request("vigil:RegisterCode", "*")).allowed
False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from vigil.security.actions import ACTIONS, ActionSpec
from vigil.security.policy import Policy, parse_policy

__all__ = ["PERSONAS", "managed_policies", "managed_policy_document"]

PERSONAS = ("Administrator", "DataScientist", "MLOps", "Auditor", "InvokeOnly")
"""The managed policies' names."""

_READ_FAMILIES = frozenset({"endpoints", "monitoring", "baselining", "alerting", "registry"})


def _actions(specs: Iterable[ActionSpec]) -> list[str]:
    return sorted(spec.action for spec in specs)


def _reads() -> list[str]:
    return _actions(
        s
        for s in ACTIONS.values()
        if s.family in _READ_FAMILIES and s.access_level in ("Read", "List")
        and s.family != "runtime"
    )  # fmt: skip


def _writes(*families: str, names: Iterable[str] = ()) -> list[str]:
    wanted = set(names)
    return _actions(
        s
        for s in ACTIONS.values()
        if (s.family in families and s.access_level == "Write") or s.name in wanted
    )


def _statement(sid: str, actions: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"}


def managed_policy_document(persona: str) -> dict[str, Any]:
    """The JSON policy document of ``persona`` (one of :data:`PERSONAS`).

    Raises
    ------
    KeyError
        If ``persona`` is not one of :data:`PERSONAS`.
    """
    if persona == "Administrator":
        statements = [
            {"Sid": "FullAccess", "Effect": "Allow", "Action": "vigil:*", "Resource": "*"}
        ]
    elif persona == "DataScientist":
        statements = [
            _statement("ReadMonitoringEndpointsRegistryAlerting", _reads()),
            _statement(
                "ManageBaselinesAndSchedules",
                _writes("monitoring", "baselining", names=("CreateModelPackage",)),
            ),
        ]
    elif persona == "MLOps":
        statements = [
            _statement("ReadMonitoringEndpointsRegistryAlerting", _reads()),
            _statement(
                "ManageEndpointsRegistryAlerting",
                _writes("endpoints", "registry", "alerting", names=("RegisterCode",)),
            ),
            _statement(
                "InvokeEndpoints", _actions(s for s in ACTIONS.values() if s.family == "runtime")
            ),
        ]
    elif persona == "Auditor":
        statements = [
            _statement("ReadAuditLog", _actions(s for s in ACTIONS.values() if s.family == "audit"))
        ]
    elif persona == "InvokeOnly":
        statements = [
            _statement(
                "InvokeAndPutGroundTruth",
                _actions(s for s in ACTIONS.values() if s.family == "runtime"),
            )
        ]
    else:
        raise KeyError(persona)
    return {"Version": "2012-10-17", "Statement": statements}


def managed_policies() -> Mapping[str, Policy]:
    """Every managed policy, parsed, by persona name."""
    return {name: parse_policy(managed_policy_document(name), name=name) for name in PERSONAS}
