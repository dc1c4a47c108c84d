"""Clocks: the scheduler asks one for "now", so tests can drive hours in seconds.

Only the *schedule* time comes from an injected clock (which windows are due, creation and end
times of records). Leases and maximum runtimes always use the real clock of the machine: they
measure how long a process has really been silent or running.

>>> from datetime import datetime, timedelta, UTC
>>> clock = ManualClock(datetime(2024, 5, 1, tzinfo=UTC))
>>> clock.advance(timedelta(hours=3)).isoformat()
'2024-05-01T03:00:00+00:00'
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from vigil.errors import InvalidParameterError

__all__ = ["Clock", "FileClock", "ManualClock", "SystemClock", "parse_time"]


@runtime_checkable
class Clock(Protocol):
    """Anything with ``now() -> aware UTC datetime``."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


def parse_time(text: str, field: str = "time") -> datetime:
    """An ISO-8601 time (``Z`` accepted; no offset means UTC) as an aware UTC datetime.

    Raises
    ------
    InvalidParameterError
        Naming ``field``.
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidParameterError(
            f"{field} must be an ISO-8601 time like 2024-05-01T13:00:00Z. Got {text!r} instead.",
            field=field,
        ) from exc


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """``datetime.now(UTC)``."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that moves only when told to (thread-safe); for one process."""

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._now = _aware(start)

    def now(self) -> datetime:
        """The time last set."""
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta``; returns the new time."""
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when``."""
        with self._lock:
            self._now = _aware(when)

    def __repr__(self) -> str:
        return f"ManualClock({self.now().isoformat()})"


class FileClock:
    """A clock shared by processes: the time is the ISO-8601 text of a file.

    Tests (and replays) write the file with :meth:`set`; every process that reads the same
    file sees the same time.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def now(self) -> datetime:
        """The time written in the file."""
        return parse_time(self.path.read_text(), field=str(self.path))

    def set(self, when: datetime) -> None:
        """Write ``when`` atomically (readers never see a half-written time)."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(_aware(when).isoformat())
        os.replace(tmp, self.path)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta``; returns the new time."""
        when = self.now() + delta
        self.set(when)
        return when

    def __repr__(self) -> str:
        return f"FileClock({str(self.path)!r})"


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidParameterError(
            f"a clock must be set to an aware datetime. Got the naive {when.isoformat()} instead.",
            field="now",
        )
    return when.astimezone(UTC)
