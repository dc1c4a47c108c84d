"""StateReason texts, StateReasonData JSON and time stamps in CloudWatch's own formats.

Existing consumers parse these strings (alarm-to-chat bridges, runbooks matching
``Threshold Crossed: no datapoints were received``), so Vigil writes them as CloudWatch does
(spec alarms-events-registry.md §1.4). The forms, from CloudWatch's documentation and recorded
real alarms:

* ``Unchecked: Initial alarm creation`` — a new alarm.
* With ``DatapointsToAlarm`` given (the *M of N* form)::

    Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was
    greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).
    Threshold Crossed: 1 out of the last 20 datapoints [613.0 (16/03/24 12:15:00)] was greater
    than or equal to the threshold (1.0) and 19 missing datapoints were treated as [NonBreaching]
    (minimum 1 datapoint for OK -> ALARM transition).

* Without it (``M = N`` implied; the older form)::

    Threshold Crossed: 3 datapoints [2.0 (19/08/26 05:50:00), 3.0 (19/08/26 05:47:00), 1.0
    (19/08/26 05:44:00)] were greater than the threshold (0.0).
    Threshold Crossed: 1 datapoint [2.0 (19/08/26 09:36:00)] was not less than or equal to the
    threshold (0.0) and 7 missing datapoints were treated as [Breaching].

* No data at all: ``Threshold Crossed: no datapoints were received for 2 periods and 2 missing
  datapoints were treated as [Breaching].`` (``1 period`` / ``1 missing datapoint was``), and
  ``Insufficient Data: 5 datapoints were unknown.``

The listed datapoints are those that make the new state (the breaching ones for ALARM, the
others for OK), newest first, each ``value (dd/MM/yy HH:mm:ss)`` with the value printed as Java
prints a double (:func:`java_double`). For OK the minimum is ``N - M + 1`` (the fewest
non-breaching points that keep an alarm out of ALARM). One case has no recorded example and is
Vigil's reconstruction from the third-party wording ``1 datapoint was received for 3 periods and
2 missing datapoints were treated as [Breaching]``: a state decided by filled periods while no
real datapoint is on the state's side.

StateReasonData is a JSON *string*: ``version``, ``queryDate``, ``startDate`` (start of the
oldest real datapoint in the evaluation range; absent when there is none), ``unit`` (if the
alarm has one), ``statistic``, ``period``, ``recentDatapoints`` (the real values of the range,
oldest first), ``threshold`` and ``evaluatedDatapoints`` (the evaluated periods, newest first;
``{"timestamp"}`` alone for a missing one, else with ``sampleCount`` and ``value``). Numbers are
written as Java writes doubles (``50.0``, ``1.0E7``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from json.encoder import encode_basestring as _quote  # JSON string literal, UTF-8 kept
from typing import Any, Literal

__all__ = [
    "INITIAL_REASON",
    "OPERATOR_WORDS",
    "event_time",
    "insufficient_data_reason",
    "java_double",
    "java_json",
    "reason_time",
    "stamp",
    "threshold_crossed_reason",
]

INITIAL_REASON = "Unchecked: Initial alarm creation"
"""The StateReason of a newly created alarm."""

OPERATOR_WORDS: Mapping[str, str] = {
    "GreaterThanThreshold": "greater than",
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}
"""How a StateReason reads each comparison operator."""

FillTreatment = Literal["Breaching", "NonBreaching"]


def java_double(value: float) -> str:
    """``value`` as Java's ``Double.toString`` writes it (CloudWatch's reasons are Java's).

    Decimal notation with at least one fractional digit for 1e-3 <= |value| < 1e7, otherwise
    ``d.dddE±n``; the shortest digits that round-trip.

    Examples
    --------
    >>> [java_double(v) for v in (50.0, 0.2, 99.50160229693434, 1e7, 1.5e-5, -0.0, 123456.75)]
    ['50.0', '0.2', '99.50160229693434', '1.0E7', '1.5E-5', '-0.0', '123456.75']
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        text = repr(float(value))
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(float(value))).as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    numerals = "".join(map(str, digits)).rstrip("0") or "0"
    scientific = len(digits) + exponent - 1
    mantissa = numerals[0] + "." + (numerals[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{scientific}"


def java_json(value: Any) -> str:
    """Compact JSON with floats written by :func:`java_double` (keys in the given order).

    >>> java_json({"threshold": 50.0, "period": 300, "recent": [1e7], "unit": None})
    '{"threshold":50.0,"period":300,"recent":[1.0E7],"unit":null}'
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_quote(str(k))}:{java_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(java_json(v) for v in value) + "]"
    raise TypeError(f"java_json cannot write {type(value).__name__}")


def stamp(moment: datetime) -> str:
    """``moment`` as CloudWatch stamps JSON times: ``2019-10-02T17:04:40.985+0000`` (UTC).

    >>> from datetime import datetime, UTC
    >>> stamp(datetime(2019, 10, 2, 17, 4, 40, 985123, tzinfo=UTC))
    '2019-10-02T17:04:40.985+0000'
    """
    u = moment.astimezone(UTC)
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}"
        f".{u.microsecond // 1000:03d}+0000"
    )


def reason_time(moment: datetime) -> str:
    """``moment`` as a StateReason prints a datapoint's time: ``dd/MM/yy HH:mm:ss`` (UTC).

    >>> from datetime import datetime, UTC
    >>> reason_time(datetime(2019, 10, 2, 16, 59, tzinfo=UTC))
    '02/10/19 16:59:00'
    """
    u = moment.astimezone(UTC)
    return (
        f"{u.day:02d}/{u.month:02d}/{u.year % 100:02d} {u.hour:02d}:{u.minute:02d}:{u.second:02d}"
    )


def event_time(moment: datetime) -> str:
    """``moment`` as an EventBridge envelope's ``time``: RFC 3339 to the second, ``Z``.

    >>> from datetime import datetime, UTC
    >>> event_time(datetime(2019, 10, 2, 17, 4, 40, 985000, tzinfo=UTC))
    '2019-10-02T17:04:40Z'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plural(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def _missing_clause(fills: int, treatment: FillTreatment) -> str:
    return (
        f"{fills} missing {_plural(fills, 'datapoint was', 'datapoints were')} "
        f"treated as [{treatment}]"
    )


def threshold_crossed_reason(
    *,
    alarm_state: Literal["ALARM", "OK"],
    listed: Sequence[tuple[float, datetime]],
    real_count: int,
    evaluation_periods: int,
    datapoints_to_alarm: int | None,
    comparison_operator: str,
    threshold: float,
    fills: int = 0,
    fill_treatment: FillTreatment | None = None,
) -> str:
    """The ``Threshold Crossed: …`` StateReason of a transition to ALARM or OK.

    Parameters
    ----------
    alarm_state : {"ALARM", "OK"}
        The new state.
    listed : sequence of (value, period start)
        The real datapoints on the new state's side (breaching for ALARM), newest first.
    real_count : int
        Real (non-missing) datapoints among the evaluated ones.
    evaluation_periods : int
        N.
    datapoints_to_alarm : int or None
        M as configured; ``None`` when it was omitted (the older, shorter form).
    comparison_operator : str
        One of :data:`OPERATOR_WORDS`.
    threshold : float
    fills : int, default=0
        Missing periods that were filled.
    fill_treatment : {"Breaching", "NonBreaching"}, optional
        How the fills were treated; ``None`` when they were not counted (``missing``/``ignore``).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> threshold_crossed_reason(
    ...     alarm_state="ALARM", listed=[(99.50160229693434, datetime(2019, 10, 2, 16, 59, tzinfo=UTC))],
    ...     real_count=1, evaluation_periods=1, datapoints_to_alarm=1,
    ...     comparison_operator="GreaterThanThreshold", threshold=50.0)
    'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).'
    """
    words = OPERATOR_WORDS[comparison_operator]
    negation = "" if alarm_state == "ALARM" else "not "
    missing = f" and {_missing_clause(fills, fill_treatment)}" if fills and fill_treatment else ""
    if real_count == 0:
        return (
            f"Threshold Crossed: no datapoints were received for {fills} "
            f"{_plural(fills, 'period', 'periods')}{missing}."
        )
    if not listed:
        return (
            f"Threshold Crossed: {real_count} "
            f"{_plural(real_count, 'datapoint was', 'datapoints were')} received for "
            f"{evaluation_periods} {_plural(evaluation_periods, 'period', 'periods')}{missing}."
        )
    count = len(listed)
    points = ", ".join(f"{java_double(v)} ({reason_time(t)})" for v, t in listed)
    verb = _plural(count, "was", "were")
    tail = f"{verb} {negation}{words} the threshold ({java_double(threshold)}){missing}"
    if datapoints_to_alarm is None:
        return f"Threshold Crossed: {count} {_plural(count, 'datapoint', 'datapoints')} [{points}] {tail}."
    if alarm_state == "ALARM":
        minimum, transition = datapoints_to_alarm, "OK -> ALARM"
    else:
        minimum, transition = evaluation_periods - datapoints_to_alarm + 1, "ALARM -> OK"
    return (
        f"Threshold Crossed: {count} out of the last {evaluation_periods} datapoints "
        f"[{points}] {tail} (minimum {minimum} {_plural(minimum, 'datapoint', 'datapoints')} "
        f"for {transition} transition)."
    )


def insufficient_data_reason(unknown: int) -> str:
    """``Insufficient Data: 5 datapoints were unknown.`` for ``unknown`` missing periods.

    >>> insufficient_data_reason(1)
    'Insufficient Data: 1 datapoint was unknown.'
    """
    return f"Insufficient Data: {unknown} {_plural(unknown, 'datapoint was', 'datapoints were')} unknown."
