"""Schedule expressions, offsets and windows (spec §7.1-7.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.api.expressions import ScheduleExpression, format_offset, parse_offset
from vigil.errors import InvalidParameterError

T = datetime(2020, 2, 20, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "cron", "sub_hourly"),
    [
        ("cron(0 * ? * * *)", "0 * * * *", False),  # SDK hourly()
        ("cron(0 0 ? * * *)", "0 0 * * *", False),  # SDK daily()
        ("cron(0 17/12 ? * * *)", "0 17/12 * * *", False),  # daily_every_x_hours(12, 17)
        ("cron(0 5 ? * 2-6 *)", "0 5 * * 1-5", False),  # AWS MON-FRI as numbers
        ("cron(0 5 ? * 6#3 *)", "0 5 * * 5#3", False),  # third Friday
        ("cron(0 5 1 * ? *)", "0 5 1 * *", False),
        ("cron(*/10 * ? * * *)", "*/10 * * * *", True),  # sub-hour: Vigil only
        ("*/5 * * * *", "*/5 * * * *", True),
        ("* * * * *", "* * * * *", True),
        ("@hourly", "0 * * * *", False),
        ("@daily", "0 0 * * *", False),
        ("  0  6 * * MON ", "0 6 * * MON", False),
    ],
)
def test_accepted_expressions(text: str, cron: str, sub_hourly: bool) -> None:
    expression = ScheduleExpression.parse(text)
    assert (expression.kind, expression.cron, expression.sub_hourly) == ("cron", cron, sub_hourly)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "must be cron"),
        ("cron(0 * * * *)", "6 fields"),
        ("cron(0 * ? * * 2024)", "Year"),
        ("cron(0 0 ? * ? *)", "both day fields"),
        ("cron(0 0 ? * 8 *)", "1-7"),
        ("cron(0 0 ? * L *)", "L or W"),
        ("* * * * * *", "no seconds"),
        ("0 0 30 2 *", "not a valid cron"),  # never fires
        ("61 * * * *", "not a valid cron"),
        ("@reboot", "aliases"),
        ("rate(1 hour)", "5 fields"),
        ("0 0 ; rm *", "characters"),
    ],
)
def test_refused_expressions_name_the_field(text: str, says: str) -> None:
    with pytest.raises(InvalidParameterError, match=says) as caught:
        ScheduleExpression.parse(text)
    assert caught.value.field == "schedule_expression"


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        expression = ScheduleExpression.parse(text)
    except InvalidParameterError:
        return
    if expression.cron is not None:
        nxt = expression.next_after(T)
        assert nxt is not None and nxt > T


def test_windows_are_the_previous_period_ending_at_the_nominal_time() -> None:
    hourly = ScheduleExpression.parse("cron(0 * ? * * *)")
    w = hourly.window(T)
    assert (w.start, w.end) == (T - timedelta(hours=1), T)
    # the BYOC example: a daily job at 05:00 on 2020-02-20 analyses from 2020-02-19T06:00 …
    daily = ScheduleExpression.parse("cron(0 5 ? * * *)")
    w = daily.window(T)
    assert (w.start, w.end) == (T - timedelta(days=1), T)
    twice = ScheduleExpression.parse("cron(0 5,17 ? * * *)")
    assert twice.window(T).start == T - timedelta(hours=12)


def test_offsets_shift_the_window_as_in_the_model_quality_example() -> None:
    run = datetime(2020, 1, 9, 13, tzinfo=UTC)
    daily = ScheduleExpression.parse("cron(0 13 ? * * *)")
    w = daily.window(run, parse_offset("-P8D"), parse_offset("-P1D"))
    assert (w.start, w.end) == (
        datetime(2020, 1, 1, 13, tzinfo=UTC),
        datetime(2020, 1, 8, 13, tzinfo=UTC),
    )
    now = ScheduleExpression.parse("NOW")
    assert now.one_time and now.next_after(run) is None
    w = now.window(run, parse_offset("-PT6H"), parse_offset("-PT0H"))
    assert (w.start, w.end) == (run - timedelta(hours=6), run)
    with pytest.raises(InvalidParameterError, match="needs data_analysis"):
        now.window(run)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("-PT1H", timedelta(hours=-1)),
        ("-P1D", timedelta(days=-1)),
        ("-P1DT2H30M", -timedelta(days=1, hours=2, minutes=30)),
        ("-P2W", timedelta(weeks=-2)),
        ("PT0H", timedelta(0)),
        ("-PT0S", timedelta(0)),
        ("-PT90.5S", timedelta(seconds=-90.5)),
    ],
)
def test_offsets(text: str, offset: timedelta) -> None:
    assert parse_offset(text) == offset


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("PT1H", "zero or negative"),
        ("-P1Y", "ISO-8601"),
        ("-P1M", "ISO-8601"),
        ("-PT", "ISO-8601"),
        ("P", "ISO-8601"),
        ("-P400D", "366 days"),
        ("1h", "ISO-8601"),
    ],
)
def test_bad_offsets_name_their_field(text: str, says: str) -> None:
    with pytest.raises(InvalidParameterError, match=says) as caught:
        parse_offset(text, "data_analysis_end_time")
    assert caught.value.field == "data_analysis_end_time"


def test_format_offset_round_trips() -> None:
    for text in ("-PT1H", "-P1D", "-P1DT2H30M", "PT0S", "-PT45S"):
        assert format_offset(parse_offset(text)) == text


def test_catch_up_gives_the_latest_times_oldest_first() -> None:
    hourly = ScheduleExpression.parse("@hourly")
    after, until = T, T + timedelta(hours=30)
    times, more = hourly.times_between(after, until, limit=5)
    assert more and times == [T + timedelta(hours=h) for h in range(26, 31)]
    times, more = hourly.times_between(after, until, limit=100)
    assert not more and len(times) == 30 and times[0] == T + timedelta(hours=1)
    assert hourly.times_between(until, until, limit=5) == ([], False)
    every_15 = ScheduleExpression.parse("*/15 * * * *")
    times, _ = every_15.times_between(T, T + timedelta(hours=1), limit=100)
    assert [t.minute for t in times] == [15, 30, 45, 0]
