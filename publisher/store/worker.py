"""A query process: it opens the snapshot's store read-only and answers jobs until its pipe
closes (started by ``publisher.store.embedded`` from the fork server, which preloads this
module).

It imports no parser of queries: the guard has read each query in the web worker, and a
job carries the dataset it decided on. So a query process stays small, and a query costs
one parse, not two.
"""

import os
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from publisher.rdf.namespaces import PREFIXES
from publisher.sandbox import cap_memory, cut_network
from publisher.store.dataset import Dataset
from publisher.store.query import QueryError, QueryRequest, QueryResult, StoreUnavailable
from publisher.store.serialization import serialize


@dataclass(frozen=True)
class Job:
    """One query for a query process, with the graphs the guard chose for it."""

    request: QueryRequest
    dataset: Dataset


def query_options(request: QueryRequest, dataset: Dataset) -> dict[str, Any]:
    """Oxigraph's query arguments: base IRI, the usual prefixes, and the dataset.

    Oxigraph lets ``default_graph`` override a query's FROM (the protocol wins), and so
    does its union flag, so the union is asked for only when neither names graphs. The
    flag rather than a list of the two graphs: the snapshot store holds only them, and
    Oxigraph evaluates the flag about a third faster (bench/serve).
    """
    options: dict[str, Any] = {"base_iri": request.base_iri, "prefixes": PREFIXES}
    if dataset.chosen_by == "protocol":
        options["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs]
        options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
    elif dataset.chosen_by == "union":
        options["use_default_graph_as_union"] = True
    return options


def answer(store: ox.Store, job: Job) -> QueryResult:
    """Run one query on an open store (in a worker process)."""
    try:
        result = store.query(job.request.text, **query_options(job.request, job.dataset))
        return serialize(result, job.request)
    except SyntaxError as error:
        raise QueryError(f"syntax error: {error}") from error


def serve(store_path: str, connection: Connection, memory_mb: int) -> None:
    """A worker's life: open the store, then answer requests until the pipe closes.

    Oxigraph holds sorts and joins in memory (a cross product under ORDER BY grows by
    about 1 GB a second), so the worker's address space is capped: a query past it ends
    the worker, not the machine.
    """
    if not cut_network():
        print(
            f"query process {os.getpid()}: cannot drop network access (unshare refused); "
            "relying on the query guard alone",
            file=sys.stderr,
            flush=True,
        )
    cap_memory(memory_mb)
    store = ox.Store.read_only(store_path)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply: QueryResult | Exception = answer(store, job)
        except (QueryError, OSError, ValueError) as error:
            reply = QueryError(str(error))
        except Exception as error:  # any other failure is reported, not fatal to the worker
            reply = StoreUnavailable(f"{type(error).__name__}: {error}")
        connection.send(reply)
