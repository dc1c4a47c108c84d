"""The retry loop shared by every target: backoff with full jitter, the time budget, the record."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vigil.alerting.actions.delivery import (
    AttemptOutcome,
    DeliveryStatus,
    RetryPolicy,
    deliver,
)
from vigil.alerting.actions.payloads import pagerduty_payload, render, slack_payload, summary
from vigil.alerting.events import MonitoringExecutionSummary, violation_report_event
from vigil.errors import InvalidParameterError


class FakeTime:
    """A monotonic clock that sleeping and attempts advance."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=self.now)


def test_full_jitter_stays_under_the_exponential_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=10.0)
    assert [policy.cap(k) for k in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    rng = random.Random(11)
    for k in (1, 3, 6):
        draws = [policy.delay(k, rng) for _ in range(4000)]
        assert min(draws) >= 0 and max(draws) <= policy.cap(k)
        # Uniform on [0, cap]: mean cap/2, spread over the whole interval.
        assert statistics.fmean(draws) == pytest.approx(policy.cap(k) / 2, rel=0.05)
        assert max(draws) > 0.95 * policy.cap(k) and min(draws) < 0.05 * policy.cap(k)


def test_attempts_until_success_and_the_record() -> None:
    fake = FakeTime()
    outcomes = [
        AttemptOutcome(False, "HTTP 500", error="HTTP 500"),
        AttemptOutcome(True, "HTTP 200"),
    ]
    timeouts: list[float] = []

    def attempt(timeout: float, number: int) -> AttemptOutcome:
        timeouts.append(timeout)
        fake.now += 0.25
        return outcomes[number - 1]

    result = deliver("webhook", attempt, policy=RetryPolicy(base_delay=1.0), timeout=5.0,
                     sleep=fake.sleep, rng=random.Random(0), clock=fake.clock,
                     monotonic=fake.monotonic)  # fmt: skip
    assert result.status is DeliveryStatus.DELIVERED
    assert [a.number for a in result.attempts] == [1, 2]
    assert [a.duration_seconds for a in result.attempts] == [0.25, 0.25]
    assert result.duration_seconds == pytest.approx(0.5 + fake.waits[0])
    assert timeouts == [5.0, 5.0]
    record = result.to_dict()
    assert record["status"] == "Delivered" and record["attemptCount"] == 2
    assert record["attempts"][0]["outcome"] == "HTTP 500"


def test_the_deadline_bounds_attempts_and_waits() -> None:
    fake = FakeTime()
    timeouts: list[float] = []

    def hung(timeout: float, number: int) -> AttemptOutcome:
        timeouts.append(timeout)
        fake.now += timeout  # every attempt uses its whole timeout
        return AttemptOutcome(False, "timeout", error="timed out")

    policy = RetryPolicy(max_attempts=100, base_delay=0.5, max_delay=2.0, deadline=10.0)
    result = deliver("webhook", hung, policy=policy, timeout=3.0, sleep=fake.sleep,
                     rng=random.Random(5), clock=fake.clock, monotonic=fake.monotonic)  # fmt: skip
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert fake.now <= 10.0  # the caller is held for at most the deadline
    assert len(result.attempts) < 100
    assert all(t <= 3.0 for t in timeouts)
    assert "deadline" in (result.error or "")


def test_exceptions_in_an_attempt_are_recorded_not_raised() -> None:
    def broken(timeout: float, number: int) -> AttemptOutcome:
        raise RuntimeError("boom")

    result = deliver("command", broken, policy=RetryPolicy(max_attempts=2), timeout=1.0,
                     sleep=lambda s: None)  # fmt: skip
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert [a.error for a in result.attempts] == ["RuntimeError: boom"] * 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"max_attempts": 0}, "max_attempts"), ({"base_delay": -1.0}, "base_delay"),
     ({"deadline": 0.0}, "deadline"), ({"max_delay": float("nan")}, "max_delay")],
)  # fmt: skip
def test_policy_validation(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        RetryPolicy(**kwargs)
    assert caught.value.field == field


def _violation_event() -> dict[str, Any]:
    t = datetime(2026, 12, 7, 10, tzinfo=UTC)
    execution = MonitoringExecutionSummary("churn-dq", t, t, t, "CompletedWithViolations",
                                           "churn-dq-job", endpoint_name="churn-ep")  # fmt: skip
    violations = [{"feature_name": "age", "constraint_check_type": "baseline_drift_check",
                   "description": "distance: 0.31 exceeds threshold: 0.2"}]  # fmt: skip
    return violation_report_event(execution, violations, report_uri=None,
                                  event_id="5b7f0a0e-1c5e-4a47-9d0c-3c2b8f1d6e21", time=t).to_dict()  # fmt: skip


def test_payloads_for_a_violation_report() -> None:
    event = _violation_event()
    assert summary(event) == (
        "1 violation in monitoring schedule churn-dq (DataQuality) on endpoint churn-ep, "
        "scheduled 2026-12-07T10:00:00Z."
    )
    section = slack_payload(event)["blocks"][1]["text"]["text"]
    assert "• `age` baseline_drift_check: distance: 0.31 exceeds threshold: 0.2" in section
    pd = pagerduty_payload(event, "KEY")
    assert (pd["event_action"], pd["payload"]["severity"]) == ("trigger", "error")
    assert pd["dedup_key"] == event["resources"][0]
    assert pd["payload"]["custom_details"]["Violations"][0]["feature_name"] == "age"
    assert render("event", event) == render("event", dict(event))
    with pytest.raises(InvalidParameterError, match="routing_key"):
        render("pagerduty", event)
