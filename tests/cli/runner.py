"""The ``cli`` fixture: run the ``vigil`` command in-process, as ``vigil.cli.main.main`` does.

``tests/cli/conftest.py`` re-exports the fixture; tests import :data:`Cli` for annotations.

In-process runs go through the same error-to-exit-code boundary as the installed script
(``tests/cli/test_cli.py`` checks that boundary once in a real subprocess) at a fraction of the
start-up cost, so the option tables can have one case per option.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from vigil.cli.main import main


@dataclass(frozen=True)
class Done:
    """What one run of the command left behind."""

    code: int
    stdout: str
    stderr: str


Cli = Callable[..., Done]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``cli("monitor", "run", …)`` runs ``vigil monitor run …`` and returns its :class:`Done`."""
    monkeypatch.setenv("COLUMNS", "250")  # rich must not wrap long paths and messages
    monkeypatch.delenv("VIGIL_DEBUG", raising=False)

    def run(*args: str) -> Done:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Done(code, out, err)

    return run
