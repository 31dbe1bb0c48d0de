"""Where a result's focus node is written: file, line, and for a blank node its anchor.

Oxigraph's parsers give no positions, so each file that holds a result's focus node is
read a second time, for positions only:

- Turtle: by rdflib's Turtle parser, whose ``SinkParser`` counts lines; the line of each
  statement's first subject is recorded as it starts. IRIs are the same in both parses,
  so the line of every named subject is exact (the line its statement starts on).
- N-Triples: one triple per line, the subject first: the line is read off directly.
- JSON-LD and RDF/XML: their parsers give no positions; results name the file only.

A blank node is located at the nearest named node above it (fewest links up, then the
smallest IRI) with the path of predicates down to it, and at that node's line; a blank
node with no named node above it gets the line of a top-level blank subject of the
Turtle file that has the same named properties. The file of a blank node is the one its
id names (``f2x7`` was read from the third file). Files above ``POSITION_PASS_LIMIT``
bytes name no line: a second pure-Python parse of them would cost minutes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.rdf.formats import NTRIPLES, TURTLE
from publisher.rdf.parsing import format_for
from publisher.validation.model import Location

POSITION_PASS_LIMIT = 20 << 20
_FILE_OF_BLANK = re.compile(r"f(\d+)x")


@dataclass
class _Positions:
    """Lines of one file's subjects: named ones, and top-level blank ones by signature."""

    named: dict[URIRef, int]
    blank: dict[frozenset[tuple[Node, object]], int]


LinesOf = Callable[[int], "_Positions"]


def locate(
    nodes: Iterable[Node],
    graph: Graph,
    files: list[Path],
    input_format: str | None = None,
    base_iri: str | None = None,
) -> dict[Node, Location]:
    """The location of each node the files define (nodes they do not define are left out)."""
    positions: dict[int, _Positions] = {}

    def lines_of(index: int) -> _Positions:
        if index not in positions:
            positions[index] = _positions(files[index], input_format, base_iri)
        return positions[index]

    found: dict[Node, Location] = {}
    for node in nodes:
        if isinstance(node, URIRef):
            location = _named(node, files, lines_of)
        elif isinstance(node, BNode):
            location = _blank(node, graph, files, lines_of)
        else:
            location = None
        if location is not None:
            found[node] = location
    return found


def _named(node: URIRef, files: list[Path], lines_of: LinesOf) -> Location | None:
    for index, path in enumerate(files):
        line = lines_of(index).named.get(node)
        if line is not None:
            return Location(path, line)
    return None


def _blank(node: BNode, graph: Graph, files: list[Path], lines_of: LinesOf) -> Location | None:
    match = _FILE_OF_BLANK.match(str(node))
    if match is None or int(match.group(1)) >= len(files):
        return None
    index = int(match.group(1))
    anchor, path = _anchor(node, graph)
    if anchor is not None:
        return Location(files[index], lines_of(index).named.get(anchor), anchor, path)
    signature = _signature(graph, node)
    return Location(files[index], lines_of(index).blank.get(signature))


def _anchor(node: BNode, graph: Graph) -> tuple[URIRef | None, tuple[URIRef, ...]]:
    """The nearest named node above a blank node and the predicates down from it."""
    level: list[tuple[Node, tuple[URIRef, ...]]] = [(node, ())]
    seen: set[Node] = {node}
    while level:
        above = [
            (parent, (predicate, *path))
            for current, path in level
            for parent, predicate in graph.subject_predicates(current)
            if isinstance(predicate, URIRef) and parent not in seen
        ]
        named = sorted((str(p), path) for p, path in above if isinstance(p, URIRef))
        if named:
            return URIRef(named[0][0]), named[0][1]
        level = []
        for upper, path in above:
            if upper not in seen:
                seen.add(upper)
                level.append((upper, path))
    return None, ()


def _signature(graph: Graph, node: Node) -> frozenset[tuple[Node, object]]:
    """A blank node's named properties, literals compared as RDF 1.1 does (plain = xsd:string)."""
    return frozenset(
        (p, (str(o), o.language, o.datatype or XSD.string) if isinstance(o, Literal) else o)
        for p, o in graph.predicate_objects(node)
        if not isinstance(o, BNode)
    )


def _positions(path: Path, input_format: str | None, base_iri: str | None) -> _Positions:
    """Lines of a file's subjects; none for a format without positions or a huge file."""
    empty = _Positions({}, {})
    try:
        fmt = format_for(path, input_format)
        if path.stat().st_size > POSITION_PASS_LIMIT:
            return empty
        if fmt is NTRIPLES:
            return _ntriples_positions(path)
        if fmt is TURTLE:
            return _turtle_positions(path, base_iri or path.resolve().as_uri())
    except Exception:  # a second parse that fails only costs the line numbers
        return empty
    return empty


def _ntriples_positions(path: Path) -> _Positions:
    named: dict[URIRef, int] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            text = line.lstrip()
            if text.startswith("<") and ">" in text:
                named.setdefault(URIRef(text[1 : text.index(">")]), number)
    return _Positions(named, {})


def _turtle_positions(path: Path, base_iri: str) -> _Positions:
    # Deferred: rdflib's Turtle parser is only needed when a report has results to place.
    from rdflib.plugins.parsers.notation3 import RDFSink, SinkParser

    class LineCountingParser(SinkParser):
        """Records the line each statement starts on for the subjects it makes."""

        def __init__(self, sink: RDFSink) -> None:
            super().__init__(sink, baseURI=base_iri, turtle=True)
            self.statement_line = 1
            self.first_line: dict[Node, int] = {}
            self.top_level: set[Node] = set()
            self._at_start = False

        def statement(self, argstr: str, i: int) -> int:
            self.statement_line = self.lines + 1
            self._at_start = True
            return super().statement(argstr, i)

        def makeStatement(self, quadruple) -> None:  # type: ignore[no-untyped-def]  # rdflib's own signature is untyped
            super().makeStatement(quadruple)
            subject = quadruple[2]
            self.first_line.setdefault(subject, self.statement_line)
            if self._at_start:
                self.top_level.add(subject)
                self._at_start = False

    graph = Graph()
    parser = LineCountingParser(RDFSink(graph))
    parser.loadBuf(path.read_bytes())
    named = {s: line for s, line in parser.first_line.items() if isinstance(s, URIRef)}
    blank = {
        _signature(graph, s): parser.first_line[s] for s in parser.top_level if isinstance(s, BNode)
    }
    return _Positions(named, blank)
