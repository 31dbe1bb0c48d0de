"""Content negotiation: which format of ``publisher.rdf.formats`` answers a request.

A suffix (``.ttl``) or a ``format`` parameter overrides Accept, for people pasting links.
Tables list their default first: Werkzeug's ``best_match`` gives ties and ``*/*`` to the
first offer. Pages that are HTML for people and RDF for machines offer the RDF formats
first and HTML last, so that ``*/*`` and a missing Accept header get Turtle while a
browser, which asks for ``text/html`` by name, gets the page.
"""

from collections.abc import Callable
from functools import lru_cache

from flask import Response, request
from werkzeug.datastructures import MIMEAccept

from publisher.rdf.formats import GRAPH_FORMATS, HTML, Format, find_format, media_types
from publisher.web.http import error_response

PAGE_FORMATS: tuple[Format, ...] = (*GRAPH_FORMATS, HTML)


def negotiate(
    formats: tuple[Format, ...], accept: MIMEAccept, requested: str | None = None
) -> Format | None:
    """The format to answer in: the ``format`` parameter if given, else the Accept header.

    None means nothing fits and the caller answers 406; a missing Accept header means
    the default (the first format).
    """
    if requested:
        return find_format(formats, requested)
    if not accept:
        return formats[0]
    return _best(formats, tuple(accept))


# Clients send few distinct Accept headers, and matching one against a table costs more
# than the rest of a cheap query's request (bench/serve/breakdown.py): each pair is
# matched once. Bounded, since a client may send any header.
@lru_cache(maxsize=512)
def _best(formats: tuple[Format, ...], accept: tuple[tuple[str, float], ...]) -> Format | None:
    offers = [media for fmt in formats for media in (fmt.media_type, *fmt.media_aliases)]
    best = MIMEAccept(accept).best_match(offers)
    return find_format(formats, best) if best else None


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


def not_acceptable(formats: tuple[Format, ...], what: str, suffixes: bool = False) -> Response:
    """406 naming what can be served and how to ask for it; ``suffixes``: the route also
    takes a suffix (``/id/x.ttl``), so the message offers one."""
    how = "set the Accept header or the 'format' parameter to one of them"
    if suffixes:
        how += f", or add a suffix such as .{formats[0].extension}"
    available = media_types(formats)
    response = error_response(406, f"Not Acceptable: {what} is available as {available}; {how}")
    response.vary.add("Accept")
    return response


def alternate_links(url_for_format: Callable[[Format], str], formats: tuple[Format, ...]) -> str:
    """A ``Link`` header value advertising every other representation of the page."""
    return ", ".join(
        f'<{url_for_format(fmt)}>; rel="alternate"; type="{fmt.media_type}"' for fmt in formats
    )
