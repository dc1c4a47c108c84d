"""Webhook deliveries to a real HTTP server on loopback that checks every signature itself."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from vigil.alerting.actions.delivery import DeliveryStatus, RetryPolicy
from vigil.alerting.actions.webhook import (
    SIGNATURE_HEADER,
    WebhookTarget,
    deliver_webhook,
    sign,
    verify_signature,
)
from vigil.alerting.alarms import MetricAlarm, initial_state, set_state
from vigil.alerting.events import Event, alarm_state_change_event
from vigil.errors import InvalidParameterError

SECRET = "whsec-test-7f3a"
EVENT_ID = "6a2f41a3-c54c-fce8-32d2-0324e1c32e22"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool | None


@dataclass
class Receiver:
    """A loopback HTTP server that answers with scripted statuses and verifies signatures."""

    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    hang_seconds: float = 0.0
    url: str = ""

    def next_status(self) -> int:
        index = min(len(self.received) - 1, len(self.statuses) - 1)
        return self.statuses[index]


def _independent_check(header: str | None, body: bytes) -> bool | None:
    """The receiver's check, written from the documented scheme (not with Vigil's helper)."""
    if header is None:
        return None
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(
        SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    fresh = abs(time.time() - timestamp) <= 300
    return fresh and hmac.compare_digest(expected, fields["v1"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.received.append(
                Received(self.path, dict(self.headers.items()), body,
                         _independent_check(self.headers.get(SIGNATURE_HEADER), body))
            )  # fmt: skip
            if state.hang_seconds:
                time.sleep(state.hang_seconds)
            status = state.next_status()
            self.send_response(status)
            if status in (301, 302, 307):
                self.send_header("Location", f"{state.url}/redirected")
            reply = json.dumps({"status": status}).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


class Sleeps:
    """Records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _event() -> Event:
    return Event("Thing Happened", "vigil.test", {"k": "v"}, datetime.now(UTC), EVENT_ID)


def test_fails_twice_then_succeeds_with_backoff_and_valid_signatures(receiver: Receiver) -> None:
    receiver.statuses = [500, 502, 200]
    sleeps = Sleeps()
    policy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=30.0, deadline=60.0)
    target = WebhookTarget(f"{receiver.url}/hook", secret=SECRET, retry=policy)
    result = deliver_webhook(target, _event(), sleep=sleeps, rng=random.Random(3))
    assert result.status is DeliveryStatus.DELIVERED and result.error is None
    assert [a.outcome for a in result.attempts] == ["HTTP 500", "HTTP 502", "HTTP 200"]
    assert result.detail["httpStatus"] == 200
    # Full jitter: the k-th wait is uniform in [0, base * 2**(k-1)].
    assert len(sleeps.waits) == 2
    assert 0 <= sleeps.waits[0] <= 1.0 and 0 <= sleeps.waits[1] <= 2.0
    expected_rng = random.Random(3)
    assert sleeps.waits == [expected_rng.uniform(0, 1.0), expected_rng.uniform(0, 2.0)]
    assert len(receiver.received) == 3
    assert all(r.signature_ok for r in receiver.received)
    assert {r.headers["Vigil-Event-Id"] for r in receiver.received} == {EVENT_ID}
    assert [r.headers["Vigil-Delivery-Attempt"] for r in receiver.received] == ["1", "2", "3"]
    sent = json.loads(receiver.received[0].body)
    assert (sent["id"], sent["detail-type"], sent["detail"]) == (
        EVENT_ID,
        "Thing Happened",
        {"k": "v"},
    )


def test_always_failing_target_becomes_a_dead_letter(receiver: Receiver) -> None:
    receiver.statuses = [503]
    sleeps = Sleeps()
    target = WebhookTarget(receiver.url, secret=SECRET, retry=RetryPolicy(max_attempts=4))
    result = deliver_webhook(target, _event(), sleep=sleeps, rng=random.Random(1))
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert len(result.attempts) == 4 and len(receiver.received) == 4
    assert result.error == "HTTP 503 Service Unavailable (gave up after 4 attempts)"
    assert len(sleeps.waits) == 3
    assert result.to_dict()["attemptCount"] == 4


@pytest.mark.parametrize(("status", "attempts"), [(404, 1), (400, 1), (429, 3), (408, 3)])
def test_client_errors_are_final_except_429_and_408(
    receiver: Receiver, status: int, attempts: int
) -> None:
    receiver.statuses = [status]
    target = WebhookTarget(receiver.url, retry=RetryPolicy(max_attempts=3))
    result = deliver_webhook(target, _event(), sleep=Sleeps())
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert len(result.attempts) == attempts
    assert receiver.received[0].signature_ok is None  # no secret, no signature header


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.statuses = [302]
    result = deliver_webhook(WebhookTarget(receiver.url, retry=RetryPolicy(max_attempts=2)),
                             _event(), sleep=Sleeps())  # fmt: skip
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert [r.path for r in receiver.received] == ["/"]  # /redirected never requested
    assert result.detail["httpStatus"] == 302


def test_url_check_refuses_before_anything_is_sent(receiver: Receiver) -> None:
    allowed = {"https://hooks.example.org"}

    def allow_list(url: str) -> bool:
        return any(url.startswith(prefix) for prefix in allowed)

    result = deliver_webhook(WebhookTarget(receiver.url), _event(), url_check=allow_list)
    assert result.status is DeliveryStatus.REJECTED and result.attempts == ()
    assert result.error == "URL refused by the allow-list"

    def raising(url: str) -> None:
        raise PermissionError(f"{url} is not in vigil.outbound_allow_list")

    result = deliver_webhook(WebhookTarget(receiver.url), _event(), url_check=raising)
    assert result.status is DeliveryStatus.REJECTED
    assert "not in vigil.outbound_allow_list" in (result.error or "")
    assert receiver.received == []
    ok = deliver_webhook(WebhookTarget(receiver.url), _event(), url_check=lambda u: True)
    assert ok.delivered and len(receiver.received) == 1


def test_a_target_that_is_down_is_retried_then_dead_lettered() -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    result = deliver_webhook(WebhookTarget(f"http://127.0.0.1:{port}/", retry=RetryPolicy(max_attempts=3)),
                             _event(), sleep=sleeps)  # fmt: skip
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert [a.outcome for a in result.attempts] == ["network error"] * 3
    assert "ConnectError" in (result.error or "")


def test_a_hung_target_costs_at_most_the_deadline(receiver: Receiver) -> None:
    receiver.hang_seconds = 3.0
    policy = RetryPolicy(max_attempts=10, base_delay=0.05, max_delay=0.1, deadline=1.0)
    target = WebhookTarget(receiver.url, timeout=0.4, retry=policy)
    started = time.monotonic()
    result = deliver_webhook(target, _event())  # real sleeps and clock
    elapsed = time.monotonic() - started
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert all(a.outcome == "timeout" for a in result.attempts)
    assert 2 <= len(result.attempts) <= 4
    assert elapsed < 1.0 + 0.4 + 0.3  # the deadline, plus one socket timeout and slack
    assert "deadline" in (result.error or "") or len(result.attempts) == 10


def _alarm_events() -> tuple[dict[str, Any], dict[str, Any]]:
    alarm = MetricAlarm("churn-age-drift", "aws/sagemaker/Endpoints/data-metrics",
                        "feature_baseline_drift_age", "GreaterThanThreshold", 0.2, period=3600,
                        evaluation_periods=1, statistic="Sum")  # fmt: skip
    now = datetime(2026, 12, 7, 10, 5, 12, tzinfo=UTC)
    raised = set_state(alarm, initial_state(now), "ALARM", "Threshold Crossed: test", now=now)
    cleared = set_state(alarm, raised.state, "OK", "Threshold Crossed: back", now=now)
    return (
        alarm_state_change_event(raised, event_id=EVENT_ID).to_dict(),
        alarm_state_change_event(
            cleared, event_id="0f8fad5b-d9cb-469f-a165-70867728950e"
        ).to_dict(),
    )


def test_slack_and_pagerduty_templates(receiver: Receiver) -> None:
    raised, cleared = _alarm_events()
    slack = deliver_webhook(WebhookTarget(f"{receiver.url}/slack", template="slack"), raised)
    assert slack.delivered
    message = json.loads(receiver.received[-1].body)
    assert message["text"].startswith('ALARM: "churn-age-drift" (INSUFFICIENT_DATA -> ALARM)')
    assert message["blocks"][0] == {
        "type": "header", "text": {"type": "plain_text", "text": "ALARM: churn-age-drift"}
    }  # fmt: skip
    pagerduty = WebhookTarget(f"{receiver.url}/v2/enqueue", template="pagerduty",
                              routing_key="R0UTINGKEY0123456789012345678901")  # fmt: skip
    assert deliver_webhook(pagerduty, raised).delivered
    assert deliver_webhook(pagerduty, cleared).delivered
    trigger, resolve = (json.loads(r.body) for r in receiver.received[-2:])
    arn = "arn:aws:cloudwatch:local:000000000000:alarm:churn-age-drift"
    assert (trigger["event_action"], trigger["dedup_key"]) == ("trigger", arn)
    assert trigger["routing_key"] == "R0UTINGKEY0123456789012345678901"
    assert trigger["payload"]["severity"] == "critical"
    assert trigger["payload"]["source"] == arn
    assert trigger["payload"]["component"] == "feature_baseline_drift_age"
    assert len(trigger["payload"]["summary"]) <= 1024
    assert resolve == {"routing_key": "R0UTINGKEY0123456789012345678901",
                       "event_action": "resolve", "dedup_key": arn}  # fmt: skip


def test_signature_helpers_reject_tampering_and_replays() -> None:
    body = b'{"a":1}'
    header = sign(body, SECRET, 1_700_000_000)
    assert verify_signature(header, body, SECRET, now=1_700_000_100)
    assert not verify_signature(header, b'{"a":2}', SECRET, now=1_700_000_100)
    assert not verify_signature(header, body, "other-secret", now=1_700_000_100)
    assert not verify_signature(header, body, SECRET, now=1_700_000_000 + 301)  # replayed later
    assert not verify_signature("v1=abc", body, SECRET, now=1_700_000_000)
    rotated = f"{header},v1={'0' * 64}"
    assert verify_signature(rotated, body, SECRET, now=1_700_000_000)


def test_target_validation() -> None:
    for url in ("ftp://host/x", "not a url", "http://"):
        with pytest.raises(InvalidParameterError, match="http\\(s\\) URL"):
            WebhookTarget(url)
    with pytest.raises(InvalidParameterError, match="routing_key is required"):
        WebhookTarget("https://events.pagerduty.com/v2/enqueue", template="pagerduty")
    with pytest.raises(InvalidParameterError, match="template must be"):
        WebhookTarget("https://x.example/", template="teams")  # type: ignore[arg-type]
