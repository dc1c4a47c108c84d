"""JSON text exactly as SageMaker's analyzer writes it: Jackson's ``DefaultPrettyPrinter``.

The analyzer is a Scala/Spark program whose output files (statistics.json, constraints.json,
constraint_violations.json) are printed by Jackson's default pretty printer (spec §4.1 and the real
files in ``shared/conformance/sagemaker-real``). Its layout:

* objects: ``{`` newline, entries indented by two spaces per object level, ``"key" : value``,
  entries separated by ``,`` newline, ``}`` on its own line at the outer indent; ``{ }`` if empty;
* arrays stay on one line whatever they hold: ``[ 1.0, 2.0 ]``, ``[ {`` … ``}, {`` … ``} ]``,
  ``[ [ 3.0 ] ]``, and ``[ ]`` if empty; arrays do not add an indent level;
* doubles follow Java's ``Double.toString``: always a decimal point (``2048.0``), scientific
  notation outside ``[1e-3, 1e7)`` (``1.0E-4``, ``1.2E7``); NaN and infinities are quoted
  (``"NaN"``, ``"Infinity"``, ``"-Infinity"``: ``QUOTE_NON_NUMERIC_NUMBERS``);
* strings escape ``"``, ``\\`` and control characters (``\\n``, ``\\t``, ``\\u001F``; upper-case
  hex) and leave everything else, non-ASCII included, as is;
* no newline after the root value.

Examples
--------
>>> print(dumps({"version": 0.0, "features": [{"name": "x", "data": [1.0, 2]}], "e": {}}))
{
  "version" : 0.0,
  "features" : [ {
    "name" : "x",
    "data" : [ 1.0, 2 ]
  } ],
  "e" : { }
}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

__all__ = ["dumps", "format_double"]

_INDENT = "  "
_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_ESCAPES = {chr(i): f"\\u{i:04X}" for i in range(0x20)} | _SHORT_ESCAPES


def dumps(value: object) -> str:
    """Serialise a JSON value the way Jackson's ``DefaultPrettyPrinter`` does.

    Parameters
    ----------
    value : JSON value
        ``None``, ``bool``, ``int``, ``float``, ``str``, a mapping with ``str`` keys, or a list or
        tuple of these. Key order is kept.

    Returns
    -------
    str
        The text, without a trailing newline.

    Raises
    ------
    TypeError
        If ``value`` holds something that is not a JSON value.
    """
    parts: list[str] = []
    _write(value, 0, parts)
    return "".join(parts)


def _write(value: object, level: int, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(format_double(value))
    elif isinstance(value, str):
        out.append(_quote(value))
    elif isinstance(value, Mapping):
        _write_object(value, level, out)
    elif isinstance(value, list | tuple):
        _write_array(value, level, out)
    else:
        raise TypeError(f"value must be a JSON value. Got {type(value).__name__} instead.")


def _write_object(value: Mapping[object, object], level: int, out: list[str]) -> None:
    if not value:
        out.append("{ }")
        return
    inner = "\n" + _INDENT * (level + 1)
    out.append("{")
    for i, (key, item) in enumerate(value.items()):
        if not isinstance(key, str):
            raise TypeError(f"object keys must be str. Got {type(key).__name__} instead.")
        out.append(("," if i else "") + inner + _quote(key) + " : ")
        _write(item, level + 1, out)
    out.append("\n" + _INDENT * level + "}")


def _write_array(value: list[object] | tuple[object, ...], level: int, out: list[str]) -> None:
    if not value:
        out.append("[ ]")
        return
    if all(type(item) is float for item in value):  # sketch levels: the bulk of statistics.json
        out.append("[ " + ", ".join(format_double(x) for x in value if isinstance(x, float)) + " ]")
        return
    out.append("[ ")
    for i, item in enumerate(value):
        if i:
            out.append(", ")
        _write(item, level, out)
    out.append(" ]")


def _quote(text: str) -> str:
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def format_double(value: float) -> str:
    """Format a float like Java's ``Double.toString`` (as Jackson writes doubles).

    Uses the shortest digits that round-trip (Python's ``repr``; Java does the same from JDK 19).
    Non-finite values come back quoted, as Jackson writes them by default.

    Examples
    --------
    >>> [format_double(x) for x in (2048.0, 0.64, 1e-4, 12345678.0, -0.0, float("nan"))]
    ['2048.0', '0.64', '1.0E-4', '1.2345678E7', '-0.0', '"NaN"']
    """
    if 1e-3 <= abs(value) < 1e7:
        # Java's plain range. Python's repr is plain here too, with the same shortest digits and
        # ".0" for whole numbers, so it is the answer.
        return repr(value)
    if math.isnan(value):
        return '"NaN"'
    if math.isinf(value):
        return '"Infinity"' if value > 0 else '"-Infinity"'
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0.0"
    # Computerized scientific notation: d.ddd "E" exponent, at least one fraction digit.
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    point = len(digits) - 1 + int(exponent)  # value = d.ddd × 10**point (finite: exponent is int)
    if len(digits) == 1:
        digits = _two_digits(abs(value), digits, point)
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{point}"


def _two_digits(value: float, digits: str, point: int) -> str:
    """Java prints at least two significant digits and then picks the 2-digit decimal closest to
    the double (JDK 19+ ``Double.toString``); that differs from ``d.0`` only for subnormals."""
    scaled = Decimal(value).scaleb(-point).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    candidate = f"{scaled:f}".replace(".", "")
    if len(candidate) == 2 and float(Decimal(scaled).scaleb(point)) == value:
        return candidate.rstrip("0") or "0"
    return digits
