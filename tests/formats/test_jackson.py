"""Jackson DefaultPrettyPrinter emulation: layout, number formatting, escaping."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.formats.jackson import dumps, format_double


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # What java.lang.Double.toString prints (JDK 19+ shortest digits).
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (2048.0, "2048.0"),
        (231.0, "231.0"),
        (0.64, "0.64"),
        (0.1, "0.1"),
        (-3.208758170289026, "-3.208758170289026"),
        (0.001, "0.001"),
        (0.000999, "9.99E-4"),
        (1e-4, "1.0E-4"),
        (1.5e-10, "1.5E-10"),
        (9999999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"),
        (1e16, "1.0E16"),
        (-2.5e20, "-2.5E20"),
        (5e-324, "4.9E-324"),
        (1.7976931348623157e308, "1.7976931348623157E308"),
        (100.5, "100.5"),
        (60.379999999999995, "60.379999999999995"),
    ],
)
def test_format_double_matches_java(value: float, expected: str) -> None:
    assert format_double(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(math.nan, '"NaN"'), (math.inf, '"Infinity"'), (-math.inf, '"-Infinity"')],
)
def test_non_finite_doubles_are_quoted(value: float, expected: str) -> None:
    assert format_double(value) == expected
    assert dumps([value]) == f"[ {expected} ]"


def test_layout_of_objects_and_arrays() -> None:
    doc = {
        "version": 0.0,
        "dataset": {"item_count": 100},
        "features": [{"name": "_c0", "data": [[3.0, 1.0], [2.0]]}, {"name": "_c1"}],
        "empty_object": {},
        "empty_array": [],
        "flag": True,
        "nothing": None,
    }
    assert dumps(doc) == (
        "{\n"
        '  "version" : 0.0,\n'
        '  "dataset" : {\n'
        '    "item_count" : 100\n'
        "  },\n"
        '  "features" : [ {\n'
        '    "name" : "_c0",\n'
        '    "data" : [ [ 3.0, 1.0 ], [ 2.0 ] ]\n'
        "  }, {\n"
        '    "name" : "_c1"\n'
        "  } ],\n"
        '  "empty_object" : { },\n'
        '  "empty_array" : [ ],\n'
        '  "flag" : true,\n'
        '  "nothing" : null\n'
        "}"
    )


def test_scalars_and_empty_roots() -> None:
    assert dumps({}) == "{ }"
    assert dumps([]) == "[ ]"
    assert dumps("x") == '"x"'
    assert dumps(3) == "3"
    assert dumps(False) == "false"
    assert dumps((1, 2.0)) == "[ 1, 2.0 ]"


def test_objects_nested_in_arrays_in_objects_indent_by_object_depth() -> None:
    doc = {"a": [{"b": {"c": [{"d": 1}]}}]}
    assert dumps(doc) == (
        '{\n  "a" : [ {\n    "b" : {\n      "c" : [ {\n        "d" : 1\n      } ]\n    }\n  } ]\n}'
    )


def test_string_escaping_follows_jackson() -> None:
    text = 'quote" backslash\\ newline\n tab\t cr\r bs\b ff\f unit\x1f nul\x00 slash/ é ✓'
    assert dumps(text) == (
        '"quote\\" backslash\\\\ newline\\n tab\\t cr\\r bs\\b ff\\f unit\\u001F nul\\u0000'
        ' slash/ é ✓"'
    )
    assert json.loads(dumps(text)) == text


def test_rejects_non_json_values() -> None:
    with pytest.raises(TypeError, match="must be a JSON value"):
        dumps({"a": {1, 2}})
    with pytest.raises(TypeError, match="keys must be str"):
        dumps({1: "a"})


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(_json_values)
def test_output_is_json_that_parses_back_to_the_input(value: object) -> None:
    assert json.loads(dumps(value)) == value


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_doubles_round_trip_and_always_show_a_decimal_point(value: float) -> None:
    text = format_double(value)
    assert float(text) == value
    assert "." in text
