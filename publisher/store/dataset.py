"""Which graphs a query runs over: decided once, here, for every store.

SPARQL 1.1 Protocol §2.1.4: graphs named by the request (``default-graph-uri``,
``named-graph-uri``) win over the query's own FROM and FROM NAMED; without either, the
default graph is the union of the snapshot's graphs. The embedded and the remote store
turn the same choice into Oxigraph arguments or protocol parameters, so a query counts
the same triples on both.
"""

from dataclasses import dataclass
from typing import Literal

from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH
from publisher.store.guard import QueryDataset, check_query
from publisher.store.query import QueryRequest

# The graphs a query may name; their union is the default graph.
DATASET_GRAPHS: tuple[str, ...] = (str(ASSERTED_GRAPH), str(INFERRED_GRAPH))


@dataclass(frozen=True)
class Dataset:
    """The graphs of one query, and who chose them."""

    chosen_by: Literal["protocol", "query", "union"]
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def choose_dataset(request: QueryRequest, own: QueryDataset) -> Dataset:
    """The protocol's graphs, else the query's own FROM, else the union of the snapshot's."""
    if request.default_graphs is not None or request.named_graphs is not None:
        return Dataset("protocol", request.default_graphs or (), request.named_graphs or ())
    if own.named:
        return Dataset("query", own.default_graphs, own.named_graphs)
    return Dataset("union", DATASET_GRAPHS, DATASET_GRAPHS)


def query_dataset(request: QueryRequest) -> Dataset:
    """The graphs of a request, the guard having read its text (it raises for a query this
    endpoint refuses). The publisher's own queries (``trusted``) name no graph and are not
    read: they are the union's, and the client-facing caps do not apply to them."""
    if request.trusted:
        return choose_dataset(request, QueryDataset())
    own = check_query(request.text, DATASET_GRAPHS, request.max_path_steps)
    return choose_dataset(request, own)
