"""Render a :class:`~vigil.reports.report.Report` as one self-contained HTML file.

The page (Jinja2 template ``templates/report.html.j2``) carries everything it needs inline: its
CSS, the chart runtime (Vega 6 and Vega-Lite 6, vendored from npm with their licences under
``vendor/``), a small script that draws the charts, and the charts' specs and data as one JSON
block. It references no URL: it opens from a disk, an object store or a mail attachment, with
no network. Every number is also in an HTML table, so the page reads without JavaScript (the
charts need it). Feature charts are drawn when their section is opened, so a report of 150
features opens quickly.

Inline JSON is written with ``<``, ``>`` and ``&`` as ``\\u003c``-style escapes, so a feature
named ``</script>`` cannot end the block; text goes through Jinja2's HTML autoescaping.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import metadata, resources
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from vigil.reports.charts import Spec
from vigil.reports.report import Report

__all__ = ["CHART_LIBRARIES", "ChartRegistry", "render_html", "script_json"]

CHART_LIBRARIES = (("vega", "6.4.0", "vega.min.js"), ("vega-lite", "6.5.0", "vega-lite.min.js"))
"""The inlined chart runtime: npm package, version, file under ``vendor/`` (load order)."""


def script_json(value: Any) -> str:
    """JSON safe inside an HTML ``<script>`` element (``<``, ``>``, ``&`` escaped).

    Non-finite floats become ``null``.

    Examples
    --------
    >>> script_json({"f": "</script>"})
    '{"f":"\\\\u003c/script\\\\u003e"}'
    """
    text = orjson.dumps(value).decode()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class ChartRegistry:
    """Collects the charts of one page: the template adds each and gets its placeholder."""

    def __init__(self) -> None:
        self._specs: dict[str, Spec] = {}

    def add(self, spec: Spec | None, label: str, css_class: str = "chart") -> Markup:
        """Register ``spec``; the ``<div>`` the page's script draws it into (empty if None)."""
        if spec is None:
            return Markup("")
        key = f"c{len(self._specs)}"
        self._specs[key] = spec
        return Markup('<div class="{}" data-chart="{}" role="img" aria-label="{}"></div>').format(
            css_class, key, label
        )

    def __len__(self) -> int:
        return len(self._specs)

    def json(self) -> Markup:
        """Every registered spec by id, as inline-safe JSON."""
        return Markup(script_json(self._specs))


def _num(x: Any, digits: int = 4) -> str:
    """A number for a table cell: ``digits`` significant digits, integers in full, "—" for None.

    Examples
    --------
    >>> [_num(v) for v in (None, 3, 20000.0, 0.12345678, 5.808e-4, 1.5e-7, 123456.78, float("nan"))]
    ['—', '3', '20000', '0.1235', '0.0005808', '1.500e-07', '123456.8', 'NaN']
    """
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    if abs(x) >= 10**digits:
        return f"{x:.1f}"
    if abs(x) < 1e-4:
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def _pct(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{100 * x:.1f}%"


def _range(r: tuple[float, float] | None) -> str:
    if r is None:
        return "—"
    return f"[{_num(r[0], 3)}, {_num(r[1], 3)}]"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("vigil.reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    env.filters["range"] = _range
    return env


@cache
def _asset(folder: str, name: str) -> str:
    return (resources.files("vigil.reports") / folder / name).read_text(encoding="utf-8")


@cache
def _version() -> str:
    # Not ``vigil.__version__``: importing the root package would reach the jobs layer.
    try:
        return metadata.version("vigil")
    except metadata.PackageNotFoundError:
        return "(version unknown)"


def _inline_script(source: str) -> Markup:
    # A vendored or own script must not be able to close its element early.
    if "</script" in source.lower():
        raise ValueError("an inlined script contains '</script'")
    return Markup(source)


def render_html(report: Report) -> str:
    """The report as one self-contained HTML document.

    Parameters
    ----------
    report : Report
        From :func:`~vigil.reports.report.build_report`.

    Returns
    -------
    str
        The page (UTF-8 text); about 0.8 MB of it is the inlined chart runtime.
    """
    env = _environment()
    libraries = [_inline_script(_asset("vendor", f)) for _, _, f in CHART_LIBRARIES]
    return env.get_template("report.html.j2").render(
        report=report,
        charts=ChartRegistry(),
        css=Markup(_asset("static", "report.css")),
        libraries=libraries,
        script=_inline_script(_asset("static", "report.js")),
        library_versions=CHART_LIBRARIES,
        version=_version(),
        escape=escape,
    )
