"""Content negotiation for pages that are HTML for people and RDF for machines.

The RDF table is ``publisher.formats.GRAPH_FORMATS``; this adds HTML after it, so that
``*/*`` and a missing Accept header get Turtle while a browser, which asks for
``text/html`` by name, gets the page. A suffix (``.ttl``) or a ``format`` parameter
overrides Accept, for people pasting links.
"""

from collections.abc import Callable

from flask import Response, request

from publisher.formats import GRAPH_FORMATS, Format, media_types, negotiate
from publisher.http import error_response

HTML = Format("html", "text/html", "html", "HTML", ("application/xhtml+xml",))
# Plain JSON, for pages whose machine form is a JSON document (query list, reports).
JSON = Format("json", "application/json", "json", "JSON")
PAGE_FORMATS: tuple[Format, ...] = (*GRAPH_FORMATS, HTML)


def split_suffix(path: str, formats: tuple[Format, ...]) -> tuple[str, Format | None]:
    """``a/b.ttl`` -> (``a/b``, Turtle); a path without a known suffix comes back whole."""
    stem, dot, suffix = path.rpartition(".")
    if dot and "/" not in suffix:
        fmt = next((f for f in formats if suffix == f.extension), None)
        if fmt is not None:
            return stem, fmt
    return path, None


def choose_format(formats: tuple[Format, ...], suffix: Format | None = None) -> Format | None:
    """The suffix's format, else the ``format`` parameter's, else Accept's; None: 406."""
    return suffix or negotiate(formats, request.accept_mimetypes, request.values.get("format"))


def not_acceptable(formats: tuple[Format, ...], what: str) -> Response:
    """406 naming what can be served and how to ask for it."""
    response = error_response(
        406,
        f"Not Acceptable: {what} is available as {media_types(formats)}; "
        "set the Accept header, add a 'format' parameter or a suffix such as .ttl",
    )
    response.vary.add("Accept")
    return response


def alternate_links(url_for_format: Callable[[Format], str], formats: tuple[Format, ...]) -> str:
    """A ``Link`` header value advertising every other representation of the page."""
    return ", ".join(
        f'<{url_for_format(fmt)}>; rel="alternate"; type="{fmt.media_type}"' for fmt in formats
    )
