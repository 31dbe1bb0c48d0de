"""The lean request path (issue 16 item 4) answers as the straightforward one did.

The headers every answer gets (``publisher.web.http._add_headers``) are now written in one
pass over the response's headers; the reference below is the earlier code, one werkzeug
call at a time, and both must give the same headers in the same order for every kind of
response a view hands them. The request class parses Accept once per distinct header and
skips the cookie parse when there is no Cookie header: the same values as Werkzeug's."""

import itertools
from typing import Any

import pytest
from flask import Flask, Request, Response, request
from werkzeug.datastructures import MIMEAccept

from publisher.web import http
from publisher.web.dispatch import Publisher, PublisherRequest
from publisher.web.publication import publication


def _reference_headers(response: Response) -> Response:
    """The headers of every answer as they were set before the one-pass version."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    for header, value in http.SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
    if response.status_code in (429, 503) and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(http.RETRY_AFTER_SECONDS)
    cacheable = response.status_code == 200 and not response.cache_control.no_store
    if request.method in ("GET", "HEAD") and cacheable:
        if not response.get_etag()[0]:
            response.set_etag(http.representation_etag(request, publication().snapshot.version))
        response.cache_control.public = True
        response.cache_control.max_age = publication().settings.cache_max_age
        response.vary.update(http.NEGOTIATING_HEADERS)
        if publication().settings.public_url is None:
            response.vary.add("Host")
    return response


# What a view may have set before the hook runs: nothing, or headers the hook looks at.
VIEW_HEADERS: list[list[tuple[str, str]]] = [
    [],
    [("Vary", "Accept")],
    [("Vary", "Accept, Cookie"), ("ETag", '"own"')],
    [("ETag", '""')],
    [("Cache-Control", "no-store")],
    [("Cache-Control", "max-age=60, private")],
    [("content-security-policy", "default-src 'self'"), ("X-Frame-Options", "SAMEORIGIN")],
    [("Access-Control-Allow-Origin", "https://example.org"), ("Retry-After", "9")],
    [("X-SPARQL-MaxRows", "10"), ("vary", "accept")],
]
STATUSES = [200, 304, 404, 429, 503]
METHODS = ["GET", "HEAD", "POST", "OPTIONS"]
REQUEST_HEADERS: list[dict[str, str]] = [
    {},
    {"Accept": "text/turtle", "Accept-Language": "tr", "Cookie": "lang=tr"},
]


def _headers_of(
    app: Flask, hook: Any, method: str, query: str, sent: dict[str, str], made: Any
) -> list[tuple[str, str]]:
    status, view_headers = made
    with app.test_request_context(f"/sparql?{query}", method=method, headers=sent):
        response = Response("body", status=status, mimetype="text/plain")
        for name, value in view_headers:
            response.headers.add(name, value)
        return list(hook(response).headers.items())


@pytest.mark.parametrize("public_url", [None, "https://roles.example.org/data"])
def test_every_answer_gets_the_headers_it_got_one_call_at_a_time(make_app, public_url) -> None:
    app = make_app(PUBLIC_URL=public_url, CACHE_MAX_AGE=120)
    compared = 0
    for method, sent, made, query in itertools.product(
        METHODS,
        REQUEST_HEADERS,
        itertools.product(STATUSES, VIEW_HEADERS),
        ["query=ASK%20%7B%7D", "query=ASK%20%7B%7D&lang=tr"],
    ):
        expected = _headers_of(app, _reference_headers, method, query, sent, made)
        assert _headers_of(app, http._add_headers, method, query, sent, made) == expected, (
            method,
            sent,
            made,
        )
        compared += 1
    assert compared == len(METHODS) * 2 * len(STATUSES) * len(VIEW_HEADERS) * 2


ACCEPTS = [
    None,
    "",
    "*/*",
    "application/sparql-results+json, text/turtle;q=0.9",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/csv;q=0, application/json;q=0.5",
    "garbage;;q=x, ,",
]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_accept_is_parsed_as_werkzeug_parses_it(accept) -> None:
    environ = {} if accept is None else {"HTTP_ACCEPT": accept}
    parsed, theirs = PublisherRequest(environ).accept_mimetypes, Request(environ).accept_mimetypes
    assert type(parsed) is type(theirs) is MIMEAccept
    assert list(parsed) == list(theirs)
    offers = ["text/turtle", "text/html", "application/json"]
    assert parsed.best_match(offers) == theirs.best_match(offers)


def test_one_accept_header_is_parsed_once_and_shared() -> None:
    header = {"HTTP_ACCEPT": "text/turtle;q=0.7, application/n-triples"}
    first, second = PublisherRequest(dict(header)), PublisherRequest(dict(header))
    assert first.accept_mimetypes is second.accept_mimetypes
    with pytest.raises(TypeError):  # shared, so it must be immutable
        first.accept_mimetypes.append(("text/csv", 1))  # type: ignore[attr-defined]


@pytest.mark.parametrize("cookie", [None, "", "lang=tr", "lang=tr; other=1", "lang=en;lang=tr"])
def test_cookies_are_what_werkzeug_reads(cookie) -> None:
    environ = {} if cookie is None else {"HTTP_COOKIE": cookie}
    cookies, theirs = PublisherRequest(environ).cookies, Request(environ).cookies
    assert list(cookies.items(multi=True)) == list(theirs.items(multi=True))
    assert type(cookies) is type(theirs)


def test_the_app_runs_the_lean_request_class(app) -> None:
    assert isinstance(app, Publisher)
    with app.test_request_context("/sparql"):
        assert isinstance(request._get_current_object(), PublisherRequest)


def test_each_hook_is_checked_for_a_coroutine_once(app, monkeypatch) -> None:
    asked: list[object] = []
    original = Flask.ensure_sync

    def counting(self: Flask, func: Any) -> Any:
        asked.append(func)
        return original(self, func)

    monkeypatch.setattr(Flask, "ensure_sync", counting)

    def hook() -> None:
        return None

    assert app.ensure_sync(hook) is hook
    assert app.ensure_sync(hook) is hook
    assert asked == [hook]
