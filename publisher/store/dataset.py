"""Which graphs a query runs over: decided once, here, for every store.

SPARQL 1.1 Protocol §2.1.4: graphs named by the request (``default-graph-uri``,
``named-graph-uri``) win over the query's own FROM and FROM NAMED; without either, the
default graph is the union of the snapshot's graphs. The embedded and the remote store
turn the same choice into Oxigraph arguments or protocol parameters, so a query counts
the same triples on both.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from publisher.rdf.iris import ASSERTED_GRAPH_IRI, INFERRED_GRAPH_IRI
from publisher.store.query import QueryRequest

if TYPE_CHECKING:
    from publisher.store.guard import QueryDataset

# The graphs a query may name; their union is the default graph.
DATASET_GRAPHS: tuple[str, ...] = (ASSERTED_GRAPH_IRI, INFERRED_GRAPH_IRI)


@dataclass(frozen=True)
class Dataset:
    """The graphs of one query, and who chose them."""

    chosen_by: Literal["protocol", "query", "union"]
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def choose_dataset(request: QueryRequest, own: "QueryDataset") -> Dataset:
    """The protocol's graphs, else the query's own FROM, else the union of the snapshot's."""
    if request.default_graphs is not None or request.named_graphs is not None:
        return Dataset("protocol", request.default_graphs or (), request.named_graphs or ())
    if own.named:
        return Dataset("query", own.default_graphs, own.named_graphs)
    return Dataset("union", DATASET_GRAPHS, DATASET_GRAPHS)


def query_dataset(request: QueryRequest) -> Dataset:
    """The graphs of a request, the guard having read its text (it raises for a query this
    endpoint refuses). The publisher's own queries (``trusted``) name no graph and are not
    read: they are the union's, and the client-facing caps do not apply to them.

    The guard (tree-sitter) is imported here, not with this module: query processes
    unpickle a ``Dataset`` and must not load a parser of queries (``publisher.store.worker``),
    and the fork server that preloads them starts faster without it."""
    from publisher.store.guard import QueryDataset, check_query

    if request.trusted:
        return choose_dataset(request, QueryDataset())
    own = check_query(request.text, DATASET_GRAPHS, request.max_path_steps)
    return choose_dataset(request, own)
