"""Org charts: each organization's posts and reporting lines as SVG, laid out by Graphviz.

An organization gets a chart when posts are in it (``org:postIn``). The chart's boxes are
those posts, its bodies (``org:subOrganizationOf``) and whatever else a post reports to;
an arrow is an ``org:reportsTo`` between them, drawn from the superior down. Each box
names the post and the position type it fills (``org:role``) and links to its page.

The build lays out every chart once per snapshot with Graphviz's ``dot`` (Debian
``graphviz``) through the ``graphviz`` package, in each page language, and writes them
under ``charts/`` beside the dumps: a server never runs ``dot``. Each box links to the
resource's IRI; the server turns IRIs it publishes into its own paths when it inlines the
SVG. Beside the SVGs, ``charts/<key>.json`` holds the same boxes and lines as data (the
page's text list, the accessible form of the chart) and ``charts/index.json`` lists the
charted organizations.

A national dataset charts only its reference organizations (``CHART_EVERY_UP_TO``).

Without ``dot`` the build leaves the charts out with a warning rather than failing: they
are a picture of lines the pages also list in text, and a dataset need not wait for a
drawing tool to be published.
"""

import hashlib
import html
import json
import logging
import re
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rdflib import ORG, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.build.snapshot import HTML_LANGUAGES
from publisher.rdf.namespaces import MR

CHARTS_FOLDER = "charts"
INDEX_FILE = f"{CHARTS_FOLDER}/index.json"
LABELS = (SKOS.prefLabel, RDFS.label)
# A box's lines are wrapped at this many characters, so that a chart stays narrow enough
# to read on a phone with little sideways scrolling.
WRAP = 26
# The site's own colours (static/style.css) and a generic font: no font is fetched.
FONT = "Helvetica,Arial,sans-serif"
GRAPH_STYLE = {"rankdir": "TB", "bgcolor": "transparent", "nodesep": "0.3", "ranksep": "0.45"}
NODE_STYLE = {
    "shape": "box",
    "style": "rounded,filled",
    "fillcolor": "#f4f6f8",
    "color": "#0b5cad",
    "fontcolor": "#1d232b",
    "fontname": FONT,
    "fontsize": "12",
    "margin": "0.15,0.08",
}
BODY_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": "#ffffff"}
EDGE_STYLE = {"color": "#5a6572", "dir": "back", "arrowtail": "normal"}

# The <title> of a box or arrow group (the graph's own title follows a <g class="graph">).
_INNER_TITLE = re.compile(r'(?<=class="(?:node|edge)">\n)<title>[^<]*</title>\n')

# A box's link as render_svg passes it to dot.
_PLACEHOLDER_LINK = re.compile(r'xlink:href="#box-(\d+)" xlink:title="box"')

# Beyond this many organizations with posts, only the reference organizations (one per
# government system) get a chart. Posts are in units (council, departments), so a
# national dataset of ~20,000 municipalities has ~140,000 of them, and dot takes about 0.1 s
# a chart and language (bench/README.md, build): hours on two cores, for pictures of
# lines every organization's page also lists in text. 100 of them cost ~20 s.
CHART_EVERY_UP_TO = 100

_log = logging.getLogger(__name__)


def chart_key(organization: str) -> str:
    """The file stem of an organization's chart: a digest, so any IRI makes a safe name."""
    return hashlib.sha256(organization.encode()).hexdigest()[:16]


def svg_file(organization: str, language: str) -> str:
    return f"{CHARTS_FOLDER}/{chart_key(organization)}.{language}.svg"


def data_file(organization: str) -> str:
    return f"{CHARTS_FOLDER}/{chart_key(organization)}.json"


@dataclass
class Box:
    """One box of a chart: a post (with the position type it fills) or a body."""

    iri: str
    kind: str  # "post", "body" (an organization) or "other" (outside this organization)
    labels: dict[str, str]
    role: str | None = None
    role_labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Chart:
    """An organization's chart as data: its boxes and its lines (subordinate, superior)."""

    iri: str
    labels: dict[str, str]
    reference: bool
    boxes: list[Box]
    lines: list[tuple[str, str]]


def _labels(graph: Graph, node: Node) -> dict[str, str]:
    """A label in each page language: that language's, else English, Turkish, any, the IRI."""
    found: dict[str, str] = {}
    for predicate in LABELS:
        literals = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
        for value in sorted(literals):
            found.setdefault(value.language or "", str(value))
    chain = [*HTML_LANGUAGES, "", *sorted(found)]
    fallback = next((found[lang] for lang in chain if lang in found), str(node))
    return {lang: found.get(lang, fallback) for lang in HTML_LANGUAGES}


def charts_of(graph: Graph, every_up_to: int | None = None) -> list[Chart]:
    """Every organization with posts, as a chart, in IRI order; beyond ``every_up_to``
    organizations, only the reference ones (``CHART_EVERY_UP_TO``)."""
    organizations = sorted(
        {o for o in graph.objects(None, ORG.postIn) if isinstance(o, URIRef)}, key=str
    )
    if every_up_to is not None and len(organizations) > every_up_to:
        organizations = [o for o in organizations if _is_reference(graph, o)]
    return [_chart(graph, organization) for organization in organizations]


def _is_reference(graph: Graph, organization: URIRef) -> bool:
    """A reference organization is the typical organization of a government system."""
    return any(
        (system, RDF.type, MR.GovernmentSystem) in graph
        for system in graph.objects(organization, ORG.classification)
    )


def _chart(graph: Graph, organization: URIRef) -> Chart:
    posts = sorted(graph.subjects(ORG.postIn, organization), key=str)
    bodies = sorted(graph.subjects(ORG.subOrganizationOf, organization), key=str)
    lines = sorted(
        {
            (str(post), str(superior))
            for post in posts
            for superior in graph.objects(post, ORG.reportsTo)
            if isinstance(superior, URIRef)
        }
    )
    boxes: dict[str, Box] = {}
    for post in posts:
        role = min(
            (r for r in graph.objects(post, ORG.role) if isinstance(r, URIRef)), default=None
        )
        boxes[str(post)] = Box(
            str(post),
            "post",
            _labels(graph, post),
            str(role) if role else None,
            _labels(graph, role) if role else {},
        )
    for body in bodies:
        boxes.setdefault(str(body), Box(str(body), "body", _labels(graph, body)))
    for _, superior in lines:
        if superior not in boxes:
            node = URIRef(superior)
            is_body = (node, RDF.type, ORG.Organization) in graph
            boxes[superior] = Box(superior, "body" if is_body else "other", _labels(graph, node))
    return Chart(
        str(organization),
        _labels(graph, organization),
        _is_reference(graph, organization),
        list(boxes.values()),
        lines,
    )


def _box_label(box: Box, language: str) -> str:
    """A box's text for dot: the data escaped (``graphviz.escape``), lines joined by dot's
    centred line break."""
    lines = textwrap.wrap(box.labels[language], WRAP) or [box.iri]
    role = textwrap.wrap(box.role_labels.get(language, ""), WRAP)
    if role:
        role[0] = "[" + role[0]
        role[-1] += "]"
        lines += role
    import graphviz  # see render_svg

    return "\\n".join(graphviz.escape(line) for line in lines)


def _tooltip(box: Box, language: str) -> str:
    text = box.labels[language]
    if box.role_labels:
        text += f" ({box.role_labels[language]})"
    return text


def render_svg(chart: Chart, language: str) -> str:
    """The chart laid out by ``dot`` as an ``<svg>`` element (no XML prolog: it is inlined).

    Boxes are named by their index, never by their IRI, and every label goes through the
    graphviz package's quoting: a label cannot end its string or inject DOT. dot escapes
    labels in its SVG but writes a link's URL and tooltip as given, so those are passed
    as placeholders and written here, escaped. Raises ``graphviz.ExecutableNotFound``
    when ``dot`` is not installed.
    """
    # graphviz is imported where a chart is laid out, at build time: the server, which
    # only reads charts (read_index, read_chart), starts without it.
    import graphviz

    dot = graphviz.Digraph(
        # The SVG's <title>: what a reader hovering the chart or a screen reader is told.
        name=graphviz.escape(chart.labels[language]),
        graph_attr={**GRAPH_STYLE, "fontname": FONT},
        node_attr=NODE_STYLE,
        edge_attr=EDGE_STYLE,
    )
    names = {box.iri: f"n{index}" for index, box in enumerate(chart.boxes)}
    for index, box in enumerate(chart.boxes):
        style = BODY_STYLE if box.kind == "body" else {}
        if box.kind == "other":
            style = {"style": "rounded,dashed"}
        dot.node(
            names[box.iri],
            label=_box_label(box, language),
            URL=f"#box-{index}",
            tooltip="box",
            target="_top",
            **style,
        )
    for subordinate, superior in chart.lines:
        # Drawn from the superior, so that dot ranks it above; the arrow points up to it.
        dot.edge(names[superior], names[subordinate])
    svg = dot.pipe(format="svg", encoding="utf-8")
    svg = svg[svg.index("<svg") :]
    # dot titles each box and arrow by its internal name ("n3", "n0->n3"): noise to a
    # screen reader; the links keep their own titles (the box's text).
    svg = _INNER_TITLE.sub("", svg)

    def link(match: re.Match[str]) -> str:
        box = chart.boxes[int(match.group(1))]
        iri, title = html.escape(box.iri), html.escape(_tooltip(box, language))
        return f'xlink:href="{iri}" xlink:title="{title}"'

    return _PLACEHOLDER_LINK.sub(link, svg)


def _data(chart: Chart) -> dict[str, Any]:
    data = asdict(chart)
    data["lines"] = [list(line) for line in chart.lines]
    return data


def chart_documents(graph: Graph, every_up_to: int | None = CHART_EVERY_UP_TO) -> dict[str, bytes]:
    """File name -> content of every chart of a snapshot (none, with a warning, when
    Graphviz's ``dot`` is not installed); of the reference organizations only when there
    are more than ``every_up_to`` organizations."""
    import graphviz  # see render_svg

    charts = charts_of(graph, every_up_to)
    documents: dict[str, bytes] = {}
    try:
        for chart in charts:
            for language in HTML_LANGUAGES:
                documents[svg_file(chart.iri, language)] = render_svg(chart, language).encode()
            documents[data_file(chart.iri)] = json.dumps(_data(chart), ensure_ascii=False).encode()
    except graphviz.ExecutableNotFound:
        _log.warning(
            "no org charts in this snapshot: Graphviz's dot is not installed "
            "(Debian: apt-get install graphviz); the pages list the reporting lines in text"
        )
        return {}
    index = [
        {"iri": c.iri, "labels": c.labels, "reference": c.reference, "key": chart_key(c.iri)}
        for c in charts
    ]
    documents[INDEX_FILE] = json.dumps(index, ensure_ascii=False).encode()
    return documents


def read_index(snapshot_path: Path) -> list[dict[str, Any]]:
    """The charted organizations of a snapshot ([] for one built without charts)."""
    path = snapshot_path / INDEX_FILE
    if not path.is_file():
        return []
    index: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return index


def read_chart(
    snapshot_path: Path, organization: str, language: str
) -> tuple[str, dict[str, Any]] | None:
    """An organization's chart in a language: its SVG and its data, or None."""
    svg, data = (
        snapshot_path / svg_file(organization, language),
        snapshot_path / data_file(organization),
    )
    if not (svg.is_file() and data.is_file()):
        return None
    chart: dict[str, Any] = json.loads(data.read_text(encoding="utf-8"))
    return svg.read_text(encoding="utf-8"), chart
