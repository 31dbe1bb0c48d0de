"""Request bodies sent chunked (no Content-Length) are bounded like any other: 413, never cut."""

from collections.abc import Iterator
from io import BytesIO

import httpx
import pytest

from publisher.rdf.namespaces import MR

LIMIT = 2000
QUERY = f"SELECT ?position WHERE {{ ?position a <{MR.PositionType}> }} LIMIT 1\n"
TRIPLE = b'<http://example.org/a> <http://example.org/p> "x" .\n'
# What a server that decodes chunked bodies (gunicorn, Werkzeug's) hands the app.
CHUNKED = {"wsgi.input_terminated": True}
ROUTES = pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/sparql", QUERY.encode(), "application/sparql-query"),
        ("/validate", TRIPLE, "application/n-triples"),
    ],
    ids=["sparql", "validate"],
)


def _padded(text: bytes, size: int, comment: bytes = b"#") -> bytes:
    """text after a comment line that makes the whole exactly size bytes."""
    return comment + b" " * (size - len(text) - len(comment) - 1) + b"\n" + text


def _post_chunked(client, path: str, body: bytes, content_type: str):
    return client.post(
        path,
        input_stream=BytesIO(body),
        headers={
            "Transfer-Encoding": "chunked",
            "Content-Type": content_type,
            "Accept": "application/json",
        },
        environ_overrides=CHUNKED,
    )


@ROUTES
def test_a_chunked_body_up_to_the_limit_is_read_whole(make_app, path, body, content_type):
    client = make_app(MAX_CONTENT_LENGTH=LIMIT).test_client()
    response = _post_chunked(client, path, _padded(body, LIMIT), content_type)
    assert response.status_code == 200, response.get_data(as_text=True)


@ROUTES
def test_a_chunked_body_past_the_limit_is_413(make_app, path, body, content_type):
    client = make_app(MAX_CONTENT_LENGTH=LIMIT).test_client()
    # Cut at the limit, this body is a valid request: it must not be answered as one.
    response = _post_chunked(client, path, body + _padded(b"", LIMIT), content_type)
    assert response.status_code == 413
    assert f"limited to {LIMIT} bytes" in response.get_data(as_text=True)


def _chunks(data: bytes, size: int = 16 << 10) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@ROUTES
def test_the_real_server_answers_413_to_an_oversized_chunked_body(
    live_server, path, body, content_type
):
    oversized = body + _padded(b"", (1 << 20) + 1000)
    response = httpx.post(
        live_server + path,
        content=_chunks(oversized),  # an iterator: httpx sends it chunked
        headers={"Content-Type": content_type, "Accept": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    small = httpx.post(
        live_server + path,
        content=_chunks(body),
        headers={"Content-Type": content_type, "Accept": "application/json"},
        timeout=30,
    )
    assert small.status_code == 200, small.text
