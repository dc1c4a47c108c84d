"""A CLI option exists if and only if the job spec has the field (issue 13).

Walks the spec models (every leaf field of ``MonitoringJobSpec`` and of the schedule's own
fields) and the Typer commands built from them, and fails on any difference: a field without an
option, an option without a field, or a command that lacks one of the table's options.
"""

from __future__ import annotations

import typing

import pytest
import typer.main
from pydantic import BaseModel

from vigil.api.resources import MonitoringScheduleSpec
from vigil.api.specs import MONITORING_TYPES, BaseliningJobSpec, MonitoringJobSpec
from vigil.cli.job_options import (
    BASELINE_NAME_OPTION,
    BASELINE_OPTIONS,
    JOB_OPTIONS,
    SCHEDULE_OPTIONS,
    SPEC_ALIASES,
    build_spec,
)
from vigil.cli.main import app
from vigil.errors import InvalidParameterError

CONTEXT = {"--input", "--start", "--end", "--scheduled-time", "--now", "--schedule"}
"""``monitor run``'s options that place the run (where, when), not fields of the job."""

CONTROL = {"--url", "--database-url", "name"}
"""``schedules create|update``'s options that choose the service, and the name argument."""


def _leaves(model: type[BaseModel], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for name, info in model.model_fields.items():
        nested = [
            a
            for a in (info.annotation, *typing.get_args(info.annotation))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if nested:
            out |= _leaves(nested[0], f"{prefix}{name}.")
        else:
            out.add(f"{prefix}{name}")
    return out


def _paths(options: tuple[typing.Any, ...]) -> set[str]:
    return {
        path
        for option in options
        for t in MONITORING_TYPES
        if (path := option.path_for(t)) is not None
    }


def _flags(group: str, name: str) -> set[str]:
    root = typer.main.get_command(app)
    command = root.commands[group].commands[name]  # type: ignore[attr-defined]
    return {flag for param in command.params for flag in (*param.opts, *param.secondary_opts)} - {
        "--help"
    }


def test_every_job_spec_field_has_one_option_and_every_option_a_field() -> None:
    fields = _leaves(MonitoringJobSpec) - SPEC_ALIASES
    assert _paths(JOB_OPTIONS) == fields
    schedule_only = _leaves(MonitoringScheduleSpec) - _leaves(MonitoringJobSpec)
    assert _paths(SCHEDULE_OPTIONS) | {"name"} == schedule_only  # the name is an argument


def test_every_baselining_field_has_one_option_and_every_option_a_field() -> None:
    assert _paths((*BASELINE_OPTIONS, BASELINE_NAME_OPTION)) == _leaves(BaseliningJobSpec)


def test_no_two_options_fill_the_same_field_of_a_type() -> None:
    for t in MONITORING_TYPES:
        paths = [p for o in (*JOB_OPTIONS, *SCHEDULE_OPTIONS) if (p := o.path_for(t))]
        assert len(paths) == len(set(paths)), t


@pytest.mark.parametrize(
    ("group", "name", "options", "others"),
    [
        ("monitor", "run", JOB_OPTIONS, CONTEXT),
        ("schedules", "create", (*JOB_OPTIONS, *SCHEDULE_OPTIONS), CONTROL),
        ("schedules", "update", (*JOB_OPTIONS, *SCHEDULE_OPTIONS), CONTROL),
        ("baseline", "suggest", BASELINE_OPTIONS, {"--quiet"}),
        ("baselining-jobs", "start", (*BASELINE_OPTIONS, BASELINE_NAME_OPTION), CONTROL - {"name"}),
    ],
)
def test_the_commands_have_exactly_the_tables_options(
    group: str, name: str, options: tuple[typing.Any, ...], others: set[str]
) -> None:
    table = {flag for o in options for spelled in o.flags for flag in spelled.split("/")}
    assert _flags(group, name) == table | others


def test_a_spec_error_names_the_option() -> None:
    values = {"monitoring_type": "model-quality", "output": "/r", "endpoint": "ep"}
    with pytest.raises(InvalidParameterError) as caught:
        build_spec({**values, "probability_threshold": 2.0, "problem_type": "Regression"})
    assert caught.value.field == "--probability-threshold"
    with pytest.raises(InvalidParameterError) as caught:
        build_spec({**values, "problem_type": "Regression", "probability_attribute": "1"})
    assert caught.value.field == "--probability-attribute"


def test_options_build_the_same_spec_the_api_takes() -> None:
    spec = build_spec(
        {
            "monitoring_type": "data-quality",
            "output": "/r",
            "endpoint": "ep",
            "baseline_statistics": "/b/s.json",
            "baseline_constraints": "/b/c.json",
            "drift_method": "psi",
            "feature_drift_method": ["AGEP=ks"],
            "workers": 2,
            "start_offset": "-PT1H",
            "end_offset": "PT0S",
        }
    )
    document = {
        "monitoring_type": "DataQuality",
        "output_url": "/r",
        "endpoint_input": {"endpoint_name": "ep"},
        "baseline": {"statistics_url": "/b/s.json", "constraints_url": "/b/c.json"},
        "data_quality": {"drift_method": "psi", "feature_drift_methods": {"AGEP": "ks"}},
        "workers": 2,
        "data_analysis_start_time": "-PT1H",
        "data_analysis_end_time": "PT0S",
    }
    assert spec == MonitoringJobSpec.model_validate(document)
