"""Schedule expressions, ISO-8601 offsets and analysis windows (spec §7.1, §7.2).

Expressions
    - SageMaker's ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``: ``?`` means any,
      day-of-week is 1-7 = SUN-SAT (names too), Year must be ``*``. Hourly is
      ``cron(0 * ? * * *)``, daily at 05:00 UTC ``cron(0 5 ? * * *)``, every 12 hours from 17:00
      ``cron(0 17/12 ? * * *)``. SageMaker allows only whole-hour rates; Vigil also runs
      ``cron(*/10 * ? * * *)``.
    - Standard 5-field cron (``*/5 * * * *``, day-of-week 0-7 = SUN-SAT) and the aliases
      ``@hourly``, ``@daily``, ``@midnight``, ``@weekly``, ``@monthly``, ``@yearly``.
    - ``NOW``: one execution, right away; needs both offsets.

    Times are UTC. The finest schedule runs every minute.

Windows
    An execution nominally at ``T`` analyses the previous period ``[P, T)``, ``P`` the nominal
    time before ``T`` (``[T-1h, T)`` hourly, ``[T-24h, T)`` daily). With offsets
    (``data_analysis_start_time``/``data_analysis_end_time``, ISO-8601 durations such as
    ``-PT1H``, ``-P1D``, zero or negative) the window is ``[T + start, T + end)`` instead:
    SageMaker's ``StartTimeOffset=-P8D, EndTimeOffset=-P1D`` at ``2020-01-09T13:00`` analyse
    ``2020-01-01T13:00``–``2020-01-08T13:00``.

>>> from datetime import datetime, UTC
>>> hourly = ScheduleExpression.parse("cron(0 * ? * * *)")
>>> w = hourly.window(datetime(2024, 5, 1, 5, tzinfo=UTC))
>>> w.start.isoformat(), w.end.isoformat()
('2024-05-01T04:00:00+00:00', '2024-05-01T05:00:00+00:00')
>>> parse_offset("-P1DT2H")
datetime.timedelta(days=-2, seconds=79200)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from croniter import croniter

from vigil.core.duration import parse_duration
from vigil.errors import InvalidParameterError

__all__ = [
    "MAX_OFFSET",
    "ScheduleExpression",
    "Window",
    "analysis_window",
    "format_offset",
    "parse_delay",
    "parse_offset",
]

MAX_OFFSET = timedelta(days=366)
"""Largest offset (and window length) accepted."""

_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_AWS = re.compile(r"^cron\((?P<body>[^()]*)\)$", re.IGNORECASE)
_FIELD = re.compile(r"^[0-9A-Za-z*?,/#\-]+$")
_FIELD_NAME = "schedule_expression"


def _utc(when: datetime) -> datetime:
    """``when`` in UTC, without croniter's ``fold=1``."""
    return when.astimezone(UTC).replace(fold=0)


def _bad(message: str, value: str, field: str = _FIELD_NAME) -> InvalidParameterError:
    return InvalidParameterError(f"{field} {message}. Got {value!r} instead.", field=field)


def _aws_day_of_week(field: str, value: str) -> str:
    """AWS day-of-week numbers 1-7 (SUN=1) → cron 0-6; names pass through."""
    if "L" in field.upper() or "W" in field.upper().replace("WED", ""):
        raise _bad("must not use L or W in the day-of-week field of cron(...)", value)

    def shift(match: re.Match[str]) -> str:
        n = int(match.group(0))
        if not 1 <= n <= 7:
            raise _bad("must use day-of-week numbers 1-7 (1 = SUN) in cron(...)", value)
        return str(n - 1)

    out = []
    for part in field.split(","):
        base, slash, step = part.partition("/")
        day, hash_, nth = base.partition("#")
        out.append(re.sub(r"\d+", shift, day) + hash_ + nth + slash + step)
    return ",".join(out)


def _from_aws(body: str, value: str) -> str:
    fields = body.split()
    if len(fields) != 6:
        raise _bad(
            "must have 6 fields inside cron(...): Minutes Hours Day-of-month Month "
            "Day-of-week Year",
            value,
        )
    minute, hour, dom, month, dow, year = fields
    if year not in ("*", "?"):
        raise _bad("must have * as the Year field of cron(...)", value)
    if dom == "?" and dow == "?":
        raise _bad("must not have ? in both day fields of cron(...)", value)
    dom = "*" if dom == "?" else dom
    dow = "*" if dow == "?" else _aws_day_of_week(dow, value)
    return " ".join([minute, hour, dom, month, dow])


@dataclass(frozen=True)
class Window:
    """An analysis window ``[start, end)`` in UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class ScheduleExpression:
    """A parsed schedule expression.

    Attributes
    ----------
    text : str
        As given.
    kind : {"cron", "now"}
    cron : str or None
        The equivalent standard 5-field cron expression (None for ``NOW``).
    sub_hourly : bool
        Whether it fires more than once an hour (outputs then get a minute folder).
    """

    text: str
    kind: Literal["cron", "now"]
    cron: str | None = None
    sub_hourly: bool = False

    @classmethod
    def parse(cls, text: str) -> ScheduleExpression:
        """Parse a schedule expression.

        Raises
        ------
        InvalidParameterError
            With field ``schedule_expression`` and what is wrong.
        """
        if not isinstance(text, str) or not text.strip() or len(text) > 256:
            raise _bad("must be cron(...), a 5-field cron expression, an @alias or NOW", text)
        value = text.strip()
        if value.upper() == "NOW":
            return cls(text=value, kind="now")
        aws = _AWS.match(value)
        if aws:
            expr = _from_aws(aws.group("body"), value)
        elif value.lower() in _ALIASES:
            expr = _ALIASES[value.lower()]
        elif value.startswith("@"):
            raise _bad(f"must be one of the aliases {', '.join(sorted(_ALIASES))}", value)
        else:
            expr = " ".join(value.split())
            if len(expr.split()) != 5:
                raise _bad(
                    "must be cron(...) with 6 fields, or a standard cron expression with 5 fields "
                    "(minute hour day-of-month month day-of-week; no seconds)",
                    value,
                )
        if not all(_FIELD.match(f) for f in expr.split()) or "?" in expr:
            raise _bad("has characters cron does not know", value)
        reference = datetime(2024, 1, 1, tzinfo=UTC)
        try:
            iterator = croniter(expr, reference)
            iterator.get_next(datetime)
            minutes = iterator.expanded[0]
        except Exception as exc:  # croniter's errors, and whatever a malformed field raises
            raise _bad(f"is not a valid cron expression ({exc})", value) from exc
        sub_hourly = minutes == ["*"] or len(minutes) > 1
        return cls(text=value, kind="cron", cron=expr, sub_hourly=sub_hourly)

    @property
    def one_time(self) -> bool:
        """Whether this is ``NOW`` (one execution, then nothing)."""
        return self.kind == "now"

    def next_after(self, when: datetime) -> datetime | None:
        """The first nominal time strictly after ``when`` (None for ``NOW``)."""
        if self.cron is None:
            return None
        result: datetime = croniter(self.cron, _utc(when)).get_next(datetime)
        return _utc(result)

    def previous_before(self, when: datetime) -> datetime:
        """The last nominal time strictly before ``when``."""
        if self.cron is None:
            raise InvalidParameterError("a NOW schedule has no previous time", field=_FIELD_NAME)
        result: datetime = croniter(self.cron, _utc(when)).get_prev(datetime)
        return _utc(result)

    def times_between(
        self, after: datetime, until: datetime, *, limit: int
    ) -> tuple[list[datetime], bool]:
        """The nominal times ``T`` with ``after < T <= until``: the latest ``limit``, oldest first.

        Returns
        -------
        (times, more) : tuple
            ``more`` is True when older times were left out because of ``limit``.
        """
        if self.cron is None or until <= after:
            return [], False
        iterator = croniter(self.cron, _utc(until + timedelta(microseconds=1)))
        times: list[datetime] = []
        while True:
            t = _utc(iterator.get_prev(datetime))
            if t <= after:
                return times[::-1], False
            if len(times) == limit:
                return times[::-1], True
            times.append(t)

    def window(
        self,
        nominal: datetime,
        start_offset: timedelta | None = None,
        end_offset: timedelta | None = None,
    ) -> Window:
        """The analysis window of the execution nominally at ``nominal``.

        Without offsets, the previous period ``[previous nominal time, nominal)``; with both,
        ``[nominal + start_offset, nominal + end_offset)``.
        """
        nominal = _utc(nominal)
        if start_offset is not None and end_offset is not None:
            return Window(nominal + start_offset, nominal + end_offset)
        if self.cron is None:
            raise InvalidParameterError(
                "a NOW schedule needs data_analysis_start_time and data_analysis_end_time",
                field="data_analysis_start_time",
            )
        return Window(self.previous_before(nominal), nominal)


def parse_offset(text: str, field: str = "data_analysis_start_time") -> timedelta:
    """An ISO-8601 duration relative to the nominal time: zero or negative (``-PT1H``, ``-P1D``).

    The grammar of :func:`vigil.core.duration.parse_duration` (weeks, days, hours, minutes,
    seconds), at most :data:`MAX_OFFSET`.

    Raises
    ------
    InvalidParameterError
        Naming ``field``.
    """
    offset = parse_duration(text, field)
    if -offset > MAX_OFFSET:
        raise _bad(f"must not exceed {MAX_OFFSET.days} days", text, field)
    if offset > timedelta(0):
        raise _bad("must be zero or negative (a window ends no later than its run)", text, field)
    return offset


def parse_delay(text: str, field: str = "max_label_delay") -> timedelta:
    """An ISO-8601 duration that is zero or positive (``P30D``, ``PT6H``, ``+P1DT12H``).

    The same grammar as :func:`parse_offset` (weeks, days, hours, minutes, seconds; at most
    366 days), for delays such as how long labels take to arrive.

    Raises
    ------
    InvalidParameterError
        Naming ``field``.

    Examples
    --------
    >>> parse_delay("P30D"), parse_delay("PT6H")
    (datetime.timedelta(days=30), datetime.timedelta(seconds=21600))
    """
    stripped = text.strip() if isinstance(text, str) else ""
    if stripped.startswith("-"):
        raise _bad("must be zero or positive, such as P30D or PT6H", text, field)
    try:
        return -parse_offset("-" + stripped.removeprefix("+"), field)
    except InvalidParameterError:
        raise _bad(
            "must be an ISO-8601 duration of weeks, days, hours, minutes or seconds such as "
            f"P30D or PT6H, at most {MAX_OFFSET.days} days",
            text,
            field,
        ) from None


def analysis_window(
    scheduled_time: datetime, start_time_offset: str, end_time_offset: str
) -> tuple[datetime, datetime]:
    """The window an execution analyses: ``scheduled_time`` plus each offset, in UTC.

    SageMaker's ``StartTimeOffset`` / ``EndTimeOffset`` (model quality, bias and attribution
    monitors look back past the capture to when labels have arrived).

    Examples
    --------
    >>> start, end = analysis_window(datetime(2020, 1, 9, 13, tzinfo=UTC), "-P8D", "-P1D")
    >>> start.isoformat(), end.isoformat()
    ('2020-01-01T13:00:00+00:00', '2020-01-08T13:00:00+00:00')

    Raises
    ------
    InvalidParameterError
        If an offset is not a zero or negative ISO-8601 duration, ``scheduled_time`` is naive,
        or the window would end before it starts.
    """
    if scheduled_time.tzinfo is None:
        raise InvalidParameterError(
            f"scheduled_time of analysis_window must be timezone-aware. Got {scheduled_time!r} "
            "instead.",
            field="scheduled_time",
        )
    start = scheduled_time + parse_offset(start_time_offset, "start_time_offset")
    end = scheduled_time + parse_offset(end_time_offset, "end_time_offset")
    if end < start:
        raise InvalidParameterError(
            f"end_time_offset {end_time_offset!r} must not be before start_time_offset "
            f"{start_time_offset!r}.",
            field="end_time_offset",
        )
    return start.astimezone(UTC), end.astimezone(UTC)


def format_offset(offset: timedelta) -> str:
    """The ISO-8601 text of a zero or negative offset.

    >>> format_offset(timedelta(hours=-25))
    '-P1DT1H'
    >>> format_offset(timedelta(0))
    'PT0S'
    """
    seconds = round(-offset.total_seconds())
    if seconds == 0:
        return "PT0S"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    time = "".join(f"{v}{u}" for v, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if v)
    return "-P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
