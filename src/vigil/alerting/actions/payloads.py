"""Webhook bodies: the event itself, or shaped for Slack or PagerDuty.

``event``
    The event JSON as EventBridge would deliver it (the default).
``slack``
    A Slack *incoming webhook* message: ``text`` (the notification fallback) and ``blocks`` — a
    header, a section with the details in Slack's ``mrkdwn`` and a context line (Slack API,
    *Sending messages using incoming webhooks*, *Block Kit*; header text at most 150
    characters, section text at most 3000).
``pagerduty``
    A PagerDuty *Events API v2* event (``POST https://events.pagerduty.com/v2/enqueue``):
    ``routing_key`` (the integration key), ``event_action``, ``dedup_key`` and, to trigger,
    ``payload{summary (<= 1024 characters), source, severity, timestamp, component, group,
    class, custom_details}``. An alarm going to ALARM *triggers*, back to OK *resolves*, to
    INSUFFICIENT_DATA triggers with severity ``warning``; the ``dedup_key`` is the alarm's ARN,
    so the resolve closes the incident the trigger opened. Other events trigger with the
    event's first resource as ``dedup_key`` (its id when it has none): ``error`` for a
    violation report or a failed or stopped job, ``info`` otherwise.

All functions are pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from vigil.errors import InvalidParameterError

__all__ = ["Template", "pagerduty_payload", "render", "slack_payload", "summary"]

Template = Literal["event", "slack", "pagerduty"]

_ALARM = "CloudWatch Alarm State Change"
_FAILED_STATUSES = {"Failed", "Stopped"}


def _detail(event: Mapping[str, Any]) -> Mapping[str, Any]:
    detail = event.get("detail")
    return detail if isinstance(detail, Mapping) else {}


def summary(event: Mapping[str, Any]) -> str:
    """One line that says what happened.

    >>> summary({"detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
    ...          "detail": {"alarmName": "churn-age-drift", "state": {"value": "ALARM",
    ...          "reason": "Threshold Crossed: ..."}, "previousState": {"value": "OK"}}})
    'ALARM: "churn-age-drift" (OK -> ALARM). Threshold Crossed: ...'
    """
    kind = str(event.get("detail-type", "Event"))
    detail = _detail(event)
    if kind == _ALARM:
        state = detail.get("state", {})
        before = detail.get("previousState", {}).get("value", "?")
        return (
            f'{state.get("value", "?")}: "{detail.get("alarmName", "?")}" '
            f"({before} -> {state.get('value', '?')}). {state.get('reason', '')}".rstrip()
        )
    if kind == "Vigil Violation Report":
        count = detail.get("ViolationCount", 0)
        where = f" on endpoint {detail['EndpointName']}" if detail.get("EndpointName") else ""
        return (
            f"{count} violation{'s' if count != 1 else ''} in monitoring schedule "
            f"{detail.get('MonitoringScheduleName', '?')} ({detail.get('MonitoringType', '?')})"
            f"{where}, scheduled {detail.get('ScheduledTime', '?')}."
        )
    if kind == "SageMaker Processing Job State Change":
        text = f"Processing job {detail.get('ProcessingJobName', '?')} is {detail.get('ProcessingJobStatus', '?')}."
        reason = detail.get("FailureReason") or detail.get("ExitMessage")
        return f"{text} {reason}" if reason else text
    if kind == "SageMaker Monitoring Schedule State Change":
        last = detail.get("LastMonitoringExecutionSummary", {})
        text = (
            f"Monitoring schedule {detail.get('MonitoringScheduleName', '?')} is "
            f"{detail.get('MonitoringScheduleStatus', '?')}"
        )
        if last:
            text += f"; last execution {last.get('MonitoringExecutionStatus', '?')}"
        return text + "."
    return f"{kind} from {event.get('source', '?')}."


def _title(event: Mapping[str, Any]) -> str:
    detail = _detail(event)
    if event.get("detail-type") == _ALARM:
        return f"{detail.get('state', {}).get('value', '?')}: {detail.get('alarmName', '?')}"
    return str(event.get("detail-type", "Event"))


def slack_payload(event: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message for ``event``.

    >>> message = slack_payload({"detail-type": "Thing", "source": "vigil.test",
    ...                          "time": "2026-12-07T10:05:12Z", "resources": [], "detail": {}})
    >>> message["text"], [b["type"] for b in message["blocks"]]
    ('Thing from vigil.test.', ['header', 'section', 'context'])
    """
    line = summary(event)
    detail = _detail(event)
    body = [line]
    if event.get("detail-type") == "Vigil Violation Report":
        for violation in detail.get("Violations", [])[:10]:
            subject = violation.get("feature_name") or violation.get("metric_name", "?")
            body.append(
                f"• `{subject}` {violation.get('constraint_check_type', '')}: "
                f"{violation.get('description', '')}"
            )
    resources = ", ".join(str(r) for r in event.get("resources", []))
    context = " · ".join(
        x for x in (str(event.get("source", "")), str(event.get("time", "")), resources) if x
    )
    return {
        "text": line[:3000],
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": _title(event)[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(body)[:3000]}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context[:3000] or "-"}]},
        ],
    }


def pagerduty_payload(event: Mapping[str, Any], routing_key: str) -> dict[str, Any]:
    """A PagerDuty Events API v2 event for ``event``.

    Raises
    ------
    InvalidParameterError
        If ``routing_key`` is empty.

    Examples
    --------
    >>> resolve = pagerduty_payload({"detail-type": "CloudWatch Alarm State Change",
    ...     "source": "aws.cloudwatch", "resources": ["arn:aws:cloudwatch:local:0:alarm:a"],
    ...     "detail": {"alarmName": "a", "state": {"value": "OK"}}}, "R0UT1NGKEY")
    >>> resolve
    {'routing_key': 'R0UT1NGKEY', 'event_action': 'resolve', 'dedup_key': 'arn:aws:cloudwatch:local:0:alarm:a'}
    """
    if not isinstance(routing_key, str) or not routing_key:
        raise InvalidParameterError(
            "routing_key of a PagerDuty webhook must be the integration key. "
            f"Got {routing_key!r} instead.",
            field="routing_key",
        )
    kind = str(event.get("detail-type", "Event"))
    detail = _detail(event)
    resources = [str(r) for r in event.get("resources", [])]
    if kind == _ALARM:
        value = detail.get("state", {}).get("value")
        dedup = resources[0] if resources else str(detail.get("alarmName", event.get("id", "")))
        if value == "OK":
            return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup}
        severity = "critical" if value == "ALARM" else "warning"
        metric = (detail.get("configuration", {}).get("metrics") or [{}])[0]
        metric = metric.get("metricStat", {}).get("metric", {})
        component, group = metric.get("name"), metric.get("namespace")
    else:
        dedup = resources[0] if resources else str(event.get("id", ""))
        failed = (
            kind == "Vigil Violation Report"
            or detail.get("ProcessingJobStatus") in _FAILED_STATUSES
            or detail.get("LastMonitoringExecutionSummary", {}).get("MonitoringExecutionStatus")
            in _FAILED_STATUSES
        )
        severity = "error" if failed else "info"
        component = detail.get("MonitoringScheduleName") or detail.get("ProcessingJobName")
        group = detail.get("EndpointName")
    payload: dict[str, Any] = {
        "summary": summary(event)[:1024],
        "source": resources[0] if resources else str(event.get("source", "vigil")),
        "severity": severity,
        "timestamp": event.get("time"),
        "component": component,
        "group": group,
        "class": kind,
        "custom_details": dict(detail),
    }
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup,
        "payload": {k: v for k, v in payload.items() if v is not None},
    }


def render(
    template: Template, event: Mapping[str, Any], *, routing_key: str | None = None
) -> bytes:
    """The UTF-8 JSON body of a webhook for ``event`` in ``template``.

    Raises
    ------
    InvalidParameterError
        For an unknown template, or ``pagerduty`` without a routing key.
    """
    if template == "event":
        body: Any = event
    elif template == "slack":
        body = slack_payload(event)
    elif template == "pagerduty":
        body = pagerduty_payload(event, routing_key or "")
    else:
        raise InvalidParameterError(
            f"template must be event, slack or pagerduty. Got {template!r} instead.",
            field="template",
        )
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
