"""The `vigil` command as a user runs it: a real subprocess, real files, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.datasets import SDK

from vigil import __version__

DQ_CSV = SDK / "tests__data__pipeline__quality_check_step__data_quality__baseline_dataset.csv"


def vigil(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIGIL_DEBUG"}
    env["COLUMNS"] = "250"  # long tmp paths must not be wrapped by rich
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_version() -> None:
    done = vigil("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"vigil {__version__}"


@pytest.mark.parametrize("command", [[], ["baseline"], ["baseline", "suggest"], ["demo"]])
def test_help_on_every_command(command: list[str]) -> None:
    done = vigil(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout


def test_baseline_suggest_writes_files_and_prints_summary(tmp_path: Path) -> None:
    done = vigil(
        "baseline", "suggest", "--dataset", str(DQ_CSV), "--no-header", "--output", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert "_c0" in done.stdout and "Fractional" in done.stdout and "100 rows" in done.stdout
    stats = json.loads((tmp_path / "statistics.json").read_text())
    assert [f["name"] for f in stats["features"]] == [f"_c{i}" for i in range(6)]
    assert (tmp_path / "constraints.json").exists()


def test_bad_input_exits_2_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    missing = vigil("baseline", "suggest", "--dataset", str(tmp_path / "x.csv"), "--output", "o")
    assert missing.returncode == 2
    assert "x.csv" in missing.stderr and "Traceback" not in missing.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n1,2,3\n")
    malformed = vigil("baseline", "suggest", "--dataset", str(bad), "--output", str(tmp_path / "o"))
    assert malformed.returncode == 2
    assert f"{bad}:3" in malformed.stderr and "Traceback" not in malformed.stderr
    skipped = vigil(
        "baseline", "suggest", "--dataset", str(bad), "--output", str(tmp_path / "o"),
        "--on-malformed", "skip",
    )  # fmt: skip
    assert skipped.returncode == 0, skipped.stderr
    assert "1 malformed rows skipped" in skipped.stdout and f"{bad}:3" in skipped.stdout
    flag = vigil("baseline", "suggest", "--dataset", str(bad), "--output", "o", "--workers", "0")
    assert flag.returncode == 2
