"""SKOS's own axioms for its mapping properties are part of the reasoning: a mapping
stated one way is in the inferred graph both ways, and nothing else changes."""

from pathlib import Path

import owlrl
import pytest
from rdflib import SKOS, Graph, URIRef

from publisher.build.reasoning import (
    Closure,
    InconsistencyError,
    compute_closure,
    is_useful_entailment,
    skos_mapping_axioms,
)
from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import ONTOLOGY_FILE, turtle_files

EXPECTED = Path(__file__).resolve().parent / "skos-mapping-entailments.nt"
POSITION_TYPE = "https://w3id.org/municipal-roles/id/position-type/"


@pytest.fixture(scope="module")
def asserted() -> Graph:
    return load_graph([ONTOLOGY_FILE, *turtle_files("data")])


@pytest.fixture(scope="module")
def closure(asserted: Graph) -> Closure:
    return compute_closure(asserted)


def test_close_match_is_found_from_both_ends(closure: Closure) -> None:
    genel_sekreter = URIRef(POSITION_TYPE + "tr-bb-genel-sekreter")
    assert not set(closure.asserted.objects(genel_sekreter, SKOS.closeMatch))
    partners = set(closure.inferred.objects(genel_sekreter, SKOS.closeMatch))
    assert partners == {
        URIRef(POSITION_TYPE + "tr-genel-sekreter"),
        URIRef(POSITION_TYPE + "us-city-manager"),
    }


def test_skos_axioms_add_exactly_the_listed_triples(asserted: Graph, closure: Closure) -> None:
    """The difference between reasoning with and without the SKOS axioms, triple by triple."""
    without = Graph()
    without += asserted
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(without)
    before = {t for t in without if t not in asserted and is_useful_entailment(t)}
    added = set(closure.inferred) - before
    assert before <= set(closure.inferred)
    assert added == set(Graph().parse(EXPECTED, format="nt"))


def test_skos_axioms_are_not_published(closure: Closure) -> None:
    """SKOS's statements about its own properties stay out of the inferred graph."""
    skos_terms = set(skos_mapping_axioms().subjects())
    assert len(skos_terms) == 6
    assert not skos_terms & set(closure.inferred.subjects())


def test_exact_match_that_is_also_a_broad_match_is_inconsistent() -> None:
    """SKOS's integrity condition: skos:exactMatch is disjoint with skos:broadMatch."""
    data = Graph()
    a, b = URIRef(POSITION_TYPE + "a"), URIRef(POSITION_TYPE + "b")
    data.add((a, SKOS.exactMatch, b))
    data.add((a, SKOS.broadMatch, b))
    with pytest.raises(InconsistencyError):
        compute_closure(data)
