"""The publisher in front of an external SPARQL 1.1 store (SPARQL_ENDPOINT): a real
``oxigraph serve-read-only`` holding the snapshot's graphs, answering as the embedded store."""

import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from markupsafe import escape

from publisher.build.snapshot import Snapshot
from publisher.rdf.errors import TripleTermError
from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH
from publisher.store.embedded import EmbeddedStore
from publisher.store.query import QueryRequest, SparqlStore
from publisher.store.remote import RemoteStore
from tests.stores import Store, free_port
from tests.web.test_answers import TRIPLE_TERMS

pytestmark = pytest.mark.slow
OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))
QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class ORDER BY ?class",
    f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}",
    "ASK { <https://w3id.org/municipal-roles/ontology> a owl:Ontology }",
]


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def upstream(request: pytest.FixtureRequest) -> str:
    """The query URL of an external store holding the snapshot's graphs under their names:
    an ``oxigraph serve-read-only`` loaded from the dumps, or the session's Virtuoso,
    pushed to as build --push pushes."""
    if request.param == "virtuoso":
        store: Store = request.getfixturevalue("virtuoso_store")
        return store.query
    url: str = request.getfixturevalue("oxigraph_read_only")
    return url


@pytest.fixture(scope="module")
def oxigraph_read_only(
    snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of an Oxigraph server loaded with the snapshot's dumps under their graph names."""
    location = tmp_path_factory.mktemp("oxigraph")
    for graph, name in (("asserted", ASSERTED_GRAPH), ("inferred", INFERRED_GRAPH)):
        subprocess.run(
            [
                OXIGRAPH,
                "load",
                "--location",
                str(location),
                "--graph",
                str(name),
                "--file",
                str(snapshot.dump_path(graph, "nt")),
            ],
            check=True,
            capture_output=True,
        )
    port = free_port()
    process = subprocess.Popen(
        [
            OXIGRAPH,
            "serve-read-only",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout-s",
            "5",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(200):
            try:
                httpx.get(url, params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def remote(make_app, upstream: str) -> FlaskClient:
    return make_app(SPARQL_ENDPOINT=upstream, RESPONSE_CACHE_BYTES=0).test_client()


@pytest.mark.parametrize("query", QUERIES)
def test_remote_answers_like_the_embedded_store(
    remote: FlaskClient, client: FlaskClient, query: str
) -> None:
    expected = client.get("/sparql", query_string={"query": query})
    answer = remote.get("/sparql", query_string={"query": query})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "application/sparql-results+json"
    assert json.loads(answer.data) == json.loads(expected.data)


def test_remote_construct_in_every_graph_format(remote: FlaskClient) -> None:
    query = "CONSTRUCT WHERE { ?s a owl:Ontology ; ?p ?o }"
    for fmt, media_type in (("ttl", "text/turtle"), ("rdfxml", "application/rdf+xml")):
        answer = remote.get("/sparql", query_string={"query": query, "format": fmt})
        assert answer.status_code == 200
        assert answer.mimetype == media_type
        assert b"https://w3id.org/municipal-roles/ontology" in answer.data


def test_remote_blank_nodes_are_blank_nodes(remote: FlaskClient, client: FlaskClient) -> None:
    """Virtuoso writes a blank node as "nodeID://b10000", no blank node label: the
    publisher answers blank nodes, as the embedded store does (labels are the store's)."""
    query = "SELECT ?s WHERE { ?s a owl:AllDisjointClasses } LIMIT 1"
    answers = [json.loads(c.get("/sparql", query_string={"query": query}).data)
               for c in (remote, client)]  # fmt: skip
    for answer in answers:
        [row] = answer["results"]["bindings"]
        assert row["s"]["type"] == "bnode"
        assert ":" not in row["s"]["value"]


def test_remote_rows_are_capped(make_app, upstream: str) -> None:
    client = make_app(SPARQL_ENDPOINT=upstream, MAX_ROWS=3).test_client()
    answer = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert len(json.loads(answer.data)["results"]["bindings"]) == 3
    assert answer.headers["X-SPARQL-MaxRows"] == "3"


def test_remote_syntax_error_is_400_with_the_upstream_message(remote: FlaskClient) -> None:
    answer = remote.get("/sparql", query_string={"query": "SELECT * {"})
    assert answer.status_code == 400
    assert "error at 1:" in answer.get_data(as_text=True)


def test_remote_is_guarded_too(remote: FlaskClient) -> None:
    query = "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert remote.get("/sparql", query_string={"query": query}).status_code == 400


def test_remote_time_limit(make_app, upstream: str) -> None:
    client = make_app(SPARQL_ENDPOINT=upstream, QUERY_TIMEOUT=0.5).test_client()
    runaway = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    answer = client.get("/sparql", query_string={"query": runaway})
    assert answer.status_code == 503


def test_unreachable_endpoint_is_503(make_app) -> None:
    client = make_app(SPARQL_ENDPOINT=f"http://127.0.0.1:{free_port()}/sparql").test_client()
    answer = client.get("/sparql", query_string={"query": "ASK {}"})
    assert answer.status_code == 503
    assert "failed" in answer.get_data(as_text=True)


@pytest.mark.parametrize("kind", list(TRIPLE_TERMS))
def test_remote_triple_terms_are_400_with_their_message(remote: FlaskClient, kind: str) -> None:
    """The external store answers RDF 1.2 triple terms; the publisher refuses them as the
    embedded store does, on the endpoint and on the query form."""
    query = TRIPLE_TERMS[kind]
    answer = remote.get("/sparql", query_string={"query": query})
    assert answer.status_code == 400
    assert TripleTermError.MESSAGE in answer.get_data(as_text=True)
    page = remote.get("/query", query_string={"query": query}, headers={"Accept": "text/html"})
    assert page.status_code == 400
    assert str(escape(TripleTermError.MESSAGE)) in page.get_data(as_text=True)


def _count(store: SparqlStore, query: str, **dataset: tuple[str, ...]) -> int:
    result = store.query(QueryRequest(query, **dataset), 30.0)
    return int(json.loads(result.body)["results"]["bindings"][0]["n"]["value"])


def _triples(snapshot: Snapshot, graph: str) -> int:
    return sum(1 for _ in ox.parse(path=snapshot.dump_path(graph, "nt")))


@pytest.fixture(scope="module")
def both_stores(snapshot: Snapshot, upstream: str) -> Iterator[dict[str, SparqlStore]]:
    stores: dict[str, SparqlStore] = {
        "embedded": EmbeddedStore(snapshot.store_path, processes=1),
        "remote": RemoteStore(upstream),
    }
    yield stores
    for store in stores.values():
        store.close()


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT (COUNT(*) AS ?n) FROM <{ASSERTED_GRAPH}> {{ ?s ?p ?o }}",
        f"SELECT (COUNT(*) AS ?n) FROM NAMED <{ASSERTED_GRAPH}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        # The query's own dataset holds no default graph here, only the named one.
        f"SELECT (COUNT(*) AS ?n) FROM NAMED <{ASSERTED_GRAPH}> "
        f"{{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}",
    ],
    ids=["from", "from-named", "from-named-and-default"],
)
def test_a_query_counts_its_own_from_graph_on_both_stores(
    both_stores: dict[str, SparqlStore], snapshot: Snapshot, query: str
) -> None:
    """Issue 9: the remote store overrode FROM with the union (4,204 against 3,606)."""
    asserted = _triples(snapshot, "asserted")
    assert asserted < _triples(snapshot, "all")
    counts = {name: _count(store, query) for name, store in both_stores.items()}
    assert counts == {"embedded": asserted, "remote": asserted}


def test_a_graph_outside_the_querys_from_named_is_empty_on_both_stores(
    both_stores: dict[str, SparqlStore],
) -> None:
    """Counted with COUNT(?s): Virtuoso 7.2 answers COUNT(*) = 1 over a pattern it
    proves empty (its SELECT * of the same pattern has no row): a bug of the store."""
    query = (
        f"SELECT (COUNT(?s) AS ?n) FROM NAMED <{ASSERTED_GRAPH}> "
        f"{{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}"
    )
    assert {name: _count(store, query) for name, store in both_stores.items()} == {
        "embedded": 0,
        "remote": 0,
    }


def test_protocol_graphs_win_over_the_querys_from_on_both_stores(
    both_stores: dict[str, SparqlStore], snapshot: Snapshot
) -> None:
    """SPARQL 1.1 Protocol §2.1.4: default-graph-uri replaces the query's FROM."""
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ASSERTED_GRAPH}> {{ ?s ?p ?o }}"
    inferred = _triples(snapshot, "inferred")
    counts = {
        name: _count(store, query, default_graphs=(str(INFERRED_GRAPH),), named_graphs=())
        for name, store in both_stores.items()
    }
    assert counts == {"embedded": inferred, "remote": inferred}


def test_a_protocol_dataset_of_no_known_graph_is_empty_on_both_stores(
    both_stores: dict[str, SparqlStore],
) -> None:
    """Graphs the snapshot does not hold are dropped from the protocol's dataset (issue 13):
    what is left, no graph at all, must be an empty default graph on both stores, not the
    external endpoint's own default dataset."""
    query = "SELECT (COUNT(*) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    counts = {
        name: _count(store, query, default_graphs=(), named_graphs=())
        for name, store in both_stores.items()
    }
    assert counts == {"embedded": 0, "remote": 0}


# One literal of 16 MiB and a character, built by the query itself: past the byte cap
# and past what Oxigraph's parsers hold in one token.
_DOUBLINGS = (
    'BIND("a" AS ?b0) '
    + " ".join(f"BIND(CONCAT(?b{i}, ?b{i}) AS ?b{i + 1})" for i in range(24))
    + ' BIND(CONCAT(?b24, "a") AS ?big)'
)


@pytest.mark.parametrize(
    "request_",
    [
        QueryRequest(f"SELECT ?big WHERE {{ {_DOUBLINGS} }}", max_bytes=1 << 20),
        QueryRequest(
            f"CONSTRUCT {{ <http://example.org/s> <http://example.org/p> ?big }} "
            f"WHERE {{ {_DOUBLINGS} }}",
            graph_format="ntriples",
            max_bytes=1 << 20,
        ),
    ],
    ids=["select", "construct"],
)
def test_remote_answer_past_the_cap_is_cut_without_being_read_whole(
    request: pytest.FixtureRequest, upstream: str, request_: QueryRequest
) -> None:
    """The cut is RemoteStore's own, the same for any store; shown on Oxigraph, since
    Virtuoso 7.2 expands the chain of BINDs into one expression of 2^24 CONCATs and
    answers not even 2^20 within a minute."""
    if "virtuoso" in request.node.callspec.id:
        pytest.skip("Virtuoso does not build the 16 MiB literal (see the docstring)")
    store = RemoteStore(upstream)
    tracemalloc.start()
    try:
        result = store.query(request_, 30.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        store.close()
    assert (result.rows, result.truncated) == (0, True)
    assert len(result.body) < 1 << 10
    # The 16 MiB answer was parsed as it came, never held (it once was, as one bytes).
    assert peak < 8 << 20, peak
