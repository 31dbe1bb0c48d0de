"""Published URLs come from configuration, never from a client's Host header (issue 13,
item 2): with PUBLIC_URL set a forged Host reaches no URL; without it, answers built from
the Host vary by it, and an absolute-form request target wins over the Host header."""

import socket
from urllib.parse import urlsplit

import pytest

from publisher.web.http import RequestOrigin
from tests.web.conftest import running_server

FORGED = "evil.example"
PUBLIC = "https://data.example.org/roles"
# The answers that hold absolute URLs of this server.
URL_ANSWERS = {
    "catalog": ("/catalog.ttl", {}),
    "void": ("/.well-known/void", {"Accept": "text/turtle"}),
    "service description": ("/sparql", {"Accept": "text/turtle"}),
    "queries.json": ("/queries.json", {}),
    "landing page": ("/", {"Accept": "text/html"}),
    "query form": ("/query", {"Accept": "text/html"}),
    "validate page": ("/validate", {"Accept": "text/html"}),
}


@pytest.fixture(scope="module")
def public_client(snapshot_home):
    from publisher.web.app import create_app
    from publisher.web.publication import publication

    app = create_app({"HOME": snapshot_home, "TESTING": True, "PUBLIC_URL": PUBLIC + "/"})
    yield app.test_client()
    with app.app_context():
        publication().store.close()


@pytest.mark.parametrize("answer", URL_ANSWERS)
def test_a_forged_host_reaches_no_url_when_the_public_url_is_set(public_client, answer):
    path, headers = URL_ANSWERS[answer]
    response = public_client.get(path, headers={**headers, "Host": FORGED})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert FORGED not in text
    assert PUBLIC in text
    assert "Host" not in response.vary


def test_the_public_url_fixes_the_etag_whatever_the_host(public_client):
    tags = {
        public_client.get("/catalog.ttl", headers={"Host": host}).get_etag()[0]
        for host in (FORGED, "localhost")
    }
    assert len(tags) == 1


@pytest.mark.parametrize("answer", URL_ANSWERS)
def test_without_a_public_url_answers_vary_by_host(client, answer):
    path, headers = URL_ANSWERS[answer]
    forged = client.get(path, headers={**headers, "Host": FORGED})
    real = client.get(path, headers=headers)
    assert FORGED in forged.get_data(as_text=True)
    assert "Host" in forged.vary and "Host" in real.vary
    assert forged.get_etag()[0] != real.get_etag()[0]


def test_a_304_for_one_host_is_not_given_for_another(client):
    etag = client.get("/catalog.ttl").get_etag()[0]
    assert client.get("/catalog.ttl", headers={"If-None-Match": f'"{etag}"'}).status_code == 304
    forged = client.get("/catalog.ttl", headers={"If-None-Match": f'"{etag}"', "Host": FORGED})
    assert forged.status_code == 200


@pytest.mark.parametrize(
    "url", ["ftp://x.example/", "data.example.org", "https://", "https://a/?q=1"]
)
def test_a_public_url_that_is_no_base_is_refused(make_app, url):
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        make_app(PUBLIC_URL=url)


def _raw_get(base: str, target: str, host: str) -> bytes:
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        received = bytearray()
        while chunk := connection.recv(65536):
            received += chunk
    return bytes(received)


def test_an_absolute_form_target_wins_over_the_host_header(snapshot_home):
    """RFC 9112 §3.2.2, against the real server (gunicorn), byte by byte on a socket."""
    with running_server(snapshot_home) as base:
        answer = _raw_get(base, "http://legit.example/catalog.ttl", FORGED)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"http://legit.example/download/all.ttl" in body
    assert FORGED.encode() not in body


def test_the_middleware_reads_the_absolute_form_from_the_environ():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    environ = {"RAW_URI": "https://legit.example/x", "HTTP_HOST": FORGED, "wsgi.url_scheme": "http"}
    RequestOrigin(app, None)(environ, None)
    assert (seen["HTTP_HOST"], seen["wsgi.url_scheme"]) == ("legit.example", "https")
