"""Render a ValidationReport for people (text), programs (JSON) and SHACL tools (Turtle).

``report_dict`` is the one data structure behind the text, the JSON and the web page, so
the formats never disagree.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.i18n import N_, _
from publisher.rdf.namespaces import PREFIXES, compact_iri
from publisher.validation.model import MRSH, SH, Location, ValidationReport, ValidationResult
from publisher.validation.terminal import terminal_safe
from publisher.validation.validator import shapes_graph

SEVERITY_IRIS = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info}
_PREFIXES = {**PREFIXES, "sh": str(SH)}


def node_text(node: Node | None) -> str:
    """A term as a person reads it: prefix:name, <iri>, "literal"@lang or _:blank."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return compact_iri(str(node), _PREFIXES)
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal) and node.datatype is not None:
        return f"{Literal(str(node)).n3()}^^{node_text(node.datatype)}"
    return node.n3()


def result_dict(result: ValidationResult, lang: str) -> dict[str, Any]:
    return {
        "severity": result.severity,
        "shape": str(result.shape),
        "shape_id": result.shape_id,
        "component": node_text(result.component),
        "path": result.path_text or None,
        "value": node_text(result.value) or None,
        "message": result.message(lang),
        "hint": result.hint(lang),
        # A spreadsheet's results each have their own cell (publisher.sheets).
        "place": result.location.text()
        if result.location is not None and result.location.column is not None
        else None,
    }


def report_dict(report: ValidationReport, lang: str = "en") -> dict[str, Any]:
    """The report as plain data, results grouped by focus node (violations first)."""
    return {
        "conforms": report.conforms,
        "has_violations": report.has_violations,
        "triples": report.triples,
        "counts": {s: report.count(s) for s in ("Violation", "Warning", "Info")},
        "focus_nodes": [
            {
                "focus": str(focus),
                "label": results[0].focus_label(lang) or None,
                **location_dict(results[0].location),
                "results": [result_dict(r, lang) for r in results],
            }
            for focus, results in report.by_focus().items()
        ],
    }


def location_dict(location: Location | None) -> dict[str, Any]:
    """Where the focus node is written: file, line, and a blank node's anchor and path."""
    if location is None:
        return {
            "file": None,
            "line": None,
            "anchor": None,
            "anchor_path": None,
            "column": None,
            "sheet": None,
        }
    return {
        "file": str(location.file),
        "line": location.line,
        "anchor": str(location.anchor) if location.anchor is not None else None,
        "anchor_path": "/".join(node_text(p) for p in location.path) or None,
        "column": location.column,
        "sheet": location.sheet,
    }


def render_json(report: ValidationReport, lang: str = "en") -> str:
    return json.dumps(report_dict(report, lang), ensure_ascii=False, indent=2) + "\n"


def render_text(report: ValidationReport, lang: str = "en", strict: bool = False) -> str:
    """A report to read in a terminal: one block per focus node, a summary line last,
    every word of it in ``lang`` (the shapes' texts from the shapes, the rest from the
    catalogue of ``publisher.i18n``).

    The verdict is the exit code's: under ``strict`` a warning fails too.
    """
    data = report_dict(report, lang)
    lines: list[str] = []
    for group in data["focus_nodes"]:
        label = f"  ({group['label']})" if group["label"] else ""
        lines.append(f"{group['focus']}{label}")
        if group["sheet"] is not None and group["column"] is None:
            lines.append("  " + _("at {place}", lang, place=f"[{group['file']}]{group['sheet']}"))
        elif group["file"] is not None and group["column"] is None:
            where = group["file"] + (f":{group['line']}" if group["line"] is not None else "")
            if group["anchor"] is not None:
                anchor = f"{node_text(URIRef(group['anchor']))} {group['anchor_path']}"
                where = _("{place}  (below {anchor})", lang, place=where, anchor=anchor)
            lines.append("  " + _("at {place}", lang, place=where))
        for result in group["results"]:
            where = f" {result['path']}" if result["path"] else ""
            value = f" = {result['value']}" if result["value"] else ""
            severity = _(SEVERITY_WORDS[result["severity"]], lang)
            lines.append(f"  {severity} [{result['shape_id']}]{where}{value}")
            if result["place"]:
                lines.append("    " + _("at {place}", lang, place=result["place"]))
            lines.append(f"    {result['message']}")
            if result["hint"]:
                lines.append("    " + _("fix: {hint}", lang, hint=result["hint"]))
        lines.append("")
    counts = data["counts"]
    verdict = _("does not conform", lang) if fails(report, strict) else _("conforms", lang)
    lines.append(
        _(
            "{verdict}: {violations} violation(s), {warnings} warning(s), "
            "{triples} triples checked",
            lang,
            verdict=verdict,
            violations=counts["Violation"],
            warnings=counts["Warning"],
            triples=report.triples,
        )
    )
    return "\n".join(terminal_safe(line) for line in lines) + "\n"


def fails(report: ValidationReport, strict: bool = False) -> bool:
    """Whether the report fails a check: a violation, or under ``strict`` any result."""
    return report.has_violations or (strict and not report.conforms)


# The severities as a report shows them (the catalogue translates them).
SEVERITY_WORDS = {"Violation": N_("Violation"), "Warning": N_("Warning"), "Info": N_("Info")}


def report_graph(report: ValidationReport) -> Graph:
    """The standard SHACL validation report (sh:ValidationReport) as an rdflib graph."""
    graph = Graph()
    graph.bind("sh", SH)
    graph.bind("mrsh", MRSH)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    shapes = shapes_graph()
    root = BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(report.conforms, datatype=XSD.boolean)))
    for result in sorted(report.results, key=lambda r: (str(r.focus), r.shape_id)):
        node = BNode()
        graph.add((root, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, result.focus))
        graph.add((node, SH.resultSeverity, SEVERITY_IRIS[result.severity]))
        graph.add((node, SH.sourceShape, result.shape))
        graph.add((node, SH.sourceConstraintComponent, result.component))
        if result.path is not None:
            graph.add((node, SH.resultPath, result.path))
            if isinstance(result.path, BNode):
                _copy_closure(shapes, result.path, graph)
        if result.value is not None:
            graph.add((node, SH.value, result.value))
        for lang, text in result.messages.items():
            graph.add((node, SH.resultMessage, Literal(text, lang=lang or None)))
        if result.location is not None:
            _add_location(graph, node, result.location)
    return graph


def _add_location(graph: Graph, node: BNode, location: Location) -> None:
    """The focus node's place as extra properties of the SHACL result (mrsh:source...)."""
    graph.add((node, MRSH.sourceFile, Literal(str(location.file))))
    if location.line is not None:
        graph.add((node, MRSH.sourceLine, Literal(location.line)))
    if location.column is not None:
        graph.add((node, MRSH.sourceColumn, Literal(location.column)))
    if location.sheet is not None:
        graph.add((node, MRSH.sourceSheet, Literal(location.sheet)))
    if location.anchor is not None:
        graph.add((node, MRSH.sourceAnchor, location.anchor))
        path = "/".join(node_text(p) for p in location.path)
        graph.add((node, MRSH.sourceAnchorPath, Literal(path)))


def _copy_closure(source: Graph, node: BNode, target: Graph) -> None:
    """Copy a blank-node structure (a complex SHACL path) from one graph to another."""
    for predicate, obj in source.predicate_objects(node):
        target.add((node, predicate, obj))
        if isinstance(obj, BNode):
            _copy_closure(source, obj, target)


def render_turtle(report: ValidationReport) -> str:
    return report_graph(report).serialize(format="turtle")
