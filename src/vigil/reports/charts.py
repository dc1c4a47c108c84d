"""Vega-Lite specifications of the report's charts: plain JSON-ready dicts, no rendering here.

Each builder returns a Vega-Lite v6 spec with its data inline (``data.values``), so a report
never loads anything: the page compiles the spec with the inlined ``vegaLite.compile`` and draws
it with ``vega.View`` (see ``static/report.js``). Specs are kept small (short field names, no
``$schema`` URL: a report holds no network reference) because a report carries one per feature.

>>> spec = bar_chart([{"x": "a", "y": 1.0}], x="x", y="y", x_title="check", y_title="count")
>>> spec["mark"]["type"], spec["data"]["values"][0]
('bar', {'x': 'a', 'y': 1.0})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "BASELINE_COLOUR",
    "CURRENT_COLOUR",
    "Spec",
    "bar_chart",
    "bias_chart",
    "comparison_chart",
    "curve_chart",
    "distance_chart",
    "heatmap_chart",
]

Spec = dict[str, Any]
"""A Vega-Lite specification (JSON-serialisable)."""

BASELINE_COLOUR = "#7f8c8d"
"""Colour of baseline series (grey)."""

CURRENT_COLOUR = "#2874a6"
"""Colour of current (window) series (blue)."""

VIOLATION_COLOUR = "#c0392b"
"""Colour of what violates (red)."""

_SERIES = {
    "domain": ["baseline", "current"],
    "range": [BASELINE_COLOUR, CURRENT_COLOUR],
}

_CONFIG: Spec = {"view": {"stroke": None}, "axis": {"labelLimit": 180}}


def _base(values: Sequence[Mapping[str, Any]], *, width: int | str, height: int) -> Spec:
    return {
        "data": {"values": list(values)},
        "width": width,
        "height": height,
        "config": _CONFIG,
    }


def bar_chart(
    values: Sequence[Mapping[str, Any]],
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    width: int | str = "container",
    height: int | None = None,
) -> Spec:
    """A horizontal bar per category (``x`` nominal, ``y`` quantitative), with a tooltip.

    Parameters
    ----------
    values : sequence of mapping
        The rows, each with the fields ``x`` and ``y``.
    x, y : str
        Field names of the category and of the value.
    x_title, y_title : str
        Axis titles.
    width : int or "container", default="container"
        Width in pixels (``"container"``: the width of the page element).
    height : int, optional
        Height in pixels; default 20 per bar.
    """
    spec = _base(values, width=width, height=0)
    spec["height"] = height if height is not None else {"step": 20}
    spec["mark"] = {"type": "bar", "color": CURRENT_COLOUR, "tooltip": True}
    spec["encoding"] = {
        "y": {"field": x, "type": "nominal", "title": x_title, "sort": "-x"},
        "x": {"field": y, "type": "quantitative", "title": y_title},
    }
    return spec


def comparison_chart(
    values: Sequence[Mapping[str, Any]],
    *,
    category_title: str,
    value_title: str = "fraction",
    ordinal: bool = False,
    horizontal: bool = False,
    height: int = 160,
) -> Spec:
    """Baseline and current side by side per bin or category (rows ``{"c", "s", "v"}``).

    ``c`` is the bin label or category, ``s`` the series (``"baseline"`` or ``"current"``) and
    ``v`` the value (a fraction in [0, 1], or an attribution). Bars of one bin are grouped
    (``xOffset``); ``ordinal`` keeps the rows' order of ``c`` (numeric bins), otherwise the
    categories are in the rows' order too (the caller sorts them).
    """
    spec = _base(values, width="container", height=height)
    category = {
        "field": "c",
        "type": "ordinal" if ordinal else "nominal",
        "title": category_title,
        "sort": None,
    }
    value = {"field": "v", "type": "quantitative", "title": value_title}
    series = {"field": "s", "type": "nominal", "title": None, "scale": _SERIES}
    spec["mark"] = {"type": "bar", "tooltip": True}
    if horizontal:
        spec["height"] = {"step": 9}
        spec["encoding"] = {"y": category, "x": value, "color": series, "yOffset": {"field": "s"}}
    else:
        spec["encoding"] = {"x": category, "y": value, "color": series, "xOffset": {"field": "s"}}
    return spec


def distance_chart(values: Sequence[Mapping[str, Any]]) -> Spec:
    """Drift distance per feature (rows ``{"f", "d", "t", "x"}``) with each feature's threshold.

    ``f`` is the feature, ``d`` the distance, ``t`` its threshold and ``x`` whether it drifted;
    bars keep the rows' order (the caller sorts them) and the threshold is a tick on each bar.
    """
    spec = _base(values, width="container", height=0)
    spec["height"] = {"step": 12}
    y = {"field": "f", "type": "nominal", "title": None, "sort": None}
    spec["layer"] = [
        {
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": y,
                "x": {"field": "d", "type": "quantitative", "title": "distance"},
                "color": {
                    "field": "x",
                    "type": "nominal",
                    "title": "drifted",
                    "scale": {"domain": [False, True], "range": [CURRENT_COLOUR, VIOLATION_COLOUR]},
                },
            },
        },
        {
            "mark": {"type": "tick", "color": "black", "thickness": 2, "tooltip": True},
            "encoding": {
                "y": y,
                "x": {"field": "t", "type": "quantitative"},
            },
        },
    ]
    return spec


def curve_chart(
    values: Sequence[Mapping[str, Any]], *, x_title: str, y_title: str, diagonal: bool
) -> Spec:
    """A curve through points ``{"x", "y"}`` in [0, 1]², zoomable; ``diagonal`` adds y = x.

    Used for the ROC curve (false/true positive rates, with the chance diagonal) and the
    precision-recall curve.
    """
    spec = _base([], width=260, height=220)
    spec.pop("data")
    line = {
        "data": {"values": list(values)},
        "mark": {"type": "line", "color": CURRENT_COLOUR, "point": False, "tooltip": True},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "title": x_title},
            "y": {"field": "y", "type": "quantitative", "title": y_title},
            "order": {"field": "i"},
        },
        "params": [{"name": "zoom", "select": "interval", "bind": "scales"}],
    }
    layers: list[Spec] = [line]
    if diagonal:
        layers.append(
            {
                "data": {"values": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]},
                "mark": {"type": "line", "color": BASELINE_COLOUR, "strokeDash": [4, 4]},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative"},
                    "y": {"field": "y", "type": "quantitative"},
                },
            }
        )
    spec["layer"] = layers
    return spec


def heatmap_chart(values: Sequence[Mapping[str, Any]]) -> Spec:
    """A confusion matrix: rows ``{"a", "p", "n"}`` (actual, predicted, count) as coloured cells."""
    spec = _base(values, width=240, height=240)
    spec["layer"] = [
        {
            "mark": {"type": "rect", "tooltip": True},
            "encoding": {
                "x": {"field": "p", "type": "nominal", "title": "predicted"},
                "y": {"field": "a", "type": "nominal", "title": "actual"},
                "color": {"field": "n", "type": "quantitative", "title": "records"},
            },
        },
        {
            "mark": {"type": "text"},
            "encoding": {
                "x": {"field": "p", "type": "nominal"},
                "y": {"field": "a", "type": "nominal"},
                "text": {"field": "n", "type": "quantitative"},
            },
        },
    ]
    return spec


def bias_chart(values: Sequence[Mapping[str, Any]]) -> Spec:
    """Bias metrics of one facet value (rows ``{"m", "v", "f"}``) with their fair values.

    ``m`` is the metric, ``v`` its value and ``f`` its fair value (a black tick): the further a
    bar ends from its tick, the larger the measured bias.
    """
    spec = _base(values, width="container", height=0)
    spec["height"] = {"step": 16}
    y = {"field": "m", "type": "nominal", "title": None, "sort": None}
    spec["layer"] = [
        {
            "mark": {"type": "bar", "color": CURRENT_COLOUR, "tooltip": True},
            "encoding": {"y": y, "x": {"field": "v", "type": "quantitative", "title": "value"}},
        },
        {
            "mark": {"type": "tick", "color": "black", "thickness": 2, "tooltip": True},
            "encoding": {"y": y, "x": {"field": "f", "type": "quantitative"}},
        },
    ]
    return spec
