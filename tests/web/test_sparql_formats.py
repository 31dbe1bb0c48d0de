"""Content negotiation on /sparql: Accept and ``format`` pick the serialisation, and the
body parses back to the same answer in every format."""

import csv
import io
import json

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF
from werkzeug.datastructures import MIMEAccept

from publisher.build.snapshot import Snapshot
from publisher.rdf.formats import RESULT_FORMATS
from publisher.store.canned import CannedQuery, load_queries
from publisher.web.negotiation import negotiate

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SELECT = (
    "SELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class ORDER BY ?class LIMIT 5"
)
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a owl:Ontology ; ?p ?o }"
ONTOLOGY = URIRef("https://w3id.org/municipal-roles/ontology")

RESULT_ACCEPT = [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
    # A client that prefers RDF but takes results gets results (Virtuoso #1321).
    ("text/turtle, application/sparql-results+xml;q=0.5", "application/sparql-results+xml"),
]
GRAPH_ACCEPT = [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("text/plain", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    # Results and graph types together (rdflib-endpoint #24): the graph type is chosen.
    ("application/sparql-results+xml, application/rdf+xml", "application/rdf+xml"),
]
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


def parse_results(media_type: str, body: bytes) -> list[tuple[str, int]]:
    """(class IRI, count) rows of the SELECT, whatever the format."""
    if media_type == "text/csv":
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        return [(row["class"], int(row["n"])) for row in rows]
    fmt = {
        "application/sparql-results+json": ox.QueryResultsFormat.JSON,
        "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    }[media_type]
    return [(row["class"].value, int(row["n"].value)) for row in ox.parse_query_results(body, fmt)]


@pytest.mark.parametrize(("accept", "expected"), RESULT_ACCEPT)
def test_select_results_by_accept(client: FlaskClient, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": SELECT}, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.vary
    rows = parse_results(expected, response.data)
    assert len(rows) == 5
    assert all(count > 0 for _, count in rows)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_every_results_format_gives_the_same_rows(client: FlaskClient, fmt: str) -> None:
    reference = client.get("/sparql", query_string={"query": SELECT})
    response = client.get(
        "/sparql", query_string={"query": SELECT, "format": fmt}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200
    assert parse_results(response.mimetype, response.data) == parse_results(
        reference.mimetype, reference.data
    )


@pytest.mark.parametrize(("accept", "expected"), GRAPH_ACCEPT)
def test_construct_by_accept(client: FlaskClient, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected
    graph = Graph().parse(data=response.data, format=RDFLIB_FORMATS[expected])
    assert (ONTOLOGY, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in graph


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld", "rdfxml", "text/turtle"])
def test_format_parameter_overrides_accept(client: FlaskClient, fmt: str) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": CONSTRUCT, "format": fmt},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert response.mimetype in RDFLIB_FORMATS


def test_ask_as_xml(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "text/xml"}
    )
    assert response.mimetype == "application/sparql-results+xml"
    assert bool(ox.parse_query_results(response.data, ox.QueryResultsFormat.XML)) is True


@pytest.mark.parametrize(
    ("query", "accept", "names"),
    [
        (SELECT, "text/turtle", "application/sparql-results+json"),
        (CONSTRUCT, "text/csv", "text/turtle"),
        (SELECT, "image/png", "text/csv"),
    ],
)
def test_406_names_what_can_be_served(
    client: FlaskClient, query: str, accept: str, names: str
) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert names in response.get_data(as_text=True)


def test_unknown_format_parameter_is_406(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": SELECT, "format": "yaml"})
    assert response.status_code == 406


def test_literals_and_languages_survive(client: FlaskClient) -> None:
    query = """SELECT ?label WHERE {
        VALUES ?label { "Genel Sekreter"@tr "tab\\tand \\"quote\\""
                        "3.5"^^xsd:decimal "Büyükşehir\\nBelediye"@tr <https://example.org/x> }
    }"""
    body = json.loads(client.get("/sparql", query_string={"query": query}).data)
    values = [row["label"] for row in body["results"]["bindings"]]
    assert {"type": "literal", "value": "Genel Sekreter", "xml:lang": "tr"} in values
    assert {"type": "literal", "value": 'tab\tand "quote"'} in values
    assert {
        "type": "literal",
        "value": "3.5",
        "datatype": "http://www.w3.org/2001/XMLSchema#decimal",
    } in values
    assert {"type": "uri", "value": "https://example.org/x"} in values
    assert {"type": "literal", "value": "Büyükşehir\nBelediye", "xml:lang": "tr"} in values


def test_unbound_variables_stay_unbound(client: FlaskClient) -> None:
    query = "SELECT ?a ?b WHERE { VALUES (?a ?b) { (1 UNDEF) } }"
    body = json.loads(client.get("/sparql", query_string={"query": query}).data)
    assert body["head"]["vars"] == ["a", "b"]
    assert body["results"]["bindings"] == [
        {"a": {"type": "literal", "value": "1", "datatype": str(Literal(1).datatype)}}
    ]


@pytest.mark.parametrize(("accept", "rdflib_format"), list(RDFLIB_FORMATS.items()))
def test_service_description(client: FlaskClient, accept: str, rdflib_format: str) -> None:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    graph = Graph().parse(data=response.data, format=rdflib_format)
    service = URIRef("http://localhost/sparql")
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    names = set(graph.objects(None, SD.name))
    assert URIRef("https://w3id.org/municipal-roles/graph/asserted") in names


def test_service_description_refuses_results_types(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/csv"})
    assert response.status_code == 406


@pytest.mark.parametrize("canned", load_queries(), ids=lambda canned: canned.name)
def test_canned_queries_come_back_exactly_as_oxigraph_writes_them(
    client: FlaskClient, snapshot: Snapshot, canned: CannedQuery
) -> None:
    """The endpoint's own path (row cap, re-serialisation) changes no term of a real answer."""
    store = ox.Store.read_only(str(snapshot.store_path))
    answer = store.query(canned.text, use_default_graph_as_union=True)
    response = client.get("/sparql", query_string={"query": canned.text, "format": "json"})
    assert response.status_code == 200
    body = json.loads(response.data)
    if isinstance(answer, ox.QueryBoolean):
        assert body["boolean"] is bool(answer)
        return
    expected = json.loads(answer.serialize(format=ox.QueryResultsFormat.JSON))
    assert body["head"] == expected["head"]

    def rows(document: dict) -> list[str]:
        return sorted(json.dumps(row, sort_keys=True) for row in document["results"]["bindings"])

    assert rows(body) == rows(expected)


def test_negotiation_remembers_each_accept_header_apart() -> None:
    """Each (formats, Accept) pair is matched once and remembered: headers in turn, each
    asked twice, get their own format every time, and a header no format fits gets None."""
    cases = [
        ("text/csv", "csv"),
        ("application/sparql-results+xml", "xml"),
        ("text/tab-separated-values;q=0.9, text/csv;q=0.5", "tsv"),
        ("application/sparql-results+json", "json"),
        ("image/png", None),
    ]
    for _ in range(2):
        for header, name in cases:
            accept = MIMEAccept([(v.split(";")[0].strip(), _quality(v)) for v in header.split(",")])
            chosen = negotiate(RESULT_FORMATS, accept)
            assert (chosen.name if chosen else None) == name, header


def _quality(value: str) -> float:
    _, _, q = value.partition(";q=")
    return float(q) if q else 1.0
