"""``--type data-quality|model-quality``: which options belong to which type, and the errors.

The tables below are the specification: each option of a ``--type`` command is shared or
belongs to one type, and each type has its required options. The tests check that the commands
declare exactly this (so a new option has to be classified here), that every option of one type
is refused with the other, naming it, with exit code 2, and that every missing required option
is named.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from tests.cli.runner import Cli

from vigil.cli.main import app
from vigil.cli.options import DATA_QUALITY_PANEL, MODEL_QUALITY_PANEL, TYPE_PANELS_HELP
from vigil.errors import InvalidParameterError

DQ, MQ = "data-quality", "model-quality"

# command -> (options of data quality only, options of model quality only, shared options)
OPTIONS: dict[tuple[str, str], tuple[set[str], set[str], set[str]]] = {
    ("baseline", "suggest"): (
        {"--workers", "--on-malformed", "--string-column"},
        {"--problem-type", "--ground-truth-attribute", "--inference-attribute",
         "--probability-attribute", "--probability-threshold", "--slack", "--sagemaker-r2"},
        {"--dataset", "--output", "--type", "--dataset-format", "--header", "--quiet"},
    ),
    ("monitor", "run"): (
        {"--dataset", "--dataset-format", "--header", "--output-columns-position",
         "--features-attribute", "--record-preprocessor-script",
         "--post-analytics-processor-script", "--drift-method", "--categorical-drift-method",
         "--feature-drift-method"},
        {"--ground-truth", "--problem-type", "--probability-attribute", "--probability-threshold",
         "--min-labels", "--min-coverage", "--max-label-delay", "--sagemaker-r2"},
        {"--input", "--output", "--type", "--baseline-constraints", "--baseline-statistics",
         "--endpoint", "--variant", "--capture-root", "--start", "--end",
         "--inference-attribute", "--max-malformed-fraction", "--schedule", "--workers",
         "--data-analysis-start-time", "--data-analysis-end-time", "--scheduled-time", "--now"},
    ),
    ("monitor", "evaluate"): (
        {"--baseline-statistics", "--drift-method", "--categorical-drift-method"},
        set(),
        {"--statistics", "--constraints", "--output", "--type"},
    ),
}  # fmt: skip

# command -> type -> the arguments of a complete call of that type (nothing is read before the
# options are checked, so the paths need not exist)
COMPLETE: dict[tuple[str, str], dict[str, list[str]]] = {
    ("baseline", "suggest"): {
        DQ: ["--dataset", "d.csv", "--output", "out"],
        MQ: ["--dataset", "d.csv", "--output", "out", "--problem-type", "Regression",
             "--ground-truth-attribute", "y"],
    },
    ("monitor", "run"): {
        DQ: ["--input", "in", "--output", "out", "--baseline-statistics", "s.json",
             "--baseline-constraints", "c.json"],
        MQ: ["--input", "in", "--output", "out", "--endpoint", "ep", "--ground-truth", "gt",
             "--problem-type", "Regression"],
    },
    ("monitor", "evaluate"): {
        DQ: ["--statistics", "s.json", "--constraints", "c.json", "--baseline-statistics", "b"],
        MQ: ["--statistics", "s.json", "--constraints", "c.json"],
    },
}  # fmt: skip

# values that click accepts for options that are not free text or numbers ("1" fits the rest)
CHOICES = {
    "--problem-type": "BinaryClassification",
    "--dataset-format": "csv",
    "--on-malformed": "skip",
    "--output-columns-position": "end",
    "--drift-method": "psi",
    "--categorical-drift-method": "psi",
    "--feature-drift-method": "f=psi",
}
FLAGS = {"--header": "--no-header", "--sagemaker-r2": "--sagemaker-r2"}


def _value(flag: str) -> list[str]:
    """Arguments that give ``flag`` a valid value (its default for the numbers, on purpose)."""
    if flag in FLAGS:
        return [FLAGS[flag]]
    if flag == "--probability-threshold":
        return [flag, "0.5"]  # the default, typed out: still given, so still refused
    return [flag, CHOICES.get(flag, "1")]


def _drop(args: list[str], flag: str) -> list[str]:
    i = args.index(flag)
    return args[:i] + args[i + 2 :]


def _options_of(command: tuple[str, str]) -> tuple[set[str], set[str], set[str]]:
    group = typer.main.get_command(app)
    cmd = group.commands[command[0]].commands[command[1]]  # type: ignore[attr-defined]
    by_panel: dict[str | None, set[str]] = {}
    for param in cmd.params:
        by_panel.setdefault(getattr(param, "rich_help_panel", None), set()).add(param.opts[0])
    return (
        by_panel.pop(DATA_QUALITY_PANEL, set()),
        by_panel.pop(MODEL_QUALITY_PANEL, set()),
        by_panel.pop(None, set()),
    )


@pytest.mark.parametrize("command", list(OPTIONS), ids=" ".join)
def test_every_option_is_classified_as_the_table_says(command: tuple[str, str]) -> None:
    assert _options_of(command) == OPTIONS[command]


MISUSE = [
    (command, given, foreign)
    for command, (dq_only, mq_only, _) in OPTIONS.items()
    for given, foreign in [(MQ, sorted(dq_only)), (DQ, sorted(mq_only))]
    for foreign in foreign
]


@pytest.mark.parametrize(
    ("command", "given", "flag"), MISUSE, ids=[f"{' '.join(c)}-{t}-{f}" for c, t, f in MISUSE]
)
def test_an_option_of_the_other_type_exits_2_naming_it(
    cli: Cli, command: tuple[str, str], given: str, flag: str
) -> None:
    args = [*command, *COMPLETE[command][given], "--type", given, *_value(flag)]
    if flag == "--header":
        flag = "--header/--no-header"
    done = cli(*args)
    assert done.code == 2, done.stdout
    other = DQ if given == MQ else MQ
    assert f"{flag} applies only to --type {other}, not to --type {given}" in done.stderr
    assert "Traceback" not in done.stderr


def test_data_quality_is_the_default_type_and_all_misused_options_are_named(cli: Cli) -> None:
    done = cli(
        "monitor", "run", *COMPLETE["monitor", "run"][DQ], "--min-labels", "5",
        "--probability-attribute", "p", "--sagemaker-r2",
    )  # fmt: skip
    assert done.code == 2
    message = (
        "--probability-attribute, --min-labels and --sagemaker-r2 apply only to --type "
        "model-quality"
    )
    assert message in done.stderr


MISSING = [
    (command, given, flag)
    for command, by_type in COMPLETE.items()
    for given, args in by_type.items()
    for flag in args
    if flag.startswith("--") and flag not in {"--dataset", "--output", "--input", "--statistics", "--constraints"}
]  # fmt: skip


@pytest.mark.parametrize(
    ("command", "given", "flag"), MISSING, ids=[f"{' '.join(c)}-{t}-{f}" for c, t, f in MISSING]
)
def test_a_missing_required_option_of_the_type_exits_2_naming_it(
    cli: Cli, command: tuple[str, str], given: str, flag: str
) -> None:
    done = cli(*command, *_drop(COMPLETE[command][given], flag), "--type", given)
    assert done.code == 2, done.stdout
    assert f"{flag} is required with --type {given}" in done.stderr


def test_several_missing_options_are_named_together(cli: Cli) -> None:
    done = cli("monitor", "run", "--input", "in", "--output", "out", "--type", "model-quality")
    assert done.code == 2
    assert "--endpoint, --ground-truth and --problem-type are required" in done.stderr
    done = cli("baseline", "suggest", "--dataset", "d.csv", "--output", "o", "--type", MQ)
    assert "--problem-type and --ground-truth-attribute are required" in done.stderr


def test_options_shared_by_both_types_pass_the_check(cli: Cli, tmp_path: Path) -> None:
    """A shared option with model quality gets as far as the job (which finds no file)."""
    missing = tmp_path / "nothing.csv"
    done = cli(
        "baseline", "suggest", "--type", MQ, "--dataset", str(missing), "--output", str(tmp_path),
        "--problem-type", "Regression", "--ground-truth-attribute", "y", "--inference-attribute",
        "p", "--dataset-format", "csv", "--no-header", "--quiet",
    )  # fmt: skip
    assert done.code == 2
    assert str(missing) in done.stderr and "only to --type" not in done.stderr


def test_the_error_is_typed_and_carries_the_option(cli: Cli) -> None:
    """Raised inside the command as an InvalidParameterError with ``field`` the flag."""
    from typer.testing import CliRunner

    from vigil.cli import monitor

    result = CliRunner().invoke(
        monitor.app, ["evaluate", *COMPLETE["monitor", "evaluate"][MQ], "--type", MQ, "--drift-method", "psi"]
    )  # fmt: skip
    assert isinstance(result.exception, InvalidParameterError)
    assert result.exception.field == "--drift-method"


@pytest.mark.parametrize("command", list(OPTIONS), ids=" ".join)
def test_help_says_which_options_belong_to_which_type(cli: Cli, command: tuple[str, str]) -> None:
    done = cli(*command, "--help")
    assert done.code == 0
    text = " ".join(done.stdout.split())  # whatever rich wrapped
    assert f"─ {DATA_QUALITY_PANEL} ─" in text  # the title of a panel
    assert (f"─ {MODEL_QUALITY_PANEL} ─" in text) == bool(OPTIONS[command][1])
    assert "refused with --type model-quality" in text
    assert (TYPE_PANELS_HELP in text) == bool(OPTIONS[command][1])
    assert "--type" in text and "data-quality" in text and "model-quality" in text


def test_the_model_quality_group_still_works_as_an_alias(cli: Cli) -> None:
    done = cli("--help")
    assert "model-quality" in done.stdout
    done = cli("model-quality", "run", "--help")
    assert done.code == 0 and "--baseline-constraints" in done.stdout
    done = cli("model-quality", "baseline", "--dataset", "d.csv", "--output", "o")
    assert done.code == 2 and "--problem-type" in done.stderr
