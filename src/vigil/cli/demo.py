"""``vigil demo``: the main job on real data, end to end (:mod:`vigil.demo.run`).

Three years of real census traffic (ACS employment, Massachusetts 2016–2018) go through a
model served by an embedded Vigil with data capture; hourly data-quality and model-quality
schedules analyse it against baselines from 2015, with the labels arriving an hour late. This
module only draws: progress bars while it runs, then the per-window summary.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import typer
from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from vigil.demo.run import Demo, DemoConfig, DemoReport, WindowReport
from vigil.errors import InvalidParameterError

__all__ = ["demo", "render_report"]


class _RichReporter:
    """Stages as log lines, replay and executions as progress bars."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bars = Progress(
            TextColumn("{task.description:<11}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    def stage(self, message: str) -> None:
        self.console.print(f"[bold]›[/bold] {message}")

    def progress(self, task: str, completed: int, total: int) -> None:
        if task not in self.tasks:
            if not self.tasks:
                self.bars.start()
            self.tasks[task] = self.bars.add_task(task, total=total)
        self.bars.update(self.tasks[task], completed=completed, total=total)

    def close(self) -> None:
        if self.tasks:
            self.bars.stop()


def _years(text: str) -> tuple[int, ...]:
    try:
        years = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        years = ()
    if not years:
        raise InvalidParameterError(
            f"--years must be a comma-separated list of years such as 2016,2017. Got {text!r} "
            "instead.",
            field="--years",
        )
    return years


def demo(
    output: Path = typer.Option(Path("demo-output"), "--output", help="Where everything goes."),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Download cache (default $VIGIL_CACHE_DIR or ~/.cache/vigil)."
    ),
    years: str = typer.Option("2016,2017,2018", "--years", help="Traffic years (12 windows each)."),
    every: int = typer.Option(
        4, "--every", min=1, help="Replay every N-th row of each month (1: every row)."
    ),
    workers: int = typer.Option(2, "--workers", min=1, help="Executions run at once."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Service port (0: a free one)."),
    keep: bool = typer.Option(
        False, "--keep", help="Leave the service running afterwards (Ctrl-C stops it)."
    ),
    train_rows: int | None = typer.Option(None, "--train-rows", min=100, hidden=True),
    seed: int = typer.Option(0, "--seed", help="Seed of training, traffic split and sampling."),
) -> None:
    """Run Vigil's whole loop on real census data: serve, capture, baseline, schedule, report."""
    console = Console()
    config = DemoConfig(
        output=output,
        cache_dir=cache_dir,
        years=_years(years),
        every=every,
        train_rows=train_rows,
        workers=workers,
        seed=seed,
        port=port,
    )
    span = f"{min(config.years)}–{max(config.years)}" if len(config.years) > 1 else years
    console.rule(f"Vigil demo: ACS employment (MA), trained on 2015, served {span}")
    reporter = _RichReporter(console)
    with Demo(config, reporter) as running:
        console.print(f"[bold]›[/bold] service on {running.url}")
        try:
            report = running.run()
        finally:
            reporter.close()
        console.print(render_report(report))
        if keep:
            console.print(
                f"\nThe service keeps running on {report.url} — its clock stays at the simulated "
                f"time {running.clock.now():%Y-%m-%d %H:%M}Z. Try:\n"
                f"  vigil executions list --url {report.url} --schedule acs-data-quality-hourly\n"
                f"  curl -s {report.url}/metrics | grep vigil_invocations\n"
                "Ctrl-C stops it."
            )
            running.wait()


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _status(status: str | None, violations: int) -> Text:
    if status is None:
        return Text("–")
    if status == "Completed":
        return Text("ok", style="green")
    if status == "CompletedWithViolations":
        return Text(f"{violations} viol.", style="yellow")
    return Text(status.lower(), style="red")


_MAX_FINDINGS = 12
"""Data-quality violations printed under the table; the rest are counted."""


def _round_numbers(text: str) -> str:
    """``0.18456193564`` → ``0.1846``: SageMaker's descriptions print full float precision."""
    return re.sub(r"\d+\.\d{5,}", lambda m: f"{float(m.group()):.4g}", text)


def _short(name: str, width: int = 10) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _window_row(w: WindowReport) -> list[Text | str]:
    dq, mq = w.data_quality, w.model_quality
    coverage = "–" if not w.predictions or w.labels is None else f"{w.labels / w.predictions:.0%}"
    drift = (
        "none"
        if w.top_drift is None or round(w.top_drift[1], 2) == 0
        else f"{_short(w.top_drift[0])} {w.top_drift[1]:.2f}"
    )
    return [
        Text(w.name, style="bold magenta" if w.injected else ""),
        f"{w.rows:,}",
        _status(dq.status.value if dq else None, len(w.violations)),
        drift,
        _status(mq.status.value if mq else None, len(w.model_violations)),
        _num(w.accuracy),
        _num(w.f1),
        coverage,
    ]


def render_report(report: DemoReport) -> Group:
    """The final summary: one row per window, then the findings and where everything is."""
    table = Table(
        title="Per window (one simulated hour = one month of traffic): the data-quality and\n"
        "model-quality monitors, the largest baseline drift, accuracy, F1 and label coverage",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for name, justify in [("window", "left"), ("rows", "right"), ("data", "left"),
                          ("top drift", "left"), ("model", "left"), ("acc.", "right"),
                          ("F1", "right"), ("labels", "right")]:  # fmt: skip
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for w in report.windows:
        table.add_row(*_window_row(w))
    real = [w for w in report.windows if not w.injected]
    injected = [w for w in report.windows if w.injected]
    lines: list[Text | Table | Padding] = [table]
    lines.append(
        Text(
            f"Baseline (2015 hold-out): accuracy {_num(report.baseline_accuracy)}, F1 "
            f"{_num(report.baseline_f1)}; alarms below accuracy "
            f"{_num(report.thresholds.get('accuracy'))}, F1 {_num(report.thresholds.get('f1'))}."
        )
    )
    dq_alarms = sum(bool(w.violations) for w in real)
    mq_alarms = sum(bool(w.model_violations) for w in real)
    accuracies = [w.accuracy for w in real if w.accuracy is not None]
    lines.append(
        Text(
            f"Real traffic: {len(real)} windows, data-quality violations in {dq_alarms}, "
            f"model-quality violations in {mq_alarms}; accuracy "
            f"{_num(min(accuracies, default=None))}–{_num(max(accuracies, default=None))}. "
            + (
                "Massachusetts drifts little against 2015 at SageMaker's default thresholds."
                if not dq_alarms and not mq_alarms
                else "See the violations below."
            )
        )
    )
    for w in injected:
        lines.append(
            Text(
                f"Injected window {w.name!r} (synthetic: ages +30%, 1 in 7 marital statuses "
                f"missing): {len(w.violations)} data-quality and "
                f"{len(w.model_violations)} model-quality violations.",
                style="magenta",
            )
        )
    budget = _MAX_FINDINGS
    for w in report.windows:
        if not (w.violations or w.model_violations):
            continue
        lines.append(Text(f"{w.name}:", style="bold"))
        shown = w.violations[:budget]
        budget -= len(shown)
        for feature, check, description in shown:
            lines.append(Text(f"  {feature} {check}"))
            lines.append(Padding(Text(_round_numbers(description)), (0, 0, 0, 4)))
        if len(w.violations) > len(shown):
            more = len(w.violations) - len(shown)
            lines.append(Text(f"  … {more} more in constraint_violations.json"))
        if w.model_violations:
            failed = ", ".join(w.model_violations)
            lines.append(Padding(Text(f"model quality: {failed}"), (0, 0, 0, 2)))
    reports = report.output / "data" / "reports"
    lines.append(
        Text(
            f"\n{report.requests:,} invocations ({report.replayed_rows:,} of "
            f"{report.total_rows:,} rows, plus the injected window) in {report.seconds:.0f} s.\n"
            f"Reports: {reports}/acs-employment/<schedule>/yyyy/mm/dd/hh/\n"
            f"Capture: {report.output / 'data' / 'capture'}   "
            f"Ground truth: {report.output / 'data' / 'groundtruth'}\n"
            f"API docs: {report.docs_url}"
        )
    )
    return Group(*lines)
