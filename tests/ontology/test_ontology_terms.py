"""The ontology as a published contract: the terms others write against, its header
values and the file's layout (sorted prefixes, one subject block per term)."""

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, VANN

from publisher.loading import load_graph
from publisher.namespaces import MR, ONTOLOGY_IRI, PREFIXES
from publisher.resources import ONTOLOGY_FILE

SCHEMA = Namespace(PREFIXES["schema"])
PUBLISHED_TERMS = Path(__file__).resolve().parent / "published-terms.txt"
KINDS = {
    "class": OWL.Class,
    "object-property": OWL.ObjectProperty,
    "datatype-property": OWL.DatatypeProperty,
    "individual": OWL.NamedIndividual,
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_graph([ONTOLOGY_FILE])


def published_terms() -> list[tuple[str, str]]:
    lines = PUBLISHED_TERMS.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split()) for line in lines if line and not line.startswith("#")]


def test_published_term_list_is_read() -> None:
    assert len(published_terms()) == 66


@pytest.mark.parametrize(("kind", "name"), published_terms(), ids=lambda value: value)
def test_published_term_is_still_declared(ontology: Graph, kind: str, name: str) -> None:
    assert (MR[name], RDF.type, KINDS[kind]) in ontology


def test_header_values(ontology: Graph) -> None:
    def one(predicate: URIRef) -> object:
        return ontology.value(ONTOLOGY_IRI, predicate, any=False)

    version = str(one(OWL.versionInfo))
    assert str(one(OWL.versionIRI)) == f"{ONTOLOGY_IRI}/{version}"
    assert one(DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(one(VANN.preferredNamespaceUri)) == str(MR)
    assert str(one(VANN.preferredNamespacePrefix)) == "mr"
    created, modified = one(DCTERMS.created), one(DCTERMS.modified)
    assert isinstance(created, Literal) and isinstance(modified, Literal)
    assert created.datatype == modified.datatype == URIRef("http://www.w3.org/2001/XMLSchema#date")
    assert created.value <= modified.value


def test_creator_and_publisher_are_named_agents(ontology: Graph) -> None:
    for predicate in (DCTERMS.creator, DCTERMS.publisher):
        agent = ontology.value(ONTOLOGY_IRI, predicate, any=False)
        assert (agent, RDF.type, FOAF.Agent) in ontology
        assert (agent, RDF.type, SCHEMA.Organization) in ontology
        assert str(ontology.value(agent, FOAF.name)) == "municipal-roles contributors"


def test_text_is_tagged_english_or_turkish(ontology: Graph) -> None:
    """Every language-tagged literal of the ontology is in en or tr (DESIGN §3)."""
    languages = {obj.language for obj in ontology.objects() if isinstance(obj, Literal)}
    assert languages <= {None, "en", "tr"}


def test_prefixes_are_sorted() -> None:
    text = ONTOLOGY_FILE.read_text(encoding="utf-8")
    # The prefix block ends at the first statement (later @prefix lines are in examples).
    header = re.split(r"^[<\[_a-z]", text, maxsplit=1, flags=re.MULTILINE)[0]
    prefixes = re.findall(r"^@prefix (\w*):", header, flags=re.MULTILINE)
    assert len(prefixes) >= 10
    assert prefixes == sorted(prefixes)


def test_one_subject_block_per_term() -> None:
    text = ONTOLOGY_FILE.read_text(encoding="utf-8")
    subjects = re.findall(r"^mr:(\w+) ", text, flags=re.MULTILINE)
    assert len(subjects) == len(set(subjects)), sorted(
        name for name in set(subjects) if subjects.count(name) > 1
    )


def test_examples_are_turtle_found_in_the_shipped_data(ontology: Graph) -> None:
    """Each skos:example is Turtle that readers can copy, and it stays true to the data."""
    from rdflib import SKOS

    from publisher.resources import turtle_files

    data = load_graph(turtle_files("data"))
    examples = [
        str(text)
        for term in ontology.subjects()
        if term in MR
        for text in ontology.objects(term, SKOS.example)
    ]
    assert examples
    for example in examples:
        triples = set(Graph().parse(data=example, format="turtle"))
        assert triples
        assert triples <= set(data), triples - set(data)
