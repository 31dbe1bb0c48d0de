"""The published dataset as context: what a steward's file may point at without defining it.

Context is every shipped data file (``data/*.ttl``): the vocabularies (systems, duty
areas, employment terms, decision rules, document kinds, credentials), the sources, the
position types of each system with their sourced facts, the reference organizations and
the alignments. All of it is published, so a steward may point at any of it; none of it
is the steward's to fix, so no result on it is reported. A shipped file that is itself
among the files validated is input, not context (a steward editing ``data/`` validates
the edited file, never the old copy beside it).

The steward's own nodes are the subjects of the triples in the steward's files and every
blank node of those files: results are reported for them only. Of the context, only the
part the files rely on (``relied_on``) is validated with them and published with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import turtle_files

# Blank nodes of context files get ids of their own (c0x..., c1x...), never the f0x...
# of the steward's files, so the two graphs merge without their blank nodes meeting.
CONTEXT_BLANK_PREFIX = "c"


def context_files(inputs: Iterable[Path] = ()) -> list[Path]:
    """The shipped data files, less any that is among the inputs."""
    given = {Path(p).resolve() for p in inputs}
    return [p for p in turtle_files("data") if p.resolve() not in given]


@cache
def _context_of(files: tuple[Path, ...]) -> Graph:
    return load_graph(files, blank_prefix=CONTEXT_BLANK_PREFIX)


def published_context(inputs: Iterable[Path] = ()) -> Graph:
    """The context graph for validating these inputs (parsed once per process; do not modify)."""
    return _context_of(tuple(context_files(inputs)))


def own_nodes(triples: Iterable[tuple[Node, Node, Node]]) -> set[Node]:
    """The nodes a steward's graph (or a file's triples) defines: its subjects and all of
    its blank nodes."""
    nodes: set[Node] = set()
    for s, _, o in triples:
        nodes.add(s)
        if isinstance(o, BNode):
            nodes.add(o)
    return nodes


def relied_on(data: Graph, context: Graph) -> Graph:
    """The part of the context the data relies on: what it is validated and published with.

    Starting from the context resources the data points at or describes further, and from
    those that point at the data's own nodes, every context triple about them is taken,
    and so on for each resource or blank node those triples point at: the published
    description of everything the data uses, closed under outgoing links. A shape that
    follows a path from a steward's node (a reporting chain, the type of a position type,
    the requirement a published position type requires) finds all it needs in it, and
    the rest of the dataset is neither validated again nor published twice.
    """
    described = set(context.subjects())
    starts: set[Node] = {
        node
        for node in {*data.objects(), *data.subjects()}
        if isinstance(node, URIRef) and node in described
    }
    kept = Graph()
    for node in own_nodes(data):
        if isinstance(node, URIRef):
            for subject, predicate in context.subject_predicates(node):
                kept.add((subject, predicate, node))
                starts.add(subject)
    pending: list[Node] = list(starts)
    seen: set[Node] = set(pending)
    while pending:
        node = pending.pop()
        for predicate, obj in context.predicate_objects(node):
            kept.add((node, predicate, obj))
            if obj not in seen and (isinstance(obj, BNode) or obj in described):
                seen.add(obj)
                pending.append(obj)
    return kept
