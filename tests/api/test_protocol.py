"""Both control planes have exactly the protocol's methods, with its signatures."""

from __future__ import annotations

import inspect

import pytest

from vigil.api.protocol import ControlPlaneAPI
from vigil.client import Client
from vigil.control import ControlPlane

OPERATIONS = sorted(
    name
    for name, member in vars(ControlPlaneAPI).items()
    if callable(member) and not name.startswith("_")
)


def _public(kind: type) -> set[str]:
    return {
        name
        for name in dir(kind)
        if not name.startswith("_") and callable(getattr(kind, name)) and name in OPERATIONS
    }


def test_the_protocol_lists_the_operations() -> None:
    assert len(OPERATIONS) == 19


@pytest.mark.parametrize("kind", [ControlPlane, Client], ids=["library", "http"])
@pytest.mark.parametrize("name", OPERATIONS)
def test_each_implementation_has_the_operation_with_its_signature(kind: type, name: str) -> None:
    expected = inspect.signature(getattr(ControlPlaneAPI, name))
    found = inspect.signature(getattr(kind, name))
    assert list(found.parameters) == list(expected.parameters)
    for param, want in expected.parameters.items():
        got = found.parameters[param]
        assert (got.kind, got.default) == (want.kind, want.default), (name, param)
        assert str(got.annotation) == str(want.annotation), (name, param)
    assert str(found.return_annotation) == str(expected.return_annotation), name
    assert _public(kind) == set(OPERATIONS)
