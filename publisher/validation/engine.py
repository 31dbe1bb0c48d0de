"""Run the SHACL shapes over a graph: every constraint as whole-graph SPARQL in Oxigraph.

pySHACL evaluates a SPARQL constraint once per focus node, re-parsing the query each
time with rdflib's slow parser (about 40 ms a node), and its core constraints node by node
in Python. The SPARQL constraints of our shapes are written so that, with ``$this``
unbound and joined with the shape's targets, one query over the whole graph selects every
offending node; the core constraints are compiled into such queries too
(``publisher.validation.core_sparql``). Oxigraph runs them in seconds. The results are the
ones pySHACL would give (same focus node, path, value, shape, component, severity);
``bench/validate`` checks that on large graphs, the tests on the fixtures, the shipped data,
a synthetic sample and the W3C SHACL core tests.

A shape the compiler cannot translate is validated by pySHACL, in this process. A graph
that Oxigraph cannot hold (a language tag that is not well-formed BCP 47, which only
rdflib's parser lets through) is validated by pySHACL alone, with the same shapes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.rdf.terms import oxigraph_triples, to_oxigraph, to_rdflib
from publisher.validation.core_sparql import (
    TARGETS_AND_ANNOTATIONS,
    CompiledShapes,
    CoreQuery,
    compile_shapes,
    rdflib_path,
    target_pattern,
)
from publisher.validation.model import SEVERITIES, SH, ValidationResult

_log = logging.getLogger(__name__)

SPARQL_COMPONENT = SH.SPARQLConstraintComponent


@dataclass(frozen=True)
class SparqlShape:
    """A shape's SPARQL constraint, rewritten to run once over the whole graph."""

    shape: Node
    severity: str
    query: str
    is_property_shape: bool


def run_shapes(
    data: Graph, shapes: Graph, compiled: bool = True, hierarchies: Graph | None = None
) -> list[ValidationResult]:
    """Every result of validating data (ontology included) against shapes.

    The core constraints run as compiled SPARQL; the shapes the compiler does not
    translate, and all of them with ``compiled=False`` (the reference the tests compare
    with), are validated by pySHACL. ``hierarchies``, outside vocabularies' class
    hierarchies, is read as part of the data graph (sh:class follows rdfs:subClassOf
    there) without being added to ``data``.
    """
    core, sparql = split_shapes(shapes)
    try:
        store = oxigraph_store(data, hierarchies)
    except ValueError:  # a term Oxigraph refuses: let pySHACL do all of it
        return pyshacl_results(_joined(data, hierarchies), shapes, None)
    translated = compiled_core(shapes) if compiled else CompiledShapes(dict.fromkeys(core, ""))
    results = (
        pyshacl_results(_joined(data, hierarchies), shapes, list(translated.fallback))
        if translated.fallback
        else []
    )
    canonical = _Canonical()
    for query in translated.queries:
        results.extend(core_results(store, data, shapes, query, canonical))
    for constraint in sparql:
        results.extend(whole_graph_results(store, constraint))
    return results


def compiled_core(shapes: Graph) -> CompiledShapes:
    """The core shapes compiled to SPARQL, once per shapes graph; says which fell back."""
    key = id(shapes)
    if key not in _COMPILED_CACHE:
        compiled = compile_shapes(shapes, split_shapes(shapes)[0])
        for shape, reason in compiled.fallback.items():
            _log.warning("shape %s is left to pySHACL: %s is not compiled", shape, reason)
        _COMPILED_CACHE[key] = (shapes, compiled)
    return _COMPILED_CACHE[key][1]


# Keeps the shapes graph itself too, so that its id is not reused while cached.
_COMPILED_CACHE: dict[int, tuple[Graph, CompiledShapes]] = {}


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
    complex path); a SPARQL constraint's ``?path`` from the report. Only the report's own
    results (sh:result) count: pySHACL also types as results the nested shape's findings it
    attaches to an sh:node result as sh:detail, which SHACL does not report.
    """
    records = []
    for node in report.objects(None, SH.result):
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


def oxigraph_store(data: Graph, hierarchies: Graph | None = None) -> ox.Store:
    """An in-memory Oxigraph store of the graphs (ValueError for a term it refuses)."""
    store = ox.Store()
    for graph in (data, hierarchies or Graph()):
        store.bulk_extend(
            ox.Quad(t.subject, t.predicate, t.object) for t in oxigraph_triples(graph)
        )
    return store


def _joined(data: Graph, hierarchies: Graph | None) -> Graph:
    """The data graph as pySHACL must read it: a copy with the hierarchies, if any."""
    if hierarchies is None:
        return data
    joined = Graph()
    joined += data
    joined += hierarchies
    return joined


def _split(shapes: Graph) -> tuple[list[Node], list[SparqlShape]]:
    core: list[Node] = []
    sparql: list[SparqlShape] = []
    for shape in _top_level_shapes(shapes):
        constraints = list(shapes.objects(shape, SH.sparql))
        if not constraints:
            core.append(shape)
            continue
        if len(constraints) > 1 or _has_core_constraints(shapes, shape):
            raise ValueError(f"{shape}: keep one SPARQL constraint and nothing else per shape")
        sparql.append(_sparql_shape(shapes, shape, constraints[0]))
    return core, sparql


def _top_level_shapes(shapes: Graph) -> list[Node]:
    """The shapes declared as such, and every node with a target (SHACL: a shape too)."""
    found = set(shapes.subjects(RDF.type, SH.NodeShape))
    found |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    for target in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        found |= set(shapes.subjects(target, None))
    return sorted(found, key=str)


def split_shapes(shapes: Graph) -> tuple[list[Node], list[SparqlShape]]:
    """The shapes pySHACL runs (core constraints) and the SPARQL constraints, rewritten."""
    key = id(shapes)
    if key not in _SPLIT_CACHE:
        _SPLIT_CACHE[key] = (shapes, _split(shapes))
    return _SPLIT_CACHE[key][1]


# Keeps the shapes graph itself too, so that its id is not reused while cached.
_SPLIT_CACHE: dict[int, tuple[Graph, tuple[list[Node], list[SparqlShape]]]] = {}


# What a SPARQL-constraint shape may hold beside its constraint.
_NOT_CONSTRAINTS = TARGETS_AND_ANNOTATIONS | {SH.sparql}


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
    targets = target_pattern(shapes, shape)
    if targets is None:
        raise ValueError(f"{shape}: a shape with a SPARQL constraint needs a target")
    query = prefixes + body[: brace + 1] + "\n" + targets + "\n" + body[brace + 1 :]
    severity = SEVERITIES[URIRef(str(shapes.value(shape, SH.severity, default=SH.Violation)))]
    return SparqlShape(shape, severity, query, (shape, SH.path, None) in shapes)


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


def core_results(
    store: ox.Store, data: Graph, shapes: Graph, query: CoreQuery, canonical: _Canonical
) -> list[ValidationResult]:
    """Run one compiled core constraint once; one result per solution, as pySHACL gives.

    Oxigraph keeps literals in canonical form ("01"^^xsd:integer is 1): a literal focus
    node or value is mapped back to the term(s) of the data graph it stands for, so that
    results name what the file says and two spellings of one value give two results.
    """
    solutions = store.query(query.query)
    assert isinstance(solutions, ox.QuerySolutions)
    path = rdflib_path(shapes, query.path) if query.path is not None else None
    results: list[ValidationResult] = []
    for solution in solutions:
        times = solution["times"]  # bound for the focus nodes reached more than one way
        for focus in _focus_terms(data, shapes, query.shape, solution["this"], canonical):
            values: list[Node | None] = [None]
            if query.with_value:
                candidates = data.objects(focus, path) if path is not None else [focus]
                values = list(_originals(solution["value"], candidates, canonical))
            results.extend(
                ValidationResult(
                    focus=focus,
                    path=query.path,
                    value=value,
                    severity=query.severity,
                    shape=query.shape,
                    component=query.component,
                )
                for value in values
                for _ in range(int(times.value) if times is not None else 1)
            )
    return results


class _Canonical:
    """Oxigraph's canonical form of an rdflib literal, as its store would keep it."""

    def __init__(self) -> None:
        self._store = ox.Store()
        self._seen: dict[Node, ox.Literal] = {}
        self._subject = ox.NamedNode("urn:x-canonical:s")

    def __call__(self, literal: Literal) -> ox.Literal:
        if literal not in self._seen:
            self._store.clear()
            self._store.add(ox.Quad(self._subject, self._subject, to_oxigraph(literal)))
            [quad] = list(self._store)
            assert isinstance(quad.object, ox.Literal)
            self._seen[literal] = quad.object
        return self._seen[literal]


def _originals(term: Any, candidates: Iterable[Node], canonical: _Canonical) -> list[Node]:
    """The data graph's terms among candidates that Oxigraph stores as term."""
    if not isinstance(term, ox.Literal):
        return [to_rdflib(term)]
    found: list[Node] = [
        c
        for c in sorted(set(candidates), key=str)
        if isinstance(c, Literal) and canonical(c) == term
    ]
    return found or [to_rdflib(term)]


def _focus_terms(
    data: Graph, shapes: Graph, shape: Node, term: Any, canonical: _Canonical
) -> list[Node]:
    """The focus node(s) a solution's ?this stands for (only a literal needs a search: it
    can only be the object of a targetObjectsOf predicate, or a targetNode)."""
    if not isinstance(term, ox.Literal):
        return [to_rdflib(term)]
    candidates = [n for n in shapes.objects(shape, SH.targetNode)] + [
        o for p in shapes.objects(shape, SH.targetObjectsOf) for o in data.objects(None, p)
    ]
    return _originals(term, candidates, canonical)
