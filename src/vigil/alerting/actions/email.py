"""Email target: the event as a plain-text message over SMTP, upgraded with STARTTLS.

The message
    ``Subject`` reads as CloudWatch's alarm notifications do, ``ALARM: "churn-age-drift" in
    local``, or ``[Vigil] <one-line summary>`` for other events. The body is the summary, the
    alarm's reason or the violations, and the whole event as indented JSON. ``Message-ID`` is
    derived from the event id, so a retried delivery carries the same id and mail clients can
    thread or drop the duplicate.

The session
    ``EHLO``; ``STARTTLS`` (required by default: a server that does not offer it gets nothing,
    so credentials and events never travel in clear); ``EHLO`` again; ``AUTH`` when a username
    is configured; ``MAIL``/``RCPT``/``DATA``. The TLS certificate is verified with the system's
    trust store unless the target carries its own ``ssl_context``.

Retries
    Connection errors, timeouts and 4xx replies are retried (backoff with full jitter, see
    :mod:`vigil.alerting.actions.delivery`); authentication failures, certificate errors, 5xx
    replies and refused recipients are final.
"""

from __future__ import annotations

import json
import random
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from vigil.alerting.actions.delivery import (
    AttemptOutcome,
    DeliveryResult,
    RetryPolicy,
    deliver,
)
from vigil.alerting.actions.payloads import summary
from vigil.alerting.events import Event
from vigil.errors import InvalidParameterError

__all__ = ["EmailTarget", "deliver_email", "email_message"]


@dataclass(frozen=True, slots=True)
class EmailTarget:
    """An SMTP server and the people to tell.

    Attributes
    ----------
    host : str
    sender : str
        The ``From`` address.
    recipients : tuple of str
        At least one.
    port : int, default=587
        The submission port.
    starttls : bool, default=True
        Require STARTTLS (``False`` only for a trusted local relay).
    username, password : str, optional
        SMTP AUTH credentials (only sent after STARTTLS when ``starttls``).
    timeout : float, default=10.0
        Seconds per socket operation of one attempt.
    ssl_context : ssl.SSLContext, optional
        Default: the system trust store, hostname checked.
    retry : RetryPolicy, default=RetryPolicy(max_attempts=3)

    Raises
    ------
    InvalidParameterError
        For a missing host, sender or recipient, or a bad port or timeout.
    """

    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(max_attempts=3))

    def __post_init__(self) -> None:
        recipients = (
            (self.recipients,) if isinstance(self.recipients, str) else tuple(self.recipients)
        )
        object.__setattr__(self, "recipients", recipients)
        if not self.host:
            raise InvalidParameterError("host of an email target is required.", field="host")
        if "@" not in self.sender:
            raise InvalidParameterError(
                f"sender must be an email address. Got {self.sender!r} instead.", field="sender"
            )
        if not recipients or any("@" not in r for r in recipients):
            raise InvalidParameterError(
                f"recipients must be email addresses. Got {recipients!r} instead.",
                field="recipients",
            )
        if (
            isinstance(self.port, bool)
            or not isinstance(self.port, int)
            or not 0 < self.port < 65536
        ):
            raise InvalidParameterError(
                f"port must be in 1..65535. Got {self.port!r} instead.", field="port"
            )
        if not isinstance(self.timeout, int | float) or not 0 < self.timeout <= 300:
            raise InvalidParameterError(
                f"timeout must be in (0, 300] seconds. Got {self.timeout!r} instead.",
                field="timeout",
            )


def _subject(event: Mapping[str, Any]) -> str:
    detail = event.get("detail", {})
    if event.get("detail-type") == "CloudWatch Alarm State Change":
        state = detail.get("state", {}).get("value", "?")
        return f'{state}: "{detail.get("alarmName", "?")}" in {event.get("region", "?")}'
    return f"[Vigil] {summary(event)}"[:200]


def _body(event: Mapping[str, Any]) -> str:
    detail = event.get("detail", {})
    lines = [summary(event), ""]
    if event.get("detail-type") == "CloudWatch Alarm State Change":
        lines += [
            f"Alarm:          {detail.get('alarmName', '?')}",
            f"State:          {detail.get('previousState', {}).get('value', '?')} -> "
            f"{detail.get('state', {}).get('value', '?')}",
            f"Reason:         {detail.get('state', {}).get('reason', '')}",
            f"Time:           {event.get('time', '?')}",
            "",
        ]
    for violation in detail.get("Violations", [])[:50]:
        subject = violation.get("feature_name") or violation.get("metric_name", "?")
        lines.append(
            f"- {subject}: {violation.get('constraint_check_type', '')} "
            f"{violation.get('description', '')}"
        )
    if detail.get("Violations"):
        lines.append("")
    lines += ["The event:", json.dumps(event, indent=2, ensure_ascii=False), ""]
    return "\n".join(lines)


def email_message(
    event: Event | Mapping[str, Any], *, sender: str, recipients: tuple[str, ...], date: datetime
) -> EmailMessage:
    """The message sent for ``event`` (subject and body described in the module docstring)."""
    data = event.to_dict() if isinstance(event, Event) else dict(event)
    message = EmailMessage()
    message["Subject"] = _subject(data)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(date.astimezone(UTC))
    message["Message-ID"] = f"<{data.get('id', 'event')}@vigil.alerting>"
    message["X-Vigil-Event-Id"] = str(data.get("id", ""))
    message.set_content(_body(data))
    return message


def _utc_now() -> datetime:
    return datetime.now(UTC)


def deliver_email(
    target: EmailTarget,
    event: Event | Mapping[str, Any],
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    clock: Callable[[], datetime] = _utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> DeliveryResult:
    """Send ``event`` by email to ``target``'s recipients.

    Returns
    -------
    DeliveryResult
        ``detail`` has ``messageId`` and, if the server refused some recipients but not all,
        ``refusedRecipients``.
    """
    message = email_message(event, sender=target.sender, recipients=target.recipients, date=clock())
    context = target.ssl_context or ssl.create_default_context()

    def attempt(timeout: float, number: int) -> AttemptOutcome:
        detail: dict[str, Any] = {"messageId": message["Message-ID"]}
        try:
            with smtplib.SMTP(target.host, target.port, timeout=timeout) as smtp:
                smtp.ehlo()
                if target.starttls:
                    if not smtp.has_extn("starttls"):
                        return AttemptOutcome(
                            False, "no STARTTLS", False,
                            "the server does not offer STARTTLS; nothing was sent in clear",
                            detail,
                        )  # fmt: skip
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if target.username is not None:
                    smtp.login(target.username, target.password or "")
                refused = smtp.send_message(
                    message, from_addr=target.sender, to_addrs=list(target.recipients)
                )
        except smtplib.SMTPAuthenticationError as exc:
            return AttemptOutcome(False, f"{exc.smtp_code}", False, f"authentication failed: {exc}")
        except smtplib.SMTPRecipientsRefused as exc:
            return AttemptOutcome(
                False, "recipients refused", False, f"recipients refused: {exc.recipients}"
            )
        except smtplib.SMTPResponseException as exc:
            code = int(exc.smtp_code)
            text = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            return AttemptOutcome(False, f"{code}", 400 <= code < 500, f"SMTP {code}: {text}")
        except ssl.SSLCertVerificationError as exc:
            return AttemptOutcome(False, "certificate", False, f"TLS certificate refused: {exc}")
        except (OSError, smtplib.SMTPException) as exc:
            label = "timeout" if isinstance(exc, TimeoutError) else "connection error"
            return AttemptOutcome(False, label, True, f"{type(exc).__name__}: {exc}")
        if refused:
            detail["refusedRecipients"] = sorted(refused)
        return AttemptOutcome(True, "250 accepted", detail=detail)

    return deliver(
        "email",
        attempt,
        policy=target.retry,
        timeout=target.timeout,
        sleep=sleep,
        rng=rng,
        clock=clock,
        monotonic=monotonic,
    )
