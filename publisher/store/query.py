"""What a store is asked and what it answers: the request, the result, the errors.

Every part of the publisher that runs SPARQL (the endpoint, the pages, the CLI, the
benchmarks) speaks through these types, so a limit or an error means the same
everywhere. Format names are those of ``publisher.rdf.formats``.
"""

from dataclasses import dataclass
from typing import Literal, Protocol

Kind = Literal["bindings", "boolean", "graph"]

# Steps one property path may have (MUNICIPAL_ROLES_MAX_PATH_STEPS): Oxigraph's planning
# time grows with the cube of a path's length, 0.3 s at 100 steps, 20 s at 400
# (bench/paths).
DEFAULT_MAX_PATH_STEPS = 64


class QueryError(Exception):
    """The query cannot run here (bad syntax, an unknown graph): the client's fault, 400."""


class ForbiddenQuery(QueryError):
    """The query asks for something this endpoint never does (an outbound request): 400."""


class UpdateRefused(Exception):
    """The request is a SPARQL Update; the endpoint is read-only: 403."""


class QueryTimeout(Exception):
    """The query ran past its time limit and was stopped: 503."""


class StoreUnavailable(Exception):
    """The store could not answer (an external endpoint down, a worker died): 503."""


@dataclass(frozen=True)
class QueryRequest:
    """A query and how to answer it; ``None`` formats mean the client accepts none."""

    text: str
    result_format: str | None = "json"
    graph_format: str | None = "turtle"
    # Graphs the protocol request names (default-graph-uri, named-graph-uri); None: none.
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int = 10_000
    # Rows (or triples) stop once their terms, as N-Triples writes them, pass this many
    # bytes: a few huge rows are cut as well as many small ones, at the same row in every
    # format.
    max_bytes: int = 16 << 20
    # Steps the guard accepts in one property path (0: any).
    max_path_steps: int = DEFAULT_MAX_PATH_STEPS
    # Relative IRIs in the query resolve against this (the endpoint's URL).
    base_iri: str | None = None
    # The publisher's own query (a page's description, labels, the catalog's counts), built
    # from checked IRIs: not read by the guard, so no client-facing text cap applies.
    trusted: bool = False


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
