"""An external SPARQL 1.1 endpoint (Fuseki, Oxigraph server, QLever, Virtuoso) as the store."""

import io
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, TypeVar, cast

import httpx
import pyoxigraph as ox

from publisher.store.dataset import query_dataset
from publisher.store.guard import with_usual_prefixes
from publisher.store.query import (
    QueryError,
    QueryRequest,
    QueryResult,
    QueryTimeout,
    StoreUnavailable,
)
from publisher.store.serialization import serialize
from publisher.store.writers import Solutions

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

T = TypeVar("T")

# The name of a graph that exists nowhere (a urn: is never dereferenced).
NO_GRAPH = "urn:x-municipal-roles:no-graph"
# What Oxigraph's parsers say of a token longer than their buffer.
LEXER_FULL = "Reached the buffer maximal size"
# An error message is read this far.
MESSAGE_BYTES = 64 << 10


def answer_bytes(request: QueryRequest) -> int:
    """How much of the endpoint's answer is read: room for every answer within the caps
    (SPARQL JSON spends at most about twice a term's N-Triples bytes, plus a fixed markup
    per binding, which the row cap bounds), so the cut is the caps' own, while an answer
    far past them is never read whole into the web worker."""
    return 4 * request.max_bytes + (32 << 20)


def _message(response: httpx.Response) -> str:
    """The start of an error answer's text."""
    body = b""
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) >= MESSAGE_BYTES:
            break
    return body[:MESSAGE_BYTES].decode(errors="replace").strip()


class _PastCap(Exception):
    """The endpoint's answer is longer than it is read."""


class _Capped(io.RawIOBase):
    """The answer's body as a stream for Oxigraph's parsers, stopped past ``limit`` bytes."""

    def __init__(self, chunks: Iterator[bytes], limit: int) -> None:
        self._chunks = chunks
        self._pending = b""
        self._left = limit
        self.past_cap = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "WriteableBuffer") -> int:
        if not self._pending:
            self._pending = next(self._chunks, b"")
        view = memoryview(buffer).cast("B")
        count = min(len(view), len(self._pending), self._left)
        if count == 0 and self._pending:
            raise _PastCap
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        self._left -= count
        return count

    def until_cap(self, items: Iterable[T]) -> Iterator[T]:
        """``items`` parsed from this stream, ending quietly where the stream was cut, or
        at a term longer than Oxigraph's parsers hold (16 MiB, past the default cap)."""
        try:
            yield from items
        except _PastCap:
            self.past_cap = True
        except MemoryError as error:
            if not str(error).startswith(LEXER_FULL):
                raise
            self.past_cap = True

    def as_file(self) -> IO[bytes]:
        """This stream as Oxigraph's parsers take it (typeshed does not call a raw
        stream ``IO[bytes]``)."""
        return cast(IO[bytes], self)


@dataclass
class RemoteStore:
    """An external SPARQL 1.1 endpoint holding the snapshot's graphs under their names.

    The endpoint is asked for SPARQL JSON or N-Triples, and the answer is cut and
    re-serialized here, so clients see the same limits and formats as with the embedded
    store. The endpoint's own time limit should match ours; we stop waiting at ours.
    """

    endpoint: str
    client: httpx.Client = field(default_factory=httpx.Client)

    def query(self, request: QueryRequest, timeout: float) -> QueryResult:
        dataset = query_dataset(request)
        # The publisher's own queries write their IRIs out in full.
        text = request.text if request.trusted else with_usual_prefixes(request.text)
        form: dict[str, str | list[str]] = {"query": text}
        if dataset.chosen_by != "query":  # else the endpoint reads the query's own FROM
            # No parameter would mean the endpoint's own default dataset: an empty default
            # graph is asked for by a name no store holds and none can fetch.
            form["default-graph-uri"] = list(dataset.default_graphs) or [NO_GRAPH]
            form["named-graph-uri"] = list(dataset.named_graphs)
        accept = "application/sparql-results+json, application/n-triples;q=0.9"
        try:
            with self.client.stream(
                "POST", self.endpoint, data=form, timeout=timeout, headers={"Accept": accept}
            ) as response:
                return self._answer(response, request)
        except httpx.TimeoutException as error:
            raise QueryTimeout(f"the endpoint did not answer within {timeout:g} s") from error
        except httpx.HTTPError as error:
            raise StoreUnavailable(f"the endpoint {self.endpoint} failed: {error}") from error

    def _answer(self, response: httpx.Response, request: QueryRequest) -> QueryResult:
        """The endpoint's answer parsed as it arrives, and read no further than
        ``answer_bytes(request)``: past it, the rows already parsed are the answer, cut."""
        if response.status_code == 400:
            raise QueryError(_message(response) or "the SPARQL endpoint refused the query")
        if response.status_code != 200:
            raise StoreUnavailable(
                f"the SPARQL endpoint {self.endpoint} answered {response.status_code}"
            )
        reader = _Capped(response.iter_bytes(), answer_bytes(request))
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if media_type == "application/n-triples":
            quads = ox.parse(input=reader.as_file(), format=ox.RdfFormat.N_TRIPLES)
            result = serialize(reader.until_cap(quad.triple for quad in quads), request)
        else:
            answer = ox.parse_query_results(reader.as_file(), ox.QueryResultsFormat.JSON)
            if isinstance(answer, ox.QuerySolutions):
                rows = Solutions(answer.variables, reader.until_cap(answer))
                result = serialize(rows, request)
            else:
                result = serialize(answer, request)
        return replace(result, truncated=True) if reader.past_cap else result

    def close(self) -> None:
        self.client.close()


def follows_service(store: RemoteStore, timeout: float) -> bool:
    """Whether the store makes the request a SERVICE clause asks for: it is asked a query
    whose SERVICE names a loopback listener opened here, which closes every connection
    it gets (so the store's request fails at once). For ``serve``, which refuses such a
    store: the guard refuses SERVICE, but a store that follows it is one bypass from
    fetching on a client's behalf. Only a store on this host can reach the listener.

    Raises StoreUnavailable or QueryTimeout when the store does not answer at all."""
    reached = threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.1)
        done = threading.Event()

        def close_each_connection() -> None:
            while not done.is_set():
                with suppress(TimeoutError):
                    connection, _ = listener.accept()
                    reached.set()
                    connection.close()

        watcher = threading.Thread(target=close_each_connection, daemon=True)
        watcher.start()
        port = listener.getsockname()[1]
        probe = f"ASK {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        try:
            with suppress(QueryError, StoreUnavailable):  # refusing SERVICE is an error
                store.query(QueryRequest(probe, trusted=True), timeout)
            if not reached.is_set():
                store.query(QueryRequest("ASK {}", trusted=True), timeout)  # it answers?
        finally:
            done.set()
            watcher.join()
    return reached.is_set()
