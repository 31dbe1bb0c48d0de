"""The ontology as a published contract: the terms others write against, its header
values and the file's layout (sorted prefixes, one subject block per term)."""

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, VANN

from publisher.rdf.namespaces import MR, ONTOLOGY_IRI, PREFIXES
from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import ONTOLOGY_FILE

SCHEMA = Namespace(PREFIXES["schema"])
PUBLISHED_TERMS = Path(__file__).resolve().parent / "published-terms.txt"
KINDS = {
    "class": OWL.Class,
    "object-property": OWL.ObjectProperty,
    "datatype-property": OWL.DatatypeProperty,
    "annotation-property": OWL.AnnotationProperty,
    "individual": OWL.NamedIndividual,
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_graph([ONTOLOGY_FILE])


def published_terms() -> list[tuple[str, str]]:
    lines = PUBLISHED_TERMS.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split()) for line in lines if line and not line.startswith("#")]


def test_published_term_list_is_read() -> None:
    assert len(published_terms()) == 77


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

    from publisher.rdf.resources import turtle_files

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


def test_terms_named_in_definitions_exist(ontology: Graph) -> None:
    """Definitions and notes refer to terms as mr:Name; each name must be a real term."""
    from rdflib import SKOS

    declared = {str(term)[len(str(MR)) :] for term in ontology.subjects() if term in MR}
    named = {
        name
        for predicate in (SKOS.definition, SKOS.scopeNote, SKOS.example)
        for text in ontology.objects(None, predicate)
        for name in re.findall(r"\bmr:(\w+)", str(text))
    }
    assert len(named) > 30
    assert named <= declared, sorted(named - declared)


def test_standard_terms_named_in_text_and_axioms_exist(ontology: Graph) -> None:
    """Every ORG, SKOS, schema.org, PROV, DCTERMS and FOAF term the ontology names, in its
    axioms or its prose, is defined by that vocabulary (no made-up org:post)."""
    from rdflib.namespace import ORG, PROV, SDO, SKOS

    vocabularies = {"org": ORG, "skos": SKOS, "schema": SDO, "prov": PROV}
    vocabularies |= {"dcterms": DCTERMS, "foaf": FOAF}
    named = {
        (prefix, name)
        for text in ontology.objects()
        if isinstance(text, Literal)
        for prefix, name in re.findall(r"\b(org|skos|schema|prov|dcterms|foaf):(\w+)", text)
    }
    named |= {
        (prefix, str(iri)[len(str(vocabulary)) :])
        for iri in set(ontology.subjects()) | set(ontology.objects()) | set(ontology.predicates())
        if isinstance(iri, URIRef)
        for prefix, vocabulary in vocabularies.items()
        if str(iri).startswith(str(vocabulary))
    }
    assert len(named) > 30
    unknown = sorted(
        f"{prefix}:{name}"
        for prefix, name in named
        if URIRef(str(vocabularies[prefix]) + name) not in vocabularies[prefix]
    )
    assert unknown == []


# 0.2.0 renamed the properties whose names differed from a class only in case.
RENAMED_IN_0_2_0 = {
    "dutyArea": "inDutyArea",
    "decisionRule": "votingRule",
    "careerPath": "hasCareerPath",
    "documentKind": "hasDocumentKind",
}
# 0.2.0 replaced this object property, whose values (SKOS properties) were punned, by an
# annotation property; a property of one kind cannot be a subproperty of the other.
REPLACED_BY_ANOTHER_KIND = {"mappingRelation": "mappingProperty"}


def test_deprecated_terms_name_their_replacement(ontology: Graph) -> None:
    """A deprecated term stays declared with its labels, says what replaces it, and is a
    subproperty of it, so that 0.1.0 data gives the 0.2.0 triple under reasoning."""
    from rdflib import RDFS

    deprecated = {
        str(term)[len(str(MR)) :]
        for term in ontology.subjects(OWL.deprecated, Literal(True))
        if term in MR
    }
    assert deprecated == set(RENAMED_IN_0_2_0) | set(REPLACED_BY_ANOTHER_KIND)
    for old, new in REPLACED_BY_ANOTHER_KIND.items():
        assert ontology.value(MR[old], DCTERMS.isReplacedBy, any=False) == MR[new]
        assert (MR[new], RDF.type, OWL.AnnotationProperty) in ontology
    for old, new in RENAMED_IN_0_2_0.items():
        assert ontology.value(MR[old], DCTERMS.isReplacedBy, any=False) == MR[new]
        assert (MR[old], RDFS.subPropertyOf, MR[new]) in ontology
        assert (MR[new], RDF.type, OWL.ObjectProperty) in ontology
        assert (MR[new], OWL.deprecated, Literal(True)) not in ontology
        languages = {label.language for label in ontology.objects(MR[old], RDFS.label)}
        assert languages == {"en", "tr"}


def test_shipped_files_use_no_deprecated_term() -> None:
    """Data, shapes and queries are migrated to 0.2.0: none names a deprecated term."""
    from publisher.rdf.resources import turtle_files

    root = ONTOLOGY_FILE.parents[1]
    files = [*turtle_files("data"), *turtle_files("shapes"), *sorted(root.glob("queries/*.rq"))]
    assert len(files) > 20
    names = "|".join([*RENAMED_IN_0_2_0, *REPLACED_BY_ANOTHER_KIND])
    pattern = re.compile(rf"\b(?:mr:|{re.escape(str(MR))})({names})\b")
    uses = [
        f"{path.name}: {match.group(0)}"
        for path in files
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert uses == []
