"""One rule for "a label in Turkish" (or any language), in the shapes and the canned queries.

A literal is in language X when its tag matches X by RFC 4647 basic filtering: "tr" matches
@tr and @tr-TR. That is what SHACL's sh:languageIn means (S03 ... the shapes) and what
SPARQL's LANGMATCHES does; LANG(?l) = "tr" would miss @tr-TR, so a label the shapes accept
would be missing from a query's answer.
"""

import re

import pyoxigraph as ox
from rdflib import Graph

from publisher.store.canned import load_queries
from publisher.validation.validator import MRSH, validate_graph

# A language tag compared as a string: LANG(?label) = "tr", lang(?l) != "en".
TAG_COMPARED = re.compile(r"\bLANG\s*\(\s*\?\w+\s*\)\s*!?=\s*\"[^\"]+\"", re.IGNORECASE)

CITY = """
@prefix mr: <https://w3id.org/municipal-roles/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/> .
ex:system a mr:GovernmentSystem ; skos:prefLabel "a system"@en .
ex:manager a mr:PositionType ; mr:inSystem ex:system ;
    skos:prefLabel "City Manager"@en-US, "Şehir Yöneticisi"@tr-TR ;
    skos:definition "Runs the city."@en-US, "Şehri yönetir."@tr-TR .
"""


def test_no_canned_query_compares_a_language_tag_as_a_string() -> None:
    queries = load_queries()
    assert len(queries) >= 10
    compared = {q.name: TAG_COMPARED.findall(q.text) for q in queries}
    assert {name: found for name, found in compared.items() if found} == {}


def test_a_label_the_shapes_take_as_turkish_is_the_turkish_label_of_the_query() -> None:
    graph = Graph().parse(data=CITY, format="turtle")
    report = validate_graph(graph)
    label_shapes = {MRSH[s] for s in ("S02-position-type-label-en", "S03-position-type-label-tr")}
    assert not [r for r in report.results if r.shape in label_shapes]

    store = ox.Store()
    store.load(CITY.encode(), format=ox.RdfFormat.TURTLE)
    [query] = [q for q in load_queries() if q.name == "position-types-by-system"]
    [row] = list(store.query(query.text))
    assert row["english"] == ox.Literal("City Manager", language="en-us")
    assert row["turkish"] == ox.Literal("Şehir Yöneticisi", language="tr-tr")
