"""Read a report.html as a browser's parser would, and check that it is self-contained.

:class:`Page` parses with the standard library's HTML parser (no rendering): the tables by id,
every element's attributes, the inline scripts and the chart JSON. :func:`assert_self_contained`
is the offline contract of issue #20: no element loads anything (no ``src``, ``href`` to another
document, ``url(…)`` in CSS, ``srcset``, ``poster``, ``data``, ``action``), every script is inline,
and the only ``http(s)://`` strings are inside the vendored chart libraries (XML namespaces,
schema identifiers and error-message links in their code), never in the page's own markup,
style, script or data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from vigil.reports.render import CHART_LIBRARIES, _asset

URL = re.compile(r"https?://", re.IGNORECASE)
LOADING_ATTRIBUTES = {"src", "srcset", "poster", "data", "action", "formaction", "background"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]


@dataclass
class Table:
    """A table's cells as text: ``head`` rows hold only <th> cells, ``body`` rows any <td>."""

    attrs: dict[str, str | None]
    head: list[list[str]] = field(default_factory=list)
    body: list[list[str]] = field(default_factory=list)

    def column(self, index: int) -> list[str]:
        return [row[index] for row in self.body]


class Page(HTMLParser):
    """A parsed report: ``elements``, ``tables`` (in order), ``scripts`` and ``styles``."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.elements: list[Element] = []
        self.tables: list[Table] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._stack: list[Table] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._row_header = True
        self._raw: tuple[str, dict[str, str | None]] | None = None
        self._raw_text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.elements.append(Element(tag, a))
        if tag in ("script", "style"):
            self._raw, self._raw_text = (tag, a), []
        elif tag == "table":
            table = Table(attrs=a)
            self.tables.append(table)
            self._stack.append(table)
        elif tag == "tr":
            self._row, self._row_header = [], True
        elif tag in ("td", "th"):
            self._cell = []
            if tag == "td":
                self._row_header = False

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._raw is not None:
            kind, attrs = self._raw
            text = "".join(self._raw_text)
            if kind == "script":
                self.scripts.append((attrs, text))
            else:
                self.styles.append(text)
            self._raw = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack:
            rows = self._stack[-1].head if self._row_header else self._stack[-1].body
            rows.append(self._row)
            self._row = None
        elif tag == "table" and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._raw is not None:
            self._raw_text.append(data)
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def table(self, id: str) -> Table:
        """The table with this ``id`` (AssertionError if there is none)."""
        found = [t for t in self.tables if t.attrs.get("id") == id]
        assert found, f"no table #{id}"
        return found[0]

    def tables_with(self, **attrs: str) -> list[Table]:
        """Tables whose ``data-*`` (or other) attributes have these values."""
        return [
            t
            for t in self.tables
            if all(t.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def charts(self) -> dict[str, Any]:
        """The chart specs by id (``{}`` when the page has no chart)."""
        blocks = [text for a, text in self.scripts if a.get("id") == "vigil-charts"]
        return json.loads(blocks[0]) if blocks else {}

    def chart_ids(self) -> list[str]:
        return [str(e.attrs["data-chart"]) for e in self.elements if "data-chart" in e.attrs]


def vendored_sources() -> list[str]:
    """The chart libraries' code, as inlined."""
    return [_asset("vendor", f) for _, _, f in CHART_LIBRARIES]


def assert_self_contained(page: Page) -> None:
    """The offline contract (see the module docstring)."""
    for element in page.elements:
        for name, value in element.attrs.items():
            assert name not in LOADING_ATTRIBUTES, (element.tag, name, value)
            if value is not None:
                assert not URL.search(value), (element.tag, name, value)
                assert not value.strip().lower().startswith(("//", "javascript:")), value
        if element.tag == "link":
            raise AssertionError(f"<link> loads a resource: {element.attrs}")
        if element.tag == "a" and element.attrs.get("href") is not None:
            assert str(element.attrs["href"]).startswith("#"), element.attrs
        assert element.tag not in ("img", "iframe", "object", "embed", "video", "audio", "base")
    for style in page.styles:
        assert "url(" not in style and "@import" not in style
    vendored = vendored_sources()
    for attrs, text in page.scripts:
        assert "src" not in attrs
        if text.strip() in (v.strip() for v in vendored):
            continue  # the libraries' own string constants, loaded by nothing
        assert not URL.search(text), text[:200]
    without_libraries = page.html
    for source in vendored:
        without_libraries = without_libraries.replace(source, "")
    assert not URL.search(without_libraries), URL.search(without_libraries)
