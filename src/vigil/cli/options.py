"""What the command groups share: option types, parsers, the per-type option check, exit codes.

Commands that work for several monitor types (``vigil baseline suggest``, ``vigil monitor run``,
``vigil monitor evaluate``) take ``--type data-quality|model-quality``. Their options that belong
to one type only are declared in that type's help panel (:data:`DATA_QUALITY_PANEL`,
:data:`MODEL_QUALITY_PANEL`); every other option is shared. :func:`check_type_options` reads the
panels, so the help a user sees and the check that runs cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import TypeVar

import typer

from vigil.errors import InvalidParameterError
from vigil.jobs.data_quality import ExecutionStatus

__all__ = [
    "DATA_QUALITY_PANEL",
    "EXIT_FAILED",
    "EXIT_INSUFFICIENT_GROUND_TRUTH",
    "EXIT_VIOLATIONS",
    "MODEL_QUALITY_PANEL",
    "TYPE_PANELS_HELP",
    "DatasetFormatOption",
    "MonitorTypeOption",
    "ProblemTypeOption",
    "check_type_options",
    "exit_on_status",
    "parse_time",
    "require",
]

_T = TypeVar("_T")

EXIT_VIOLATIONS = 3
"""Exit code of an execution that completed with violations (``CompletedWithViolations``)."""

EXIT_FAILED = 4
"""Exit code of an execution that failed on its data (no records, too many malformed, …)."""

EXIT_INSUFFICIENT_GROUND_TRUTH = 5
"""Exit code of a model-quality execution with too few labels yet (``--min-labels``, …)."""


class DatasetFormatOption(str, Enum):
    """``--dataset-format`` values."""

    csv = "csv"
    json = "json"
    parquet = "parquet"


class MonitorTypeOption(str, Enum):
    """``--type`` values: the monitor a command works for (SageMaker's monitoring types)."""

    data_quality = "data-quality"
    model_quality = "model-quality"


class ProblemTypeOption(str, Enum):
    """``--problem-type`` values (model quality), spelled as SageMaker spells them."""

    binary = "BinaryClassification"
    multiclass = "MulticlassClassification"
    regression = "Regression"


DATA_QUALITY_PANEL = "Data quality only (--type data-quality)"
"""Help panel of the options that only ``--type data-quality`` accepts."""

MODEL_QUALITY_PANEL = "Model quality only (--type model-quality)"
"""Help panel of the options that only ``--type model-quality`` accepts."""

TYPE_PANELS_HELP = (
    f"Options in the panel '{DATA_QUALITY_PANEL}' are refused with --type model-quality, those "
    f"in '{MODEL_QUALITY_PANEL}' with --type data-quality (exit code 2); the others apply to both."
)
"""The last paragraph of the help of every command that takes ``--type``."""

_PANEL_TYPE = {
    DATA_QUALITY_PANEL: MonitorTypeOption.data_quality,
    MODEL_QUALITY_PANEL: MonitorTypeOption.model_quality,
}
_NOT_GIVEN = {"DEFAULT", "DEFAULT_MAP"}  # click's ParameterSource names of a value nobody gave


def _flag(param: object) -> str:
    opts: list[str] = list(getattr(param, "opts", []))
    secondary: list[str] = list(getattr(param, "secondary_opts", []))
    return "/".join(opts[:1] + secondary) or str(getattr(param, "name", "?"))


def _and(flags: Sequence[str]) -> str:
    return flags[0] if len(flags) == 1 else f"{', '.join(flags[:-1])} and {flags[-1]}"


def check_type_options(
    ctx: typer.Context,
    monitor_type: MonitorTypeOption,
    *,
    required: Mapping[MonitorTypeOption, Sequence[str]] | None = None,
) -> None:
    """Reject the options of the other monitor type; demand the type's required options.

    An option belongs to a type when it is declared with that type's ``rich_help_panel``
    (:data:`DATA_QUALITY_PANEL` or :data:`MODEL_QUALITY_PANEL`). It counts as given when its
    value did not come from its default, so ``--probability-threshold 0.5`` is rejected with
    ``--type data-quality`` even though 0.5 is the default.

    Parameters
    ----------
    ctx : typer.Context
        The running command's context (its parameters and where their values came from).
    monitor_type : MonitorTypeOption
        The ``--type`` given.
    required : mapping of MonitorTypeOption to sequence of str, optional
        Per type, the parameter names (Python names, ``problem_type``) that must have a value
        (not None, not empty) with that type.

    Raises
    ------
    InvalidParameterError
        Naming every option of the other type that was given (``field`` is the first); else
        naming every required option that is missing.
    KeyError
        If ``required`` names a parameter the command does not have (a programming error).
    """
    params = {p.name: p for p in ctx.command.params if p.name is not None}
    foreign: list[str] = []
    other = monitor_type
    for name, param in params.items():
        owner = _PANEL_TYPE.get(getattr(param, "rich_help_panel", None) or "")
        source = ctx.get_parameter_source(name)
        given = source is not None and source.name not in _NOT_GIVEN
        if owner is not None and owner is not monitor_type and given:
            foreign.append(_flag(param))
            other = owner
    if foreign:
        verb = "applies" if len(foreign) == 1 else "apply"
        raise InvalidParameterError(
            f"{_and(foreign)} {verb} only to --type {other.value}, not to --type "
            f"{monitor_type.value} (see --help).",
            field=foreign[0],
        )
    names = (required or {}).get(monitor_type, ())
    missing = [_flag(params[name]) for name in names if ctx.params.get(name) in (None, [], ())]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise InvalidParameterError(
            f"{_and(missing)} {verb} required with --type {monitor_type.value}.",
            field=missing[0],
        )


def require(value: _T | None, flag: str, monitor_type: MonitorTypeOption) -> _T:
    """``value``, which :func:`check_type_options` has already required (narrows the type).

    Raises
    ------
    InvalidParameterError
        Naming ``flag``, if ``value`` is None after all (the command forgot to require it).
    """
    if value is None:
        raise InvalidParameterError(
            f"{flag} is required with --type {monitor_type.value}.", field=flag
        )
    return value


def exit_on_status(status: ExecutionStatus, *, insufficient_ground_truth: bool = False) -> None:
    """Raise :class:`typer.Exit` with the exit code of an execution's status.

    Completed returns (exit code 0); CompletedWithViolations exits with :data:`EXIT_VIOLATIONS`;
    Failed with :data:`EXIT_INSUFFICIENT_GROUND_TRUTH` when ``insufficient_ground_truth``, else
    :data:`EXIT_FAILED`.
    """
    if status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS:
        raise typer.Exit(EXIT_VIOLATIONS)
    if status is ExecutionStatus.FAILED:
        raise typer.Exit(
            EXIT_INSUFFICIENT_GROUND_TRUTH if insufficient_ground_truth else EXIT_FAILED
        )


def parse_time(value: str | None, flag: str) -> datetime | None:
    """An ISO-8601 time from a flag (``Z`` allowed; no offset means UTC); None passes through.

    Raises
    ------
    InvalidParameterError
        Naming the flag, if the text is not an ISO-8601 time.
    """
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidParameterError(
            f"{flag} must be an ISO-8601 time like 2024-05-01T13:00:00Z. Got {value!r} instead.",
            field=flag,
        ) from exc
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)
