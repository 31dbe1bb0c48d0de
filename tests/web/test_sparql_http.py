"""HTTP conventions on /sparql: caching keyed on the snapshot, CORS, compression, methods."""

import gzip
from collections.abc import Callable

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from publisher.web.http import representation_etag

QUERY = {"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 200"}


def test_etag_and_cache_control(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string=QUERY)
    etag, weak = response.get_etag()
    assert etag and not weak
    assert response.cache_control.public
    assert response.cache_control.max_age == 300
    assert {"Accept", "Accept-Encoding"} <= set(response.vary)
    again = client.get("/sparql", query_string=QUERY)
    assert again.get_etag()[0] == etag


def test_if_none_match_gives_304_without_a_body(client: FlaskClient) -> None:
    etag = client.get("/sparql", query_string=QUERY).get_etag()[0]
    response = client.get("/sparql", query_string=QUERY, headers={"If-None-Match": f'"{etag}"'})
    assert response.status_code == 304
    assert response.data == b""
    stale = client.get("/sparql", query_string=QUERY, headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_representations_have_their_own_etag(client: FlaskClient) -> None:
    json_tag = client.get("/sparql", query_string=QUERY).get_etag()[0]
    csv_tag = client.get("/sparql", query_string=QUERY, headers={"Accept": "text/csv"}).get_etag()
    assert csv_tag[0] != json_tag


def test_etag_changes_with_the_snapshot(client: FlaskClient) -> None:
    with client.application.test_request_context("/sparql?query=ASK{}"):
        assert representation_etag(request, "v1") != representation_etag(request, "v2")


def test_etag_names_the_origin_and_the_target(client: FlaskClient) -> None:
    """Absolute URLs in an answer come from the origin: another scheme, host, port or
    path prefix, like another path or query, is another representation."""
    tags = set()
    for base, path in [
        ("http://a.example/", "/sparql?query=ASK{}"),
        ("https://a.example/", "/sparql?query=ASK{}"),
        ("http://b.example/", "/sparql?query=ASK{}"),
        ("http://a.example:8080/", "/sparql?query=ASK{}"),
        ("http://a.example/prefix/", "/sparql?query=ASK{}"),
        ("http://a.example/", "/sparql?query=ASK{ }"),
        ("http://a.example/", "/query?query=ASK{}"),
    ]:
        with client.application.test_request_context(path, base_url=base):
            tags.add(representation_etag(request, "v1"))
    assert len(tags) == 7
    with client.application.test_request_context(
        "/sparql?query=ASK{}", base_url="http://a.example/"
    ):
        assert representation_etag(request, "v1") in tags  # the same request, the same tag


def test_errors_are_not_cached(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {"})
    assert response.status_code == 400
    assert response.get_etag()[0] is None
    assert not response.cache_control.max_age


def test_cors_is_open(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string=QUERY, headers={"Origin": "https://x.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://x.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def test_large_answers_are_compressed(client: FlaskClient) -> None:
    plain = client.get("/sparql", query_string=QUERY)
    response = client.get("/sparql", query_string=QUERY, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == plain.data
    assert len(response.data) < len(plain.data)
    # The compressed variant's ETag still revalidates.
    tag = response.headers["ETag"]
    revalidated = client.get(
        "/sparql",
        query_string=QUERY,
        headers={"Accept-Encoding": "gzip", "If-None-Match": tag},
    )
    assert revalidated.status_code == 304


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/sparql")
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert response.mimetype == "text/plain"


def test_answers_that_change_per_run_are_never_cached(client: FlaskClient) -> None:
    query = {"query": "SELECT (STRUUID() AS ?id) (RAND() AS ?r) WHERE {}"}
    first, second = (client.get("/sparql", query_string=query) for _ in range(2))
    assert first.status_code == second.status_code == 200
    assert first.data != second.data
    assert first.cache_control.no_store
    assert first.get_etag()[0] is None


def test_volatile_names_inside_literals_do_not_count() -> None:
    from publisher.store.guard import is_volatile

    assert is_volatile("SELECT (now() AS ?t) {}")
    assert not is_volatile('SELECT ?x { ?x rdfs:label "NOW()" . ?x ex:rand ?y }')


@pytest.mark.parametrize(
    "path", ["/sparql?query=ASK%7B%7D", "/id/position-type/us-city-manager", "/.well-known/void"]
)
def test_every_503_says_when_to_try_again(make_app: Callable[..., Flask], path: str) -> None:
    # A time limit no query can meet: every route that queries answers 503.
    client = make_app(QUERY_TIMEOUT=1e-9, RESPONSE_CACHE_BYTES=0).test_client()
    response = client.get(path)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
