"""Waiting in tests for something a background thread or process does."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

X = TypeVar("X")


def eventually(get: Callable[[], X], ok: Callable[[X], bool], timeout: float = 30) -> X:
    """Call ``get`` every 50 ms until ``ok`` accepts its value; return that value.

    Raises
    ------
    AssertionError
        After ``timeout`` seconds, naming the last value.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if ok(value):
            return value
        assert time.monotonic() < deadline, f"gave up waiting; last value: {value!r}"
        time.sleep(0.05)
