"""The README's list of warnings is the shapes' list: every other check is a violation."""

import re
from pathlib import Path

from rdflib import Literal

from publisher.validation.model import MRSH, SH
from publisher.validation.validator import shapes_graph

README = Path(__file__).parents[2] / "README.md"


def readme_warnings() -> set[str]:
    """The shape ids in the first column of the README's table of warnings."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| check | a warning, because |") :].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    return {shape for row in rows for shape in re.findall(r"S\d\d", row.split("|")[1])}


def shapes_by_severity() -> dict[str, set[str]]:
    shapes = shapes_graph()
    found: dict[str, set[str]] = {}
    for shape, severity in shapes.subject_objects(SH.severity):
        if str(shape).startswith(str(MRSH)) and not isinstance(severity, Literal):
            shape_id = str(shape)[len(MRSH) :].split("-", 1)[0]
            found.setdefault(str(severity)[len(SH) :], set()).add(shape_id)
    return found


def test_the_readme_names_every_warning_and_nothing_else() -> None:
    by_severity = shapes_by_severity()
    assert set(by_severity) == {"Violation", "Warning"}
    assert len(by_severity["Violation"]) > 30
    assert readme_warnings() == by_severity["Warning"]


def test_a_claim_without_source_or_evidence_is_a_violation_as_the_readme_says() -> None:
    assert "quotes it" in README.read_text(encoding="utf-8")
    violations = shapes_by_severity()["Violation"]
    assert {"S60", "S61", "S15", "S17", "S31"} <= violations
