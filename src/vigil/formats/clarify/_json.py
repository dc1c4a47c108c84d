"""What Clarify's documents share: numbers kept as written, and Python's JSON layout.

Clarify's processing container is a Python program: it writes ``analysis.json`` with
``json.dumps(..., indent=4)`` (4-space indent, ``"key": value``, no newline at the end) and the
SDK writes ``analysis_config.json`` with ``json.dump`` (one line, ``", "`` and ``": "``
separators), unlike Model Monitor's Jackson-printed files. Infinite metric values are the strings
``"Infinity"``/``"-Infinity"`` (smclarify's ``inf_as_str``). A number is kept as written, int or
float: Clarify writes ``"value": 0`` where its code produced the int 0.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from vigil.formats._document import Document

__all__ = ["ClarifyDocument", "JsonNumber", "dumps_indented", "number_to_json"]

_NON_FINITE = {"Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf, "NaN": math.nan}


def _to_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    raise ValueError('must be a number or "Infinity"')


def number_to_json(value: float | int) -> float | int | str:
    """A number as Clarify writes it: ints and finite floats as is, others as strings.

    Examples
    --------
    >>> number_to_json(0), number_to_json(0.5), number_to_json(float("-inf"))
    (0, 0.5, '-Infinity')
    """
    if isinstance(value, int) or math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


JsonNumber = Annotated[
    int | float,
    BeforeValidator(_to_number),
    PlainSerializer(number_to_json, when_used="always"),
]
"""A JSON number kept as an int or a float as written; ``"Infinity"``, ``"-Infinity"`` and
``"NaN"`` strings are read as floats and written back as those strings."""


def dumps_indented(data: Any) -> str:
    """``json.dumps(data, indent=4)``: Clarify's analysis.json layout (no trailing newline).

    Examples
    --------
    >>> print(dumps_indented({"version": "1.0", "values": [0, 0.5]}))
    {
        "version": "1.0",
        "values": [
            0,
            0.5
        ]
    }
    """
    return json.dumps(data, indent=4, allow_nan=False)


class ClarifyDocument(Document):
    """A Clarify JSON document: tolerant reading (from :class:`Document`), Python's JSON writing."""

    def to_json(self) -> str:
        """The document as Clarify writes it: ``json.dumps(indent=4)``, no trailing newline."""
        return dumps_indented(self.to_dict())
