"""Alarm history items in DescribeAlarmHistory's shape (spec alarms-events-registry.md §1.5).

``StateUpdate`` items record transitions (``Alarm updated from ALARM to OK``), ``ConfigurationUpdate``
items creations and updates (``Alarm "<name>" created``). History data is JSON text whose
numbers are written as CloudWatch (Java) writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from vigil.alerting.definition import AlarmState, MetricAlarm
from vigil.alerting.reasons import java_json, stamp

__all__ = [
    "AlarmHistoryItem",
    "alarm_created_history",
    "alarm_updated_history",
    "state_update_history",
]


@dataclass(frozen=True, slots=True)
class AlarmHistoryItem:
    """One DescribeAlarmHistory item.

    Attributes
    ----------
    alarm_name : str
    timestamp : datetime
    history_item_type : {"ConfigurationUpdate", "StateUpdate", "Action"}
    history_summary : str
        At most 255 characters.
    history_data : str
        JSON text, at most 4095 characters.
    alarm_type : str, default="MetricAlarm"
    """

    alarm_name: str
    timestamp: datetime
    history_item_type: Literal["ConfigurationUpdate", "StateUpdate", "Action"]
    history_summary: str
    history_data: str
    alarm_type: str = "MetricAlarm"

    def to_dict(self) -> dict[str, Any]:
        """The item as DescribeAlarmHistory returns it."""
        return {
            "AlarmName": self.alarm_name,
            "AlarmType": self.alarm_type,
            "Timestamp": stamp(self.timestamp),
            "HistoryItemType": self.history_item_type,
            "HistorySummary": self.history_summary,
            "HistoryData": self.history_data,
        }


def _state_json(state: AlarmState) -> str:
    parts = [
        f'"stateValue":{java_json(state.value.value)}',
        f'"stateReason":{java_json(state.reason)}',
    ]
    if state.reason_data is not None:
        parts.append(f'"stateReasonData":{state.reason_data}')
    return "{" + ",".join(parts) + "}"


def state_update_history(alarm_name: str, old: AlarmState, new: AlarmState) -> AlarmHistoryItem:
    """The StateUpdate item of a transition (CLI example of DescribeAlarmHistory).

    Summary ``Alarm updated from ALARM to OK``; data ``{"version":"1.0","oldState":{...},
    "newState":{"stateValue","stateReason","stateReasonData":{...}}}`` with the reason data as an
    object, not a string.
    """
    data = (
        '{"version":"1.0","oldState":' + _state_json(old) + ',"newState":' + _state_json(new) + "}"
    )
    return AlarmHistoryItem(
        alarm_name=alarm_name,
        timestamp=new.timestamp,
        history_item_type="StateUpdate",
        history_summary=f"Alarm updated from {old.value.value} to {new.value.value}",
        history_data=data,
    )


def alarm_created_history(alarm: MetricAlarm, state: AlarmState, now: datetime) -> AlarmHistoryItem:
    """The ConfigurationUpdate item of a creation: ``Alarm "<name>" created``."""
    created = {**_compact(alarm.history_fields()), "stateValue": state.value.value}
    return AlarmHistoryItem(
        alarm_name=alarm.alarm_name,
        timestamp=now.astimezone(UTC),
        history_item_type="ConfigurationUpdate",
        history_summary=f'Alarm "{alarm.alarm_name}" created'[:255],
        history_data=java_json({"version": "1.0", "type": "Create", "createdAlarm": created}),
    )


def alarm_updated_history(old: MetricAlarm, new: MetricAlarm, now: datetime) -> AlarmHistoryItem:
    """The ConfigurationUpdate item of an update: ``Alarm "<name>" updated``.

    Data ``{"version":"1.0","type":"Update","updatedAlarm":{...},"originalUpdatedFields":{...}}``
    where ``originalUpdatedFields`` holds the previous values of the fields that changed.
    """
    before, after = old.history_fields(), new.history_fields()
    original = {k: v for k, v in before.items() if after.get(k) != v}
    return AlarmHistoryItem(
        alarm_name=new.alarm_name,
        timestamp=now.astimezone(UTC),
        history_item_type="ConfigurationUpdate",
        history_summary=f'Alarm "{new.alarm_name}" updated'[:255],
        history_data=java_json(
            {
                "version": "1.0",
                "type": "Update",
                "updatedAlarm": _compact(after),
                "originalUpdatedFields": original,
            }
        ),
    )


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}
