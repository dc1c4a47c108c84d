"""The command-line options of a monitoring job, generated from its spec.

Every field of :class:`vigil.api.specs.MonitoringJobSpec` (and of the schedule's own fields) has
exactly one option here, and every option here fills a field: ``tests/cli/test_job_options.py``
walks the spec models and the commands and fails on any difference. ``vigil monitor run``,
``vigil schedules create`` and ``vigil schedules update`` are built from the same table
(:data:`JOB_OPTIONS`), so a schedule can do everything a one-off run can, with the same flags.
Each option's help is its field's description, its choices the field's, and an option that
fills a field of one monitor type only sits in that type's help panel (and is refused with the
other type).

A value is set in the spec only when the option is given: the spec's own default applies
otherwise (the help shows it).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import typer
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from vigil.api.resources import MonitoringScheduleSpec
from vigil.api.specs import MONITORING_TYPES, BaseliningJobSpec, MonitoringJobSpec
from vigil.cli.options import DATA_QUALITY_PANEL, MODEL_QUALITY_PANEL
from vigil.errors import InvalidParameterError

__all__ = [
    "BASELINE_NAME_OPTION",
    "BASELINE_OPTIONS",
    "JOB_OPTIONS",
    "SCHEDULE_OPTIONS",
    "JobOption",
    "build_spec",
    "job_parameters",
    "monitoring_type_of",
    "spec_error",
]

_ANY = "*"
_PANELS = {"DataQuality": DATA_QUALITY_PANEL, "ModelQuality": MODEL_QUALITY_PANEL}
TYPE_SPELLINGS = {
    "data-quality": "DataQuality",
    "model-quality": "ModelQuality",
    "DataQuality": "DataQuality",
    "ModelQuality": "ModelQuality",
}
"""``--type`` values: the CLI's spelling and SageMaker's, both accepted."""


@dataclass(frozen=True)
class JobOption:
    """One option of a job command and the spec field(s) it fills.

    Attributes
    ----------
    name : str
        The Python parameter name.
    flags : tuple of str
        Its flags, the first being the one shown first (``--header/--no-header`` for a switch).
    paths : mapping of str to str
        Monitoring type (or ``"*"``: every type) → the dotted spec path it fills.
    help : str, optional
        Help text; default: the description of the field it fills.
    pairs : bool
        A repeatable ``KEY=VALUE`` option filling a mapping field.
    pair_format : str
        How an error names a pair's two parts (``FEATURE=DISTANCE``).
    """

    name: str
    flags: tuple[str, ...]
    paths: Mapping[str, str]
    help: str | None = None
    pairs: bool = False
    pair_format: str = "FEATURE=DISTANCE"
    model: type[BaseModel] = field(default=MonitoringJobSpec, repr=False)

    def path_for(self, monitoring_type: str) -> str | None:
        """The spec path this option fills for a monitoring type (None: not for that type)."""
        return self.paths.get(monitoring_type, self.paths.get(_ANY))

    @property
    def types(self) -> tuple[str, ...]:
        """The monitoring types this option applies to."""
        if _ANY in self.paths:
            return MONITORING_TYPES
        return tuple(t for t in MONITORING_TYPES if t in self.paths)

    def field_info(self) -> FieldInfo:
        """The spec field (of the first type it applies to)."""
        path = self.path_for(self.types[0])
        assert path is not None
        return _field_at(self.model, path)


def _field_at(model: type[BaseModel], path: str) -> FieldInfo:
    head, _, rest = path.partition(".")
    info = model.model_fields[head]
    if not rest:
        return info
    return _field_at(_model_of(info.annotation), rest)


def _model_of(annotation: Any) -> type[BaseModel]:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    raise TypeError(f"no model in {annotation!r}")


def _all(path: str) -> dict[str, str]:
    return {_ANY: path}


def _dq(path: str) -> dict[str, str]:
    return {"DataQuality": path}


def _mq(path: str) -> dict[str, str]:
    return {"ModelQuality": path}


JOB_OPTIONS: tuple[JobOption, ...] = (
    JobOption(
        "monitoring_type",
        ("--type", "--monitoring-type"),
        _all("monitoring_type"),
        help="data-quality (DataQuality, the default) or model-quality (ModelQuality).",
    ),
    JobOption("output", ("--output",), _all("output_url")),
    JobOption("endpoint", ("--endpoint",), _all("endpoint_input.endpoint_name")),
    JobOption("variant", ("--variant",), _all("endpoint_input.variant_name")),
    JobOption("capture_root", ("--capture-root",), _all("endpoint_input.capture_root")),
    JobOption("dataset", ("--dataset",), _dq("dataset_input.dataset_url")),
    JobOption("dataset_format", ("--dataset-format",), _dq("dataset_input.dataset_format")),
    JobOption("header", ("--header/--no-header",), _dq("dataset_input.header")),
    JobOption("baseline_statistics", ("--baseline-statistics",), _all("baseline.statistics_url")),
    JobOption(
        "baseline_constraints", ("--baseline-constraints",), _all("baseline.constraints_url")
    ),
    JobOption(
        "start_offset",
        ("--data-analysis-start-time", "--start-time-offset"),
        _all("data_analysis_start_time"),
    ),
    JobOption(
        "end_offset",
        ("--data-analysis-end-time", "--end-time-offset"),
        _all("data_analysis_end_time"),
    ),
    JobOption(
        "max_malformed_fraction", ("--max-malformed-fraction",), _all("max_malformed_fraction")
    ),
    JobOption("workers", ("--workers",), _all("workers")),
    JobOption("engine", ("--engine",), _all("engine.type")),
    JobOption("spark_master", ("--spark-master",), _all("engine.master")),
    JobOption(
        "spark_conf",
        ("--spark-conf",),
        _all("engine.conf"),
        help="KEY=VALUE: Spark configuration of the session (repeatable; --engine spark).",
        pairs=True,
        pair_format="KEY=VALUE",
    ),
    JobOption(
        "inference_attribute",
        ("--inference-attribute",),
        {
            "DataQuality": "endpoint_input.inference_attribute",
            "ModelQuality": "model_quality.inference_attribute",
        },
        help="Data quality: the output kept (JSONPath, or 0-based CSV index). Model quality: "
        "where the predicted label is (value for Regression).",
    ),
    JobOption(
        "features_attribute", ("--features-attribute",), _dq("endpoint_input.features_attribute")
    ),
    JobOption(
        "output_columns_position",
        ("--output-columns-position",),
        _dq("endpoint_input.output_columns_position"),
    ),
    JobOption(
        "record_preprocessor_script",
        ("--record-preprocessor-script",),
        _dq("record_preprocessor_script"),
    ),
    JobOption(
        "post_analytics_processor_script",
        ("--post-analytics-processor-script",),
        _dq("post_analytics_processor_script"),
    ),
    JobOption("drift_method", ("--drift-method",), _dq("data_quality.drift_method")),
    JobOption(
        "categorical_drift_method",
        ("--categorical-drift-method",),
        _dq("data_quality.categorical_drift_method"),
    ),
    JobOption(
        "feature_drift_method",
        ("--feature-drift-method",),
        _dq("data_quality.feature_drift_methods"),
        help="FEATURE=DISTANCE: a registered distance for one feature (repeatable).",
        pairs=True,
    ),
    JobOption("problem_type", ("--problem-type",), _mq("model_quality.problem_type")),
    JobOption(
        "probability_attribute",
        ("--probability-attribute",),
        _mq("model_quality.probability_attribute"),
    ),
    JobOption(
        "probability_threshold",
        ("--probability-threshold",),
        _mq("model_quality.probability_threshold"),
    ),
    JobOption("ground_truth", ("--ground-truth",), _mq("model_quality.ground_truth_url")),
    JobOption("min_labels", ("--min-labels",), _mq("model_quality.min_labels")),
    JobOption("min_coverage", ("--min-coverage",), _mq("model_quality.min_coverage")),
    JobOption("max_label_delay", ("--max-label-delay",), _mq("model_quality.max_label_delay")),
    JobOption("sagemaker_r2", ("--sagemaker-r2",), _mq("model_quality.sagemaker_r2")),
)
"""Every option of a monitoring job, one per field of :class:`MonitoringJobSpec`."""

SCHEDULE_OPTIONS: tuple[JobOption, ...] = (
    JobOption(
        "schedule_expression",
        ("--schedule-expression",),
        _all("schedule_expression"),
        help="cron(0 * ? * * *) (hourly, the default), a 5-field cron expression, "
        "@hourly/@daily, or NOW.",
        model=MonitoringScheduleSpec,
    ),
    JobOption(
        "max_runtime_seconds",
        ("--max-runtime-seconds",),
        _all("max_runtime_seconds"),
        model=MonitoringScheduleSpec,
    ),
)
"""The schedule's own options (its name is the command's argument)."""

BASELINE_OPTIONS: tuple[JobOption, ...] = tuple(
    JobOption(name, flags, paths, help=help_text, model=BaseliningJobSpec)
    for name, flags, paths, help_text in (
        (
            "monitoring_type",
            ("--type", "--monitoring-type"),
            _all("monitoring_type"),
            "data-quality profiles the columns (the default); model-quality scores predictions "
            "against labels.",
        ),
        ("dataset", ("--dataset",), _all("dataset_url"), None),
        ("output", ("--output",), _all("output_url"), None),
        ("dataset_format", ("--dataset-format",), _all("dataset_format"), None),
        ("header", ("--header/--no-header",), _all("header"), None),
        ("workers", ("--workers",), _dq("workers"), None),
        ("on_malformed", ("--on-malformed",), _dq("on_malformed"), None),
        ("string_column", ("--string-column",), _dq("string_columns"), None),
        ("problem_type", ("--problem-type",), _mq("problem_type"), None),
        (
            "ground_truth_attribute",
            ("--ground-truth-attribute",),
            _mq("ground_truth_attribute"),
            None,
        ),
        ("inference_attribute", ("--inference-attribute",), _mq("inference_attribute"), None),
        ("probability_attribute", ("--probability-attribute",), _mq("probability_attribute"), None),
        ("probability_threshold", ("--probability-threshold",), _mq("probability_threshold"), None),
        ("slack", ("--slack",), _mq("slack"), None),
        ("sagemaker_r2", ("--sagemaker-r2",), _mq("sagemaker_r2"), None),
    )
)
"""Every option of a baselining job, one per field of :class:`BaseliningJobSpec` but its name
(``--name``, for a job started on a service: :data:`BASELINE_NAME_OPTION`)."""

BASELINE_NAME_OPTION = JobOption("name", ("--name",), _all("name"), model=BaseliningJobSpec)

SPEC_ALIASES = frozenset({"endpoint_input.start_time_offset", "endpoint_input.end_time_offset"})
"""Spec fields that are another spelling of a field an option fills (SageMaker's model-quality
offsets: ``--data-analysis-start-time`` fills them under their Vigil name)."""


def _choices(annotation: Any) -> list[str] | None:
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is Literal:
            return [str(v) for v in typing.get_args(arg)]
    return None


def _python_type(annotation: Any) -> Any:
    if typing.get_origin(annotation) is list:
        return list[str]
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    args = [typing.get_args(a)[0] if typing.get_origin(a) is typing.Annotated else a for a in args]
    for kind in (bool, int, float):
        if kind in args:
            return kind
    return str


def _help(option: JobOption) -> str:
    if option.help is not None:
        return option.help
    info = option.field_info()
    text = info.description or ""
    if info.is_required():
        return text
    default = info.get_default(call_default_factory=False)
    if default is not None and not isinstance(default, (dict, list)):
        text = f"{text} (default: {str(default).lower() if isinstance(default, bool) else default})"
    return text.strip()


def _parameter(option: JobOption) -> inspect.Parameter:
    if option.name == "monitoring_type":
        info = typer.Option(None, *option.flags, help=option.help, show_default=False)
        choice: Any = Literal.__getitem__(tuple(TYPE_SPELLINGS))
        return inspect.Parameter(
            option.name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=choice | None
        )
    types = option.types
    panel = _PANELS[types[0]] if len(types) == 1 else None
    annotation = option.field_info().annotation
    kind: Any = _python_type(annotation)
    choices = _choices(annotation)
    if choices is not None:
        kind = Literal.__getitem__(tuple(choices))
    if option.pairs:
        kind = list[str]
    info = typer.Option(
        None, *option.flags, help=_help(option), rich_help_panel=panel, show_default=False
    )
    return inspect.Parameter(
        option.name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=kind | None
    )


def job_parameters(options: Sequence[JobOption] = JOB_OPTIONS) -> list[inspect.Parameter]:
    """The Typer parameters of ``options`` (to splice into a command's signature)."""
    return [_parameter(o) for o in options]


def with_job_options(
    options: Sequence[JobOption],
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorate a command so that it also takes ``options`` (passed in its ``**kwargs``)."""

    def decorate(fn: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(fn)
        own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
        fn.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*own, *job_parameters(options)]
        )
        return fn

    return decorate


def monitoring_type_of(values: Mapping[str, Any]) -> str:
    """The monitoring type (SageMaker's name) given to ``--type``, DataQuality by default."""
    given = values.get("monitoring_type")
    return TYPE_SPELLINGS[given] if given is not None else "DataQuality"


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *heads, last = path.split(".")
    for head in heads:
        doc = doc.setdefault(head, {})
    doc[last] = value


def _pairs(values: Sequence[str], flag: str, pair_format: str) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise InvalidParameterError(
                f"{flag} must be {pair_format}. Got {item!r} instead.", field=flag
            )
        out[key] = value
    return out


def build_spec(
    values: Mapping[str, Any],
    *,
    options: Sequence[JobOption] = JOB_OPTIONS,
    extra: Mapping[str, Any] | None = None,
    kind: type[BaseModel] = MonitoringJobSpec,
) -> Any:
    """The spec that the options' values describe.

    Parameters
    ----------
    values : mapping
        Parameter name → value, as the command received them (None: not given).
    options : sequence of JobOption
    extra : mapping, optional
        Dotted spec path → value set beside the options (a schedule's name, a resolved default).
    kind : type, default=MonitoringJobSpec
        The spec model (``MonitoringScheduleSpec`` for a schedule, ``BaseliningJobSpec``).

    Raises
    ------
    InvalidParameterError
        Naming the option, if an option of another monitor type is given or the spec is invalid.
    """
    monitoring_type = monitoring_type_of(values)
    doc: dict[str, Any] = {"monitoring_type": monitoring_type}
    foreign = []
    for option in options:
        value = values.get(option.name)
        if option.name == "monitoring_type" or value is None or value in ([], ()):
            continue
        path = option.path_for(monitoring_type)
        if path is None:
            foreign.append(option.flags[0].split("/")[0])
            continue
        _set(
            doc,
            path,
            _pairs(value, option.flags[0], option.pair_format) if option.pairs else value,
        )
    if foreign:
        other = "model-quality" if monitoring_type == "DataQuality" else "data-quality"
        verb = "applies" if len(foreign) == 1 else "apply"
        raise InvalidParameterError(
            f"{', '.join(foreign)} {verb} only to --type {other}, not to --type "
            f"{TYPE_SPELLINGS_OUT[monitoring_type]} (see --help).",
            field=foreign[0],
        )
    if monitoring_type == "ModelQuality" and issubclass(kind, MonitoringJobSpec):
        doc.setdefault("model_quality", {})
    for path, value in (extra or {}).items():
        _set(doc, path, value)
    try:
        return kind.model_validate(doc)
    except ValidationError as exc:
        raise spec_error(exc, monitoring_type, options) from None


TYPE_SPELLINGS_OUT = {"DataQuality": "data-quality", "ModelQuality": "model-quality"}


def spec_error(
    exc: ValidationError, monitoring_type: str, options: Sequence[JobOption] = JOB_OPTIONS
) -> InvalidParameterError:
    """A spec validation error as an :class:`InvalidParameterError` naming the option."""
    flags = {o.path_for(monitoring_type): o.flags[0].split("/")[0] for o in options}
    flags.update(
        {
            "endpoint_input": "--endpoint",
            "dataset_input": "--dataset",
            "model_quality": "--problem-type",
        }
    )
    error = exc.errors()[0]
    path = ".".join(str(p) for p in error.get("loc", ()))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    flag = flags.get(path)
    if flag is None:
        return InvalidParameterError(f"{path}: {message}" if path else message, field=path or None)
    return InvalidParameterError(f"{flag} ({path}): {message}", field=flag)
