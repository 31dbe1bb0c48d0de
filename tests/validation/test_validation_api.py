"""The library interface the web /validate page and the build rely on."""

from rdflib import Graph, Literal, Namespace

from publisher.validation.model import NonConformingError
from publisher.validation.report import render_turtle, report_dict
from publisher.validation.validator import validate_graph

SH = Namespace("http://www.w3.org/ns/shacl#")
DATA = """@prefix mr: <https://w3id.org/municipal-roles/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
<http://example.org/head> a org:Post ; rdfs:label "Head of Works"@en ;
    org:reportsTo <http://example.org/head> .
<http://example.org/exp> a mr:ExperienceRequirement ; mr:strength mr:required ;
    schema:monthsOfExperience -1 .
"""


def parsed() -> Graph:
    return Graph().parse(data=DATA, format="turtle")


def test_validate_graph_leaves_the_graph_as_it_was() -> None:
    graph = parsed()
    before = set(graph)
    report = validate_graph(graph)
    assert set(graph) == before
    assert report.triples == len(before)


def test_report_knows_severities_and_groups_by_focus_node() -> None:
    report = validate_graph(parsed())
    assert not report.conforms and report.has_violations
    groups = report.by_focus()
    head = groups[next(f for f in groups if str(f) == "http://example.org/head")]
    assert {"S21", "S23", "S27"} <= {r.shape_id for r in head}
    assert [r.severity for r in head] == sorted(
        (r.severity for r in head), key=lambda s: s != "Violation"
    )
    (months,) = [r for r in report.results if r.shape_id == "S41"]
    assert str(months.path_text) == "schema:monthsOfExperience"
    assert months.value == Literal(-1)
    assert (
        months.message("tr")
        == "schema:monthsOfExperience negatif olmayan tek bir xsd:integer olmalı."
    )
    assert months.focus_label() == ""


def test_dict_form_for_pages_carries_labels_messages_and_hints() -> None:
    data = report_dict(validate_graph(parsed()), "tr")
    (head,) = [g for g in data["focus_nodes"] if g["focus"] == "http://example.org/head"]
    assert head["label"] == "Head of Works"
    (cycle,) = [r for r in head["results"] if r["shape_id"] == "S27"]
    assert cycle["value"] == "http://example.org/head"
    assert cycle["component"] == "sh:SPARQLConstraintComponent"
    assert cycle["message"].startswith("Kadro döngüsel bir bağlılığın parçası")
    assert cycle["hint"]


def test_turtle_report_keeps_every_result_and_message_language() -> None:
    report = validate_graph(parsed())
    graph = Graph().parse(data=render_turtle(report), format="turtle")
    results = list(graph.objects(None, SH.result))
    assert len(results) == len(report.results)
    languages = {m.language for r in results for m in graph.objects(r, SH.resultMessage)}
    assert languages == {"en", "tr"}


def test_build_error_names_focus_path_and_message() -> None:
    error = NonConformingError(validate_graph(parsed()), shown=50)
    text = str(error)
    assert "http://example.org/exp schema:monthsOfExperience = -1: " in text
    assert "must be a single non-negative xsd:integer. [S41]" in text
