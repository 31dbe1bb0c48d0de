"""One query, the same answer on every route that runs it: /sparql, the /query form and a
canned query's page and machine formats (publisher.web.answers).

Each test here pins a drift the routes once had: /query ignored MAX_RESPONSE_BYTES,
/queries/<name>.csv cut rows without X-SPARQL-MaxRows, an update got 403 on /sparql but
400 on /query, a CONSTRUCT on /query failed with 500 (then 503, asking for a format named
"nt"), RDF 1.2 triple terms got "syntax error", an HTML page's 503 had no Retry-After.
"""

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from rdflib import Graph
from werkzeug.test import TestResponse

from publisher.rdf.errors import TripleTermError
from publisher.rdf.namespaces import ID_BASE, ONTOLOGY_IRI
from publisher.store.query import QueryResult
from publisher.web.labels import Bases
from publisher.web.publication import publication
from publisher.web.results import results_table

NAME = "under-test"
SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
# Four-way cross product of the whole dataset: never finishes within a second.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
TRIPLE_TERMS = {
    "bound": "SELECT ?t WHERE { BIND(<<( <http://a> <http://b> <http://c> )>> AS ?t) }",
    "function": "SELECT ?t WHERE { BIND(TRIPLE(<http://a>, <http://b>, <http://c>) AS ?t) }",
    "constructed": "CONSTRUCT { <http://a> <http://b> ?t } "
    "WHERE { BIND(TRIPLE(<http://a>, <http://b>, <http://c>) AS ?t) }",
}
HTML = "text/html"
JSON = "application/sparql-results+json"
TURTLE = "text/turtle"

Route = Callable[[FlaskClient, str, bool], TestResponse]


def _graph_or(graph: bool, graph_value: str, results_value: str) -> str:
    return graph_value if graph else results_value


# Every way to run one query. A route gets the client, the query text (also saved as the
# canned query NAME) and whether the query is a CONSTRUCT; it returns the response.
ROUTES: dict[str, Route] = {
    "/sparql GET": lambda c, text, graph: c.get(
        "/sparql",
        query_string={"query": text},
        headers={"Accept": _graph_or(graph, TURTLE, JSON)},
    ),
    "/sparql POST": lambda c, text, graph: c.post(
        "/sparql",
        data=text,
        content_type="application/sparql-query",
        headers={"Accept": _graph_or(graph, TURTLE, JSON)},
    ),
    "/sparql format=": lambda c, text, graph: c.get(
        "/sparql", query_string={"query": text, "format": _graph_or(graph, "turtle", "csv")}
    ),
    "/query": lambda c, text, graph: c.get(
        "/query", query_string={"query": text}, headers={"Accept": HTML}
    ),
    "/queries/<name>": lambda c, text, graph: c.get(f"/queries/{NAME}", headers={"Accept": HTML}),
    "/queries/<name>.<suffix>": lambda c, text, graph: c.get(
        f"/queries/{NAME}.{_graph_or(graph, 'ttl', 'csv')}"
    ),
    "/queries/<name> Accept": lambda c, text, graph: c.get(
        f"/queries/{NAME}", headers={"Accept": _graph_or(graph, TURTLE, JSON)}
    ),
}


def rows_shown(response: TestResponse) -> int:
    """How many rows (or triples) an answer holds, in whichever format it came."""
    body = response.get_data(as_text=True)
    if response.mimetype == HTML:
        found = re.search(r'<p class="note">(\d+) rows?', body)
        assert found, body
        return int(found.group(1))
    if response.mimetype == JSON:
        return len(json.loads(body)["results"]["bindings"])
    if response.mimetype == "text/csv":
        return len(body.splitlines()) - 1
    if response.mimetype == TURTLE:
        return len(Graph().parse(data=body, format="turtle"))
    raise AssertionError(f"no row count for {response.mimetype}")


@pytest.fixture
def serve(make_app, tmp_path: Path) -> Callable[..., FlaskClient]:
    """A client of an app with the given settings whose one canned query is ``text``."""

    def factory(text: str, **settings: object) -> FlaskClient:
        folder = tmp_path / "queries"
        folder.mkdir()
        (folder / f"{NAME}.rq").write_text(
            f"# title: Under test\n# description: The query of this test.\n{text}\n",
            encoding="utf-8",
        )
        app: Flask = make_app(QUERIES_DIR=str(folder), **settings)
        return app.test_client()

    return factory


def everywhere(client: FlaskClient, text: str, graph: bool = False) -> dict[str, TestResponse]:
    return {route: run(client, text, graph) for route, run in ROUTES.items()}


@pytest.mark.parametrize(("text", "graph"), [(SELECT, False), (CONSTRUCT, True)])
def test_the_row_cap_cuts_every_route_alike_and_says_so(serve, text, graph):
    client = serve(text, MAX_ROWS=7)
    for route, response in everywhere(client, text, graph).items():
        assert response.status_code == 200, (route, response.get_data(as_text=True))
        assert response.headers.get("X-SPARQL-MaxRows") == "7", route
        assert rows_shown(response) == 7, route


def test_the_byte_cap_cuts_every_route_alike_and_says_so(serve):
    client = serve(SELECT, MAX_RESPONSE_BYTES=2000)
    cuts = {
        route: (
            response.status_code,
            response.headers.get("X-SPARQL-MaxRows"),
            rows_shown(response),
        )
        for route, response in everywhere(client, SELECT).items()
    }
    status, header, rows = cuts["/sparql GET"]
    # Cut by its size, long before the row cap of 10,000.
    assert status == 200
    assert 0 < rows < 100
    assert header == str(rows)
    assert cuts == dict.fromkeys(ROUTES, (200, header, rows))
    page = ROUTES["/query"](client, SELECT, False).get_data(as_text=True)
    assert "cut at the server's limit on rows or bytes" in page


def test_an_answer_within_the_caps_is_whole_everywhere(serve):
    text = f"{SELECT} LIMIT 3"
    client = serve(text, MAX_ROWS=7)
    for route, response in everywhere(client, text).items():
        assert response.status_code == 200, route
        assert "X-SPARQL-MaxRows" not in response.headers, route
        assert rows_shown(response) == 3, route


@pytest.mark.parametrize(
    "text",
    ["DROP ALL", "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }"],
)
def test_an_update_is_403_on_every_route(serve, text):
    client = serve(text)
    for route, response in everywhere(client, text).items():
        assert response.status_code == 403, route
        assert "read-only" in response.get_data(as_text=True), route


def test_a_syntax_error_is_400_on_every_route(serve):
    text = "SELECT ?s WHERE { ?s ?p"
    client = serve(text)
    for route, response in everywhere(client, text).items():
        assert response.status_code == 400, route
        assert "syntax error" in response.get_data(as_text=True), route


def test_a_query_past_the_time_limit_is_503_on_every_route(serve):
    client = serve(RUNAWAY, QUERY_TIMEOUT=0.5)
    for route, response in everywhere(client, RUNAWAY).items():
        assert response.status_code == 503, route
        assert "time limit of 0.5 s" in response.get_data(as_text=True), route
        assert response.headers["Retry-After"], route


@pytest.mark.parametrize("kind", list(TRIPLE_TERMS))
def test_rdf_1_2_triple_terms_are_400_with_their_message_on_every_route(serve, kind):
    text = TRIPLE_TERMS[kind]
    client = serve(text)
    for route, response in everywhere(client, text, graph=kind == "constructed").items():
        assert response.status_code == 400, route
        body = response.get_data(as_text=True)
        message = str(escape(TripleTermError.MESSAGE)) if response.mimetype == HTML else None
        assert (message or TripleTermError.MESSAGE) in body, (route, body)


def test_a_volatile_answer_is_never_cached_and_a_fixed_one_is(serve):
    volatile = "SELECT (NOW() AS ?now) (RAND() AS ?r) WHERE {}"
    client = serve(volatile)
    for route, response in everywhere(client, volatile).items():
        assert response.status_code == 200, route
        assert response.cache_control.no_store, route
        assert "Accept" in response.vary, route
    fixed = f"{SELECT} LIMIT 1"
    (Path(client.application.config["QUERIES_DIR"]) / f"{NAME}.rq").write_text(
        f"# title: Fixed\n# description: No volatile function.\n{fixed}\n", encoding="utf-8"
    )
    for route, response in everywhere(client, fixed).items():
        assert not response.cache_control.no_store, route
        # Only a GET is cached: a POST's answer depends on its body.
        assert bool(response.cache_control.max_age) is ("POST" not in route), route


def test_a_format_the_answer_lacks_is_406_naming_the_ones_it_has(serve):
    client = serve(SELECT)
    for response in (
        client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": TURTLE}),
        client.get(f"/queries/{NAME}", headers={"Accept": TURTLE}),
        client.get(f"/queries/{NAME}.ttl"),
    ):
        assert response.status_code == 406
        body = response.get_data(as_text=True)
        assert "the answer of a SELECT query is available as" in body
        assert JSON in body
        assert "Accept" in response.vary


def test_a_results_table_refuses_a_triple_term_a_store_lets_through(app):
    """Should a store pass an RDF 1.2 triple term on (SPARQL JSON ``"type": "triple"``), the
    HTML table refuses it with the one message (400) instead of showing it as a literal."""
    triple = {
        "subject": {"type": "uri", "value": "http://a"},
        "predicate": {"type": "uri", "value": "http://b"},
        "object": {"type": "uri", "value": "http://c"},
    }
    row = {"s": {"type": "uri", "value": ID_BASE}, "t": {"type": "triple", "value": triple}}
    answer = {"head": {"vars": ["s", "t"]}, "results": {"bindings": [row]}}
    result = QueryResult("bindings", "json", json.dumps(answer).encode(), rows=1)
    bases = Bases(ID_BASE, "/id/", str(ONTOLOGY_IRI), "/ontology")
    with app.app_context(), pytest.raises(TripleTermError):
        results_table(result, publication().store, 5.0, 10, bases, ["en"])
