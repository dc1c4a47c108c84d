"""EventBridge patterns: every ✓/✗ case of spec alarms-events-registry.md §3.3 and the §3.4 rejections."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vigil.alerting.patterns import (
    MAX_PATTERN_LENGTH,
    compile_pattern,
    matches,
)
from vigil.errors import InputError, InvalidEventPatternError

_ABSENT = object()


def _event(path: str, value: Any) -> dict[str, Any]:
    """An event with ``value`` at the dotted ``path`` (``_ABSENT`` leaves the field out)."""
    keys = path.split(".")
    event: dict[str, Any] = {}
    node = event
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    if value is not _ABSENT:
        node[keys[-1]] = value
    return event


# (case number of spec §3.3, pattern, event, expected)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("1", {"source": ["aws.ec2"], "detail": {"state": ["terminated"]}},
     {"source": "aws.ec2", "detail": {"state": "terminated", "instance-id": "i-1"}}, True),
    ("1-other", {"source": ["aws.ec2"], "detail": {"state": ["terminated"]}},
     {"source": "aws.ec2", "detail": {"state": "running"}}, False),
    ("2", {"source": ["aws.ec2", "aws.fargate"]}, {"source": "aws.fargate"}, True),
    ("3", {"resources": ["A", "B", "C"]}, {"resources": ["X", "A"]}, True),
    ("3-neg", {"resources": ["A", "B", "C"]}, {"resources": ["X"]}, False),
    ("4", {"resources": [None]}, {"resources": []}, False),
    ("5", {"d": {"r": [None]}}, _event("d.r", None), True),
    ("5-neg", {"d": {"r": [None]}}, _event("d.r", "null"), False),
    ("6", {"d": {"v": [""]}}, _event("d.v", ""), True),
    ("7", {"time": [{"prefix": "2022-07-13"}]}, {"time": "2022-07-13T13:48:01Z"}, True),
    ("8", {"f": [{"suffix": ".PNG"}]}, {"f": "image.png"}, False),
    ("9", {"f": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"f": "image.PNG"}, True),
    ("10", {"a": [{"equals-ignore-case": "aBc"}]}, {"a": "AbC"}, True),
    ("10-neg", {"a": [{"equals-ignore-case": "aBc"}]}, {"a": "aabc"}, False),
    ("11-same", {"s": [{"anything-but": "initializing"}]}, {"s": "initializing"}, False),
    ("11-absent", {"s": [{"anything-but": "initializing"}]}, {"x": 1}, False),
    ("11-null", {"s": [{"anything-but": "initializing"}]}, {"s": None}, True),
    ("12", {"x": [{"anything-but": [100, 200, 300]}]}, {"x": 100}, False),
    ("12-other", {"x": [{"anything-but": [100, 200, 300]}]}, {"x": 999}, True),
    ("13", {"b": [{"anything-but": [111, 222, 333]}]}, {"b": "444"}, True),
    ("14", {"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "init-x"}, False),
    ("14-number", {"s": [{"anything-but": {"prefix": "init"}}]}, {"s": 12}, True),
    ("15", {"f": [{"anything-but": {"suffix": [".txt", ".jpg"]}}]}, {"f": "file.jpg"}, False),
    ("16", {"s": [{"anything-but": {"equals-ignore-case": "initializing"}}]},
     {"s": "INITIALIZING"}, False),
    ("17", {"p": [{"anything-but": {"wildcard": "*/init/*"}}]}, {"p": "dir/init/file"}, False),
    ("18", {"c": [{"numeric": [">", 0, "<=", 5]}], "d": [{"numeric": ["<", 10]}]},
     {"c": 3, "d": 9}, True),
    ("18-neg", {"c": [{"numeric": [">", 0, "<=", 5]}], "d": [{"numeric": ["<", 10]}]},
     {"c": 42, "d": 9}, False),
    ("19", {"n": [{"numeric": [">", 100]}]}, {"n": 101.0}, True),
    ("19-string", {"n": [{"numeric": [">", 100]}]}, {"n": "300"}, False),
    ("19-null", {"n": [{"numeric": [">", 100]}]}, {"n": None}, False),
    ("20", {"n": [300]}, {"n": 300.0}, True),
    ("21", {"d": {"s": [{"exists": True}]}}, _event("d.s", "pending"), True),
    ("21-null", {"d": {"s": [{"exists": True}]}}, _event("d.s", None), True),
    ("21-object", {"d": {"s": [{"exists": True}]}}, _event("d.s", {"k": 1}), False),
    ("22", {"resources": [{"exists": True}]}, {"resources": []}, False),
    ("23-absent", {"d": {"c": [{"exists": False}]}}, {"d": {}}, True),
    ("23-sibling", {"d": {"c": [{"exists": False}]}}, {"d": {"c1": 100}}, True),
    ("24", {"k": [{"anything-but": ["roses"]}, {"exists": False}]}, {"other": 1}, True),
    ("25", {"f": [{"wildcard": "/Users/*/doc.txt"}]}, {"f": "/Users/u/a/b/doc.txt"}, True),
    ("26", {"f": [{"wildcard": ""}]}, {"f": "x"}, False),
    ("27", {"v": [{"wildcard": "a\\*b"}]}, {"v": "a*b"}, True),
    ("27-neg", {"v": [{"wildcard": "a\\*b"}]}, {"v": "acb"}, False),
    ("28", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.255"}, True),
    ("28-number", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": 123}, False),
    ("29", {"d": {"$or": [{"c": [{"numeric": [">", 0]}]}, {"d": [{"numeric": ["<", 10]}]}]}},
     {"d": {"c": 0, "d": 0}}, True),
    ("29-neg", {"d": {"$or": [{"c": [{"numeric": [">", 0]}]}, {"d": [{"numeric": ["<", 10]}]}]}},
     {"d": {"c": 0, "d": 10}}, False),
    ("30", {"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}},
     {"employees": [{"firstName": "Anna", "lastName": "Smith"},
                    {"firstName": "Peter", "lastName": "Jones"}]}, False),
    ("30-same-element", {"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}},
     {"employees": [{"firstName": "John", "lastName": "Doe"},
                    {"firstName": "Anna", "lastName": "Jones"}]}, True),
    ("31", {"d": {"a": {"id": [{"exists": True}]}}}, {"d": {"a": [{"k": 1}, {"id": "x"}]}}, True),
    ("32", {"d": {"state.status": ["running"]}}, {"d": {"state": {"status": "running"}}}, True),
]  # fmt: skip


@pytest.mark.parametrize(("case", "pattern", "event", "expected"), CASES, ids=[c[0] for c in CASES])
def test_spec_cases(
    case: str, pattern: dict[str, Any], event: dict[str, Any], expected: bool
) -> None:
    assert matches(pattern, event) is expected
    # The JSON text form compiles to the same pattern.
    assert compile_pattern(json.dumps(pattern)).matches(event) is expected


def test_case_sensitivity_of_values_and_keys() -> None:
    assert not matches({"source": ["aws.ec2"]}, {"source": "AWS.EC2"})
    assert not matches({"Source": ["aws.ec2"]}, {"source": "aws.ec2"})


def test_numbers_compare_numerically_never_as_strings() -> None:
    assert matches({"n": [300.0]}, {"n": 300})
    assert not matches({"n": [300]}, {"n": "300"})
    assert not matches({"n": ["300"]}, {"n": 300})
    # An account-sized integer beyond float's 53 bits stays exact.
    assert matches({"a": [123456789012345678]}, {"a": 123456789012345678})
    assert not matches({"a": [123456789012345678]}, {"a": 123456789012345679})


def test_booleans_are_not_numbers() -> None:
    assert matches({"b": [True]}, {"b": True})
    assert not matches({"b": [True]}, {"b": 1})
    assert not matches({"b": [1]}, {"b": True})
    assert not matches({"n": [{"numeric": [">", 0]}]}, {"n": True})


@pytest.mark.parametrize(
    ("bounds", "value", "expected"),
    [
        ([">=", 1, "<", 2], 1, True),
        ([">=", 1, "<", 2], 2, False),
        ([">", 1, "<=", 2], 1, False),
        ([">", 1, "<=", 2], 2, True),
        (["=", 3.018e2], 301.8, True),
        (["<=", -5e9], -6e9, True),  # IEEE doubles, not the old ±5e9 range (D4)
        ([">", 1e300], 1e301, True),
    ],
)
def test_numeric_bounds(bounds: list[Any], value: float, expected: bool) -> None:
    assert matches({"n": [{"numeric": bounds}]}, {"n": value}) is expected


def test_event_arrays_match_if_any_element_matches() -> None:
    pattern = {"detail": {"tags": [{"prefix": "team-"}]}}
    assert matches(pattern, {"detail": {"tags": ["x", "team-ml"]}})
    assert not matches(pattern, {"detail": {"tags": ["x", "y"]}})
    # anything-but on an array: any element that is not excluded is enough.
    assert matches({"s": [{"anything-but": "a"}]}, {"s": ["a", "b"]})
    assert not matches({"s": [{"anything-but": "a"}]}, {"s": ["a"]})


def test_exists_false_accepts_an_empty_array_and_a_missing_parent() -> None:
    assert matches({"resources": [{"exists": False}]}, {"resources": []})
    assert matches({"detail": {"c": [{"exists": False}]}}, {"source": "x"})
    assert not matches({"detail": {"c": [{"exists": False}]}}, {"detail": {"c": 0}})


def test_nested_or_combines_with_sibling_fields() -> None:
    pattern = {
        "source": ["aws.cloudwatch"],
        "$or": [{"detail": {"metricName": ["CPUUtilization"]}}, {"detail": {"scope": ["Service"]}}],
    }
    assert matches(pattern, {"source": "aws.cloudwatch", "detail": {"scope": "Service"}})
    assert not matches(pattern, {"source": "aws.ec2", "detail": {"scope": "Service"}})
    assert not matches(pattern, {"source": "aws.cloudwatch", "detail": {"scope": "Other"}})


def test_json_inside_a_string_is_not_parsed() -> None:
    assert not matches({"d": {"k": ["v"]}}, {"d": '{"k": "v"}'})


def test_duplicate_keys_in_pattern_text_the_last_wins() -> None:
    pattern = compile_pattern('{"source": ["a"], "source": ["b"]}')
    assert pattern.matches({"source": "b"})
    assert not pattern.matches({"source": "a"})


def test_cidr_ipv6_and_addresses_outside() -> None:
    assert matches({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8:1234::1"})
    assert not matches({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db9::1"})
    assert not matches({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.0"})
    assert not matches({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "not an address"})


def test_cloudwatch_alarm_state_change_rule() -> None:
    """The rule a user writes for the documented alarm event (CloudWatch User Guide example)."""
    event = {
        "version": "0", "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
        "account": "123456789012", "time": "2019-10-02T17:04:40Z", "region": "us-east-1",
        "resources": ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"],
        "detail": {"alarmName": "ServerCpuTooHigh",
                   "state": {"value": "ALARM"}, "previousState": {"value": "OK"}},
    }  # fmt: skip
    rule = {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "resources": [{"wildcard": "arn:aws:cloudwatch:*:*:alarm:Server*"}],
        "detail": {
            "state": {"value": ["ALARM"]},
            "previousState": {"value": [{"anything-but": "ALARM"}]},
        },
    }
    assert matches(rule, event)
    event["detail"]["previousState"]["value"] = "ALARM"
    assert not matches(rule, event)


# (pattern, EventBridge's reason)
REJECTIONS: list[tuple[Any, str]] = [
    ('{"int": 42}', '"int" must be an object or an array'),
    ('{"string": "my-value"}', '"string" must be an object or an array'),
    ('{"resources": []}', "Empty arrays are not allowed"),
    ('{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}', "Unrecognized match type NUMERIC"),
    ('{"my_key": [{"EXISTS": true}]}', "Unrecognized match type EXISTS"),
    ('{"time": [{"prefix": ["2022-07-13"]}]}', "prefix match pattern must be a string"),
    ('{"time": [{"prefix": 123}]}', "prefix match pattern must be a string"),
    ('{"FileName": [{"suffix": 123}]}', "suffix match pattern must be a string"),
    ('{"FileName": [{"suffix": [".png"]}]}', "suffix match pattern must be a string"),
    ('{"EventBusArn": [{"wildcard": 123}]}', "wildcard match pattern must be a string"),
    ('{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}',
     "equals-ignore-case match pattern must be a string"),
    ('{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}',
     "equals-ignore-case match pattern must be a string"),
    ('{"d": {"s": [{"anything-but": null}]}}',
     "Value of anything-but must be an array or single string/number value."),
    ('{"d": {"s": [{"anything-but": {"prefix": ""}}]}}', "Null prefix/suffix not allowed"),
    ('{"d": {"s": [{"anything-but": {"suffix": ""}}]}}', "Null prefix/suffix not allowed"),
    ('{"d": {"s": [{"anything-but": {"prefix": 123}}]}}', "prefix/suffix match pattern must be a string"),
    ('{"d": {"s": [{"anything-but": {"suffix": [123, ".txt"]}}]}}',
     "prefix/suffix match pattern must be a string"),
    ('{"d": {"s": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}',
     "Value of anything-but must be an array or single string/number value."),
    ('{"d": {"s": [{"anything-but": {"equals-ignore-case": 123}}]}}',
     "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."),
    ('{"d": {"s": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}',
     "wildcard match pattern must be a string"),
    ('{"d": {"s": [{"anything-but": [1, "a"]}]}}',
     "Inside anything but list, either all values are number or string, mixed type is not supported"),
    ('{"d": {"s": [{"anything-but": [null]}]}}',
     "Inside anything but list, start|null|boolean is not supported."),
    ('{"d": {"c": [{"numeric": 5}]}}', "Value of numeric must be an array."),
    ('{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}', "Bad numeric range operator: >"),
    ('{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}', "Value of < must be numeric"),
    ('{"detail": {"c-count": [{"numeric": ["=", "5"]}]}}', "Value of equals must be numeric"),
    ('{"detail": {"c-count": [{"numeric": ["!=", 5]}]}}', "Unrecognized numeric range operator: !="),
    ('{"detail": {"c-count": [{"numeric": [">", 0, "<", 5, 6]}]}}',
     "Too many terms in numeric range expression"),
    ('{"ip": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"),
    ('{"ip": [{"cidr": "10.0.0.0/xx"}]}', "Malformed CIDR, mask bits must be an integer"),
    ('{"ip": [{"cidr": "xx.11.xx/24"}]}', "Nonstandard IP address: xx.11.xx"),
    ('{"ip": [{"cidr": ["bad-type"]}]}', "prefix match pattern must be a string"),
    ('{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}',
     "Consecutive wildcard characters at pos 26"),
    ('{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}',
     "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
     "sequences after a wildcard character"),
    ('{"k": [{"exists": "yes"}]}', "exists match pattern must be either true or false."),
    ('{"k": [{"prefix": "a", "suffix": "b"}]}', "Only one key allowed in match expression"),
    ('{"k": [{}]}', "Match expression name not found"),
    ('{"k": [["nested"]]}', "Match value must be String, number, true, false, or null"),
    ('{"k": {}}', "Empty objects are not allowed"),
    ('["not", "a", "dict"]', "Filter is not an object"),
    ('{"$or": [{"a": ["1"]}]}', "There must have at least 2 Objects in $or relationship."),
    ('{"$or": {"a": ["1"]}}', "It must be an Array followed with $or."),
    ('{"$or": [{"a": ["1"]}, "b"]}', "Only JSON object is allowed in array of $or relationship."),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "reason"), REJECTIONS, ids=[r[1][:40] for r in REJECTIONS])
def test_rejections_use_eventbridge_messages(pattern: str, reason: str) -> None:
    with pytest.raises(InvalidEventPatternError) as caught:
        compile_pattern(pattern)
    assert caught.value.reason == reason
    assert str(caught.value) == f"Event pattern is not valid. Reason: {reason}"
    assert isinstance(caught.value, InputError)
    assert isinstance(caught.value, ValueError)


def test_accepted_wildcards_of_ordinary_arns() -> None:
    compile_pattern({"r": [{"wildcard": "arn:aws:events:*:*:event-bus/*"}]})
    compile_pattern({"r": [{"wildcard": "arn:aws:sagemaker:*:*:monitoring-schedule/*"}]})


def test_invalid_json_text_is_rejected() -> None:
    with pytest.raises(InvalidEventPatternError, match=r"Event pattern is not valid\. Reason: "):
        compile_pattern("{'bad': 'quotation'}")


def test_length_and_or_combination_limits() -> None:
    long_value = "x" * MAX_PATTERN_LENGTH
    with pytest.raises(InvalidEventPatternError, match="at most 4096 characters"):
        compile_pattern({"k": [long_value]})
    ors = [{f"k{i}": ["a"]} for i in range(11)]
    too_many = {"a": {"$or": ors}, "b": {"$or": ors}, "c": {"$or": ors}}  # 11**3 = 1331
    with pytest.raises(InvalidEventPatternError, match="1000 combinations"):
        compile_pattern(too_many)
    compile_pattern({"a": {"$or": ors}, "b": {"$or": ors}})  # 121 is fine


def test_pattern_round_trips_to_json() -> None:
    pattern = compile_pattern(
        {"source": ["aws.cloudwatch"], "detail": {"state": {"value": ["ALARM"]}}}
    )
    assert compile_pattern(pattern.text).to_dict() == pattern.to_dict()
    assert matches(pattern, {"source": "aws.cloudwatch", "detail": {"state": {"value": "ALARM"}}})
