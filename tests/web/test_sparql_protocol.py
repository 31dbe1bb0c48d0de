"""The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl).

One row per manifest test, replayed through the Flask test client. The manifest's data
graphs (kasei.us) are replaced by this dataset's two graphs; the update tests expect a
refusal, because this endpoint is read-only by design.
"""

import json
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient

from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH

ASSERTED, INFERRED = str(ASSERTED_GRAPH), str(INFERRED_GRAPH)
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
JSON_RESULTS = "application/sparql-results+json"
# True only in the asserted graph: the ontology header is asserted, never inferred.
ONTOLOGY_ASK = "ASK { <https://w3id.org/municipal-roles/ontology> a owl:Ontology }"


@pytest.fixture
def client(backend_app: Flask) -> FlaskClient:
    """This module's tests run on every backend (tests/conftest.py BACKENDS): the
    embedded snapshot, and oxigraph serve and Virtuoso holding it (issue 16 item 6)."""
    return backend_app.test_client()


@dataclass
class Case:
    method: str
    args: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = None
    body: str | bytes | None = None
    status: int = 200
    boolean: bool | None = None
    media_type: str | None = None
    message: str | None = None


def form(*pairs: tuple[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(pairs)


CASES: dict[str, Case] = {
    "query_post_form": Case(
        "POST", [("default-graph-uri", ASSERTED)], FORM, form(("query", "ASK {}")), boolean=True
    ),
    "query_dataset_default_graphs_get": Case(
        "GET",
        [("query", ONTOLOGY_ASK), ("default-graph-uri", ASSERTED), ("default-graph-uri", INFERRED)],
        boolean=True,
    ),
    "query_dataset_default_graphs_post": Case(
        "POST",
        [("default-graph-uri", ASSERTED), ("default-graph-uri", INFERRED)],
        DIRECT,
        ONTOLOGY_ASK,
        boolean=True,
    ),
    "query_dataset_named_graphs_post": Case(
        "POST",
        [("named-graph-uri", ASSERTED), ("named-graph-uri", INFERRED)],
        DIRECT,
        f"ASK {{ GRAPH <{ASSERTED}> {{ ?s ?p ?o }} }}",
        boolean=True,
    ),
    "query_dataset_named_graphs_get": Case(
        "GET",
        [
            ("query", f"ASK {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}"),
            ("named-graph-uri", ASSERTED),
            ("named-graph-uri", INFERRED),
        ],
        boolean=True,
    ),
    "query_dataset_full": Case(
        "POST",
        [("default-graph-uri", ASSERTED), ("named-graph-uri", INFERRED)],
        DIRECT,
        f"ASK {{ <https://w3id.org/municipal-roles/ontology> a owl:Ontology . "
        f"GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}",
        boolean=True,
    ),
    # FROM in the query and a dataset in the protocol: the protocol wins.
    "query_multiple_dataset": Case(
        "POST",
        [("default-graph-uri", ASSERTED)],
        DIRECT,
        f"PREFIX owl: <http://www.w3.org/2002/07/owl#> "
        f"ASK FROM <{INFERRED}> {{ <https://w3id.org/municipal-roles/ontology> a owl:Ontology }}",
        boolean=True,
    ),
    "query_get": Case("GET", [("query", "ASK {}")], boolean=True),
    "query_post_direct": Case("POST", [], DIRECT, "ASK {}", boolean=True),
    "query_content_type_select": Case(
        "GET", [("query", "SELECT (1 AS ?value) {}")], media_type=JSON_RESULTS
    ),
    "query_content_type_ask": Case("GET", [("query", "ASK {}")], media_type=JSON_RESULTS),
    "query_content_type_describe": Case(
        "GET", [("query", "DESCRIBE <http://example.org/>")], media_type="text/turtle"
    ),
    "query_content_type_construct": Case(
        "GET", [("query", "CONSTRUCT { <s> <p> 1 } WHERE {}")], media_type="text/turtle"
    ),
    "bad_query_method": Case("PUT", [("query", "ASK {}")], status=405),
    "bad_multiple_queries": Case(
        "GET", [("query", "ASK {}"), ("query", "SELECT * {}")], status=400, message="exactly one"
    ),
    "bad_query_wrong_media_type": Case(
        "POST", [], "text/plain", "ASK {}", status=415, message="text/plain"
    ),
    "bad_query_missing_form_type": Case(
        "POST", [], None, form(("query", "ASK {}")), status=415, message="Content-Type"
    ),
    "bad_query_missing_direct_type": Case(
        "POST", [], None, "ASK {}", status=415, message="Content-Type"
    ),
    "bad_query_non_utf8": Case(
        "POST",
        [],
        f"{DIRECT}; charset=UTF-16",
        "ASK {}".encode("utf-16"),
        status=415,
        message="UTF-8",
    ),
    "bad_query_syntax": Case("GET", [("query", "ASK {")], status=400, message="error at 1:6"),
    # From the SPARQL 1.2 protocol tests (rdf-tests, 2026): a GET with a body is refused.
    "bad_query_get_with_body": Case(
        "GET", [("query", "ASK {}")], DIRECT, "ASK {}", status=400, message="no body"
    ),
    # The update tests (13-19 expect success elsewhere): a read-only endpoint refuses them.
    "update_post_form": Case(
        "POST", [], FORM, form(("update", "CLEAR ALL")), status=403, message="read-only"
    ),
    "update_post_direct": Case("POST", [], UPDATE, "CLEAR ALL", status=403, message="read-only"),
    "update_dataset_default_graph": Case(
        "POST",
        [("using-graph-uri", ASSERTED)],
        UPDATE,
        "INSERT DATA { <s> <p> <o> }",
        status=403,
    ),
    "update_as_query": Case(
        "POST", [], DIRECT, "INSERT DATA { <s> <p> <o> }", status=403, message="read-only"
    ),
    "bad_update_get": Case("GET", [("update", "CLEAR ALL")], status=403),
    "bad_multiple_updates": Case(
        "POST", [], FORM, form(("update", "CLEAR ALL"), ("update", "CLEAR ALL")), status=403
    ),
    "bad_update_wrong_media_type": Case("POST", [], "text/plain", "CLEAR NAMED", status=415),
    "bad_update_missing_form_type": Case(
        "POST", [], None, form(("update", "CLEAR NAMED")), status=415
    ),
    "bad_update_non_utf8": Case(
        "POST", [], f"{UPDATE}; charset=UTF-16", "CLEAR NAMED".encode("utf-16"), status=403
    ),
    "bad_update_syntax": Case("POST", [], FORM, form(("update", "CLEAR XYZ")), status=403),
    "bad_update_dataset_conflict": Case(
        "POST",
        [("using-named-graph-uri", ASSERTED)],
        FORM,
        form(("update", f"WITH <{ASSERTED}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}")),
        status=403,
    ),
}


def test_the_table_covers_every_query_test_of_the_manifest() -> None:
    """The manifest's query tests (1-12, 20-27) and its bad update tests (28-34) are all here."""
    manifest_ids = {
        "query_post_form",
        "query_dataset_default_graphs_get",
        "query_dataset_default_graphs_post",
        "query_dataset_named_graphs_post",
        "query_dataset_named_graphs_get",
        "query_dataset_full",
        "query_multiple_dataset",
        "query_get",
        "query_content_type_select",
        "query_content_type_ask",
        "query_content_type_describe",
        "query_content_type_construct",
        "update_post_form",
        "update_post_direct",
        "query_post_direct",
        "bad_query_method",
        "bad_multiple_queries",
        "bad_query_wrong_media_type",
        "bad_query_missing_form_type",
        "bad_query_missing_direct_type",
        "bad_query_non_utf8",
        "bad_query_syntax",
        "bad_update_get",
        "bad_multiple_updates",
        "bad_update_wrong_media_type",
        "bad_update_missing_form_type",
        "bad_update_non_utf8",
        "bad_update_syntax",
        "bad_update_dataset_conflict",
    }
    assert manifest_ids <= CASES.keys()


@pytest.mark.parametrize("name", sorted(CASES))
def test_protocol(client: FlaskClient, name: str) -> None:
    case = CASES[name]
    headers = {"Content-Type": case.content_type} if case.content_type else {}
    response = client.open(
        "/sparql",
        method=case.method,
        query_string=case.args,
        data=case.body,
        headers=headers,
    )
    assert response.status_code == case.status, response.get_data(as_text=True)
    if case.boolean is not None:
        assert response.mimetype == JSON_RESULTS
        assert json.loads(response.data)["boolean"] is case.boolean
    if case.media_type is not None:
        assert response.mimetype == case.media_type
    if case.message is not None:
        assert response.mimetype == "text/plain"
        assert case.message in response.get_data(as_text=True)


def test_without_the_protocol_dataset_from_names_the_default_graph(client: FlaskClient) -> None:
    """The counterpart of query_multiple_dataset: alone, FROM <inferred> hides the ontology."""
    query = (
        f"ASK FROM <{INFERRED}> {{ <https://w3id.org/municipal-roles/ontology> a owl:Ontology }}"
    )
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert json.loads(response.data)["boolean"] is False


def test_default_graph_is_the_union_of_asserted_and_inferred(client: FlaskClient) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    totals = {}
    for name, graphs in {"union": [], "asserted": [ASSERTED], "inferred": [INFERRED]}.items():
        args = [("query", count)] + [("default-graph-uri", g) for g in graphs]
        body = json.loads(client.get("/sparql", query_string=args).data)
        totals[name] = int(body["results"]["bindings"][0]["n"]["value"])
    assert totals["union"] == totals["asserted"] + totals["inferred"]
    assert totals["asserted"] > 0


def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}", "format": "nt"},
    )
    assert response.data.startswith(b"<http://localhost/s> <http://localhost/p> ")
