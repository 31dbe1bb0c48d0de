"""An external SPARQL 1.1 endpoint (Fuseki, Oxigraph server, QLever, Virtuoso) as the store."""

import io
import re
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, TypeVar, cast

import httpx
import pyoxigraph as ox

from publisher.store.dataset import query_dataset
from publisher.store.guard import (
    decode_codepoint_escapes,
    with_usual_prefixes,
    without_dataset_clauses,
)
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
# A query's prologue (SPARQL 1.1 §19.8 [4]-[6], comments between), then the keyword of
# its form. An IRIREF holds no '<', '>' or space, so a '#' inside one is no comment.
_PROLOGUE = re.compile(
    r"(?:\s+|#[^\n\r]*|BASE\s*<[^<>\s]*>|PREFIX\s*[^\s:]*:\s*<[^<>\s]*>)*", re.IGNORECASE
)
# What an IRI written in a query may hold (SPARQL 1.1 §19.8 [139] IRIREF).
_IRIREF = re.compile(r'[^<>"{}|^`\\\x00-\x20]+')
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
# What each form's answer is asked in. One Accept for all would not do: Virtuoso picks
# the first type it offers whatever the form (a CONSTRUCT as result bindings, a SELECT
# as N-Triples of the result-set vocabulary).
RESULTS = "application/sparql-results+json"
GRAPH = "application/n-triples"
# Virtuoso 7.2 answers ASK as a SELECT of one integer in this variable.
VIRTUOSO_ASK = "__ASK_RETVAL"
# Virtuoso names a blank node as an IRI of this scheme ("nodeID://b10000"), in JSON
# results too, where it is no valid blank node label: the scheme is taken off.
VIRTUOSO_BNODE = (b'"type": "bnode", "value": "nodeID://', b'"type": "bnode", "value": "')
# Virtuoso's header on an answer it cut at a time limit the request set (``timeout``, in
# ms): an "anytime" answer, status 200, the rows found so far.
VIRTUOSO_STATE = "x-sql-state"
# How Virtuoso's 500 starts when it stopped a query at MaxQueryExecutionTime of its
# virtuoso.ini ("Virtuoso S1T00 Error SR171: Transaction timed out"; S1T00 is the SQL
# state of a time-out): the query's fault, as the embedded store's time limit is.
VIRTUOSO_TIMED_OUT = "Virtuoso S1T00 "


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the keyword after the query's prologue."""
    decoded = decode_codepoint_escapes(text)
    prologue = _PROLOGUE.match(decoded)  # matches always, the empty prologue too
    found = _FORM.match(decoded, prologue.end() if prologue else 0)
    return found.group(1).upper() if found else "SELECT"


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


def _replaced(chunks: Iterator[bytes], old: bytes, new: bytes) -> Iterator[bytes]:
    """``chunks`` with each ``old`` replaced by ``new``, also where ``old`` spans two
    chunks (the last ``len(old) - 1`` bytes wait for the next chunk)."""
    pending = b""
    for chunk in chunks:
        pending = (pending + chunk).replace(old, new)
        cut = max(0, len(pending) - len(old) + 1)
        if cut:
            yield pending[:cut]
            pending = pending[cut:]
    if pending:
        yield pending


def _virtuoso_boolean(answer: ox.QuerySolutions) -> ox.QueryBoolean:
    """Virtuoso's ASK answer (one row, 1 or 0) as the boolean it stands for."""
    row = next(iter(answer), None)
    value = row[VIRTUOSO_ASK] if row is not None else None
    truth = b"true" if value is not None and value.value == "1" else b"false"
    # Oxigraph makes a boolean answer only by parsing one.
    boolean = ox.parse_query_results(
        io.BytesIO(b'{"head":{},"boolean":' + truth + b"}"), ox.QueryResultsFormat.JSON
    )
    assert isinstance(boolean, ox.QueryBoolean)
    return boolean


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
        if dataset.chosen_by == "protocol":
            # The protocol's graphs replace the query's FROM (§2.1.4); Virtuoso would
            # add them to it instead, so the query goes without its FROM.
            text = without_dataset_clauses(text)
        if request.base_iri is not None and _IRIREF.fullmatch(request.base_iri):
            # The protocol has no base parameter: a BASE ahead of the query's own prologue
            # (which may set its own BASE after it) resolves relative IRIs as the embedded
            # store does, against the publisher's endpoint, not the store's.
            text = f"BASE <{request.base_iri}>\n{text}"
        # Every query names its whole dataset, also when it is the query's own FROM: a
        # store may let a GRAPH pattern reach graphs outside FROM NAMED (Virtuoso does),
        # and no parameter, or only default-graph-uri, would mean the store's own dataset
        # (for Virtuoso, every graph it holds). An empty set is asked for by a name no
        # store holds and none can fetch.
        form: dict[str, str | list[str]] = {
            "query": text,
            "default-graph-uri": list(dataset.default_graphs) or [NO_GRAPH],
            "named-graph-uri": list(dataset.named_graphs) or [NO_GRAPH],
        }
        form_ = query_form(request.text)
        accept = GRAPH if form_ in ("CONSTRUCT", "DESCRIBE") else RESULTS
        try:
            with self.client.stream(
                "POST", self.endpoint, data=form, timeout=timeout, headers={"Accept": accept}
            ) as response:
                return self._answer(response, request, form_)
        except httpx.TimeoutException as error:
            raise QueryTimeout(f"the endpoint did not answer within {timeout:g} s") from error
        except httpx.HTTPError as error:
            raise StoreUnavailable(f"the endpoint {self.endpoint} failed: {error}") from error

    def _answer(self, response: httpx.Response, request: QueryRequest, form: str) -> QueryResult:
        """The endpoint's answer parsed as it arrives, and read no further than
        ``answer_bytes(request)``: past it, the rows already parsed are the answer, cut."""
        if response.status_code == 400:
            raise QueryError(_message(response) or "the SPARQL endpoint refused the query")
        if response.status_code == 500:
            message = _message(response)
            if message.startswith(VIRTUOSO_TIMED_OUT):
                raise QueryTimeout(
                    "the query ran past the store's time limit "
                    f"({message.splitlines()[0].removeprefix('Virtuoso ')})"
                )
        if response.status_code != 200:
            raise StoreUnavailable(
                f"the SPARQL endpoint {self.endpoint} answered {response.status_code}"
            )
        if VIRTUOSO_STATE in response.headers:
            # Part of an answer is no answer: a client would take it for the whole.
            raise QueryTimeout(
                f"the endpoint stopped the query at its own time limit "
                f"({response.headers[VIRTUOSO_STATE]}: "
                f"{response.headers.get('x-sql-message', '').strip()})"
            )
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        chunks = response.iter_bytes()
        if media_type != GRAPH:
            chunks = _replaced(chunks, *VIRTUOSO_BNODE)
        reader = _Capped(chunks, answer_bytes(request))
        if media_type == GRAPH:
            quads = ox.parse(input=reader.as_file(), format=ox.RdfFormat.N_TRIPLES)
            result = serialize(reader.until_cap(quad.triple for quad in quads), request)
        else:
            answer = ox.parse_query_results(reader.as_file(), ox.QueryResultsFormat.JSON)
            if isinstance(answer, ox.QuerySolutions):
                if form == "ASK" and [v.value for v in answer.variables] == [VIRTUOSO_ASK]:
                    return serialize(_virtuoso_boolean(answer), request)
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
