"""HTTP conventions for every route: CORS, caching keyed on the snapshot, compression, errors.

Errors are mapped to statuses in one place (``ERROR_STATUSES``): a view raises the
store's or the validator's exception and the handler registered here answers it, so the
same failure gets the same status on every route.

A snapshot never changes once published, so a GET's answer depends only on the snapshot
version, the URL and the headers that negotiate it. The ETag is computed from those
before the view runs: a client that already has the answer gets 304 and no query runs.
"""

import base64
import functools
import hashlib
import io
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, current_app, render_template, request
from flask_compress import Compress
from werkzeug.exceptions import HTTPException

from publisher.i18n import N_
from publisher.rdf.errors import TripleTermError
from publisher.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS
from publisher.store.query import QueryError, QueryTimeout, StoreUnavailable, UpdateRefused
from publisher.web.fairness import ClientBusy
from publisher.web.language import language_key
from publisher.web.publication import EXTENSION_KEY, SnapshotGone, present_snapshot, publication

# Headers whose value changes the representation of a GET.
NEGOTIATING_HEADERS = ("Accept", "Accept-Language")
_NEGOTIATING_KEYS = tuple("HTTP_" + name.upper().replace("-", "_") for name in NEGOTIATING_HEADERS)
COMPRESSED_TYPES = [
    *(fmt.media_type for fmt in (*GRAPH_FORMATS, *RESULT_FORMATS)),
    "text/html",
    "text/plain",
    "text/css",
    "application/javascript",
    "text/javascript",  # how Flask serves static .js (the query editor)
    "application/json",
]


# The WSGI keys a request's URL is made of (PEP 3333's URL reconstruction).
_ORIGIN_AND_TARGET = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
)


def representation_etag(req: Request, version: str) -> str:
    """The ETag of a GET: snapshot version, origin, URL and negotiating headers, hashed.

    The origin (scheme, host, path prefix) is in it because absolute URLs in an answer are
    built from it; with PUBLIC_URL set it is always that URL's.
    """
    environ = req.environ
    digest = hashlib.sha256(version.encode())
    # The origin and the target as the request has them (``RequestOrigin`` has put the
    # public URL's there), undecoded: decoding them into ``root_url`` cost 5 % of a web
    # worker's CPU on the canned queries (bench/serve/breakdown.py). Two spellings of one
    # URL then get two tags, which costs a conditional GET its 304, nothing else.
    origin = "".join(str(environ.get(key, "")) + "\0" for key in _ORIGIN_AND_TARGET)
    digest.update(origin.encode(errors="surrogatepass"))
    # The negotiating headers read from the environ, as ``req.headers`` would give them.
    for key in _NEGOTIATING_KEYS:
        digest.update(b"\0" + environ.get(key, "").encode())
    digest.update(b"\0" + language_key(req).encode())
    return digest.hexdigest()[:32]


def _version() -> str:
    return publication().snapshot.version


def _not_modified() -> Response | None:
    if request.method not in ("GET", "HEAD") or not request.if_none_match:
        return None
    etag = representation_etag(request, _version())
    # Flask-Compress appends ":gzip" (or another algorithm) to the ETag it compressed.
    if any(tag.split(":")[0] == etag for tag in request.if_none_match.as_set()):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    return None


def _bounded_chunked_body() -> Response | None:
    """Read a chunked body (no Content-Length) here, and refuse it past MAX_CONTENT_LENGTH.

    Werkzeug caps such a stream at the limit but only fails a read *after* the limit, so
    ``get_data()`` returns a body cut at the limit as if it were whole: an upload got a
    parse error at the cut, a query could run with its end missing.
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    # Only a server that ends the stream itself (gunicorn, Werkzeug's) may be read to the end.
    if limit is None or not chunked or not request.environ.get("wsgi.input_terminated"):
        return None
    stream = request.environ["wsgi.input"]
    body = bytearray()
    while len(body) <= limit:
        block = stream.read(min(64 << 10, limit + 1 - len(body)))
        if not block:
            break
        body += block
    if len(body) > limit:
        return too_large(limit)
    request.environ["wsgi.input"] = io.BytesIO(bytes(body))
    return None


# An oversized body is read and thrown away up to this many times MAX_CONTENT_LENGTH, for
# at most DRAIN_SECONDS, before the 413 is sent: a client that writes its whole body before
# reading (Python's urllib, SPARQLWrapper) otherwise gets "Broken pipe", not the 413.
DRAIN_FACTOR = 4
DRAIN_SECONDS = 5.0
_DRAIN_BLOCK = 16 << 10


def too_large(limit: int) -> Response:
    """The 413 of a body past the limit, sent once the body is drained."""
    drain_body(limit)
    return error_response(
        413, f"Request Entity Too Large: request bodies are limited to {limit} bytes"
    )


def drain_body(limit: int) -> None:
    """Read the rest of the request body and drop it, within DRAIN_FACTOR x limit bytes and
    DRAIN_SECONDS; past either bound the server closes the connection unread."""
    length = request.content_length
    if length is not None and length > DRAIN_FACTOR * limit:
        return
    stream = request.environ["wsgi.input"]
    bound = DRAIN_FACTOR * limit if length is None else length
    deadline = time.monotonic() + DRAIN_SECONDS
    read = 0
    while read < bound and time.monotonic() < deadline:
        block = stream.read(min(_DRAIN_BLOCK, bound - read))
        if not block:
            break
        read += len(block)


# Seconds a client is asked to wait after a 503 (time limit, busy or failed query process)
# or a 429 (its address runs its share of queries).
RETRY_AFTER_SECONDS = 5

# What a page may load: its own stylesheet, images and form targets, and this server's
# own script files (the query pages' editor, static/editor/editor.js) but never an inline
# script, so text an attacker gets into a page cannot run; nor may another site frame a
# page (clickjacking). Sent on every answer (a 304 too, so a revalidated page keeps its
# editor): an error quoting the client's input is covered too. A view that serves a
# document with its own inline styles (the ontology's pyLODE page) sets a policy of its
# own, which is kept.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_STYLE_ELEMENT = re.compile(rb"<style\b[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


@functools.lru_cache(maxsize=16)
def policy_allowing_inline_styles(document: Path) -> str:
    """The policy for a generated HTML file (pyLODE's ontology page) whose own ``<style>``
    elements must apply: each is allowed by its hash, script stays forbidden. Cached per
    file: a snapshot's files never change."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(css).digest()).decode() + "'"
        for css in _STYLE_ELEMENT.findall(document.read_bytes())
    )
    return CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' {hashes}")


SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # For browsers older than frame-ancestors.
    "X-Frame-Options": "DENY",
    # Error messages quote the client's input; never let a browser run it as a page.
    "X-Content-Type-Options": "nosniff",
    # Query URLs carry the query text: other sites are told the origin, never the query.
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


_SECURITY_HEADERS_BY_KEY = tuple(
    (name.lower(), name, value) for name, value in SECURITY_HEADERS.items()
)


def _add_headers(response: Response) -> Response:
    # Werkzeug's headers are a list searched without case on every look-up, and each
    # change to Cache-Control or Vary parses and writes the header again: done one by one
    # these were a third of the web worker's Python on a cheap /sparql query (cProfile).
    # So the names the view set are read once, a missing header is appended, and the
    # parsed headers are written once; the headers and their order are the same.
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    status = response.status_code
    method = request.method
    if "access-control-allow-origin" in present:
        headers["Access-Control-Allow-Origin"] = "*"
    else:
        headers.add("Access-Control-Allow-Origin", "*")
    for key, header, value in _SECURITY_HEADERS_BY_KEY:
        if key not in present:
            headers.add(header, value)
    if method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        headers["Access-Control-Max-Age"] = "86400"
    if status in (429, 503) and "retry-after" not in present:
        # Every 429 and 503, plain text or a page's own HTML, says when to try again.
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if status != 200 or method not in ("GET", "HEAD"):
        return response
    control = response.cache_control if "cache-control" in present else None
    if control is not None and control.no_store:
        return response
    if "etag" not in present or not response.get_etag()[0]:
        response.set_etag(representation_etag(request, _version()))
    settings = publication().settings
    if control is None:
        # What ResponseCacheControl writes for these two directives, set in this order.
        headers.add("Cache-Control", f"public, max-age={settings.cache_max_age}")
    else:
        control.public = True
        control.max_age = settings.cache_max_age
    # Absolute URLs in the answer come from the Host header when there is no public URL:
    # a shared cache must not hand one host's answer to another.
    response.vary.update(_VARY_WITH_HOST if settings.public_url is None else NEGOTIATING_HEADERS)
    return response


_VARY_WITH_HOST = (*NEGOTIATING_HEADERS, "Host")


# The heading of an error page, by status (the catalogue translates it).
ERROR_TITLES = {
    400: N_("Bad request"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    406: N_("Not acceptable"),
    413: N_("Request too large"),
    415: N_("Unsupported media type"),
    429: N_("Too many requests"),
    500: N_("Server error"),
    503: N_("Service unavailable"),
}


def prefers_html(req: Request) -> bool:
    """Whether the client is a browser: it ranks HTML above plain text (curl's */* does not)."""
    accept = req.accept_mimetypes
    return bool(accept) and accept["text/html"] > accept["text/plain"]


def error_response(status: int, message: str) -> Response:
    """An error a person can act on (DESIGN §5), with CORS like any answer: plain text,
    or for a browser the same message in the site's frame, its heading in the page's
    language."""
    if prefers_html(request):
        title = ERROR_TITLES.get(status, ERROR_TITLES[500 if status >= 500 else 400])
        body = render_template("error.html", title=title, status=status, message=message)
        response = Response(body, status=status, mimetype="text/html")
    else:
        response = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    response.vary.add("Accept")
    return response


class ProtocolError(Exception):
    """A request the SPARQL 1.1 Protocol (or HTTP) calls malformed, with its status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# What each failure means for the client, most specific first: the status, and advice
# added to the message. The one map of errors to statuses of every route.
ERROR_STATUSES: tuple[tuple[type[Exception], int, str], ...] = (
    (UpdateRefused, 403, ""),
    (QueryError, 400, ""),
    (TripleTermError, 400, ""),
    (ClientBusy, 429, ""),
    (QueryTimeout, 503, "; simplify the query or add a LIMIT"),
    (StoreUnavailable, 503, "; try again in a moment"),
    (SnapshotGone, 503, ""),
)


# The failures the map answers: pages that render their own HTML error catch these.
MAPPED_ERRORS: tuple[type[Exception], ...] = tuple(kind for kind, _, _ in ERROR_STATUSES)


def error_status(error: Exception) -> tuple[int, str]:
    """The status and message a failure is answered with (pages that render the message
    in HTML use it too)."""
    if isinstance(error, ProtocolError):
        return error.status, str(error)
    for kind, status, advice in ERROR_STATUSES:
        if isinstance(error, kind):
            return status, f"{error}{advice}"
    raise TypeError(f"no status is defined for {type(error).__name__}") from error


def _mapped_error(error: Exception) -> Response:
    return error_response(*error_status(error))


def _http_error(error: HTTPException) -> Response:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if error.code == 413 and limit is not None:
        if (request.content_length or 0) > limit:
            return too_large(limit)
        drain_body(limit)  # a form field past MAX_FORM_MEMORY_SIZE: Werkzeug's message says so
    response = error_response(error.code or 500, f"{error.name}: {error.description}")
    for header, value in error.get_headers():
        if header.lower() != "content-type":
            response.headers[header] = value
    return response


StartResponse = Any
WsgiApp = Any


class RequestOrigin:
    """WSGI middleware: fixes the origin every absolute URL the app writes is built from.

    With a public URL (the PUBLIC_URL setting) the request's scheme, host and path prefix
    are that URL's, whatever Host header a client sends: a forged Host can never reach a
    published URL. Without one, an absolute-form request target (``GET http://host/path``)
    names the host, not the Host header (RFC 9112 §3.2.2); Werkzeug's own server does
    this, gunicorn leaves the header.
    """

    def __init__(self, app: WsgiApp, public_url: str | None) -> None:
        self.app = app
        self.public = urlsplit(public_url) if public_url else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.public is not None:
            environ["wsgi.url_scheme"] = self.public.scheme
            environ["HTTP_HOST"] = self.public.netloc
            environ["SCRIPT_NAME"] = self.public.path.rstrip("/")
        else:
            target = urlsplit(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
            if target.scheme in ("http", "https") and target.netloc:
                environ["wsgi.url_scheme"] = target.scheme
                environ["HTTP_HOST"] = target.netloc
        return self.app(environ, start_response)  # type: ignore[no-any-return]  # WSGI is untyped


def _snapshot_present() -> None:
    present_snapshot()  # raises SnapshotGone, answered by the error map


def init_app(app: Flask) -> None:
    """Install compression, bounded chunked bodies, conditional GETs, CORS and plain-text
    HTTP errors."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip", "deflate"])
    Compress(app)
    # Registered after Compress: after_request runs in reverse, so ours sets the ETag
    # before Flask-Compress marks it with the compression algorithm.
    # First: a server whose snapshot was removed says so, whatever the route.
    app.before_request(_snapshot_present)
    app.before_request(_bounded_chunked_body)
    app.before_request(_not_modified)
    app.after_request(_add_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.wsgi_app = RequestOrigin(app.wsgi_app, app.extensions[EXTENSION_KEY].settings.public_url)  # type: ignore[method-assign]  # Flask's documented way to add middleware
    app.register_error_handler(ProtocolError, _mapped_error)
    for kind in MAPPED_ERRORS:
        app.register_error_handler(kind, _mapped_error)
