"""ISO-8601 durations: the grammar shared by analysis-window offsets and label delays."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.core.duration import parse_duration
from vigil.errors import InvalidParameterError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-P8D", timedelta(days=-8)),
        ("PT1H", timedelta(hours=1)),
        ("+P1DT6H", timedelta(days=1, hours=6)),
        ("-P1W2DT3H4M5.25S", -timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5.25)),
        (" -PT0S ", timedelta(0)),
        ("P99999D", timedelta(days=99999)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "P", "-PT", "P1DT", "P1Y", "P1M", "8D", "PT1.5H", "P1D2H", "-P123456D", "1h"]
)
def test_refused_durations_name_the_field(text: str) -> None:
    with pytest.raises(InvalidParameterError, match="ISO-8601") as caught:
        parse_duration(text, "max_label_delay")
    assert caught.value.field == "max_label_delay"


@given(
    st.sampled_from(["", "-", "+"]),
    st.integers(0, 9999),
    st.integers(0, 99999),
    st.integers(0, 999999),
    st.integers(0, 99_999_999),
)
def test_components_add_up(sign: str, w: int, d: int, h: int, m: int) -> None:
    text = f"{sign}P{w}W{d}DT{h}H{m}M"
    magnitude = timedelta(weeks=w, days=d, hours=h, minutes=m)
    assert parse_duration(text) == (-magnitude if sign == "-" else magnitude)


@given(st.text(max_size=30))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    with contextlib.suppress(InvalidParameterError):
        assert isinstance(parse_duration(text), timedelta)
