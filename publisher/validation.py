"""Validate RDF against the project's SHACL shapes, for stewards, uploads and the build.

The public interface (used by the CLI, the build gate and the web /validate page):
``validate_graph(graph)`` and ``validate_files(paths)`` return a ``ValidationReport``;
``publisher.report`` renders it as text, JSON, Turtle or a dict for HTML.

The ontology is always part of the validated graph so that class hierarchies are known
(an mr:EducationRequirement is an mr:QualificationRequirement); no other inference runs,
because the shapes need none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from publisher.loading import EXTENSIONS, InputError, load_graph
from publisher.resources import ONTOLOGY_FILE, turtle_files

SH = Namespace("http://www.w3.org/ns/shacl#")
MRSH = Namespace("https://w3id.org/municipal-roles/shapes#")
LANGUAGES = ("en", "tr")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with the shape's messages and fix hints in every language."""

    focus: Node
    path: Node | None
    value: Node | None
    severity: str  # "Violation", "Warning" or "Info"
    shape: Node  # sh:sourceShape
    component: URIRef  # sh:sourceConstraintComponent
    messages: Mapping[str, str] = field(default_factory=dict, compare=False)
    hints: Mapping[str, str] = field(default_factory=dict, compare=False)
    focus_labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    path_text: str = field(default="", compare=False)

    @property
    def shape_id(self) -> str:
        """The stable id of the shape (``S26``), or its IRI for shapes of others."""
        text = str(self.shape)
        if text.startswith(str(MRSH)):
            return text[len(MRSH) :].split("-", 1)[0]
        return text

    def message(self, lang: str = "en") -> str:
        return _pick(self.messages, lang)

    def hint(self, lang: str = "en") -> str:
        return _pick(self.hints, lang)

    def focus_label(self, lang: str = "en") -> str:
        return _pick(self.focus_labels, lang)


@dataclass(frozen=True)
class ValidationReport:
    """Every result of one validation run, and the size of what was validated."""

    results: tuple[ValidationResult, ...]
    triples: int

    @property
    def conforms(self) -> bool:
        """SHACL conformance: no result of any severity."""
        return not self.results

    @property
    def has_violations(self) -> bool:
        """Whether anything breaks consumers: this is what fails a build or a CI check."""
        return any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def by_focus(self) -> dict[Node, list[ValidationResult]]:
        """Results grouped by focus node, in a stable order (violations first)."""
        grouped: dict[Node, list[ValidationResult]] = {}
        for result in sorted(self.results, key=sort_key):
            grouped.setdefault(result.focus, []).append(result)
        return grouped


class NonConformingError(Exception):
    """Data with violations: the build refuses to publish it."""

    def __init__(self, report: ValidationReport, shown: int = 20) -> None:
        self.report = report
        violations = [r for r in sorted(report.results, key=sort_key) if r.severity == "Violation"]
        lines = [
            f"  {r.focus} {r.path_text or '-'}"
            + (f" = {r.value}" if r.value is not None and r.value != r.focus else "")
            + f": {r.message()} [{r.shape_id}]"
            for r in violations[:shown]
        ]
        if len(violations) > shown:
            lines.append(f"  ... and {len(violations) - shown} more violation(s)")
        super().__init__("\n".join(lines))


def sort_key(result: ValidationResult) -> tuple[int, str, str, str]:
    """The order of results in every report: violations, warnings, infos, then by node."""
    rank = {"Violation": 0, "Warning": 1}.get(result.severity, 2)
    return (rank, str(result.focus), result.shape_id, result.path_text)


def _pick(texts: Mapping[str, str], lang: str) -> str:
    """The text in lang, else English, else any."""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def shape_files() -> list[Path]:
    """The shipped shapes files (one per area)."""
    return turtle_files("shapes")


@cache
def shapes_graph() -> Graph:
    """The shapes of every area in one graph, parsed once per process."""
    return load_graph(shape_files())


@cache
def ontology_graph() -> Graph:
    """The ontology, parsed once per process; it gives the class hierarchy."""
    return load_graph([ONTOLOGY_FILE])


def rdf_files(paths: Iterable[Path]) -> list[Path]:
    """The files named; a folder stands for every RDF file below it (by extension)."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS
            )
            if not found:
                raise InputError(path, f"the folder holds no RDF file ({', '.join(EXTENSIONS)})")
            files.extend(found)
        else:
            files.append(path)
    return files


def validate_files(
    paths: Iterable[Path],
    input_format: str | None = None,
    progress: Progress = lambda _: None,
    base_iri: str | None = None,
) -> ValidationReport:
    """Load files (read-only, never fetching anything) with the ontology and validate them.

    Raises InputError for a file that cannot be used. ``base_iri`` resolves relative IRIs
    (by default each file's own path).
    """
    files = rdf_files(paths)
    progress(f"loading {len(files)} file(s)")
    graph = load_graph(files, input_format, base_iri)
    triples = len(graph)
    progress(f"validating {triples} triples")
    graph += ontology_graph()
    report = validate_graph(graph, includes_ontology=True, progress=progress)
    return ValidationReport(results=report.results, triples=triples)


def validate_graph(
    graph: Graph,
    *,
    includes_ontology: bool = False,
    progress: Progress = lambda _: None,
) -> ValidationReport:
    """Validate a data graph with the shipped shapes; the graph is never modified.

    Pass ``includes_ontology=True`` when the ontology is already in the graph (the build's
    graph); otherwise it is added to a copy.
    """
    from publisher.engine import run_shapes

    data = graph
    if not includes_ontology:
        progress(f"validating {len(graph)} triples")
        data = Graph()
        data += graph
        data += ontology_graph()
    raw = run_shapes(data, shapes_graph())
    return ValidationReport(
        results=tuple(_describe(data, shapes_graph(), r) for r in raw),
        triples=len(graph),
    )


def _describe(data: Graph, shapes: Graph, raw: ValidationResult) -> ValidationResult:
    """The result with messages and hints from its shape and labels of its focus node."""
    return ValidationResult(
        focus=raw.focus,
        path=raw.path,
        value=raw.value,
        severity=raw.severity,
        shape=raw.shape,
        component=raw.component,
        messages=_texts(shapes, raw.shape, SH.message),
        hints=_texts(shapes, raw.shape, MRSH.hint),
        focus_labels=_labels(data, raw.focus),
        path_text=path_text(shapes, raw.path) if raw.path is not None else "",
    )


def _texts(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    texts: dict[str, str] = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal):
            texts.setdefault(value.language or "", str(value))
    return texts


def _labels(graph: Graph, node: Node) -> dict[str, str]:
    labels: dict[str, str] = {}
    for predicate in (SKOS.prefLabel, RDFS.label):
        for lang, text in _texts(graph, node, predicate).items():
            labels.setdefault(lang, text)
    return labels


def path_text(shapes: Graph, path: Node) -> str:
    """A SHACL property path written as a SPARQL path with prefixes (e.g. ``^mr:requires``)."""
    from publisher.namespaces import PREFIXES

    if isinstance(path, URIRef):
        iri = str(path)
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return f"<{iri}>"
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_text(shapes, inverse)
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(path_text(shapes, p) for p in shapes.items(alternatives))
    for modifier, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+")):
        inner = shapes.value(path, modifier)
        if inner is not None:
            return f"({path_text(shapes, inner)}){mark}"
    inner = shapes.value(path, SH.zeroOrOnePath)
    if inner is not None:
        return f"({path_text(shapes, inner)})?"
    return "/".join(path_text(shapes, p) for p in shapes.items(path))
