"""What every target shares: the delivery result, the retry policy and the retry loop.

A delivery sends one event to one target. It makes attempts until one succeeds, an error is not
worth retrying, the attempts run out, or the time budget does; then it returns a
:class:`DeliveryResult` that the caller records (the service persists it and shows it through
the API). A delivery that gives up is a *dead letter*: the result keeps the error of every
attempt so that it can be inspected and replayed, as EventBridge sends a failed event to a
dead-letter queue after its retries (EventBridge User Guide, *Event retry policy and using
dead-letter queues*).

Retries wait with exponential backoff and *full jitter*: before attempt ``k + 1`` the loop sleeps
``uniform(0, min(max_delay, base_delay * 2**(k - 1)))`` seconds (M. Brooker, "Exponential Backoff
And Jitter", AWS Architecture Blog, 2015), which spreads the retries of many failed deliveries
instead of synchronising them.

Time budget: no delivery runs longer than ``RetryPolicy.deadline`` seconds. Each attempt's
timeout is cut to what is left of the budget, a wait that would overrun it is not started, and the
loop stops there. A target that is down therefore costs its caller at most the deadline. Sleep,
randomness and clocks are arguments, so tests run without waiting.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from vigil.alerting.reasons import stamp
from vigil.errors import InvalidParameterError

__all__ = [
    "Attempt",
    "AttemptOutcome",
    "DeliveryResult",
    "DeliveryStatus",
    "RetryPolicy",
    "deliver",
    "rejected",
]


class DeliveryStatus(str, Enum):
    """How a delivery ended."""

    DELIVERED = "Delivered"
    """An attempt succeeded."""
    DEAD_LETTER = "DeadLetter"
    """Every attempt failed, an error was not retryable, or the time budget ran out."""
    REJECTED = "Rejected"
    """Nothing was sent: the target was refused before the first attempt (e.g. a URL outside
    the service's allow-list)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long a delivery tries.

    Attributes
    ----------
    max_attempts : int, default=5
        Attempts in all, >= 1 (1 = no retry).
    base_delay : float, default=0.5
        Seconds; the cap of the first wait.
    max_delay : float, default=30.0
        Seconds; no wait is longer.
    deadline : float, default=60.0
        Seconds; the whole delivery, attempts and waits, ends within it.

    Raises
    ------
    InvalidParameterError
        For a value out of range.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    deadline: float = 60.0

    def __post_init__(self) -> None:
        if (
            isinstance(self.max_attempts, bool)
            or not isinstance(self.max_attempts, int)
            or self.max_attempts < 1
        ):
            raise InvalidParameterError(
                f"max_attempts must be an integer >= 1. Got {self.max_attempts!r} instead.",
                field="max_attempts",
            )
        for name in ("base_delay", "max_delay", "deadline"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise InvalidParameterError(
                    f"{name} must be a finite number of seconds >= 0. Got {value!r} instead.",
                    field=name,
                )
        if self.deadline <= 0:
            raise InvalidParameterError(
                f"deadline must be > 0 seconds. Got {self.deadline!r} instead.", field="deadline"
            )

    def delay(self, failed_attempts: int, rng: random.Random) -> float:
        """The wait after ``failed_attempts`` failures: full jitter over the exponential cap.

        >>> policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
        >>> [policy.cap(k) for k in (1, 2, 3, 4, 5)]
        [1.0, 2.0, 4.0, 8.0, 8.0]
        >>> 0 <= policy.delay(3, random.Random(0)) <= 4.0
        True
        """
        return rng.uniform(0.0, self.cap(failed_attempts))

    def cap(self, failed_attempts: int) -> float:
        """``min(max_delay, base_delay * 2**(failed_attempts - 1))`` seconds."""
        exponent = min(max(failed_attempts - 1, 0), 60)
        return float(min(self.max_delay, self.base_delay * 2.0**exponent))


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What one attempt reports to the retry loop.

    Attributes
    ----------
    ok : bool
        The target accepted the event.
    outcome : str
        A short label: ``HTTP 200``, ``HTTP 503``, ``timeout``, ``exit 0``, ``250 OK``...
    retryable : bool, default=True
        Whether another attempt could succeed (a 5xx: yes; a 404: no).
    error : str, optional
        What went wrong, for the record.
    detail : mapping, default={}
        Target-specific facts kept from the last attempt (HTTP status, exit status, output).
    """

    ok: bool
    outcome: str
    retryable: bool = True
    error: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt of a delivery.

    Attributes
    ----------
    number : int
        1-based.
    started_at : datetime
        UTC.
    duration_seconds : float
    outcome : str
    error : str or None
    """

    number: int
    started_at: datetime
    duration_seconds: float
    outcome: str
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "number": self.number,
            "startedAt": stamp(self.started_at),
            "durationSeconds": self.duration_seconds,
            "outcome": self.outcome,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The record of one delivery: what the service persists and shows.

    Attributes
    ----------
    target : str
        ``webhook``, ``email`` or ``command``.
    status : DeliveryStatus
    attempts : tuple of Attempt
    started_at, finished_at : datetime
        UTC.
    duration_seconds : float
        Wall time of the whole delivery, waits included.
    error : str or None
        The last error (None when delivered).
    detail : mapping
        Target-specific facts of the last attempt.
    """

    target: str
    status: DeliveryStatus
    attempts: tuple[Attempt, ...]
    started_at: datetime
    finished_at: datetime
    duration_seconds: float
    error: str | None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def delivered(self) -> bool:
        """Whether the target accepted the event."""
        return self.status is DeliveryStatus.DELIVERED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "target": self.target,
            "status": self.status.value,
            "attemptCount": len(self.attempts),
            "attempts": [a.to_dict() for a in self.attempts],
            "startedAt": stamp(self.started_at),
            "finishedAt": stamp(self.finished_at),
            "durationSeconds": self.duration_seconds,
            "error": self.error,
            "detail": dict(self.detail),
        }


def _utc_now() -> datetime:
    return datetime.now(UTC)


def rejected(
    target: str, error: str, *, clock: Callable[[], datetime] = _utc_now
) -> DeliveryResult:
    """The result of a delivery refused before any attempt."""
    now = clock()
    return DeliveryResult(target, DeliveryStatus.REJECTED, (), now, now, 0.0, error)


def deliver(
    target: str,
    attempt: Callable[[float, int], AttemptOutcome],
    *,
    policy: RetryPolicy,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    clock: Callable[[], datetime] = _utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> DeliveryResult:
    """Run ``attempt`` under ``policy`` and record what happened.

    Parameters
    ----------
    target : str
        The target kind, for the record.
    attempt : callable (timeout_seconds, attempt_number) -> AttemptOutcome
        One try; it must return within ``timeout_seconds`` and not raise (an exception is
        recorded as a retryable failure all the same).
    policy : RetryPolicy
    timeout : float
        Seconds one attempt may take; cut to what is left of ``policy.deadline``.
    sleep : callable, default=time.sleep
    rng : random.Random, optional
        For the jitter; default a new unseeded generator.
    clock : callable, default=UTC now
        Wall-clock stamps of the record.
    monotonic : callable, default=time.monotonic
        Measures durations and the budget.

    Returns
    -------
    DeliveryResult
    """
    rng = rng if rng is not None else random.Random()
    started_at = clock()
    start = monotonic()
    attempts: list[Attempt] = []
    last: AttemptOutcome | None = None
    for number in range(1, policy.max_attempts + 1):
        if number > 1:
            wait = policy.delay(number - 1, rng)
            if monotonic() - start + wait >= policy.deadline:
                break
            sleep(wait)
        remaining = policy.deadline - (monotonic() - start)
        if remaining <= 0:
            break
        attempt_start = monotonic()
        attempt_at = clock()
        try:
            last = attempt(min(timeout, remaining), number)
        except Exception as exc:  # a target must not take its caller down
            last = AttemptOutcome(False, "error", True, f"{type(exc).__name__}: {exc}")
        attempts.append(
            Attempt(number, attempt_at, monotonic() - attempt_start, last.outcome, last.error)
        )
        if last.ok or not last.retryable:
            break
    delivered = last is not None and last.ok
    error = None if delivered else _final_error(last, attempts, policy)
    return DeliveryResult(
        target=target,
        status=DeliveryStatus.DELIVERED if delivered else DeliveryStatus.DEAD_LETTER,
        attempts=tuple(attempts),
        started_at=started_at,
        finished_at=clock(),
        duration_seconds=monotonic() - start,
        error=error,
        detail=dict(last.detail) if last is not None else {},
    )


def _final_error(last: AttemptOutcome | None, attempts: list[Attempt], policy: RetryPolicy) -> str:
    if last is None:
        return f"no attempt fitted in the {policy.deadline:g} s deadline"
    reason = last.error or last.outcome
    if not last.retryable:
        return f"{reason} (not retryable)"
    if len(attempts) < policy.max_attempts:
        return f"{reason} (gave up after {len(attempts)} attempts: {policy.deadline:g} s deadline)"
    return f"{reason} (gave up after {len(attempts)} attempts)"
