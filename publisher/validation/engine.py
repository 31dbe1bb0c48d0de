"""Run the SHACL shapes over a graph: pySHACL for the core constraints, Oxigraph for SPARQL.

pySHACL evaluates a SPARQL constraint once per focus node, re-parsing the query each
time with rdflib's slow parser (about 40 ms a node). The SPARQL constraints of our shapes
are written so that, with ``$this`` unbound and joined with the shape's targets, one query
over the whole graph selects every offending node; Oxigraph runs it in milliseconds. The
results are the ones pySHACL would give (same focus node, path, value, shape, component,
severity); ``bench/validate`` checks that on large graphs, the fixture tests on small ones.

A graph that Oxigraph cannot hold (a language tag that is not well-formed BCP 47, which
only rdflib's parser lets through) is validated by pySHACL alone, with the same shapes.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.term import Node

from publisher.rdf.terms import oxigraph_triples, to_rdflib
from publisher.validation.model import SEVERITIES, SH, ValidationResult

SPARQL_COMPONENT = SH.SPARQLConstraintComponent


@dataclass(frozen=True)
class SparqlShape:
    """A shape's SPARQL constraint, rewritten to run once over the whole graph."""

    shape: Node
    severity: str
    query: str
    is_property_shape: bool


# Below this many triples a second process costs more than it saves.
PARALLEL_FROM = 50_000
# pySHACL's sh:or validates every alternative and writes a report for each that fails:
# such a shape costs several times a plain one. Used only to share work between cores.
_OR_WEIGHT = 6


def run_shapes(data: Graph, shapes: Graph) -> list[ValidationResult]:
    """Every result of validating data (ontology included) against shapes.

    On large graphs the core shapes are shared between two processes (a forked child
    sees the graph without copying it); the SPARQL constraints run in this one.
    """
    core, sparql = split_shapes(shapes)
    try:
        store = oxigraph_store(data)
    except ValueError:  # a term Oxigraph refuses: let pySHACL do all of it
        return pyshacl_results(data, shapes, None)
    mine, theirs = _share(shapes, core) if _can_fork(data) else (core, [])
    with _in_child(data, shapes, theirs) as child_results:
        results = pyshacl_results(data, shapes, mine) if mine else []
        for constraint in sparql:
            results.extend(whole_graph_results(store, constraint))
        results.extend(child_results())
    return results


# What a forked child validates; set only while a child runs (inherited, never pickled).
_FORKED: tuple[Graph, Graph] | None = None


def _pyshacl_in_child(use_shapes: list[Node]) -> list[ValidationResult]:
    assert _FORKED is not None
    return pyshacl_results(*_FORKED, use_shapes)


@contextmanager
def _in_child(
    data: Graph, shapes: Graph, use_shapes: list[Node]
) -> Iterator[Callable[[], list[ValidationResult]]]:
    """Run pySHACL for some shapes in a forked child; yield a function that waits for it."""
    global _FORKED
    if not use_shapes:
        yield list
        return
    _FORKED = (data, shapes)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            pending = pool.apply_async(_pyshacl_in_child, (use_shapes,))
            yield pending.get
    finally:
        _FORKED = None


def _can_fork(data: Graph) -> bool:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    forkable = "fork" in multiprocessing.get_all_start_methods()
    # A daemonic process (the upload's child) may not have children of its own.
    daemonic = multiprocessing.current_process().daemon
    return len(data) >= PARALLEL_FROM and cores >= 2 and forkable and not daemonic


def _share(shapes: Graph, core: list[Node]) -> tuple[list[Node], list[Node]]:
    """Two groups of shapes of about equal cost (greedy, heaviest first)."""
    weight = {s: _OR_WEIGHT if (s, SH["or"], None) in shapes else 1 for s in core}
    groups: tuple[list[Node], list[Node]] = ([], [])
    loads = [0, 0]
    for shape in sorted(core, key=lambda s: (-weight[s], str(s))):
        lighter = loads.index(min(loads))
        groups[lighter].append(shape)
        loads[lighter] += weight[shape]
    return groups


def pyshacl_results(
    data: Graph, shapes: Graph, use_shapes: list[Node] | None
) -> list[ValidationResult]:
    """pySHACL's results for some shapes (all when use_shapes is None), never cloning data."""
    # Deferred on purpose: the web server imports this module for /validate, and only
    # the upload's child process, started from the fork server, should pay for pySHACL.
    import pyshacl

    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        inplace=True,
        use_shapes=[str(s) for s in use_shapes] if use_shapes is not None else None,
    )
    return results_of(report, shapes)


def results_of(report: Graph, shapes: Graph) -> list[ValidationResult]:
    """Result records of a SHACL validation report graph.

    A property shape's path is taken from the shapes graph (the report holds a copy of a
    complex path); a SPARQL constraint's ``?path`` from the report.
    """
    records = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(node, SH.sourceShape)
        path: Node | None = shapes.value(shape, SH.path)
        if path is None:
            path = report.value(node, SH.resultPath)
        focus = report.value(node, SH.focusNode)
        severity = report.value(node, SH.resultSeverity)
        component = report.value(node, SH.sourceConstraintComponent)
        if focus is None or shape is None or not isinstance(component, URIRef):
            raise ValueError(f"pySHACL gave an incomplete result: {node}")
        records.append(
            ValidationResult(
                focus=focus,
                path=path,
                value=report.value(node, SH.value),
                severity=SEVERITIES[URIRef(str(severity))],
                shape=shape,
                component=component,
            )
        )
    return records


def oxigraph_store(data: Graph) -> ox.Store:
    """An in-memory Oxigraph store of the graph (ValueError for a term it refuses)."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in oxigraph_triples(data))
    return store


def _split(shapes: Graph) -> tuple[list[Node], list[SparqlShape]]:
    core: list[Node] = []
    sparql: list[SparqlShape] = []
    for shape in sorted(
        set(shapes.subjects(RDF.type, SH.NodeShape))
        | set(shapes.subjects(RDF.type, SH.PropertyShape)),
        key=str,
    ):
        constraints = list(shapes.objects(shape, SH.sparql))
        if not constraints:
            core.append(shape)
            continue
        if len(constraints) > 1 or _has_core_constraints(shapes, shape):
            raise ValueError(f"{shape}: keep one SPARQL constraint and nothing else per shape")
        sparql.append(_sparql_shape(shapes, shape, constraints[0]))
    return core, sparql


def split_shapes(shapes: Graph) -> tuple[list[Node], list[SparqlShape]]:
    """The shapes pySHACL runs (core constraints) and the SPARQL constraints, rewritten."""
    key = id(shapes)
    if key not in _SPLIT_CACHE:
        _SPLIT_CACHE[key] = (shapes, _split(shapes))
    return _SPLIT_CACHE[key][1]


# Keeps the shapes graph itself too, so that its id is not reused while cached.
_SPLIT_CACHE: dict[int, tuple[Graph, tuple[list[Node], list[SparqlShape]]]] = {}


_NOT_CONSTRAINTS = {
    RDF.type,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.severity,
    SH.name,
    SH.description,
    SH.message,
    SH.sparql,
    SH.deactivated,
    SH.order,
    SH.group,
    RDFS.label,
    RDFS.comment,
}


def _has_core_constraints(shapes: Graph, shape: Node) -> bool:
    return any(
        p not in _NOT_CONSTRAINTS and str(p).startswith(str(SH)) for p in shapes.predicates(shape)
    )


def _sparql_shape(shapes: Graph, shape: Node, constraint: Node) -> SparqlShape:
    select = str(shapes.value(constraint, SH.select))
    prefixes = "".join(
        f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
        for source in shapes.objects(constraint, SH.prefixes)
        for d in shapes.objects(source, SH.declare)
    )
    body = select.replace("$this", "?this")
    brace = body.index("{", body.upper().index("WHERE"))
    query = prefixes + body[: brace + 1] + "\n" + _target_pattern(shapes, shape) + body[brace + 1 :]
    severity = SEVERITIES[URIRef(str(shapes.value(shape, SH.severity, default=SH.Violation)))]
    return SparqlShape(shape, severity, query, (shape, SH.path, None) in shapes)


def _target_pattern(shapes: Graph, shape: Node) -> str:
    """A subquery selecting the shape's focus nodes as ?this (SHACL target semantics)."""
    branches = [
        f"{{ ?this <{RDF.type}>/<{RDFS.subClassOf}>* <{c}> }}"
        for c in shapes.objects(shape, SH.targetClass)
    ]
    branches += [f"{{ ?this <{p}> [] }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    branches += [f"{{ [] <{p}> ?this }}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    branches += [f"{{ BIND(<{n}> AS ?this) }}" for n in shapes.objects(shape, SH.targetNode)]
    if (shape, RDF.type, RDFS.Class) in shapes:
        branches.append(f"{{ ?this <{RDF.type}>/<{RDFS.subClassOf}>* <{shape}> }}")
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(branches) + " } }\n"


def whole_graph_results(store: ox.Store, constraint: SparqlShape) -> list[ValidationResult]:
    """Run one rewritten SPARQL constraint once; one result per solution, as pySHACL gives."""
    results = []
    seen = set()
    solutions = store.query(constraint.query)
    if not isinstance(solutions, ox.QuerySolutions):
        raise ValueError(f"{constraint.shape}: a SPARQL constraint must be a SELECT query")
    for solution in solutions:
        focus = to_rdflib(solution["this"])
        path = solution["path"] if "path" in _variables(constraint.query) else None
        value = solution["value"] if "value" in _variables(constraint.query) else None
        value_node = (
            to_rdflib(value)
            if value is not None
            else (None if constraint.is_property_shape else focus)
        )
        key = (focus, path, value_node)
        if key in seen:
            continue
        seen.add(key)
        results.append(
            ValidationResult(
                focus=focus,
                path=URIRef(path.value) if path is not None else None,
                value=value_node,
                severity=constraint.severity,
                shape=constraint.shape,
                component=SPARQL_COMPONENT,
            )
        )
    return results


@cache
def _variables(query: str) -> frozenset[str]:
    head = query[: query.upper().index("WHERE")]
    return frozenset(re.findall(r"[?$](\w+)", head))
