"""``vigil demo``: the main job on real data.

Until the end-to-end loop lands (serving, schedules, model quality), the demo runs the
data-quality baseline on the real ACS employment reference year (2015) and shows what it found.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from vigil.cli.render import baseline_summary
from vigil.demo.acs import default_cache_dir, fetch_acs_employment
from vigil.jobs.baseline import suggest_baseline

__all__ = ["demo"]


def demo(
    output: Path = typer.Option(Path("demo-output"), "--output", help="Where to write results."),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Download cache (default $VIGIL_CACHE_DIR or ~/.cache/vigil)."
    ),
    workers: int = typer.Option(2, "--workers", min=1, help="Worker processes."),
) -> None:
    """Run Vigil on real census data (ACS employment, Massachusetts) end to end."""
    console = Console()
    console.rule("Vigil demo: ACS employment, Massachusetts")
    with console.status("fetching the ACS data (nannyml wheel from PyPI, cached)…"):
        files = fetch_acs_employment(cache_dir or default_cache_dir())
    console.print(f"data: {files.reference.parent}")
    baseline_dir = output / "baseline" / "data-quality"
    with console.status("suggesting the data-quality baseline from 2015…"):
        result = suggest_baseline(
            [str(files.reference)],
            dataset_format="parquet",
            output=str(baseline_dir),
            workers=workers,
        )
    console.print(baseline_summary(result))
    console.print(
        f"Next: compare later traffic against it with the data-quality monitor; "
        f"the baseline is in {baseline_dir}/"
    )
