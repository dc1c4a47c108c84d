"""ISO-8601 durations in weeks, days, hours, minutes and seconds: ``-P8D``, ``PT1H``, ``-P1DT6H``.

The subset SageMaker Model Monitor uses for analysis-window offsets (``start_time_offset``,
``end_time_offset``; spec/sagemaker-model-monitor.md §7.2) and that Vigil also uses for delays.
Years and months are refused: their length varies. Seconds may carry a fraction (``PT90.5S``);
every other component is a whole number. At least one component is required (``P`` and ``-PT``
are refused), and each is bounded in digits so that no text can overflow ``timedelta``.

>>> parse_duration("-P1DT2H30M")
datetime.timedelta(days=-2, seconds=77400)
>>> parse_duration("P2W")
datetime.timedelta(days=14)
"""

from __future__ import annotations

import re
from datetime import timedelta

from vigil.errors import InvalidParameterError

__all__ = ["parse_duration"]

_DURATION = re.compile(
    r"^(?P<sign>[+-])?P(?:(?P<w>\d{1,4})W)?(?:(?P<d>\d{1,5})D)?"
    r"(?:T(?:(?P<h>\d{1,6})H)?(?:(?P<m>\d{1,8})M)?(?:(?P<s>\d{1,10}(?:\.\d{1,6})?)S)?)?$"
)
_MAX = timedelta(days=999_999_999)


def parse_duration(text: str, field: str = "duration") -> timedelta:
    """``text`` as a signed :class:`~datetime.timedelta`.

    Parameters
    ----------
    text : str
        ``[+-]P[nW][nD][T[nH][nM][n[.f]S]]``; surrounding whitespace is ignored.
    field : str, default="duration"
        The name the error gives the value.

    Raises
    ------
    InvalidParameterError
        If ``text`` is not such a duration (the message says ``ISO-8601``), or it is too large
        for a ``timedelta``; the error's ``field`` is ``field``.
    """
    stripped = text.strip() if isinstance(text, str) else ""
    match = _DURATION.match(stripped)
    if match is None or not any(match.group(k) for k in "wdhms") or stripped.endswith("T"):
        raise InvalidParameterError(
            f"{field} must be an ISO-8601 duration of weeks, days, hours, minutes or seconds, "
            f"such as -PT1H, -P1D or P1DT6H. Got {text!r} instead.",
            field=field,
        )
    parts = {k: float(match.group(k) or 0) for k in "wdhms"}
    try:
        magnitude = timedelta(
            weeks=parts["w"], days=parts["d"], hours=parts["h"], minutes=parts["m"],
            seconds=parts["s"],
        )  # fmt: skip
    except OverflowError:
        raise InvalidParameterError(
            f"{field} is too large a duration. Got {text!r} instead.", field=field
        ) from None
    return -magnitude if match.group("sign") == "-" else magnitude
