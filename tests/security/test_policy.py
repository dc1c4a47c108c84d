"""IAM-style policy evaluation: the case table of spec/security-runtime-api.md §1.5, row by row.

Context of every row (spec §1.5): user alice, account 111122223333, us-east-1, source address
203.0.113.7 over TLS at 2026-12-07T02:00Z, long-term credentials, no principal tags.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from vigil.security.errors import PolicyError
from vigil.security.policy import Policy, Request, evaluate, parse_policy

EP = "arn:aws:sagemaker:us-east-1:111122223333:endpoint/prod-ep"
EP_PREFIX = "arn:aws:sagemaker:us-east-1:111122223333:endpoint/"
INVOKE = "sagemaker:InvokeEndpoint"
DEFAULT_CONTEXT: dict[str, Any] = {
    "aws:username": "alice",
    "aws:SourceIp": "203.0.113.7",
    "aws:SecureTransport": True,
    "aws:CurrentTime": datetime(2026, 12, 7, 2, tzinfo=UTC),
}
ALLOWED, IMPLICIT, EXPLICIT = "allowed", "implicitDeny", "explicitDeny"


def stmt(effect: str, action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect}
    statement["NotAction" if extra.pop("not_action", False) else "Action"] = action
    statement["NotResource" if extra.pop("not_resource", False) else "Resource"] = resource
    statement.update(extra)
    return statement


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return stmt("Allow", action, resource, **extra)


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return stmt("Deny", action, resource, **extra)


def if_(operator: str, key: str, value: Any) -> dict[str, Any]:
    return {"Condition": {operator: {key: value}}}


def policies(*statement_lists: list[dict[str, Any]], version: str = "2012-10-17") -> list[Policy]:
    return [
        parse_policy({"Version": version, "Statement": s}, name=f"p{i}")
        for i, s in enumerate(statement_lists)
    ]


# (row, policies (one statement list per policy), action, resource, context changes, expected)
CASES: list[tuple[str, list[Policy], str, str, dict[str, Any], str]] = [
    ("1", [], "ec2:DescribeInstances", "*", {}, IMPLICIT),
    ("2", policies([allow("ec2:Run*")]), "ec2:DescribeInstances", "*", {}, IMPLICIT),
    ("3", policies([allow("ec2:*"), deny("ec2:CreateVpc")]), "ec2:CreateVpc", "*", {}, EXPLICIT),
    ("4", policies([allow("ec2:Describe*")]), "ec2:DescribeTags", "*", {}, ALLOWED),
    (
        "5",
        policies(
            [deny("sts:AssumeRole", "arn:aws:iam::111122223333:role/x"), allow("sts:AssumeRole")]
        ),
        "sts:AssumeRole",
        "arn:aws:iam::111122223333:role/x",
        {},
        EXPLICIT,
    ),
    (
        "6a",
        policies([allow("*")], [deny("iam:GetUser", not_action=True)]),
        "s3:DeleteObject",
        "*",
        {},
        EXPLICIT,
    ),
    (
        "6b",
        policies([allow("*")], [deny("iam:GetUser", not_action=True)]),
        "iam:GetUser",
        "*",
        {},
        ALLOWED,
    ),
    (
        "7a",
        policies([allow("s3:*", ["arn:aws:s3:::my_bucket", "arn:aws:s3:::*/keyname"])]),
        "s3:GetObject",
        "arn:aws:s3:::my_bucket/unknown",
        {},
        IMPLICIT,
    ),
    (
        "7b",
        policies([allow("s3:*", ["arn:aws:s3:::my_bucket", "arn:aws:s3:::*/keyname"])]),
        "s3:GetObject",
        "arn:aws:s3:::my_bucket/keyname",
        {},
        ALLOWED,
    ),
    ("8", policies([allow("SageMaker:invokeendpoint", EP)]), INVOKE, EP, {}, ALLOWED),
    ("9", policies([allow(INVOKE, EP_PREFIX + "Prod-EP")]), INVOKE, EP, {}, IMPLICIT),
    (
        "10",
        policies([allow(INVOKE, EP_PREFIX + "ep-?")]),
        INVOKE,
        EP_PREFIX + "ep-10",
        {},
        IMPLICIT,
    ),
    (
        "11",
        policies([allow("s3:GetObject", "arn:aws:s3:::b/*")]),
        "s3:GetObject",
        "arn:aws:s3:::b/a/b/c.txt",
        {},
        ALLOWED,
    ),
    (
        "12a",
        policies([allow("sagemaker:*", EP_PREFIX + "prod-*", not_resource=True)]),
        INVOKE,
        EP,
        {},
        IMPLICIT,
    ),
    (
        "12b",
        policies([allow("sagemaker:*", EP_PREFIX + "prod-*", not_resource=True)]),
        INVOKE,
        EP_PREFIX + "dev-1",
        {},
        ALLOWED,
    ),
    (
        "13a",
        policies([allow("sagemaker:*", **if_("StringEquals", "aws:username", "johndoe"))]),
        INVOKE,
        EP,
        {"aws:username": "JohnDoe"},
        IMPLICIT,
    ),
    (
        "13b",
        policies(
            [allow("sagemaker:*", **if_("StringEqualsIgnoreCase", "aws:username", "johndoe"))]
        ),
        INVOKE,
        EP,
        {"aws:username": "JohnDoe"},
        ALLOWED,
    ),
    *[
        (
            f"14{letter}",
            policies([allow("sagemaker:*", **if_(op, "aws:PrincipalTag/team", "ml"))]),
            INVOKE,
            EP,
            {},
            expected,
        )
        for letter, op, expected in (
            ("a", "StringEquals", IMPLICIT),
            ("b", "StringNotEquals", ALLOWED),
            ("c", "StringEqualsIfExists", ALLOWED),
        )
    ],
    (
        "15a",
        policies([allow("sagemaker:*", **if_("Null", "aws:TokenIssueTime", "true"))]),
        INVOKE,
        EP,
        {},
        ALLOWED,
    ),
    (
        "15b",
        policies([allow("sagemaker:*", **if_("Null", "aws:TokenIssueTime", "true"))]),
        INVOKE,
        EP,
        {"aws:TokenIssueTime": "2026-12-07T01:00:00Z"},
        IMPLICIT,
    ),
    (
        "16a",
        policies([allow("sagemaker:*", **if_("StringEquals", "aws:username", ["bob", "alice"]))]),
        INVOKE,
        EP,
        {},
        ALLOWED,
    ),
    (
        "16b",
        policies(
            [
                allow(
                    "sagemaker:*",
                    Condition={
                        "StringEquals": {"aws:username": "alice", "aws:PrincipalTag/team": "ml"}
                    },
                )
            ]
        ),
        INVOKE,
        EP,
        {},
        IMPLICIT,
    ),
    (
        "17",
        policies(
            [
                allow("sagemaker:*"),
                deny("sagemaker:*", **if_("StringNotEquals", "aws:username", ["alice", "bob"])),
            ]
        ),
        INVOKE,
        EP,
        {},
        ALLOWED,
    ),
    (
        "18",
        policies([allow("s3:ListBucket", **if_("NumericLessThanEquals", "s3:max-keys", "10"))]),
        "s3:ListBucket",
        "arn:aws:s3:::b",
        {"s3:max-keys": "11"},
        IMPLICIT,
    ),
    (
        "19a",
        policies(
            [allow("sagemaker:*", **if_("DateLessThan", "aws:CurrentTime", "2027-01-01T00:00:00Z"))]
        ),
        INVOKE,
        EP,
        {},
        ALLOWED,
    ),
    (
        "19b",
        policies([allow("sagemaker:*", **if_("DateGreaterThan", "aws:CurrentTime", "1798761600"))]),
        INVOKE,
        EP,
        {},
        IMPLICIT,
    ),
    (
        "20",
        policies(
            [
                allow("sagemaker:*"),
                deny("sagemaker:*", **if_("Bool", "aws:SecureTransport", "false")),
            ]
        ),
        INVOKE,
        EP,
        {"aws:SecureTransport": False},
        EXPLICIT,
    ),
    (
        "21",
        policies(
            [
                allow("sagemaker:*"),
                deny(
                    "sagemaker:*",
                    **if_("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:db8::/32"]),
                ),
            ]
        ),
        INVOKE,
        EP,
        {"aws:SourceIp": "198.51.100.1"},
        EXPLICIT,
    ),
    *[
        (
            f"22{letter}",
            policies(
                [allow("sagemaker:*", **if_(op, "aws:SourceArn", "arn:aws:s:*:111122223333:f/*"))]
            ),
            INVOKE,
            EP,
            {"aws:SourceArn": "arn:aws:s:us-east-2:999999999999:x/abc:111122223333:f/doc"},
            expected,
        )
        for letter, op, expected in (("a", "ArnLike", IMPLICIT), ("b", "StringLike", ALLOWED))
    ],
    *[
        (
            f"23{letter}",
            policies(
                [allow("sagemaker:*", **if_(f"{prefix}:StringEquals", "aws:TagKeys", ["a", "b"]))]
            ),
            INVOKE,
            EP,
            {"aws:TagKeys": tags},
            expected,
        )
        for letter, prefix, tags, expected in (
            ("a", "ForAnyValue", ["b", "c"], ALLOWED),
            ("b", "ForAnyValue", None, IMPLICIT),
            ("c", "ForAllValues", ["b", "c"], IMPLICIT),
            ("d", "ForAllValues", None, ALLOWED),
        )
    ],
    *[
        (
            f"24{letter}",
            policies([allow("s3:GetObject", "arn:aws:s3:::mb/${aws:username}/*")], version=version),
            "s3:GetObject",
            f"arn:aws:s3:::mb/{user}/x",
            {"aws:username": None} if user == "role" else {},
            expected,
        )
        for letter, user, version, expected in (
            ("a", "alice", "2012-10-17", ALLOWED),
            ("b", "bob", "2012-10-17", IMPLICIT),
            ("c", "alice", "2008-10-17", IMPLICIT),
            ("d", "role", "2012-10-17", IMPLICIT),
        )
    ],
    (
        "25",
        [*policies([allow("s3:ListAllMyBuckets")]), *policies([deny("s3:List*")])],
        "s3:ListAllMyBuckets",
        "*",
        {},
        EXPLICIT,
    ),
]


@pytest.mark.parametrize(
    ("policy_list", "action", "resource", "changes", "expected"),
    [pytest.param(*case[1:], id=f"row{case[0]}") for case in CASES],
)
def test_case_table(
    policy_list: list[Policy], action: str, resource: str, changes: dict[str, Any], expected: str
) -> None:
    decision = evaluate(policy_list, Request(action, resource, {**DEFAULT_CONTEXT, **changes}))
    assert decision.decision == expected, decision.explain()
    assert decision.allowed is (expected == ALLOWED)
    if expected == IMPLICIT:
        assert decision.matched_statements == ()
    else:
        wanted = "Deny" if expected == EXPLICIT else "Allow"
        assert decision.matched_statements
        assert {m.effect for m in decision.matched_statements} == {wanted}


def test_explanation_names_policy_and_statement() -> None:
    granted = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [allow("vigil:*"), {**allow("vigil:Describe*"), "Sid": "R"}],
        },
        name="DataScientist",
    )
    fence = parse_policy(
        {"Statement": {"Sid": "NoProd", **deny("vigil:*", "vrn:vigil:endpoint/prod-*")}},
        name="Fence",
    )
    allowed = evaluate([granted, fence], Request("vigil:DescribeEndpoint", "vrn:vigil:endpoint/a"))
    assert allowed.explain() == (
        "allowed: vigil:DescribeEndpoint on vrn:vigil:endpoint/a allowed by "
        "DataScientist Statement[0], DataScientist Statement[1] (Sid R)"
    )
    denied = evaluate(
        [granted, fence], Request("vigil:DeleteEndpoint", "vrn:vigil:endpoint/prod-1")
    )
    assert denied.explain().endswith("denied by Fence Statement[0] (Sid NoProd)")
    assert denied.denial_message("vrn:vigil:principal/bob").endswith(
        "with an explicit deny in an identity-based policy"
    )


def test_missing_context_values_are_reported() -> None:
    policy = parse_policy(
        {"Statement": allow("vigil:*", **if_("StringEquals", "aws:PrincipalTag/team", "ml"))},
        name="p",
    )
    decision = evaluate([policy], Request("vigil:ListEndpoints"))
    assert decision.missing_context_values == ("aws:principaltag/team",)
    assert "missing context values: aws:principaltag/team" in decision.explain()


def test_alias_names_of_a_resource_match() -> None:
    policy = parse_policy({"Statement": allow(INVOKE, EP)}, name="aws")
    vrn = "vrn:vigil:endpoint/prod-ep"
    assert not evaluate([policy], Request(INVOKE, vrn)).allowed
    assert evaluate([policy], Request(INVOKE, vrn, aliases=[EP])).allowed


@pytest.mark.parametrize(
    ("resource", "name", "expected"),
    [
        ("vrn:vigil:endpoint/*", "vrn:vigil:endpoint/churn", True),
        ("vrn:vigil:endpoint/*", "vrn:vigil:monitoring-schedule/churn", False),
        ("vrn:vigil:*", "vrn:vigil:model-package/group/3", True),
        ("vrn:*:endpoint/churn", "vrn:vigil:endpoint/churn", False),  # service takes no wildcard
        ("arn:aws:sagemaker:*", EP, True),  # a final * crosses ':'
        ("arn:aws:sagemaker:*:111122223333:endpoint/prod-ep", EP, True),
        ("arn:aws:sagemaker:us-east-1:111122223333:endpoint/PROD-EP", EP, False),
        ("vrn:vigil:endpoint/${*}", "vrn:vigil:endpoint/x", False),  # ${*} is a literal *
        ("vrn:vigil:endpoint/${*}", "vrn:vigil:endpoint/*", True),
    ],
)
def test_resource_wildcards(resource: str, name: str, expected: bool) -> None:
    policy = parse_policy(
        {"Version": "2012-10-17", "Statement": allow("vigil:X", resource)}, name="p"
    )
    assert evaluate([policy], Request("vigil:X", name)).allowed is expected


def test_variable_value_is_matched_literally_and_defaults_apply() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": allow("vigil:X", "vrn:vigil:endpoint/${aws:username}-*"),
    }
    policy = parse_policy(doc, name="p")
    assert evaluate(
        [policy], Request("vigil:X", "vrn:vigil:endpoint/al-1", {"aws:username": "al"})
    ).allowed
    # a user called "*" gets no wildcard out of the variable
    assert not evaluate(
        [policy], Request("vigil:X", "vrn:vigil:endpoint/al-1", {"aws:username": "*"})
    ).allowed
    with_default = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": allow(
                "vigil:X", "vrn:vigil:endpoint/${aws:PrincipalTag/team, 'shared'}/*"
            ),
        },
        name="p",
    )
    assert evaluate([with_default], Request("vigil:X", "vrn:vigil:endpoint/shared/a")).allowed


@pytest.mark.parametrize(
    ("operator", "value", "request_value", "expected"),
    [
        ("NumericEquals", "10", 10, True),
        ("NumericNotEquals", "10", 10, False),
        ("NumericLessThan", "10", "9.5", True),
        ("NumericGreaterThanEquals", 10, 10, True),
        ("NumericGreaterThan", "10", "ten", False),
        ("DateEquals", "2026-12-07T02:00:00Z", "2026-12-07T02:00:00+00:00", True),
        ("DateNotEquals", "2026-12-07T02:00:00Z", datetime(2026, 12, 7, 2, tzinfo=UTC), False),
        ("DateLessThanEquals", "2026-12-07T02:00:00Z", 1796608800, True),
        ("DateGreaterThanEquals", "2026-12-07", "2026-12-06T23:59:59Z", False),
        ("StringLike", "team-*", "team-ml", True),
        ("StringNotLike", "team-?", "team-ml", True),
        ("StringNotEqualsIgnoreCase", "ML", "ml", False),
        ("Bool", True, "TRUE", True),
        ("BinaryEquals", "aGk=", b"hi", True),
        ("BinaryEquals", "aGk=", b"ho", False),
        ("IpAddress", "2001:db8::/32", "2001:db8::1", True),
        ("IpAddress", "203.0.113.0/24", "2001:db8::1", False),
        ("IpAddress", "203.0.113.0/24", "not-an-ip", False),
        ("ArnEquals", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k", True),
        ("ArnNotLike", "arn:aws:s3:::b/*", "arn:aws:s3:::c/k", True),
        ("NumericLessThanIfExists", "10", None, True),
        ("ForAllValues:StringLike", ["a*", "b*"], ["ab", "bc"], True),
        ("ForAnyValue:StringNotEquals", ["a"], ["a", "b"], True),
        ("ForAllValues:StringNotEquals", ["a"], ["a", "b"], False),
        ("Null", "false", "x", True),
        ("Null", "false", None, False),
    ],
)
def test_condition_operators(operator: str, value: Any, request_value: Any, expected: bool) -> None:
    policy = parse_policy(
        {"Statement": allow("vigil:X", **if_(operator, "vigil:Key", value))}, name="p"
    )
    decision = evaluate([policy], Request("vigil:X", context={"VIGIL:key": request_value}))
    assert decision.allowed is expected, decision.explain()


@pytest.mark.parametrize(
    ("document", "field", "text"),
    [
        ("{not json", None, "not valid JSON"),
        ({"Version": "2012-10-17"}, "Statement", "Statement must be"),
        ({"Version": "2020-01-01", "Statement": allow("vigil:X")}, "Version", "Version must be"),
        ({"Statement": allow("vigil:X"), "Extra": 1}, "Extra", "unknown policy element"),
        (
            {"Statement": [{"Sid": "S1", "Action": "vigil:X", "Resource": "*"}]},
            "Statement[0].Effect",
            "Sid S1",
        ),
        (
            {"Statement": [{**allow("vigil:X"), "Effect": "allow"}]},
            "Statement[0].Effect",
            "'Allow' or 'Deny'",
        ),
        (
            {"Statement": [allow("vigil:X"), {**allow("vigil:Y"), "NotAction": "vigil:Z"}]},
            "Statement[1].Action",
            "not both",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "vigil:X"}]},
            "Statement[0].Resource",
            "not neither",
        ),
        ({"Statement": [allow("vigil X")]}, "Statement[0].Action", "service:Name"),
        ({"Statement": [allow([])]}, "Statement[0].Action", "non-empty"),
        (
            {"Statement": [{**allow("vigil:X"), "Principal": "*"}]},
            "Statement[0].Principal",
            "identity-based",
        ),
        ({"Statement": [{**allow("vigil:X"), "Sid": "a b"}]}, "Statement[0].Sid", "alphanumeric"),
        (
            {"Statement": [{**allow("vigil:X"), "Sid": "S"}, {**allow("vigil:X"), "Sid": "S"}]},
            None,
            "used twice",
        ),
        (
            {"Statement": [allow("vigil:X", **if_("StringEqual", "k", "v"))]},
            "Statement[0].Condition.StringEqual",
            "not a condition operator",
        ),
        (
            {"Statement": [allow("vigil:X", **if_("NullIfExists", "k", "true"))]},
            "Statement[0].Condition.NullIfExists",
            "not a condition operator",
        ),
        (
            {"Statement": [allow("vigil:X", **if_("NumericLessThan", "k", "ten"))]},
            "Statement[0].Condition.NumericLessThan.k",
            "must be numbers",
        ),
        (
            {"Statement": [allow("vigil:X", **if_("IpAddress", "k", "300.1.1.1/8"))]},
            "Statement[0].Condition.IpAddress.k",
            "CIDR",
        ),
        (
            {"Statement": [allow("vigil:X", **if_("DateLessThan", "k", "tomorrow"))]},
            "Statement[0].Condition.DateLessThan.k",
            "ISO-8601",
        ),
        (
            {"Statement": [allow("vigil:X", **if_("Bool", "k", "yes"))]},
            "Statement[0].Condition.Bool.k",
            "true or false",
        ),
        (
            {"Statement": [allow("vigil:X", **if_("StringEquals", "k", {"a": 1}))]},
            "Statement[0].Condition.StringEquals.k",
            "strings, numbers",
        ),
        (
            {"Statement": [allow("vigil:X", Condition=[])]},
            "Statement[0].Condition",
            "non-empty object",
        ),
    ],
)
def test_malformed_policies_name_statement_and_field(
    document: Any, field: str | None, text: str
) -> None:
    with pytest.raises(PolicyError, match=text) as caught:
        parse_policy(document, name="bad-policy")
    assert caught.value.path == "bad-policy"
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)
