"""What a validation finds: results with their messages in every language, and the report.

The model every part shares: the engine makes results, the validator describes them,
``publisher.validation.report`` renders them, the build refuses to publish on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import Namespace, URIRef
from rdflib.term import Node

SH = Namespace("http://www.w3.org/ns/shacl#")
MRSH = Namespace("https://w3id.org/municipal-roles/shapes#")
LANGUAGES = ("en", "tr")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Location:
    """Where a focus node is written: file, line (when the format gives one), and for a
    blank node the nearest named node above it with the predicates down to it."""

    file: Path
    line: int | None
    anchor: URIRef | None = None
    path: tuple[URIRef, ...] = ()
    # A spreadsheet's cell (publisher.sheets): its column number and, in a workbook, sheet.
    column: int | None = None
    sheet: str | None = None

    def text(self) -> str:
        """``city.ttl:57``, or ``city.ttl`` for a format without positions; a cell is
        ``posts.csv:4:3`` in a CSV file and ``[city.xlsx]posts!C4`` in a workbook."""
        if self.sheet is not None:
            cell = (
                f"!{_column_letters(self.column)}{self.line}" if self.line and self.column else ""
            )
            return f"[{self.file}]{self.sheet}{cell}"
        if self.line is None:
            return str(self.file)
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")


def _column_letters(number: int | None) -> str:
    """A spreadsheet column's letters: 1 is A, 27 is AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


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
    location: Location | None = field(default=None, compare=False)

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

    def distinct(self) -> list[ValidationResult]:
        """The results as a person reads them, each once, in report order.

        Two constraints of one shape failing on one value (S41's datatype and minimum on
        ``-1.5``) are two SHACL results with the same message: shown and counted once.
        The Turtle report keeps both, as SHACL does.
        """
        seen: set[tuple[object, ...]] = set()
        shown = []
        for result in sorted(self.results, key=sort_key):
            key = (result.focus, result.path, result.value, result.shape, result.severity)
            if key not in seen:
                seen.add(key)
                shown.append(result)
        return shown

    def count(self, severity: str) -> int:
        return sum(1 for r in self.distinct() if r.severity == severity)

    def by_focus(self) -> dict[Node, list[ValidationResult]]:
        """Distinct results grouped by focus node, in a stable order (violations first)."""
        grouped: dict[Node, list[ValidationResult]] = {}
        for result in self.distinct():
            grouped.setdefault(result.focus, []).append(result)
        return grouped


def located(report: ValidationReport, locations: Mapping[Node, Location]) -> ValidationReport:
    """The report with each result's location, where one is known."""
    return ValidationReport(
        results=tuple(replace(r, location=locations.get(r.focus)) for r in report.results),
        triples=report.triples,
    )


class NonConformingError(Exception):
    """Data with violations: the build refuses to publish it. Each violation is listed at
    the file and line of its focus node where the report knows them."""

    def __init__(self, report: ValidationReport, shown: int = 20) -> None:
        self.report = report
        violations = [r for r in sorted(report.results, key=sort_key) if r.severity == "Violation"]
        lines = [
            f"  {r.location.text() + ': ' if r.location else ''}{r.focus} {r.path_text or '-'}"
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
