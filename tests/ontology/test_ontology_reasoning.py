"""OWL 2 RL over the ontology and the shipped data: consistent, nothing in owl:Nothing;
and the ontology's disjointness and functional axioms do catch contradictory data."""

from pathlib import Path

import pytest
from rdflib import OWL, RDF

from publisher.build.reasoning import InconsistencyError, compute_closure
from publisher.rdf.namespaces import MR
from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import ONTOLOGY_FILE, turtle_files

INCONSISTENT = sorted((Path(__file__).resolve().parent / "fixtures" / "inconsistent").glob("*.ttl"))


def test_ontology_and_shipped_data_are_consistent() -> None:
    closure = compute_closure(load_graph([ONTOLOGY_FILE, *turtle_files("data")]))
    assert not set(closure.inferred.subjects(RDF.type, OWL.Nothing))
    assert not set(closure.asserted.subjects(RDF.type, OWL.Nothing))


def test_ontology_alone_entails_nothing_about_instances() -> None:
    """The ontology states no facts about data: its closure adds no typed instances,
    apart from its own three strength individuals being SKOS concepts."""
    closure = compute_closure(load_graph([ONTOLOGY_FILE]))
    typed = set(closure.inferred.subjects(RDF.type, None))
    assert typed <= {MR.required, MR.preferred, MR.typical}


def test_inconsistent_fixtures_are_collected() -> None:
    assert len(INCONSISTENT) == 7


def expected_words(fixture: Path) -> list[str]:
    """What the message must mention (in any case: each engine words it its own way),
    from the fixture's ``# expect:`` line."""
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            return line.removeprefix("# expect:").split()
    raise AssertionError(f"{fixture} has no '# expect:' line")


@pytest.mark.parametrize("fixture", INCONSISTENT, ids=lambda path: path.stem)
def test_contradictory_data_is_reported(fixture: Path) -> None:
    with pytest.raises(InconsistencyError) as raised:
        compute_closure(load_graph([ONTOLOGY_FILE, fixture]))
    for word in expected_words(fixture):
        assert word.lower() in str(raised.value).lower(), word
