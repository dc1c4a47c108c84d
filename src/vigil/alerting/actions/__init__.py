"""Delivery of events to targets: one module per target, each doing its own I/O.

* :mod:`~vigil.alerting.actions.delivery` — :class:`DeliveryResult`, :class:`RetryPolicy` and the
  retry loop (backoff with full jitter, a time budget, dead letters) the targets share.
* :mod:`~vigil.alerting.actions.webhook` — HTTP POST with an HMAC-SHA256 signature.
* :mod:`~vigil.alerting.actions.payloads` — webhook bodies: the event, Slack, PagerDuty.
* :mod:`~vigil.alerting.actions.email` — SMTP with STARTTLS.
* :mod:`~vigil.alerting.actions.command` — a program run without a shell, the event on stdin.

Every delivery returns within its policy's deadline and never raises for a failing target: the
failure is in the result.
"""

from __future__ import annotations

from vigil.alerting.actions.delivery import (
    Attempt,
    AttemptOutcome,
    DeliveryResult,
    DeliveryStatus,
    RetryPolicy,
)

__all__ = ["Attempt", "AttemptOutcome", "DeliveryResult", "DeliveryStatus", "RetryPolicy"]
