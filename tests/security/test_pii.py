"""PII transforms at capture: drop, mask and tokenize over CSV columns and JSON paths."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json

import pytest
from pydantic import ValidationError

from vigil.errors import MalformedRowError
from vigil.security.errors import PiiConfigError
from vigil.security.pii import PiiConfig, PiiRule, PiiTransformer, tokenize

KEY = b"service-tokenisation-key-32bytes"


def expected_token(value: str, key: bytes = KEY) -> str:
    return "tok_" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def transformer(*rules: PiiRule, names: tuple[str, ...] | None = None) -> PiiTransformer:
    return PiiTransformer(PiiConfig(rules=rules, csv_column_names=names), key=KEY)


def test_csv_by_index_and_name_multi_line_and_quoting() -> None:
    t = transformer(
        PiiRule(action="tokenize", csv_column="email"),
        PiiRule(action="mask", csv_column=2, keep_last=4),
        PiiRule(action="drop", csv_column="name"),
        names=("email", "age", "card", "name"),
    )
    payload = 'a@x.org,35,4111111111111111,"Doe, Jane"\nb@y.org,41,5500000000000004,Bob\n'
    out = t.apply(payload, "csv")
    rows = list(csv.reader(out.splitlines()))
    assert rows == [
        [expected_token("a@x.org"), "35", "*****1111", ""],
        [expected_token("b@y.org"), "41", "*****0004", ""],
    ]
    assert out.endswith("\n") and "\r" not in out
    assert t.apply("c@z.org,1", "csv") == f"{expected_token('c@z.org')},1"  # short row


def test_tokens_are_deterministic_and_keyed() -> None:
    assert tokenize("alice", KEY) == tokenize("alice", KEY) == expected_token("alice")
    assert tokenize("alice", KEY) != tokenize("bob", KEY)
    assert tokenize("alice", KEY) != tokenize("alice", b"another-key-of-32-bytes-length!!")


def test_equal_values_still_count_as_the_same_category() -> None:
    t = transformer(PiiRule(action="tokenize", csv_column=0))
    payload = "\n".join(["red,1", "blue,2", "red,3", "green,4", "blue,5"])
    column = [row[0] for row in csv.reader(t.apply(payload, "csv").splitlines())]
    assert len(set(column)) == 3
    assert column[0] == column[2] and column[1] == column[4]


def test_json_paths() -> None:
    t = transformer(
        PiiRule(action="tokenize", json_path="$.customer.email"),
        PiiRule(action="mask", json_path="$.instances[*].ssn", keep_last=2),
        PiiRule(action="drop", json_path="$.customer['full name']"),
        PiiRule(action="drop", json_path="$.features[1]"),
        PiiRule(action="tokenize", json_path="$.customer.id"),
    )
    payload = json.dumps(
        {
            "customer": {"email": "a@x.org", "full name": "Jane Doe", "id": 1234},
            "instances": [{"ssn": "123-45-6789", "x": 1}, {"ssn": "987-65-4321", "x": 2}],
            "features": [0.5, "secret", 7],
        }
    )
    out = json.loads(t.apply(payload, "json"))
    assert out == {
        "customer": {"email": expected_token("a@x.org"), "id": expected_token("1234")},
        "instances": [{"ssn": "*****89", "x": 1}, {"ssn": "*****21", "x": 2}],
        "features": [0.5, None, 7],
    }


def test_json_lines_and_absent_paths() -> None:
    t = transformer(PiiRule(action="mask", json_path="$.email"))
    payload = '{"email":"a@x.org","v":1}\n{"v":2}\n'
    assert t.apply(payload, "jsonlines") == '{"email":"*****","v":1}\n{"v":2}\n'


def test_unparsable_json_is_refused_not_passed_through() -> None:
    t = transformer(PiiRule(action="drop", json_path="$.email"))
    with pytest.raises(MalformedRowError) as caught:
        t.apply('{"email": "a@x.org"', "json")
    assert caught.value.field == "data"


def test_no_rules_for_the_format_leaves_the_payload_alone() -> None:
    t = transformer(PiiRule(action="drop", json_path="$.email"))
    assert t.apply("a,b\n", "csv") == "a,b\n"


@pytest.mark.parametrize(
    ("rule", "names", "text"),
    [
        ({"action": "drop"}, None, "exactly one"),
        ({"action": "drop", "csv_column": 0, "json_path": "$.a"}, None, "exactly one"),
        ({"action": "drop", "csv_column": -1}, None, "0-based"),
        ({"action": "drop", "json_path": "a.b"}, None, "start with"),
        ({"action": "drop", "json_path": "$..a"}, None, "unsupported step"),
        ({"action": "drop", "json_path": "$"}, None, "below"),
        ({"action": "encrypt", "csv_column": 0}, None, "action"),
        ({"action": "drop", "csv_column": "email"}, None, "csv_column_names"),
        ({"action": "drop", "csv_column": "email"}, ("name",), "csv_column_names"),
    ],
)
def test_bad_configs(rule: dict[str, object], names: tuple[str, ...] | None, text: str) -> None:
    with pytest.raises(ValidationError, match=text):
        PiiConfig(rules=[rule], csv_column_names=names)  # type: ignore[list-item]


def test_short_key_is_refused() -> None:
    with pytest.raises(PiiConfigError, match="16 bytes"):
        PiiTransformer(PiiConfig(), key=b"short")
