"""The closed vocabulary: a misspelt class or property fails, naming the nearest real term."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import OWL, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, SDO, SKOS, DefinedNamespace

from publisher.cli import main
from publisher.validation.validator import ontology_graph, shapes_graph, validate_files
from publisher.validation.vocabulary import (
    PUBLISHED,
    published_vocabulary,
    vocabulary_results,
)

CITY = Path(__file__).parent / "fixtures" / "maple-grove.ttl"
MG = "https://example.org/maple-grove/"
MR = "https://w3id.org/municipal-roles/ontology#"

# (text in the city file, the same text misspelt, the node written there, the message)
TYPOS = [
    (
        "mr:fieldOfStudy",
        "mr:feildOfStudy",
        "manager-degree",
        "mr:feildOfStudy: no such property; did you mean mr:fieldOfStudy?",
    ),
    (
        "org:reportsTo mg:council-post",
        "org:reportTo mg:council-post",
        "manager-post",
        "org:reportTo: no such property; did you mean org:reportsTo?",
    ),
    (
        "a mr:ExperienceRequirement",
        "a mr:ExperienceRequirment",
        "manager-experience",
        "mr:ExperienceRequirment: no such class; did you mean mr:ExperienceRequirement?",
    ),
    (
        "mr:requires mg:manager-degree",
        "mr:requries mg:manager-degree",
        "manager-post",
        "mr:requries: no such property; did you mean mr:requires?",
    ),
    (
        'mr:evidence "The city manager shall prepare',
        'mr:evidnce "The city manager shall prepare',
        "prepare-budget",
        "mr:evidnce: no such property; did you mean mr:evidence?",
    ),
]


@pytest.mark.parametrize(
    "right,wrong,node,message", TYPOS, ids=[t[3].split(": no such")[0] for t in TYPOS]
)
def test_each_typo_fails_naming_the_wrong_term(
    tmp_path: Path, right: str, wrong: str, node: str, message: str
) -> None:
    text = CITY.read_text(encoding="utf-8")
    assert text.count(right) == 1
    city = tmp_path / "city.ttl"
    city.write_text(text.replace(right, wrong), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(city)])
    assert result.exit_code == 1, result.output
    (found,) = [r for r in validate_files([city]).results if r.shape_id in {"S70", "S71"}]
    assert (str(found.focus), found.severity, found.message()) == (MG + node, "Violation", message)
    term = message.split(": no such")[0]
    assert found.message("tr").startswith(f"{term}: böyle bir")
    assert message in result.output


def test_term_lists_are_rdflibs_closed_namespaces() -> None:
    """ORG, SKOS, DCTERMS and PROV refuse unknown names; SDO lists schema.org's terms."""
    assert PUBLISHED == (ORG, SKOS, DCTERMS, PROV, SDO)
    for terms in PUBLISHED:
        assert issubclass(terms, DefinedNamespace)
    for terms in (ORG, SKOS, DCTERMS, PROV):
        with pytest.raises(AttributeError):
            terms.reportTo  # noqa: B018 - the lookup itself must fail
    for terms in PUBLISHED:
        listed = {str(term)[len(str(terms._NS)) :] for term in dir(terms)}
        vocabulary = published_vocabulary(terms)
        # dir() leaves out the names that are not Python identifiers (dcterms:ISO639-2).
        extras = set(getattr(terms, "_extras", ()))
        assert vocabulary.classes | vocabulary.properties == listed | extras
    org = published_vocabulary(ORG)
    assert {"Post", "Organization", "Role"} <= org.classes
    assert {"reportsTo", "postIn", "role", "unitOf"} <= org.properties
    schema = published_vocabulary(SDO)
    assert {"monthsOfExperience", "estimatedSalary", "percentile10"} <= schema.properties


def test_a_deprecated_term_warns_naming_its_replacement() -> None:
    # The city written with the 0.1 names the ontology 0.2 deprecated.
    text = CITY.read_text(encoding="utf-8")
    old_names = text.replace("mr:inDutyArea ", "mr:dutyArea ").replace(
        "mr:hasDocumentKind ", "mr:documentKind "
    )
    assert old_names != text
    data = Graph().parse(data=old_names, format="turtle")
    results = vocabulary_results(data, ontology_graph(), shapes_graph())
    messages = {(r.severity, r.shape_id, r.message()) for r in results}
    assert messages == {
        ("Warning", "S72", "mr:dutyArea is deprecated; use mr:inDutyArea"),
        ("Warning", "S72", "mr:documentKind is deprecated; use mr:hasDocumentKind"),
    }
    assert len(results) == 4 + 1  # four duties use mr:dutyArea, one source mr:documentKind


def test_a_deprecated_term_without_a_replacement_warns_alone() -> None:
    ontology = Graph()
    ontology += ontology_graph()
    gone = URIRef(MR + "hasDuty")
    ontology.add((gone, OWL.deprecated, Literal(True)))
    results = vocabulary_results(Graph().parse(CITY), ontology, shapes_graph())
    assert {(r.severity, r.shape_id, r.message()) for r in results} == {
        ("Warning", "S72", "mr:hasDuty is deprecated"),
    }
    assert len(results) == 3  # three posts use mr:hasDuty


def test_the_city_uses_only_known_terms() -> None:
    assert vocabulary_results(Graph().parse(CITY), ontology_graph(), shapes_graph()) == []
