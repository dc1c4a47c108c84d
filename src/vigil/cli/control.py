"""The control-plane commands: ``vigil db|endpoints|baselining-jobs|schedules|executions`` and
``vigil scheduler`` (a scheduler alone; the service itself is ``vigil serve``, :mod:`.serve`).

With ``--url`` (or ``VIGIL_URL``) a command calls a running service through
:class:`vigil.client.Client`; without, it calls the library (:class:`ControlPlane`) on the
metadata database (``--database-url``, ``VIGIL_DATABASE_URL`` or the data directory's SQLite
file). Either way it prints the resulting document as JSON. Errors reach the one error →
exit-code mapping of :mod:`vigil.cli.main` (2 for bad input, 1 otherwise).

Register everything on the root app with :func:`register` (``control.register(app)``).
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from vigil.errors import InvalidParameterError

__all__ = [
    "api",
    "baselining_jobs_app",
    "db_app",
    "endpoints_app",
    "executions_app",
    "register",
    "scheduler",
    "schedules_app",
]

M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=Enum)

db_app = typer.Typer(help="The metadata database: migrations.", no_args_is_help=True)
endpoints_app = typer.Typer(help="Endpoint configurations.", no_args_is_help=True)
baselining_jobs_app = typer.Typer(
    help="Baselining jobs (suggest a baseline).", no_args_is_help=True
)
schedules_app = typer.Typer(help="Monitoring schedules.", no_args_is_help=True)
executions_app = typer.Typer(help="Monitoring executions.", no_args_is_help=True)

# ---- shared options --------------------------------------------------------------------------

URL = typer.Option(
    None, "--url", envvar="VIGIL_URL", help="A Vigil service (http://host:port); else the library."
)
DATABASE_URL = typer.Option(
    None, "--database-url", help="Metadata database (default VIGIL_DATABASE_URL or data dir)."
)


class _LogFormat(str, Enum):
    json = "json"
    text = "text"


def _model(kind: type[M], data: dict[str, Any]) -> M:
    """Validate CLI input; pydantic errors become InvalidParameterError naming the field."""
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error.get("loc", ())) or None
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        raise InvalidParameterError(
            f"{message}" if field is None else f"{field}: {message}", field=field
        ) from exc


@contextmanager
def _api(url: str | None, database_url: str | None) -> Iterator[Any]:
    """A :class:`Client` for ``url``, else a :class:`ControlPlane` on the database."""
    if url:
        from vigil.client import Client

        with Client(url) as client:
            yield client
        return
    from vigil.control import ControlPlane
    from vigil.storage.metadata import MetadataStore

    with MetadataStore(database_url) as store:
        yield ControlPlane(store)


def _print(document: BaseModel | None) -> None:
    if document is not None:
        typer.echo(document.model_dump_json(indent=2, exclude_none=True))


def _time(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    from vigil.control.clock import parse_time

    return parse_time(value, field=flag)


def _choice(kind: type[E], value: str | None, flag: str) -> E | None:
    """``value`` as a member of the enum ``kind``, or an error listing the choices."""
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError as exc:
        choices = ", ".join(str(m.value) for m in kind)
        raise InvalidParameterError(
            f"{flag} must be one of {choices}. Got {value!r} instead.", field=flag
        ) from exc


def _json_arg(value: str, flag: str) -> dict[str, Any]:
    """A JSON object given inline or as ``@file``."""
    text = Path(value[1:]).read_text() if value.startswith("@") else value
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidParameterError(f"{flag} must be a JSON object: {exc}", field=flag) from exc
    if not isinstance(data, dict):
        raise InvalidParameterError(f"{flag} must be a JSON object", field=flag)
    return data


# ---- db --------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(database_url: str | None = DATABASE_URL) -> None:
    """Create or migrate the metadata database to this version's schema."""
    from vigil.storage.metadata import database_url as resolve
    from vigil.storage.metadata import upgrade
    from vigil.storage.metadata.engine import display_url

    url = resolve(database_url)
    before, after = upgrade(url)
    where = display_url(url)
    if before == after:
        typer.echo(f"{where}: already at revision {after}")
    else:
        typer.echo(f"{where}: migrated from {before or 'an empty database'} to revision {after}")


@db_app.command("check")
def db_check(database_url: str | None = DATABASE_URL) -> None:
    """Exit 0 if the database is at this version's schema, else say what to run."""
    from vigil.storage.metadata import MetadataStore

    with MetadataStore(database_url) as store:
        typer.echo(f"{store.display_url}: up to date")


# ---- endpoints -------------------------------------------------------------------------------


@endpoints_app.command("create")
def endpoint_create(
    name: str = typer.Argument(..., help="Endpoint name."),
    config: str = typer.Option("{}", "--config", help="Configuration JSON, or @file.json."),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Store an endpoint configuration."""
    from vigil.api.resources import EndpointCreate

    request = _model(EndpointCreate, {"name": name, "config": _json_arg(config, "--config")})
    with _api(url, database_url) as api:
        _print(api.create_endpoint(request))


@endpoints_app.command("update")
def endpoint_update(
    name: str = typer.Argument(...),
    config: str = typer.Option(..., "--config", help="Configuration JSON, or @file.json."),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Replace an endpoint's configuration."""
    from vigil.api.resources import EndpointUpdate

    request = _model(EndpointUpdate, {"config": _json_arg(config, "--config")})
    with _api(url, database_url) as api:
        _print(api.update_endpoint(name, request.config))


@endpoints_app.command("describe")
def endpoint_describe(
    name: str = typer.Argument(...),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Print one endpoint."""
    with _api(url, database_url) as api:
        _print(api.describe_endpoint(name))


@endpoints_app.command("list")
def endpoint_list(
    limit: int = typer.Option(100, "--limit", min=1, max=1000),
    next_token: str | None = typer.Option(None, "--next-token"),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """List endpoints."""
    with _api(url, database_url) as api:
        _print(api.list_endpoints(limit=limit, next_token=next_token))


@endpoints_app.command("delete")
def endpoint_delete(
    name: str = typer.Argument(...),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Delete an endpoint."""
    with _api(url, database_url) as api:
        api.delete_endpoint(name)
    typer.echo(f"deleted endpoint {name}")


# ---- baselining jobs -------------------------------------------------------------------------


def _baselining_start() -> Callable[..., None]:
    """``baselining-jobs start``: the options of ``vigil baseline suggest`` plus ``--name``."""
    from vigil.cli.job_options import BASELINE_NAME_OPTION, BASELINE_OPTIONS, with_job_options

    options = (*BASELINE_OPTIONS, BASELINE_NAME_OPTION)

    @with_job_options(options)
    def command(
        url: str | None = URL,
        database_url: str | None = DATABASE_URL,
        **values: Any,
    ) -> None:
        """Start a baselining job (through a service it runs in the background).

        DataQuality profiles every column; ModelQuality computes the model's metrics on a
        labelled dataset (--problem-type, --ground-truth-attribute, and --inference-attribute or,
        for a binary problem, --probability-attribute) and suggests thresholds.
        """
        from vigil.api.specs import BaseliningJobSpec
        from vigil.cli.job_options import build_spec

        spec = build_spec(values, options=options, kind=BaseliningJobSpec)
        with _api(url, database_url) as api:
            _print(api.start_baselining_job(spec))

    return command


baselining_start = baselining_jobs_app.command("start")(_baselining_start())


@baselining_jobs_app.command("describe")
def baselining_describe(
    name: str = typer.Argument(...),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Print one baselining job."""
    with _api(url, database_url) as api:
        _print(api.describe_baselining_job(name))


@baselining_jobs_app.command("list")
def baselining_list(
    status: str | None = typer.Option(None, "--status"),
    limit: int = typer.Option(100, "--limit", min=1, max=1000),
    next_token: str | None = typer.Option(None, "--next-token"),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """List baselining jobs, newest first."""
    from vigil.storage.metadata import BaseliningJobStatus

    chosen = _choice(BaseliningJobStatus, status, "--status")
    with _api(url, database_url) as api:
        _print(api.list_baselining_jobs(status=chosen, limit=limit, next_token=next_token))


# ---- schedules -------------------------------------------------------------------------------


def _schedule_command(verb: str) -> Callable[..., None]:
    """The ``schedules create`` / ``schedules update`` command: the same options, one verb.

    Both build a whole :class:`MonitoringScheduleSpec` from the options of
    :mod:`vigil.cli.job_options` (those of ``vigil monitor run``, plus the schedule's own);
    ``update`` replaces the named schedule's definition with it (``PUT``; same name and
    monitoring type).
    """
    from vigil.cli.job_options import JOB_OPTIONS, SCHEDULE_OPTIONS, with_job_options

    options = (*JOB_OPTIONS, *SCHEDULE_OPTIONS)

    @with_job_options(options)
    def command(
        name: str = typer.Argument(..., help="Schedule name."),
        url: str | None = URL,
        database_url: str | None = DATABASE_URL,
        **values: Any,
    ) -> None:
        from vigil.api.resources import MonitoringScheduleSpec
        from vigil.cli.job_options import build_spec

        extra = {"name": name}
        if values.get("schedule_expression") is None:
            extra["schedule_expression"] = "cron(0 * ? * * *)"
        spec = build_spec(values, options=options, extra=extra, kind=MonitoringScheduleSpec)
        assert isinstance(spec, MonitoringScheduleSpec)
        with _api(url, database_url) as api:
            if verb == "update":
                _print(api.update_monitoring_schedule(name, spec))
            else:
                _print(api.create_monitoring_schedule(spec))

    return command


schedule_create = schedules_app.command(
    "create",
    help="Create a monitoring schedule: DataQuality (a baseline's statistics and constraints) "
    "or ModelQuality (--monitoring-type ModelQuality --problem-type … : captured predictions "
    "merged with ground truth, against model-quality constraints).",
)(_schedule_command("create"))

schedule_update = schedules_app.command(
    "update",
    help="Replace a schedule's definition (same options as create; the name and monitoring "
    "type stay). Planning continues from the last scheduled time; executions already planned "
    "or running keep their definition.",
)(_schedule_command("update"))


@schedules_app.command("describe")
def schedule_describe(
    name: str = typer.Argument(...),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Print one schedule."""
    with _api(url, database_url) as api:
        _print(api.describe_monitoring_schedule(name))


@schedules_app.command("list")
def schedule_list(
    status: str | None = typer.Option(None, "--status"),
    endpoint: str | None = typer.Option(None, "--endpoint"),
    limit: int = typer.Option(100, "--limit", min=1, max=1000),
    next_token: str | None = typer.Option(None, "--next-token"),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """List schedules."""
    from vigil.storage.metadata import MonitoringScheduleStatus

    chosen = _choice(MonitoringScheduleStatus, status, "--status")
    with _api(url, database_url) as api:
        _print(
            api.list_monitoring_schedules(
                status=chosen, endpoint_name=endpoint, limit=limit, next_token=next_token
            )
        )


@schedules_app.command("stop")
def schedule_stop(
    name: str = typer.Argument(...),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Stop a schedule."""
    with _api(url, database_url) as api:
        _print(api.stop_monitoring_schedule(name))


@schedules_app.command("start")
def schedule_start(
    name: str = typer.Argument(...),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Resume a stopped schedule."""
    with _api(url, database_url) as api:
        _print(api.start_monitoring_schedule(name))


@schedules_app.command("delete")
def schedule_delete(
    name: str = typer.Argument(...),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Delete a schedule and its executions."""
    with _api(url, database_url) as api:
        api.delete_monitoring_schedule(name)
    typer.echo(f"deleted monitoring schedule {name}")


@schedules_app.command("run")
def schedule_run(
    name: str = typer.Argument(...),
    start: str = typer.Option(..., "--start", help="Window start (ISO-8601, UTC)."),
    end: str = typer.Option(..., "--end", help="Window end, exclusive."),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Run a schedule now on an explicit window (a scheduler picks it up)."""
    from vigil.api.resources import RunNowRequest

    request = _model(
        RunNowRequest,
        {"window_start": _time(start, "--start"), "window_end": _time(end, "--end")},
    )
    with _api(url, database_url) as api:
        _print(api.run_monitoring_schedule(name, request))


# ---- executions ------------------------------------------------------------------------------


@executions_app.command("list")
def execution_list(
    schedule: str | None = typer.Option(None, "--schedule"),
    endpoint: str | None = typer.Option(None, "--endpoint"),
    status: str | None = typer.Option(None, "--status"),
    after: str | None = typer.Option(None, "--after", help="Scheduled at or after."),
    before: str | None = typer.Option(None, "--before", help="Scheduled before."),
    ascending: bool = typer.Option(False, "--ascending"),
    limit: int = typer.Option(100, "--limit", min=1, max=1000),
    next_token: str | None = typer.Option(None, "--next-token"),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """List executions, newest first."""
    from vigil.storage.metadata import MonitoringExecutionStatus

    chosen = _choice(MonitoringExecutionStatus, status, "--status")
    with _api(url, database_url) as api:
        _print(
            api.list_monitoring_executions(
                schedule_name=schedule,
                endpoint_name=endpoint,
                status=chosen,
                scheduled_after=_time(after, "--after"),
                scheduled_before=_time(before, "--before"),
                ascending=ascending,
                limit=limit,
                next_token=next_token,
            )
        )


@executions_app.command("describe")
def execution_describe(
    execution_id: int = typer.Argument(...),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Print one execution."""
    with _api(url, database_url) as api:
        _print(api.describe_monitoring_execution(execution_id))


@executions_app.command("stop")
def execution_stop(
    execution_id: int = typer.Argument(...),
    url: str | None = URL,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Stop an execution."""
    with _api(url, database_url) as api:
        _print(api.stop_monitoring_execution(execution_id))


# ---- serve / scheduler -----------------------------------------------------------------------


def _scheduler_config(
    max_workers: int,
    lease_seconds: float,
    poll_seconds: float,
    catch_up_limit: int,
    max_per_schedule: int = 1,
) -> Any:
    from vigil.scheduling.scheduler import SchedulerConfig

    return SchedulerConfig(
        max_workers=max_workers,
        lease_seconds=lease_seconds,
        poll_seconds=poll_seconds,
        catch_up_limit=catch_up_limit,
        max_per_schedule=max_per_schedule,
    )


def _clock(clock_file: str | None) -> Any:
    from vigil.control.clock import FileClock, SystemClock

    return FileClock(clock_file) if clock_file else SystemClock()


def _serve_module() -> Any:
    # ``vigil serve`` (the one service) owns the scheduler options; it does not import this
    # module, so importing it here cannot cycle.
    from vigil.cli import serve

    return serve


_serve = _serve_module()
MAX_WORKERS = _serve.MAX_WORKERS
LEASE = _serve.LEASE
POLL = _serve.POLL
CATCH_UP = _serve.CATCH_UP
PER_SCHEDULE = _serve.PER_SCHEDULE
CLOCK_FILE = _serve.CLOCK_FILE
LOG_FORMAT = typer.Option(_LogFormat.json, "--log-format", help="json|text")

api: Callable[..., None] = _serve.serve
"""``vigil api``: a hidden, deprecated alias of ``vigil serve`` (the one service, same options)."""


def scheduler(
    database_url: str | None = DATABASE_URL,
    name: str | None = typer.Option(None, "--name", help="Scheduler id in leases and logs."),
    max_workers: int = MAX_WORKERS,
    lease_seconds: float = LEASE,
    poll_seconds: float = POLL,
    catch_up_limit: int = CATCH_UP,
    max_per_schedule: int = PER_SCHEDULE,
    clock_file: str | None = CLOCK_FILE,
    log_format: _LogFormat = LOG_FORMAT,
) -> None:
    """Run a scheduler alone (any number of them can share a PostgreSQL database)."""
    from vigil.scheduling.scheduler import Scheduler
    from vigil.service.logs import configure_logging
    from vigil.storage.metadata import MetadataStore

    configure_logging(log_format.value)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with MetadataStore(database_url) as store:
        config = _scheduler_config(
            max_workers, lease_seconds, poll_seconds, catch_up_limit, max_per_schedule
        )
        Scheduler(store, clock=_clock(clock_file), config=config, name=name).run(stop)


# ---- registration ----------------------------------------------------------------------------

GROUPS = {
    "db": db_app,
    "endpoints": endpoints_app,
    "baselining-jobs": baselining_jobs_app,
    "schedules": schedules_app,
    "executions": executions_app,
}
COMMANDS: dict[str, Callable[..., None]] = {"api": api, "scheduler": scheduler}
DEPRECATED = frozenset({"api"})
"""Commands kept for old scripts: hidden from the help, with a deprecation warning."""


def register(app: typer.Typer) -> None:
    """Add the control-plane command groups and commands to ``app`` (once)."""
    groups = {g.name for g in app.registered_groups}
    for name, group in GROUPS.items():
        if name not in groups:
            app.add_typer(group, name=name)
    commands = {c.name for c in app.registered_commands}
    for name, command in COMMANDS.items():
        if name not in commands:
            old = name in DEPRECATED
            app.command(name=name, hidden=old, deprecated=old)(command)


def _standalone() -> None:  # pragma: no cover - `python -m vigil.cli.control` before registration
    import sys

    from vigil.cli import main

    register(main.app)
    sys.exit(main.main())


if __name__ == "__main__":  # pragma: no cover
    _standalone()
