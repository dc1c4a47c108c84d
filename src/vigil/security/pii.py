"""PII at capture time: per-field ``drop``, ``mask`` or ``tokenize`` of CSV columns and JSON paths.

An endpoint's capture config may list rules that apply to each captured payload before it is
written, so personal data never reaches the capture files:

``drop``
    The value is removed: a CSV field becomes empty (the column stays, so positions and
    ``column_names`` still line up), a JSON object key is deleted, a JSON array element becomes
    ``null`` (so later elements keep their index).
``mask``
    The value is replaced by ``mask`` (default ``*****``), optionally keeping its last
    ``keep_last`` characters (``*****1234``).
``tokenize``
    The value is replaced by ``tok_`` and 32 hex digits of HMAC-SHA256 under a service key
    (RFC 2104): deterministic, so equal values give equal tokens (joins and category counts
    still work, and monitors run on the tokens), and without the key a token does not reveal
    its value. JSON numbers and booleans are tokenised from their JSON text.

CSV columns are named by 0-based index or, with ``csv_column_names``, by name. JSON paths use
the simple JSONPath steps ``$``, ``.key``, ``['key']``, ``[i]``, ``[*]`` and ``.*``.

>>> config = PiiConfig(rules=[PiiRule(action="tokenize", csv_column=0),
...                           PiiRule(action="mask", csv_column=2, keep_last=2)])
>>> transformer = PiiTransformer(config, key=b"k" * 32)
>>> transformer.apply("alice@example.com,35,4111111111111111", "csv")
'tok_0d8b3da1ccc85d32dd2c1a1863a4bd48,35,*****11'
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vigil.errors import MalformedRowError
from vigil.security.errors import PiiConfigError

__all__ = ["PayloadFormat", "PiiAction", "PiiConfig", "PiiRule", "PiiTransformer", "tokenize"]

PiiAction = Literal["drop", "mask", "tokenize"]
PayloadFormat = Literal["csv", "json", "jsonlines"]
_STEP = re.compile(
    r"""\.(?P<key>[A-Za-z_][A-Za-z0-9_-]*)|\.\*|\[\*\]|\[(?P<index>-?\d+)\]|\[(?P<q>['"])(?P<quoted>.*?)(?P=q)\]"""
)
_DROP = object()


class PiiRule(BaseModel):
    """One transform of one field: exactly one of ``csv_column`` and ``json_path``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: PiiAction
    csv_column: int | str | None = None
    json_path: str | None = None
    mask: str = "*****"
    keep_last: int = Field(default=0, ge=0, le=16)

    @model_validator(mode="after")
    def _one_target(self) -> PiiRule:
        if (self.csv_column is None) == (self.json_path is None):
            raise ValueError("a PII rule needs exactly one of csv_column and json_path")
        if isinstance(self.csv_column, int) and self.csv_column < 0:
            raise ValueError("csv_column must be a 0-based index >= 0 or a column name")
        if self.json_path is not None:
            _compile_path(self.json_path)
        return self


class PiiConfig(BaseModel):
    """The PII rules of an endpoint's capture config.

    Attributes
    ----------
    rules : list of PiiRule
    csv_column_names : list of str, optional
        Names of the CSV payload columns, in order, for rules that name a column.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[PiiRule, ...] = ()
    csv_column_names: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _names_known(self) -> PiiConfig:
        for rule in self.rules:
            if isinstance(rule.csv_column, str) and (
                self.csv_column_names is None or rule.csv_column not in self.csv_column_names
            ):
                raise ValueError(
                    f"csv_column {rule.csv_column!r} is not one of csv_column_names "
                    f"{list(self.csv_column_names or [])!r}"
                )
        return self


def tokenize(value: str, key: bytes) -> str:
    """``tok_`` + the first 128 bits of HMAC-SHA256(key, value), in hex."""
    return "tok_" + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _compile_path(path: str) -> tuple[tuple[str, Any], ...]:
    if not path.startswith("$"):
        raise ValueError(f"json_path must start with '$'. Got {path!r} instead.")
    steps: list[tuple[str, Any]] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise ValueError(
                f"json_path {path!r} has an unsupported step at {path[position:]!r}; use .key, "
                "['key'], [i], [*] or .*"
            )
        if match.group("key") is not None:
            steps.append(("key", match.group("key")))
        elif match.group("index") is not None:
            steps.append(("index", int(match.group("index"))))
        elif match.group("q") is not None:
            steps.append(("key", match.group("quoted")))
        else:
            steps.append(("all", None))
        position = match.end()
    if not steps:
        raise ValueError("json_path must name a field below '$'")
    return tuple(steps)


class PiiTransformer:
    """Applies a :class:`PiiConfig` to capture payloads.

    Parameters
    ----------
    config : PiiConfig
    key : bytes
        The service's tokenisation key (at least 16 bytes; keep it secret and stable, or
        tokens stop joining).

    Raises
    ------
    PiiConfigError
        If the key is too short.
    """

    def __init__(self, config: PiiConfig, *, key: bytes) -> None:
        if len(key) < 16:
            raise PiiConfigError("the tokenisation key must be at least 16 bytes", field="key")
        self.config = config
        self._key = key
        names = config.csv_column_names or ()
        self._csv = {
            (names.index(r.csv_column) if isinstance(r.csv_column, str) else r.csv_column): r
            for r in config.rules
            if r.csv_column is not None
        }
        self._json = [
            (_compile_path(r.json_path), r) for r in config.rules if r.json_path is not None
        ]

    def _replace(self, value: str, rule: PiiRule) -> str | object:
        if rule.action == "drop":
            return _DROP
        if rule.action == "tokenize":
            return tokenize(value, self._key)
        kept = value[-rule.keep_last :] if rule.keep_last and len(value) > rule.keep_last else ""
        return rule.mask + kept

    def apply(self, payload: str, payload_format: PayloadFormat) -> str:
        """The payload with every rule applied.

        Parameters
        ----------
        payload : str
            A capture payload: CSV (one or more lines), one JSON document, or JSON Lines.
        payload_format : {"csv", "json", "jsonlines"}

        Raises
        ------
        MalformedRowError
            If a JSON payload does not parse (the capture should drop the record rather than
            write unprotected data); ``field`` is ``data``.
        """
        if payload_format == "csv":
            return self._apply_csv(payload) if self._csv else payload
        if not self._json:
            return payload
        if payload_format == "json":
            return self._apply_json(payload)
        ending = "\r\n" if "\r\n" in payload else "\n"
        return ending.join(
            self._apply_json(line) if line.strip() else line for line in payload.splitlines()
        ) + (ending if payload.endswith(("\n", "\r\n")) else "")

    def _apply_csv(self, payload: str) -> str:
        ending = "\r\n" if "\r\n" in payload else "\n"
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=ending)
        for row in csv.reader(payload.splitlines()):
            for index, rule in self._csv.items():
                if index < len(row):
                    replaced = self._replace(row[index], rule)
                    row[index] = "" if replaced is _DROP else str(replaced)
            writer.writerow(row)
        text = out.getvalue()
        return text if payload.endswith(("\n", "\r\n")) else text[: -len(ending)]

    def _apply_json(self, text: str) -> str:
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise MalformedRowError(
                f"capture payload is not JSON, so PII rules cannot apply: {exc}", field="data"
            ) from None
        for steps, rule in self._json:
            document = self._walk(document, steps, rule)
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))

    def _walk(self, node: Any, steps: Sequence[tuple[str, Any]], rule: PiiRule) -> Any:
        op, arg = steps[0]
        rest = steps[1:]
        if op == "key":
            targets = [arg] if isinstance(node, dict) and arg in node else []
        elif op == "index":
            targets = [arg] if isinstance(node, list) and -len(node) <= arg < len(node) else []
        elif isinstance(node, dict):
            targets = list(node)
        elif isinstance(node, list):
            targets = list(range(len(node)))
        else:
            targets = []
        for target in targets:
            if rest:
                node[target] = self._walk(node[target], rest, rule)
                continue
            value = node[target]
            if value is None:
                continue
            text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
            replaced = self._replace(text, rule)
            if replaced is _DROP and isinstance(node, dict):
                del node[target]
            else:
                node[target] = None if replaced is _DROP else replaced
        return node
