"""The base every SageMaker document model shares: tolerant reading, faithful writing, file I/O.

Rules (spec/sagemaker-model-monitor.md §2–§4, §6, §10):

* Reading is tolerant: keys in any order, ints or floats where SageMaker writes either,
  ``"NaN"``/``"Infinity"`` strings for non-finite numbers (Jackson's quoting), and unknown keys,
  which are kept (``extra="allow"``) and written back.
* A document that was *read* is written back with the keys it had, in the order it had them: an
  optional block that was missing stays missing, and nothing is invented. A document that Vigil
  *builds* gets the full default shape (``version`` 0.0, KLL parameters, the suggested
  ``monitoring_config``), in SageMaker's order.
* A malformed document raises :class:`vigil.errors.DocumentError` naming the file and the JSON path
  of the bad field (``features[3].numerical_statistics.mean``), never a pydantic error.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Self, TypeVar

import fsspec
import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    PlainSerializer,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    model_serializer,
    model_validator,
)
from pydantic.fields import FieldInfo

from vigil.errors import DocumentError, VigilError
from vigil.formats import jackson

__all__ = [
    "Count",
    "Document",
    "JsonFloat",
    "PathLike",
    "SageMakerModel",
    "describe_json",
    "load_json",
    "validate_model",
    "validation_error",
]

PathLike = str | os.PathLike[str]
"""A local path or any fsspec URL (``s3://bucket/key``, ``memory://x``, ``file:///tmp/x``)."""

_READ = "vigil.formats.read"
_READ_CONTEXT: dict[str, Any] = {_READ: True}
_NON_FINITE_IN = {
    "NaN": math.nan,
    "Infinity": math.inf,
    "+Infinity": math.inf,
    "-Infinity": -math.inf,
}


def _to_float(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError('must be a number or "NaN"')
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value in _NON_FINITE_IN:
        return _NON_FINITE_IN[value]
    raise ValueError('must be a number or "NaN"')


def _from_float(value: float) -> float | str:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _to_count(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a whole number (a count)")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError("must be a whole number (a count)")


JsonFloat = Annotated[
    float,
    BeforeValidator(_to_float),
    PlainSerializer(_from_float, when_used="always"),
]
"""A JSON number read as a float; ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` strings are accepted
and non-finite values are written back as those strings (Jackson's ``QUOTE_NON_NUMERIC_NUMBERS``)."""

Count = Annotated[int, BeforeValidator(_to_count)]
"""A count: read from an int or an integral float (``100`` or ``100.0``), written as an int."""


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


class SageMakerModel(BaseModel):
    """Base of every model that mirrors a SageMaker JSON object.

    Unknown keys are kept in ``model_extra`` and written back. Python attribute names are the
    JSON keys except where SageMaker uses camelCase, where an alias maps them.

    A model *read* (``from_dict``/``from_json``/``from_file``) remembers the keys it had and their
    order: a field the input lacked is not written unless it was changed, and keys are written
    in the order read. A model *built* in Python writes every field that is not None, in the
    declared order, which is SageMaker's. ``model_fields_set`` tells which keys were present.
    """

    model_config = ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        ser_json_inf_nan="strings",
    )

    _read_keys: tuple[str, ...] | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_keys(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        model = handler(data)
        if info.context and info.context.get(_READ) and isinstance(data, dict):
            model._read_keys = tuple(str(key) for key in data)
        return model

    @model_serializer(mode="wrap")
    def _write(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for key in self.model_extra or ():
            if key in data:
                data[key] = _quote_non_finite(data[key])
        read = self._read_keys is not None
        for name, field in type(self).model_fields.items():
            if name in self.model_fields_set:
                continue
            value = getattr(self, name)
            if value is None or (read and _same(value, _default_of(field))):
                data.pop(_json_key(name, field), None)
        order = self._key_order()
        if order:
            rank = {key: i for i, key in enumerate(order)}
            data = dict(sorted(data.items(), key=lambda item: rank.get(item[0], len(rank))))
        return data

    def _key_order(self) -> Sequence[str] | None:
        """Key order for writing: the order read, or None for the declared (SageMaker) order."""
        return self._read_keys

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and self.__pydantic_extra__ == other.__pydantic_extra__
        )


M = TypeVar("M", bound=SageMakerModel)


def _quote_non_finite(value: Any) -> Any:
    """Unknown keys hold raw JSON: write non-finite floats in them as Jackson does."""
    if isinstance(value, float):
        return _from_float(value)
    if isinstance(value, dict):
        return {key: _quote_non_finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_quote_non_finite(item) for item in value]
    return value


def _json_key(name: str, field: FieldInfo) -> str:
    return field.serialization_alias or field.alias or name


def _default_of(field: FieldInfo) -> Any:
    return field.get_default(call_default_factory=True, validated_data={})


def describe_json(value: Any) -> str:
    """Describe a JSON value for an error message: ``a JSON object``, ``"abc"``, ``12.5``."""
    if isinstance(value, Mapping):
        return "a JSON object"
    if isinstance(value, list | tuple):
        return "a JSON array"
    if value is None:
        return "null"
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.isidentifier():
            path += f".{part}" if path else part
        else:
            path += f"[{json.dumps(part)}]"
    return path


_EXPECTED = {
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a JSON array",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
}


def validation_error(
    exc: ValidationError,
    *,
    source: str | None,
    line: int | None = None,
    error_type: type[VigilError] = DocumentError,
) -> VigilError:
    """Turn a pydantic ``ValidationError`` into a Vigil error naming the file and field path.

    Parameters
    ----------
    exc : pydantic.ValidationError
        The error pydantic raised.
    source : str or None
        The file or URL the document came from.
    line : int, optional
        1-based line number (JSON-lines records).
    error_type : type of VigilError, default=DocumentError
        The class to raise (``MalformedRowError`` for JSON-lines records).

    Returns
    -------
    VigilError
        With ``path=source``, ``field`` the JSON path of the first bad field, and a message saying
        what was expected and what came in.
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    kind = first["type"]
    ctx = first.get("ctx") or {}
    if kind == "missing":
        message = "is required but missing"
    else:
        if kind == "value_error":
            expected = str(ctx.get("error", first["msg"]))
        elif kind in ("literal_error", "enum"):
            expected = f"must be {ctx.get('expected', 'one of the allowed values')}"
        else:
            expected = _EXPECTED.get(kind, first["msg"])
        message = f"{expected}; got {describe_json(first['input'])} instead"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
    field = _field_path(first["loc"]) or None
    return error_type(message, path=source, line=line, field=field)


def load_json(data: bytes | str, *, source: str | None, line: int | None = None) -> Any:
    """Parse JSON text, accepting bare ``NaN``/``Infinity`` literals as Python's ``json`` does.

    Raises
    ------
    DocumentError
        If ``data`` is not JSON (``line`` is the line inside the text, or the given ``line``).
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        where = line if line is not None else getattr(exc, "lineno", None)
        raise DocumentError(f"is not valid JSON: {msg}", path=source, line=where) from exc


def validate_model(
    cls: type[M],
    data: Any,
    *,
    source: str | None,
    line: int | None = None,
    error_type: type[VigilError] = DocumentError,
) -> M:
    """Validate a parsed JSON object as ``cls`` in reading mode (tolerant, remembers key order)."""
    if not isinstance(data, Mapping):
        raise error_type(
            f"a {cls.__name__} must be a JSON object; got {describe_json(data)} instead",
            path=source,
            line=line,
        )
    try:
        return cls.model_validate(dict(data), context=_READ_CONTEXT)
    except ValidationError as exc:
        raise validation_error(exc, source=source, line=line, error_type=error_type) from exc


_MODEL_QUALITY_BLOCKS = ("binary_classification", "multiclass_classification", "regression")

_CONSTRAINT_KEYS = {"completeness", "num_constraints", "string_constraints"}

KIND_NAMES = {
    "statistics": "a data-quality statistics.json",
    "constraints": "a data-quality constraints.json",
    "violations": "a constraint_violations.json",
    "model_quality_statistics": "a model-quality statistics.json",
    "model_quality_constraints": "a model-quality constraints.json",
    "analysis": "a Clarify analysis.json",
    "analysis_config": "a Clarify analysis_config.json",
}
"""How an error names each document kind."""


def document_kind(data: Any) -> str | None:
    """What a parsed JSON document is, from its top-level keys (None: not recognised).

    ``statistics`` (``dataset``, or features with ``numerical_statistics`` /
    ``string_statistics``), ``constraints`` (``monitoring_config``, or features with
    ``completeness`` / ``num_constraints`` / ``string_constraints``), ``violations``, ``model_quality_statistics`` (a ``<problem>_metrics`` block),
    ``model_quality_constraints`` (a ``<problem>_constraints`` block), ``analysis`` (Clarify's
    ``pre_training_bias_metrics``, ``post_training_bias_metrics`` or ``explanations``),
    ``analysis_config`` (Clarify's ``methods`` and ``dataset_type``/``label``).

    Examples
    --------
    >>> document_kind({"version": 0.0, "features": [{"name": "a", "completeness": 1.0}]})
    'constraints'
    >>> document_kind({"regression_metrics": {}}), document_kind([1]) is None
    ('model_quality_statistics', True)
    """
    if not isinstance(data, Mapping):
        return None
    keys = set(data)
    if "violations" in keys:
        return "violations"
    if keys & {"pre_training_bias_metrics", "post_training_bias_metrics", "explanations"}:
        return "analysis"
    if "methods" in keys and keys & {"dataset_type", "label", "headers"}:
        return "analysis_config"
    if any(f"{block}_metrics" in keys for block in _MODEL_QUALITY_BLOCKS):
        return "model_quality_statistics"
    if any(f"{block}_constraints" in keys for block in _MODEL_QUALITY_BLOCKS):
        return "model_quality_constraints"
    features = data.get("features")
    seen: set[str] = set()
    for feature in features if isinstance(features, list) else ():
        if isinstance(feature, Mapping):
            seen |= set(feature)
    if "dataset" in keys or seen & {"numerical_statistics", "string_statistics"}:
        return "statistics"
    if "monitoring_config" in keys or seen & _CONSTRAINT_KEYS:
        return "constraints"
    return None


class Document(SageMakerModel):
    """A whole SageMaker JSON document (statistics.json, constraints.json, violations).

    Subclasses get reading and writing in every form: dict, JSON text, and files or URLs.
    A subclass names the :func:`document_kind` it is in ``_kinds``: a document recognised as
    another kind (a constraints.json given where a statistics.json is read) is refused with a
    :class:`~vigil.errors.DocumentError` naming both.
    """

    _kinds: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Self:
        """Read a document from parsed JSON.

        Parameters
        ----------
        data : mapping
            The parsed JSON object.
        source : str, optional
            Where it came from; named in errors.

        Raises
        ------
        DocumentError
            If the document is malformed (``field`` is the JSON path of the first bad field),
            or is another kind of document.
        """
        kind = document_kind(data)
        if cls._kinds and kind is not None and kind not in cls._kinds:
            expected = " or ".join(sorted(KIND_NAMES[k] for k in cls._kinds))
            raise DocumentError(f"is {KIND_NAMES[kind]}, not {expected}", path=source)
        return validate_model(cls, data, source=source)

    @classmethod
    def from_json(cls, data: bytes | str, *, source: str | None = None) -> Self:
        """Read a document from JSON text (any formatting; bare ``NaN`` literals accepted).

        Raises
        ------
        DocumentError
            If the text is not JSON or the document is malformed.
        """
        return cls.from_dict(load_json(data, source=source), source=source)

    @classmethod
    def from_file(cls, path: PathLike) -> Self:
        """Read a document from a local path or any fsspec URL.

        Raises
        ------
        DocumentError
            If the file is not JSON or the document is malformed (``path`` names the file).
        FileNotFoundError
            If there is no such file.
        """
        source = os.fspath(path)
        with fsspec.open(source, "rb") as handle:
            raw = handle.read()
        return cls.from_json(raw, source=source)

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-ready Python objects (non-finite floats as ``"NaN"`` strings)."""
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True)
        return data

    def to_json(self) -> str:
        """The document as SageMaker writes it: Jackson's pretty printer, no trailing newline."""
        return jackson.dumps(self.to_dict())

    def to_file(self, path: PathLike) -> None:
        """Write :meth:`to_json` (UTF-8) to a local path or any fsspec URL.

        Parent directories are created for local paths.
        """
        target = os.fspath(path)
        opened = fsspec.open(target, "wb")
        protocol = opened.fs.protocol
        protocols = (protocol,) if isinstance(protocol, str) else tuple(protocol)
        if "file" in protocols or "local" in protocols:
            opened.fs.makedirs(os.path.dirname(opened.path) or ".", exist_ok=True)
        with opened as handle:
            handle.write(self.to_json().encode("utf-8"))
