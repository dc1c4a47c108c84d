"""Webhook target: POST the event (or a Slack/PagerDuty-shaped body) to a URL, signed, with retries.

Request
    ``POST <url>`` with ``Content-Type: application/json``, the body from
    :func:`vigil.alerting.actions.payloads.render`, ``User-Agent: vigil-webhook/1``,
    ``Vigil-Event-Id: <event id>`` (the same on every retry: receivers deduplicate on it, since
    delivery is at least once) and, when the target has a secret, ``Vigil-Signature``.
    Redirects are not followed (a redirect could leave the allow-list); a 3xx is a failure.

Signature (the scheme of Stripe's webhooks)
    ``Vigil-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``.
    The timestamp is inside the signed content, so a captured request cannot be replayed later
    with a new time. Every attempt is signed afresh. A receiver verifies it so:

    1. split the header on ``,`` into ``t`` and ``v1`` (ignore other keys; several ``v1`` may
       appear while a secret is rotated);
    2. compute ``HMAC-SHA256(secret, f"{t}.".encode() + raw_body)`` in hex over the *raw* bytes
       received, before any JSON parsing;
    3. compare with ``v1`` in constant time (``hmac.compare_digest``);
    4. reject if ``|now - t|`` exceeds a tolerance (:data:`SIGNATURE_TOLERANCE_SECONDS`, 5
       minutes), and keep the ``Vigil-Event-Id`` values seen within it to drop duplicates.

    :func:`verify_signature` does exactly this.

Retries
    Network errors, timeouts, HTTP 408, 429 and 5xx are retried with exponential backoff and
    full jitter (:mod:`vigil.alerting.actions.delivery`); other statuses are final. After the
    last attempt, or when the time budget runs out, the result is a dead letter.

Allow-list
    The caller passes ``url_check``: called with the URL before anything is sent, it returns
    ``False`` or raises to refuse the URL (the result is then ``Rejected``). The service passes
    its outbound allow-list; Vigil never requests an arbitrary host on its own.

Time budget
    Each attempt has ``timeout`` seconds for connecting, writing and each read, and the response
    body is read only up to 64 KiB and only while the delivery's deadline allows, so a slow or
    hung receiver holds the caller for at most the policy's deadline (plus one socket timeout in
    the worst case of a server that trickles its response headers).
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from vigil.alerting.actions.delivery import (
    AttemptOutcome,
    DeliveryResult,
    RetryPolicy,
    deliver,
    rejected,
)
from vigil.alerting.actions.payloads import Template, render
from vigil.alerting.events import Event
from vigil.errors import InvalidParameterError

__all__ = [
    "SIGNATURE_HEADER",
    "SIGNATURE_TOLERANCE_SECONDS",
    "WebhookTarget",
    "deliver_webhook",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "Vigil-Signature"
"""The request header that carries the signature."""

SIGNATURE_TOLERANCE_SECONDS = 300
"""How old (or how far in the future) a signed request may be when verified."""

_RETRY_STATUSES = frozenset({408, 429})
_MAX_RESPONSE_BYTES = 64 * 1024


def sign(body: bytes, secret: str | bytes, timestamp: int) -> str:
    """The ``Vigil-Signature`` header value for ``body`` sent at ``timestamp`` (unix seconds).

    >>> sign(b'{"a":1}', "s3cret", 1700000000)
    't=1700000000,v1=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940'
    """
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    header: str,
    body: bytes,
    secret: str | bytes,
    *,
    now: float,
    tolerance: float = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """Whether ``header`` is a valid, fresh signature of ``body`` (receiver side).

    Parameters
    ----------
    header : str
        The ``Vigil-Signature`` value.
    body : bytes
        The raw request body.
    secret : str or bytes
    now : float
        Current unix time, seconds.
    tolerance : float, default=300
        Largest accepted ``|now - t|``, seconds.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = sign(body, secret, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, c) for c in candidates)


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Where and how to POST.

    Attributes
    ----------
    url : str
        ``http://`` or ``https://``.
    secret : str or bytes, optional
        HMAC key of the signature; no signature without it.
    template : {"event", "slack", "pagerduty"}, default="event"
    routing_key : str, optional
        PagerDuty integration key (template ``pagerduty``).
    headers : mapping of str to str, default={}
        Extra request headers.
    timeout : float, default=5.0
        Seconds per attempt (connect, write, each read).
    retry : RetryPolicy, default=RetryPolicy()

    Raises
    ------
    InvalidParameterError
        For a URL that is not http(s), a bad template or timeout.
    """

    url: str
    secret: str | bytes | None = None
    template: Template = "event"
    routing_key: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 5.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        try:
            parsed = httpx.URL(self.url)
        except (httpx.InvalidURL, TypeError):
            parsed = None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            raise InvalidParameterError(
                f"url of a webhook must be an http(s) URL. Got {self.url!r} instead.", field="url"
            )
        if self.template not in ("event", "slack", "pagerduty"):
            raise InvalidParameterError(
                f"template must be event, slack or pagerduty. Got {self.template!r} instead.",
                field="template",
            )
        if self.template == "pagerduty" and not self.routing_key:
            raise InvalidParameterError(
                "routing_key is required with the pagerduty template.", field="routing_key"
            )
        if not isinstance(self.timeout, int | float) or not 0 < self.timeout <= 300:
            raise InvalidParameterError(
                f"timeout must be in (0, 300] seconds. Got {self.timeout!r} instead.",
                field="timeout",
            )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _url_allowed(url_check: Callable[[str], Any] | None, url: str) -> str | None:
    """None if allowed, else why not."""
    if url_check is None:
        return None
    try:
        verdict = url_check(url)
    except Exception as exc:
        return f"URL refused by the allow-list: {exc}"
    return "URL refused by the allow-list" if verdict is False else None


def deliver_webhook(
    target: WebhookTarget,
    event: Event | Mapping[str, Any],
    *,
    url_check: Callable[[str], Any] | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    clock: Callable[[], datetime] = _utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> DeliveryResult:
    """POST ``event`` to ``target`` until it is accepted (2xx) or the policy gives up.

    Parameters
    ----------
    target : WebhookTarget
    event : Event or mapping
        The event (a mapping is sent as is).
    url_check : callable (url) -> bool or None, optional
        The allow-list: ``False`` or an exception refuses the URL; nothing is sent.
    transport : httpx.BaseTransport, optional
        For httpx's own transports (e.g. a proxy mount); default a plain connection.
    sleep, rng, clock, monotonic
        Injectable for tests (see :func:`vigil.alerting.actions.delivery.deliver`).

    Returns
    -------
    DeliveryResult
        ``detail`` has ``httpStatus`` and ``responseBody`` (first 1 KiB) of the last attempt.
    """
    refusal = _url_allowed(url_check, target.url)
    if refusal is not None:
        return rejected("webhook", refusal, clock=clock)
    data = event.to_dict() if isinstance(event, Event) else dict(event)
    body = render(target.template, data, routing_key=target.routing_key)
    event_id = str(data.get("id", ""))
    deadline = monotonic() + target.retry.deadline

    with httpx.Client(transport=transport, follow_redirects=False, trust_env=False) as client:

        def attempt(timeout: float, number: int) -> AttemptOutcome:
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "vigil-webhook/1",
                "Vigil-Event-Id": event_id,
                "Vigil-Delivery-Attempt": str(number),
                **dict(target.headers),
            }
            if target.secret is not None:
                headers[SIGNATURE_HEADER] = sign(body, target.secret, int(clock().timestamp()))
            try:
                with client.stream(
                    "POST",
                    target.url,
                    content=body,
                    headers=headers,
                    timeout=httpx.Timeout(timeout),
                ) as response:
                    received = bytearray()
                    for chunk in response.iter_bytes():
                        received.extend(chunk)
                        if len(received) >= _MAX_RESPONSE_BYTES or monotonic() >= deadline:
                            break
            except httpx.TimeoutException as exc:
                return AttemptOutcome(False, "timeout", True, f"{type(exc).__name__}: {exc}")
            except httpx.HTTPError as exc:
                return AttemptOutcome(False, "network error", True, f"{type(exc).__name__}: {exc}")
            status = response.status_code
            detail = {
                "httpStatus": status,
                "responseBody": bytes(received[:1024]).decode("utf-8", errors="replace"),
            }
            if 200 <= status < 300:
                return AttemptOutcome(True, f"HTTP {status}", detail=detail)
            retryable = status >= 500 or status in _RETRY_STATUSES
            return AttemptOutcome(
                False,
                f"HTTP {status}",
                retryable,
                f"HTTP {status} {response.reason_phrase}",
                detail,
            )

        return deliver(
            "webhook",
            attempt,
            policy=target.retry,
            timeout=target.timeout,
            sleep=sleep,
            rng=rng,
            clock=clock,
            monotonic=monotonic,
        )
