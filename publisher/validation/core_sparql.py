"""Compile SHACL core constraints into SPARQL queries that run once over the whole graph.

pySHACL tests every focus node and every value node in Python (an sh:or of sh:class writes
a report for each failing alternative), which the national build cannot afford at millions
of triples (issue 16). Here each core constraint of
a shape becomes one SELECT query, joined with the shape's targets, that Oxigraph answers
in one pass; a nested shape (an sh:or member, sh:node, sh:qualifiedValueShape) becomes a
condition inside that query. The SPARQL of each component is data (``core_sparql.toml``,
which says what SHACL semantics each one keeps); this module only assembles it from the
shapes graph. A shape using anything it does not know is left to pySHACL, with the reason
(``CompiledShapes.fallback``), so no constraint is ever dropped.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import count
from pathlib import Path
from string import Template
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.paths import (
    AlternativePath,
    InvPath,
    MulPath,
    SequencePath,
)
from rdflib.paths import Path as RdflibPath
from rdflib.term import Node

from publisher.validation.model import SEVERITIES, SH

TEMPLATES = Path(__file__).with_name("core_sparql.toml")

# Datatypes Oxigraph can cast to, so that a well-formed literal is told from an ill-typed one.
CASTABLE = {
    XSD.string,
    XSD.boolean,
    XSD.integer,
    XSD.decimal,
    XSD.float,
    XSD.double,
    XSD.date,
    XSD.dateTime,
    XSD.time,
    XSD.duration,
}

# Components tested on one value node at a time.
VALUE_COMPONENTS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.languageIn,
    SH["in"],
    SH.minInclusive,
    SH.minExclusive,
    SH.maxInclusive,
    SH.maxExclusive,
    SH.minLength,
    SH.maxLength,
    SH.pattern,
    SH["or"],
    SH["and"],
    SH["not"],
    SH.xone,
    SH.node,
}

# A shape's targets and the SHACL words that describe it rather than constrain it.
TARGETS_AND_ANNOTATIONS = frozenset(
    {
        SH.targetClass,
        SH.targetNode,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.severity,
        SH.name,
        SH.description,
        SH.message,
        SH.deactivated,
        SH.order,
        SH.group,
    }
)
# Predicates of a shape that are no constraint, or are read with the one they belong to.
NOT_CONSTRAINTS = TARGETS_AND_ANNOTATIONS | {
    SH.path,
    SH.flags,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
}


class Unsupported(Exception):
    """A construct the compiler does not translate: the shape goes to pySHACL."""


@dataclass(frozen=True)
class CoreQuery:
    """One core constraint of one shape, as a query selecting every result at once."""

    shape: Node
    component: URIRef
    severity: str
    query: str
    # The shape's sh:path, None for a node shape.
    path: Node | None
    # Whether each solution's ?value is the result's sh:value (else the result has none).
    with_value: bool


@dataclass(frozen=True)
class CompiledShapes:
    """The shapes left to pySHACL with the reason, and the queries of the shapes compiled."""

    fallback: dict[Node, str] = field(default_factory=dict)
    queries: list[CoreQuery] = field(default_factory=list)


@cache
def _data() -> dict[str, Any]:
    return tomllib.loads(TEMPLATES.read_text(encoding="utf-8"))


def _template(section: str, key: str, variant: str | None = None) -> Template:
    found = _data()[section][key]
    return Template(found if variant is None else found[variant])


def compile_shapes(shapes: Graph, use_shapes: list[Node]) -> CompiledShapes:
    """The queries of each shape; a shape the compiler cannot translate goes to fallback.

    pySHACL, given a list of shapes, ignores the shapes with IRIs that they reach (by
    sh:property, sh:node ...) unless they are listed too, and then validates those against
    their own targets as well. So every shape a fallback shape reaches falls back with it,
    and is not also run as compiled queries (which would report it twice).
    """
    compiled: dict[Node, list[CoreQuery]] = {}
    fallback: dict[Node, str] = {}
    for shape in use_shapes:
        try:
            compiled[shape] = compile_shape(shapes, shape)
        except Unsupported as reason:
            fallback[shape] = str(reason)
    for shape in list(fallback):
        for reached in _reached(shapes, shape):
            if isinstance(reached, URIRef) and reached not in fallback:
                fallback[reached] = f"nothing: it is reached from {shape}, which falls back"
    return CompiledShapes(
        fallback,
        [
            query
            for shape, queries in compiled.items()
            if shape not in fallback
            for query in queries
        ],
    )


def _reached(shapes: Graph, shape: Node) -> set[Node]:
    """Every shape a shape names by sh:property, sh:node, sh:or ..., at any depth."""
    found: set[Node] = set()
    todo = [shape]
    while todo:
        current = todo.pop()
        for parameter in (SH.property, SH.node, SH.qualifiedValueShape, SH["not"]):
            todo.extend(s for s in shapes.objects(current, parameter) if s not in found)
            found.update(shapes.objects(current, parameter))
        for parameter in (SH["or"], SH["and"], SH.xone):
            for head in shapes.objects(current, parameter):
                members = [m for m in shapes.items(head) if m not in found]
                todo.extend(members)
                found.update(members)
    return found


def compile_shape(shapes: Graph, shape: Node, targets: str | None = None) -> list[CoreQuery]:
    """Every core constraint of a shape as a whole-graph query (Unsupported if not).

    ``targets`` selects the focus nodes of a property shape reached by sh:property: those
    of the node shape that names it; by default, the shape's own targets.
    """
    if _deactivated(shapes, shape):
        return []
    targets = targets or target_pattern(shapes, shape)
    if targets is None:  # no target: no focus node, no result
        return []
    path = shapes.value(shape, SH.path)
    path_text = sparql_path(shapes, path) if path is not None else ""
    values = f"?this {path_text} ?value ." if path is not None else "BIND (?this AS ?value)"
    severity = SEVERITIES.get(
        URIRef(str(shapes.value(shape, SH.severity, default=SH.Violation))), ""
    )
    if not severity:
        raise Unsupported(f"severity {shapes.value(shape, SH.severity)}")
    fresh = count()
    queries: list[CoreQuery] = []

    def add(component: URIRef, query: str, with_value: bool) -> None:
        queries.append(CoreQuery(shape, component, severity, query, path, with_value))

    def fill(key: str, **values: str) -> str:
        return _template("query", key).substitute(
            targets=targets, values=values_pattern, path=path_text, **values
        )

    values_pattern = values
    for parameter, argument in sorted(shapes.predicate_objects(shape)):
        if not str(parameter).startswith(str(SH)) or parameter in NOT_CONSTRAINTS:
            continue
        component = _component(parameter)
        if parameter in VALUE_COMPONENTS or (parameter == SH.hasValue and path is None):
            conforms = value_condition(shapes, shape, parameter, argument, "?value", fresh)
            # SHACL gives sh:hasValue's result no sh:value.
            add(component, fill("value", conforms=conforms), parameter != SH.hasValue)
            continue
        if parameter == SH.property:
            queries.extend(compile_shape(shapes, argument, _children_targets(targets, path_text)))
            continue
        if path is None:
            raise Unsupported(f"{parameter} on a node shape")
        if parameter == SH.hasValue:
            add(component, fill("has_value", x=sparql_term(argument)), False)
        elif parameter in (SH.minCount, SH.maxCount):
            key = "min_count" if parameter == SH.minCount else "max_count"
            add(component, fill(key, x=_integer(argument), conforms="true"), False)
        elif parameter == SH.qualifiedValueShape:
            conforms = conforms_to(shapes, argument, "?value", fresh)
            if _true(shapes.value(shape, SH.qualifiedValueShapesDisjoint)):
                for sibling in _siblings(shapes, shape, argument):
                    conforms += f" && !{conforms_to(shapes, sibling, '?value', fresh)}"
            for bound, key in (
                (SH.qualifiedMinCount, "min_count"),
                (SH.qualifiedMaxCount, "max_count"),
            ):
                for number in shapes.objects(shape, bound):
                    add(_component(bound), fill(key, x=_integer(number), conforms=conforms), False)
        elif parameter == SH.uniqueLang:
            if _true(argument):
                add(component, fill("unique_lang"), False)
        elif parameter in (SH.lessThan, SH.lessThanOrEquals):
            if not isinstance(argument, URIRef):
                raise Unsupported(f"{parameter} {argument}")
            key = "lessThan" if parameter == SH.lessThan else "lessThanOrEquals"
            add(component, fill(key, x=sparql_term(argument)), True)
        else:
            raise Unsupported(str(parameter))
    return queries


def _siblings(shapes: Graph, shape: Node, qualified: Node) -> list[Node]:
    """The sibling shapes of a qualified value shape (SHACL 4.7.3): the qualified value
    shapes of the other property shapes of every shape that names this one."""
    return sorted(
        {
            other
            for parent in shapes.subjects(SH.property, shape)
            for sibling in shapes.objects(parent, SH.property)
            for other in shapes.objects(sibling, SH.qualifiedValueShape)
            if other != qualified
        },
        key=str,
    )


def _children_targets(targets: str, path_text: str) -> str:
    """The focus nodes of a shape named by sh:property: the focus nodes of the shape that
    names it, or (when that is a property shape) their value nodes, each with ?times: how
    many of those focus nodes reach it (SHACL reports a result for each)."""
    if not path_text:
        return targets
    return (
        "{ SELECT ?this (SUM(COALESCE(?ptimes, 1)) AS ?times) WHERE { "
        "{ SELECT DISTINCT ?parent ?ptimes ?this WHERE { "
        f"{{ SELECT (?this AS ?parent) (?times AS ?ptimes) WHERE {{ {targets} }} }} "
        f"?parent {path_text} ?this }} }} }} GROUP BY ?this }}"
    )


def value_condition(
    shapes: Graph, shape: Node, parameter: Node, argument: Node, var: str, fresh: Iterator[int]
) -> str:
    """A SPARQL expression, true when the node in var satisfies one value component."""
    name = str(parameter)[len(str(SH)) :]
    if parameter == SH.nodeKind:
        kind = str(argument)[len(str(SH)) :]
        try:
            return _template("value", "nodeKind", kind).substitute(v=var)
        except KeyError:
            raise Unsupported(f"sh:nodeKind {argument}") from None
    if parameter == SH.datatype:
        if argument == RDF.langString:
            variant = "langString"
        elif argument in CASTABLE:
            variant = "castable"
        elif argument in (RDFS.Literal, RDFS.Datatype) or not isinstance(argument, URIRef):
            raise Unsupported(f"sh:datatype {argument}")
        elif str(argument).removeprefix(str(XSD)) in _data()["integer_ranges"]:
            bounds = _data()["integer_ranges"][str(argument).removeprefix(str(XSD))]
            limits = " ".join(
                _template("value", "datatype", f"integer_{end}").substitute(v=var, x=bounds[end])
                for end in ("min", "max")
                if end in bounds
            )
            return _template("value", "datatype", "integer_range").substitute(
                v=var, x=sparql_term(argument), limits=limits
            )
        else:
            variant = "other"
        return _template("value", "datatype", variant).substitute(v=var, x=sparql_term(argument))
    if parameter in (SH.languageIn, SH["in"]):
        template = _template("value", name)
        tests = [
            template.substitute(v=var, x=sparql_term(item)) for item in _list(shapes, argument)
        ]
        return "(" + (" || ".join(tests) or "false") + ")"
    if parameter == SH.pattern:
        flags = shapes.value(shape, SH.flags)
        if flags is None:
            return _template("value", "pattern").substitute(v=var, x=sparql_term(argument))
        return _template("value", "pattern_flags").substitute(
            v=var, x=sparql_term(argument), flags=sparql_term(flags)
        )
    if parameter in (SH["or"], SH["and"], SH.xone):
        members = [conforms_to(shapes, m, var, fresh) for m in _list(shapes, argument)]
        if parameter == SH["or"]:
            return "(" + (" || ".join(members) or "false") + ")"
        if parameter == SH["and"]:
            return "(" + (" && ".join(members) or "true") + ")"
        return "(" + " + ".join([f"IF({m}, 1, 0)" for m in members] or ["0"]) + " = 1)"
    if parameter == SH["not"]:
        return f"(!{conforms_to(shapes, argument, var, fresh)})"
    if parameter == SH.node:
        return conforms_to(shapes, argument, var, fresh)
    return _template("value", name).substitute(v=var, x=sparql_term(argument))


def conforms_to(shapes: Graph, shape: Node, var: str, fresh: Iterator[int]) -> str:
    """A SPARQL expression, true when the node in var conforms to a (nested) shape."""
    if _deactivated(shapes, shape):
        return "true"
    path = shapes.value(shape, SH.path)
    parts: list[str] = []
    if path is not None:
        parts.extend(_property_conditions(shapes, shape, path, var, fresh))
    for parameter, argument in sorted(shapes.predicate_objects(shape)):
        if not str(parameter).startswith(str(SH)) or parameter in NOT_CONSTRAINTS:
            continue
        if parameter == SH.property:
            parts.append(conforms_to(shapes, argument, var, fresh))
        elif path is not None:
            continue  # read by _property_conditions
        elif parameter in VALUE_COMPONENTS or parameter == SH.hasValue:
            parts.append(value_condition(shapes, shape, parameter, argument, var, fresh))
        else:
            raise Unsupported(f"{parameter} in a nested node shape")
    return "(" + (" && ".join(parts) or "true") + ")"


def _property_conditions(
    shapes: Graph, shape: Node, path: Node, var: str, fresh: Iterator[int]
) -> list[str]:
    """The conditions a nested property shape puts on the node in var."""
    path_text = sparql_path(shapes, path)
    parts = []
    for parameter, argument in sorted(shapes.predicate_objects(shape)):
        if not str(parameter).startswith(str(SH)) or parameter in NOT_CONSTRAINTS:
            continue
        if parameter == SH.property:
            continue  # read by conforms_to
        y, z = f"?v{next(fresh)}", f"?v{next(fresh)}"
        nested = {"v": var, "path": path_text, "y": y, "z": z}
        if parameter in VALUE_COMPONENTS:
            conforms = value_condition(shapes, shape, parameter, argument, y, fresh)
            parts.append(_template("nested", "values").substitute(nested, conforms=conforms))
        elif parameter == SH.hasValue:
            parts.append(
                _template("nested", "has_value").substitute(nested, x=sparql_term(argument))
            )
        elif parameter == SH.minCount and _integer(argument) in ("0", "1"):
            if _integer(argument) == "1":
                parts.append(_template("nested", "min_count_1").substitute(nested))
        elif parameter == SH.maxCount and _integer(argument) in ("0", "1"):
            key = f"max_count_{_integer(argument)}"
            parts.append(_template("nested", key).substitute(nested))
        else:
            raise Unsupported(f"{parameter} {argument} in a nested property shape")
    return parts


def target_pattern(shapes: Graph, shape: Node) -> str | None:
    """A subquery selecting the shape's focus nodes as ?this (SHACL target semantics), or
    None for a shape without targets."""
    instance = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
    branches = [
        f"{{ ?this {instance} {sparql_term(c)} }}" for c in shapes.objects(shape, SH.targetClass)
    ]
    branches += [
        f"{{ ?this {sparql_term(p)} [] }}" for p in shapes.objects(shape, SH.targetSubjectsOf)
    ]
    branches += [
        f"{{ [] {sparql_term(p)} ?this }}" for p in shapes.objects(shape, SH.targetObjectsOf)
    ]
    branches += [
        f"{{ BIND ({sparql_term(n)} AS ?this) }}" for n in shapes.objects(shape, SH.targetNode)
    ]
    if (shape, RDF.type, RDFS.Class) in shapes:
        branches.append(f"{{ ?this {instance} {sparql_term(shape)} }}")
    if not branches:
        return None
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(sorted(branches)) + " } }"


def sparql_path(
    shapes: Graph, path: Node, name: Callable[[URIRef], str] = lambda iri: f"<{iri}>"
) -> str:
    """A SHACL property path as a SPARQL property path, each IRI written by ``name``
    (``<...>`` for a query; the reports pass a prefixed name). Brackets only where
    SPARQL's precedence needs them (| below /, both below ^ and the modifiers), so the
    same text reads well in a report."""

    def walk(node: Node, tightness: int) -> str:
        if isinstance(node, URIRef):
            return name(node)
        if (node, RDF.first, None) in shapes:  # a list is a sequence path, whatever else
            return _bracketed("/".join(walk(p, 1) for p in _list(shapes, node)), tightness > 1)
        alternatives = shapes.value(node, SH.alternativePath)
        if alternatives is not None:
            joined = "|".join(walk(p, 0) for p in _list(shapes, alternatives))
            return _bracketed(joined, tightness > 0)
        for modifier, mark in (
            (SH.zeroOrMorePath, "*"),
            (SH.oneOrMorePath, "+"),
            (SH.zeroOrOnePath, "?"),
        ):
            inner = shapes.value(node, modifier)
            if inner is not None:
                return _bracketed(walk(inner, 3) + mark, tightness > 2)
        inverse = shapes.value(node, SH.inversePath)
        if inverse is not None:
            return _bracketed("^" + walk(inverse, 3), tightness > 2)
        raise Unsupported(f"the path {node}")

    return walk(path, 0)


def _bracketed(text: str, needed: bool) -> str:
    return f"({text})" if needed else text


def rdflib_path(shapes: Graph, path: Node) -> URIRef | RdflibPath:
    """A SHACL property path as an rdflib path, to find value nodes in the rdflib graph."""
    if isinstance(path, URIRef):
        return path
    if (path, RDF.first, None) in shapes:
        return SequencePath(*(rdflib_path(shapes, p) for p in _list(shapes, path)))
    inner = shapes.value(path, SH.zeroOrMorePath)
    if inner is not None:
        return MulPath(rdflib_path(shapes, inner), "*")
    inner = shapes.value(path, SH.oneOrMorePath)
    if inner is not None:
        return MulPath(rdflib_path(shapes, inner), "+")
    inner = shapes.value(path, SH.zeroOrOnePath)
    if inner is not None:
        return MulPath(rdflib_path(shapes, inner), "?")
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return InvPath(rdflib_path(shapes, inverse))
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return AlternativePath(*(rdflib_path(shapes, p) for p in _list(shapes, alternatives)))
    raise Unsupported(f"the path {path}")


def sparql_term(term: Node) -> str:
    """An IRI or literal of the shapes graph written in SPARQL (a blank node is not a value
    a query can name)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        text = (
            str(term)
            .replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
        if term.language:
            return f'"{text}"@{term.language}'
        return f'"{text}"^^<{term.datatype or XSD.string}>'
    raise Unsupported(f"a blank node as a value: {term}")


def _list(shapes: Graph, head: Node) -> list[Node]:
    if head != RDF.nil and (head, RDF.first, None) not in shapes:
        raise Unsupported(f"not an RDF list: {head}")
    return list(shapes.items(head))


def _component(parameter: Node) -> URIRef:
    name = str(parameter)[len(str(SH)) :]
    return SH[name[0].upper() + name[1:] + "ConstraintComponent"]


def _integer(term: Node) -> str:
    value = term.value if isinstance(term, Literal) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Unsupported(f"not a count: {term}")
    return str(value)


def _true(term: Node | None) -> bool:
    """Whether a parameter is "true"^^xsd:boolean (SHACL names no other form: "1" is not)."""
    return isinstance(term, Literal) and term.datatype == XSD.boolean and str(term) == "true"


def _deactivated(shapes: Graph, shape: Node) -> bool:
    return _true(shapes.value(shape, SH.deactivated))
