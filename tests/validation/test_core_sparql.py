"""The compiled core constraints (publisher.validation.core_sparql) give pySHACL's results.

pySHACL stays the reference: ``run_shapes(..., compiled=False)`` gives it every core
shape. The two result multisets (focus node, path, value, source shape, component,
severity) must be equal on the shipped data, on every fixture of tests/validation and
tests/shapes, and on a synthetic sample with defects (the benchmark's generator, 5 %
defect rate, one municipality of each kind) together with
``fixtures/every-component-wrong.ttl``, which breaks every component the shapes use.
"""

import logging
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef

from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import turtle_files
from publisher.validation import engine
from publisher.validation.core_sparql import compile_shapes, sparql_path
from publisher.validation.engine import compiled_core, run_shapes
from publisher.validation.model import SH
from publisher.validation.validator import ontology_graph, path_text, shapes_graph

TESTS = Path(__file__).parents[1]
FIXTURES = sorted((TESTS / "validation" / "fixtures").glob("*.ttl")) + sorted(
    (TESTS / "shapes" / "fixtures").glob("*/*.ttl")
)
WRONG = TESTS / "validation" / "fixtures" / "every-component-wrong.ttl"
BENCH = TESTS.parent / "bench" / "validate"
EX = Namespace("http://example.org/wrong/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")


def keys(results: list[engine.ValidationResult]) -> Counter[tuple[str, ...]]:
    return Counter(
        tuple(map(str, (r.focus, r.path, r.value, r.shape, r.component, r.severity)))
        for r in results
    )


def assert_same(graph: Graph) -> Counter[tuple[str, ...]]:
    compiled = keys(run_shapes(graph, shapes_graph()))
    reference = keys(run_shapes(graph, shapes_graph(), compiled=False))
    assert compiled == reference, {
        "only compiled": compiled - reference,
        "only pySHACL": reference - compiled,
    }
    return compiled


def test_every_shipped_core_shape_is_compiled() -> None:
    """No shipped shape falls back to pySHACL: the speed of the build depends on it."""
    compiled = compiled_core(shapes_graph())
    assert compiled.fallback == {}
    core = engine.split_shapes(shapes_graph())[0]
    assert {q.shape for q in compiled.queries} == set(core)


def test_shipped_data() -> None:
    graph = load_graph(turtle_files("data"))
    graph += ontology_graph()
    assert_same(graph)


@pytest.mark.parametrize("case", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(case: Path) -> None:
    # rdflib's parser, as tests/shapes does: it keeps what the steward loader refuses.
    graph = Graph().parse(case, format="turtle")
    graph += ontology_graph()
    assert_same(graph)


def test_synthetic_sample_with_defects() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from generate import PREFIXES, national_files
    finally:
        sys.path.remove(str(BENCH))
    graph = load_graph(turtle_files("data"))
    graph += ontology_graph()
    for stem, turtle in national_files(one_of_each=True, defect_rate=0.05, seed=16):
        graph.parse(data=turtle if stem == "national" else PREFIXES + turtle, format="turtle")
    graph.parse(WRONG, format="turtle")
    found = assert_same(graph)
    components = {key[4].removeprefix(str(SH)) for key in found}
    # Every core component the shapes use at the top level fired at least once, so none is
    # untested (sh:languageIn is only used inside sh:qualifiedValueShape).
    assert {
        "MinCountConstraintComponent",
        "MaxCountConstraintComponent",
        "ClassConstraintComponent",
        "DatatypeConstraintComponent",
        "QualifiedMinCountConstraintComponent",
        "MinInclusiveConstraintComponent",
        "NodeKindConstraintComponent",
        "PatternConstraintComponent",
        "OrConstraintComponent",
        "LessThanOrEqualsConstraintComponent",
        "UniqueLangConstraintComponent",
        "NodeConstraintComponent",
        "InConstraintComponent",
    } <= components


def test_a_literal_is_reported_as_written() -> None:
    """Oxigraph keeps "01.50"^^xsd:decimal as 1.5 where rdflib (and so pySHACL) keeps 1.50:
    results name the data graph's own term, not the store's canonical one."""
    graph = Graph().parse(WRONG, format="turtle")
    graph += ontology_graph()
    medians = {
        str(r.value)
        for r in run_shapes(graph, shapes_graph())
        if r.focus == EX.pay1 and r.path == URIRef("https://schema.org/median") and r.value
    }
    assert "1.50" in medians
    assert "1.5" not in medians


def test_an_ill_typed_value_in_a_comparison_is_a_violation() -> None:
    """sh:lessThanOrEquals between an ill-typed decimal and a number: SHACL says the values
    cannot be compared, a violation. (pySHACL 0.40 fails here with a TypeError, which is
    why the fixture keeps such values out of property pairs.)"""
    graph = Graph().parse(
        data=f"""
        @prefix mr: <https://w3id.org/municipal-roles/ontology#> .
        @prefix schema: <https://schema.org/> .
        <{EX.pay}> a mr:SalaryFigure ; schema:percentile10 "abc"^^<{XSD.decimal}> ;
            schema:median 5.0 ; schema:percentile90 6.0 .
        """,
        format="turtle",
    )
    graph += ontology_graph()
    found = {
        (str(r.shape).rsplit("#", 1)[-1][:3], r.component.removeprefix(str(SH)))
        for r in run_shapes(graph, shapes_graph())
        if r.focus == EX.pay
    }
    assert ("S53", "LessThanOrEqualsConstraintComponent") in found
    assert ("S50", "DatatypeConstraintComponent") in found
    assert ("S50", "MinInclusiveConstraintComponent") in found


def test_a_shape_the_compiler_does_not_know_is_left_to_pyshacl(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """sh:closed is not compiled: its shape is validated by pySHACL, and the log says so."""
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:Closed a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true ;
            sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ) .
        ex:Named a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path ex:name ;
            sh:minCount 1 .
        """,
        format="turtle",
    )
    data = Graph().parse(
        data="@prefix ex: <http://example.org/> . ex:a a ex:Thing ; ex:colour ex:red .",
        format="turtle",
    )
    compiled = compile_shapes(shapes, engine.split_shapes(shapes)[0])
    assert list(compiled.fallback) == [URIRef("http://example.org/Closed")]
    assert {q.shape for q in compiled.queries} == {URIRef("http://example.org/Named")}
    with caplog.at_level(logging.WARNING):
        results = run_shapes(data, shapes)
    assert "http://example.org/Closed is left to pySHACL" in caplog.text
    assert {r.component for r in results} == {
        SH.ClosedConstraintComponent,
        SH.MinCountConstraintComponent,
    }


def test_a_path_is_written_once_for_queries_and_reports() -> None:
    """One walker writes a SHACL path for the compiled queries (``<...>``) and for the
    reports (prefixed names): brackets where SPARQL's precedence needs them and only
    there, and Oxigraph reads the query form."""
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix ex: <http://example.org/> .
        ex:s sh:path ( [ sh:alternativePath ( ex:a rdfs:label ) ]
                       [ sh:inversePath ( ex:c ex:d ) ]
                       [ sh:zeroOrMorePath [ sh:inversePath ex:e ] ] ex:f ) .""",
        format="turtle",
    )
    path = shapes.value(URIRef("http://example.org/s"), URIRef(str(SH.path)))
    assert path_text(shapes, path) == (
        "(<http://example.org/a>|rdfs:label)/^(<http://example.org/c>/<http://example.org/d>)"
        "/(^<http://example.org/e>)*/<http://example.org/f>"
    )
    ox.Store().query(f"ASK {{ ?x {sparql_path(shapes, path)} ?y }}")
