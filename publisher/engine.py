"""Run SHACL shapes over a graph with pySHACL and return plain result records."""

from __future__ import annotations

from rdflib import RDF, Graph
from rdflib.term import Node

from publisher.validation import SEVERITIES, SH, ValidationResult


def run_shapes(data: Graph, shapes: Graph) -> list[ValidationResult]:
    """Every result of validating data (ontology included) against shapes."""
    import pyshacl

    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, inplace=True
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
        records.append(
            ValidationResult(
                focus=report.value(node, SH.focusNode),
                path=path,
                value=report.value(node, SH.value),
                severity=SEVERITIES[report.value(node, SH.resultSeverity)],
                shape=shape,
                component=report.value(node, SH.sourceConstraintComponent),
            )
        )
    return records
