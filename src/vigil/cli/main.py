"""The ``vigil`` command: the Typer app and the one place errors become exit codes.

Exit codes: 0 success; 2 bad input (any :class:`~vigil.errors.InputError`, bad flags);
1 anything else (an internal error, or a storage failure), with the error printed, not a
traceback (set ``VIGIL_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console
from rich.text import Text
from typer.exceptions import TyperException

from vigil import __version__
from vigil.cli import (
    baseline,
    control,
    demo,
    ground_truth,
    model_quality,
    monitor,
    report,
    serve,
)
from vigil.errors import InputError, VigilError

__all__ = ["app", "main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2

app = typer.Typer(
    name="vigil",
    help="Self-hosted model monitoring, compatible with SageMaker Model Monitor files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(baseline.app, name="baseline")
app.add_typer(monitor.app, name="monitor")
app.add_typer(model_quality.app, name="model-quality")
app.add_typer(ground_truth.app, name="ground-truth")
app.command(name="serve")(serve.serve)
app.command(name="report")(report.report)
control.register(app)  # db, endpoints, baselining-jobs, schedules, executions, api, scheduler
app.command(name="demo")(demo.demo)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vigil {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Vigil: capture, baseline, monitor."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and, as a script, exit with) the exit code."""
    err = Console(stderr=True)
    try:
        # With standalone_mode=False, click returns the code of a raised Exit instead of exiting.
        code = app(args=argv, prog_name="vigil", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err.print("aborted")
        return EXIT_INTERNAL
    except TyperException as exc:  # bad flags and arguments (click's UsageError family)
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(Text(str(exc)))
        return EXIT_BAD_INPUT
    except Exception as exc:
        if os.environ.get("VIGIL_DEBUG"):
            raise
        if isinstance(exc, InputError):
            err.print(Text.assemble(("error: ", "bold red"), str(exc)))
            return EXIT_BAD_INPUT
        kind = "error" if isinstance(exc, VigilError) else f"internal error: {type(exc).__name__}"
        err.print(Text.assemble((f"{kind}: ", "bold red"), str(exc)))
        return EXIT_INTERNAL
    return code if isinstance(code, int) else EXIT_OK


def _entry() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    _entry()
