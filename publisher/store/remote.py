"""An external SPARQL 1.1 endpoint (Fuseki, Oxigraph server, QLever, Virtuoso) as the store."""

import socket
import threading
from contextlib import suppress
from dataclasses import dataclass, field

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

# The name of a graph that exists nowhere (a urn: is never dereferenced).
NO_GRAPH = "urn:x-municipal-roles:no-graph"


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
            response = self.client.post(
                self.endpoint, data=form, timeout=timeout, headers={"Accept": accept}
            )
        except httpx.TimeoutException as error:
            raise QueryTimeout(f"the endpoint did not answer within {timeout:g} s") from error
        except httpx.HTTPError as error:
            raise StoreUnavailable(f"the endpoint {self.endpoint} failed: {error}") from error
        if response.status_code == 400:
            raise QueryError(response.text.strip() or "the SPARQL endpoint refused the query")
        if response.status_code != 200:
            raise StoreUnavailable(
                f"the SPARQL endpoint {self.endpoint} answered {response.status_code}"
            )
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if media_type == "application/n-triples":
            quads = ox.parse(response.content, ox.RdfFormat.N_TRIPLES)
            return serialize((quad.triple for quad in quads), request)
        answer = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
        return serialize(answer, request)

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
