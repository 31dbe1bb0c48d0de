"""Validate a steward's sheets: every unmappable cell and every SHACL result at its cell.

The sheets are mapped (``publisher.sheets.convert``), the graph is validated with the
published dataset as context exactly as a Turtle file is (``validate_graph``), and each
result is placed at the cell its triple came from: the focus node, path and value of the
result name the triple; a result with no such triple (a missing value) is placed at the
id cell of its node's row. Problems of the mapping itself are results too (shape ids
``T01``... in ``mrsh:``), so text, JSON, Turtle and the web page show both alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.rdf.namespaces import ID_BASE, PREFIXES, compact_iri
from publisher.sheets.convert import Mapped, Problem, map_sheets
from publisher.sheets.workbook import read_sheets
from publisher.validation.context import published_context
from publisher.validation.model import MRSH, Location, ValidationReport, ValidationResult
from publisher.validation.validator import validate_graph

# The SHACL constraint component named by the results of the mapping's own checks.
SHEET_COMPONENT = MRSH.SpreadsheetValueComponent


@dataclass(frozen=True)
class SheetsReport:
    """The validation report of the sheets, and the graph they map to."""

    report: ValidationReport
    mapped: Mapped


def validate_sheets(
    path: Path, shown: Path | None = None, base: str = ID_BASE, context: Graph | None = None
) -> SheetsReport:
    """Read (never change) a workbook or CSV folder, map it and validate it in context.

    Raises InputError for input that cannot be read at all.
    """
    sheets = read_sheets(path, shown)
    context = published_context() if context is None else context
    mapped = map_sheets(sheets, context, base)
    report = validate_graph(mapped.graph, context=context)
    results = [
        replace(r, location=place_of(r, mapped))
        for r in report.results
        if (r.focus, r.path) not in mapped.failed
    ]
    results += [problem_result(p, _labels(mapped.graph, p.focus)) for p in mapped.problems]
    return SheetsReport(ValidationReport(tuple(results), len(mapped.graph)), mapped)


def problem_result(problem: Problem, labels: dict[str, str]) -> ValidationResult:
    """A mapping problem as a Violation of the ``T..`` check of its kind."""
    path = problem.path
    return ValidationResult(
        focus=problem.focus,
        path=path,
        value=Literal(problem.value) if problem.value is not None else None,
        severity="Violation",
        shape=MRSH[f"{problem.code}-spreadsheet-value"],
        component=SHEET_COMPONENT,
        messages=problem.messages,
        hints=problem.hints,
        focus_labels=labels,
        path_text=compact_iri(str(path), PREFIXES) if path is not None else "",
        location=problem.location,
    )


def place_of(result: ValidationResult, mapped: Mapped) -> Location | None:
    """The cell of the triple a result is about, else its focus node's row."""
    focus, path, value = result.focus, result.path, result.value
    if isinstance(path, URIRef):
        for key in ((focus, path, value), (value, path, focus)):
            if all(k is not None for k in key):
                found = mapped.cells.get(key)  # type: ignore[arg-type]  # None ruled out above
                if found is not None:
                    return found
        for (subject, predicate, obj), location in mapped.cells.items():
            if predicate == path and focus in (subject, obj):
                return location
    return _row(focus, mapped)


def _labels(graph: Graph, node: Node) -> dict[str, str]:
    return {
        label.language or "": str(label)
        for label in graph.objects(node, RDFS.label)
        if isinstance(label, Literal)
    }


def _row(node: Node, mapped: Mapped) -> Location | None:
    return mapped.rows.get(node)
