"""Org charts on pages: the SVG the build laid out, inlined with links to this server.

The build writes each box's link as the resource's IRI (it cannot know where a server
publishes them); here the IRIs this server publishes become its own paths, as everywhere
on its pages (``Bases.href``), and the rest stay as they are or lose their link.
"""

import html
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from publisher.build.org_charts import chart_key, read_chart, read_index
from publisher.web.labels import Bases
from publisher.web.language import page_language
from publisher.web.publication import publication

_LINK = re.compile(r'xlink:href="([^"]*)"')


@dataclass(frozen=True)
class Entry:
    """One box of the text list: its label and link, the position type, its superiors."""

    label: str
    href: str | None
    role: str | None
    role_href: str | None
    superiors: list[tuple[str, str | None]]


@dataclass(frozen=True)
class OrgChart:
    """What a page shows of an organization's chart."""

    iri: str
    key: str  # unique on a page: the ids of its heading
    title: str
    href: str | None
    svg: Markup
    entries: list[Entry]


def _localized(svg: str, bases: Bases) -> str:
    def local(match: re.Match[str]) -> str:
        href = bases.href(html.unescape(match.group(1)))
        return f'xlink:href="{html.escape(href)}"' if href else ""

    return _LINK.sub(local, svg)


def org_chart(iri: str, bases: Bases) -> OrgChart | None:
    """The chart of an organization in the page's language, or None when it has none."""
    language = page_language()
    found = read_chart(publication().snapshot.path, iri, language)
    if found is None:
        return None
    svg, data = found
    boxes: dict[str, dict[str, Any]] = {box["iri"]: box for box in data["boxes"]}
    entries = []
    for box in data["boxes"]:
        if box["kind"] != "post":
            continue
        superiors = [
            (boxes[superior]["labels"][language], bases.href(superior))
            for subordinate, superior in data["lines"]
            if subordinate == box["iri"]
        ]
        role = box["role"]
        entries.append(
            Entry(
                box["labels"][language],
                bases.href(box["iri"]),
                box["role_labels"][language] if role else None,
                bases.href(role) if role else None,
                superiors,
            )
        )
    return OrgChart(
        iri,
        chart_key(iri),
        data["labels"][language],
        bases.href(iri),
        # Markup: dot wrote it from escaped labels (org_charts.render_svg), and the only
        # attribute changed here is rewritten escaped.
        Markup(_localized(svg, bases)),
        entries,
    )


def reference_charts(bases: Bases) -> list[OrgChart]:
    """The charts of the reference organizations (one per government system), for the home page."""
    charts = []
    for entry in read_index(publication().snapshot.path):
        if entry["reference"]:
            chart = org_chart(entry["iri"], bases)
            if chart is not None:
                charts.append(chart)
    return charts
