"""Protocol corners of issue 13 (item 9): graphs the snapshot does not hold are empty
graphs, the /query form takes POST, and a client that writes its whole oversized body
before reading (Python's urllib, so SPARQLWrapper) gets the 413, not "Broken pipe"."""

import urllib.error
import urllib.request

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from publisher.rdf.namespaces import ASSERTED_GRAPH, MR
from tests.web.conftest import running_server

FORM = "application/x-www-form-urlencoded"
JSON_RESULTS = "application/sparql-results+json"
# The data graph the W3C manifest's query_post_form names: foreign to this dataset.
KASEI = "http://kasei.us/2009/09/sparql/data/data0.rdf"
ONTOLOGY_ASK = "ASK { <https://w3id.org/municipal-roles/ontology> a owl:Ontology }"


@pytest.fixture
def client(backend_app: Flask) -> FlaskClient:
    """This module's tests run on every backend (tests/conftest.py BACKENDS): the
    embedded snapshot, and oxigraph serve and Virtuoso holding it (issue 16 item 6)."""
    return backend_app.test_client()


def test_query_post_form_as_the_w3c_manifest_sends_it(client):
    response = client.post(
        "/sparql",
        data={"query": "ASK {}", "default-graph-uri": KASEI},
        headers={"Accept": JSON_RESULTS},
    )
    assert response.status_code == 200
    assert response.get_json()["boolean"] is True


def test_a_foreign_graph_beside_a_known_one_adds_nothing(client):
    response = client.get(
        "/sparql",
        query_string=[
            ("query", ONTOLOGY_ASK),
            ("default-graph-uri", KASEI),
            ("default-graph-uri", str(ASSERTED_GRAPH)),
        ],
        headers={"Accept": JSON_RESULTS},
    )
    assert response.get_json()["boolean"] is True


def test_rdflib_dataset_over_the_endpoint(live_server):
    """rdflib's Dataset(SPARQLStore) names urn:x-rdflib:default as the default graph: an
    empty graph here, so its own default graph holds nothing, and the union holds all."""
    dataset = Dataset(store=SPARQLStore(f"{live_server}/sparql", returnFormat="json"))
    assert dataset.query("ASK {}").askAnswer is True
    assert dataset.query("ASK { ?s ?p ?o }").askAnswer is False
    dataset.default_union = True
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?p a <{MR.PositionType}> }}"
    assert int(next(iter(dataset.query(count)))[0]) > 0


def test_the_query_form_takes_post_for_long_queries(client):
    padding = "# " + "x" * 8000 + "\n"  # past the URL length a server takes
    query = f"{padding}SELECT ?p WHERE {{ ?p a <{MR.PositionType}> }} ORDER BY ?p LIMIT 3"
    response = client.post("/query", data={"query": query}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "/id/position-type/" in text


# A limit whose bodies outgrow loopback's socket buffers (4 MiB for a send here): smaller
# bodies sit in the buffers unread and reach the 413 without the server's help.
LIMIT = 4 << 20
OVERSIZED = 3 * LIMIT  # within the drained bound, 4 x LIMIT


@pytest.fixture(scope="module")
def small_limit_server(snapshot_home):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MUNICIPAL_ROLES_MAX_CONTENT_LENGTH", str(LIMIT))
        with running_server(snapshot_home) as base:
            yield base


@pytest.mark.parametrize(
    "path, content_type, body",
    [
        ("/sparql", "application/sparql-query", b"ASK {} #" + b"x" * OVERSIZED),
        ("/sparql", FORM, b"query=ASK%20%7B%7D%20%23" + b"x" * OVERSIZED),
        ("/validate", "text/turtle", b"#" + b"x" * OVERSIZED),
    ],
)
def test_urllib_gets_the_413_for_an_oversized_body(small_limit_server, path, content_type, body):
    """urllib sends the whole body before it reads: unread, the server's close is a
    "Broken pipe" on the client's side (seen here for 8 MB at the default 1 MiB limit)."""
    request = urllib.request.Request(
        small_limit_server + path, data=body, headers={"Content-Type": content_type}
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    assert raised.value.code == 413
    assert f"limited to {LIMIT} bytes".encode() in raised.value.read()
