"""Command target: run a program with the event JSON on its standard input.

The program is started from an argument vector, never through a shell, so nothing in an event
or a configuration can inject shell syntax. Its standard input is the event's JSON (read from a
temporary file, so a program that does not read it cannot block the caller), its standard output
and error go to temporary files of which the first ``max_output_bytes`` are kept, and it runs in
its own session: on timeout the whole process group is killed, children included, and so is
whatever the program leaves running when it exits (a target must not accumulate orphans).

Exit status 0 is success. A non-zero status, a timeout or a program that cannot start is a
failure; a command is tried once unless its retry policy says otherwise. The result's ``detail``
records ``exitStatus`` (negative: killed by that signal), ``timedOut``, and ``stdout``/``stderr``
(decoded as UTF-8 with replacement, truncated, with ``stdoutTruncated``/``stderrTruncated``).

The environment is the one given with the target, else the caller's ``PATH``, ``LANG`` and
``HOME`` only, plus ``VIGIL_EVENT_ID`` and ``VIGIL_DETAIL_TYPE``: secrets of the service's
environment are not passed on by default.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from vigil.alerting.actions.delivery import (
    AttemptOutcome,
    DeliveryResult,
    RetryPolicy,
    deliver,
)
from vigil.alerting.events import Event
from vigil.errors import InvalidParameterError

__all__ = ["CommandTarget", "run_command"]

_INHERITED = ("PATH", "LANG", "HOME")


@dataclass(frozen=True, slots=True)
class CommandTarget:
    """A program to run for each event.

    Attributes
    ----------
    argv : tuple of str
        The program and its arguments (``argv[0]`` is looked up on ``PATH``).
    timeout : float, default=30.0
        Seconds the program may run.
    env : mapping of str to str, optional
        The whole environment; default ``PATH``, ``LANG``, ``HOME`` of the caller.
    cwd : str, optional
        Working directory.
    max_output_bytes : int, default=65536
        Bytes of stdout and of stderr kept.
    retry : RetryPolicy, default=RetryPolicy(max_attempts=1)

    Raises
    ------
    InvalidParameterError
        For an empty ``argv``, a non-string argument or a bad timeout.
    """

    argv: tuple[str, ...]
    timeout: float = 30.0
    env: Mapping[str, str] | None = None
    cwd: str | None = None
    max_output_bytes: int = 64 * 1024
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(max_attempts=1, deadline=3600))

    def __post_init__(self) -> None:
        if isinstance(self.argv, str):
            raise InvalidParameterError(
                "argv must be a list of arguments, not one string (no shell is used). "
                f"Got {self.argv!r} instead.",
                field="argv",
            )
        argv = tuple(self.argv)
        if not argv or not all(isinstance(a, str) for a in argv) or not argv[0]:
            raise InvalidParameterError(
                f"argv must be a non-empty list of strings. Got {argv!r} instead.", field="argv"
            )
        object.__setattr__(self, "argv", argv)
        if not isinstance(self.timeout, int | float) or not 0 < self.timeout <= 3600:
            raise InvalidParameterError(
                f"timeout must be in (0, 3600] seconds. Got {self.timeout!r} instead.",
                field="timeout",
            )
        if not isinstance(self.max_output_bytes, int) or self.max_output_bytes < 0:
            raise InvalidParameterError(
                f"max_output_bytes must be >= 0. Got {self.max_output_bytes!r} instead.",
                field="max_output_bytes",
            )


def _read(stream: IO[bytes], limit: int) -> tuple[str, bool]:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    data = stream.read(limit)
    return data.decode("utf-8", errors="replace"), size > limit


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def run_command(
    target: CommandTarget,
    event: Event | Mapping[str, Any],
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    clock: Callable[[], datetime] = _utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> DeliveryResult:
    """Run ``target`` with ``event`` on its standard input.

    Returns
    -------
    DeliveryResult
        ``Delivered`` on exit status 0; ``detail`` as the module docstring says.
    """
    data = event.to_dict() if isinstance(event, Event) else dict(event)
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if target.env is not None:
        env = dict(target.env)
    else:
        env = {k: os.environ[k] for k in _INHERITED if k in os.environ}
    env["VIGIL_EVENT_ID"] = str(data.get("id", ""))
    env["VIGIL_DETAIL_TYPE"] = str(data.get("detail-type", ""))

    def attempt(timeout: float, number: int) -> AttemptOutcome:
        with (
            tempfile.TemporaryFile() as stdin,
            tempfile.TemporaryFile() as stdout,
            tempfile.TemporaryFile() as stderr,
        ):
            stdin.write(payload)
            stdin.seek(0)
            try:
                process = subprocess.Popen(
                    list(target.argv),
                    stdin=stdin,
                    stdout=stdout,
                    stderr=stderr,
                    cwd=target.cwd,
                    env=env,
                    shell=False,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as exc:
                return AttemptOutcome(
                    False,
                    "not started",
                    False,
                    f"{type(exc).__name__}: {exc}",
                    {"exitStatus": None},
                )
            timed_out = False
            try:
                status = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(process)
                status = process.wait()
            _kill_group(process)  # children left behind by a program that exited
            out, out_cut = _read(stdout, target.max_output_bytes)
            err, err_cut = _read(stderr, target.max_output_bytes)
        detail = {
            "exitStatus": status,
            "timedOut": timed_out,
            "stdout": out,
            "stdoutTruncated": out_cut,
            "stderr": err,
            "stderrTruncated": err_cut,
        }
        if timed_out:
            return AttemptOutcome(False, "timeout", True, f"timed out after {timeout:g} s", detail)
        if status != 0:
            return AttemptOutcome(False, f"exit {status}", True, f"exit status {status}", detail)
        return AttemptOutcome(True, "exit 0", detail=detail)

    return deliver(
        "command",
        attempt,
        policy=target.retry,
        timeout=target.timeout,
        sleep=sleep,
        rng=rng,
        clock=clock,
        monotonic=monotonic,
    )
