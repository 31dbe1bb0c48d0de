"""The ontology quality checklist as SPARQL: every ``tests/checks/*-violation.rq`` query
must return no row on the shipped ontology, and must find the defect in its own broken
fixture (``tests/ontology/fixtures/<check>.ttl``), so that no check passes by accident."""

from pathlib import Path

import pytest
from rdflib import Graph

from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import ONTOLOGY_FILE

CHECKS_DIR = Path(__file__).resolve().parents[1] / "checks"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
CHECKS = sorted(CHECKS_DIR.glob("*-violation.rq"))
# Raise this when adding a check: a renamed or mistyped folder must not skip them all.
EXPECTED_CHECK_COUNT = 14


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_graph([ONTOLOGY_FILE])


def violations(graph: Graph, check: Path) -> list[tuple[str, ...]]:
    """The rows a check returns on a graph, as strings."""
    return [tuple(str(value) for value in row) for row in graph.query(check.read_text())]


def expected_row(fixture: Path) -> set[str]:
    """The values that one result row must hold, from the fixture's ``# expect:`` line."""
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            return set(line.removeprefix("# expect:").split())
    raise AssertionError(f"{fixture} has no '# expect:' line naming the row the check must return")


def test_checks_are_collected() -> None:
    assert len(CHECKS) == EXPECTED_CHECK_COUNT, [check.name for check in CHECKS]


def test_every_check_has_exactly_one_fixture() -> None:
    fixtures = {path.stem for path in FIXTURES_DIR.glob("*-violation.ttl")}
    assert fixtures == {check.stem for check in CHECKS}


@pytest.mark.parametrize("check", CHECKS, ids=lambda path: path.stem)
def test_ontology_passes_check(ontology: Graph, check: Path) -> None:
    assert violations(ontology, check) == []


@pytest.mark.parametrize("check", CHECKS, ids=lambda path: path.stem)
def test_check_finds_its_fixture_defect(check: Path) -> None:
    fixture = FIXTURES_DIR / f"{check.stem}.ttl"
    rows = violations(load_graph([fixture]), check)
    expected = expected_row(fixture)
    assert any(expected <= set(row) for row in rows), f"expected a row with {expected}: {rows}"


def test_shipped_data_uses_only_declared_terms(ontology: Graph) -> None:
    """A misspelt mr: term in the data (mr:hasDutty) is untyped once the data is loaded."""
    from publisher.rdf.resources import turtle_files

    combined = load_graph([ONTOLOGY_FILE, *turtle_files("data")])
    assert violations(combined, CHECKS_DIR / "missing-type-violation.rq") == []
