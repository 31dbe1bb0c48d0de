"""The per-request path of the app: its request class and Flask's dispatch, made lean.

A cheap query at ``/sparql`` costs Oxigraph's own server about 0.15 ms of CPU; the web
worker's Python around the same query cost about 1 ms (bench/serve/breakdown.py), much of
it work that gives the same answer on every request: the Accept header parsed again, the
cookie header joined and parsed when there is none, each hook and view asked whether it
is a coroutine. Each is done once here; what a request gets is unchanged.
"""

from functools import lru_cache
from typing import Any

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict, MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.utils import cached_property


@lru_cache(maxsize=512)
def _parsed_accept(header: str | None) -> MIMEAccept:
    """An Accept header parsed, once per distinct value: clients send few of them, and
    MIMEAccept is immutable, so requests can share one. Bounded, since a client may send
    any header."""
    return parse_accept_header(header, MIMEAccept)


class PublisherRequest(Request):
    """Flask's request, with the parses a request repeats done once."""

    @cached_property
    def accept_mimetypes(self) -> MIMEAccept:
        return _parsed_accept(self.environ.get("HTTP_ACCEPT"))

    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        if "HTTP_COOKIE" not in self.environ:
            # What parsing no Cookie header gives, without looking for one.
            return self.dict_storage_class()  # type: ignore[return-value]  # Werkzeug's own default
        return super().cookies


class Publisher(Flask):
    """The publisher's Flask app: its own request class, and each hook and view checked
    for being a coroutine once rather than on every request (Flask's ``ensure_sync``
    asks ``inspect.iscoroutinefunction`` of each, seven times a ``/sparql`` request)."""

    request_class = PublisherRequest

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: dict[Any, Any] = {}

    def ensure_sync(self, func: Any) -> Any:
        try:
            return self._synchronous[func]
        except KeyError:
            ready = super().ensure_sync(func)
            if len(self._synchronous) < _SYNCHRONOUS_CACHED:
                self._synchronous[func] = ready
            return ready
        except TypeError:  # an unhashable callable: asked every time, as Flask does
            return super().ensure_sync(func)


# The app's hooks, views and error handlers are a few dozen; a callable made anew per
# request (none here) would be asked every time rather than fill the cache.
_SYNCHRONOUS_CACHED = 1024
