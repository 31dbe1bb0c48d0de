"""Where SPARQL queries are answered: one small interface, two implementations.

``EmbeddedStore`` opens the snapshot's Oxigraph store read-only in worker processes;
``RemoteStore`` forwards to an external SPARQL 1.1 endpoint (Fuseki, Oxigraph server,
QLever, Virtuoso) that holds the same named graphs, for data beyond one machine.
Both answer with serialized bytes, cut to ``MAX_ROWS``, in the format asked for.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx
import pyoxigraph as ox

from publisher.guard import check_query, is_volatile, with_usual_prefixes
from publisher.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, PREFIXES
from publisher.snapshot import Snapshot

# The graphs a query may name; their union is the default graph.
DATASET_GRAPHS: tuple[str, ...] = (str(ASSERTED_GRAPH), str(INFERRED_GRAPH))

RESULT_SERIALIZERS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_SERIALIZERS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

Kind = Literal["bindings", "boolean", "graph"]


class QueryError(Exception):
    """The query cannot run here (bad syntax, an unknown graph): the client's fault, 400."""


class QueryTimeout(Exception):
    """The query ran past its time limit and was stopped: 503."""


class StoreUnavailable(Exception):
    """The store could not answer (an external endpoint down, a worker died): 503."""


@dataclass(frozen=True)
class QueryRequest:
    """A query and how to answer it; ``None`` formats mean the client accepts none."""

    text: str
    result_format: str | None = "json"
    graph_format: str | None = "ttl"
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int = 10_000
    # Rows stop once their N-Triples terms pass this many bytes: few rows can be huge.
    max_bytes: int = 16 << 20
    # Relative IRIs in the query resolve against this (the endpoint's URL).
    base_iri: str | None = None


@dataclass(frozen=True)
class QueryResult:
    """A serialized answer. ``format`` is None when the client accepts no format of ``kind``."""

    kind: Kind
    format: str | None
    body: bytes = b""
    truncated: bool = False
    rows: int = 0


class SparqlStore(Protocol):
    """What the publisher needs of a store: answer one query, and let go of resources."""

    def query(self, request: QueryRequest, timeout: float) -> QueryResult: ...

    def close(self) -> None: ...


def query_options(request: QueryRequest, query_names_dataset: bool) -> dict[str, Any]:
    """Oxigraph's query arguments: base IRI, the usual prefixes, and the dataset.

    The dataset is the protocol's graphs, else the query's own FROM, else the union of
    the snapshot's graphs. Oxigraph lets ``default_graph`` override a query's FROM (the
    protocol wins, as SPARQL 1.1 Protocol §2.1.4 says), and so does its union flag, so
    the union is asked for only when neither names graphs. The flag rather than a list
    of the two graphs: the snapshot store holds only them, and Oxigraph evaluates the
    flag about a third faster (bench/serve).
    """
    options: dict[str, Any] = {"base_iri": request.base_iri, "prefixes": PREFIXES}
    if request.default_graphs is not None or request.named_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs or ()]
        options["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs or ()]
    elif not query_names_dataset:
        options["use_default_graph_as_union"] = True
    return options


def serialize(
    answer: ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple], request: QueryRequest
) -> QueryResult:
    """Serialize an Oxigraph answer in the requested format, cut to ``max_rows``."""
    if isinstance(answer, ox.QueryBoolean):
        fmt = request.result_format
        if fmt is None:
            return QueryResult("boolean", None)
        return QueryResult("boolean", fmt, answer.serialize(format=RESULT_SERIALIZERS[fmt]))
    if isinstance(answer, ox.QuerySolutions):
        fmt = request.result_format
        if fmt is None:
            return QueryResult("bindings", None)
        # Rows are read lazily, so a huge result stops costing at the cap. Oxigraph only
        # serializes its own iterators, so the kept rows go back through TSV, where each
        # term is written exactly as N-Triples does (str() of the term), and are then
        # written in the format asked for.
        lines = ["\t".join(str(variable) for variable in answer.variables)]
        truncated = False
        size = 0
        for row in answer:
            if len(lines) > request.max_rows or size > request.max_bytes:
                truncated = True
                break
            lines.append("\t".join(["" if term is None else str(term) for term in row]))
            size += len(lines[-1])
        table = ("\n".join(lines) + "\n").encode()
        solutions = ox.parse_query_results(table, ox.QueryResultsFormat.TSV)
        body = solutions.serialize(format=RESULT_SERIALIZERS[fmt])
        return QueryResult("bindings", fmt, body, truncated, len(lines) - 1)
    fmt = request.graph_format
    if fmt is None:
        return QueryResult("graph", None)
    triples, truncated = _first(answer, request.max_rows, request.max_bytes)
    body = ox.serialize(triples, format=GRAPH_SERIALIZERS[fmt], prefixes=PREFIXES)
    return QueryResult("graph", fmt, body, truncated, len(triples))


def _first(items: Iterable[Any], limit: int, max_bytes: int) -> tuple[list[Any], bool]:
    kept = []
    size = 0
    for item in items:
        if len(kept) == limit or size > max_bytes:
            return kept, True
        kept.append(item)
        size += len(str(item))
    return kept, False


def open_store(snapshot: Snapshot, config: Mapping[str, Any]) -> SparqlStore:
    """The store the configuration names (an external endpoint, else the snapshot's own),
    behind a cache of answers when ``RESPONSE_CACHE_BYTES`` is positive."""
    store: SparqlStore
    if config.get("SPARQL_ENDPOINT"):
        store = RemoteStore(str(config["SPARQL_ENDPOINT"]))
    else:
        from publisher.workers import EmbeddedStore

        store = EmbeddedStore(
            snapshot.store_path,
            processes=int(config["QUERY_PROCESSES"]),
            memory_mb=int(config["QUERY_MEMORY_MB"]),
        )
    budget = int(config.get("RESPONSE_CACHE_BYTES") or 0)
    return CachedStore(store, budget) if budget > 0 else store


class CachedStore:
    """Answers kept in memory, least recently used dropped first, within a byte budget.

    A snapshot never changes, so an answer stays right for as long as the app serves it:
    repeated queries (canned queries, pages, crawlers) cost a dictionary look-up. Queries
    calling NOW(), RAND() and the like are the exception and always run.
    """

    def __init__(self, store: SparqlStore, budget: int) -> None:
        self.store = store
        self.budget = budget
        self._answers: OrderedDict[QueryRequest, QueryResult] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def query(self, request: QueryRequest, timeout: float) -> QueryResult:
        with self._lock:
            cached = self._answers.get(request)
            if cached is not None:
                self._answers.move_to_end(request)
                return cached
        result = self.store.query(request, timeout)
        cost = len(result.body) + len(request.text)
        if cost <= self.budget // 8 and not is_volatile(request.text):
            with self._lock:
                if request not in self._answers:
                    self._answers[request] = result
                    self._size += cost
                while self._size > self.budget:
                    old_request, old = self._answers.popitem(last=False)
                    self._size -= len(old.body) + len(old_request.text)
        return result

    def close(self) -> None:
        self.store.close()


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
        check_query(request.text, DATASET_GRAPHS)
        default, named = request.default_graphs, request.named_graphs
        if default is None and named is None:
            default = named = DATASET_GRAPHS
        form = {
            "query": with_usual_prefixes(request.text),
            "default-graph-uri": list(default or ()),
            "named-graph-uri": list(named or ()),
        }
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
